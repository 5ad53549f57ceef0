// Tests of dpgen's pieces: the PRNG helpers, the orders generator's value
// streams and distributions, and the CSV date/time formatting.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "dp/types.h"
#include "tools/dpgen/orders.h"
#include "tools/dpgen/orders_csv.h"
#include "tools/dpgen/prng.h"

namespace dp::tools {
namespace {

TEST(PrngTest, SameSeedSameStreamDifferentSeedDifferentStream) {
  Xoshiro256StarStar a(7), b(7), c(8);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differ += x != c.Next();
  }
  EXPECT_GT(differ, 95);
}

TEST(PrngTest, BoundedDrawsStayInRangeAndCoverIt) {
  Xoshiro256StarStar r(1);
  std::map<int64_t, int> seen;
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = r.Between(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    ++seen[v];
  }
  EXPECT_EQ(seen.size(), 7u);
  for (auto [v, n] : seen) EXPECT_NEAR(n, 20000 / 7, 300) << v;
  const uint64_t kBounds[] = {1, 2, 3, 1000, (uint64_t{1} << 63) + 1, UINT64_MAX};
  for (uint64_t bound : kBounds) {
    for (int i = 0; i < 1000; ++i) ASSERT_LT(r.Below(bound), bound);
  }
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = r.Unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

TEST(OrdersTest, SchemaDocumentsEveryColumnAndHasNoNulls) {
  auto schema = OrdersGenerator::MakeSchema();
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  const std::vector<std::pair<std::string, DataType>> expected = {
      {"order_id", DataType::Int64()},
      {"customer_id", DataType::Int64()},
      {"event_type", DataType::String()},
      {"ts", DataType::Timestamp(TimeUnit::kMicro, true)},
      {"product_id", DataType::Int32()},
      {"category", DataType::String()},
      {"quantity", DataType::Int32()},
      {"price_usd_cents", DataType::Int64()},
      {"discount", DataType::Float64()},
      {"country", DataType::String()},
  };
  ASSERT_EQ(schema->num_fields(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Field& f = schema->field(i);
    EXPECT_EQ(f.name, expected[i].first);
    EXPECT_EQ(f.type, expected[i].second) << f.name;
    EXPECT_FALSE(f.nullable) << f.name;
    EXPECT_GT(f.doc.size(), 30u) << f.name;
  }
  OrdersBatch batch;
  OrdersGenerator(10, 1).Next(10, &batch);
  EXPECT_EQ(batch.Columns().size(), expected.size());
}

// Every column of two batches sequences is equal.
void ExpectSameRows(const OrdersBatch& a, const OrdersBatch& b) {
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.customer_id, b.customer_id);
  EXPECT_EQ(a.event_type, b.event_type);
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.product_id, b.product_id);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.quantity, b.quantity);
  EXPECT_EQ(a.price_usd_cents, b.price_usd_cents);
  EXPECT_EQ(a.discount, b.discount);
  EXPECT_EQ(a.country, b.country);
}

void AppendBatch(const OrdersBatch& from, OrdersBatch* to) {
  auto cat = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
  cat(to->order_id, from.order_id);
  cat(to->customer_id, from.customer_id);
  cat(to->event_type, from.event_type);
  cat(to->ts, from.ts);
  cat(to->product_id, from.product_id);
  cat(to->category, from.category);
  cat(to->quantity, from.quantity);
  cat(to->price_usd_cents, from.price_usd_cents);
  cat(to->discount, from.discount);
  cat(to->country, from.country);
}

TEST(OrdersTest, ValuesDoNotDependOnBatchSize) {
  constexpr uint64_t kRows = 10000;
  OrdersBatch whole;
  OrdersGenerator one(kRows, 99);
  one.Next(kRows, &whole);
  EXPECT_EQ(one.rows_left(), 0u);
  OrdersBatch pieces, piece;
  OrdersGenerator many(kRows, 99);
  while (many.rows_left() > 0) {
    many.Next(777, &piece);
    EXPECT_EQ(piece.first_row, pieces.size());
    AppendBatch(piece, &pieces);
  }
  ASSERT_EQ(pieces.size(), kRows);
  ExpectSameRows(whole, pieces);

  OrdersBatch other;
  OrdersGenerator(kRows, 100).Next(kRows, &other);
  EXPECT_NE(whole.customer_id, other.customer_id);
  EXPECT_NE(whole.ts, other.ts);
}

TEST(OrdersTest, DistributionsMatchTheSchemaDocs) {
  constexpr uint64_t kRows = 200000;
  OrdersGenerator gen(kRows, 42);
  OrdersBatch b;
  gen.Next(kRows, &b);
  ASSERT_EQ(b.size(), kRows);
  std::map<std::string_view, int> events, categories, countries;
  int small_customers = 0, zero_discounts = 0;
  std::set<int> quantities;
  for (size_t i = 0; i < kRows; ++i) {
    ASSERT_EQ(b.order_id[i], static_cast<int64_t>(i / 3) + 1000000);
    ASSERT_GE(b.customer_id[i], 0);
    ASSERT_LT(b.customer_id[i], 1000000);
    small_customers += b.customer_id[i] < 125000;  // u^3 < 1/8 <=> u < 1/2
    ++events[b.event_type[i]];
    if (i > 0) {
      ASSERT_GT(b.ts[i], b.ts[i - 1]) << "row " << i;
    }
    ASSERT_GE(b.product_id[i], 0);
    ASSERT_LE(b.product_id[i], 99999);
    ++categories[b.category[i]];
    ASSERT_GE(b.quantity[i], 1);
    ASSERT_LE(b.quantity[i], 10);
    quantities.insert(b.quantity[i]);
    ASSERT_GE(b.price_usd_cents[i], 99);
    ASSERT_LE(b.price_usd_cents[i], 49999);
    const double cents = std::round(b.discount[i] * 100);
    ASSERT_EQ(b.discount[i], cents / 100.0) << "not a multiple of 0.01: " << b.discount[i];
    ASSERT_GE(cents, 0);
    ASSERT_LE(cents, 50);
    zero_discounts += cents == 0;
    ++countries[b.country[i]];
  }
  EXPECT_NEAR(small_customers / double(kRows), 0.5, 0.01);
  EXPECT_NEAR(events["ORDER_PLACED"] / double(kRows), 0.80, 0.01);
  EXPECT_NEAR(events["ORDER_UPDATED"] / double(kRows), 0.15, 0.01);
  EXPECT_NEAR(events["ORDER_CANCELLED"] / double(kRows), 0.05, 0.01);
  EXPECT_EQ(events.size(), 3u);
  EXPECT_NEAR(zero_discounts / double(kRows), 0.80, 0.01);
  EXPECT_EQ(quantities.size(), 10u);
  ASSERT_EQ(categories.size(), 50u);
  EXPECT_EQ(categories.begin()->first, "category_00");
  EXPECT_EQ(categories.rbegin()->first, "category_49");
  for (auto [name, n] : categories) EXPECT_NEAR(n, kRows / 50, 300) << name;
  ASSERT_EQ(countries.size(), 15u);
  for (auto [code, n] : countries) {
    EXPECT_NE(std::find(std::begin(OrdersGenerator::kCountries), std::end(OrdersGenerator::kCountries), code),
              std::end(OrdersGenerator::kCountries));
    EXPECT_NEAR(n, kRows / 15, 400) << code;
  }
  // Exponential gaps: the rows cover two years (the sum of 200k gaps has a
  // relative standard deviation of 1/sqrt(200k) ~ 0.2%).
  EXPECT_EQ(b.ts.front(), OrdersGenerator::kStartMicros);
  const double span = static_cast<double>(b.ts.back() - b.ts.front());
  EXPECT_NEAR(span / OrdersGenerator::kSpanMicros, 1.0, 0.01);
}

TEST(CsvFormatTest, CivilFromDays) {
  struct Case {
    int64_t days;
    int64_t y;
    int m, d;
  };
  for (const Case& c : {Case{0, 1970, 1, 1}, Case{-1, 1969, 12, 31}, Case{19675, 2023, 11, 14},
                        Case{11016, 2000, 2, 29}, Case{-25508, 1900, 3, 1}, Case{47540, 2100, 2, 28},
                        Case{-135140, 1600, 1, 1}, Case{-719162, 1, 1, 1}, Case{2932896, 9999, 12, 31}}) {
    const CivilDate got = CivilFromDays(c.days);
    EXPECT_EQ(got.year, c.y) << c.days;
    EXPECT_EQ(got.month, c.m) << c.days;
    EXPECT_EQ(got.day, c.d) << c.days;
  }
}

std::string CsvTimestamp(CsvTimestampFormatter& f, int64_t micros) {
  char buf[64];
  return std::string(buf, f.Format(buf, micros));
}

TEST(CsvFormatTest, TimestampsAgreeWithTheEngine) {
  CsvTimestampFormatter f;
  EXPECT_EQ(CsvTimestamp(f, OrdersGenerator::kStartMicros), "2023-11-14 22:13:20.000000");
  EXPECT_EQ(CsvTimestamp(f, 0), "1970-01-01 00:00:00.000000");
  EXPECT_EQ(CsvTimestamp(f, -1), "1969-12-31 23:59:59.999999");
  // dp::FormatTimestamp ("YYYY-MM-DDTHH:MM:SS.ffffffZ") is an independent
  // oracle: same digits, other separators. Walk ~600 years in uneven steps,
  // plus neighbours of midnight to exercise the day cache.
  for (int64_t t = -200LL * 365 * 86400 * 1000000; t < 400LL * 365 * 86400 * 1000000; t += 9'876'543'210'987) {
    for (int64_t v : {t, t - t % 86'400'000'000, t - t % 86'400'000'000 - 1}) {
      std::string want = FormatTimestamp(v, TimeUnit::kMicro, true);
      ASSERT_EQ(want.size(), 27u) << want;
      want[10] = ' ';
      want.pop_back();
      ASSERT_EQ(CsvTimestamp(f, v), want) << v;
    }
  }
}

}  // namespace
}  // namespace dp::tools
