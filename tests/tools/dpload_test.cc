// dpload: CSV and JSON Lines readers (values of every type, quoting, escapes,
// records split across reads, every error class with its exact
// file:line:column), the schema text format, the load driver (commit or
// abort), a round trip dpgen CSV -> segment == dpgen segment, locating a load
// row's input line, and dataset loads through the CLI (create from the
// orders contract, append, JSONL, contract violations and malformed input
// committing nothing, snapshots replaced twice, refused names and options).
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dp/address.h"
#include "dp/contract.h"
#include "dp/dataset.h"
#include "dp/segment.h"
#include "tests/storage/test_util.h"
#include "tools/dpgen/orders.h"
#include "tools/dpgen/orders_csv.h"
#include "tools/dpload/convert.h"
#include "tools/dpload/load.h"
#include "tools/dpload/reader.h"
#include "tools/dpload/schema_text.h"

namespace dp::tools::dpload {
namespace {

using dp::testing::TempDir;

// Keeps every appended row as Values; records Finish/Abort.
class CollectSink final : public BatchSink {
 public:
  explicit CollectSink(const Schema& schema) : schema_(schema) {}
  Status Append(std::span<const ColumnData> cols, uint64_t first_row) override {
    EXPECT_EQ(first_row, rows.size());
    EXPECT_EQ(cols.size(), schema_.num_fields());
    const size_t n = cols[0].length;
    for (size_t r = 0; r < n; ++r) {
      std::vector<Value> row;
      for (size_t c = 0; c < cols.size(); ++c) row.push_back(Get(schema_.field(c).type, cols[c], r));
      rows.push_back(std::move(row));
    }
    ++batches;
    return Status::OK();
  }
  Status Finish() override {
    finished = true;
    return Status::OK();
  }
  void Abort() override { aborted = true; }

  static Value Get(const DataType& t, const ColumnData& d, size_t r) {
    if (d.validity && !(d.validity[r / 8] & (1u << (r % 8)))) return Value::Null();
    auto at = [&](auto zero) {
      decltype(zero) v;
      std::memcpy(&v, static_cast<const char*>(d.values) + r * sizeof(v), sizeof(v));
      return v;
    };
    switch (t.id) {
      case TypeId::kBool: return Value::Bool(at(uint8_t{}) != 0);
      case TypeId::kInt8: return Value::Int(at(int8_t{}));
      case TypeId::kInt16: return Value::Int(at(int16_t{}));
      case TypeId::kInt32: return Value::Int(at(int32_t{}));
      case TypeId::kDate32: return Value::Int(at(int32_t{}));
      case TypeId::kInt64: return Value::Int(at(int64_t{}));
      case TypeId::kTimestamp: return Value::Int(at(int64_t{}));
      case TypeId::kUInt8: return Value::UInt(at(uint8_t{}));
      case TypeId::kUInt16: return Value::UInt(at(uint16_t{}));
      case TypeId::kUInt32: return Value::UInt(at(uint32_t{}));
      case TypeId::kUInt64: return Value::UInt(at(uint64_t{}));
      case TypeId::kFloat32: return Value::Double(at(float{}));
      case TypeId::kFloat64: return Value::Double(at(double{}));
      case TypeId::kString:
      case TypeId::kBinary: return Value::Bytes(std::string(d.strings[r]));
    }
    return Value::Null();
  }

  std::vector<std::vector<Value>> rows;
  int batches = 0;
  bool finished = false;
  bool aborted = false;

 private:
  Schema schema_;
};

Schema MakeSchema(std::vector<Field> fields) {
  Result<Schema> s = Schema::Make(std::move(fields));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

struct Parsed {
  Status status;
  std::vector<std::vector<Value>> rows;
  bool finished = false;
  bool aborted = false;
};

Parsed Parse(std::string_view text, const Schema& schema, ReaderOptions opt = {}, size_t chunk = SIZE_MAX) {
  CollectSink sink(schema);
  Parsed p;
  p.status = ParseBytes(text, "in.csv", schema, opt, &sink, chunk);
  p.rows = std::move(sink.rows);
  p.finished = sink.finished;
  p.aborted = sink.aborted;
  return p;
}

ReaderOptions Jsonl() {
  ReaderOptions o;
  o.format = InputFormat::kJsonLines;
  return o;
}

// The message of a failed parse, which must be InvalidArgument and aborted.
std::string ErrorOf(std::string_view text, const Schema& schema, ReaderOptions opt = {}) {
  Parsed p = Parse(text, schema, opt);
  EXPECT_FALSE(p.status.ok()) << "expected an error for: " << text;
  EXPECT_TRUE(p.status.IsInvalidArgument()) << p.status.ToString();
  EXPECT_TRUE(p.aborted);
  EXPECT_FALSE(p.finished);
  return p.status.message();
}

// Asserts that `message` starts with "in.csv:LINE:COL: " and contains `needle`.
#define EXPECT_ERROR_AT(message, line, col, needle)                                            \
  do {                                                                                         \
    const std::string m_ = (message);                                                          \
    const std::string prefix_ = "in.csv:" + std::to_string(line) + ":" + std::to_string(col) + ": "; \
    EXPECT_EQ(m_.substr(0, prefix_.size()), prefix_) << m_;                                    \
    EXPECT_NE(m_.find(needle), std::string::npos) << m_;                                       \
  } while (0)

Schema TwoCols() {
  return MakeSchema({{"a", DataType::Int32(), false}, {"s", DataType::String(), true}});
}

// ---------------------------------------------------------------- values

TEST(DploadConvert, IntegersAtTheirLimits) {
  std::string why;
  int8_t i8;
  EXPECT_TRUE(ParseInteger<int8_t>("-128", &i8, &why));
  EXPECT_EQ(i8, -128);
  EXPECT_TRUE(ParseInteger<int8_t>("+127", &i8, &why));
  EXPECT_EQ(i8, 127);
  EXPECT_FALSE(ParseInteger<int8_t>("128", &i8, &why));
  EXPECT_NE(why.find("out of range for int8 (-128..127)"), std::string::npos) << why;
  uint64_t u64;
  EXPECT_TRUE(ParseInteger<uint64_t>("18446744073709551615", &u64, &why));
  EXPECT_EQ(u64, UINT64_MAX);
  EXPECT_FALSE(ParseInteger<uint64_t>("18446744073709551616", &u64, &why));
  EXPECT_FALSE(ParseInteger<uint64_t>("-1", &u64, &why));
  int64_t i64;
  EXPECT_TRUE(ParseInteger<int64_t>("-9223372036854775808", &i64, &why));
  EXPECT_EQ(i64, INT64_MIN);
  EXPECT_FALSE(ParseInteger<int64_t>("9223372036854775808", &i64, &why));
  for (const char* bad : {"", "+", "-", "+-1", "1.0", "1e3", " 1", "1 ", "0x10", "12a"}) {
    EXPECT_FALSE(ParseInteger<int64_t>(bad, &i64, &why)) << bad;
  }
}

TEST(DploadConvert, FloatsAndBools) {
  std::string why;
  double d;
  EXPECT_TRUE(ParseFloat64("-1.5e-3", &d, &why));
  EXPECT_EQ(d, -1.5e-3);
  EXPECT_TRUE(ParseFloat64("inf", &d, &why));
  EXPECT_TRUE(std::isinf(d));
  EXPECT_TRUE(ParseFloat64("nan", &d, &why));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_FALSE(ParseFloat64("1e999", &d, &why));
  EXPECT_NE(why.find("out of range for float64"), std::string::npos);
  EXPECT_FALSE(ParseFloat64("1.2.3", &d, &why));
  float f;
  EXPECT_TRUE(ParseFloat32("0.1", &f, &why));
  EXPECT_EQ(f, 0.1f);
  EXPECT_FALSE(ParseFloat32("1e39", &f, &why));
  uint8_t b;
  for (const char* t : {"true", "True", "TRUE", "1"}) {
    EXPECT_TRUE(ParseBool(t, &b, &why));
    EXPECT_EQ(b, 1);
  }
  for (const char* t : {"false", "False", "FALSE", "0"}) {
    EXPECT_TRUE(ParseBool(t, &b, &why));
    EXPECT_EQ(b, 0);
  }
  EXPECT_FALSE(ParseBool("yes", &b, &why));
}

TEST(DploadConvert, DatesAndDays) {
  std::string why;
  int32_t d;
  EXPECT_TRUE(ParseDate32("1970-01-01", &d, &why));
  EXPECT_EQ(d, 0);
  EXPECT_TRUE(ParseDate32("2024-02-29", &d, &why));
  EXPECT_EQ(d, 19782);
  EXPECT_TRUE(ParseDate32("1969-12-31", &d, &why));
  EXPECT_EQ(d, -1);
  EXPECT_TRUE(ParseDate32("0000-01-01", &d, &why));
  EXPECT_EQ(d, -719528);
  EXPECT_TRUE(ParseDate32("9999-12-31", &d, &why));
  EXPECT_EQ(d, 2932896);
  EXPECT_TRUE(ParseDate32("-5", &d, &why));
  EXPECT_EQ(d, -5);
  EXPECT_FALSE(ParseDate32("2023-02-29", &d, &why));
  EXPECT_NE(why.find("day 29 is out of range for 2023-02"), std::string::npos) << why;
  EXPECT_FALSE(ParseDate32("2023-13-01", &d, &why));
  EXPECT_NE(why.find("month 13"), std::string::npos) << why;
  EXPECT_FALSE(ParseDate32("2023-1-01", &d, &why));
  EXPECT_FALSE(ParseDate32("2023-01-01x", &d, &why));
  EXPECT_FALSE(ParseDate32("3000000000", &d, &why));
  // Every day of 1900..2100 agrees with a day-by-day walk.
  int64_t expect = DaysFromCivil(1900, 1, 1);
  for (int y = 1900; y <= 2100; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
      for (unsigned day = 1; day <= kDays[m - 1] + (m == 2 && leap); ++day) {
        ASSERT_EQ(DaysFromCivil(y, m, day), expect++) << y << "-" << m << "-" << day;
      }
    }
  }
}

TEST(DploadConvert, Timestamps) {
  std::string why;
  int64_t v;
  const auto us = TimeUnit::kMicro;
  ASSERT_TRUE(ParseTimestamp("2023-11-14T22:13:20Z", us, true, &v, &why)) << why;
  EXPECT_EQ(v, 1'700'000'000'000'000);
  ASSERT_TRUE(ParseTimestamp("2023-11-14 22:13:20.000001", us, true, &v, &why)) << why;
  EXPECT_EQ(v, 1'700'000'000'000'001);
  ASSERT_TRUE(ParseTimestamp("2023-11-15T00:13:20.5+02:00", us, true, &v, &why)) << why;
  EXPECT_EQ(v, 1'700'000'000'500'000);
  ASSERT_TRUE(ParseTimestamp("2023-11-14t12:13:20-10:00", TimeUnit::kSecond, true, &v, &why)) << why;
  EXPECT_EQ(v, 1'700'000'000);
  ASSERT_TRUE(ParseTimestamp("1969-12-31T23:59:59.999999999Z", TimeUnit::kNano, true, &v, &why)) << why;
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(ParseTimestamp("1970-01-02", TimeUnit::kMilli, true, &v, &why)) << why;
  EXPECT_EQ(v, 86'400'000);
  ASSERT_TRUE(ParseTimestamp("-42", us, true, &v, &why)) << why;
  EXPECT_EQ(v, -42);
  ASSERT_TRUE(ParseTimestamp("2023-11-14T22:13:20.123000Z", TimeUnit::kMilli, true, &v, &why)) << why;
  EXPECT_EQ(v, 1'700'000'000'123);
  // Local (wall-clock) columns take no zone.
  ASSERT_TRUE(ParseTimestamp("2023-11-14T22:13:20", us, false, &v, &why));
  EXPECT_FALSE(ParseTimestamp("2023-11-14T22:13:20Z", us, false, &v, &why));
  EXPECT_NE(why.find("local"), std::string::npos);
  // Digits finer than the unit would be lost.
  EXPECT_FALSE(ParseTimestamp("2023-11-14T22:13:20.1234Z", TimeUnit::kMilli, true, &v, &why));
  EXPECT_NE(why.find("more fractional digits than timestamp[ms]"), std::string::npos) << why;
  EXPECT_FALSE(ParseTimestamp("2023-11-14T22:13:20.1234567891Z", TimeUnit::kNano, true, &v, &why));
  // timestamp[ns] ends in 2262.
  EXPECT_FALSE(ParseTimestamp("2263-01-01T00:00:00Z", TimeUnit::kNano, true, &v, &why));
  EXPECT_NE(why.find("out of range for timestamp[ns]"), std::string::npos) << why;
  ASSERT_TRUE(ParseTimestamp("9999-12-31T23:59:59.999999Z", us, true, &v, &why)) << why;
  for (const char* bad : {"2023-11-14T24:00:00Z", "2023-11-14T23:60:00Z", "2023-11-14T23:59:60Z",
                          "2023-11-14T23:59Z", "2023-11-14X23:59:59Z", "2023-11-14T23:59:59.Z",
                          "2023-11-14T23:59:59+2:00", "2023-11-14T23:59:59+24:00", "2023-11-14T23:59:59Zjunk",
                          "2023-11-14T23:59:59 ", "2023-02-30T00:00:00Z", "hello", "", "1.5"}) {
    EXPECT_FALSE(ParseTimestamp(bad, us, true, &v, &why)) << bad;
  }
}

TEST(DploadConvert, HexAndUtf8) {
  std::string why;
  char out[4];
  EXPECT_TRUE(ParseHex("00fFa1", out, &why));
  EXPECT_EQ(std::string(out, 3), std::string("\x00\xff\xa1", 3));
  EXPECT_FALSE(ParseHex("abc", out, &why));
  EXPECT_FALSE(ParseHex("zz", out, &why));
  EXPECT_EQ(Utf8ValidPrefix("h\xc3\xa9llo"), 6u);
  EXPECT_EQ(Utf8ValidPrefix("ab\xc3"), 2u);              // truncated
  EXPECT_EQ(Utf8ValidPrefix("a\xc0\xaf"), 1u);           // overlong
  EXPECT_EQ(Utf8ValidPrefix("a\xed\xa0\x80"), 1u);       // surrogate
  EXPECT_EQ(Utf8ValidPrefix("a\xf4\x90\x80\x80"), 1u);   // > U+10FFFF
  EXPECT_EQ(Utf8ValidPrefix("\xf0\x9f\x98\x80"), 4u);    // U+1F600
  EXPECT_TRUE(IsAscii("0123456789abcdef0", 17));
  EXPECT_FALSE(IsAscii("0123456789abcde\x80", 16));
}

// ---------------------------------------------------------------- CSV

Schema AllTypesSchema() {
  return MakeSchema({{"b", DataType::Bool()},
                     {"i8", DataType::Int8()},
                     {"i16", DataType::Int16()},
                     {"i32", DataType::Int32()},
                     {"i64", DataType::Int64()},
                     {"u8", DataType::UInt8()},
                     {"u16", DataType::UInt16()},
                     {"u32", DataType::UInt32()},
                     {"u64", DataType::UInt64()},
                     {"f32", DataType::Float32()},
                     {"f64", DataType::Float64()},
                     {"ts", DataType::Timestamp(TimeUnit::kMicro)},
                     {"tn", DataType::Timestamp(TimeUnit::kNano, false)},
                     {"d", DataType::Date32()},
                     {"s", DataType::String()},
                     {"bin", DataType::Binary()}});
}

TEST(DploadCsv, AllTypesMinMaxAndNulls) {
  const Schema schema = AllTypesSchema();
  const std::string csv =
      "b,i8,i16,i32,i64,u8,u16,u32,u64,f32,f64,ts,tn,d,s,bin\n"
      "true,-128,-32768,-2147483648,-9223372036854775808,0,0,0,0,-3.5,-1e308,"
      "1970-01-01T00:00:00Z,1677-09-21T00:12:43.145224192,0000-01-01,\"h\xc3\xa9\",00ff\n"
      "0,127,32767,2147483647,9223372036854775807,255,65535,4294967295,18446744073709551615,3.5,1e308,"
      "9999-12-31T23:59:59.999999Z,2262-04-11T23:47:16.854775807,9999-12-31,x,\"\"\n"
      ",,,,,,,,,,,,,,,\n";
  Parsed p = Parse(csv, schema);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_TRUE(p.finished);
  ASSERT_EQ(p.rows.size(), 3u);
  const auto& lo = p.rows[0];
  EXPECT_EQ(lo[0], Value::Bool(true));
  EXPECT_EQ(lo[1], Value::Int(-128));
  EXPECT_EQ(lo[2], Value::Int(-32768));
  EXPECT_EQ(lo[3], Value::Int(INT32_MIN));
  EXPECT_EQ(lo[4], Value::Int(INT64_MIN));
  EXPECT_EQ(lo[8], Value::UInt(0));
  EXPECT_EQ(lo[9], Value::Double(-3.5));
  EXPECT_EQ(lo[10], Value::Double(-1e308));
  EXPECT_EQ(lo[11], Value::Int(0));
  EXPECT_EQ(lo[12], Value::Int(INT64_MIN));
  EXPECT_EQ(lo[13], Value::Int(-719528));
  EXPECT_EQ(lo[14], Value::Bytes("h\xc3\xa9"));
  EXPECT_EQ(lo[15], Value::Bytes(std::string("\x00\xff", 2)));
  const auto& hi = p.rows[1];
  EXPECT_EQ(hi[0], Value::Bool(false));
  EXPECT_EQ(hi[4], Value::Int(INT64_MAX));
  EXPECT_EQ(hi[7], Value::UInt(UINT32_MAX));
  EXPECT_EQ(hi[8], Value::UInt(UINT64_MAX));
  EXPECT_EQ(hi[11], Value::Int(253402300799999999));
  EXPECT_EQ(hi[12], Value::Int(INT64_MAX));
  EXPECT_EQ(hi[13], Value::Int(2932896));
  EXPECT_EQ(hi[14], Value::Bytes("x"));
  EXPECT_EQ(hi[15], Value::Bytes(""));  // quoted empty: empty binary, not null
  for (const Value& v : p.rows[2]) EXPECT_TRUE(v.is_null());
}

TEST(DploadCsv, QuotingEdgeCases) {
  const Schema schema = TwoCols();
  const std::string csv =
      "a,s\r\n"
      "1,\"x,y\"\r\n"
      "2,\"say \"\"hi\"\"\"\r\n"
      "3,\"two\nlines\"\n"
      "4,\"\"\n"
      "5,\n"
      "\"6\",\"\"\"\"\n"
      "7,\"crlf\r\ninside\"";  // no final line end
  Parsed p = Parse(csv, schema);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 7u);
  EXPECT_EQ(p.rows[0][1], Value::Bytes("x,y"));
  EXPECT_EQ(p.rows[1][1], Value::Bytes("say \"hi\""));
  EXPECT_EQ(p.rows[2][1], Value::Bytes("two\nlines"));
  EXPECT_EQ(p.rows[3][1], Value::Bytes(""));
  EXPECT_TRUE(p.rows[4][1].is_null());
  EXPECT_EQ(p.rows[5][0], Value::Int(6));
  EXPECT_EQ(p.rows[5][1], Value::Bytes("\""));
  EXPECT_EQ(p.rows[6][1], Value::Bytes("crlf\r\ninside"));
}

// Regression (csv_fuzz / jsonl_fuzz under UBSan): an empty string as the
// first string of a batch copied 0 bytes from a null arena (memcpy(nullptr)).
TEST(DploadCsv, EmptyStringFirstInABatch) {
  const Schema schema = TwoCols();
  Parsed p = Parse("a,s\n1,\"\"\n2,x\n", schema);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0][1], Value::Bytes(""));
  EXPECT_EQ(p.rows[1][1], Value::Bytes("x"));
  Parsed j = Parse("{\"a\": 1, \"s\": \"\"}\n", schema, Jsonl());
  ASSERT_TRUE(j.status.ok()) << j.status.ToString();
  ASSERT_EQ(j.rows.size(), 1u);
  EXPECT_EQ(j.rows[0][1], Value::Bytes(""));
}

TEST(DploadCsv, HeaderOrderMissingAndUnknownColumns) {
  const Schema schema = MakeSchema({{"a", DataType::Int32(), false}, {"s", DataType::String()}, {"z", DataType::Int64()}});
  Parsed p = Parse("s,a\nfoo,1\n", schema);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0][0], Value::Int(1));
  EXPECT_EQ(p.rows[0][1], Value::Bytes("foo"));
  EXPECT_TRUE(p.rows[0][2].is_null());  // not in the header

  EXPECT_ERROR_AT(ErrorOf("a,extra\n1,2\n", schema), 1, 3, "header column 'extra' is not a field");
  ReaderOptions ignore;
  ignore.ignore_unknown = true;
  p = Parse("a,extra\n1,2\n", schema, ignore);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(p.rows[0][0], Value::Int(1));
  EXPECT_ERROR_AT(ErrorOf("s\nx\n", schema), 1, 1, "no column for not-null field 'a'");
  EXPECT_ERROR_AT(ErrorOf("a,s,a\n", schema), 1, 5, "names column 'a' twice");
  // Header-only and empty inputs are zero rows.
  EXPECT_TRUE(Parse("a,s\n", schema).rows.empty());
  Parsed empty = Parse("", schema);
  EXPECT_TRUE(empty.status.ok());
  EXPECT_TRUE(empty.finished);
}

TEST(DploadCsv, NoHeaderDelimiterBomAndBlankLines) {
  const Schema schema = TwoCols();
  ReaderOptions o;
  o.header = false;
  o.delimiter = '\t';
  Parsed p = Parse("\xEF\xBB\xBF" "1\ta,b\n\n2\t\"q\tq\"\n", schema, o);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0][1], Value::Bytes("a,b"));
  EXPECT_EQ(p.rows[1][1], Value::Bytes("q\tq"));
  // One column: a blank line is a null, not skipped.
  const Schema one = MakeSchema({{"s", DataType::String()}});
  p = Parse("s\nx\n\ny\n", one);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_TRUE(p.rows[1][0].is_null());
  ReaderOptions bad;
  bad.delimiter = '"';
  EXPECT_FALSE(Parse("a\n", schema, bad).status.ok());
}

TEST(DploadCsv, ErrorsNameFileLineColumn) {
  const Schema schema = TwoCols();
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,ab\"c\n", schema), 2, 5, "'\"' inside an unquoted field");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,\"ab\"c\n", schema), 2, 7, "unexpected character 'c' after a closing quote");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,x\n2,\"never closed\n3,y\n", schema), 3, 3, "unterminated quoted field");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,x\n2\n", schema), 3, 2, "record has 1 fields, expected 2");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,x,y\n", schema), 2, 5, "record has 3 fields, expected 2");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,x\rz\n", schema), 2, 4, "carriage return not followed by a line feed");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,ok\n2,ab\xff\n", schema), 3, 5, "invalid UTF-8 (byte 0xff at offset 2");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,\"q\xc3(\"\n", schema), 2, 5, "invalid UTF-8");
  EXPECT_ERROR_AT(ErrorOf("a,s\n2147483648,x\n", schema), 2, 1,
                  "field 'a' (int32): '2147483648' is out of range for int32 (-2147483648..2147483647)");
  EXPECT_ERROR_AT(ErrorOf("a,s\n12x,x\n", schema), 2, 1, "'12x' is not a valid integer");
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,x\n,y\n", schema), 3, 1, "field 'a' (int32) is not null but the field is empty");
  // A quoted field with line breaks moves the line count for what follows.
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,\"l1\nl2\nl3\"\n2,\"x\ny\",9\n", schema), 6, 4, "record has 3 fields");
  const Schema ts = MakeSchema({{"t", DataType::Timestamp(TimeUnit::kMicro)}, {"d", DataType::Date32()}});
  EXPECT_ERROR_AT(ErrorOf("t,d\n2024-01-01T00:00:00Z,2024-02-30\n", ts), 2, 22, "day 30 is out of range for 2024-02");
  EXPECT_ERROR_AT(ErrorOf("t,d\n2024-01-01T25:00:00Z,\n", ts), 2, 1, "hour 25 is out of range");
  const Schema bin = MakeSchema({{"b", DataType::Binary()}});
  EXPECT_ERROR_AT(ErrorOf("b\n0g\n", bin), 2, 1, "'g' at offset 1 is not a hex digit");
}

TEST(DploadCsv, LineLengthLimit) {
  const Schema schema = TwoCols();
  ReaderOptions o;
  o.max_line_bytes = 100;
  o.read_buffer_bytes = 16;
  const std::string ok_line = "1," + std::string(98, 'x');  // exactly 100 bytes
  Parsed p = Parse("a,s\n" + ok_line + "\n", schema, o);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(p.rows[0][1], Value::Bytes(std::string(98, 'x')));
  // One byte over, with and without a big read buffer.
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,y\n" + ok_line + "x\n2,z\n", schema, o), 3, 1, "longer than the limit of 100 bytes");
  o.read_buffer_bytes = 1 << 20;
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,y\n" + ok_line + "x\n2,z\n", schema, o), 3, 1, "longer than the limit of 100 bytes");
  // A "huge" line: 1 MiB of quoted field against a 64 KiB limit stops early.
  o.max_line_bytes = 64 * 1024;
  o.read_buffer_bytes = 4096;
  EXPECT_ERROR_AT(ErrorOf("a,s\n1,\"" + std::string(1 << 20, 'q') + "\"\n", schema, o), 2, 1, "longer than the limit");
  ReaderOptions j = Jsonl();
  j.max_line_bytes = 50;
  j.read_buffer_bytes = 8;
  EXPECT_ERROR_AT(ErrorOf("{\"a\":1}\n{\"a\":2,\"s\":\"" + std::string(60, 'y') + "\"}\n", schema, j), 2, 1,
                  "line is longer than the limit of 50 bytes");
}

// Every split of the input across reads and every small buffer size gives
// the same rows as one big read.
TEST(DploadCsv, RecordsSplitAcrossReadsAndBuffers) {
  const Schema schema = AllTypesSchema();
  const std::string csv =
      "\xEF\xBB\xBF" "b,i8,i16,i32,i64,u8,u16,u32,u64,f32,f64,ts,tn,d,s,bin\r\n"
      "true,-1,2,3,4,5,6,7,8,0.5,1.25,2023-11-14T22:13:20.5Z,2023-11-14T22:13:20,2024-02-29,\"a,\"\"b\"\"\r\nc\",0a0b\r\n"
      ",,,,,,,,,,,,,,\"\",\r\n"
      "0,1,1,1,1,1,1,1,1,1,1,1,1,1,\"\xe2\x82\xac uro\",ff\r\n"
      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,last,";
  Parsed ref = Parse(csv, schema);
  ASSERT_TRUE(ref.status.ok()) << ref.status.ToString();
  ASSERT_EQ(ref.rows.size(), 4u);
  EXPECT_EQ(ref.rows[0][14], Value::Bytes("a,\"b\"\r\nc"));
  for (size_t buffer : {1, 2, 3, 5, 8, 13, 64}) {
    for (size_t chunk : {1, 2, 7, 1000}) {
      ReaderOptions o;
      o.read_buffer_bytes = buffer;
      o.batch_rows = 1 + buffer % 3;
      Parsed p = Parse(csv, schema, o, chunk);
      ASSERT_TRUE(p.status.ok()) << buffer << "/" << chunk << ": " << p.status.ToString();
      ASSERT_EQ(p.rows.size(), ref.rows.size());
      for (size_t r = 0; r < ref.rows.size(); ++r) {
        for (size_t c = 0; c < schema.num_fields(); ++c) {
          EXPECT_TRUE(dp::testing::SameValue(p.rows[r][c], ref.rows[r][c]))
              << "buffer " << buffer << " chunk " << chunk << " row " << r << " col " << c;
        }
      }
    }
  }
  // Errors keep their position whatever the buffer size.
  for (size_t buffer : {1, 4, 1024}) {
    ReaderOptions o;
    o.read_buffer_bytes = buffer;
    EXPECT_ERROR_AT(ErrorOf("a,s\n1,\"x\ny\"\n22,ab\"c\n", TwoCols(), o), 4, 6, "inside an unquoted field");
  }
}

// ---------------------------------------------------------------- JSON Lines

TEST(DploadJsonl, ValuesEscapesAndMissingKeys) {
  const Schema schema = AllTypesSchema();
  const std::string jsonl =
      "{\"b\": true, \"i8\": -128, \"u64\": 18446744073709551615, \"f32\": 0.5, \"f64\": -2.5e-3,"
      " \"ts\": \"2023-11-14T22:13:20Z\", \"tn\": 42, \"d\": \"2024-02-29\", \"i64\": \"-7\","
      " \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\", \"bin\": \"00ff\"}\n"
      "\n"
      "  {}  \r\n"
      "{\"s\": null, \"i32\": -0}\n"
      "{\"u8\": 255, \"s\": \"\xc3\xa9 raw\", \"b\": false}";
  Parsed p = Parse(jsonl, schema, Jsonl());
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 4u);
  const auto& r = p.rows[0];
  EXPECT_EQ(r[0], Value::Bool(true));
  EXPECT_EQ(r[1], Value::Int(-128));
  EXPECT_EQ(r[8], Value::UInt(UINT64_MAX));
  EXPECT_EQ(r[9], Value::Double(0.5));
  EXPECT_EQ(r[10], Value::Double(-2.5e-3));
  EXPECT_EQ(r[11], Value::Int(1'700'000'000'000'000));
  EXPECT_EQ(r[12], Value::Int(42));
  EXPECT_EQ(r[13], Value::Int(19782));
  EXPECT_EQ(r[4], Value::Int(-7));
  EXPECT_EQ(r[14], Value::Bytes("q\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_EQ(r[15], Value::Bytes(std::string("\x00\xff", 2)));
  EXPECT_TRUE(r[2].is_null());  // missing key
  for (const Value& v : p.rows[1]) EXPECT_TRUE(v.is_null());
  EXPECT_TRUE(p.rows[2][14].is_null());
  EXPECT_EQ(p.rows[2][3], Value::Int(0));
  EXPECT_EQ(p.rows[3][5], Value::UInt(255));
  EXPECT_EQ(p.rows[3][14], Value::Bytes("\xc3\xa9 raw"));
}

TEST(DploadJsonl, Errors) {
  const Schema schema = MakeSchema({{"a", DataType::Int32(), false}, {"s", DataType::String()},
                                    {"b", DataType::Bool()}});
  const ReaderOptions j = Jsonl();
  auto err = [&](const std::string& text) { return ErrorOf(text, schema, j); };
  EXPECT_ERROR_AT(err("{\"a\":1}\n{\"a\":2,\"s\":{\"x\":1}}\n"), 2, 12, "field 's' (string): nested objects are not supported");
  EXPECT_ERROR_AT(err("{\"a\":[1]}\n"), 1, 6, "field 'a' (int32): nested arrays");
  EXPECT_ERROR_AT(err("{\"a\":1,\"zz\":1}\n"), 1, 8, "key 'zz' is not a field of the schema");
  EXPECT_ERROR_AT(err("{\"a\":1,\"a\":2}\n"), 1, 8, "duplicate key 'a'");
  EXPECT_ERROR_AT(err("{\"s\":\"x\"}\n"), 1, 10, "missing key for not-null field 'a' (int32)");
  EXPECT_ERROR_AT(err("{\"a\":null}\n"), 1, 6, "is not null but the value is null");
  EXPECT_ERROR_AT(err("{\"a\":2147483648}\n"), 1, 6, "out of range for int32");
  EXPECT_ERROR_AT(err("{\"a\":1.5}\n"), 1, 6, "'1.5' is not a valid integer");
  EXPECT_ERROR_AT(err("{\"a\":1e2}\n"), 1, 6, "'1e2' is not a valid integer");
  EXPECT_ERROR_AT(err("{\"a\":01}\n"), 1, 6, "invalid JSON value '01'");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":5}\n"), 1, 12, "a JSON number does not fit this column");
  EXPECT_ERROR_AT(err("{\"a\":1,\"b\":1}\n"), 1, 12, "expected a true/false");
  EXPECT_ERROR_AT(err("{\"a\":true}\n"), 1, 6, "only fits a bool column");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"\\ud800x\"}\n"), 1, 13, "unpaired UTF-16 high surrogate \\ud800");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"\\udc00\"}\n"), 1, 13, "unpaired UTF-16 low surrogate");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"\\u12g4\"}\n"), 1, 13, "4 hex digits");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"\\q\"}\n"), 1, 13, "invalid escape '\\q'");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"tab\there\"}\n"), 1, 16, "control character");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"open}\n"), 1, 12, "unterminated string");
  EXPECT_ERROR_AT(err("{\"a\":1,\"s\":\"\xc3\x28\"}\n"), 1, 12, "invalid UTF-8");
  EXPECT_ERROR_AT(err("{\"a\":1} x\n"), 1, 9, "unexpected text after the object");
  EXPECT_ERROR_AT(err("{\"a\":1\n"), 1, 7, "expected ',' or '}'");
  EXPECT_ERROR_AT(err("[1]\n"), 1, 1, "expected a JSON object");
  EXPECT_ERROR_AT(err("{\"a\" 1}\n"), 1, 6, "expected ':'");
  EXPECT_ERROR_AT(err("{\"a\":1,}\n"), 1, 8, "expected a key string");
}

TEST(DploadJsonl, IgnoreUnknownSkipsNestedValues) {
  const Schema schema = TwoCols();
  ReaderOptions j = Jsonl();
  j.ignore_unknown = true;
  Parsed p = Parse("{\"x\": {\"k\": [1, {\"z\": null}, \"s\\\"}\"]}, \"a\": 3, \"y\": [], \"s\": \"v\", \"w\": -1.5e3}\n",
                   schema, j);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0][0], Value::Int(3));
  EXPECT_EQ(p.rows[0][1], Value::Bytes("v"));
  std::string deep = "{\"x\": " + std::string(100, '[') + std::string(100, ']') + ", \"a\": 1}\n";
  EXPECT_ERROR_AT(ErrorOf(deep, schema, j), 1, 72, "nesting deeper than 64");
  EXPECT_ERROR_AT(ErrorOf("{\"x\": [1,, 2], \"a\": 1}\n", schema, j), 1, 10, "invalid JSON value");
}

TEST(DploadJsonl, SplitAcrossReads) {
  const Schema schema = TwoCols();
  const std::string jsonl = "{\"a\":1,\"s\":\"\\u00e9\\ud83d\\ude00\"}\r\n{\"s\":\"x\",\"a\":2}\n\n{\"a\":3}";
  Parsed ref = Parse(jsonl, schema, Jsonl());
  ASSERT_TRUE(ref.status.ok()) << ref.status.ToString();
  ASSERT_EQ(ref.rows.size(), 3u);
  for (size_t buffer : {1, 2, 3, 9, 4096}) {
    for (size_t chunk : {1, 5, 100}) {
      ReaderOptions o = Jsonl();
      o.read_buffer_bytes = buffer;
      o.batch_rows = 2;
      Parsed p = Parse(jsonl, schema, o, chunk);
      ASSERT_TRUE(p.status.ok()) << p.status.ToString();
      EXPECT_EQ(p.rows, ref.rows) << buffer << "/" << chunk;
    }
  }
}

// Random byte edits of valid inputs: every result is a clean parse or an
// InvalidArgument that names in.csv:LINE:COL and aborts the sink (and, under
// ASan/UBSan in CI, touches no byte it should not).
TEST(DploadHostile, MutatedInputsFailCleanly) {
  const Schema schema = AllTypesSchema();
  const std::string csv =
      "b,i8,i16,i32,i64,u8,u16,u32,u64,f32,f64,ts,tn,d,s,bin\n"
      "true,-1,2,3,4,5,6,7,8,0.5,1.25,2023-11-14T22:13:20.5Z,2023-11-14T22:13:20,2024-02-29,\"a,\"\"b\"\"\nc\",0a0b\n"
      "0,1,1,1,1,1,1,1,1,1,1,1,1,1,\"\xe2\x82\xac\",ff\r\n";
  const std::string jsonl =
      "{\"b\": true, \"i8\": -1, \"s\": \"x\\u00e9\\ud83d\\ude00\", \"ts\": \"2023-11-14T22:13:20Z\", \"d\": 5}\n"
      "{\"f64\": 1.5e3, \"bin\": \"00ff\", \"u64\": 7}\n";
  static constexpr char kBytes[] = {',', '"', '\n', '\r', '\\', '{', '}', '[', ':', 'u', '0', '\x80', '\xff', 'x', ' '};
  std::mt19937_64 rng(20240601);
  int errors = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    const bool json = iter % 2 == 1;
    std::string text = json ? jsonl : csv;
    for (int e = 0, n = 1 + int(rng() % 4); e < n && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = kBytes[rng() % sizeof(kBytes)]; break;
        case 1: text.erase(at, 1 + rng() % 3); break;
        default: text.insert(at, 1, kBytes[rng() % sizeof(kBytes)]); break;
      }
    }
    ReaderOptions o = json ? Jsonl() : ReaderOptions{};
    o.read_buffer_bytes = 1 + rng() % 64;
    o.max_line_bytes = 32 + rng() % 256;
    o.batch_rows = 1 + rng() % 3;
    Parsed p = Parse(text, schema, o, 1 + rng() % 17);
    if (p.status.ok()) {
      EXPECT_TRUE(p.finished);
      continue;
    }
    ++errors;
    EXPECT_TRUE(p.aborted);
    EXPECT_TRUE(p.status.IsInvalidArgument()) << p.status.ToString();
    EXPECT_EQ(p.status.message().rfind("in.csv:", 0), 0u) << p.status.ToString();
  }
  EXPECT_GT(errors, 1000);
}

// ---------------------------------------------------------------- schema text

TEST(DploadSchemaText, RoundTripsSchemaToString) {
  const Schema schema = MakeSchema({{"id", DataType::Int64(), false, "the id -- with dashes"},
                                    {"ts", DataType::Timestamp(TimeUnit::kNano, false)},
                                    {"name", DataType::String(), true, ""}});
  Result<Schema> back = ParseSchemaText("# comment\n\n" + schema.ToString(), "s.txt");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->num_fields(), 3u);
  EXPECT_EQ(back->ToString(), schema.ToString());
  EXPECT_FALSE(back->field(0).nullable);
  EXPECT_EQ(back->field(0).doc, "the id -- with dashes");
  Result<Schema> bad = ParseSchemaText("a: int64\nb: int65\n", "s.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("s.txt:2: field 'b'"), std::string::npos) << bad.status().ToString();
  EXPECT_FALSE(ParseSchemaText("just words\n", "s.txt").ok());
  EXPECT_FALSE(ParseSchemaText("a: int64\na: int32\n", "s.txt").ok());
  EXPECT_FALSE(ParseSchemaText("# nothing\n", "s.txt").ok());
}

// ---------------------------------------------------------------- driver and round trip

void WriteText(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

TEST(DploadLoad, ErrorInSecondInputCommitsNothing) {
  TempDir dir;
  const Schema schema = TwoCols();
  WriteText(dir.File("1.csv"), "a,s\n1,x\n2,y\n");
  WriteText(dir.File("2.csv"), "a,s\n3,z\n4,\"bad\n");
  for (bool thread : {false, true}) {
    const std::string out = dir.File(thread ? "t.dpc" : "n.dpc");
    auto sink = SegmentSink::Create(out, schema);
    ASSERT_TRUE(sink.ok());
    ReaderOptions o;
    o.writer_thread = thread;
    o.batch_rows = 1;
    const std::vector<std::string> inputs = {dir.File("1.csv"), dir.File("2.csv")};
    Result<LoadStats> st = LoadInputs(inputs, schema, o, sink->get(), nullptr);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.status().message().find(dir.File("2.csv") + ":3:3: unterminated quoted field"), std::string::npos)
        << st.status().ToString();
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  auto sink = SegmentSink::Create(dir.File("ok.dpc"), schema);
  ASSERT_TRUE(sink.ok());
  const std::vector<std::string> inputs = {dir.File("1.csv"), dir.File("1.csv")};
  Result<LoadStats> st = LoadInputs(inputs, schema, ReaderOptions{}, sink->get(), nullptr);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->rows, 4u);
  auto seg = Segment::Open(dir.File("ok.dpc"));
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ((*seg)->num_rows(), 4u);
  const std::vector<std::string> missing = {dir.File("nope.csv")};
  auto sink2 = SegmentSink::Create(dir.File("m.dpc"), schema);
  ASSERT_TRUE(sink2.ok());
  EXPECT_TRUE(LoadInputs(missing, schema, ReaderOptions{}, sink2->get(), nullptr).status().IsNotFound());
  EXPECT_FALSE(std::filesystem::exists(dir.File("m.dpc")));
}

// dpgen's CSV loaded by dpload equals dpgen's own segment, column by column.
TEST(DploadLoad, DpgenCsvRoundTrip) {
  TempDir dir;
  constexpr uint64_t kRows = 60'000;
  Result<Schema> schema = OrdersGenerator::MakeSchema();
  ASSERT_TRUE(schema.ok());
  {
    auto csv = OrdersCsvWriter::Create(dir.File("o.csv"), *schema);
    ASSERT_TRUE(csv.ok());
    auto seg = SegmentWriter::Create(dir.File("gen.dpc"), *schema);
    ASSERT_TRUE(seg.ok());
    OrdersGenerator gen(kRows, 7);
    OrdersBatch batch;
    while (gen.rows_left() > 0) {
      gen.Next(25'000, &batch);
      (*csv)->Write(batch);
      ASSERT_TRUE((*seg)->Append(batch.Columns()).ok());
    }
    ASSERT_TRUE((*csv)->Close().ok());
    ASSERT_TRUE((*seg)->Finish().ok());
  }
  for (bool thread : {false, true}) {
    const std::string out = dir.File(thread ? "load2.dpc" : "load1.dpc");
    auto sink = SegmentSink::Create(out, *schema);
    ASSERT_TRUE(sink.ok());
    ReaderOptions o;
    o.writer_thread = thread;
    o.read_buffer_bytes = 100'003;  // records straddle every refill
    o.batch_rows = 10'000;
    const std::vector<std::string> inputs = {dir.File("o.csv")};
    Result<LoadStats> st = LoadInputs(inputs, *schema, o, sink->get(), nullptr);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    EXPECT_EQ(st->rows, kRows);
    auto a = Segment::Open(dir.File("gen.dpc"));
    auto b = Segment::Open(out);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ((*b)->num_rows(), kRows);
    EXPECT_EQ((*b)->schema().ToString(), (*a)->schema().ToString());
    for (int c = 0; c < (*a)->num_columns(); ++c) {
      auto x = (*a)->ReadColumn(c);
      auto y = (*b)->ReadColumn(c);
      ASSERT_TRUE(x.ok() && y.ok());
      ASSERT_EQ(x->length(), y->length());
      size_t diffs = 0;
      for (size_t r = 0; r < x->length(); ++r) diffs += !dp::testing::SameValue(x->GetValue(r), y->GetValue(r));
      EXPECT_EQ(diffs, 0u) << "column " << (*a)->schema().field(static_cast<size_t>(c)).name;
    }
  }
}

// ---------------------------------------------------------------- CLI

int RunCommand(const std::string& cmd) {
  const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(DploadCli, ExitCodes) {
  TempDir dir;
  const std::string dpload = DP_DPLOAD_PATH;
  WriteText(dir.File("s.txt"), "a: int32 not null\ns: string\n");
  WriteText(dir.File("ok.csv"), "a,s\n1,x\n");
  WriteText(dir.File("ok.jsonl"), "{\"a\": 1}\n");
  WriteText(dir.File("bad.csv"), "a,s\n1,x\nz,y\n");
  const std::string base = dpload + " --schema " + dir.File("s.txt") + " --quiet --segment ";
  EXPECT_EQ(RunCommand(dpload + " --help"), 0);
  EXPECT_EQ(RunCommand(base + dir.File("1.dpc") + " " + dir.File("ok.csv")), 0);
  EXPECT_EQ(RunCommand(dpload + " --schema-from " + dir.File("1.dpc") + " --format jsonl --segment " + dir.File("2.dpc") +
                " " + dir.File("ok.jsonl")),
            0);
  EXPECT_EQ(RunCommand("cat " + dir.File("ok.csv") + " | " + base + dir.File("3.dpc") + " -"), 0);
  EXPECT_TRUE(std::filesystem::exists(dir.File("3.dpc")));
  EXPECT_EQ(RunCommand(base + dir.File("4.dpc") + " " + dir.File("bad.csv")), 1);
  EXPECT_FALSE(std::filesystem::exists(dir.File("4.dpc")));
  EXPECT_EQ(RunCommand(base + dir.File("1.dpc") + " " + dir.File("ok.csv")), 1);  // exists: never overwritten
  EXPECT_EQ(RunCommand(dpload + " --schema " + dir.File("nope.txt") + " --segment " + dir.File("5.dpc") + " x.csv"), 1);
  EXPECT_EQ(RunCommand(base + dir.File("6.dpc")), 2);                                  // no input
  EXPECT_EQ(RunCommand(base + dir.File("6.dpc") + " --format xml " + dir.File("ok.csv")), 2);
  EXPECT_EQ(RunCommand(base + dir.File("6.dpc") + " --delimiter ab " + dir.File("ok.csv")), 2);
  EXPECT_EQ(RunCommand(dpload + " --segment " + dir.File("6.dpc") + " " + dir.File("ok.csv")), 2);  // no schema
  EXPECT_FALSE(std::filesystem::exists(dir.File("6.dpc")));
}


// ---------------------------------------------------------------- locating a load row

TEST(DploadLocate, RowsMapToTheLinesTheirRecordsStartOn) {
  TempDir dir;
  const Schema schema = TwoCols();
  // Header, a blank line, a record over three lines, CRLF.
  WriteText(dir.File("1.csv"), "a,s\n1,x\n\n2,\"multi\nline\nvalue\"\r\n3,y\n");
  WriteText(dir.File("2.jsonl"), "\n{\"a\": 4}\n\n\n{\"a\": 5, \"s\": \"z\"}\n");
  const std::vector<std::string> csv = {dir.File("1.csv"), dir.File("1.csv")};
  std::vector<uint64_t> first;
  CollectSink sink(schema);
  ASSERT_TRUE(LoadInputs(csv, schema, ReaderOptions{}, &sink, nullptr, &first).ok());
  EXPECT_EQ(first, (std::vector<uint64_t>{0, 3}));
  const uint64_t want_line[] = {2, 4, 7, 2, 4, 7};
  for (uint64_t row = 0; row < 6; ++row) {
    Result<RowOrigin> o = LocateRow(csv, first, row, schema, ReaderOptions{});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    EXPECT_EQ(o->input, row / 3);
    EXPECT_EQ(o->row_in_input, row % 3);
    EXPECT_EQ(o->line, want_line[row]) << row;
    EXPECT_EQ(o->name, dir.File("1.csv"));
  }
  EXPECT_TRUE(LocateRow(csv, first, 6, schema, ReaderOptions{}).ok());  // past the end: the last input, no line
  EXPECT_EQ(LocateRow(csv, first, 6, schema, ReaderOptions{})->line, 0u);
  EXPECT_TRUE(LocateRow(csv, {}, 0, schema, ReaderOptions{}).status().IsNotFound());

  const std::vector<std::string> jsonl = {dir.File("2.jsonl")};
  const std::vector<uint64_t> zero = {0};
  EXPECT_EQ(LocateRow(jsonl, zero, 0, schema, Jsonl())->line, 2u);
  EXPECT_EQ(LocateRow(jsonl, zero, 1, schema, Jsonl())->line, 5u);
  // Standard input cannot be read twice: the input is named, the line is not.
  const std::vector<std::string> stdin_only = {"-"};
  Result<RowOrigin> o = LocateRow(stdin_only, zero, 7, schema, ReaderOptions{});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->name, "<stdin>");
  EXPECT_EQ(o->line, 0u);
  EXPECT_EQ(o->row_in_input, 7u);

  const Status v = Status::InvalidArgument("row 7, column \"s\": value \"q\" is not in the enum [\"x\"] (contract c.yaml line 9)");
  EXPECT_EQ(DescribeViolation(v, *o, 7).message(),
            "<stdin>: row 7 of the load (record 8 of <stdin>), column \"s\": value \"q\" is not in the enum "
            "[\"x\"] (contract c.yaml line 9)");
  RowOrigin f{1, "b.csv", 41, 44};
  EXPECT_EQ(DescribeViolation(v, f, 7).message(),
            "b.csv:44: row 7 of the load (record 42 of b.csv), column \"s\": value \"q\" is not in the enum "
            "[\"x\"] (contract c.yaml line 9)");
}

// ---------------------------------------------------------------- dataset loads (CLI)

struct CommandResult {
  int code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunCapture(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int rc = ::pclose(p);
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return r;
}

const std::string kOrdersContract = std::string(DP_TEST_DATA_DIR) + "/contracts/orders.yaml";

std::string ReadText(const std::string& path) {
  const std::vector<uint8_t> b = dp::testing::ReadFileBytes(path);
  return std::string(b.begin(), b.end());
}

// `rows` dpgen order events (seed `seed`) as one batch; `edit` may change it
// before it is written as CSV to `path`.
OrdersBatch WriteOrdersCsv(const std::string& path, uint64_t rows, uint64_t seed,
                           const std::function<void(OrdersBatch*)>& edit = nullptr) {
  Result<Schema> schema = OrdersGenerator::MakeSchema();
  EXPECT_TRUE(schema.ok());
  OrdersGenerator gen(rows, seed);
  OrdersBatch batch;
  gen.Next(rows, &batch);
  if (edit) edit(&batch);
  auto csv = OrdersCsvWriter::Create(path, *schema);
  EXPECT_TRUE(csv.ok()) << csv.status().ToString();
  (*csv)->Write(batch);
  EXPECT_TRUE((*csv)->Close().ok());
  return batch;
}

// The same rows as JSON Lines (timestamps as microsecond counts).
void WriteOrdersJsonl(const std::string& path, const OrdersBatch& b) {
  std::string out;
  char num[64];
  for (size_t r = 0; r < b.size(); ++r) {
    std::snprintf(num, sizeof(num), "%.17g", b.discount[r]);
    out += "{\"order_id\": " + std::to_string(b.order_id[r]) + ", \"customer_id\": " + std::to_string(b.customer_id[r]) +
           ", \"event_type\": \"" + std::string(b.event_type[r]) + "\", \"ts\": " + std::to_string(b.ts[r]) +
           ", \"product_id\": " + std::to_string(b.product_id[r]) + ", \"category\": \"" +
           std::string(b.category[r]) + "\", \"quantity\": " + std::to_string(b.quantity[r]) +
           ", \"price_usd_cents\": " + std::to_string(b.price_usd_cents[r]) + ", \"discount\": " + num +
           ", \"country\": \"" + std::string(b.country[r]) + "\"}\n";
  }
  WriteText(path, out);
}

using Rows = std::vector<std::vector<Value>>;

Rows RowsOf(const OrdersBatch& b) {
  Result<Schema> schema = OrdersGenerator::MakeSchema();
  const std::vector<ColumnData> cols = b.Columns();
  Rows rows(b.size());
  for (size_t r = 0; r < b.size(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) rows[r].push_back(CollectSink::Get(schema->field(c).type, cols[c], r));
  }
  return rows;
}

// Every row of a version, segment by segment, in schema order.
Rows RowsOf(const Snapshot& snap) {
  Rows rows;
  for (size_t i = 0; i < snap.num_segments(); ++i) {
    const size_t first = rows.size();
    for (const Field& f : snap.schema().fields()) {
      Result<ColumnVector> col = snap.ReadColumn(i, f.field_id);
      EXPECT_TRUE(col.ok()) << col.status().ToString();
      if (!col.ok()) return rows;
      rows.resize(first + col->length());
      for (size_t r = 0; r < col->length(); ++r) rows[first + r].push_back(col->GetValue(r));
    }
  }
  return rows;
}

size_t CountDiffs(const Rows& a, const Rows& b) {
  if (a.size() != b.size()) return SIZE_MAX;
  size_t diffs = 0;
  for (size_t r = 0; r < a.size(); ++r) {
    if (a[r].size() != b[r].size()) return SIZE_MAX;
    for (size_t c = 0; c < a[r].size(); ++c) diffs += !dp::testing::SameValue(a[r][c], b[r][c]);
  }
  return diffs;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class DploadDataset : public ::testing::Test {
 protected:
  std::string Dpload(const std::string& args) const {
    return std::string(DP_DPLOAD_PATH) + " --quiet --root " + mesh_ + " " + args;
  }
  Result<Dataset> Open(const std::string& product = "orders", const std::string& dataset = "order_items") const {
    DP_ASSIGN_OR_RETURN(Mesh m, Mesh::Open(mesh_));
    return m.OpenDataset(product, dataset);
  }
  // Versions and segment files of a dataset, to prove a failed load left nothing.
  std::pair<std::vector<std::string>, std::vector<std::string>> Files(const std::string& ds = "orders/order_items") {
    return {ListDir(mesh_ + "/" + ds + "/_versions"), ListDir(mesh_ + "/" + ds + "/_segments")};
  }

  TempDir dir_;
  std::string mesh_ = dir_.File("mesh");
  std::string into_ = " --into dp://orders/order_items ";
};

TEST_F(DploadDataset, CreateFromContractAppendCsvAndJsonl) {
  const OrdersBatch b1 = WriteOrdersCsv(dir_.File("1.csv"), 5000, 7);
  const OrdersBatch b2 = WriteOrdersCsv(dir_.File("2.csv"), 3000, 8);
  OrdersGenerator gen3(200, 9);
  OrdersBatch b3;
  gen3.Next(200, &b3);
  WriteOrdersJsonl(dir_.File("3.jsonl"), b3);
  auto contract = Contract::ReadFile(kOrdersContract);
  ASSERT_TRUE(contract.ok());

  // Version 1: created from the contract, then loaded.
  CommandResult r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " --create --message first " +
                                      "--committer tester " + dir_.File("1.csv")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto ds = Open();
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  auto mesh = Mesh::Open(mesh_);
  auto product = mesh->OpenProduct("orders");
  ASSERT_TRUE(product.ok());
  EXPECT_EQ(product->info().owner, "orders-team@example.com");
  EXPECT_EQ(product->info().domain, "sales");
  EXPECT_EQ(product->info().tags, (std::vector<std::string>{"sales", "events", "demo"}));
  EXPECT_EQ(product->info().freshness_sla_seconds, 3600);
  auto v1 = ds->Latest();
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ((*v1)->info().version, 1u);
  EXPECT_EQ((*v1)->info().operation, Operation::kAppend);
  EXPECT_EQ((*v1)->info().num_rows, 5000u);
  EXPECT_EQ((*v1)->info().contract_checksum, contract->checksum());
  EXPECT_EQ((*v1)->info().message, "first");
  EXPECT_EQ((*v1)->info().committer, "tester");
  EXPECT_EQ((*v1)->dataset().kind, DatasetKind::kEvents);
  EXPECT_EQ((*v1)->dataset().event_time_column, "ts");
  EXPECT_EQ((*v1)->schema().ToString(), contract->schema().ToString());
  EXPECT_EQ(CountDiffs(RowsOf(**v1), RowsOf(b1)), 0u);

  // Version 2: --create on an existing dataset just loads (one thread here).
  r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " --create --threads 1 " + dir_.File("2.csv")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto v2 = ds->Latest();
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ((*v2)->info().version, 2u);
  EXPECT_EQ((*v2)->info().num_rows, 8000u);
  EXPECT_EQ((*v2)->info().contract_checksum, contract->checksum());
  Rows want = RowsOf(b1);
  for (auto& row : RowsOf(b2)) want.push_back(std::move(row));
  EXPECT_EQ(CountDiffs(RowsOf(**v2), want), 0u);

  // Version 3: JSON Lines from standard input, without --quiet: the summary.
  r = RunCapture("cat " + dir_.File("3.jsonl") + " | " + std::string(DP_DPLOAD_PATH) + " --root " + mesh_ + into_ +
                 "--contract " + kOrdersContract + " --format jsonl -");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("dpload: 200 rows from 1 input"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("-> dp://orders/order_items version 3 (semver 1.0.0, append, contract checked)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" rows/s)"), std::string::npos) << r.output;
  auto v3 = ds->Latest();
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ((*v3)->info().num_rows, 8200u);
  for (auto& row : RowsOf(b3)) want.push_back(std::move(row));
  EXPECT_EQ(CountDiffs(RowsOf(**v3), want), 0u);

  // Version 4: an existing dataset without --contract: its schema, no checksum.
  r = RunCapture(Dpload(into_ + dir_.File("2.csv")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto v4 = ds->Latest();
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ((*v4)->info().num_rows, 11200u);
  EXPECT_FALSE((*v4)->info().contract_checksum.has_value());

  // An empty input appends nothing and commits no version.
  WriteText(dir_.File("empty.csv"), ReadText(dir_.File("1.csv")).substr(0, ReadText(dir_.File("1.csv")).find('\n') + 1));
  r = RunCapture(std::string(DP_DPLOAD_PATH) + " --root " + mesh_ + into_ + dir_.File("empty.csv"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("nothing to append"), std::string::npos) << r.output;
  EXPECT_EQ((*ds->Latest())->info().version, 4u);
}

TEST_F(DploadDataset, ContractViolationNamesRowColumnValueRuleAndCommitsNothing) {
  WriteOrdersCsv(dir_.File("good.csv"), 1000, 7);
  WriteOrdersCsv(dir_.File("bad.csv"), 2000, 8, [](OrdersBatch* b) { b->country[417] = "XX"; });
  ASSERT_EQ(RunCapture(Dpload(into_ + "--create --contract " + kOrdersContract + " " + dir_.File("good.csv"))).code, 0);
  const auto before = Files();
  ASSERT_EQ(before.first.size(), 3u);  // 0.dpv, 1.dpv, _latest
  ASSERT_EQ(before.second.size(), 1u);
  for (const char* threads : {"1", "2"}) {
    // Small batches: segment files exist on disk before the bad batch comes.
    CommandResult r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " --batch-rows 100 --threads " +
                                        threads + " " + dir_.File("good.csv") + " " + dir_.File("bad.csv")));
    EXPECT_EQ(r.code, 1) << r.output;
    // Row 1417 of the load = record 418 of bad.csv, on line 419 (after the header).
    EXPECT_NE(r.output.find(dir_.File("bad.csv") + ":419: row 1417 of the load (record 418 of " +
                            dir_.File("bad.csv") + "), column \"country\": value \"XX\" is not in the enum [\"US\""),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("(contract " + kOrdersContract + " line 96)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nothing was committed to dp://orders/order_items"), std::string::npos)
        << r.output;
    EXPECT_EQ(Files(), before) << threads;
  }
  // Without the contract the same rows load (the dataset schema has no enum).
  CommandResult r = RunCapture(Dpload(into_ + dir_.File("bad.csv")));
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ((*Open()->Latest())->info().num_rows, 3000u);
}

TEST_F(DploadDataset, MalformedInputNamesFileLineColumnAndCommitsNothing) {
  WriteOrdersCsv(dir_.File("good.csv"), 500, 7);
  std::string text = ReadText(dir_.File("good.csv"));
  // Line 301 (record 300): its quantity field becomes "12x".
  size_t at = 0;
  for (int line = 1; line < 301; ++line) at = text.find('\n', at) + 1;
  size_t comma = at;
  for (int f = 0; f < 6; ++f) comma = text.find(',', comma) + 1;  // start of field 7, quantity
  const size_t end = text.find(',', comma);
  text.replace(comma, end - comma, "12x");
  WriteText(dir_.File("bad.csv"), text);
  ASSERT_EQ(RunCapture(Dpload(into_ + "--create --contract " + kOrdersContract + " " + dir_.File("good.csv"))).code, 0);
  const auto before = Files();
  CommandResult r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " --batch-rows 64 " +
                                      dir_.File("good.csv") + " " + dir_.File("bad.csv")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(dir_.File("bad.csv") + ":301:" + std::to_string(comma - at + 1) +
                          ": field 'quantity' (int32)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("nothing was committed"), std::string::npos) << r.output;
  EXPECT_EQ(Files(), before);
  // An unterminated quote at the end of the file.
  WriteText(dir_.File("quote.csv"), ReadText(dir_.File("good.csv")) + "1,2,\"ORDER_PLACED\n");
  r = RunCapture(Dpload(into_ + dir_.File("quote.csv")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(dir_.File("quote.csv") + ":502:5: unterminated quoted field"), std::string::npos) << r.output;
  EXPECT_EQ(Files(), before);
}

TEST_F(DploadDataset, SnapshotsReplaceTwice) {
  WriteText(dir_.File("stock.yaml"),
            "contract: 1\n"
            "product:\n  name: inventory\n  owner: ops@example.com\n"
            "dataset:\n  name: stock\n  kind: snapshots\n  key: [sku]\n"
            "fields:\n"
            "  - name: sku\n    type: string\n    nullable: false\n    pattern: \"sku-[0-9]+\"\n"
            "  - name: qty\n    type: int32\n    nullable: false\n    min: 0\n");
  WriteText(dir_.File("s1.csv"), "sku,qty\nsku-1,5\nsku-2,7\nsku-3,0\n");
  WriteText(dir_.File("s2.jsonl"), "{\"sku\": \"sku-2\", \"qty\": 6}\n{\"qty\": 1, \"sku\": \"sku-9\"}\n");
  WriteText(dir_.File("dup.csv"), "sku,qty\nsku-1,5\nsku-1,6\n");
  const std::string into = " --into dp://inventory/stock --contract " + dir_.File("stock.yaml") + " ";
  // A snapshots dataset is only ever replaced.
  CommandResult r = RunCapture(Dpload(into + "--create " + dir_.File("s1.csv")));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("dp://inventory/stock is a snapshots dataset"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--replace"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(mesh_));  // refused before anything was created

  r = RunCapture(Dpload(into + "--create --replace --as-of 2024-03-01T00:00:00Z " + dir_.File("s1.csv")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto ds = Open("inventory", "stock");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  auto v1 = ds->Latest();
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ((*v1)->dataset().kind, DatasetKind::kSnapshots);
  EXPECT_EQ((*v1)->info().operation, Operation::kReplace);
  EXPECT_EQ((*v1)->info().num_rows, 3u);
  EXPECT_EQ((*v1)->info().as_of_us, *ParseRfc3339("2024-03-01T00:00:00Z"));

  r = RunCapture(Dpload(into + "--replace --format jsonl " + dir_.File("s2.jsonl")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto v2 = ds->Latest();
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ((*v2)->info().version, 2u);
  EXPECT_EQ((*v2)->info().num_rows, 2u);
  ASSERT_TRUE((*v2)->info().as_of_us.has_value());  // default: the commit time
  EXPECT_EQ(*(*v2)->info().as_of_us, (*v2)->info().commit_time_us);
  EXPECT_EQ(RowsOf(**v2), (Rows{{Value::Bytes("sku-2"), Value::Int(6)}, {Value::Bytes("sku-9"), Value::Int(1)}}));
  EXPECT_EQ(RowsOf(**ds->At(1)).size(), 3u);  // the first snapshot is still there

  // The contract's key: a duplicate sku in one load is a violation.
  const auto before = Files("inventory/stock");
  r = RunCapture(Dpload(into + "--replace " + dir_.File("dup.csv")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(dir_.File("dup.csv") + ":3: row 1 of the load (record 2 of "), std::string::npos) << r.output;
  EXPECT_EQ(Files("inventory/stock"), before);
  // --as-of needs a valid time.
  EXPECT_EQ(RunCapture(Dpload(into + "--replace --as-of yesterday " + dir_.File("s1.csv"))).code, 2);
}

TEST_F(DploadDataset, ReplaceOnEventsNeedsForce) {
  WriteOrdersCsv(dir_.File("1.csv"), 300, 7);
  const OrdersBatch b2 = WriteOrdersCsv(dir_.File("2.csv"), 100, 8);
  ASSERT_EQ(RunCapture(Dpload(into_ + "--create --contract " + kOrdersContract + " " + dir_.File("1.csv"))).code, 0);
  const auto before = Files();
  CommandResult r = RunCapture(Dpload(into_ + "--replace " + dir_.File("2.csv")));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("is an events dataset (append-only facts): --replace would drop its 300 rows of version 1"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(Files(), before);
  EXPECT_EQ(RunCapture(Dpload(into_ + "--replace --force --as-of 2024-01-01T00:00:00Z " + dir_.File("2.csv"))).code, 2);
  r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " --replace --force " + dir_.File("2.csv")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto v = Open()->Latest();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)->info().operation, Operation::kReplace);
  EXPECT_EQ(CountDiffs(RowsOf(**v), RowsOf(b2)), 0u);
}

TEST_F(DploadDataset, MissingDatasetBadNamesAndMisfitContracts) {
  WriteOrdersCsv(dir_.File("1.csv"), 50, 7);
  const std::string csv = " " + dir_.File("1.csv");
  // No mesh root, then no product, then no dataset: each says --create.
  CommandResult r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + csv));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("mesh root " + mesh_ + " does not exist (pass --create"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(mesh_));
  std::filesystem::create_directories(mesh_);
  r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + csv));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("dp://orders/order_items: product 'orders' does not exist"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pass --create --contract FILE.yaml"), std::string::npos) << r.output;
  EXPECT_TRUE(ListDir(mesh_).empty());
  ASSERT_EQ(RunCapture(Dpload(into_ + "--create --contract " + kOrdersContract + csv)).code, 0);
  r = RunCapture(Dpload("--into dp://orders/other" + csv));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("dataset 'orders/other' does not exist"), std::string::npos) << r.output;
  EXPECT_EQ(ListDir(mesh_ + "/orders"), (std::vector<std::string>{"_product.dpm", "order_items"}));

  // Names and addresses: usage errors, nothing created.
  for (const char* bad : {"dp://orders/../x", "dp://Orders/x", "dp://orders/", "dp://orders/a/b", "../x",
                          "dp://orders/order_items@3", "/tmp/mesh/orders/order_items"}) {
    r = RunCapture(Dpload(std::string("--create --contract ") + kOrdersContract + " --into " + bad + csv));
    EXPECT_EQ(r.code, 2) << bad << ": " << r.output;
  }
  EXPECT_EQ(ListDir(mesh_), std::vector<std::string>{"orders"});
  // A contract of another dataset is refused.
  r = RunCapture(Dpload("--create --contract " + kOrdersContract + " --into dp://orders/items2" + csv));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("describes dp://orders/order_items, not dp://orders/items2"), std::string::npos) << r.output;

  // A contract whose schema differs from the dataset's: every difference named.
  std::string text = ReadText(kOrdersContract);
  const auto swap = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  swap("  - name: quantity\n    type: int32", "  - name: qty\n    type: int64");
  swap("  - name: country\n    type: string\n    id: 10", "  - name: country\n    type: string\n    id: 11");
  WriteText(dir_.File("changed.yaml"), text);
  const auto before = Files();
  r = RunCapture(Dpload(into_ + "--contract " + dir_.File("changed.yaml") + csv));
  EXPECT_EQ(r.code, 1) << r.output;
  for (const char* part : {"the dataset schema does not match the contract",
                           "field id 7 is named 'quantity' in the dataset but 'qty' in the contract",
                           "field id 7 ('quantity') is int32 in the dataset but int64 in the contract",
                           "field 'country' (id 10) is in the dataset but not in the contract",
                           "field 'country' (id 11) is in the contract but not in the dataset",
                           "Dataset::EvolveSchema"}) {
    EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
  }
  EXPECT_EQ(Files(), before);
  // Kind mismatch.
  text = ReadText(kOrdersContract);
  swap("  kind: events\n  event_time: ts\n", "  kind: snapshots\n");
  WriteText(dir_.File("kind.yaml"), text);
  r = RunCapture(Dpload(into_ + "--contract " + dir_.File("kind.yaml") + csv));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("is an events dataset but contract"), std::string::npos) << r.output;
  EXPECT_EQ(Files(), before);

  // Options that do not go together.
  EXPECT_EQ(RunCapture(Dpload(into_ + "--create" + csv)).code, 2);                            // --create, no contract
  EXPECT_EQ(RunCapture(Dpload(into_ + "--schema x.txt" + csv)).code, 2);                      // schema from the contract
  EXPECT_EQ(RunCapture(Dpload(into_ + "--force" + csv)).code, 2);                             // --force without --replace
  EXPECT_EQ(RunCapture(Dpload(into_ + "--as-of 2024-01-01T00:00:00Z" + csv)).code, 2);        // --as-of without --replace
  EXPECT_EQ(RunCapture(Dpload(into_ + "--segment x.dpc" + csv)).code, 2);                     // two destinations
  EXPECT_EQ(RunCapture("env -u DP_MESH_ROOT " + std::string(DP_DPLOAD_PATH) + " --into dp://orders/order_items" + csv).code,
            2);  // no mesh root
  EXPECT_EQ(RunCapture("DP_MESH_ROOT=" + mesh_ + " " + DP_DPLOAD_PATH + " --quiet --into dp://orders/order_items" + csv)
                .code,
            0);
  EXPECT_EQ((*Open()->Latest())->info().num_rows, 100u);
}

// The dataset's field order may differ from the contract's (a PATCH schema
// change): batches follow the dataset, the validator gets the contract's order.
TEST_F(DploadDataset, ReorderedDatasetSchemaIsValidatedByFieldId) {
  const OrdersBatch b1 = WriteOrdersCsv(dir_.File("1.csv"), 400, 7);
  WriteOrdersCsv(dir_.File("bad.csv"), 400, 8, [](OrdersBatch* b) { b->quantity[99] = 0; });
  ASSERT_EQ(RunCapture(Dpload(into_ + "--create --contract " + kOrdersContract + " " + dir_.File("1.csv"))).code, 0);
  auto ds = Open();
  ASSERT_TRUE(ds.ok());
  std::vector<Field> fields = (*ds->Latest())->schema().fields();
  std::reverse(fields.begin(), fields.end());
  auto evolved = ds->EvolveSchema(fields);
  ASSERT_TRUE(evolved.ok()) << evolved.status().ToString();
  EXPECT_EQ(evolved->semver.ToString(), "1.0.1");
  CommandResult r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " " + dir_.File("1.csv")));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ((*ds->Latest())->info().num_rows, 800u);
  r = RunCapture(Dpload(into_ + "--contract " + kOrdersContract + " " + dir_.File("bad.csv")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(dir_.File("bad.csv") + ":101: row 99 of the load (record 100 of " + dir_.File("bad.csv") +
                          "), column \"quantity\": value 0 is below the minimum 1"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace dp::tools::dpload
