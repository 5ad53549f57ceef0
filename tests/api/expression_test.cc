// dp::ParsePredicate: grammar, literal typing, errors with columns, limits.
#include "dp/expression.h"

#include <gtest/gtest.h>

#include <string>

namespace dp {
namespace {

Schema OrdersSchema() {
  return *Schema::Make({{"order_id", DataType::Int64(), false, ""},
                        {"ts", DataType::Timestamp(TimeUnit::kMicro), false, ""},
                        {"quantity", DataType::Int32(), false, ""},
                        {"discount", DataType::Float64(), true, ""},
                        {"country", DataType::String(), false, ""},
                        {"flag", DataType::Bool(), true, ""},
                        {"day", DataType::Date32(), true, ""},
                        {"u", DataType::UInt64(), true, ""},
                        {"odd name", DataType::String(), true, ""}});
}

Predicate Parse(std::string_view text) {
  auto p = ParsePredicate(text, OrdersSchema());
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().ToString();
  return p.ok() ? *p : Predicate();
}

std::string ErrorOf(std::string_view text) {
  auto p = ParsePredicate(text, OrdersSchema());
  EXPECT_FALSE(p.ok()) << text << " parsed as " << (p.ok() ? p->ToString() : "");
  return p.ok() ? "" : p.status().message();
}

TEST(ParsePredicate, ComparisonsAndTypes) {
  Predicate p = Parse("quantity >= 5");
  EXPECT_EQ(p.kind(), Predicate::Kind::kGe);
  EXPECT_EQ(p.column(), "quantity");
  EXPECT_EQ(p.values().at(0), Value::Int(5));

  EXPECT_EQ(Parse("country = 'DE'").values().at(0), Value::Bytes("DE"));
  EXPECT_EQ(Parse("country == 'it''s'").values().at(0), Value::Bytes("it's"));
  EXPECT_EQ(Parse("discount > 0").values().at(0), Value::Double(0));
  EXPECT_EQ(Parse("discount < 1.5e-1").values().at(0), Value::Double(0.15));
  EXPECT_EQ(Parse("discount < +2").values().at(0), Value::Double(2));
  EXPECT_EQ(Parse("flag = TRUE").values().at(0), Value::Bool(true));
  EXPECT_EQ(Parse("flag != false").kind(), Predicate::Kind::kNe);
  EXPECT_EQ(Parse("quantity <> -3").values().at(0), Value::Int(-3));
  EXPECT_EQ(Parse("u = 18446744073709551615").values().at(0), Value::UInt(18446744073709551615ull));
  EXPECT_EQ(Parse("ts >= '2024-04-01'").values().at(0), Value::Int(1711929600000000));
  EXPECT_EQ(Parse("ts < '2024-04-01T02:00:00+02:00'").values().at(0), Value::Int(1711929600000000));
  EXPECT_EQ(Parse("ts < 42").values().at(0), Value::Int(42));
  EXPECT_EQ(Parse("day = '1970-01-02'").values().at(0), Value::Int(1));
  EXPECT_EQ(Parse("\"odd name\" = 'x'").column(), "odd name");
  EXPECT_EQ(Parse("`odd name` IS NULL").kind(), Predicate::Kind::kIsNull);
}

TEST(ParsePredicate, BooleanStructureAndPrecedence) {
  Predicate p = Parse("country = 'DE' AND quantity > 1 OR NOT flag IS NOT NULL");
  ASSERT_EQ(p.kind(), Predicate::Kind::kOr);
  ASSERT_EQ(p.children().size(), 2u);
  EXPECT_EQ(p.children()[0].kind(), Predicate::Kind::kAnd);
  EXPECT_EQ(p.children()[1].kind(), Predicate::Kind::kNot);
  EXPECT_EQ(p.children()[1].children()[0].kind(), Predicate::Kind::kIsNotNull);

  Predicate q = Parse("country = 'DE' and (quantity < 2 or quantity > 8)");
  ASSERT_EQ(q.kind(), Predicate::Kind::kAnd);
  EXPECT_EQ(q.children()[1].kind(), Predicate::Kind::kOr);

  Predicate b = Parse("quantity NOT BETWEEN 2 AND 4");
  ASSERT_EQ(b.kind(), Predicate::Kind::kNot);
  EXPECT_EQ(b.children()[0].kind(), Predicate::Kind::kBetween);
  EXPECT_EQ(b.children()[0].values().size(), 2u);

  Predicate in = Parse("country in ('DE', 'FR','IT')");
  ASSERT_EQ(in.kind(), Predicate::Kind::kIn);
  EXPECT_EQ(in.values().size(), 3u);
  EXPECT_EQ(Parse("quantity NOT IN (1)").kind(), Predicate::Kind::kNot);

  Predicate like = Parse("country LIKE 'D%'");
  ASSERT_EQ(like.kind(), Predicate::Kind::kStartsWith);
  EXPECT_EQ(like.values().at(0), Value::Bytes("D"));
  EXPECT_EQ(Parse("country STARTS WITH 'D%'").values().at(0), Value::Bytes("D%"));  // no wildcard here
  EXPECT_EQ(Parse("country NOT LIKE 'D%'").kind(), Predicate::Kind::kNot);
}

TEST(ParsePredicate, ErrorsNameTheColumnAndTheProblem) {
  EXPECT_EQ(ErrorOf("cuntry = 'DE'"), "where: column 1: unknown column 'cuntry' (did you mean 'country'?)");
  EXPECT_NE(ErrorOf("zzzzzzzz = 1").find("columns are: order_id ts"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity > 2.5").find("column 12: column 'quantity' is int32: '2.5' is not an integer"),
            std::string::npos);
  EXPECT_NE(ErrorOf("country = DE").find("expected a quoted string"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity = NULL").find("IS NULL"), std::string::npos);
  EXPECT_NE(ErrorOf("ts > '2024-13-01'").find("no such date"), std::string::npos);
  EXPECT_NE(ErrorOf("country = 'DE").find("column 11: unterminated string"), std::string::npos);
  EXPECT_NE(ErrorOf("(quantity = 1").find("expected ')'"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity = 1 quantity").find("expected AND, OR"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity ! 1").find("'!' must be followed by '='"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity LIKE 'a%'").find("prefix matching needs a string"), std::string::npos);
  EXPECT_NE(ErrorOf("country LIKE '%a'").find("only prefix patterns"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity IN ()").find("expected a value"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity = 99999999999999999999").find("larger than any 64-bit"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("expected a column name"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity # 1").find("unexpected character '#'"), std::string::npos);
  EXPECT_NE(ErrorOf("quantity").find("expected a comparison"), std::string::npos);
}

TEST(ParsePredicate, LimitsRefuseHostileInput) {
  std::string deep(100, '(');
  deep += "quantity = 1" + std::string(100, ')');
  EXPECT_NE(ErrorOf(deep).find("nested deeper than 64"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  EXPECT_NE(ErrorOf(nots + "quantity = 1").find("nested deeper"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(70 * 1024, ' ')).find("the limit is 65536"), std::string::npos);
  std::string in = "quantity IN (";
  for (int i = 0; i < 1000; ++i) in += std::to_string(i) + ",";
  in += "1)";
  EXPECT_EQ(Parse(in).values().size(), 1001u);
}

}  // namespace
}  // namespace dp
