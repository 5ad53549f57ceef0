#include "tools/dpgen/orders_csv.h"

#include <cmath>
#include <cstring>

namespace dp::tools {

namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int64_t kDaysPer400Years = 146'097;  // 400 * 365 + 97 leap days

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

CivilDate CivilFromDays(int64_t days) {
  // Every run of 400 consecutive years has the same number of days, so whole
  // cycles move the year; the rest (< 146,097 days) is walked year by year,
  // then month by month.
  const int64_t cycles = FloorDiv(days, kDaysPer400Years);
  days -= cycles * kDaysPer400Years;
  int64_t year = 1970 + 400 * cycles;
  while (true) {
    const int64_t len = IsLeap(year) ? 366 : 365;
    if (days < len) break;
    days -= len;
    ++year;
  }
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0;
  while (true) {
    const int len = kMonthDays[month] + (month == 1 && IsLeap(year) ? 1 : 0);
    if (days < len) break;
    days -= len;
    ++month;
  }
  return {year, month + 1, static_cast<int>(days) + 1};
}

Result<std::unique_ptr<OrdersCsvWriter>> OrdersCsvWriter::Create(const std::string& path,
                                                                 const Schema& schema) {
  DP_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> out, OutputFile::Create(path));
  std::string header;
  for (const Field& f : schema.fields()) header += (header.empty() ? "" : ",") + f.name;
  header += '\n';
  out->Append(header);
  return std::unique_ptr<OrdersCsvWriter>(new OrdersCsvWriter(std::move(out)));
}

char* CsvTimestampFormatter::Format(char* p, int64_t micros) {
  const int64_t day = FloorDiv(micros, kMicrosPerDay);
  if (day != cached_day_) {
    const CivilDate d = CivilFromDays(day);
    char* q = cached_date_;
    if (d.year >= 0 && d.year <= 9999) {
      q = FormatZeroPadded(q, static_cast<uint32_t>(d.year), 4);
    } else {
      q = FormatInt(q, d.year);
    }
    *q++ = '-';
    q = FormatZeroPadded(q, static_cast<uint32_t>(d.month), 2);
    *q++ = '-';
    q = FormatZeroPadded(q, static_cast<uint32_t>(d.day), 2);
    *q++ = ' ';
    cached_date_len_ = static_cast<size_t>(q - cached_date_);
    cached_day_ = day;
  }
  std::memcpy(p, cached_date_, cached_date_len_);
  p += cached_date_len_;
  const int64_t in_day = micros - day * kMicrosPerDay;
  const auto secs = static_cast<uint32_t>(in_day / 1'000'000);
  p = FormatZeroPadded(p, secs / 3600, 2);
  *p++ = ':';
  p = FormatZeroPadded(p, secs / 60 % 60, 2);
  *p++ = ':';
  p = FormatZeroPadded(p, secs % 60, 2);
  *p++ = '.';
  return FormatZeroPadded(p, static_cast<uint32_t>(in_day % 1'000'000), 6);
}

void OrdersCsvWriter::Write(const OrdersBatch& b) {
  // A row is at most ~10 numbers of <= 20 chars, a timestamp and short strings.
  constexpr size_t kMaxRowBytes = 512;
  auto put = [](char* p, std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  };
  for (size_t i = 0; i < b.size(); ++i) {
    char* p = out_->Reserve(kMaxRowBytes);
    p = FormatInt(p, b.order_id[i]);
    *p++ = ',';
    p = FormatInt(p, b.customer_id[i]);
    *p++ = ',';
    p = put(p, b.event_type[i]);
    *p++ = ',';
    p = ts_.Format(p, b.ts[i]);
    *p++ = ',';
    p = FormatInt(p, b.product_id[i]);
    *p++ = ',';
    p = put(p, b.category[i]);
    *p++ = ',';
    p = FormatInt(p, b.quantity[i]);
    *p++ = ',';
    p = FormatInt(p, b.price_usd_cents[i]);
    *p++ = ',';
    // Discounts are k / 100 for an integer k: rounding recovers k exactly.
    const auto cents = static_cast<int64_t>(std::llround(b.discount[i] * 100.0));
    p = FormatInt(p, cents / 100);
    *p++ = '.';
    p = FormatZeroPadded(p, static_cast<uint32_t>(cents % 100), 2);
    *p++ = ',';
    p = put(p, b.country[i]);
    *p++ = '\n';
    out_->Commit(p);
  }
}

}  // namespace dp::tools
