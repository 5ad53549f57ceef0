// Products, datasets, commits, time travel, tags, names and addresses
// (spec/layout.md).
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "dp/scan.h"
#include "format/manifest.h"
#include "storage/dataset/dataset_store.h"
#include "tests/storage/dataset_test_util.h"

namespace dp::testing {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Mesh::Open(tmp_.File("mesh"), true);
    ASSERT_OK(m);
    mesh_.emplace(*m);
    auto p = mesh_->CreateProduct({.name = "orders", .domain = "sales", .owner = "team-orders",
                                   .description = "orders of the shop", .tags = {"finance", "pii"},
                                   .freshness_sla_seconds = 3600});
    ASSERT_OK(p);
    product_.emplace(*p);
    auto d = product_->CreateDataset({.name = "order_items", .kind = DatasetKind::kEvents,
                                      .event_time_column = "ts", .description = "one row per item"},
                                     EventsSchema());
    ASSERT_OK(d);
    ds_.emplace(*d);
  }
  std::string root() const { return tmp_.File("mesh"); }
  std::string ds_dir() const { return root() + "/orders/order_items"; }

  TempDir tmp_;
  std::optional<Mesh> mesh_;
  std::optional<Product> product_;
  std::optional<Dataset> ds_;
};

TEST_F(DatasetTest, ProductMetadataRoundTrip) {
  auto p = mesh_->OpenProduct("orders");
  ASSERT_OK(p);
  EXPECT_EQ(p->info().domain, "sales");
  EXPECT_EQ(p->info().owner, "team-orders");
  EXPECT_EQ(p->info().description, "orders of the shop");
  EXPECT_EQ(p->info().tags, (std::vector<std::string>{"finance", "pii"}));
  EXPECT_EQ(p->info().freshness_sla_seconds, 3600);
  EXPECT_GT(p->info().created_us, 0);
  auto again = mesh_->CreateProduct({.name = "orders"});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK(mesh_->CreateProduct({.name = "customers"}));
  auto list = mesh_->ListProducts();
  ASSERT_OK(list);
  EXPECT_EQ(*list, (std::vector<std::string>{"customers", "orders"}));
  EXPECT_TRUE(mesh_->OpenProduct("nope").status().IsNotFound());
  auto dl = product_->ListDatasets();
  ASSERT_OK(dl);
  EXPECT_EQ(*dl, std::vector<std::string>{"order_items"});
}

TEST_F(DatasetTest, NamesAreValidated) {
  for (std::string bad : std::vector<std::string>{"", "..", ".", "a/b", "/abs", "Upper", "-lead", "_lead", std::string("a\0b", 3),
                          std::string(65, 'a'), "a b", "a.b"}) {
    auto p = mesh_->CreateProduct({.name = bad});
    EXPECT_TRUE(p.status().IsInvalidArgument()) << "'" << bad << "': " << p.status().ToString();
    auto d = product_->CreateDataset({.name = bad, .event_time_column = "ts"}, EventsSchema());
    EXPECT_TRUE(d.status().IsInvalidArgument()) << bad;
    EXPECT_TRUE(product_->OpenDataset(bad).status().IsInvalidArgument()) << bad;
  }
  auto p = mesh_->CreateProduct({.name = "Bad"});
  EXPECT_NE(p.status().message().find("'Bad'"), std::string::npos) << p.status().ToString();
  EXPECT_NE(p.status().message().find("[a-z0-9]"), std::string::npos);
  ASSERT_OK(ValidateName(std::string(64, 'z'), "product"));
  ASSERT_OK(ValidateTagName("v1.2.0"));
  EXPECT_TRUE(ValidateTagName(".hidden").IsInvalidArgument());
  EXPECT_TRUE(ValidateTagName("a/b").IsInvalidArgument());
  // Nothing escaped the root.
  EXPECT_FALSE(fs::exists(tmp_.File("abs")));
}

TEST_F(DatasetTest, CreateRules) {
  EXPECT_EQ(product_->CreateDataset({.name = "order_items", .event_time_column = "ts"}, EventsSchema()).status().code(),
            StatusCode::kAlreadyExists);
  // Events need a timestamp event-time column.
  EXPECT_TRUE(product_->CreateDataset({.name = "e1"}, EventsSchema()).status().IsInvalidArgument());
  EXPECT_TRUE(product_->CreateDataset({.name = "e2", .event_time_column = "id"}, EventsSchema())
                  .status().IsInvalidArgument());
  EXPECT_TRUE(product_->CreateDataset({.name = "s1", .kind = DatasetKind::kSnapshots, .event_time_column = "ts"},
                                      EventsSchema()).status().IsInvalidArgument());
  EXPECT_TRUE(product_->OpenDataset("missing").status().IsNotFound());
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  EXPECT_EQ((*snap)->info().version, 0u);
  EXPECT_EQ((*snap)->info().operation, Operation::kCreate);
  EXPECT_FALSE((*snap)->info().parent.has_value());
  EXPECT_EQ((*snap)->semver(), (SemVer{1, 0, 0}));
  EXPECT_EQ((*snap)->num_segments(), 0u);
  EXPECT_EQ((*snap)->dataset().event_time_column, "ts");
  EXPECT_EQ((*snap)->dataset().description, "one row per item");
  EXPECT_EQ((*snap)->schema().num_fields(), 4u);
  EXPECT_EQ((*snap)->schema().field(1).doc, "event time");
}

TEST_F(DatasetTest, AppendCommitAndPinnedReaders) {
  auto v1 = AppendBatch(*ds_, 0, 100);
  ASSERT_OK(v1);
  EXPECT_EQ(v1->version, 1u);
  EXPECT_EQ(v1->parent, std::optional<uint64_t>(0));
  EXPECT_EQ(v1->num_rows, 100u);
  EXPECT_EQ(v1->operation, Operation::kAppend);
  EXPECT_EQ(v1->committer, "test");
  auto pinned = ds_->Latest();
  ASSERT_OK(pinned);
  auto v2 = AppendBatch(*ds_, 100, 50);
  ASSERT_OK(v2);
  EXPECT_GE(v2->commit_time_us, v1->commit_time_us);
  // The pinned reader still sees exactly version 1.
  EXPECT_EQ((*pinned)->info().version, 1u);
  EXPECT_EQ(ReadInts(**pinned, 1).size(), 100u);
  auto latest = ds_->Latest();
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->info().num_rows, 150u);
  std::vector<int64_t> ids = ReadInts(**latest, 1);
  std::sort(ids.begin(), ids.end());
  for (int64_t i = 0; i < 150; ++i) ASSERT_EQ(ids[i], i);
  ASSERT_OK((*latest)->Verify());

  // Segment info: summaries and event-time range.
  SegmentInfo si = (*latest)->segment(0);
  EXPECT_EQ(si.num_rows, 100u);
  EXPECT_EQ(si.added_in, 1u);
  ASSERT_TRUE(si.event_time_min && si.event_time_max);
  EXPECT_EQ(*si.event_time_min, 1'700'000'000'000'000 + 1000);
  EXPECT_EQ(*si.event_time_max, 1'700'000'000'000'000 + 100 * 1000);
  ASSERT_EQ(si.columns.size(), 4u);
  EXPECT_EQ(si.columns[0].field_id, 1u);
  EXPECT_EQ(si.columns[0].stats.min, Value::Int(0));
  EXPECT_EQ(si.columns[0].stats.max, Value::Int(99));
  EXPECT_EQ(si.columns[2].stats.null_count, 15u);  // ids 0,7,...,98
  EXPECT_EQ(si.path, ds_dir() + "/_segments/" + si.id + ".dpc");
  auto seg = (*latest)->OpenSegment(0);
  ASSERT_OK(seg);
  EXPECT_EQ((*seg)->num_rows(), 100u);
  EXPECT_EQ((*latest)->OpenSegment(9).status().code(), StatusCode::kOutOfRange);
}

TEST_F(DatasetTest, EmptyCommitAndRollingSegments) {
  auto txn = ds_->Begin(Operation::kAppend, {.max_segment_rows = 10});
  ASSERT_OK(txn);
  for (int i = 0; i < 5; ++i) {
    Batch b(i * 6, 6);
    ASSERT_OK((*txn)->Append(b.cols));
  }
  auto v = (*txn)->Commit("five batches", "t");
  ASSERT_OK(v);
  EXPECT_EQ(v->num_rows, 30u);
  EXPECT_EQ(v->num_segments, 3u);  // rolled after 12, 24 rows; last 6
  auto empty = ds_->Begin(Operation::kAppend);
  ASSERT_OK(empty);
  auto ve = (*empty)->Commit("nothing", "t");
  ASSERT_OK(ve);
  EXPECT_EQ(ve->num_rows, 30u);
  EXPECT_EQ(ve->version, 2u);
}

TEST_F(DatasetTest, ValidatorRejectsBatchAndAbortRemovesFiles) {
  TransactionOptions o;
  o.validator = [](std::span<const ColumnData> cols, uint64_t first_row) -> Status {
    const int64_t* ids = static_cast<const int64_t*>(cols[0].values);
    for (size_t i = 0; i < cols[0].length; ++i) {
      if (ids[i] < 0) return Status::InvalidArgument("row " + std::to_string(first_row + i) + ": negative id");
    }
    return Status::OK();
  };
  o.contract_checksum = 0xABCDEF;
  {
    auto txn = ds_->Begin(Operation::kAppend, o);
    ASSERT_OK(txn);
    Batch good(0, 10);
    ASSERT_OK((*txn)->Append(good.cols));
    Batch bad(-5, 10);
    Status s = (*txn)->Append(bad.cols);
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_NE(s.message().find("row 10"), std::string::npos) << s.ToString();
    (*txn)->Abort();
  }
  EXPECT_TRUE(fs::is_empty(ds_dir() + "/_segments"));
  auto latest = ds_->Latest();
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->info().version, 0u);
  auto v = AppendBatch(*ds_, 0, 5, o);
  ASSERT_OK(v);
  EXPECT_EQ(v->contract_checksum, std::optional<uint64_t>(0xABCDEF));
  // Null in a non-nullable column fails in the segment writer.
  auto txn = ds_->Begin(Operation::kAppend);
  ASSERT_OK(txn);
  Batch b(0, 3);
  std::vector<uint8_t> none(1, 0);
  b.cols[0].validity = none.data();
  EXPECT_TRUE((*txn)->Append(b.cols).IsInvalidArgument());
  // Wrong column count.
  auto t2 = ds_->Begin(Operation::kAppend);
  ASSERT_OK(t2);
  EXPECT_TRUE((*t2)->Append(std::span<const ColumnData>(b.cols.data(), 2)).IsInvalidArgument());
}

TEST_F(DatasetTest, CheckpointsKeepReplayShort) {
  for (int i = 0; i < 140; ++i) ASSERT_OK(AppendBatch(*ds_, i * 2, 2));
  auto latest = ds_->Latest();
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->info().version, 140u);
  EXPECT_EQ((*latest)->num_segments(), 140u);
  EXPECT_LE((*latest)->state().files.size(), 65u);
  EXPECT_EQ((*latest)->state().base_version, 128u);
  std::vector<int64_t> ids = ReadInts(**latest, 1);
  EXPECT_EQ(ids.size(), 280u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 280u);
  auto v64 = ds_->At(64);
  ASSERT_OK(v64);
  EXPECT_EQ((*v64)->num_segments(), 64u);
  EXPECT_EQ((*v64)->state().base_version, 64u);
  auto v63 = ds_->At(63);
  ASSERT_OK(v63);
  EXPECT_EQ((*v63)->num_segments(), 63u);
  EXPECT_TRUE(ds_->At(141).status().IsNotFound());
  auto versions = ds_->Versions();
  ASSERT_OK(versions);
  ASSERT_EQ(versions->size(), 141u);
  for (size_t i = 0; i < versions->size(); ++i) EXPECT_EQ((*versions)[i].version, i);
}

TEST_F(DatasetTest, LatestHintIsNotAuthoritative) {
  ASSERT_OK(AppendBatch(*ds_, 0, 1));
  ASSERT_OK(AppendBatch(*ds_, 1, 1));
  const std::string hint = ds_dir() + "/_versions/_latest";
  WriteFileBytes(hint, {'0', '\n'});  // stale
  EXPECT_EQ((*ds_->Latest())->info().version, 2u);
  WriteFileBytes(hint, {'9', '9', '9'});  // ahead of reality
  EXPECT_EQ((*ds_->Latest())->info().version, 2u);
  WriteFileBytes(hint, {'x', 0, 1});  // garbage
  EXPECT_EQ((*ds_->Latest())->info().version, 2u);
  fs::remove(hint);
  EXPECT_EQ((*ds_->Latest())->info().version, 2u);
}

TEST_F(DatasetTest, TimeTravelAsOf) {
  std::vector<VersionInfo> vs;
  for (int i = 0; i < 5; ++i) {
    auto v = AppendBatch(*ds_, i * 10, 10);
    ASSERT_OK(v);
    vs.push_back(*v);
    ::usleep(2000);
  }
  for (const VersionInfo& v : vs) {
    auto s = ds_->AsOf(v.commit_time_us);
    ASSERT_OK(s);
    EXPECT_EQ((*s)->info().version, v.version);
    auto s2 = ds_->AsOf(v.commit_time_us + 1);
    ASSERT_OK(s2);
    EXPECT_EQ((*s2)->info().version, v.version);
  }
  auto far = ds_->AsOf(INT64_MAX);
  ASSERT_OK(far);
  EXPECT_EQ((*far)->info().version, 5u);
  EXPECT_TRUE(ds_->AsOf(0).status().IsNotFound());
  // Through addresses.
  auto a = mesh_->Resolve("dp://orders/order_items@" + FormatRfc3339(vs[2].commit_time_us));
  ASSERT_OK(a);
  EXPECT_EQ((*a)->info().version, 3u);
  auto b = mesh_->Resolve("dp://orders/order_items@2");
  ASSERT_OK(b);
  EXPECT_EQ((*b)->info().num_rows, 20u);
  auto c = mesh_->Resolve("dp://orders/order_items");
  ASSERT_OK(c);
  EXPECT_EQ((*c)->info().version, 5u);
  EXPECT_TRUE(mesh_->Resolve("dp://orders/order_items@77").status().IsNotFound());
  EXPECT_TRUE(mesh_->Resolve("dp://orders/nope").status().IsNotFound());
  EXPECT_TRUE(mesh_->Resolve("dp://nope/order_items").status().IsNotFound());
}

TEST_F(DatasetTest, Tags) {
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  ASSERT_OK(ds_->CreateTag("v1.0.0", 1, "first release"));
  ASSERT_OK(AppendBatch(*ds_, 10, 10));
  EXPECT_EQ(ds_->CreateTag("v1.0.0", 2).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(ds_->CreateTag("future", 99).IsNotFound());
  EXPECT_TRUE(ds_->CreateTag("../x", 1).IsInvalidArgument());
  auto s = ds_->AtTag("v1.0.0");
  ASSERT_OK(s);
  EXPECT_EQ((*s)->info().version, 1u);
  auto r = mesh_->Resolve("dp://orders/order_items@v1.0.0");
  ASSERT_OK(r);
  EXPECT_EQ((*r)->info().num_rows, 10u);
  auto tags = ds_->Tags();
  ASSERT_OK(tags);
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].name, "v1.0.0");
  EXPECT_EQ((*tags)[0].message, "first release");
  ASSERT_OK(ds_->DeleteTag("v1.0.0"));
  EXPECT_TRUE(ds_->AtTag("v1.0.0").status().IsNotFound());
  EXPECT_TRUE(ds_->DeleteTag("v1.0.0").IsNotFound());
  ASSERT_OK(ds_->CreateTag("v1.0.0", 2));
  EXPECT_EQ((*ds_->AtTag("v1.0.0"))->info().version, 2u);
}

TEST_F(DatasetTest, SnapshotsDatasetReplaces) {
  auto d = product_->CreateDataset({.name = "customers_monthly", .kind = DatasetKind::kSnapshots}, EventsSchema());
  ASSERT_OK(d);
  EXPECT_TRUE(d->Begin(Operation::kAppend).status().IsInvalidArgument());
  for (int month = 1; month <= 3; ++month) {
    TransactionOptions o;
    o.as_of_us = month * 1000;
    auto txn = d->Begin(Operation::kReplace, o);
    ASSERT_OK(txn);
    Batch b(month * 100, static_cast<size_t>(month * 10));
    ASSERT_OK((*txn)->Append(b.cols));
    auto v = (*txn)->Commit("month " + std::to_string(month), "t");
    ASSERT_OK(v);
    EXPECT_EQ(v->operation, Operation::kReplace);
    EXPECT_EQ(v->num_rows, static_cast<uint64_t>(month * 10));
    EXPECT_EQ(v->as_of_us, std::optional<int64_t>(month * 1000));
  }
  auto latest = d->Latest();
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->num_segments(), 1u);
  std::vector<int64_t> ids = ReadInts(**latest, 1);
  ASSERT_EQ(ids.size(), 30u);
  EXPECT_EQ(ids.front(), 300);
  auto v2 = d->At(2);
  ASSERT_OK(v2);
  EXPECT_EQ(ReadInts(**v2, 1).front(), 200);
  // Default as_of = commit time.
  auto txn = d->Begin(Operation::kReplace);
  ASSERT_OK(txn);
  auto v = (*txn)->Commit("empty", "t");
  ASSERT_OK(v);
  EXPECT_EQ(v->as_of_us, std::optional<int64_t>(v->commit_time_us));
}

TEST_F(DatasetTest, ConcurrentReplaceConflicts) {
  auto t1 = ds_->Begin(Operation::kReplace);
  auto t2 = ds_->Begin(Operation::kReplace);
  ASSERT_OK(t1);
  ASSERT_OK(t2);
  Batch b1(0, 5), b2(100, 5);
  ASSERT_OK((*t1)->Append(b1.cols));
  ASSERT_OK((*t2)->Append(b2.cols));
  ASSERT_OK((*t1)->Commit("one", "t"));
  auto r = (*t2)->Commit("two", "t");
  EXPECT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
  (*t2)->Abort();
  // With retry it rebases.
  TransactionOptions o;
  o.retry_on_conflict = true;
  auto t3 = ds_->Begin(Operation::kReplace, o);
  ASSERT_OK(t3);
  ASSERT_OK(AppendBatch(*ds_, 50, 3));
  ASSERT_OK((*t3)->Append(b2.cols));
  auto v = (*t3)->Commit("three", "t");
  ASSERT_OK(v);
  EXPECT_EQ(v->num_rows, 5u);
  // Appends rebase transparently.
  auto a1 = ds_->Begin(Operation::kAppend);
  ASSERT_OK(a1);
  ASSERT_OK((*a1)->Append(b1.cols));
  ASSERT_OK(AppendBatch(*ds_, 200, 4));
  auto va = (*a1)->Commit("late append", "t");
  ASSERT_OK(va);
  EXPECT_EQ(va->num_rows, 5u + 4u + 5u);
}

TEST_F(DatasetTest, AddPrewrittenSegment) {
  auto txn = ds_->Begin(Operation::kAppend);
  ASSERT_OK(txn);
  const std::string path = (*txn)->NewSegmentPath();
  {
    auto w = SegmentWriter::Create(path, EventsSchema());
    ASSERT_OK(w);
    Batch b(0, 20);
    ASSERT_OK((*w)->Append(b.cols));
    ASSERT_OK((*w)->Finish());
  }
  ASSERT_OK((*txn)->AddSegment(path));
  EXPECT_TRUE((*txn)->AddSegment("/etc/passwd").IsInvalidArgument());
  EXPECT_TRUE((*txn)->AddSegment(ds_dir() + "/_segments/../x.dpc").IsInvalidArgument());
  auto v = (*txn)->Commit("prewritten", "t");
  ASSERT_OK(v);
  EXPECT_EQ(v->num_rows, 20u);
  // A segment whose schema does not fit is refused.
  auto t2 = ds_->Begin(Operation::kAppend);
  ASSERT_OK(t2);
  const std::string p2 = (*t2)->NewSegmentPath();
  {
    auto w = SegmentWriter::Create(p2, *Schema::Make({{"x", DataType::String(), true, "", 9}}));
    ASSERT_OK(w);
    ASSERT_OK((*w)->Finish());
  }
  EXPECT_TRUE((*t2)->AddSegment(p2).IsInvalidArgument());
}

TEST_F(DatasetTest, CorruptManifestIsReported) {
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  const std::string path = ds_dir() + "/_versions/00000000000000000001.dpv";
  std::vector<uint8_t> bytes = ReadFileBytes(path);
  ::chmod(path.c_str(), 0644);
  bytes[bytes.size() / 2] ^= 0x40;
  WriteFileBytes(path, bytes);
  auto s = ds_->Latest();
  EXPECT_TRUE(s.status().IsCorruption()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("00000000000000000001.dpv"), std::string::npos);
}

TEST_F(DatasetTest, MissingSegmentIsReported) {
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  fs::remove((*snap)->segment_path(0));
  auto seg = (*snap)->OpenSegment(0);
  EXPECT_FALSE(seg.ok());
  EXPECT_NE(seg.status().message().find((*snap)->segment(0).id), std::string::npos) << seg.status().ToString();
  EXPECT_FALSE((*snap)->Verify().ok());
}

// A damaged segment fails a scan by default; with skip_corrupt_parts the scan
// answers from the intact segments and names the damaged ones.
TEST_F(DatasetTest, CorruptSegmentIsSkippedOnlyOnRequest) {
  for (int64_t b = 0; b < 3; ++b) ASSERT_OK(AppendBatch(*ds_, b * 100, 100));
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  ASSERT_EQ((*snap)->num_segments(), 3u);
  const std::string damaged = (*snap)->segment_path(1);
  std::vector<uint8_t> bytes = ReadFileBytes(damaged);
  ::chmod(damaged.c_str(), 0644);
  bytes[bytes.size() / 2] ^= 0x10;
  WriteFileBytes(damaged, bytes);

  auto source = ScanSource::FromSnapshot(*snap);
  ASSERT_OK(source);
  const AggregateSpec agg{.aggregates = {Aggregate::Count(), Aggregate::Sum("id"), Aggregate::CountValid("name"),
                                         Aggregate::Sum("qty"), Aggregate::Max("ts")}};
  auto strict = RunAggregate(*source, {}, agg);
  ASSERT_FALSE(strict.ok());
  EXPECT_TRUE(strict.status().IsCorruption()) << strict.status().ToString();

  ScanSpec tolerant;
  tolerant.skip_corrupt_parts = true;
  auto r = RunAggregate(*source, tolerant, agg);
  ASSERT_OK(r);
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0].as_int(), 200);
  int64_t ids = 0;
  for (int64_t i = 0; i < 100; ++i) ids += i + (200 + i);
  EXPECT_EQ(r->rows[0][1].as_int(), ids);
  ASSERT_EQ(r->stats.skipped_parts.size(), 1u);
  EXPECT_NE(r->stats.skipped_parts[0].find((*snap)->segment(1).id), std::string::npos) << r->stats.skipped_parts[0];
  EXPECT_NE(r->stats.ToString().find("corrupt parts skipped 1"), std::string::npos);

  // A missing file is skipped the same way; the batch scanner agrees.
  fs::remove((*snap)->segment_path(2));
  auto fresh = ds_->Latest();  // a new snapshot: nothing cached
  ASSERT_OK(fresh);
  auto source2 = ScanSource::FromSnapshot(*fresh);
  ASSERT_OK(source2);
  tolerant.projection = {"id"};
  auto scanner = Scanner::Open(*source2, tolerant);
  ASSERT_OK(scanner);
  dp::Batch batch;
  int64_t rows = 0;
  while (true) {
    auto more = (*scanner)->Next(&batch);
    ASSERT_OK(more);
    if (!*more) break;
    for (int64_t id : batch.column(0).values<int64_t>()) EXPECT_LT(id, 100);
    rows += int64_t(batch.num_rows);
  }
  EXPECT_EQ(rows, 100);
  EXPECT_EQ((*scanner)->stats().skipped_parts.size(), 2u);
}

// ---- Addresses and RFC 3339 ----------------------------------------------

TEST(AddressTest, ParseAndPrint) {
  auto a = Address::Parse("dp://orders/order_items");
  ASSERT_OK(a);
  EXPECT_EQ(a->product, "orders");
  EXPECT_EQ(a->dataset, "order_items");
  EXPECT_EQ(a->selector, Address::Selector::kLatest);
  EXPECT_EQ(a->ToString(), "dp://orders/order_items");
  auto v = Address::Parse("dp://orders/order_items@42");
  ASSERT_OK(v);
  EXPECT_EQ(v->selector, Address::Selector::kVersion);
  EXPECT_EQ(v->version, 42u);
  EXPECT_EQ(v->ToString(), "dp://orders/order_items@42");
  auto t = Address::Parse("dp://orders/order_items@2024-03-01T00:00:00Z");
  ASSERT_OK(t);
  EXPECT_EQ(t->selector, Address::Selector::kTime);
  EXPECT_EQ(t->time_us, 1709251200000000);
  EXPECT_EQ(t->ToString(), "dp://orders/order_items@2024-03-01T00:00:00.000000Z");
  auto g = Address::Parse("dp://orders/order_items@v1.2.0");
  ASSERT_OK(g);
  EXPECT_EQ(g->selector, Address::Selector::kTag);
  EXPECT_EQ(g->tag, "v1.2.0");
  for (const char* bad : {"orders/order_items", "dp://orders", "dp:///x", "dp://orders/", "dp://Orders/x",
                          "dp://orders/x@", "dp://orders/x@a/b", "dp://../x", "dp://orders/x@99999999999999999999",
                          "dp://orders/x@2024-13-01T00:00:00Z", "dp://a/b/c"}) {
    auto r = Address::Parse(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad;
  }
}

TEST(AddressTest, Rfc3339) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.5Z"), 500000);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.123456789Z"), 123456);
  EXPECT_EQ(*ParseRfc3339("1970-01-01t01:00:00+01:00"), 0);
  EXPECT_EQ(*ParseRfc3339("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_EQ(*ParseRfc3339("2000-02-29T12:00:00z"), 951825600000000);
  EXPECT_EQ(*ParseRfc3339("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  for (const char* bad : {"", "2024-03-01", "2024-03-01T00:00:00", "2023-02-29T00:00:00Z", "2024-03-01T24:00:00Z",
                          "2024-03-01T00:00:60Z", "2024-03-01T00:00:00.Z", "2024-03-01T00:00:00.1234567890Z",
                          "2024-03-01T00:00:00+1:00", "2024-03-01T00:00:00Zjunk", "2024-03-01 00:00:00Z"}) {
    EXPECT_TRUE(ParseRfc3339(bad).status().IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace dp::testing
