// The "orders" data set of dpgen: order-item events of a web shop, one row
// per event, with realistic skew and a time column spread over two years.
//
// Deterministic by construction: each column draws from its own
// Xoshiro256** stream seeded from (seed, column), so the same (rows, seed)
// gives the same values whatever the batch sizes. Distributions use only
// integer arithmetic and inverse-CDF math of our own (no std:: distribution).
// The schema's field docs state each column's distribution.
//
//   OrdersGenerator gen(rows, seed);
//   OrdersBatch batch;
//   while (gen.rows_left() > 0) {
//     gen.Next(64 * 1024, &batch);
//     writer->Append(batch.Columns());
//   }
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/types.h"
#include "dp/writer.h"
#include "tools/dpgen/prng.h"

namespace dp::tools {

// One batch of generated rows; string columns view static storage.
struct OrdersBatch {
  uint64_t first_row = 0;
  std::vector<int64_t> order_id;
  std::vector<int64_t> customer_id;
  std::vector<std::string_view> event_type;
  std::vector<int64_t> ts;  // microseconds since the Unix epoch, UTC
  std::vector<int32_t> product_id;
  std::vector<std::string_view> category;
  std::vector<int32_t> quantity;
  std::vector<int64_t> price_usd_cents;
  std::vector<double> discount;
  std::vector<std::string_view> country;

  size_t size() const { return order_id.size(); }
  // One ColumnData per field of OrdersGenerator::MakeSchema(), in order;
  // views into this batch.
  std::vector<ColumnData> Columns() const;
};

class OrdersGenerator {
 public:
  static constexpr int64_t kFirstOrderId = 1'000'000;
  static constexpr int64_t kItemsPerOrder = 3;
  // 2023-11-14T22:13:20Z, the first event.
  static constexpr int64_t kStartMicros = 1'700'000'000'000'000;
  // Two years of 365 days: the span the events cover.
  static constexpr int64_t kSpanMicros = 2LL * 365 * 86'400 * 1'000'000;
  static constexpr std::string_view kEventTypes[] = {"ORDER_PLACED", "ORDER_UPDATED", "ORDER_CANCELLED"};
  // Percent of rows of each event type (sums to 100).
  static constexpr int kEventPercent[] = {80, 15, 5};
  static constexpr std::string_view kCountries[] = {"US", "DE", "FR", "GB", "IT", "ES", "NL", "SE",
                                                    "PL", "JP", "CN", "IN", "BR", "CA", "AU"};
  static constexpr int kNumCategories = 50;
  static constexpr int kDiscountZeroPercent = 80;
  static constexpr int kMaxDiscountCents = 50;

  OrdersGenerator(uint64_t rows, uint64_t seed);

  static Result<Schema> MakeSchema();
  // "category_00" .. "category_49" (views of static storage).
  static std::string_view CategoryName(int i);

  uint64_t rows_left() const { return rows_ - next_row_; }

  // Replaces the content of `batch` with the next min(max_rows, rows_left()) rows.
  void Next(size_t max_rows, OrdersBatch* batch);

 private:
  enum Stream { kCustomer, kEvent, kTime, kProduct, kCategory, kQuantity, kPrice, kDiscount, kCountry, kNumStreams };

  uint64_t rows_;
  uint64_t next_row_ = 0;
  std::vector<Xoshiro256StarStar> streams_;
  double mean_gap_micros_;
  double time_offset_micros_ = 0;  // sum of the exponential gaps so far
  int64_t last_ts_ = 0;
};

}  // namespace dp::tools
