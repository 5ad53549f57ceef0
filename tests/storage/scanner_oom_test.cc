// A Scanner's morsels scanned ahead on a pool thread (a oneTBB worker, or
// the producer's own thread under TSan) must turn an exception into the
// morsel's status: thrown on a pool thread it would end the process, since
// no API guard is on that thread's stack. This binary replaces the global
// operator new so that, once armed, large allocations (batch buffers, not
// oneTBB's small bookkeeping) fail off the main thread.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "tests/storage/scan_reference.h"

namespace {

std::atomic<bool> g_armed{false};
std::thread::id g_main;

}  // namespace

// GCC sees free() of memory from the (replaced) operator new as mismatched.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (n >= 64 * 1024 && g_armed.load(std::memory_order_relaxed) && std::this_thread::get_id() != g_main) {
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace dp::testing {
namespace {

TEST(ScannerOom, AnAllocationFailureOnAPoolThreadIsTheScansError) {
  g_main = std::this_thread::get_id();
  TempDir dir;
  std::vector<int64_t> v(6 * 128 * 1024);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int64_t(i * 7);
  auto source = Int64Source(dir.File("s.dpc"), v);
  ASSERT_OK(source);
  ScanSpec spec;
  spec.threads = 2;
  spec.batch_rows = 64 * 1024;  // 512 KB batch columns: above the armed size
  auto scanner = Scanner::Open(*source, spec);
  ASSERT_OK(scanner);
  g_armed = true;
  uint64_t got = 0;
  Status error;
  dp::Batch batch;
  while (true) {
    auto more = (*scanner)->Next(&batch);
    if (!more.ok()) {
      error = more.status();
      break;
    }
    if (!*more) break;
    for (size_t r = 0; r < batch.num_rows; ++r) ASSERT_EQ(batch.columns[0].values<int64_t>()[r], v[got + r]);
    got += batch.num_rows;
  }
  g_armed = false;
  if (std::thread::hardware_concurrency() < 2) {
    GTEST_SKIP() << "one core: no pool worker scans, nothing fails";
  }
  // Some morsel was scanned off the main thread: the scan stops there with
  // its error, after exactly the rows of the morsels before it.
  ASSERT_FALSE(error.ok()) << "no morsel was scanned on a pool thread (" << got << " rows)";
  EXPECT_EQ(error.code(), StatusCode::kResourceExhausted) << error.ToString();
  EXPECT_NE(error.ToString().find("out of memory scanning morsel"), std::string::npos) << error.ToString();
  EXPECT_EQ(got % (128 * 1024), 0u);
  auto again = (*scanner)->Next(&batch);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().ToString(), error.ToString());
}

}  // namespace
}  // namespace dp::testing
