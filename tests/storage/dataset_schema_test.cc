// Schema evolution by stable field ids and derived semantic versions
// (spec/layout.md §"Schema evolution").
#include "storage/dataset/schema_evolution.h"
#include "tests/storage/dataset_test_util.h"

namespace dp::testing {
namespace {

class SchemaEvolutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = MakeEventsDataset(tmp_.File("mesh"));
    ASSERT_OK(d);
    ds_.emplace(*d);
  }
  std::vector<Field> Current() { return (*ds_->Latest())->schema().fields(); }

  TempDir tmp_;
  std::optional<Dataset> ds_;
};

TEST_F(SchemaEvolutionTest, AddNullableColumnIsMinorAndOldSegmentsReadNull) {
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  std::vector<Field> f = Current();
  f.push_back({"country", DataType::String(), true, "ISO code"});
  auto v = ds_->EvolveSchema(f, {.message = "add country", .committer = "me"});
  ASSERT_OK(v);
  EXPECT_EQ(v->operation, Operation::kSchemaChange);
  EXPECT_EQ(v->semver, (SemVer{1, 1, 0}));
  EXPECT_EQ(v->num_rows, 10u);
  auto snap = ds_->Latest();
  ASSERT_OK(snap);
  ASSERT_EQ((*snap)->schema().num_fields(), 5u);
  EXPECT_EQ((*snap)->schema().field(4).field_id, 5u);
  auto col = (*snap)->ReadColumn(0, 5);
  ASSERT_OK(col);
  EXPECT_EQ(col->length(), 10u);
  EXPECT_EQ(col->null_count(), 10u);
  EXPECT_TRUE(col->is_null(3));
  // New appends use the new schema (5 columns).
  auto txn = ds_->Begin(Operation::kAppend);
  ASSERT_OK(txn);
  EXPECT_EQ((*txn)->schema().num_fields(), 5u);
  Batch b(10, 4);
  std::vector<std::string_view> c = {"DE", "US", "FR", "IT"};
  std::vector<ColumnData> cols = b.cols;
  cols.push_back(ColumnData::Strings(c));
  ASSERT_OK((*txn)->Append(cols));
  ASSERT_OK((*txn)->Commit("with country", "me"));
  auto s2 = ds_->Latest();
  ASSERT_OK(s2);
  auto c2 = (*s2)->ReadColumn(1, 5);
  ASSERT_OK(c2);
  EXPECT_EQ(c2->GetValue(1), Value::Bytes("US"));
  // The history is visible through the version list.
  auto versions = ds_->Versions();
  ASSERT_OK(versions);
  EXPECT_EQ((*versions)[1].semver, (SemVer{1, 0, 0}));
  EXPECT_EQ((*versions)[2].semver, (SemVer{1, 1, 0}));
}

TEST_F(SchemaEvolutionTest, WideningIsMinorAndWidensOldValues) {
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  std::vector<Field> f = Current();
  f[3].type = DataType::Int64();  // qty int32 -> int64
  auto v = ds_->EvolveSchema(f);
  ASSERT_OK(v);
  EXPECT_EQ(v->semver, (SemVer{1, 1, 0}));
  auto snap = ds_->Latest();
  auto col = (*snap)->ReadColumn(0, 4);
  ASSERT_OK(col);
  EXPECT_EQ(col->type(), DataType::Int64());
  EXPECT_EQ(col->values<int64_t>()[5], 5);
  EXPECT_TRUE(col->is_null(0));  // id 0 % 7 == 0
  EXPECT_EQ(col->null_count(), 2u);
}

TEST_F(SchemaEvolutionTest, DocChangeIsPatch) {
  std::vector<Field> f = Current();
  f[0].doc = "the order item id";
  auto v = ds_->EvolveSchema(f);
  ASSERT_OK(v);
  EXPECT_EQ(v->semver, (SemVer{1, 0, 1}));
  auto d = ds_->EvolveSchema(Current(), {.description = std::string("new description")});
  ASSERT_OK(d);
  EXPECT_EQ(d->semver, (SemVer{1, 0, 2}));
  EXPECT_EQ((*ds_->Latest())->dataset().description, "new description");
  // No change at all is refused.
  EXPECT_TRUE(ds_->EvolveSchema(Current()).status().IsInvalidArgument());
}

TEST_F(SchemaEvolutionTest, BreakingChangesNeedAllowMajor) {
  struct Case {
    const char* what;
    std::function<void(std::vector<Field>&)> edit;
  };
  std::vector<Case> cases = {
      {"removes field 'qty'", [](std::vector<Field>& f) { f.pop_back(); }},
      {"renames field 'name' to 'title'", [](std::vector<Field>& f) { f[2].name = "title"; }},
      {"changes the type of 'qty' from int32 to int16", [](std::vector<Field>& f) { f[3].type = DataType::Int16(); }},
      {"changes the type of 'qty' from int32 to string", [](std::vector<Field>& f) { f[3].type = DataType::String(); }},
      {"makes field 'name' non-nullable", [](std::vector<Field>& f) { f[2].nullable = false; }},
      {"makes field 'id' nullable", [](std::vector<Field>& f) { f[0].nullable = true; }},
      {"adds non-nullable field 'x'", [](std::vector<Field>& f) { f.push_back({"x", DataType::Int8(), false}); }},
  };
  for (const Case& c : cases) {
    std::vector<Field> f = Current();
    c.edit(f);
    auto r = ds_->EvolveSchema(f);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << c.what;
    EXPECT_NE(r.status().message().find(c.what), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("allow_major"), std::string::npos);
  }
  ASSERT_OK(AppendBatch(*ds_, 0, 10));
  std::vector<Field> f = Current();
  f.pop_back();  // drop qty
  f[2].name = "title";
  auto v = ds_->EvolveSchema(f, {.allow_major = true});
  ASSERT_OK(v);
  EXPECT_EQ(v->semver, (SemVer{2, 0, 0}));
  // Re-adding "qty" by name gets a new id: ids are never reused.
  f.push_back({"qty", DataType::Int32(), true});
  auto v2 = ds_->EvolveSchema(f);
  ASSERT_OK(v2);
  EXPECT_EQ(v2->semver, (SemVer{2, 1, 0}));
  auto snap = ds_->Latest();
  EXPECT_EQ((*snap)->schema().field(3).field_id, 5u);
  auto col = (*snap)->ReadColumn(0, 5);  // old segment had id 4, not 5
  ASSERT_OK(col);
  EXPECT_EQ(col->null_count(), 10u);
  auto title = (*snap)->ReadColumn(0, 3);  // renamed column, same id
  ASSERT_OK(title);
  EXPECT_EQ(title->GetValue(1), Value::Bytes("n1"));
}

TEST_F(SchemaEvolutionTest, ImpossibleRequests) {
  std::vector<Field> f = Current();
  f[1].type = DataType::Timestamp(TimeUnit::kNano);
  EXPECT_TRUE(ds_->EvolveSchema(f, {.allow_major = true}).status().IsInvalidArgument());  // event time retyped
  f = Current();
  f.erase(f.begin() + 1);
  EXPECT_TRUE(ds_->EvolveSchema(f, {.allow_major = true}).status().IsInvalidArgument());  // event time removed
  f = Current();
  f.push_back({"y", DataType::Int8(), true, "", 99});
  auto r = ds_->EvolveSchema(f);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("99"), std::string::npos);
  f = Current();
  f.push_back(f[0]);
  EXPECT_TRUE(ds_->EvolveSchema(f).status().IsInvalidArgument());  // duplicate id
}

TEST_F(SchemaEvolutionTest, AppendBegunBeforeSchemaChangeConflicts) {
  auto txn = ds_->Begin(Operation::kAppend);
  ASSERT_OK(txn);
  Batch b(0, 3);
  ASSERT_OK((*txn)->Append(b.cols));
  std::vector<Field> f = Current();
  f.push_back({"z", DataType::Int8(), true});
  ASSERT_OK(ds_->EvolveSchema(f));
  auto r = (*txn)->Commit("late", "me");
  EXPECT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
}

TEST(SchemaWideningTest, Table) {
  using internal::IsWidening;
  EXPECT_TRUE(IsWidening(DataType::Int8(), DataType::Int64()));
  EXPECT_TRUE(IsWidening(DataType::UInt16(), DataType::Int32()));
  EXPECT_TRUE(IsWidening(DataType::UInt32(), DataType::UInt64()));
  EXPECT_TRUE(IsWidening(DataType::Float32(), DataType::Float64()));
  EXPECT_FALSE(IsWidening(DataType::Int32(), DataType::UInt64()));
  EXPECT_FALSE(IsWidening(DataType::UInt32(), DataType::Int32()));
  EXPECT_FALSE(IsWidening(DataType::Int64(), DataType::Int32()));
  EXPECT_FALSE(IsWidening(DataType::Int32(), DataType::Float64()));
  EXPECT_FALSE(IsWidening(DataType::Int32(), DataType::Int32()));
  EXPECT_EQ(internal::Bump({1, 2, 3}, internal::ChangeClass::kMajor), (SemVer{2, 0, 0}));
  EXPECT_EQ(internal::Bump({1, 2, 3}, internal::ChangeClass::kMinor), (SemVer{1, 3, 0}));
  EXPECT_EQ(internal::Bump({1, 2, 3}, internal::ChangeClass::kPatch), (SemVer{1, 2, 4}));
}

}  // namespace
}  // namespace dp::testing
