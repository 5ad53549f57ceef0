// Crash and concurrency tests of the commit protocol (spec/layout.md
// §"Commit protocol"): writer processes are SIGKILLed at random points, or
// race each other, and the dataset must stay consistent.
//
// DP_CRASH_TRIALS sets the number of kill trials (default 200).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/storage/dataset_test_util.h"

namespace dp::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRows = 5;

pid_t Spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// batch -> version, from an ack file.
std::map<int64_t, uint64_t> ReadAcks(const std::string& path) {
  std::map<int64_t, uint64_t> acks;
  std::ifstream in(path);
  int64_t b;
  uint64_t v;
  while (in >> b >> v) acks[b] = v;
  return acks;
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = MakeEventsDataset(root());
    ASSERT_OK(d);
    ds_.emplace(*d);
  }
  std::string root() const { return tmp_.File("mesh"); }
  std::vector<std::string> ChildArgs(int64_t first, int64_t num, const std::string& ack,
                                     const std::string& mode = "append") const {
    return {DP_WRITER_CHILD, root(), "p", "events", std::to_string(first), std::to_string(num),
            std::to_string(kRows), ack, mode};
  }
  // Microseconds a child takes to start and do `num` steps of `mode` (much
  // longer under sanitizers), so that kills land in every phase.
  uint64_t Calibrate(const std::string& mode, int64_t num) {
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = Spawn(ChildArgs(int64_t{1} << 40, num, tmp_.File("calibration-acks"), mode));
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "calibration child (" << mode << ") failed";
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  }
  // Segment ids referenced by any retained version.
  std::set<std::string> ReferencedSegments() {
    std::set<std::string> ids;
    auto versions = ds_->Versions();
    EXPECT_TRUE(versions.ok()) << versions.status().ToString();
    if (!versions.ok()) return ids;
    for (const VersionInfo& v : *versions) {
      auto s = ds_->At(v.version);
      EXPECT_TRUE(s.ok()) << s.status().ToString();
      if (!s.ok()) continue;
      for (size_t i = 0; i < (*s)->num_segments(); ++i) ids.insert((*s)->segment(i).id);
    }
    return ids;
  }
  // A torn write: the newest file no retained version depends on (a segment
  // of a commit in flight, a manifest being published, the latest hint) loses
  // its tail or has it zero-filled, as a crash before its fsync would leave
  // it. Returns the damaged path, or "" if there was none.
  std::string TearNewestUnpublishedFile(std::mt19937_64& rng) {
    const std::set<std::string> referenced = ReferencedSegments();
    fs::path newest;
    fs::file_time_type newest_time{};
    for (const char* sub : {"_segments", "_versions"}) {
      for (const auto& e : fs::directory_iterator(ds_->path() + "/" + sub)) {
        const std::string n = e.path().filename().string();
        const bool tmp = n.rfind(".tmp-", 0) == 0;
        const bool hint = n == "_latest";
        const bool orphan = std::string(sub) == "_segments" && !referenced.count(e.path().stem().string());
        if (!(tmp || hint || orphan)) continue;
        // A .tmp- name still linked to a published manifest (killed between
        // link and unlink) was fsynced before publication: not tearable.
        if (fs::hard_link_count(e.path()) > 1) continue;
        if (newest.empty() || e.last_write_time() > newest_time) {
          newest = e.path();
          newest_time = e.last_write_time();
        }
      }
    }
    if (newest.empty()) return "";
    const uint64_t size = fs::file_size(newest);
    const uint64_t keep = size ? rng() % size : 0;
    if (rng() % 2) {
      fs::resize_file(newest, keep);
    } else {
      std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(keep));
      const std::string zeros(size - keep, '\0');
      f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    }
    return newest.string();
  }

  // Checks a snapshot: every segment verified (once) and every batch present
  // whole and exactly once. Returns batch -> row count.
  std::map<int64_t, int64_t> CheckSnapshot(const Snapshot& s) {
    std::map<int64_t, int64_t> rows_per_batch;
    for (size_t i = 0; i < s.num_segments(); ++i) {
      const std::string id = s.segment(i).id;
      auto it = seen_.find(id);
      if (it == seen_.end()) {
        Status vs = StatusOf(s, i);
        EXPECT_TRUE(vs.ok()) << vs.ToString();
        std::vector<int64_t> batches;
        auto col = s.ReadColumn(i, 1);
        EXPECT_TRUE(col.ok()) << col.status().ToString();
        if (col.ok()) {
          for (int64_t x : col->values<int64_t>()) batches.push_back(x / kRows);
        }
        it = seen_.emplace(id, std::move(batches)).first;
      }
      for (int64_t b : it->second) ++rows_per_batch[b];
    }
    for (const auto& [b, n] : rows_per_batch) EXPECT_EQ(n, kRows) << "batch " << b << " in version " << s.info().version;
    return rows_per_batch;
  }
  static Status StatusOf(const Snapshot& s, size_t i) {
    auto seg = s.OpenSegment(i);
    if (!seg.ok()) return seg.status();
    VerifyReport r = (*seg)->Verify();
    return r.ok() ? Status::OK() : Status::Corruption(r.issues.front().what);
  }
  void ExpectNoLeftovers() {
    auto gc = ds_->CollectGarbage({.grace_period_us = 0});
    ASSERT_OK(gc);
    collected_ += gc->segments_deleted + gc->temp_files_deleted;
    size_t segs = 0;
    for (const char* sub : {"_segments", "_versions", "_tags"}) {
      for (const auto& e : fs::directory_iterator(ds_->path() + "/" + sub)) {
        const std::string n = e.path().filename().string();
        EXPECT_NE(n.rfind(".tmp-", 0), 0u) << "leftover " << e.path();
        if (std::string(sub) == "_segments") ++segs;
      }
    }
    EXPECT_EQ(segs, gc->segments_referenced);
  }

  TempDir tmp_;
  std::optional<Dataset> ds_;
  std::map<std::string, std::vector<int64_t>> seen_;
  uint64_t collected_ = 0;
};

TEST_F(CrashTest, KilledWritersLoseNothingAcknowledged) {
  const char* env = std::getenv("DP_CRASH_TRIALS");
  const int trials = env ? std::atoi(env) : 200;
  std::mt19937_64 rng(20240301);
  const std::string ack = tmp_.File("acks");
  const uint64_t calib_us = Calibrate("append", 1);
  ASSERT_FALSE(HasFailure());
  uint64_t span_us = calib_us + calib_us / 2 + 5000;
  uint64_t last_version = 0;
  for (int t = 0; t < trials; ++t) {
    // The calibration can run on a quieter machine than the trials (ctest
    // -j runs other sanitized tests beside this one): when too few kills
    // land after a commit, wait longer (regression: a TSan CI run saw 42
    // versions for 200 trials and failed the check below).
    if (t % 25 == 24 && last_version < uint64_t(t) / 3 && span_us < 16 * calib_us) span_us *= 2;
    pid_t pid = Spawn(ChildArgs(int64_t{t} * 100000, 0, ack));
    ASSERT_GT(pid, 0);
    ::usleep(static_cast<useconds_t>(rng() % span_us));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        << "child failed with exit code " << WEXITSTATUS(status);

    auto snap = ds_->Latest();
    ASSERT_OK(snap);
    const std::map<int64_t, uint64_t> acks = ReadAcks(ack);
    EXPECT_GE((*snap)->info().version, last_version);
    last_version = (*snap)->info().version;
    std::map<int64_t, int64_t> present = CheckSnapshot(**snap);
    for (const auto& [b, v] : acks) {
      EXPECT_TRUE(present.count(b)) << "acknowledged batch " << b << " (version " << v << ") lost";
      EXPECT_LE(v, (*snap)->info().version);
    }
    if (t % 50 == 49) ExpectNoLeftovers();
    if (HasFailure()) break;
  }
  ExpectNoLeftovers();
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  ASSERT_OK((*snap)->Verify());
  if (trials >= 20) {
    EXPECT_GT((*snap)->info().version, static_cast<uint64_t>(trials / 4)) << "kills came too early";
  }
  std::printf("%d kill trials: %llu versions, %zu acknowledged batches, %llu crash leftovers collected\n", trials,
              static_cast<unsigned long long>((*snap)->info().version), ReadAcks(ack).size(),
              static_cast<unsigned long long>(collected_));
}

// SIGKILL lands during appends, compactions, version expiry and garbage
// collection running at once; after each kill the newest unpublished file is
// torn (truncated or zero-filled tail) half of the time. The dataset must
// open at a published version holding every acknowledged batch exactly once,
// every checksum must pass, and GC must collect the leftovers.
// DP_CRASH_MAINT_TRIALS sets the number of trials (default 100).
TEST_F(CrashTest, KilledMaintenanceAndTornWritesLoseNothing) {
  const char* env = std::getenv("DP_CRASH_MAINT_TRIALS");
  const int trials = env ? std::atoi(env) : 100;
  std::mt19937_64 rng(20240302);
  const std::string ack = tmp_.File("acks");
  // Enough small segments for the first compactions to have work.
  for (int64_t b = 0; b < 16; ++b) {
    auto v = AppendBatch(*ds_, (int64_t{1'000'000'000} + b) * kRows, kRows);
    ASSERT_OK(v);
  }
  const uint64_t span_us =
      std::max({Calibrate("append", 3), Calibrate("compact", 1), Calibrate("gc", 1)}) * 2 + 5000;
  ASSERT_FALSE(HasFailure());
  int torn = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<pid_t> pids = {Spawn(ChildArgs(int64_t{t} * 100000, 0, ack, "append")),
                               Spawn(ChildArgs(0, 0, ack, "compact")), Spawn(ChildArgs(0, 0, ack, "gc"))};
    std::shuffle(pids.begin(), pids.end(), rng);
    for (pid_t pid : pids) {
      ASSERT_GT(pid, 0);
      ::usleep(static_cast<useconds_t>(rng() % span_us));
      ::kill(pid, SIGKILL);
    }
    for (pid_t pid : pids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
          << "child failed with exit code " << WEXITSTATUS(status);
    }
    if (rng() % 2 && !TearNewestUnpublishedFile(rng).empty()) ++torn;

    auto snap = ds_->Latest();
    ASSERT_OK(snap);
    std::map<int64_t, int64_t> present = CheckSnapshot(**snap);
    for (const auto& [b, v] : ReadAcks(ack)) {
      EXPECT_TRUE(present.count(b)) << "acknowledged batch " << b << " (version " << v << ") lost";
    }
    if (t % 25 == 24) ExpectNoLeftovers();
    if (HasFailure()) break;
  }
  ExpectNoLeftovers();
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  ASSERT_OK((*snap)->Verify());
  std::printf("%d maintenance kill trials (%d with a torn file): latest version %llu, %zu acknowledged batches, "
              "%llu unreferenced files collected\n",
              trials, torn, static_cast<unsigned long long>((*snap)->info().version), ReadAcks(ack).size(),
              static_cast<unsigned long long>(collected_));
}

TEST_F(CrashTest, ConcurrentWritersAndReaders) {
  constexpr int kWriters = 4;
  constexpr int64_t kBatches = 25;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto snap = ds_->Latest();
      ASSERT_OK(snap);
      uint64_t rows = 0;
      for (size_t i = 0; i < (*snap)->num_segments(); ++i) {
        auto seg = (*snap)->OpenSegment(i);
        ASSERT_OK(seg);
        rows += (*seg)->num_rows();
      }
      EXPECT_EQ(rows, (*snap)->info().num_rows);
      EXPECT_EQ(rows % kRows, 0u);
      ++reads;
    }
  });
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w) {
    pids.push_back(Spawn(ChildArgs(w * 1000, kBatches, tmp_.File("ack" + std::to_string(w)))));
  }
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer failed, status " << status;
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  EXPECT_EQ((*snap)->info().version, static_cast<uint64_t>(kWriters * kBatches));
  EXPECT_EQ((*snap)->info().num_rows, static_cast<uint64_t>(kWriters * kBatches * kRows));
  std::map<int64_t, int64_t> present = CheckSnapshot(**snap);
  for (int w = 0; w < kWriters; ++w) {
    auto acks = ReadAcks(tmp_.File("ack" + std::to_string(w)));
    EXPECT_EQ(acks.size(), static_cast<size_t>(kBatches));
    for (const auto& [b, v] : acks) EXPECT_EQ(present[b], kRows) << "batch " << b;
  }
  // Versions are a gap-free chain whose commit times never go backwards.
  auto versions = ds_->Versions();
  ASSERT_OK(versions);
  for (size_t i = 1; i < versions->size(); ++i) {
    EXPECT_EQ((*versions)[i].parent, std::optional<uint64_t>(i - 1));
    EXPECT_GE((*versions)[i].commit_time_us, (*versions)[i - 1].commit_time_us);
  }
  ExpectNoLeftovers();
}

}  // namespace
}  // namespace dp::testing
