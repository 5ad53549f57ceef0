// A morsel scan that throws (out of memory) must become the scan's error,
// in morsel order. On a pool thread (a oneTBB worker, or the producer's own
// thread under TSan) nothing else would catch it: no API guard is on that
// thread's stack, and the process would end. This binary replaces the
// global operator new so that, once armed, large allocations (batch
// buffers, not oneTBB's small bookkeeping) fail on every thread: whichever
// thread scans the first morsel (a worker or the consumer, as timing has
// it) fails deterministically, and the error must come from the producer's
// handler, not from the API guard around Next().
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/storage/scan_reference.h"

namespace {

std::atomic<bool> g_armed{false};

}  // namespace

// GCC sees free() of memory from the (replaced) operator new as mismatched.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (n >= 64 * 1024 && g_armed.load(std::memory_order_relaxed)) {
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

TEST(ScannerOom, AnAllocationFailureInAMorselScanIsTheScansError) {
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
  // The first morsel scanned fails: the scan stops there with its error,
  // after exactly the rows of the morsels before it.
  ASSERT_FALSE(error.ok()) << "the scan ended without the failure (" << got << " rows)";
  EXPECT_EQ(error.code(), StatusCode::kResourceExhausted) << error.ToString();
  // The morsel that failed is the first one not delivered.
  const std::string expected = "scan: morsel " + std::to_string(got / (128 * 1024)) + ": out of memory";
  EXPECT_NE(error.ToString().find(expected), std::string::npos) << error.ToString();
  EXPECT_EQ(got % (128 * 1024), 0u);
  auto again = (*scanner)->Next(&batch);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().ToString(), error.ToString());
}

}  // namespace
}  // namespace dp::testing
