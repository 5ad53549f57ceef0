// Tests of how dpinspect renders values: table text, CSV fields and JSON.
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "tools/dpinspect/cells.h"

namespace dp::tools::inspect {
namespace {

std::string Csv(std::string_view text) {
  std::string out;
  AppendCsvField(&out, text);
  return out;
}

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(Csv("plain text"), "plain text");
  EXPECT_EQ(Csv(""), "\"\"");  // distinct from a null, which is an empty field
  EXPECT_EQ(Csv("a,b"), "\"a,b\"");
  EXPECT_EQ(Csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(Csv("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(Csv("cr\r"), "\"cr\r\"");
}

TEST(DisplayTextTest, EscapesControlsAndTruncatesByCodePoint) {
  EXPECT_EQ(DisplayText("a\nb\tc\x01", 100), "a\\nb\\tc\\x01");
  EXPECT_EQ(DisplayText("abcdef", 3), "abc…");
  EXPECT_EQ(DisplayText("éééé", 2), "éé…");
  EXPECT_EQ(DisplayText("abc", 3), "abc");
}

TEST(DisplayStatTest, MarksBoundsAndAbsence) {
  EXPECT_EQ(DisplayStat(std::nullopt, true, DataType::Int64(), 10), "");
  EXPECT_EQ(DisplayStat(Value::Int(5), true, DataType::Int64(), 10), "5");
  EXPECT_EQ(DisplayStat(Value::Bytes("abc"), false, DataType::String(), 10), "abc…");
  EXPECT_EQ(DisplayStat(Value::Int(0), true, DataType::Timestamp(TimeUnit::kSecond), 40),
            "1970-01-01T00:00:00Z");
}

std::string Json(const Value& v, const DataType& type) {
  std::string out;
  JsonWriter j(&out);
  WriteJsonValue(j, v, type);
  return out;
}

TEST(JsonValueTest, NumbersStayNumbersTimesBecomeStrings) {
  EXPECT_EQ(Json(Value::Null(), DataType::Int64()), "null");
  EXPECT_EQ(Json(Value::Bool(true), DataType::Bool()), "true");
  EXPECT_EQ(Json(Value::Int(-42), DataType::Int32()), "-42");
  EXPECT_EQ(Json(Value::UInt(UINT64_MAX), DataType::UInt64()), "18446744073709551615");
  EXPECT_EQ(Json(Value::Double(0.25), DataType::Float64()), "0.25");
  EXPECT_EQ(Json(Value::Double(0.1f), DataType::Float32()), "0.1");  // float's shortest form
  EXPECT_EQ(Json(Value::Double(std::nan("")), DataType::Float64()), "\"NaN\"");
  EXPECT_EQ(Json(Value::Double(std::numeric_limits<double>::infinity()), DataType::Float32()), "\"Infinity\"");
  EXPECT_EQ(Json(Value::Int(1'700'000'000'000'000), DataType::Timestamp(TimeUnit::kMicro)),
            "\"2023-11-14T22:13:20.000000Z\"");
  EXPECT_EQ(Json(Value::Int(19675), DataType::Date32()), "\"2023-11-14\"");
  EXPECT_EQ(Json(Value::Bytes("a\"b"), DataType::String()), "\"a\\\"b\"");
  EXPECT_EQ(Json(Value::Bytes(std::string("\x00\xff", 2)), DataType::Binary()), "\"00ff\"");
}

TEST(JsonStatsTest, WritesEveryMember) {
  ColumnStats s;
  s.num_values = 10;
  s.null_count = 2;
  s.min = Value::Double(-1.5);
  s.max_exact = false;
  s.has_nan = true;
  std::string out;
  JsonWriter j(&out);
  j.BeginObject();
  WriteJsonStats(j, s, DataType::Float64());
  j.EndObject();
  EXPECT_EQ(out,
            "{\"num_values\":10,\"null_count\":2,\"min\":-1.5,\"max\":null,\"min_exact\":true,"
            "\"max_exact\":false,\"has_nan\":true}");
}

TEST(BlockCellTest, RendersEachTypeAndNulls) {
  // Rows 0..2; row 1 is null (validity bit 1 clear).
  const uint8_t validity[] = {0b101};
  const int64_t ints[] = {-7, 0, 1'700'000'000'000'000};
  Block b;
  b.length = 3;
  b.values = ints;
  b.validity = validity;

  std::string csv;
  for (uint32_t i = 0; i < 3; ++i) {
    AppendCsvCell(&csv, DataType::Int64(), b, i);
    csv += '|';
  }
  EXPECT_EQ(csv, "-7||1700000000000000|");
  csv.clear();
  AppendCsvCell(&csv, DataType::Timestamp(TimeUnit::kMicro), b, 2);
  EXPECT_EQ(csv, "2023-11-14T22:13:20.000000Z");

  const std::string_view strings[] = {"a,b", "", ""};
  Block s;
  s.length = 3;
  s.strings = strings;
  s.validity = validity;
  std::string line;
  for (uint32_t i = 0; i < 3; ++i) {
    AppendCsvCell(&line, DataType::String(), s, i);
    line += '|';
  }
  EXPECT_EQ(line, "\"a,b\"||\"\"|");  // null empty; empty string quoted

  std::string json;
  JsonWriter j(&json);
  j.BeginArray();
  for (uint32_t i = 0; i < 3; ++i) WriteJsonCell(j, DataType::String(), s, i);
  WriteJsonCell(j, DataType::Int64(), b, 0);
  WriteJsonCell(j, DataType::Int64(), b, 1);
  j.EndArray();
  EXPECT_EQ(json, "[\"a,b\",null,\"\",-7,null]");

  const uint8_t bools[] = {1, 0, 1};
  Block bb;
  bb.length = 3;
  bb.values = bools;
  EXPECT_EQ(BlockValue(DataType::Bool(), bb, 0), Value::Bool(true));
  EXPECT_EQ(BlockValue(DataType::Bool(), bb, 1), Value::Bool(false));
  const float floats[] = {0.1f};
  Block fb;
  fb.length = 1;
  fb.values = floats;
  csv.clear();
  AppendCsvCell(&csv, DataType::Float32(), fb, 0);
  EXPECT_EQ(csv, "0.1");
}

}  // namespace
}  // namespace dp::tools::inspect
