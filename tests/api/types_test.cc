// Status/Result, DataType, Schema, Value rendering, timestamp formatting and
// the UTF-8 validator.

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dp/result.h"
#include "dp/status.h"
#include "dp/types.h"
#include "format/utf8.h"

namespace dp {
namespace {

// ---------------------------------------------------------------- Status/Result

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::OK().ok());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::Corruption("page 3 checksum mismatch");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_FALSE(s.IsNotFound());
  EXPECT_EQ(s.message(), "page 3 checksum mismatch");
  EXPECT_EQ(s.ToString(), "Corruption: page 3 checksum mismatch");
  EXPECT_EQ(Status::NotSupported("x").ToString(), "Not supported: x");
  EXPECT_EQ(Status(StatusCode::kOk, "ignored").ToString(), "OK");
}

TEST(StatusTest, CopyIsDeepAndWithContextPrefixes) {
  Status a = Status::IOError("disk full");
  Status b = a;
  b = b.WithContext("/tmp/x.dpc");
  EXPECT_EQ(a.message(), "disk full");
  EXPECT_EQ(b.message(), "/tmp/x.dpc: disk full");
  EXPECT_TRUE(b.IsIOError());
  EXPECT_TRUE(Status::OK().WithContext("ctx").ok());
}

Status FailIfNegative(int x) { return x < 0 ? Status::InvalidArgument("negative: " + std::to_string(x)) : Status(); }
Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}
Result<int> Quarter(int x) {
  DP_RETURN_IF_ERROR(FailIfNegative(x));
  DP_ASSIGN_OR_RETURN(int h, Half(x));
  DP_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  Result<int> ok = Quarter(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  EXPECT_EQ(Quarter(-4).status().message(), "negative: -4");
  EXPECT_EQ(Quarter(6).status().message(), "odd: 3");
  EXPECT_EQ(Quarter(6).ValueOr(-1), -1);
  EXPECT_EQ(Quarter(4).ValueOr(-1), 1);
}

TEST(ResultTest, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

// ---------------------------------------------------------------- DataType

std::vector<DataType> EveryType() {
  std::vector<DataType> out;
  for (uint8_t id = 0; id <= kMaxTypeId; ++id) {
    if (static_cast<TypeId>(id) == TypeId::kTimestamp) continue;
    DataType t;
    t.id = static_cast<TypeId>(id);
    out.push_back(t);
  }
  for (TimeUnit u : {TimeUnit::kSecond, TimeUnit::kMilli, TimeUnit::kMicro, TimeUnit::kNano}) {
    out.push_back(DataType::Timestamp(u, true));
    out.push_back(DataType::Timestamp(u, false));
  }
  return out;
}

TEST(DataTypeTest, ToStringParseRoundTripsEveryType) {
  std::set<std::string> seen;
  for (const DataType& t : EveryType()) {
    std::string text = t.ToString();
    EXPECT_TRUE(seen.insert(text).second) << "two types print as " << text;
    Result<DataType> parsed = DataType::Parse(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, t) << text;
  }
}

TEST(DataTypeTest, NamesAreStable) {
  EXPECT_EQ(DataType::Int64().ToString(), "int64");
  EXPECT_EQ(DataType::UInt16().ToString(), "uint16");
  EXPECT_EQ(DataType::Float32().ToString(), "float32");
  EXPECT_EQ(DataType::Bool().ToString(), "bool");
  EXPECT_EQ(DataType::Date32().ToString(), "date32");
  EXPECT_EQ(DataType::String().ToString(), "string");
  EXPECT_EQ(DataType::Binary().ToString(), "binary");
  EXPECT_EQ(DataType::Timestamp(TimeUnit::kMicro).ToString(), "timestamp[us, UTC]");
  EXPECT_EQ(DataType::Timestamp(TimeUnit::kNano, false).ToString(), "timestamp[ns, local]");
  EXPECT_EQ(TimeUnitSuffix(TimeUnit::kSecond), "s");
  EXPECT_EQ(TimeUnitSuffix(TimeUnit::kMilli), "ms");
}

TEST(DataTypeTest, ParseShortFormsAndRejectsGarbage) {
  EXPECT_EQ(*DataType::Parse("timestamp[us]"), DataType::Timestamp(TimeUnit::kMicro, true));
  EXPECT_EQ(*DataType::Parse("timestamp[ms,UTC]"), DataType::Timestamp(TimeUnit::kMilli, true));
  EXPECT_EQ(*DataType::Parse("timestamp[s, local]"), DataType::Timestamp(TimeUnit::kSecond, false));
  for (const char* bad : {"", "int", "Int64", "int64 ", "timestamp", "timestamp[]", "timestamp[us",
                          "timestamp[xs]", "timestamp[us, CET]", "timestamp[us, UTC]x", "string[]"}) {
    Result<DataType> r = DataType::Parse(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "' parsed";
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos) << r.status().message();
  }
}

TEST(DataTypeTest, ClassificationAndWidths) {
  struct Row {
    DataType type;
    bool integer, signed_integer;
    int width;
  };
  const Row rows[] = {
      {DataType::Bool(), false, false, 1},       {DataType::Int8(), true, true, 1},
      {DataType::Int16(), true, true, 2},        {DataType::Int32(), true, true, 4},
      {DataType::Int64(), true, true, 8},        {DataType::UInt8(), true, false, 1},
      {DataType::UInt16(), true, false, 2},      {DataType::UInt32(), true, false, 4},
      {DataType::UInt64(), true, false, 8},      {DataType::Float32(), false, false, 4},
      {DataType::Float64(), false, false, 8},    {DataType::Timestamp(TimeUnit::kNano), true, true, 8},
      {DataType::Date32(), true, true, 4},       {DataType::String(), false, false, 0},
      {DataType::Binary(), false, false, 0},
  };
  static_assert(std::size(rows) == kMaxTypeId + 1);
  for (const Row& r : rows) {
    EXPECT_EQ(r.type.is_integer(), r.integer) << r.type.ToString();
    EXPECT_EQ(r.type.is_signed_integer(), r.signed_integer) << r.type.ToString();
    EXPECT_EQ(r.type.byte_width(), r.width) << r.type.ToString();
  }
}

// ---------------------------------------------------------------- Schema

Field F(std::string name, DataType type, uint32_t id = 0) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  f.field_id = id;
  return f;
}

// Asserts Make fails with InvalidArgument and a message containing every fragment.
void ExpectSchemaError(std::vector<Field> fields, std::vector<std::string> fragments) {
  Result<Schema> r = Schema::Make(std::move(fields));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  for (const std::string& frag : fragments) {
    EXPECT_NE(r.status().message().find(frag), std::string::npos)
        << "'" << r.status().message() << "' lacks '" << frag << "'";
  }
}

TEST(SchemaTest, AssignsIdsByPositionWhenNoneAreGiven) {
  Result<Schema> s = Schema::Make({F("a", DataType::Int64()), F("b", DataType::String()), F("c", DataType::Bool())});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->num_fields(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(s->field(i).field_id, i + 1);
}

TEST(SchemaTest, AssignedIdsSkipExplicitOnes) {
  Result<Schema> s = Schema::Make({F("a", DataType::Int64()), F("b", DataType::Int64(), 2),
                                   F("c", DataType::Int64()), F("d", DataType::Int64(), 1),
                                   F("e", DataType::Int64()), F("f", DataType::Int64(), 100)});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<uint32_t> ids;
  for (const Field& f : s->fields()) ids.push_back(f.field_id);
  EXPECT_EQ(ids, (std::vector<uint32_t>{3, 2, 4, 1, 5, 100}));
}

TEST(SchemaTest, EmptySchemaIsValid) {
  Result<Schema> s = Schema::Make({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->num_fields(), 0u);
  EXPECT_EQ(s->ToString(), "");
}

TEST(SchemaTest, RejectsBadNames) {
  ExpectSchemaError({F("a", DataType::Int64()), F("", DataType::Int64())}, {"field 1", "empty"});
  ExpectSchemaError({F("ok", DataType::Int64()), F("bad\xC3", DataType::Int64())}, {"field 1", "UTF-8"});
  ExpectSchemaError({F(std::string(Schema::kMaxNameBytes + 1, 'n'), DataType::Int64())},
                    {"field 0", "257 bytes", "256"});
  ExpectSchemaError({F("x", DataType::Int64()), F("y", DataType::Int64()), F("x", DataType::String())},
                    {"field 2 ('x')", "duplicate name", "field 0"});
  EXPECT_TRUE(Schema::Make({F(std::string(Schema::kMaxNameBytes, 'n'), DataType::Int64())}).ok());
  EXPECT_TRUE(Schema::Make({F("prix_€", DataType::Int64()), F("Prix_€", DataType::Int64())}).ok());
}

TEST(SchemaTest, RejectsLongDocs) {
  Field f = F("notes", DataType::String());
  f.doc = std::string(Schema::kMaxDocBytes + 1, 'd');
  ExpectSchemaError({F("a", DataType::Int8()), f}, {"field 1 ('notes')", "doc", "65537 bytes"});
  f.doc.pop_back();
  EXPECT_TRUE(Schema::Make({f}).ok());
}

TEST(SchemaTest, RejectsTooManyFields) {
  std::vector<Field> fields;
  fields.reserve(Schema::kMaxFields + 1);
  for (size_t i = 0; i <= Schema::kMaxFields; ++i) fields.push_back(F("c" + std::to_string(i), DataType::Int32()));
  ExpectSchemaError(fields, {"65537 fields", "65536"});
  fields.pop_back();
  Result<Schema> s = Schema::Make(std::move(fields));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->field(Schema::kMaxFields - 1).field_id, Schema::kMaxFields);
}

TEST(SchemaTest, RejectsDuplicateFieldIds) {
  ExpectSchemaError({F("a", DataType::Int64(), 7), F("b", DataType::Int64()), F("c", DataType::Int64(), 7)},
                    {"field 2 ('c')", "field id 7", "field 0"});
}

TEST(SchemaTest, RejectsInvalidTypes) {
  DataType bad_id;
  bad_id.id = static_cast<TypeId>(kMaxTypeId + 1);
  ExpectSchemaError({F("a", DataType::Int64()), F("weird", bad_id)}, {"field 1 ('weird')", "type id 15"});
  DataType bad_unit = DataType::Timestamp(TimeUnit::kMicro);
  bad_unit.unit = static_cast<TimeUnit>(4);
  ExpectSchemaError({F("ts", bad_unit)}, {"field 0 ('ts')", "time unit 4"});
}

TEST(SchemaTest, NonTimestampTypesGetCanonicalUnit) {
  DataType t = DataType::Int32();
  t.unit = TimeUnit::kNano;
  t.utc = false;
  Result<Schema> s = Schema::Make({F("a", t)});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->field(0).type.unit, DataType{}.unit);
  EXPECT_EQ(s->field(0).type.utc, DataType{}.utc);
}

TEST(SchemaTest, FieldIndexAndToString) {
  Field ts = F("ts", DataType::Timestamp(TimeUnit::kMilli));
  ts.nullable = false;
  ts.doc = "event time";
  Result<Schema> s = Schema::Make({ts, F("amount", DataType::Float64())});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->FieldIndex("ts"), 0);
  EXPECT_EQ(s->FieldIndex("amount"), 1);
  EXPECT_EQ(s->FieldIndex("Amount"), -1);
  EXPECT_EQ(s->FieldIndex(""), -1);
  EXPECT_EQ(s->ToString(), "ts: timestamp[ms, UTC] not null -- event time\namount: float64\n");
}

// ---------------------------------------------------------------- Value

TEST(ValueTest, ToStringPerType) {
  EXPECT_EQ(Value::Null().ToString(DataType::Int64()), "null");
  EXPECT_EQ(Value::Bool(true).ToString(DataType::Bool()), "true");
  EXPECT_EQ(Value::Bool(false).ToString(DataType::Bool()), "false");
  EXPECT_EQ(Value::Int(-42).ToString(DataType::Int8()), "-42");
  EXPECT_EQ(Value::Int(INT64_MIN).ToString(DataType::Int64()), "-9223372036854775808");
  EXPECT_EQ(Value::UInt(UINT64_MAX).ToString(DataType::UInt64()), "18446744073709551615");
  EXPECT_EQ(Value::Int(1700000000000000).ToString(DataType::Timestamp(TimeUnit::kMicro)),
            "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(Value::Int(1700000000).ToString(DataType::Timestamp(TimeUnit::kSecond, false)), "2023-11-14T22:13:20");
  EXPECT_EQ(Value::Int(19724).ToString(DataType::Date32()), "2024-01-02");
  EXPECT_EQ(Value::Bytes("héllo").ToString(DataType::String()), "héllo");
  EXPECT_EQ(Value::Bytes(std::string("\x00\x7f\xff\x10", 4)).ToString(DataType::Binary()), "007fff10");
  EXPECT_EQ(Value::Bytes("").ToString(DataType::Binary()), "");
}

TEST(ValueTest, FloatsPrintShortestRoundTrip) {
  EXPECT_EQ(Value::Double(0.1).ToString(DataType::Float64()), "0.1");
  EXPECT_EQ(Value::Double(static_cast<double>(0.1f)).ToString(DataType::Float32()), "0.1");
  EXPECT_EQ(Value::Double(static_cast<double>(0.1f)).ToString(DataType::Float64()), "0.10000000149011612");
  EXPECT_EQ(Value::Double(-0.0).ToString(DataType::Float64()), "-0");
  EXPECT_EQ(Value::Double(1e300).ToString(DataType::Float64()), "1e+300");
  EXPECT_EQ(Value::Double(std::numeric_limits<double>::infinity()).ToString(DataType::Float64()), "inf");
  EXPECT_EQ(Value::Double(-std::numeric_limits<float>::infinity()).ToString(DataType::Float32()), "-inf");
  EXPECT_EQ(Value::Double(std::nan("")).ToString(DataType::Float32()), "nan");
  for (double d : {3.141592653589793, 5e-324, 1.7976931348623157e308, 123456789.125}) {
    std::string text = Value::Double(d).ToString(DataType::Float64());
    double back = 0;
    std::from_chars(text.data(), text.data() + text.size(), back);
    EXPECT_EQ(back, d) << text;
  }
}

// ---------------------------------------------------------------- timestamps & dates

// Expected strings below were computed independently (Python datetime with
// 400-year-cycle reduction), not with the code under test.

TEST(FormatTimestampTest, EpochAndNegative) {
  EXPECT_EQ(FormatTimestamp(0, TimeUnit::kSecond, true), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(0, TimeUnit::kMilli, true), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(0, TimeUnit::kMicro, false), "1970-01-01T00:00:00.000000");
  EXPECT_EQ(FormatTimestamp(0, TimeUnit::kNano, true), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatTimestamp(-1, TimeUnit::kSecond, true), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatTimestamp(-1, TimeUnit::kMicro, true), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(-86400, TimeUnit::kSecond, true), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(-1500, TimeUnit::kMilli, true), "1969-12-31T23:59:58.500Z");
  EXPECT_EQ(FormatTimestamp(1700000000000000, TimeUnit::kMicro, true), "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(FormatTimestamp(1700000000123456789, TimeUnit::kNano, true), "2023-11-14T22:13:20.123456789Z");
}

TEST(FormatTimestampTest, LeapYears) {
  constexpr int64_t kDay = 86400;
  EXPECT_EQ(FormatTimestamp(11016 * kDay, TimeUnit::kSecond, true), "2000-02-29T00:00:00Z");   // /400: leap
  EXPECT_EQ(FormatTimestamp(11017 * kDay - 1, TimeUnit::kSecond, true), "2000-02-29T23:59:59Z");
  EXPECT_EQ(FormatTimestamp(47540 * kDay, TimeUnit::kSecond, true), "2100-02-28T00:00:00Z");   // /100: not leap
  EXPECT_EQ(FormatTimestamp(47541 * kDay, TimeUnit::kSecond, true), "2100-03-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(19782 * kDay, TimeUnit::kSecond, true), "2024-02-29T00:00:00Z");   // /4: leap
  EXPECT_EQ(FormatTimestamp(20088 * kDay, TimeUnit::kSecond, true), "2024-12-31T00:00:00Z");   // day 366
  EXPECT_EQ(FormatTimestamp(-25508 * kDay, TimeUnit::kSecond, true), "1900-03-01T00:00:00Z");  // after 1900-02-28
}

TEST(FormatTimestampTest, FullInt64RangeInEveryUnit) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(FormatTimestamp(kMax, TimeUnit::kSecond, true), "+292277026596-12-04T15:30:07Z");
  EXPECT_EQ(FormatTimestamp(kMin, TimeUnit::kSecond, true), "-292277022657-01-27T08:29:52Z");
  EXPECT_EQ(FormatTimestamp(kMax, TimeUnit::kMilli, true), "+292278994-08-17T07:12:55.807Z");
  EXPECT_EQ(FormatTimestamp(kMin, TimeUnit::kMilli, true), "-292275055-05-16T16:47:04.192Z");
  EXPECT_EQ(FormatTimestamp(kMax, TimeUnit::kMicro, true), "+294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(FormatTimestamp(kMin, TimeUnit::kMicro, true), "-290308-12-21T19:59:05.224192Z");
  EXPECT_EQ(FormatTimestamp(kMax, TimeUnit::kNano, true), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatTimestamp(kMin, TimeUnit::kNano, false), "1677-09-21T00:12:43.145224192");
}

TEST(FormatDate32Test, Calendar) {
  EXPECT_EQ(FormatDate32(0), "1970-01-01");
  EXPECT_EQ(FormatDate32(-1), "1969-12-31");
  EXPECT_EQ(FormatDate32(19724), "2024-01-02");
  EXPECT_EQ(FormatDate32(11016), "2000-02-29");
  EXPECT_EQ(FormatDate32(47541), "2100-03-01");
  EXPECT_EQ(FormatDate32(-719162), "0001-01-01");
  EXPECT_EQ(FormatDate32(-719528), "0000-01-01");
  EXPECT_EQ(FormatDate32(-719529), "-0001-12-31");
  EXPECT_EQ(FormatDate32(2932896), "9999-12-31");
  EXPECT_EQ(FormatDate32(2932897), "+10000-01-01");
  EXPECT_EQ(FormatDate32(std::numeric_limits<int32_t>::max()), "+5881580-07-11");
  EXPECT_EQ(FormatDate32(std::numeric_limits<int32_t>::min()), "-5877641-06-23");
}

TEST(FormatDate32Test, ConsecutiveDaysAdvanceByOne) {
  // Walks 1200 years day by day: every date follows the previous one.
  std::string prev = FormatDate32(-300000);
  for (int32_t d = -299999; d < 138000; ++d) {
    std::string cur = FormatDate32(d);
    int py = std::stoi(prev.substr(0, prev.size() - 6)), pm = std::stoi(prev.substr(prev.size() - 5, 2)),
        pd = std::stoi(prev.substr(prev.size() - 2));
    int cy = std::stoi(cur.substr(0, cur.size() - 6)), cm = std::stoi(cur.substr(cur.size() - 5, 2)),
        cd = std::stoi(cur.substr(cur.size() - 2));
    bool leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
    int month_len[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool ok = (cy == py && cm == pm && cd == pd + 1) ||
              (cy == py && cm == pm + 1 && cd == 1 && pd == month_len[pm - 1]) ||
              (cy == py + 1 && cm == 1 && cd == 1 && pm == 12 && pd == 31);
    ASSERT_TRUE(ok) << prev << " -> " << cur;
    prev = std::move(cur);
  }
}

TEST(ValueTest, Date32OutsideInt32PrintsAsNumber) {
  EXPECT_EQ(Value::Int(int64_t{1} << 40).ToString(DataType::Date32()), "1099511627776");
}

// ---------------------------------------------------------------- UTF-8

using format::IsValidUtf8;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// Independent oracle: decode by bit pattern, then require the shortest form,
// no surrogate and <= U+10FFFF.
bool ReferenceValid(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
      auto t = static_cast<unsigned char>(s[i + k]);
      if ((t >> 6) != 2) return false;
      cp = (cp << 6) | (t & 0x3F);
    }
    const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

TEST(Utf8Test, KnownCases) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii, long enough to use the 8-byte path"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));              // U+0080
  EXPECT_TRUE(IsValidUtf8("\xDF\xBF"));              // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));          // U+0800
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));          // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));          // U+E000
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));          // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));      // U+10000
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo w\xC3\xB6rld \xF0\x9F\x98\x80 \xE2\x82\xAC"));

  EXPECT_FALSE(IsValidUtf8("\x80"));                 // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));             // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));             // overlong U+007F
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));         // overlong U+07FF
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));     // overlong U+FFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));         // U+D800 surrogate
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));         // U+DFFF surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));     // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xFE\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));                 // truncated
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));             // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xE2\x28\xA1"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82\x28"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98\x28"));
}

TEST(Utf8Test, BadByteAtEveryPositionOfAnAsciiRun) {
  for (size_t len = 1; len <= 40; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      std::string s(len, 'a');
      s[pos] = '\x80';
      EXPECT_FALSE(IsValidUtf8(s)) << "len " << len << " pos " << pos;
      s[pos] = '\x7F';
      EXPECT_TRUE(IsValidUtf8(s)) << "len " << len << " pos " << pos;
    }
    // A sequence truncated by the end of the string after the ASCII run.
    EXPECT_FALSE(IsValidUtf8(std::string(len, 'a') + "\xE2\x82")) << len;
    EXPECT_TRUE(IsValidUtf8(std::string(len, 'a') + "\xE2\x82\xAC")) << len;
  }
}

TEST(Utf8Test, EveryCodePointEncodesValidly) {
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    std::string s;
    if (cp < 0x80) {
      s = Bytes({int(cp)});
    } else if (cp < 0x800) {
      s = Bytes({int(0xC0 | cp >> 6), int(0x80 | (cp & 0x3F))});
    } else if (cp < 0x10000) {
      s = Bytes({int(0xE0 | cp >> 12), int(0x80 | (cp >> 6 & 0x3F)), int(0x80 | (cp & 0x3F))});
    } else {
      s = Bytes({int(0xF0 | cp >> 18), int(0x80 | (cp >> 12 & 0x3F)), int(0x80 | (cp >> 6 & 0x3F)),
                 int(0x80 | (cp & 0x3F))});
    }
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    ASSERT_EQ(IsValidUtf8(s), !surrogate) << std::hex << cp;
  }
}

TEST(Utf8Test, AgreesWithOracleOnAllShortSequences) {
  // Every 1-, 2- and 3-byte string.
  std::string s;
  for (int a = 0; a < 256; ++a) {
    s = Bytes({a});
    ASSERT_EQ(IsValidUtf8(s), ReferenceValid(s)) << a;
    for (int b = 0; b < 256; ++b) {
      s = Bytes({a, b});
      ASSERT_EQ(IsValidUtf8(s), ReferenceValid(s)) << a << " " << b;
      for (int c = 0; c < 256; ++c) {
        s = Bytes({a, b, c});
        ASSERT_EQ(IsValidUtf8(s), ReferenceValid(s)) << a << " " << b << " " << c;
      }
    }
  }
  // 4-byte strings: every lead and second byte, boundary values for the rest.
  for (int a = 0xE0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : {0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xFF}) {
        for (int d : {0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xFF}) {
          s = Bytes({a, b, c, d});
          ASSERT_EQ(IsValidUtf8(s), ReferenceValid(s)) << a << " " << b << " " << c << " " << d;
        }
      }
    }
  }
}

}  // namespace
}  // namespace dp

namespace dp {
namespace {

TEST(ParseTimestamp, AcceptsRfc3339Forms) {
  EXPECT_EQ(*ParseTimestamp("1970-01-01T00:00:00Z", TimeUnit::kSecond), 0);
  EXPECT_EQ(*ParseTimestamp("1970-01-01", TimeUnit::kMicro), 0);
  EXPECT_EQ(*ParseTimestamp("2023-11-14T22:13:20Z", TimeUnit::kMicro), 1'700'000'000'000'000);
  EXPECT_EQ(*ParseTimestamp("2023-11-14 22:13:20.000001", TimeUnit::kMicro), 1'700'000'000'000'001);
  EXPECT_EQ(*ParseTimestamp("2023-11-15T00:13:20.5+02:00", TimeUnit::kMilli), 1'700'000'000'500);
  EXPECT_EQ(*ParseTimestamp("1969-12-31t23:59:59.999999999z", TimeUnit::kNano), -1);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T12:00:00-05:30", TimeUnit::kSecond), 1709227800);  // 17:30Z
  EXPECT_EQ(*ParseTimestamp("2024-01-01T00:00:00.1000Z", TimeUnit::kMilli), 1704067200100);  // zeros past ms
  EXPECT_EQ(*ParseTimestamp("2016-12-31T23:59:60Z", TimeUnit::kSecond), 1483228799);     // leap second
  EXPECT_EQ(*ParseTimestamp("0000-03-01", TimeUnit::kSecond), -62162035200);
  EXPECT_EQ(*ParseDate32("2024-02-29"), 19782);
  EXPECT_EQ(*ParseDate32("1969-12-31"), -1);
}

TEST(ParseTimestamp, RoundTripsWithFormat) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1'700'000'000'123'456}, int64_t{-62'000'000'000'000'000},
                    int64_t{253'402'300'799'999'999}}) {
    const std::string text = FormatTimestamp(v, TimeUnit::kMicro, true);
    auto back = ParseTimestamp(text, TimeUnit::kMicro);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    EXPECT_EQ(*back, v) << text;
  }
  for (int32_t d = -800'000; d <= 2'900'000; d += 997) {
    const std::string text = FormatDate32(d);
    if (text.size() != 10) continue;  // years beyond 0000..9999 print expanded
    EXPECT_EQ(*ParseDate32(text), d) << text;
  }
}

TEST(ParseTimestamp, RejectsWithReason) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "expected a date"},
      {"2024-13-01", "no such date"},
      {"2023-02-29", "no such date"},
      {"2024-01-01X", "expected 'T'"},
      {"2024-01-01T25:00:00Z", "out of range"},
      {"2024-01-01T12:00Z", "HH:MM:SS"},
      {"2024-01-01T12:00:00.Z", "digits after '.'"},
      {"2024-01-01T12:00:00.0000001Z", "more fractional digits"},
      {"2024-01-01T12:00:00+2", "UTC offset"},
      {"2024-01-01T12:00:00Z ", "unexpected text"},
      {"9999-12-31T00:00:00Z", "outside the range"},
  };
  for (const auto& [text, why] : bad) {
    const TimeUnit unit = std::string_view(text).starts_with("9999") ? TimeUnit::kNano : TimeUnit::kMicro;
    auto r = ParseTimestamp(text, unit);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << text << " -> " << r.status().ToString();
  }
  EXPECT_FALSE(ParseDate32("2024-01-01T00:00:00Z").ok());
}

}  // namespace
}  // namespace dp
