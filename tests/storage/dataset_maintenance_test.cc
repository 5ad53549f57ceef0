// Compaction, retention and garbage collection (spec/layout.md §"Compaction",
// §"Retention", §"Garbage collection").
#include <filesystem>
#include <set>

#include "storage/dataset/transaction.h"
#include "tests/storage/dataset_test_util.h"

namespace dp::testing {
namespace {

namespace fs = std::filesystem;

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = MakeEventsDataset(tmp_.File("mesh"));
    ASSERT_OK(d);
    ds_.emplace(*d);
  }
  std::string dir() const { return ds_->path(); }
  size_t CountFiles(const std::string& sub) const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir() + "/" + sub)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }

  TempDir tmp_;
  std::optional<Dataset> ds_;
};

TEST_F(MaintenanceTest, CompactionKeepsRowsAndSortsByEventTime) {
  for (int i = 0; i < 10; ++i) ASSERT_OK(AppendBatch(*ds_, i * 100, 100));
  auto before = ds_->Latest();
  ASSERT_OK(before);
  std::vector<int64_t> ids_before = ReadInts(**before, 1);
  auto v = ds_->Compact({.target_rows_per_segment = 450});
  ASSERT_OK(v);
  EXPECT_EQ(v->operation, Operation::kCompact);
  EXPECT_EQ(v->num_rows, 1000u);
  auto after = ds_->Latest();
  ASSERT_OK(after);
  // 10 x 100 rows with target 450: groups of 4, 4, 2.
  EXPECT_EQ((*after)->num_segments(), 3u);
  ASSERT_OK((*after)->Verify());
  std::vector<int64_t> ids_after = ReadInts(**after, 1);
  EXPECT_EQ(std::multiset<int64_t>(ids_before.begin(), ids_before.end()),
            std::multiset<int64_t>(ids_after.begin(), ids_after.end()));
  for (size_t i = 0; i < (*after)->num_segments(); ++i) {
    auto ts = (*after)->ReadColumn(i, 2);
    ASSERT_OK(ts);
    auto t = ts->values<int64_t>();
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end())) << "segment " << i;
    // Nulls survive compaction with their rows.
    auto ids = (*after)->ReadColumn(i, 1);
    auto names = (*after)->ReadColumn(i, 3);
    ASSERT_OK(names);
    for (size_t r = 0; r < ids->length(); ++r) {
      const int64_t id = ids->values<int64_t>()[r];
      if (id % 7 == 0) EXPECT_TRUE(names->is_null(r));
      else EXPECT_EQ(names->GetValue(r), Value::Bytes("n" + std::to_string(id)));
    }
  }
  // The old version still reads the old segments.
  auto old = ds_->At(10);
  ASSERT_OK(old);
  EXPECT_EQ((*old)->num_segments(), 10u);
  ASSERT_OK((*old)->Verify());
  // Nothing left to compact: the latest comes back unchanged.
  auto again = ds_->Compact({.target_rows_per_segment = 450});
  ASSERT_OK(again);
  EXPECT_EQ(again->version, v->version);
}

TEST_F(MaintenanceTest, CompactionAcrossSchemaChange) {
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  std::vector<Field> f = (*ds_->Latest())->schema().fields();
  f[3].type = DataType::Int64();
  f.push_back({"extra", DataType::Float64(), true});
  ASSERT_OK(ds_->EvolveSchema(f));
  auto txn = ds_->Begin(Operation::kAppend);
  ASSERT_OK(txn);
  Batch b(10, 5);
  std::vector<int64_t> q64 = {1, 2, 3, 4, 5};
  std::vector<double> extra = {0.5, 1.5, 2.5, 3.5, 4.5};
  std::vector<ColumnData> cols = {b.cols[0], b.cols[1], b.cols[2], ColumnData::Of<int64_t>(q64),
                                  ColumnData::Of<double>(extra)};
  ASSERT_OK((*txn)->Append(cols));
  ASSERT_OK((*txn)->Commit("new schema rows", "t"));
  auto v = ds_->Compact({.target_rows_per_segment = 100});
  ASSERT_OK(v);
  auto snap = ds_->Latest();
  ASSERT_EQ((*snap)->num_segments(), 1u);
  auto seg = (*snap)->OpenSegment(0);
  ASSERT_OK(seg);
  EXPECT_EQ((*seg)->schema().num_fields(), 5u);
  auto e = (*snap)->ReadColumn(0, 5);
  ASSERT_OK(e);
  EXPECT_EQ(e->null_count(), 10u);  // the 10 old rows
}

TEST_F(MaintenanceTest, CompactionRebasesOnAppendButConflictsOnReplace) {
  for (int i = 0; i < 4; ++i) ASSERT_OK(AppendBatch(*ds_, i * 10, 10));
  auto store = internal::DatasetStore::Open("p", "events", dir());
  ASSERT_OK(store);
  auto compact_on = [&](std::shared_ptr<const internal::SnapshotState> base) {
    auto txn = std::make_unique<internal::TransactionImpl>(*store, base, Operation::kCompact, TransactionOptions{});
    Batch b(0, 20);  // stands for the rewritten rows of segments 0 and 1
    EXPECT_TRUE(txn->Append(b.cols).ok());
    txn->RemoveOnCommit({base->segments[0]->id()->str(), base->segments[1]->id()->str()});
    return txn;
  };
  // A concurrent append: the compaction rebases on it.
  auto base = (*store)->LoadLatest();
  ASSERT_OK(base);
  auto txn = compact_on(*base);
  ASSERT_OK(AppendBatch(*ds_, 40, 10));
  auto v = txn->Commit("compact", "t");
  ASSERT_OK(v);
  EXPECT_EQ(v->version, 6u);
  EXPECT_EQ(v->num_rows, 50u);
  EXPECT_EQ(v->num_segments, 4u);  // 2 old + appended + compacted
  // A concurrent replace removed the inputs: Conflict, nothing published.
  auto base2 = (*store)->LoadLatest();
  ASSERT_OK(base2);
  auto txn2 = compact_on(*base2);
  auto rep = ds_->Begin(Operation::kReplace);
  ASSERT_OK(rep);
  ASSERT_OK((*rep)->Commit("truncate", "t"));
  auto r = txn2->Commit("compact", "t");
  EXPECT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
  EXPECT_EQ((*ds_->Latest())->info().version, 7u);
  // Snapshots datasets cannot be compacted.
  auto m = Mesh::Open(tmp_.File("mesh"));
  auto p = m->OpenProduct("p");
  auto s = p->CreateDataset({.name = "snap", .kind = DatasetKind::kSnapshots}, EventsSchema());
  ASSERT_OK(s);
  EXPECT_TRUE(s->Compact().status().IsInvalidArgument());
}

TEST_F(MaintenanceTest, RetentionKeepsLatestTaggedAndContiguousRange) {
  for (int i = 0; i < 200; ++i) ASSERT_OK(AppendBatch(*ds_, i, 1));
  ASSERT_OK(ds_->CreateTag("keep-me", 150));
  auto n = ds_->ExpireVersions({.keep_last = 10, .grace_period_us = 0});
  ASSERT_OK(n);
  // Oldest kept = 150 (tag), its base is 128: versions 0..127 go.
  EXPECT_EQ(*n, 128u);
  EXPECT_TRUE(ds_->At(127).status().IsNotFound());
  auto v150 = ds_->AtTag("keep-me");
  ASSERT_OK(v150);
  EXPECT_EQ((*v150)->info().num_rows, 150u);
  auto versions = ds_->Versions();
  ASSERT_OK(versions);
  EXPECT_EQ(versions->front().version, 128u);
  EXPECT_EQ(versions->back().version, 200u);
  EXPECT_EQ((*ds_->Latest())->info().version, 200u);
  // Drop the tag: now only the last 10 (and their checkpoint base) stay.
  ASSERT_OK(ds_->DeleteTag("keep-me"));
  auto n2 = ds_->ExpireVersions({.keep_last = 10, .grace_period_us = 0});
  ASSERT_OK(n2);
  // Oldest kept = 191, whose base is 128: nothing can go yet (retention
  // removes whole checkpoint intervals).
  EXPECT_EQ(*n2, 0u);
  for (int i = 0; i < 10; ++i) ASSERT_OK(AppendBatch(*ds_, 200 + i, 1));
  auto n3 = ds_->ExpireVersions({.keep_last = 10, .grace_period_us = 0});
  ASSERT_OK(n3);
  EXPECT_EQ(*n3, 64u);  // oldest kept 201, base 192: 128..191 go
  EXPECT_EQ(ds_->Versions()->front().version, 192u);
  auto latest = ds_->Latest();
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->info().num_rows, 210u);
  // AsOf before the oldest retained version is NotFound.
  EXPECT_TRUE(ds_->AsOf(0).status().IsNotFound());
  // A stale hint pointing at an expired version still finds the latest.
  WriteFileBytes(dir() + "/_versions/_latest", {'5', '\n'});
  EXPECT_EQ((*ds_->Latest())->info().version, 210u);
  EXPECT_TRUE(ds_->ExpireVersions({}).status().IsInvalidArgument());
}

// Regression (found by CrashTest.KilledMaintenanceAndTornWritesLoseNothing):
// an expiry killed midway removed the first manifests of a checkpoint
// interval but not the rest, whose replay base was then gone: Versions()
// listed them, opening them and GC failed ("replays from version 0 but
// version 0 is missing"). Now they are skipped and collected.
TEST_F(MaintenanceTest, ExpiryKilledMidwayLeavesNoUnopenableVersions) {
  for (int i = 0; i < 100; ++i) ASSERT_OK(AppendBatch(*ds_, i, 1));
  // An expiry that wanted to remove 0..63 (base of 65..100 is 64) died after 10.
  for (int v = 0; v < 10; ++v) fs::remove(dir() + "/_versions/" + std::string(20 - std::to_string(v).size(), '0') +
                                          std::to_string(v) + ".dpv");
  auto versions = ds_->Versions();
  ASSERT_OK(versions);
  EXPECT_EQ(versions->front().version, 64u);
  EXPECT_EQ(versions->back().version, 100u);
  for (const VersionInfo& v : *versions) EXPECT_TRUE(ds_->At(v.version).ok()) << v.version;
  EXPECT_TRUE(ds_->AsOf(versions->front().commit_time_us - 1).status().IsNotFound());
  auto gc = ds_->CollectGarbage({.grace_period_us = 0});
  ASSERT_OK(gc);
  EXPECT_EQ(gc->manifests_deleted, 54u);  // 10..63
  EXPECT_EQ(CountFiles("_versions"), 37u + 1u);  // 64..100 and the hint
  EXPECT_EQ((*ds_->Latest())->info().num_rows, 100u);
  // The same leftovers are also removed by the next expiry.
  for (int i = 0; i < 70; ++i) ASSERT_OK(AppendBatch(*ds_, 100 + i, 1));  // 101..170, checkpoint at 128
  fs::remove(dir() + "/_versions/00000000000000000064.dpv");
  auto n = ds_->ExpireVersions({.keep_last = 5, .grace_period_us = 0});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 63u);  // 65..127
  EXPECT_EQ(ds_->Versions()->front().version, 128u);
}

// The fence against commits in flight (spec/layout.md §"Retention"), found by
// ConcurrencyTest: expiry removes a version only once its successor is older
// than the grace period, and a commit attempt past its maximum publishes
// nothing.
TEST_F(MaintenanceTest, ExpiryIsFencedAgainstCommitsInFlight) {
  for (int i = 0; i < 100; ++i) ASSERT_OK(AppendBatch(*ds_, i, 1));
  auto v64 = ds_->At(64);  // the checkpoint a keep_last = 10 cut lands on
  ASSERT_OK(v64);
  const int64_t t64 = (*v64)->info().commit_time_us;
  // Version 64 younger than the grace period: nothing may go.
  auto n = ds_->ExpireVersions({.keep_last = 10, .now_us = t64 + 999, .grace_period_us = 1000});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(ds_->Versions()->front().version, 0u);
  // Old enough: 0..63 go.
  auto n2 = ds_->ExpireVersions({.keep_last = 10, .now_us = t64 + 1000, .grace_period_us = 1000});
  ASSERT_OK(n2);
  EXPECT_EQ(*n2, 64u);
  // The default grace (10 minutes) keeps everything just committed.
  for (int i = 100; i < 200; ++i) ASSERT_OK(AppendBatch(*ds_, i, 1));
  auto n3 = ds_->ExpireVersions({.keep_last = 10});
  ASSERT_OK(n3);
  EXPECT_EQ(*n3, 0u);

  // An attempt that cannot finish within its maximum publishes nothing.
  TransactionOptions slow;
  slow.max_commit_attempt_us = 1;
  slow.max_retries = 3;
  auto v = AppendBatch(*ds_, 1000, 5, slow);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kConflict) << v.status().ToString();
  EXPECT_NE(v.status().message().find("deadline"), std::string::npos) << v.status().ToString();
  EXPECT_EQ((*ds_->Latest())->info().version, 200u);
}

TEST_F(MaintenanceTest, RetentionByAge) {
  for (int i = 0; i < 5; ++i) ASSERT_OK(AppendBatch(*ds_, i, 1));
  auto vs = ds_->Versions();
  ASSERT_OK(vs);
  // Everything is young: nothing goes.
  auto n = ds_->ExpireVersions({.keep_age_us = 3600ll * 1000000, .grace_period_us = 0});
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  // "Now" far in the future: all are old, the latest stays, whole chain kept
  // from its base (version 0 is the full base of all of them).
  auto n2 = ds_->ExpireVersions({.keep_age_us = 1, .now_us = vs->back().commit_time_us + 1'000'000'000});
  ASSERT_OK(n2);
  EXPECT_EQ(*n2, 0u);
  EXPECT_EQ((*ds_->Latest())->info().version, 5u);
}

TEST_F(MaintenanceTest, GarbageCollection) {
  for (int i = 0; i < 6; ++i) ASSERT_OK(AppendBatch(*ds_, i * 10, 10));
  ASSERT_OK(ds_->Compact({.target_rows_per_segment = 1000}));
  EXPECT_EQ(CountFiles("_segments"), 7u);
  // Crash leftovers: an unreferenced segment and temp files.
  WriteFileBytes(dir() + "/_segments/00000000000000000000000000000abc.dpc", {1, 2, 3});
  WriteFileBytes(dir() + "/_versions/.tmp-0123", {1});
  WriteFileBytes(dir() + "/_tags/.tmp-0123", {1});
  WriteFileBytes(dir() + "/_segments/not-a-segment.txt", {1});
  // Grace period protects young files.
  auto g0 = ds_->CollectGarbage({});
  ASSERT_OK(g0);
  EXPECT_EQ(g0->segments_deleted, 0u);
  // All versions retained: only the leftovers go.
  auto g1 = ds_->CollectGarbage({.grace_period_us = 0});
  ASSERT_OK(g1);
  EXPECT_EQ(g1->segments_deleted, 1u);
  EXPECT_EQ(g1->temp_files_deleted, 2u);
  EXPECT_EQ(g1->segments_referenced, 7u);
  EXPECT_TRUE(fs::exists(dir() + "/_segments/not-a-segment.txt"));  // unknown files are left alone
  // Expire everything but the compacted latest: the 6 small segments go.
  ASSERT_OK(ds_->ExpireVersions({.keep_last = 1, .grace_period_us = 0}));
  auto g2 = ds_->CollectGarbage({.grace_period_us = 0});
  ASSERT_OK(g2);
  // Version 7's base is 0, so 0..7 stay and still reference the small ones.
  EXPECT_EQ(g2->segments_deleted, 0u);
  // Push past a checkpoint so the old chain can go.
  for (int i = 0; i < 64; ++i) ASSERT_OK(AppendBatch(*ds_, 1000 + i, 1));
  ASSERT_OK(ds_->Compact({.target_rows_per_segment = 1000}));
  auto expired = ds_->ExpireVersions({.keep_last = 1, .grace_period_us = 0});
  ASSERT_OK(expired);
  EXPECT_GT(*expired, 0u);
  auto g3 = ds_->CollectGarbage({.grace_period_us = 0});
  ASSERT_OK(g3);
  auto latest = ds_->Latest();
  ASSERT_OK(latest);
  ASSERT_OK((*latest)->Verify());
  EXPECT_EQ((*latest)->info().num_rows, 124u);
  // Every remaining segment file is referenced by a retained version.
  EXPECT_EQ(CountFiles("_segments") - 1, g3->segments_referenced);
}

}  // namespace
}  // namespace dp::testing
