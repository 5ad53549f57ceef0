// In-process concurrency of one dataset (spec/layout.md §"Commit protocol",
// §"Compaction", §"Retention", §"Garbage collection"): writer threads append
// tagged batches while one thread compacts, one expires versions and collects
// garbage, and reader threads open the latest, older and pinned versions and
// read them through the raw column API and the scan API. Every version a
// reader sees must be complete (rows = the manifest's, batches whole, none
// twice, every batch acknowledged before the read present); pinned versions
// stay readable while GC runs; at the end every acknowledged batch is present
// exactly once and GC leaves exactly the live segments. Runs under TSan (ctest
// label "concurrency").
//
// What GC promises (spec/layout.md §"Garbage collection"): it never deletes a
// segment a retained version references; commits in flight are protected by
// the grace period only. The test therefore
//   - pins a version the way an application does, with a tag (a tagged
//     version is retained), and requires pinned snapshots to stay readable;
//   - runs GC with grace 0 but `now` = the start of the oldest commit or
//     compaction in flight, i.e. a grace period that exactly covers them;
//   - lets a reader of an unpinned version fail to open a segment only when
//     that version has been expired meanwhile (no longer retained).
//
// Expiry runs while commits are in flight. It is fenced (spec/layout.md
// §"Retention"): a version goes only once its successor is older than the
// grace period, and a commit attempt that takes longer than its maximum is
// not published; here 100 ms attempts against a 300 ms grace. Without the
// fence a slow writer could link version p+1 after an expiry freed that
// name, publishing a version below a gap (found by this test).
// DP_CONCURRENCY_GATE_EXPIRY=1 instead keeps expiry from running while any
// commit is in flight (CommitGate), as the test did before the fence.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "dp/scan.h"
#include "format/sanitizers.h"
#include "tests/storage/dataset_test_util.h"
#include "tests/storage/scan_reference.h"

namespace dp::testing {
namespace {

namespace fs = std::filesystem;

#define EXPECT_OK(expr)                                          \
  do {                                                           \
    auto&& dp_e_ = (expr);                                       \
    EXPECT_TRUE(dp_e_.ok()) << ::dp::testing::StatusText(dp_e_); \
  } while (0)

// Enough commits for two checkpoints (every 64 versions), so expiry removes
// whole replay chains while readers open versions.
#if DP_TSAN || DP_ASAN
constexpr int kBatchesPerWriter = 36;
#else
constexpr int kBatchesPerWriter = 60;
#endif
constexpr int kWriters = 3;
// The retention fence: attempts give up after kMaxAttemptUs, expiry waits
// kExpiryGraceUs after a version's successor.
constexpr int64_t kMaxAttemptUs = 100'000;
constexpr int64_t kExpiryGraceUs = 300'000;
// Scans run on 2 threads. oneTBB is not instrumented, so under TSan the
// scan's workers (ParallelFor's and the Scanner's) run on threads of their
// own, with the same protocol.
constexpr int kScanThreads = 2;

// Field ids (Schema::Make assigns position + 1).
constexpr uint32_t kWriterField = 1, kSeqField = 2, kRowField = 3, kCheckField = 5;

Schema TaggedSchema() {
  return *Schema::Make({{"writer", DataType::Int32(), false, "writer thread"},
                        {"seq", DataType::Int64(), false, "batch number of the writer"},
                        {"row", DataType::Int32(), false, "row within the batch"},
                        {"ts", DataType::Timestamp(TimeUnit::kMicro), false, "event time"},
                        {"check", DataType::Int64(), false, "Check(writer, seq, row)"},
                        {"note", DataType::String(), true, "every 5th null"}});
}

size_t BatchRows(int w, int64_t s) { return 10 + size_t(w * 31 + s * 17) % 50; }
int64_t Check(int64_t w, int64_t s, int64_t r) { return w * 1'000'000'000 + s * 10'000 + r; }
int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Batch `seq` of writer `w`: rows tagged (w, seq, row); event times interleave
// across writers and go backwards within a batch, so compaction reorders.
struct TaggedBatch {
  std::vector<int32_t> writer, row;
  std::vector<int64_t> seq, ts, check;
  std::vector<std::string> notes;
  std::vector<std::string_view> views;
  std::vector<uint8_t> validity;
  std::vector<ColumnData> cols;

  TaggedBatch(int w, int64_t s) {
    const size_t n = BatchRows(w, s);
    validity.assign(n / 8 + 1, 0);
    for (size_t r = 0; r < n; ++r) {
      writer.push_back(w);
      seq.push_back(s);
      row.push_back(int32_t(r));
      ts.push_back(1'700'000'000'000'000 + s * 1'000'000 + int64_t(n - r) * 1000 + w);
      check.push_back(Check(w, s, int64_t(r)));
      notes.push_back("w" + std::to_string(w) + "s" + std::to_string(s));
      if (r % 5 != 0) validity[r / 8] |= uint8_t(1u << (r % 8));
    }
    for (const std::string& x : notes) views.emplace_back(x);
    cols = {ColumnData::Of<int32_t>(writer), ColumnData::Of<int64_t>(seq), ColumnData::Of<int32_t>(row),
            ColumnData::Of<int64_t>(ts),     ColumnData::Of<int64_t>(check), ColumnData::Strings(views, validity.data())};
  }
};

// Commits and compactions in flight: their start times (GC's `now` is the
// oldest of them, so grace 0 never reaches a segment not yet published), and
// a gate that keeps expiry from running while any of them is in flight (see
// the known race above; fair: a waiting expiry holds back new commits).
class InFlight {
 public:
  explicit InFlight(bool gate) : gate_(gate) {}

  int64_t Begin() {
    std::unique_lock<std::mutex> lock(mu_);
    if (gate_) cv_.wait(lock, [&] { return !expiry_waiting_ && !expiring_; });
    const int64_t t = NowUs();
    starts_.insert(t);
    return t;
  }
  void End(int64_t t) {
    std::lock_guard<std::mutex> lock(mu_);
    starts_.erase(starts_.find(t));
    if (starts_.empty()) cv_.notify_all();
  }
  // Runs `expire` with no commit in flight.
  template <typename Fn>
  void Expire(Fn&& expire) {
    if (gate_) {
      std::unique_lock<std::mutex> lock(mu_);
      expiry_waiting_ = true;
      cv_.wait(lock, [&] { return starts_.empty(); });
      expiry_waiting_ = false;
      expiring_ = true;
    }
    expire();
    if (gate_) {
      std::lock_guard<std::mutex> lock(mu_);
      expiring_ = false;
      cv_.notify_all();
    }
  }
  // Minus a margin: file times come from a coarse kernel clock.
  int64_t SafeNow() {
    std::lock_guard<std::mutex> lock(mu_);
    return (starts_.empty() ? NowUs() : *starts_.begin()) - 200'000;
  }

 private:
  const bool gate_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multiset<int64_t> starts_;
  bool expiry_waiting_ = false;
  bool expiring_ = false;
};

// Versions held by readers. The maintenance thread tags each pinned version
// ("pin-<v>") before it expires anything, and only it expires, so a version
// that is still retained after its pin was registered stays retained until
// the pin is dropped. One pinned snapshot is shared with the other readers.
class Pins {
 public:
  void Add(uint64_t v) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_[v];
  }
  void Drop(uint64_t v) {
    std::lock_guard<std::mutex> lock(mu_);
    if (shared_ && shared_->info().version == v && count_[v] == 1) shared_.reset();
    if (--count_[v] == 0) count_.erase(v);
  }
  void Share(SnapshotPtr s) {
    std::lock_guard<std::mutex> lock(mu_);
    shared_ = std::move(s);
  }
  // The shared pinned snapshot (pinned once more for the caller), if any.
  SnapshotPtr TakeShared() {
    std::lock_guard<std::mutex> lock(mu_);
    if (shared_) ++count_[shared_->info().version];
    return shared_;
  }
  // Tags the pinned versions, untags the others, then expires (all under the
  // lock, so no pin can slip in between).
  void SyncTagsAndExpire(Dataset& ds, uint64_t keep_last, uint64_t* expired) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [v, n] : count_) {
      if (tagged_.count(v)) continue;
      Status s = ds.CreateTag("pin-" + std::to_string(v), v, "held by a reader");
      // NotFound: expired before the pin; its reader notices and lets go.
      if (s.ok()) tagged_.insert(v);
      else EXPECT_TRUE(s.IsNotFound()) << s.ToString();
    }
    for (auto it = tagged_.begin(); it != tagged_.end();) {
      if (count_.count(*it)) {
        ++it;
        continue;
      }
      EXPECT_OK(ds.DeleteTag("pin-" + std::to_string(*it)));
      it = tagged_.erase(it);
    }
    auto r = ds.ExpireVersions({.keep_last = keep_last, .grace_period_us = kExpiryGraceUs});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) *expired += *r;
  }

 private:
  std::mutex mu_;
  std::map<uint64_t, int> count_;
  std::set<uint64_t> tagged_;  // maintenance thread only
  SnapshotPtr shared_;
};

struct Observed {
  uint64_t rows = 0;
  int64_t sum = 0;
  std::map<std::pair<int64_t, int64_t>, size_t> batches;  // (writer, seq) -> rows
};

enum class ReadOutcome { kOk, kExpired, kFailed };

// A read failed on a missing segment: fine only if `v` is no longer retained.
ReadOutcome Missing(const Dataset& ds, uint64_t v, const Status& why, bool pinned) {
  if (!pinned && (why.IsNotFound() || why.IsIOError())) {
    auto again = ds.At(v);
    if (!again.ok() && again.status().IsNotFound()) return ReadOutcome::kExpired;
    ADD_FAILURE() << "version " << v << " is still retained (" << again.status().ToString()
                  << ") but a read failed: " << why.ToString();
    return ReadOutcome::kFailed;
  }
  ADD_FAILURE() << (pinned ? "pinned " : "") << "version " << v << ": " << why.ToString();
  return ReadOutcome::kFailed;
}

// Reads every segment of `snap` with ReadColumn and with a scan aggregate and
// checks that the version is complete: rows = the manifest's, every batch
// whole and present once, the scan agrees with the raw columns.
ReadOutcome ReadAndCheck(const Dataset& ds, const SnapshotPtr& snap, bool pinned, Observed* out) {
  const uint64_t v = snap->info().version;
  Observed o;
  std::map<std::pair<int64_t, int64_t>, std::set<int32_t>> rows_of;
  for (size_t i = 0; i < snap->num_segments(); ++i) {
    auto w = snap->ReadColumn(i, kWriterField);
    auto s = snap->ReadColumn(i, kSeqField);
    auto r = snap->ReadColumn(i, kRowField);
    auto c = snap->ReadColumn(i, kCheckField);
    for (const Status& st : {w.status(), s.status(), r.status(), c.status()}) {
      if (!st.ok()) return Missing(ds, v, st, pinned);
    }
    const size_t n = w->length();
    EXPECT_EQ(n, snap->segment(i).num_rows) << "version " << v << " segment " << i;
    if (s->length() != n || r->length() != n || c->length() != n) {
      ADD_FAILURE() << "version " << v << " segment " << i << ": columns differ in length";
      return ReadOutcome::kFailed;
    }
    for (size_t k = 0; k < n; ++k) {
      const int64_t wk = w->values<int32_t>()[k], sk = s->values<int64_t>()[k];
      const int32_t rk = r->values<int32_t>()[k];
      const int64_t ck = c->values<int64_t>()[k];
      EXPECT_EQ(ck, Check(wk, sk, rk)) << "version " << v << ": a row mixes batches";
      if (!rows_of[{wk, sk}].insert(rk).second) {
        ADD_FAILURE() << "version " << v << ": row " << rk << " of batch (" << wk << ", " << sk << ") twice";
        return ReadOutcome::kFailed;
      }
      o.sum += ck;
    }
    o.rows += n;
  }
  EXPECT_EQ(o.rows, snap->info().num_rows) << "version " << v;
  for (const auto& [key, rows] : rows_of) {
    o.batches[key] = rows.size();
    // Whole: every row of the batch, each once (the set holds distinct rows).
    EXPECT_EQ(rows.size(), BatchRows(int(key.first), key.second))
        << "version " << v << ": batch (" << key.first << ", " << key.second << ") is partial";
  }

  // The scan API over the same version.
  auto source = ScanSource::FromSnapshot(snap);
  if (!source.ok()) return Missing(ds, v, source.status(), pinned);
  ScanSpec spec;
  spec.threads = kScanThreads;
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("check")};
  auto result = RunAggregate(*source, spec, agg);
  if (!result.ok()) return Missing(ds, v, result.status(), pinned);
  EXPECT_EQ(result->rows.size(), 1u);
  if (!result->rows.empty()) {
    EXPECT_EQ(result->rows[0][0], Value::Int(int64_t(o.rows))) << "version " << v;
    if (o.rows > 0) {
      EXPECT_EQ(result->rows[0][1], Value::Int(o.sum)) << "version " << v;
    }
  }
  *out = std::move(o);
  return ReadOutcome::kOk;
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Mesh::Open(tmp_.File("mesh"), true);
    ASSERT_OK(m);
    auto p = m->CreateProduct({.name = "p"});
    ASSERT_OK(p);
    auto d = p->CreateDataset({.name = "tagged", .kind = DatasetKind::kEvents, .event_time_column = "ts"},
                              TaggedSchema());
    ASSERT_OK(d);
    ds_.emplace(*d);
  }
  // Commits batches 0..n-1 of writer 0, one version each.
  Status AppendBatches(int64_t n) {
    for (int64_t s = 0; s < n; ++s) {
      DP_ASSIGN_OR_RETURN(auto txn, ds_->Begin(Operation::kAppend, {.writer = {.sync = false}}));
      TaggedBatch b(0, s);
      DP_RETURN_IF_ERROR(txn->Append(b.cols));
      DP_RETURN_IF_ERROR(txn->Commit("s" + std::to_string(s), "test").status());
    }
    return Status::OK();
  }
  std::set<std::string> SegmentFiles() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(ds_->path() + "/_segments")) out.insert(e.path().filename().string());
    return out;
  }

  TempDir tmp_;
  std::optional<Dataset> ds_;
};

TEST_F(ConcurrencyTest, WritersCompactionExpiryGcAndReaders) {
  Dataset& ds = *ds_;
  InFlight in_flight(std::getenv("DP_CONCURRENCY_GATE_EXPIRY") != nullptr);
  Pins pins;
  std::atomic<bool> done{false};
  // acked[w]: batches 0..acked[w]-1 of writer w are acknowledged (a writer
  // commits its batches in order; a failed one is remembered in `lost`).
  std::array<std::atomic<int64_t>, kWriters> acked{};
  std::mutex lost_mu;
  std::set<std::pair<int64_t, int64_t>> lost;
  std::atomic<uint64_t> reads{0}, expired_reads{0}, pinned_reads{0}, time_travel_reads{0}, conflicts{0};
  std::atomic<uint64_t> compactions{0}, gc_deleted{0}, versions_expired{0};

  auto writer = [&](int w) {
    TransactionOptions o;
    o.writer.sync = false;
    o.max_commit_attempt_us = kMaxAttemptUs;
    for (int64_t s = 0; s < kBatchesPerWriter; ++s) {
      const int64_t t = in_flight.Begin();
      Status st;
      {
        auto txn = ds.Begin(Operation::kAppend, o);
        if (txn.ok()) {
          TaggedBatch b(w, s);
          st = (*txn)->Append(b.cols);
          if (st.ok()) st = (*txn)->Commit("w" + std::to_string(w) + " s" + std::to_string(s), "test").status();
        } else {
          st = txn.status();
        }
      }  // an uncommitted transaction removes its segment here, still in flight
      in_flight.End(t);
      if (!st.ok()) {
        // Appends rebase on conflict; only exhausting the retries is allowed.
        EXPECT_EQ(st.code(), StatusCode::kConflict) << st.ToString();
        ++conflicts;
        std::lock_guard<std::mutex> lock(lost_mu);
        lost.insert({w, s});
      }
      acked[w].store(s + 1);
    }
  };

  auto compactor = [&] {
    CompactionOptions o;
    o.target_rows_per_segment = 400;
    o.writer.sync = false;
    o.max_commit_attempt_us = kMaxAttemptUs;
    while (!done.load()) {
      const int64_t t = in_flight.Begin();
      auto v = ds.Compact(o);
      in_flight.End(t);
      if (v.ok()) {
        if (v->operation == Operation::kCompact) ++compactions;
      } else {
        EXPECT_EQ(v.status().code(), StatusCode::kConflict) << v.status().ToString();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };

  auto maintenance = [&] {
    uint64_t expired = 0;
    while (!done.load()) {
      in_flight.Expire([&] { pins.SyncTagsAndExpire(ds, 3, &expired); });
      auto gc = ds.CollectGarbage({.grace_period_us = 0, .now_us = in_flight.SafeNow()});
      EXPECT_TRUE(gc.ok()) << gc.status().ToString();
      if (gc.ok()) gc_deleted += gc->segments_deleted;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    versions_expired += expired;
  };

  // Latest and time-travel reader; also reads the shared pinned snapshot.
  auto reader = [&](int id) {
    std::mt19937_64 rng(1234 + id);
    do {
      std::array<int64_t, kWriters> acked_before;
      for (int w = 0; w < kWriters; ++w) acked_before[w] = acked[w].load();
      auto snap = ds.Latest();
      if (!snap.ok()) {
        ADD_FAILURE() << "Latest: " << snap.status().ToString();
        return;
      }
      Observed o;
      const ReadOutcome r = ReadAndCheck(ds, *snap, false, &o);
      if (r == ReadOutcome::kFailed) return;
      if (r == ReadOutcome::kExpired) {
        ++expired_reads;
      } else {
        ++reads;
        // Everything acknowledged before Latest() is in it.
        for (int w = 0; w < kWriters; ++w) {
          for (int64_t s = 0; s < acked_before[w]; ++s) {
            std::lock_guard<std::mutex> lock(lost_mu);
            if (lost.count({w, s})) continue;
            EXPECT_TRUE(o.batches.count({w, s})) << "acknowledged batch (" << w << ", " << s << ") missing from version "
                                                 << (*snap)->info().version;
          }
        }
      }
      // An older version, which may expire at any moment.
      const uint64_t latest = (*snap)->info().version;
      const uint64_t back = latest - std::min<uint64_t>(latest, rng() % 6);
      auto old = ds.At(back);
      if (old.ok()) {
        if (ReadAndCheck(ds, *old, false, &o) == ReadOutcome::kOk) ++time_travel_reads;
      } else if (!old.status().IsNotFound()) {
        ADD_FAILURE() << "At(" << back << "): " << old.status().ToString();
        return;
      }
      if (SnapshotPtr shared = pins.TakeShared()) {
        const ReadOutcome p = ReadAndCheck(ds, shared, true, &o);
        pins.Drop(shared->info().version);
        if (p != ReadOutcome::kOk) return;
        ++pinned_reads;
      }
    } while (!done.load());
  };

  // Pins the latest version, shares it, and reads it while it is collected
  // around: it must stay readable and read the same every time.
  auto pinner = [&] {
    int rounds = 0;
    while (!done.load() || rounds == 0) {
      auto snap = ds.Latest();
      if (!snap.ok()) {
        ADD_FAILURE() << "Latest: " << snap.status().ToString();
        return;
      }
      const uint64_t v = (*snap)->info().version;
      pins.Add(v);
      if (auto still = ds.At(v); !still.ok()) {  // expired before the pin took hold
        EXPECT_TRUE(still.status().IsNotFound()) << still.status().ToString();
        pins.Drop(v);
        continue;
      }
      pins.Share(*snap);
      Observed first;
      bool ok = ReadAndCheck(ds, *snap, true, &first) == ReadOutcome::kOk;
      for (int i = 0; ok && i < 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        Observed again;
        ok = ReadAndCheck(ds, *snap, true, &again) == ReadOutcome::kOk;
        EXPECT_EQ(again.sum, first.sum);
        EXPECT_EQ(again.batches, first.batches);
        ++pinned_reads;
      }
      // A fresh handle to the pinned version reads the same.
      auto reopened = ds.At(v);
      EXPECT_TRUE(reopened.ok()) << "pinned version " << v << ": " << reopened.status().ToString();
      if (reopened.ok()) {
        Observed again;
        ok = ok && ReadAndCheck(ds, *reopened, true, &again) == ReadOutcome::kOk;
        EXPECT_EQ(again.sum, first.sum);
      }
      pins.Drop(v);
      ++rounds;
      if (!ok) return;
    }
  };

  // Fixed arrays, not vectors: GCC 12 at -O3 reports a false -Warray-bounds
  // inside vector<thread>'s reallocation path.
  std::array<std::thread, 5> background = {
      std::thread(compactor), std::thread(maintenance), std::thread(pinner),
      std::thread(reader, 0), std::thread(reader, 1)};
  std::array<std::thread, kWriters> writers;
  for (int w = 0; w < kWriters; ++w) writers[w] = std::thread(writer, w);
  for (std::thread& t : writers) t.join();
  done = true;
  for (std::thread& t : background) t.join();

  auto end = ds.Latest();
  ASSERT_OK(end);
  std::printf("versions %llu, reads %llu (+%llu of expired versions), time travel %llu, pinned %llu, "
              "compactions %llu, conflicts %llu, versions expired %llu, segments collected %llu\n",
              (unsigned long long)(*end)->info().version, (unsigned long long)reads.load(),
              (unsigned long long)expired_reads.load(), (unsigned long long)time_travel_reads.load(),
              (unsigned long long)pinned_reads.load(), (unsigned long long)compactions.load(),
              (unsigned long long)conflicts.load(), (unsigned long long)versions_expired.load(),
              (unsigned long long)gc_deleted.load());
  std::fflush(stdout);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_GT(pinned_reads.load(), 0u);

  // Quiet now: compact what is left, drop every tag, keep only the latest
  // (and what it replays from) and collect with nothing in flight.
  auto compacted = ds.Compact({.target_rows_per_segment = 400, .writer = {.sync = false}});
  ASSERT_OK(compacted);
  auto tags = ds.Tags();
  ASSERT_OK(tags);
  for (const TagInfo& t : *tags) ASSERT_OK(ds.DeleteTag(t.name));
  ASSERT_OK(ds.ExpireVersions({.keep_last = 1, .grace_period_us = 0}));
  auto gc = ds.CollectGarbage({.grace_period_us = 0, .now_us = NowUs() + 1'000'000});
  ASSERT_OK(gc);

  auto latest = ds.Latest();
  ASSERT_OK(latest);
  Observed final;
  ASSERT_EQ(ReadAndCheck(ds, *latest, true, &final), ReadOutcome::kOk);
  ASSERT_OK((*latest)->Verify());
  size_t acknowledged = 0;
  for (int w = 0; w < kWriters; ++w) {
    for (int64_t s = 0; s < kBatchesPerWriter; ++s) {
      if (lost.count({w, s})) continue;  // not acknowledged: absent, or whole (checked above)
      ++acknowledged;
      EXPECT_EQ(final.batches.count({w, s}), 1u) << "acknowledged batch (" << w << ", " << s << ") is missing";
    }
  }
  EXPECT_GE(final.batches.size(), acknowledged);
  EXPECT_LE(final.batches.size(), size_t(kWriters * kBatchesPerWriter));
  // The retained versions form a gap-free chain whose commit times never go
  // backwards, and exactly the segments they reference remain.
  auto versions = ds.Versions();
  ASSERT_OK(versions);
  ASSERT_FALSE(versions->empty());
  EXPECT_EQ(versions->back().version, (*latest)->info().version);
  std::set<std::string> referenced;
  for (size_t i = 0; i < versions->size(); ++i) {
    const VersionInfo& v = (*versions)[i];
    if (i > 0) {
      EXPECT_EQ(v.version, (*versions)[i - 1].version + 1);
      EXPECT_GE(v.commit_time_us, (*versions)[i - 1].commit_time_us);
    }
    auto snap = ds.At(v.version);
    ASSERT_OK(snap);
    for (size_t k = 0; k < (*snap)->num_segments(); ++k) referenced.insert((*snap)->segment(k).id + ".dpc");
  }
  EXPECT_EQ(SegmentFiles(), referenced);
}

// Regression (found by WritersCompactionExpiryGcAndReaders): opening a
// version while an expiry removed the versions it replays from reported
// Corruption ("replays from version 0 but version 59 is missing") although
// the dataset was fine: the version was being expired. It is NotFound now,
// as for any expired version; a gap above older manifests stays Corruption.
TEST_F(ConcurrencyTest, VersionExpiredWhileOpeningIsNotFoundNotCorruption) {
  Dataset& ds = *ds_;
  ASSERT_OK(AppendBatches(5));
  auto manifest = [&](int v) {
    char name[32];
    std::snprintf(name, sizeof name, "%020d.dpv", v);
    return ds.path() + "/_versions/" + name;
  };
  // A gap above an older manifest is damage.
  ASSERT_TRUE(fs::remove(manifest(3)));
  auto damaged = ds.At(5);
  ASSERT_FALSE(damaged.ok());
  EXPECT_TRUE(damaged.status().IsCorruption()) << damaged.status().ToString();
  EXPECT_NE(damaged.status().message().find("version 3 is missing"), std::string::npos) << damaged.status().ToString();
  // The state an expiry of versions 0..1 is in after removing version 0
  // (oldest first): version 2 replays from version 0.
  ASSERT_TRUE(fs::remove(manifest(0)));
  auto expiring = ds.At(2);
  ASSERT_FALSE(expiring.ok());
  EXPECT_TRUE(expiring.status().IsNotFound()) << expiring.status().ToString();
  EXPECT_NE(expiring.status().message().find("expired while it was being opened"), std::string::npos)
      << expiring.status().ToString();
}

// Many threads open the same fresh snapshot at once: the segment cache and
// each segment's lazily validated column metadata are raced for.
TEST_F(ConcurrencyTest, SharedSnapshotFirstTouchFromManyThreads) {
  Dataset& ds = *ds_;
  ASSERT_OK(AppendBatches(6));
  for (int round = 0; round < 5; ++round) {
    auto snap = ds.Latest();
    ASSERT_OK(snap);
    constexpr int kThreads = 4;
    std::atomic<int> ready{0};
    std::vector<Observed> seen(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        EXPECT_EQ(ReadAndCheck(ds, *snap, true, &seen[t]), ReadOutcome::kOk);
        EXPECT_OK((*snap)->Verify());
      });
    }
    for (std::thread& t : threads) t.join();
    for (int t = 1; t < kThreads; ++t) {
      EXPECT_EQ(seen[t].sum, seen[0].sum);
      EXPECT_EQ(seen[t].batches, seen[0].batches);
    }
    EXPECT_EQ(seen[0].batches.size(), 6u);
  }
}

// Scanners with threads > 1 scan ahead on oneTBB tasks (one worker pool for
// the process; under TSan, which cannot see oneTBB's handoffs, on threads
// of their own with the same claims and slots). Many scanners are open at
// once, consumed from several threads at once, and some are dropped with
// their tasks in flight: every drained scanner returns every row once, in
// order, and the process does not grow a thread per scanner and thread.
TEST(ScannerPool, ManyScannersConsumedAtOnceShareTheWorkers) {
  TempDir tmp;
  constexpr size_t kRows = 5 * 128 * 1024 + 777;  // 6 morsels
  std::vector<int64_t> v(kRows);
  std::mt19937_64 rng(11);
  for (int64_t& x : v) x = int64_t(rng() >> 20);
  auto source = Int64Source(tmp.File("s.dpc"), v, {.page_rows = 16 * 1024});
  ASSERT_OK(source);
  auto count_threads = [] {
    return std::distance(fs::directory_iterator("/proc/self/task"), fs::directory_iterator());
  };
  [[maybe_unused]] const auto threads_before = count_threads();

  constexpr int kScanners = 24, kConsumers = 4;
  std::vector<std::unique_ptr<Scanner>> scanners;
  std::vector<uint64_t> got(kScanners, 0);
  for (int i = 0; i < kScanners; ++i) {
    ScanSpec spec;
    spec.threads = 8;
    spec.batch_rows = 8 * 1024;
    spec.memory_budget = 8 << 20;  // 3 morsels ahead: the rest wait for room
    auto sc = Scanner::Open(*source, spec);
    ASSERT_OK(sc);
    dp::Batch batch;
    auto more = (*sc)->Next(&batch);  // starts its tasks
    ASSERT_OK(more);
    ASSERT_TRUE(*more);
    for (size_t r = 0; r < batch.num_rows; ++r) ASSERT_EQ(batch.columns[0].values<int64_t>()[r], v[r]);
    got[i] = batch.num_rows;
    scanners.push_back(std::move(*sc));
  }
#if !DP_TSAN
  // 24 scanners x 8 threads of their own would be 192 more.
  const long cores = long(std::max(2u, std::thread::hardware_concurrency()));
  EXPECT_LE(count_threads() - threads_before, cores + 2) << "threads before: " << threads_before;
#endif
  // Every third scanner is dropped with its tasks in flight.
  for (int i = 0; i < kScanners; i += 3) scanners[i].reset();
  std::vector<std::thread> consumers;
  for (int t = 0; t < kConsumers; ++t) {
    consumers.emplace_back([&, t] {
      // Round robin over this consumer's scanners, a batch at a time.
      for (bool any = true; any;) {
        any = false;
        for (int i = t; i < kScanners; i += kConsumers) {
          if (!scanners[i] || got[i] == kRows) continue;
          dp::Batch batch;
          auto more = scanners[i]->Next(&batch);
          ASSERT_TRUE(more.ok()) << more.status().ToString();
          if (!*more) continue;
          const auto b = batch.columns[0].values<int64_t>();
          for (size_t r = 0; r < batch.num_rows; ++r) {
            ASSERT_EQ(b[r], v[got[i] + r]) << "scanner " << i << " row " << got[i] + r;
          }
          got[i] += batch.num_rows;
          any = true;
        }
      }
    });
  }
  for (std::thread& t : consumers) t.join();
  for (int i = 0; i < kScanners; ++i) {
    if (!scanners[i]) continue;
    EXPECT_EQ(got[i], kRows) << "scanner " << i;
    dp::Batch batch;
    auto more = scanners[i]->Next(&batch);
    ASSERT_OK(more);
    EXPECT_FALSE(*more);
  }
}

// RunAggregate's workers merge per-morsel partials in morsel order as they
// become ready, one worker at a time (the others leave their partial to the
// merging one and go on); float sums must come out bit-identical for any
// thread count. Also the order-free path (a partial per worker). Under
// TSan, this checks the merge protocol (ParallelFor's workers are threads
// of their own there).
TEST(ParallelAggregate, OrderedMergeGivesTheSameBitsForAnyThreadCount) {
  TempDir tmp;
  auto schema = Schema::Make({{"k", DataType::String(), true}, {"x", DataType::Float64(), false},
                              {"v", DataType::Int64(), false}});
  ASSERT_OK(schema);
  constexpr int kGroupRows = 1024, kGroups = 48;
  std::vector<Row> rows;
  std::mt19937_64 rng(5);
  for (int i = 0; i < kGroups * kGroupRows; ++i) {
    Value k = i % 37 == 0 ? Value() : Value::Bytes("c" + std::to_string(rng() % 11));
    // Magnitudes far apart: a different order of additions changes the bits.
    const double x = double(rng() % 1000) * (i % 3 == 0 ? 1e12 : 1e-3) - 4e11;
    rows.push_back({k, Value::Double(x), Value::Int(int64_t(rng() % 100000) - 50000)});
  }
  WriterOptions opt;
  opt.row_group_rows = kGroupRows;  // one morsel each
  opt.page_rows = 512;
  auto seg = WriteSegment(tmp.File("o.dpc"), *schema, rows, opt);
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  AggregateSpec ordered, order_free;
  ordered.group_by = {"k"};
  ordered.aggregates = {Aggregate::Count(), Aggregate::Sum("x"), Aggregate::Avg("x"), Aggregate::Sum("v")};
  order_free.group_by = {"k"};
  order_free.aggregates = {Aggregate::Count(), Aggregate::Sum("v"), Aggregate::Min("x"), Aggregate::Max("v")};
  for (const AggregateSpec* agg : {&ordered, &order_free}) {
    SCOPED_TRACE(agg == &ordered ? "ordered" : "order-free");
    std::optional<AggregateResult> first;
    for (int threads : {1, 2, 3, 8}) {
      ScanSpec spec;
      spec.threads = threads;
      for (int repeat = 0; repeat < 3; ++repeat) {
        auto r = RunAggregate(*source, spec, *agg);
        ASSERT_OK(r);
        ASSERT_EQ(r->rows.size(), 12u);  // 11 keys and null
        if (!first) {
          first = std::move(*r);
          continue;
        }
        for (size_t g = 0; g < r->rows.size(); ++g) {
          for (size_t c = 0; c < r->rows[g].size(); ++c) {
            const Value& a = first->rows[g][c];
            const Value& b = r->rows[g][c];
            if (a.is_double()) {
              ASSERT_EQ(std::bit_cast<uint64_t>(a.as_double()), std::bit_cast<uint64_t>(b.as_double()))
                  << "threads " << threads << " group " << g << " column " << c;
            } else {
              ASSERT_EQ(a, b) << "threads " << threads << " group " << g << " column " << c;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace dp::testing
