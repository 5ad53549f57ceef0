// Round trips through real segment files: every type x encoding x codec over
// edge values, schema/metadata preservation, statistics, errors, zero copy.
#include <cmath>
#include <limits>

#include "storage/segment_reader.h"
#include "tests/storage/test_util.h"

namespace dp::testing {
namespace {

constexpr uint64_t kMaxU = std::numeric_limits<uint64_t>::max();

// Edge values of a type: its min and max, zero, and float specials.
std::vector<Value> EdgeValues(const DataType& t) {
  switch (t.id) {
    case TypeId::kBool: return {Value::Bool(false), Value::Bool(true)};
    case TypeId::kInt8: return {Value::Int(-128), Value::Int(127), Value::Int(0)};
    case TypeId::kInt16: return {Value::Int(-32768), Value::Int(32767), Value::Int(0)};
    case TypeId::kInt32:
    case TypeId::kDate32: return {Value::Int(INT32_MIN), Value::Int(INT32_MAX), Value::Int(0)};
    case TypeId::kInt64:
    case TypeId::kTimestamp: return {Value::Int(INT64_MIN), Value::Int(INT64_MAX), Value::Int(0), Value::Int(-1)};
    case TypeId::kUInt8: return {Value::UInt(0), Value::UInt(255)};
    case TypeId::kUInt16: return {Value::UInt(0), Value::UInt(65535)};
    case TypeId::kUInt32: return {Value::UInt(0), Value::UInt(UINT32_MAX)};
    case TypeId::kUInt64: return {Value::UInt(0), Value::UInt(kMaxU), Value::UInt(kMaxU / 2 + 1)};
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      double inf = std::numeric_limits<double>::infinity();
      std::vector<Value> v = {Value::Double(-0.0), Value::Double(0.0), Value::Double(std::nan("")),
                              Value::Double(inf), Value::Double(-inf)};
      if (t.id == TypeId::kFloat32) {
        v.push_back(Value::Double(std::numeric_limits<float>::max()));
        v.push_back(Value::Double(std::numeric_limits<float>::lowest()));
        v.push_back(Value::Double(std::numeric_limits<float>::denorm_min()));
      } else {
        v.push_back(Value::Double(std::numeric_limits<double>::max()));
        v.push_back(Value::Double(std::numeric_limits<double>::lowest()));
        v.push_back(Value::Double(std::numeric_limits<double>::denorm_min()));
      }
      return v;
    }
    case TypeId::kString:
    case TypeId::kBinary: return {Value::Bytes(""), Value::Bytes("x"), Value::Bytes(std::string(70, 'z'))};
  }
  return {};
}

enum class Shape { kEmpty, kOne, kAllNull, kNoNulls, kEdges, kRandomNulls, kConstant, kSorted, kLowCard, kRuns };
const char* ShapeName(Shape s) {
  static const char* names[] = {"empty", "one", "all_null", "no_nulls", "edges", "random_nulls",
                                "constant", "sorted", "low_card", "runs"};
  return names[int(s)];
}

std::vector<Value> MakeValues(const DataType& t, Shape shape, std::mt19937_64& rng) {
  const size_t n = 2600;  // several pages (page_rows 1024) and row groups (1500)
  std::vector<Value> v;
  switch (shape) {
    case Shape::kEmpty: break;
    case Shape::kOne: v.push_back(RandomValue(t, rng)); break;
    case Shape::kAllNull: v.assign(n, Value::Null()); break;
    case Shape::kNoNulls: for (size_t i = 0; i < n; ++i) v.push_back(RandomValue(t, rng)); break;
    case Shape::kEdges: {
      auto e = EdgeValues(t);
      for (size_t i = 0; i < n; ++i) v.push_back(i % 11 == 5 ? Value::Null() : e[rng() % e.size()]);
      break;
    }
    case Shape::kRandomNulls:
      for (size_t i = 0; i < n; ++i) v.push_back(rng() % 4 == 0 ? Value::Null() : RandomValue(t, rng));
      break;
    case Shape::kConstant: v.assign(n, RandomValue(t, rng)); break;
    case Shape::kSorted: {
      for (size_t i = 0; i < n; ++i) {
        if (t.is_integer()) {
          if (t.is_signed_integer()) v.push_back(Value::Int(int64_t(i / 3) - 50));
          else v.push_back(Value::UInt(i / 3));
        } else {
          v.push_back(RandomValue(t, rng));
        }
      }
      // Keep the range inside narrow types.
      if (t.id == TypeId::kInt8 || t.id == TypeId::kUInt8)
        for (auto& x : v) x = x.is_int() ? Value::Int(x.as_int() % 100) : Value::UInt(x.as_uint() % 200);
      break;
    }
    case Shape::kLowCard: {
      std::vector<Value> pool;
      for (int i = 0; i < 5; ++i) pool.push_back(RandomValue(t, rng));
      for (size_t i = 0; i < n; ++i) v.push_back(rng() % 10 == 0 ? Value::Null() : pool[rng() % pool.size()]);
      break;
    }
    case Shape::kRuns: {
      Value cur = RandomValue(t, rng);
      for (size_t i = 0; i < n; ++i) {
        if (rng() % 200 == 0) cur = RandomValue(t, rng);
        v.push_back(cur);
      }
      break;
    }
  }
  return v;
}

struct Combo {
  DataType type;
  std::optional<Encoding> encoding;
  CodecPolicy codec;
};

class RoundTripTest : public ::testing::TestWithParam<int> {};

std::string TypeLabel(int i) {
  std::string s = AllTypes()[i].ToString();
  for (char& c : s) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// Writes `col` with the given options and checks every read path against it.
void CheckRoundTrip(const TempDir& dir, const std::string& name, const TestColumn& col, WriterOptions opts) {
  SCOPED_TRACE(name);
  auto schema = Schema::Make({{"v", col.type, true, "the values"}, {"row", DataType::Int64(), false}});
  ASSERT_OK(schema);
  std::string path = dir.File(name + ".dpc");
  auto w = SegmentWriter::Create(path, *schema, opts);
  ASSERT_OK(w);
  std::vector<int64_t> rows(col.expected.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = int64_t(i);
  // Append in uneven batches to cross page and row-group boundaries mid-batch.
  size_t done = 0, batch = 1;
  while (done < rows.size() || done == 0) {
    size_t k = std::min(batch, rows.size() - done);
    ColumnData v = col.Data();
    if (k > 0 && v.validity != nullptr) {
      // Sub-batches need byte-aligned validity; fall back to one batch.
      k = rows.size() - done;
    }
    if (v.values) v.values = static_cast<const uint8_t*>(v.values) + done * std::max(col.type.byte_width(), 1);
    if (v.strings) v.strings += done;
    v.length = k;
    ASSERT_OK((*w)->Append({v, ColumnData::Of<int64_t>(std::span<const int64_t>(rows.data() + done, k))}));
    done += k;
    batch = batch * 3 + 7;
    if (rows.empty()) break;
  }
  ASSERT_OK((*w)->Finish());

  auto seg = Segment::Open(path);
  ASSERT_OK(seg);
  ASSERT_EQ((*seg)->num_rows(), col.expected.size());
  VerifyReport report = (*seg)->Verify();
  ASSERT_TRUE(report.ok()) << report.issues[0].what;

  auto read = (*seg)->ReadColumn("v");
  ASSERT_OK(read);
  ASSERT_EQ(read->length(), col.expected.size());
  uint64_t nulls = 0;
  for (size_t i = 0; i < col.expected.size(); ++i) {
    nulls += col.expected[i].is_null();
    Value got = read->GetValue(i);
    Value want = col.expected[i];
    if (col.type.id == TypeId::kFloat32 && want.is_double()) want = Value::Double(double(float(want.as_double())));
    ASSERT_TRUE(SameValue(got, want)) << "row " << i << ": got " << got.ToString(col.type) << " want "
                                      << want.ToString(col.type);
  }
  EXPECT_EQ(read->null_count(), nulls);

  // Block iteration sees the same values, in blocks of <= 1024, in row order.
  auto blocks = (*seg)->ReadBlocks(0);
  ASSERT_OK(blocks);
  Block b;
  uint64_t next_row = 0;
  while (true) {
    auto more = (*blocks)->Next(&b);
    ASSERT_OK(more);
    if (!*more) break;
    ASSERT_EQ(b.first_row, next_row);
    ASSERT_LE(b.length, 1024u);
    for (uint32_t i = 0; i < b.length; i += 97) {
      const size_t r = b.first_row + i;
      ASSERT_EQ(b.is_null(i), col.expected[r].is_null()) << "row " << r;
      if (b.is_null(i)) continue;
      if (col.type.is_binary_like()) {
        ASSERT_EQ(b.strings[i], col.expected[r].as_bytes()) << "row " << r;
      } else {
        const int width = std::max(col.type.byte_width(), 1);
        ASSERT_EQ(std::memcmp(static_cast<const uint8_t*>(b.values) + size_t(i) * width, col.raw.data() + r * width,
                              width), 0)
            << "row " << r;
      }
    }
    next_row += b.length;
  }
  ASSERT_EQ(next_row, col.expected.size());

  // Column statistics match the data.
  auto stats = (*seg)->column_stats(0);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->null_count, nulls);
  EXPECT_EQ(stats->num_values, col.expected.size());
}

TEST_P(RoundTripTest, EveryEncodingCodecAndShape) {
  const DataType type = AllTypes()[GetParam()];
  TempDir dir;
  std::mt19937_64 rng(1234 + GetParam());
  const std::vector<std::optional<Encoding>> encodings = {
      std::nullopt,          Encoding::kPlain,      Encoding::kForBitpack, Encoding::kDeltaBitpack,
      Encoding::kRle,        Encoding::kDictionary, Encoding::kConstant};
  const std::vector<CodecPolicy> codecs = {CodecPolicy::kNone, CodecPolicy::kAuto, CodecPolicy::kZstd,
                                           CodecPolicy::kLz4};
  for (int s = 0; s <= int(Shape::kRuns); ++s) {
    TestColumn col = MakeColumn(type, MakeValues(type, Shape(s), rng));
    for (size_t e = 0; e < encodings.size(); ++e) {
      for (size_t k = 0; k < codecs.size(); ++k) {
        WriterOptions o;
        o.page_rows = 1024;
        o.row_group_rows = 1500;
        o.force_encoding = encodings[e];
        o.codec = codecs[k];
        o.sync = false;
        std::string name = std::string(ShapeName(Shape(s))) + "_e" + std::to_string(e) + "_c" + std::to_string(k);
        CheckRoundTrip(dir, name, col, o);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTripTest, ::testing::Range(0, int(AllTypes().size())),
                         [](const ::testing::TestParamInfo<int>& p) { return TypeLabel(p.param); });

TEST(SegmentTest, LongStringsAndPageByteCut) {
  TempDir dir;
  std::vector<Value> v;
  for (int i = 0; i < 40; ++i) v.push_back(Value::Bytes(std::string(size_t(1) << 20 | i, char('a' + i % 26))));
  TestColumn col = MakeColumn(DataType::String(), v);
  WriterOptions o;
  o.page_bytes = 4u << 20;  // a page every ~4 values
  o.sync = false;
  CheckRoundTrip(dir, "long", col, o);
  auto seg = Segment::Open(dir.File("long.dpc"));
  ASSERT_OK(seg);
  auto chunk = (*seg)->column_chunk(0, 0);
  ASSERT_OK(chunk);
  EXPECT_GE(chunk->pages.size(), 8u);
  // String statistics are truncated to a prefix, flagged inexact.
  EXPECT_FALSE(chunk->stats.min_exact);
  EXPECT_LE(chunk->stats.min->as_bytes().size(), 64u);
}

TEST(SegmentTest, SchemaDocsAndMetadataRoundTrip) {
  TempDir dir;
  auto schema = Schema::Make({{"ts", DataType::Timestamp(TimeUnit::kNano, false), false, "event time", 7},
                              {"name", DataType::String(), true, "who did it"},
                              {"flag", DataType::Bool(), true, ""}});
  ASSERT_OK(schema);
  WriterOptions o;
  o.metadata = {{"owner", "orders-team"}, {"domain", "orders"}};
  o.sync = false;
  auto w = SegmentWriter::Create(dir.File("s.dpc"), *schema, o);
  ASSERT_OK(w);
  ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Int(5), Value::Bytes("ann"), Value::Bool(true)}));
  ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Int(-5), Value::Null(), Value::Null()}));
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("s.dpc"));
  ASSERT_OK(seg);
  const Schema& s = (*seg)->schema();
  ASSERT_EQ(s.num_fields(), 3u);
  EXPECT_EQ(s.field(0).name, "ts");
  EXPECT_EQ(s.field(0).type, DataType::Timestamp(TimeUnit::kNano, false));
  EXPECT_FALSE(s.field(0).nullable);
  EXPECT_EQ(s.field(0).doc, "event time");
  EXPECT_EQ(s.field(0).field_id, 7u);
  EXPECT_EQ(s.field(1).doc, "who did it");
  EXPECT_TRUE(s.field(1).nullable);
  EXPECT_EQ((*seg)->metadata(), o.metadata);
  EXPECT_EQ((*seg)->created_by().rfind("dpstore", 0), 0u);
  EXPECT_EQ((*seg)->format_version().major, 1);
  auto names = (*seg)->ReadColumn("name");
  ASSERT_OK(names);
  EXPECT_EQ(names->GetValue(0), Value::Bytes("ann"));
  EXPECT_TRUE(names->is_null(1));
  auto ts = (*seg)->column_stats(0);
  ASSERT_OK(ts);
  EXPECT_EQ(*ts->min, Value::Int(-5));
  EXPECT_EQ(*ts->max, Value::Int(5));
}

TEST(SegmentTest, FloatZeroAndNaNStatistics) {
  TempDir dir;
  TestColumn col = MakeColumn(DataType::Float64(), {Value::Double(0.0), Value::Double(std::nan("")),
                                                    Value::Double(0.0)});
  WriterOptions o;
  o.sync = false;
  CheckRoundTrip(dir, "f", col, o);
  auto seg = Segment::Open(dir.File("f.dpc"));
  ASSERT_OK(seg);
  auto st = (*seg)->column_stats(0);
  ASSERT_OK(st);
  EXPECT_TRUE(st->has_nan);
  // A min of +0.0 is stored as -0.0 so that "x < 0" can never prune -0.0 away.
  EXPECT_TRUE(std::signbit(st->min->as_double()));
  EXPECT_FALSE(std::signbit(st->max->as_double()));
}

TEST(SegmentTest, PlainUncompressedPagesAreZeroCopy) {
  TempDir dir;
  auto schema = Schema::Make({{"x", DataType::Int64(), false}});
  std::vector<int64_t> v(5000);
  std::mt19937_64 rng(3);
  for (auto& x : v) x = int64_t(rng());
  WriterOptions o;
  o.force_encoding = Encoding::kPlain;
  o.codec = CodecPolicy::kNone;
  o.sync = false;
  auto w = SegmentWriter::Create(dir.File("z.dpc"), *schema, o);
  ASSERT_OK(w);
  ASSERT_OK((*w)->Append({ColumnData::Of<int64_t>(v)}));
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("z.dpc"));
  ASSERT_OK(seg);
  auto blocks = (*seg)->ReadBlocks(0);
  ASSERT_OK(blocks);
  Block b;
  auto more = (*blocks)->Next(&b);
  ASSERT_OK(more);
  ASSERT_TRUE(*more);
  const auto mapping = (*seg)->rep().bytes;
  const uint8_t* p = static_cast<const uint8_t*>(b.values);
  EXPECT_TRUE(p >= mapping.data() && p < mapping.data() + mapping.size()) << "block was copied, not mapped";
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
  EXPECT_EQ(b.as<int64_t>()[17], v[17]);
}

TEST(SegmentTest, BadInputIsRejectedWithClearErrors) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64(), false}, {"s", DataType::String()}});
  ASSERT_OK(schema);
  WriterOptions o;
  o.sync = false;
  auto w = SegmentWriter::Create(dir.File("e.dpc"), *schema, o);
  ASSERT_OK(w);
  int64_t ids[3] = {1, 2, 3};
  std::string_view strs[3] = {"a", "b", "c"};
  uint8_t validity = 0b101;
  // A null in a non-nullable column names the column and the row.
  Status s = (*w)->Append({ColumnData::Of<int64_t>(std::span<const int64_t>(ids, 3), &validity),
                           ColumnData::Strings(strs)});
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("'id'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("row 1"), std::string::npos) << s.message();
  // Wrong column count, unequal lengths.
  EXPECT_TRUE((*w)->Append({ColumnData::Of<int64_t>(ids)}).IsInvalidArgument());
  EXPECT_TRUE((*w)->Append({ColumnData::Of<int64_t>(std::span<const int64_t>(ids, 2)), ColumnData::Strings(strs)})
                  .IsInvalidArgument());
  // Invalid UTF-8 in a string column.
  std::string_view bad[3] = {"ok", "\xC3\x28", "ok"};
  s = (*w)->Append({ColumnData::Of<int64_t>(ids), ColumnData::Strings(bad)});
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos);
  // A rejected batch does not poison the writer, and nothing of it was kept.
  ASSERT_OK((*w)->Append({ColumnData::Of<int64_t>(ids), ColumnData::Strings(strs)}));
  EXPECT_EQ((*w)->rows_written(), 3u);
  // AppendRow type checks.
  EXPECT_TRUE((*w)->AppendRow(std::vector<Value>{Value::Bytes("x"), Value::Null()}).IsInvalidArgument());
  ASSERT_OK((*w)->Finish());
  EXPECT_FALSE((*w)->Append({ColumnData::Of<int64_t>(ids), ColumnData::Strings(strs)}).ok());
  // Segments are never overwritten.
  auto again = SegmentWriter::Create(dir.File("e.dpc"), *schema, o);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  // Readers.
  auto missing = Segment::Open(dir.File("nope.dpc"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  auto seg = Segment::Open(dir.File("e.dpc"));
  ASSERT_OK(seg);
  auto col = (*seg)->ReadColumn("nope");
  ASSERT_FALSE(col.ok());
  EXPECT_NE(col.status().message().find("nope"), std::string::npos);
  EXPECT_FALSE((*seg)->ReadColumn(0, 5).ok());
  EXPECT_FALSE((*seg)->ReadColumn(9).ok());
}

TEST(SegmentTest, UnfinishedWriterLeavesNoFile) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64()}});
  {
    auto w = SegmentWriter::Create(dir.File("a.dpc"), *schema);
    ASSERT_OK(w);
    int64_t x = 1;
    ASSERT_OK((*w)->Append({ColumnData::Of<int64_t>(std::span<const int64_t>(&x, 1))}));
  }
  EXPECT_FALSE(std::filesystem::exists(dir.File("a.dpc")));
  auto w2 = SegmentWriter::Create(dir.File("b.dpc"), *schema);
  ASSERT_OK(w2);
  (*w2)->Abort();
  EXPECT_FALSE(std::filesystem::exists(dir.File("b.dpc")));
}

TEST(SegmentTest, EmptySegment) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64()}});
  auto w = SegmentWriter::Create(dir.File("e.dpc"), *schema);
  ASSERT_OK(w);
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("e.dpc"));
  ASSERT_OK(seg);
  EXPECT_EQ((*seg)->num_rows(), 0u);
  EXPECT_EQ((*seg)->num_row_groups(), 0);
  EXPECT_TRUE((*seg)->Verify().ok());
  auto col = (*seg)->ReadColumn(0);
  ASSERT_OK(col);
  EXPECT_EQ(col->length(), 0u);
}

TEST(SegmentTest, BoolSpanInput) {
  TempDir dir;
  auto schema = Schema::Make({{"b", DataType::Bool(), false}});
  bool vals[5] = {true, false, true, true, false};
  auto w = SegmentWriter::Create(dir.File("b.dpc"), *schema);
  ASSERT_OK(w);
  ASSERT_OK((*w)->Append({ColumnData::Of<bool>(vals)}));
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("b.dpc"));
  ASSERT_OK(seg);
  auto col = (*seg)->ReadColumn(0);
  ASSERT_OK(col);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(col->values<uint8_t>()[i], vals[i] ? 1 : 0);
}

}  // namespace
}  // namespace dp::testing

namespace dp::testing {
namespace {

// Regression: ColumnVector kept string views into a std::string arena; moving
// a short (SSO) arena moved its bytes and left the views dangling.
TEST(ColumnVectorTest, ShortStringsSurviveMoveAndCopy) {
  TempDir dir;
  TestColumn col = MakeColumn(DataType::String(), {Value::Bytes("ann"), Value::Bytes("b"), Value::Null()});
  WriterOptions o;
  o.sync = false;
  CheckRoundTrip(dir, "sso", col, o);
  auto seg = Segment::Open(dir.File("sso.dpc"));
  ASSERT_OK(seg);
  auto read = (*seg)->ReadColumn(0);
  ASSERT_OK(read);
  ColumnVector moved = std::move(read).value();
  ColumnVector copy = moved;
  ColumnVector assigned;
  assigned = copy;
  for (const ColumnVector* v : {&moved, &copy, &assigned}) {
    EXPECT_EQ(v->GetValue(0), Value::Bytes("ann"));
    EXPECT_EQ(v->GetValue(1), Value::Bytes("b"));
    EXPECT_TRUE(v->is_null(2));
  }
  EXPECT_NE(copy.strings()[0].data(), moved.strings()[0].data());  // the copy owns its bytes
}

}  // namespace
}  // namespace dp::testing

namespace dp::testing {
namespace {

// ---- WriterOptions::threads: columns encoded concurrently -------------------

// Columns of every type, nullable ones with ~10% nulls, low-cardinality
// strings and floats (dictionary, radix and byte-plane candidates), and a
// string column without nulls (zone maps from the page dictionary).
struct ThreadsTestData {
  std::vector<Field> fields;
  std::vector<TestColumn> columns;
};

ThreadsTestData MakeThreadsTestData(size_t rows) {
  std::mt19937_64 rng(77);
  ThreadsTestData d;
  std::vector<DataType> types = AllTypes();
  for (size_t c = 0; c < types.size(); ++c) {
    std::vector<Value> v(rows);
    for (size_t i = 0; i < rows; ++i) v[i] = rng() % 10 == 0 ? Value::Null() : RandomValue(types[c], rng);
    d.fields.push_back({"c" + std::to_string(c), types[c], true});
    d.columns.push_back(MakeColumn(types[c], std::move(v)));
  }
  std::vector<Value> cats(rows), discount(rows), times(rows);
  int64_t t = 1'700'000'000'000'000;
  for (size_t i = 0; i < rows; ++i) {
    cats[i] = Value::Bytes("category_" + std::to_string(rng() % 40));
    discount[i] = Value::Double(rng() % 5 == 0 ? double(rng() % 50) / 100 : 0.0);
    t += int64_t(rng() % 4000);
    times[i] = Value::Int(t);
  }
  d.fields.push_back({"category", DataType::String(), false});
  d.columns.push_back(MakeColumn(DataType::String(), std::move(cats)));
  d.fields.push_back({"discount", DataType::Float64(), false});
  d.columns.push_back(MakeColumn(DataType::Float64(), std::move(discount)));
  d.fields.push_back({"ts", DataType::Timestamp(TimeUnit::kMicro), false});
  d.columns.push_back(MakeColumn(DataType::Timestamp(TimeUnit::kMicro), std::move(times)));
  return d;
}

// Writes the data in batches of alternating sizes: small ones (encoded on
// the calling thread) and large ones (handed to the workers), across
// several row groups and pages.
Status WriteThreadsTestFile(const std::string& path, const ThreadsTestData& d, int threads) {
  DP_ASSIGN_OR_RETURN(Schema schema, Schema::Make(d.fields));
  WriterOptions o;
  o.sync = false;
  o.threads = threads;
  o.row_group_rows = 30'000;
  o.page_rows = 8192;
  DP_ASSIGN_OR_RETURN(auto w, SegmentWriter::Create(path, schema, o));
  const size_t rows = d.columns[0].expected.size();
  const size_t sizes[] = {20'000, 104, 9'000, 8, 15'000, 3'000};  // multiples of 8
  std::vector<ColumnData> batch(d.columns.size());
  for (size_t done = 0, k = 0; done < rows; ++k) {
    const size_t n = std::min(sizes[k % std::size(sizes)], rows - done);
    for (size_t c = 0; c < d.columns.size(); ++c) {
      ColumnData all = d.columns[c].Data();
      ColumnData& b = batch[c];
      b.length = n;
      b.values = all.values ? static_cast<const uint8_t*>(all.values) + done * std::max(d.fields[c].type.byte_width(), 1)
                            : nullptr;
      b.strings = all.strings ? all.strings + done : nullptr;
      // Validity bitmaps start at bit 0: batches start at multiples of 8.
      b.validity = all.validity ? all.validity + done / 8 : nullptr;
    }
    DP_RETURN_IF_ERROR(w->Append(batch));
    done += n;
  }
  return w->Finish();
}

TEST(SegmentThreadsTest, FileIsByteIdenticalForEveryThreadCount) {
  TempDir dir;
  const ThreadsTestData d = MakeThreadsTestData(64'000);
  ASSERT_OK(WriteThreadsTestFile(dir.File("t1.dpc"), d, 1));
  const std::vector<uint8_t> serial = ReadFileBytes(dir.File("t1.dpc"));
  ASSERT_GT(serial.size(), 0u);
  for (int threads : {2, 3, 8, 0}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const std::string path = dir.File("t" + std::to_string(threads) + "x.dpc");
    ASSERT_OK(WriteThreadsTestFile(path, d, threads));
    EXPECT_TRUE(ReadFileBytes(path) == serial) << "file differs from the threads = 1 file";
  }
  // And it holds the data.
  auto seg = Segment::Open(dir.File("t8x.dpc"));
  ASSERT_OK(seg);
  EXPECT_TRUE((*seg)->Verify().ok());
  ASSERT_EQ((*seg)->num_rows(), 64'000u);
  EXPECT_EQ((*seg)->num_row_groups(), 3);
  for (size_t c = 0; c < d.columns.size(); ++c) {
    auto col = (*seg)->ReadColumn(int(c));
    ASSERT_OK(col);
    for (size_t i = 0; i < d.columns[c].expected.size(); ++i) {
      ASSERT_TRUE(SameValue(col->GetValue(i), d.columns[c].expected[i])) << "column " << c << " row " << i;
    }
  }
}

TEST(SegmentThreadsTest, BadBatchErrorDoesNotDependOnThreads) {
  // Two bad columns in one batch: the error names the first, whatever the
  // thread count, and the writer goes on (a rejected batch is not kept).
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64(), false},
                              {"s", DataType::String(), false},
                              {"n", DataType::Int32(), false}});
  ASSERT_OK(schema);
  const size_t rows = 10'000;
  std::vector<int64_t> ids(rows, 1);
  std::vector<int32_t> ns(rows, 2);
  std::vector<std::string_view> strs(rows, "ok");
  std::vector<uint8_t> validity((rows + 7) / 8, 0xFF);
  validity[rows / 8 - 1] = 0x7F;  // row 9999 is null
  std::vector<std::string_view> bad = strs;
  bad[rows - 10] = "\xC3\x28";
  for (int threads : {1, 4}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    WriterOptions o;
    o.sync = false;
    o.threads = threads;
    auto w = SegmentWriter::Create(dir.File("b" + std::to_string(threads) + ".dpc"), *schema, o);
    ASSERT_OK(w);
    Status s = (*w)->Append({ColumnData::Of<int64_t>(ids), ColumnData::Strings(bad),
                             ColumnData::Of<int32_t>(std::span<const int32_t>(ns), validity.data())});
    ASSERT_TRUE(s.IsInvalidArgument());
    EXPECT_NE(s.message().find("column 's' row 9990"), std::string::npos) << s.message();
    ASSERT_OK((*w)->Append({ColumnData::Of<int64_t>(ids), ColumnData::Strings(strs), ColumnData::Of<int32_t>(ns)}));
    ASSERT_OK((*w)->Finish());
    EXPECT_EQ((*w)->rows_written(), rows);
  }
  EXPECT_TRUE(ReadFileBytes(dir.File("b1.dpc")) == ReadFileBytes(dir.File("b4.dpc")));
}

TEST(SegmentThreadsTest, NegativeThreadsAreRejected) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64()}});
  WriterOptions o;
  o.threads = -1;
  auto w = SegmentWriter::Create(dir.File("n.dpc"), *schema, o);
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(w.status().IsInvalidArgument());
  EXPECT_NE(w.status().message().find("threads"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.File("n.dpc")));
}

}  // namespace
}  // namespace dp::testing
