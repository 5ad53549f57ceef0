// Contracts: parsing (every key, every error with file:line:column, hostile
// YAML), the pattern matcher, time/duration parsing, and the validator's
// rules at their edges, plus property tests against simple reference checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "dp/contract.h"
#include "format/checksum.h"
#include "storage/contract/contract.h"
#include "storage/contract/pattern.h"
#include "tests/storage/test_util.h"
#include "tools/dpgen/orders.h"

namespace dp {
namespace {

using storage::Pattern;
using testing::MakeColumn;
using testing::TestColumn;

// A snapshots dataset; the fields start at line 8.
std::string Doc(const std::string& fields) {
  return "product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\nfields:\n" + fields;
}

// An events dataset with a `ts` field first; `extra` fields start at line 13.
std::string EventsDoc(const std::string& extra) {
  return "product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: events\n  event_time: ts\nfields:\n"
         "  - name: ts\n    type: timestamp[us, UTC]\n    nullable: false\n    min: 2020-01-01T00:00:00Z\n" +
         extra;
}

Contract MustParse(const std::string& text) {
  auto c = Contract::Parse(text, "test.yaml");
  EXPECT_TRUE(c.ok()) << c.status().ToString() << "\n" << text;
  if (!c.ok()) std::abort();
  return std::move(c).value();
}

std::string ParseError(const std::string& text) {
  auto c = Contract::Parse(text, "test.yaml");
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
  return c.status().message();
}

// Validates one batch of TestColumns with a fresh validator.
Status ValidateColumns(const Contract& c, const std::vector<TestColumn>& cols, uint64_t first_row = 0) {
  auto v = c.NewValidator();
  EXPECT_TRUE(v.ok());
  std::vector<ColumnData> data;
  for (const auto& col : cols) data.push_back(col.Data());
  return (*v)->Validate(data, first_row);
}

std::vector<Value> Ints(std::initializer_list<int64_t> v) {
  std::vector<Value> out;
  for (int64_t x : v) out.push_back(Value::Int(x));
  return out;
}
std::vector<Value> Strs(std::initializer_list<const char*> v) {
  std::vector<Value> out;
  for (const char* x : v) out.push_back(x == nullptr ? Value::Null() : Value::Bytes(x));
  return out;
}

// ---------------------------------------------------------------- parsing

TEST(ContractParse, OrdersContract) {
  const std::string path = std::string(DP_TEST_DATA_DIR) + "/contracts/orders.yaml";
  auto c = Contract::ReadFile(path);
  ASSERT_OK(c);
  EXPECT_EQ(c->source_name(), path);
  EXPECT_EQ(c->product().name, "orders");
  EXPECT_EQ(c->product().domain, "sales");
  EXPECT_EQ(c->product().owner, "orders-team@example.com");
  EXPECT_NE(c->product().description.find("Order-item events"), std::string::npos);
  EXPECT_EQ(c->product().tags, (std::vector<std::string>{"sales", "events", "demo"}));
  EXPECT_EQ(c->product().freshness_seconds, 3600);
  EXPECT_EQ(c->dataset().name, "order_items");
  EXPECT_EQ(c->dataset().kind, "events");
  EXPECT_EQ(c->dataset().event_time, "ts");
  EXPECT_TRUE(c->dataset().key.empty());
  const auto bytes = testing::ReadFileBytes(path);
  EXPECT_EQ(c->text(), std::string(bytes.begin(), bytes.end()));
  EXPECT_EQ(c->checksum(), format::Checksum(bytes.data(), bytes.size()));

  // Same names, types and nullability as dpgen's schema, in the same order.
  auto gen = tools::OrdersGenerator::MakeSchema();
  ASSERT_OK(gen);
  const Schema& s = c->schema();
  ASSERT_EQ(s.num_fields(), gen->num_fields());
  for (size_t i = 0; i < s.num_fields(); ++i) {
    EXPECT_EQ(s.field(i).name, gen->field(i).name);
    EXPECT_EQ(s.field(i).type, gen->field(i).type) << s.field(i).name;
    EXPECT_FALSE(s.field(i).nullable);
    EXPECT_EQ(s.field(i).field_id, i + 1);
    EXPECT_FALSE(s.field(i).doc.empty());
  }
  const auto& r = c->rules();
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[1].classification, Classification::kPii);
  EXPECT_EQ(r[2].enum_values, (std::vector<std::string>{"ORDER_PLACED", "ORDER_UPDATED", "ORDER_CANCELLED"}));
  EXPECT_EQ(r[3].min, Value::Int(1'577'836'800'000'000));  // 2020-01-01T00:00:00Z in us
  EXPECT_EQ(r[5].pattern, "category_[0-9]{2}");
  EXPECT_EQ(r[5].max_length, 32u);
  EXPECT_EQ(r[8].max, Value::Double(1.0));
  EXPECT_EQ(r[9].enum_values.size(), 15u);
  EXPECT_EQ(r[9].classification, Classification::kInternal);
  EXPECT_EQ(r[9].tags, std::vector<std::string>{"geo"});
  EXPECT_EQ(r[0].line, 22u);
}

// The full example of spec/contract.md parses, with what it says.
TEST(ContractParse, SpecExample) {
  const auto bytes = testing::ReadFileBytes(std::string(DP_TEST_DATA_DIR) + "/../../spec/contract.md");
  const std::string md(bytes.begin(), bytes.end());
  const size_t begin = md.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = md.find("```\n", begin + 8);
  ASSERT_NE(end, std::string::npos);
  const Contract c = MustParse(md.substr(begin + 8, end - begin - 8));
  EXPECT_EQ(c.dataset().key, (std::vector<std::string>{"order_id", "line_no"}));
  ASSERT_EQ(c.schema().num_fields(), 8u);
  EXPECT_TRUE(c.schema().field(2).nullable);
  EXPECT_EQ(c.rules()[2].classification, Classification::kPii);
  auto p = Pattern::Compile(c.rules()[2].pattern);
  ASSERT_OK(p);
  EXPECT_TRUE(p->Matches("a.b@example.com"));
  EXPECT_FALSE(p->Matches("a b@example.com"));
}

TEST(ContractParse, DpgenOrdersPassTheOrdersContract) {
  auto c = Contract::ReadFile(std::string(DP_TEST_DATA_DIR) + "/contracts/orders.yaml");
  ASSERT_OK(c);
  auto v = c->NewValidator();
  ASSERT_OK(v);
  tools::OrdersGenerator gen(100'000, 7);
  tools::OrdersBatch b;
  while (gen.rows_left() > 0) {
    gen.Next(30'000, &b);
    const auto cols = b.Columns();
    ASSERT_OK((*v)->Validate(cols, b.first_row));
  }
  EXPECT_EQ((*v)->rows_validated(), 100'000u);

  // One bad country in the second batch is named with its row and the rule's line.
  tools::OrdersGenerator gen2(1000, 7);
  gen2.Next(1000, &b);
  b.country[417] = "XX";
  (*v)->Reset();
  const auto cols = b.Columns();
  Status s = (*v)->Validate(cols, 5000);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "row 5417, column \"country\": value \"XX\" is not in the enum [\"US\", \"DE\", \"FR\", \"GB\", \"IT\", "
            "\"ES\", \"NL\", \"SE\", ... (15 values)] (contract " +
                std::string(DP_TEST_DATA_DIR) + "/contracts/orders.yaml line 96)");
}

TEST(ContractParse, DefaultsAndEveryFieldKey) {
  const Contract c = MustParse(Doc(
      "  - name: a\n"
      "    type: int64\n"
      "  - name: b\n"
      "    type: string\n"
      "    id: 7\n"
      "    doc: the b\n"
      "    nullable: false\n"
      "    enum: [x, 'y', \"z\"]\n"
      "    pattern: '[xyz]'\n"
      "    max_length: 1\n"
      "    unique: true\n"
      "    classification: sensitive\n"
      "    tags: [t1, t2]\n"
      "  - name: c\n"
      "    type: date32\n"
      "    min: 2020-01-01\n"
      "    max: 19000\n"
      "  - name: d\n"
      "    type: uint8\n"
      "    enum: [0, 255]\n"));
  const Schema& s = c.schema();
  ASSERT_EQ(s.num_fields(), 4u);
  EXPECT_EQ(s.field(0).field_id, 1u);  // position + 1
  EXPECT_TRUE(s.field(0).nullable);    // default
  EXPECT_EQ(s.field(1).field_id, 7u);
  EXPECT_EQ(s.field(1).doc, "the b");
  EXPECT_FALSE(s.field(1).nullable);
  EXPECT_EQ(s.field(2).field_id, 3u);
  const auto& r = c.rules();
  EXPECT_EQ(r[0].classification, Classification::kNone);
  EXPECT_FALSE(r[0].unique);
  EXPECT_EQ(r[1].enum_values, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(r[1].unique);
  EXPECT_EQ(r[1].classification, Classification::kSensitive);
  EXPECT_EQ(r[1].tags, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(r[2].min, Value::Int(18262));  // days from 1970-01-01 to 2020-01-01
  EXPECT_EQ(r[2].max, Value::Int(19000));
  EXPECT_EQ(r[3].enum_values, (std::vector<std::string>{"0", "255"}));
  EXPECT_EQ(c.product().freshness_seconds, 0);
  EXPECT_EQ(c.dataset().kind, "snapshots");
  EXPECT_TRUE(c.dataset().event_time.empty());
  EXPECT_EQ(ClassificationName(Classification::kPii), "pii");
}

TEST(ContractParse, JsonIsAccepted) {
  const Contract c = MustParse(R"({
    "contract": 1,
    "product": {"name": "p", "owner": "me", "freshness": "15m", "tags": []},
    "dataset": {"name": "d", "kind": "events", "event_time": "t", "key": ["id", "t"]},
    "fields": [
      {"name": "t", "type": "timestamp[ms]", "nullable": false},
      {"name": "id", "type": "int32", "min": -5, "max": 5}
    ]
  })");
  EXPECT_EQ(c.product().freshness_seconds, 900);
  EXPECT_EQ(c.dataset().key, (std::vector<std::string>{"id", "t"}));
  EXPECT_EQ(c.schema().field(0).type, DataType::Timestamp(TimeUnit::kMilli));
  EXPECT_EQ(c.rules()[1].min, Value::Int(-5));
}

TEST(ContractParse, ReadFileErrors) {
  auto c = Contract::ReadFile("/nonexistent/contract.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsNotFound());
  EXPECT_NE(c.status().message().find("/nonexistent/contract.yaml"), std::string::npos);
}

struct ErrorCase {
  std::string text;
  std::string expected;  // a substring of the message, starting with "test.yaml:L:C: "
};

TEST(ContractParse, EveryErrorNamesFileLineColumn) {
  const std::string a = "  - name: a\n    type: int64\n";
  const std::vector<ErrorCase> cases = {
      {"", "test.yaml:1:1: the contract is empty"},
      {"- 1\n", "test.yaml:1:1: a contract is a mapping"},
      {Doc(a) + "extra: 1\n", "test.yaml:10:1: unknown key \"extra\" in the contract; allowed keys: contract, product, dataset, fields"},
      {"contract: 2\n" + Doc(a), "test.yaml:1:11: unsupported contract version \"2\""},
      {"dataset:\n  name: d\n  kind: snapshots\nfields:\n" + a, "test.yaml:1:1: the contract has no product (required)"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n", "test.yaml:1:1: the contract has no fields"},
      {"product:\n  name: p\n  owner: me\nfields:\n" + a, "test.yaml:1:1: the contract has no dataset"},
      {"product: x\n", "test.yaml:1:10: product must be a mapping, not a single value"},
      {"product:\n  name: P!\n  owner: me\n", "test.yaml:2:9: product name \"P!\" is not valid"},
      {"product:\n  name: p\n", "test.yaml:2:3: product has no owner (required)"},
      {"product:\n  name: p\n  owner: me\n  onwer: x\n", "test.yaml:4:3: unknown key \"onwer\" in product"},
      {"product:\n  name: p\n  owner: me\n  freshness: 1y\n", "test.yaml:4:14: freshness \"1y\": unknown unit 'y'"},
      {"product:\n  name: p\n  owner: [a]\n", "test.yaml:3:10: owner must be a single value, not a list"},
      {"product:\n  name: p\n  owner: me\n  tags: x\n", "test.yaml:4:9: tags must be a list"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: stream\nfields:\n" + a,
       "test.yaml:6:9: dataset kind \"stream\" is not one of events, snapshots"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\nfields:\n" + a, "test.yaml:5:3: dataset has no kind"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: events\nfields:\n" + a,
       "test.yaml:5:3: an events dataset has no event_time (required)"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: events\n  event_time: zz\nfields:\n" + a,
       "test.yaml:7:15: event_time column \"zz\" is not among the fields"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: events\n  event_time: a\nfields:\n" + a,
       "test.yaml:7:15: event_time column \"a\" has type int64; it must be a timestamp or date32"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: events\n  event_time: t\nfields:\n"
       "  - name: t\n    type: date32\n",
       "test.yaml:7:15: event_time column \"t\" must be declared nullable: false"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n  event_time: a\nfields:\n" + a,
       "test.yaml:7:15: event_time applies to events datasets only"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n  key: [a, b]\nfields:\n" + a,
       "test.yaml:7:12: key column \"b\" is not among the fields"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n  key: [a, a]\nfields:\n" + a,
       "test.yaml:7:12: key column \"a\" is listed twice"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n  key: []\nfields:\n" + a,
       "test.yaml:7:8: key must name at least one column"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n  key: [f]\nfields:\n"
       "  - name: f\n    type: float64\n",
       "test.yaml:7:9: key column \"f\" is a float"},
      {Doc("  x: 1\n"), "test.yaml:8:3: fields must be a list of fields"},
      {Doc("  []\n"), "test.yaml:8:3: fields is empty"},
      {Doc("  - 5\n"), "test.yaml:8:5: each field is a mapping"},
      {"product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\nfields: []\n",
       "test.yaml:7:9: fields is empty"},
      {Doc("  - type: int64\n"), "test.yaml:8:5: a field has no name (required)"},
      {Doc("  - name: a\n"), "test.yaml:8:5: field \"a\" has no type (required)"},
      {Doc("  - name: a\n    type: int65\n"), "test.yaml:9:11: field \"a\": unknown data type 'int65'"},
      {Doc("  - name: a\n    type: timestamp[us, Mars]\n"), "test.yaml:9:11: field \"a\": cannot parse data type"},
      {Doc(a + "    required: true\n"),
       "test.yaml:10:5: unknown key \"required\" in a field (write nullable: false for a required field); allowed keys: name, type, id, doc, nullable, enum, min, max, pattern, max_length, unique, classification, tags"},
      {Doc(a + a), "test.yaml:10:11: field \"a\" is declared twice (first at line 8)"},
      {Doc(a + "    id: 2\n  - name: b\n    type: int64\n"),
       "test.yaml:11:5: field id 2 of \"b\" (the default: position + 1) is already used by \"a\" at line 8"},
      {Doc(a + "    id: 0\n"), "test.yaml:10:9: field \"a\": id must be an integer in 1..4294967295"},
      {Doc(a + "    id: 4294967296\n"), "test.yaml:10:9: field \"a\": id must be an integer"},
      {Doc(a + "    nullable: no\n"), "test.yaml:10:15: nullable must be true or false, not \"no\""},
      {Doc(a + "    nullable: 'true'\n"), "test.yaml:10:15: nullable must be true or false"},
      {Doc(a + "    enum: []\n"), "test.yaml:10:11: field \"a\": enum is empty"},
      {Doc(a + "    enum: [1, 2, 1]\n"), "test.yaml:10:18: field \"a\": enum value \"1\" is listed twice"},
      {Doc(a + "    enum: [1, x]\n"), "test.yaml:10:15: field \"a\": enum value \"x\" is not a int64 integer"},
      {Doc("  - name: a\n    type: int8\n    enum: [127, 128]\n"), "test.yaml:10:17: field \"a\": enum value \"128\" is not a int8 integer"},
      {Doc("  - name: a\n    type: float64\n    enum: [1]\n"), "test.yaml:10:11: field \"a\": enum applies to string and integer fields only (type is float64)"},
      {Doc("  - name: a\n    type: timestamp[us]\n    enum: [1]\n"), "test.yaml:10:11: field \"a\": enum applies to string and integer"},
      {Doc(a + "    min: 10\n    max: 9\n"), "test.yaml:11:10: field \"a\": max is below min"},
      {Doc(a + "    min: 1.5\n"), "test.yaml:10:10: field \"a\": min \"1.5\" is not an integer"},
      {Doc(a + "    max: [1]\n"), "test.yaml:10:10: field \"a\": max must be a single value"},
      {Doc("  - name: a\n    type: int16\n    max: 40000\n"), "test.yaml:10:10: field \"a\": max 40000 does not fit int16"},
      {Doc("  - name: a\n    type: uint32\n    min: -1\n"), "test.yaml:10:10: field \"a\": min \"-1\" is not a uint32 integer"},
      {Doc("  - name: a\n    type: float32\n    min: nan\n"), "test.yaml:10:10: field \"a\": min \"nan\" is not a number"},
      {Doc("  - name: a\n    type: string\n    min: a\n"), "test.yaml:10:10: field \"a\": min applies to numeric, timestamp and date32 fields only (type is string)"},
      {Doc("  - name: a\n    type: bool\n    max: 1\n"), "test.yaml:10:10: field \"a\": max applies to numeric"},
      {Doc("  - name: a\n    type: timestamp[us]\n    min: 2024-13-01T00:00:00Z\n"),
       "test.yaml:10:10: field \"a\": min is neither an integer nor an RFC 3339 time: '2024-13-01T00:00:00Z' is not a valid time: no such date"},
      {Doc("  - name: a\n    type: timestamp[ms]\n    min: 2024-01-01T00:00:00.0001Z\n"),
       "test.yaml:10:10: field \"a\": min is neither an integer nor an RFC 3339 time: '2024-01-01T00:00:00.0001Z' is not a valid time: more fractional digits than timestamp[ms] holds"},
      {Doc("  - name: a\n    type: timestamp[ns]\n    max: 2300-01-01T00:00:00Z\n"), "outside the range of timestamp[ns]"},
      {Doc("  - name: a\n    type: date32\n    min: 2023-02-29\n"), "test.yaml:10:10: field \"a\": min is neither an integer nor a date: '2023-02-29' is not a valid time: no such date"},
      {Doc(a + "    pattern: x\n"), "test.yaml:10:14: field \"a\": pattern applies to string fields only (type is int64)"},
      {Doc("  - name: a\n    type: string\n    pattern: '(ab'\n"), "test.yaml:10:14: field \"a\": pattern error at character 4: missing ')'"},
      {Doc(a + "    max_length: 3\n"), "test.yaml:10:17: field \"a\": max_length applies to string and binary fields only"},
      {Doc("  - name: a\n    type: string\n    max_length: -3\n"), "test.yaml:10:17: field \"a\": max_length must be a non-negative integer"},
      {Doc("  - name: a\n    type: float64\n    unique: true\n"), "test.yaml:10:13: field \"a\": unique is not supported for float fields"},
      {Doc(a + "    classification: secret\n"), "test.yaml:10:21: field \"a\": classification \"secret\" is not one of none, public, internal, pii, sensitive"},
      {Doc(a + "    doc: [x]\n"), "test.yaml:10:10: doc must be a single value, not a list"},
      {Doc("  - name: ''\n    type: int64\n"), "test.yaml:8:11: a field name is empty"},
  };
  for (const ErrorCase& ec : cases) {
    const std::string msg = ParseError(ec.text);
    EXPECT_NE(msg.find(ec.expected), std::string::npos) << "message:  " << msg << "\nexpected: " << ec.expected
                                                         << "\ntext:\n" << ec.text;
  }
}

// ---------------------------------------------------------------- hostile YAML

TEST(ContractYaml, HostileInput) {
  const std::vector<ErrorCase> cases = {
      {std::string(5000, '[') + std::string(5000, ']'), "test.yaml:1:33: nesting is deeper than 32 levels"},
      {"a: &x 1\nb: *x\n", "test.yaml:1:4: anchors (&x) are not supported in contracts"},
      {"a: *x\n", "test.yaml:1:4: aliases (*x) are not supported"},
      {"a: !!str 1\n", "test.yaml:1:4: tags (tag:yaml.org,2002:str) are not supported"},
      {"a: 1\na: 2\n", "test.yaml:2:1: duplicate key \"a\" (first at line 1)"},
      {"? [a]\n: 1\n", "test.yaml:1:3: a mapping key must be a plain value"},
      {"a: 1\n---\nb: 2\n", "test.yaml:2:1: a contract is one YAML document; found a second one"},
      {"a: 1\nb: \"x\xff\"\n", "test.yaml:2:6: invalid UTF-8"},
      {"a: \xed\xa0\x80\n", "test.yaml:1:4: invalid UTF-8"},  // a surrogate
      {std::string("a: x\0y\n", 7), "test.yaml:1:5: invalid YAML: control characters are not allowed"},
      {"a: [1, 2\n", "test.yaml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence that starts at line 1, column 4"},
      {"a:\n  b: 1\n c: 2\n", "test.yaml:3:2: invalid YAML:"},
      {"a: 'x\n", "invalid YAML: found unexpected end of stream"},
      {"a: " + std::string(70'000, 'x') + "\n", "test.yaml:1:4: value is 70000 bytes long; the limit is 66560 bytes"},
      {"a: [" + [] {
         std::string s;
         for (int i = 0; i < 120'000; ++i) s += "1,";
         return s;
       }() + "1]\n",
       "document has more than 100000 values"},
      {std::string(2 << 20, ' '), "test.yaml: file is 2097152 bytes; contracts are limited to 1048576 bytes"},
  };
  for (const ErrorCase& ec : cases) {
    const std::string msg = ParseError(ec.text);
    EXPECT_NE(msg.find(ec.expected), std::string::npos) << "message:  " << msg << "\nexpected: " << ec.expected;
  }
}

TEST(ContractYaml, BillionLaughsIsRefusedAtTheFirstAnchor) {
  std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) text += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  EXPECT_NE(ParseError(text).find("test.yaml:1:5: anchors (&a0) are not supported"), std::string::npos);
}

TEST(ContractYaml, RandomMutationsNeverCrash) {
  const auto bytes = testing::ReadFileBytes(std::string(DP_TEST_DATA_DIR) + "/contracts/orders.yaml");
  const std::string original(bytes.begin(), bytes.end());
  std::mt19937_64 rng(20240611);
  int accepted = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0: text[at] = static_cast<char>(rng()); break;
        case 1: text.erase(at, 1 + rng() % 8); break;
        case 2: text.insert(at, 1, "[]{}:-,&*!'\"\n #\t"[rng() % 16]); break;
        default: text.insert(at, text.substr(rng() % text.size(), rng() % 40)); break;
      }
    }
    auto c = Contract::Parse(text, "m.yaml");
    if (c.ok()) {
      ++accepted;
      continue;
    }
    // Every refusal names the file, and with a position unless the file as a whole is refused.
    EXPECT_EQ(c.status().message().rfind("m.yaml:", 0), 0u) << c.status().message();
  }
  EXPECT_GT(accepted, 0);
}

// ---------------------------------------------------------------- patterns

TEST(ContractPattern, Matches) {
  struct Case {
    const char* pattern;
    const char* value;
    bool match;
  };
  const Case cases[] = {
      {"abc", "abc", true},          {"abc", "abcd", false},        {"abc", "ab", false},
      {"^abc$", "abc", true},        {"a.c", "a\xc3\xa9" "c", true}, {"a.c", "ac", false},
      {"[A-Z]{2}", "DE", true},      {"[A-Z]{2}", "D", false},      {"[A-Z]{2}", "DEU", false},
      {"[A-Z]{2,3}", "DEU", true},   {"[A-Z]{2,}", "ABCDEFG", true}, {"x{0}", "", true},
      {"[^0-9]+", "abc", true},      {"[^0-9]+", "ab1", false},     {"\\d+", "0123", true},
      {"\\w+@\\w+\\.com", "a_1@b.com", true}, {"\\w+@\\w+\\.com", "a@b.org", false},
      {"(ab|cd)*e", "abcdabe", true}, {"(ab|cd)*e", "abce", false}, {"a|b|c", "b", true},
      {"colou?r", "color", true},    {"colou?r", "colour", true},   {"colou?r", "colouur", false},
      {"[-a]+", "a-a", true},        {"[a-]+", "-", true},          {"[]a]+", "]a", true},
      {"\\D\\W\\S", "a.x", true},    {"\\D", "5", false},           {"\\s", "\t", true},
      {"[\\d.]+", "1.5", true},      {"\\.", "x", false},           {"\\$", "$", true},
      {"caf\xc3\xa9", "caf\xc3\xa9", true}, {"[\xc3\xa0-\xc3\xbf]", "\xc3\xa9", true},
      {"(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false},
      {"", "", true},                {"", "a", false},              {"(|a)b", "b", true},
  };
  for (const Case& c : cases) {
    auto p = Pattern::Compile(c.pattern);
    ASSERT_OK(p);
    EXPECT_EQ(p->Matches(c.value), c.match) << c.pattern << " vs " << c.value;
    EXPECT_EQ(p->Matches(c.value), c.match) << "second run (cached DFA) " << c.pattern;
  }
}

TEST(ContractPattern, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"(ab", "pattern error at character 4: missing ')'"},
      {"ab)", "pattern error at character 3: unmatched ')'"},
      {"[ab", "pattern error at character 1: missing ']'"},
      {"*a", "pattern error at character 1: '*' has nothing to repeat"},
      {"a{3,2}", "repeat {n,m} with m < n"},
      {"a{1001}", "repeat count above 1000"},
      {"a{x}", "expected a number in {n,m}"},
      {"a{2", "expected '}'"},
      {"\\q", "unknown escape '\\q'"},
      {"a\\", "pattern ends with '\\'"},
      {"[z-a]", "range out of order"},
      {"[\\D]", "'\\D' is not supported inside [...]"},
      {"a^b", "'^' and '$' are only allowed at the start and end"},
      {"(?:a)", "'(?' groups are not supported"},
      {"(a{1000}){1000}", "pattern is too large"},
  };
  for (const auto& [pattern, expected] : cases) {
    auto p = Pattern::Compile(pattern);
    ASSERT_FALSE(p.ok()) << pattern;
    EXPECT_NE(p.status().message().find(expected), std::string::npos) << pattern << ": " << p.status().message();
  }
  EXPECT_FALSE(Pattern::Compile(std::string(2000, 'a')).ok());
  // Nesting as deep as the length limit allows compiles and matches.
  auto deep = Pattern::Compile(std::string(511, '(') + "a" + std::string(511, ')'));
  ASSERT_OK(deep);
  EXPECT_TRUE(deep->Matches("a"));
}

// Property: on random ASCII strings the matcher agrees with std::regex
// (ECMAScript, full match) for patterns in the common subset, both on the
// DFA path and (for large programs) on the NFA path.
TEST(ContractPattern, AgreesWithStdRegex) {
  const char* patterns[] = {"a*b", "(a|b)*c", "[a-c]{2,4}", "a?b?c?", "(ab|a)(bc|c)", "[^a]*a",
                            "((a|b)(c|d))+", ".*c.*", "a{3}b{0,2}", "(a|b|c){10,40}"};
  std::mt19937_64 rng(99);
  for (const char* pat : patterns) {
    auto p = Pattern::Compile(pat);
    ASSERT_OK(p);
    const std::regex re(pat);
    for (int i = 0; i < 400; ++i) {
      std::string s(rng() % 12, 'a');
      for (char& ch : s) ch = static_cast<char>('a' + rng() % 4);
      EXPECT_EQ(p->Matches(s), std::regex_match(s, re)) << pat << " vs " << s;
    }
  }
}

// ---------------------------------------------------------------- time parsing

// Bounds in RFC 3339 with offsets and fractions (parsed by dp::ParseTimestamp),
// and freshness durations.
TEST(ContractTime, TimestampBoundsAndDurations) {
  const Contract c = MustParse(Doc("  - name: t\n    type: timestamp[ms]\n    min: 2023-11-15T00:13:20.5+02:00\n"
                                   "    max: 2024-02-29 12:00:00-05:30\n  - name: u\n    type: timestamp[ns]\n"
                                   "    min: -1\n    max: 1970-01-01\n"));
  EXPECT_EQ(c.rules()[0].min, Value::Int(tools::OrdersGenerator::kStartMicros / 1000 + 500));
  EXPECT_EQ(c.rules()[0].max, Value::Int((1709208000LL + 5 * 3600 + 1800) * 1000));  // 2024-02-29T12:00:00Z + 5h30
  EXPECT_EQ(c.rules()[1].min, Value::Int(-1));
  EXPECT_EQ(c.rules()[1].max, Value::Int(0));

  std::string why;
  int64_t secs;
  ASSERT_TRUE(storage::ParseDuration("30s", &secs, &why));
  EXPECT_EQ(secs, 30);
  ASSERT_TRUE(storage::ParseDuration("15m", &secs, &why));
  EXPECT_EQ(secs, 900);
  ASSERT_TRUE(storage::ParseDuration("1d", &secs, &why));
  EXPECT_EQ(secs, 86400);
  ASSERT_TRUE(storage::ParseDuration("2w", &secs, &why));
  EXPECT_EQ(secs, 14 * 86400);
  for (const char* bad : {"", "h", "0h", "1", "1hh", "-1h", "1.5h", "99999999999999d"}) {
    EXPECT_FALSE(storage::ParseDuration(bad, &secs, &why)) << bad;
  }
}

// ---------------------------------------------------------------- validation rules

TEST(ContractValidate, MinMaxAreInclusive) {
  const Contract c = MustParse(Doc("  - name: a\n    type: int64\n    min: -5\n    max: 5\n"));
  ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::Int64(), Ints({-5, 0, 5}))}));
  Status s = ValidateColumns(c, {MakeColumn(DataType::Int64(), Ints({0, -6, 5, 7}))}, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "row 101, column \"a\": value -6 is below the minimum -5 (contract test.yaml line 10); 1 more violations "
            "in this batch");
  s = ValidateColumns(c, {MakeColumn(DataType::Int64(), Ints({6}))});
  EXPECT_EQ(s.message(), "row 0, column \"a\": value 6 is above the maximum 5 (contract test.yaml line 11)");
}

TEST(ContractValidate, RangesOfEveryNumericFamily) {
  {
    const Contract c = MustParse(Doc("  - name: a\n    type: uint8\n    min: 10\n    max: 255\n"));
    ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::UInt8(), {Value::UInt(10), Value::UInt(255)})}));
    EXPECT_FALSE(ValidateColumns(c, {MakeColumn(DataType::UInt8(), {Value::UInt(9)})}).ok());
  }
  {
    const Contract c = MustParse(Doc("  - name: a\n    type: int8\n    min: -128\n    max: -1\n"));
    ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::Int8(), Ints({-128, -1}))}));
    EXPECT_FALSE(ValidateColumns(c, {MakeColumn(DataType::Int8(), Ints({0}))}).ok());
  }
  {
    const Contract c = MustParse(Doc("  - name: f\n    type: float32\n    min: 0\n    max: 1\n"));
    ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::Float32(), {Value::Double(0), Value::Double(1)})}));
    Status s = ValidateColumns(c, {MakeColumn(DataType::Float32(), {Value::Double(0.5), Value::Double(NAN)})});
    EXPECT_NE(s.message().find("row 1, column \"f\": value nan is outside every range (min/max) (contract test.yaml line 10)"),
              std::string::npos)
        << s.message();
    s = ValidateColumns(c, {MakeColumn(DataType::Float32(), {Value::Double(1.5)})});
    EXPECT_NE(s.message().find("value 1.5 is above the maximum 1"), std::string::npos) << s.message();
  }
  {
    const Contract c = MustParse(Doc("  - name: d\n    type: date32\n    min: 2020-01-01\n"));
    ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::Date32(), Ints({18262}))}));
    Status s = ValidateColumns(c, {MakeColumn(DataType::Date32(), Ints({18261}))});
    EXPECT_EQ(s.message(), "row 0, column \"d\": value 2019-12-31 is below the minimum 2020-01-01 (contract test.yaml line 10)");
  }
  {
    const Contract c = MustParse(EventsDoc(""));
    ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::Timestamp(TimeUnit::kMicro), Ints({1'577'836'800'000'000}))}));
    Status s = ValidateColumns(c, {MakeColumn(DataType::Timestamp(TimeUnit::kMicro), Ints({1'577'836'799'999'999}))});
    EXPECT_EQ(s.message(),
              "row 0, column \"ts\": value 2019-12-31T23:59:59.999999Z is below the minimum 2020-01-01T00:00:00.000000Z "
              "(contract test.yaml line 12)");
  }
}

TEST(ContractValidate, NullsAndNotNull) {
  const Contract c = MustParse(Doc(
      "  - name: a\n    type: int64\n    nullable: false\n"
      "  - name: b\n    type: string\n    enum: [x]\n    max_length: 1\n    pattern: x\n    unique: true\n"
      "  - name: c\n    type: int32\n    min: 0\n    unique: true\n"));
  // Nulls in nullable columns skip every rule (and never collide for unique).
  ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::Int64(), Ints({1, 2, 3})),
                                MakeColumn(DataType::String(), Strs({nullptr, "x", nullptr})),
                                MakeColumn(DataType::Int32(), {Value::Null(), Value::Null(), Value::Int(0)})}));
  // A null in the not-null column; the row found is the first null (row 70 of a 130-row batch).
  std::vector<Value> a(130, Value::Int(1));
  a[70] = Value::Null();
  a[129] = Value::Null();
  std::vector<Value> b(130, Value::Null()), cc(130, Value::Null());
  Status s = ValidateColumns(c, {MakeColumn(DataType::Int64(), a), MakeColumn(DataType::String(), b),
                                 MakeColumn(DataType::Int32(), cc)});
  EXPECT_EQ(s.message(),
            "row 70, column \"a\": null in a column declared nullable: false (contract test.yaml line 10); 1 more "
            "violations in this batch");
}

TEST(ContractValidate, EnumsPatternsAndLengths) {
  const Contract c = MustParse(Doc(
      "  - name: s\n    type: string\n    enum: [DE, FR, \"caf\xc3\xa9\"]\n    max_length: 4\n"
      "  - name: k\n    type: int16\n    enum: [-1, 3]\n"
      "  - name: p\n    type: string\n    pattern: '[a-z]+-\\d{2}'\n    max_length: 5\n"));
  auto run = [&](std::vector<Value> s, std::vector<Value> k, std::vector<Value> p) {
    return ValidateColumns(c, {MakeColumn(DataType::String(), std::move(s)), MakeColumn(DataType::Int16(), std::move(k)),
                               MakeColumn(DataType::String(), std::move(p))});
  };
  ASSERT_OK(run(Strs({"DE", "caf\xc3\xa9"}), Ints({-1, 3}), Strs({"ab-12", "z-00"})));
  EXPECT_EQ(run(Strs({"DE", "de"}), Ints({-1, 3}), Strs({"ab-12", "z-00"})).message(),
            "row 1, column \"s\": value \"de\" is not in the enum [\"DE\", \"FR\", \"caf\xc3\xa9\"] (contract test.yaml line 10)");
  EXPECT_EQ(run(Strs({"DE", "FR"}), Ints({-1, 2}), Strs({"ab-12", "z-00"})).message(),
            "row 1, column \"k\": value 2 is not in the enum [-1, 3] (contract test.yaml line 14)");
  EXPECT_EQ(run(Strs({"DE", "FR"}), Ints({-1, 3}), Strs({"ab-12", "z-0x"})).message(),
            "row 1, column \"p\": value \"z-0x\" does not match the pattern \"[a-z]+-\\d{2}\" (contract test.yaml line 17)");
  EXPECT_EQ(run(Strs({"DE", "FR"}), Ints({-1, 3}), Strs({"abc-12", "z-00"})).message(),
            "row 0, column \"p\": value \"abc-12\" is 6 characters long; the maximum length is 5 (contract test.yaml line 18)");
  // The lowest row wins across columns; the others are counted.
  EXPECT_EQ(run(Strs({"DE", "XX"}), Ints({7, 3}), Strs({"ab-12", "?"})).message(),
            "row 0, column \"k\": value 7 is not in the enum [-1, 3] (contract test.yaml line 14); 2 more violations "
            "in this batch");
}

TEST(ContractValidate, LongValuesAreTruncatedInMessages) {
  const Contract c = MustParse(Doc("  - name: s\n    type: string\n    max_length: 10\n"));
  Status s = ValidateColumns(c, {MakeColumn(DataType::String(), {Value::Bytes(std::string(500, 'q'))})});
  EXPECT_EQ(s.message(), "row 0, column \"s\": value \"" + std::string(64, 'q') +
                             "\"... is 500 characters long; the maximum length is 10 (contract test.yaml line 10)");
}

TEST(ContractValidate, MaxLengthCountsCodePointsForStringsAndBytesForBinary) {
  const Contract c = MustParse(Doc("  - name: s\n    type: string\n    max_length: 2\n"
                                   "  - name: b\n    type: binary\n    max_length: 2\n"));
  // "\xc3\xa9\xc3\xa9" is two code points in four bytes.
  ASSERT_OK(ValidateColumns(c, {MakeColumn(DataType::String(), Strs({"\xc3\xa9\xc3\xa9", "ab", ""})),
                                MakeColumn(DataType::Binary(), Strs({"ab", "", "x"}))}));
  EXPECT_EQ(ValidateColumns(c, {MakeColumn(DataType::String(), Strs({"abc"})), MakeColumn(DataType::Binary(), Strs({"a"}))})
                .message(),
            "row 0, column \"s\": value \"abc\" is 3 characters long; the maximum length is 2 (contract test.yaml line 10)");
  EXPECT_EQ(ValidateColumns(c, {MakeColumn(DataType::String(), Strs({"a"})),
                                MakeColumn(DataType::Binary(), Strs({"\xc3\xa9x"}))})
                .message(),
            "row 0, column \"b\": value c3a978 is 3 bytes long; the maximum length is 2 (contract test.yaml line 13)");
}

TEST(ContractValidate, UniqueAcrossBatchesAndReset) {
  const Contract c = MustParse(Doc("  - name: id\n    type: int64\n    unique: true\n"
                                   "  - name: s\n    type: string\n    unique: true\n"));
  auto v = c.NewValidator();
  ASSERT_OK(v);
  auto batch = [&](std::vector<Value> ids, std::vector<Value> ss, uint64_t first) {
    TestColumn a = MakeColumn(DataType::Int64(), std::move(ids)), b = MakeColumn(DataType::String(), std::move(ss));
    return (*v)->Validate({a.Data(), b.Data()}, first);
  };
  ASSERT_OK(batch(Ints({1, 2, 3}), Strs({"a", "b", "c"}), 0));
  ASSERT_OK(batch(Ints({4, 5}), Strs({"d", "e"}), 3));
  EXPECT_EQ(batch(Ints({6, 2}), Strs({"f", "g"}), 5).message(),
            "row 6, column \"id\": value 2 is not unique: it also appears in row 1 (contract test.yaml line 10)");
  (*v)->Reset();
  EXPECT_EQ((*v)->rows_validated(), 0u);
  ASSERT_OK(batch(Ints({1, 2, 3}), Strs({"a", "b", "c"}), 0));
  EXPECT_EQ(batch(Ints({9}), Strs({"c"}), 3).message(),
            "row 3, column \"s\": value \"c\" is not unique: it also appears in row 2 (contract test.yaml line 13)");
  // Within one batch.
  (*v)->Reset();
  EXPECT_EQ(batch(Ints({7, 7, 7}), Strs({"x", "y", "z"}), 0).message(),
            "row 1, column \"id\": value 7 is not unique: it also appears in row 0 (contract test.yaml line 10); 1 "
            "more violations in this batch");
}

TEST(ContractValidate, CompositeKey) {
  const Contract c = MustParse(
      "product:\n  name: p\n  owner: me\ndataset:\n  name: d\n  kind: snapshots\n  key: [a, b]\nfields:\n"
      "  - name: a\n    type: int32\n  - name: b\n    type: string\n  - name: x\n    type: float64\n");
  auto v = c.NewValidator();
  ASSERT_OK(v);
  auto batch = [&](std::vector<Value> a, std::vector<Value> b, uint64_t first) {
    TestColumn ca = MakeColumn(DataType::Int32(), std::move(a)), cb = MakeColumn(DataType::String(), std::move(b));
    TestColumn cx = MakeColumn(DataType::Float64(), std::vector<Value>(ca.expected.size(), Value::Double(0)));
    return (*v)->Validate({ca.Data(), cb.Data(), cx.Data()}, first);
  };
  // Same a, different b; same b, different a; "ab"+"" vs "a"+"b" style prefixes; nulls never collide.
  ASSERT_OK(batch(Ints({1, 1, 2}), Strs({"x", "y", "x"}), 0));
  ASSERT_OK(batch({Value::Int(3), Value::Int(3), Value::Null(), Value::Null()}, Strs({"ab", "a", "x", "x"}), 3));
  ASSERT_OK(batch({Value::Int(4), Value::Int(4)}, Strs({nullptr, nullptr}), 7));
  EXPECT_EQ(batch(Ints({5, 2}), Strs({"q", "x"}), 9).message(),
            "row 10, key (a, b): (2, \"x\") is not unique: it also appears in row 2 (contract test.yaml line 7)");
}

TEST(ContractValidate, BadBatchShapes) {
  const Contract c = MustParse(Doc("  - name: a\n    type: int64\n  - name: s\n    type: string\n"));
  auto v = c.NewValidator();
  ASSERT_OK(v);
  TestColumn a = MakeColumn(DataType::Int64(), Ints({1, 2})), s = MakeColumn(DataType::String(), Strs({"x"}));
  Status st = (*v)->Validate({a.Data()}, 0);
  EXPECT_EQ(st.message(), "contract test.yaml: batch has 1 columns; the contract declares 2");
  st = (*v)->Validate({a.Data(), s.Data()}, 0);
  EXPECT_EQ(st.message(), "contract test.yaml: column \"s\" has 1 values; column \"a\" has 2");
  ColumnData missing{};
  missing.length = 2;
  st = (*v)->Validate({a.Data(), missing}, 0);
  EXPECT_EQ(st.message(), "contract test.yaml: column \"s\" (string) has no strings");
  ASSERT_OK((*v)->Validate({ColumnData{}, ColumnData{}}, 0));  // empty batch
}

// Property: random int64 columns with nulls against random bounds, and
// random strings against a random enum, agree with a direct reference check
// on whether the batch passes and on the row reported.
TEST(ContractValidate, PropertyAgainstReference) {
  std::mt19937_64 rng(1234);
  for (int trial = 0; trial < 200; ++trial) {
    const int64_t lo = static_cast<int64_t>(rng() % 200) - 100;
    const int64_t hi = lo + static_cast<int64_t>(rng() % 200);
    const bool nullable = rng() % 2;
    const Contract c = MustParse(Doc("  - name: a\n    type: int64\n    nullable: " + std::string(nullable ? "true" : "false") +
                                     "\n    min: " + std::to_string(lo) + "\n    max: " + std::to_string(hi) +
                                     "\n  - name: s\n    type: string\n    enum: [aa, ab, ba]\n"));
    const size_t n = 1 + rng() % 300;
    const int violation_rate = static_cast<int>(rng() % 3);  // 0: none, else roughly 1 in 50 / 1 in 500
    std::vector<Value> a, s;
    size_t expected_row = std::numeric_limits<size_t>::max();
    uint64_t expected_count = 0;
    for (size_t i = 0; i < n; ++i) {
      const bool bad = violation_rate != 0 && rng() % (violation_rate == 1 ? 50 : 500) == 0;
      const bool null = rng() % 10 == 0;
      int64_t x = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
      if (bad) x = rng() % 2 ? lo - 1 - static_cast<int64_t>(rng() % 5) : hi + 1 + static_cast<int64_t>(rng() % 5);
      a.push_back(null ? Value::Null() : Value::Int(x));
      const char* choices[] = {"aa", "ab", "ba", "bb"};
      const char* str = choices[rng() % (violation_rate != 0 && rng() % 40 == 0 ? 4 : 3)];
      s.push_back(rng() % 10 == 0 ? Value::Null() : Value::Bytes(str));
      // Reference.
      const bool a_bad = null ? !nullable : (x < lo || x > hi);
      const bool s_bad = !s.back().is_null() && s.back().as_bytes() == "bb";
      expected_count += a_bad + s_bad;
      if ((a_bad || s_bad) && expected_row == std::numeric_limits<size_t>::max()) expected_row = i;
    }
    Status st = ValidateColumns(c, {MakeColumn(DataType::Int64(), a), MakeColumn(DataType::String(), s)}, 1000);
    if (expected_count == 0) {
      EXPECT_TRUE(st.ok()) << st.ToString();
      continue;
    }
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.message().rfind("row " + std::to_string(1000 + expected_row) + ", ", 0), 0u) << st.message();
    if (expected_count > 1) {
      EXPECT_NE(st.message().find("; " + std::to_string(expected_count - 1) + " more violations"), std::string::npos)
          << st.message();
    }
  }
}

}  // namespace
}  // namespace dp
