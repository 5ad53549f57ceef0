#include "tools/dpgen/orders.h"

#include <array>
#include <cmath>

namespace dp::tools {

namespace {

// "category_00" .. "category_49", built at compile time.
struct CategoryTable {
  static constexpr size_t kLength = 11;
  std::array<std::array<char, kLength>, OrdersGenerator::kNumCategories> names{};
  constexpr CategoryTable() {
    constexpr std::string_view kPrefix = "category_";
    for (size_t i = 0; i < names.size(); ++i) {
      for (size_t k = 0; k < kPrefix.size(); ++k) names[i][k] = kPrefix[k];
      names[i][kLength - 2] = static_cast<char>('0' + i / 10);
      names[i][kLength - 1] = static_cast<char>('0' + i % 10);
    }
  }
};
constexpr CategoryTable kCategoryTable;
static_assert(OrdersGenerator::kNumCategories <= 100, "category names have two digits");

}  // namespace

std::vector<ColumnData> OrdersBatch::Columns() const {
  return {ColumnData::Of<int64_t>(order_id),       ColumnData::Of<int64_t>(customer_id),
          ColumnData::Strings(event_type),          ColumnData::Of<int64_t>(ts),
          ColumnData::Of<int32_t>(product_id),      ColumnData::Strings(category),
          ColumnData::Of<int32_t>(quantity),        ColumnData::Of<int64_t>(price_usd_cents),
          ColumnData::Of<double>(discount),         ColumnData::Strings(country)};
}

std::string_view OrdersGenerator::CategoryName(int i) {
  return {kCategoryTable.names[static_cast<size_t>(i)].data(), CategoryTable::kLength};
}

OrdersGenerator::OrdersGenerator(uint64_t rows, uint64_t seed)
    : rows_(rows), mean_gap_micros_(rows > 0 ? static_cast<double>(kSpanMicros) / static_cast<double>(rows) : 0) {
  SplitMix64 seeds(seed);
  streams_.reserve(kNumStreams);
  for (int s = 0; s < kNumStreams; ++s) streams_.emplace_back(seeds.Next());
}

Result<Schema> OrdersGenerator::MakeSchema() {
  const auto ts = DataType::Timestamp(TimeUnit::kMicro, /*utc=*/true);
  return Schema::Make({
      {"order_id", DataType::Int64(), false,
       "Order the item belongs to: row / 3 + 1,000,000 (three consecutive rows per order)."},
      {"customer_id", DataType::Int64(), false,
       "Customer who placed the order: floor(1e6 * u^3) with u uniform in [0, 1), so small ids "
       "(frequent customers) dominate; range 0..999,999."},
      {"event_type", DataType::String(), false,
       "Lifecycle event: ORDER_PLACED (80%), ORDER_UPDATED (15%) or ORDER_CANCELLED (5%)."},
      {"ts", ts, false,
       "Event time (UTC, microseconds), strictly increasing: exponential gaps with mean "
       "(2 * 365 days) / rows, starting at 2023-11-14T22:13:20Z, so the rows span about two years."},
      {"product_id", DataType::Int32(), false, "Product ordered, uniform in 0..99,999."},
      {"category", DataType::String(), false,
       "Product category, uniform over category_00 .. category_49."},
      {"quantity", DataType::Int32(), false, "Units ordered, uniform in 1..10."},
      {"price_usd_cents", DataType::Int64(), false, "Unit price in US cents, uniform in 99..49,999."},
      {"discount", DataType::Float64(), false,
       "Fraction of the price taken off: 0.00 for 80% of rows, else uniform over 0.01 .. 0.50 in "
       "steps of 0.01 (k / 100 for an integer k)."},
      {"country", DataType::String(), false,
       "Buyer's country (ISO 3166-1 alpha-2), uniform over US, DE, FR, GB, IT, ES, NL, SE, PL, JP, "
       "CN, IN, BR, CA, AU."},
  });
}

void OrdersGenerator::Next(size_t max_rows, OrdersBatch* b) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(max_rows, rows_left()));
  b->first_row = next_row_;
  b->order_id.resize(n);
  b->customer_id.resize(n);
  b->event_type.resize(n);
  b->ts.resize(n);
  b->product_id.resize(n);
  b->category.resize(n);
  b->quantity.resize(n);
  b->price_usd_cents.resize(n);
  b->discount.resize(n);
  b->country.resize(n);

  for (size_t i = 0; i < n; ++i) {
    b->order_id[i] = static_cast<int64_t>((next_row_ + i) / kItemsPerOrder) + kFirstOrderId;
  }
  Xoshiro256StarStar& customer = streams_[kCustomer];
  for (size_t i = 0; i < n; ++i) {
    const double u = customer.Unit();
    b->customer_id[i] = static_cast<int64_t>(std::floor(1e6 * u * u * u));
  }
  Xoshiro256StarStar& event = streams_[kEvent];
  for (size_t i = 0; i < n; ++i) {
    int pct = static_cast<int>(event.Below(100));
    size_t k = 0;
    while (pct >= kEventPercent[k]) pct -= kEventPercent[k++];
    b->event_type[i] = kEventTypes[k];
  }
  // Inverse CDF of the exponential distribution: gap = -mean * ln(1 - u).
  // Gaps accumulate in double (exact to well under 1 us over two years);
  // a timestamp that would not increase is bumped by 1 us.
  Xoshiro256StarStar& time = streams_[kTime];
  for (size_t i = 0; i < n; ++i) {
    int64_t ts = kStartMicros;
    if (next_row_ + i > 0) {
      time_offset_micros_ += -mean_gap_micros_ * std::log1p(-time.Unit());
      ts = std::max(kStartMicros + static_cast<int64_t>(time_offset_micros_), last_ts_ + 1);
    }
    b->ts[i] = last_ts_ = ts;
  }
  Xoshiro256StarStar& product = streams_[kProduct];
  for (size_t i = 0; i < n; ++i) b->product_id[i] = static_cast<int32_t>(product.Below(100'000));
  Xoshiro256StarStar& category = streams_[kCategory];
  for (size_t i = 0; i < n; ++i) b->category[i] = CategoryName(static_cast<int>(category.Below(kNumCategories)));
  Xoshiro256StarStar& quantity = streams_[kQuantity];
  for (size_t i = 0; i < n; ++i) b->quantity[i] = static_cast<int32_t>(quantity.Between(1, 10));
  Xoshiro256StarStar& price = streams_[kPrice];
  for (size_t i = 0; i < n; ++i) b->price_usd_cents[i] = price.Between(99, 49'999);
  Xoshiro256StarStar& discount = streams_[kDiscount];
  for (size_t i = 0; i < n; ++i) {
    int64_t cents = 0;
    if (discount.Below(100) >= static_cast<uint64_t>(kDiscountZeroPercent)) {
      cents = discount.Between(1, kMaxDiscountCents);
    }
    b->discount[i] = static_cast<double>(cents) / 100.0;
  }
  Xoshiro256StarStar& country = streams_[kCountry];
  for (size_t i = 0; i < n; ++i) b->country[i] = kCountries[country.Below(std::size(kCountries))];
  next_row_ += n;
}

}  // namespace dp::tools
