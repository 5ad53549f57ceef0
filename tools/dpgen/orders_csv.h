// CSV output of dpgen's orders data set: a header line with the schema's
// field names, then one line per row. Timestamps print as
// "YYYY-MM-DD HH:MM:SS.ffffff" (UTC), discount with two decimals; no value
// needs quoting (all strings come from fixed vocabularies without ',', '"'
// or line breaks). Numbers are formatted by hand into big buffered writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dp/result.h"
#include "dp/types.h"
#include "tools/common/output.h"
#include "tools/dpgen/orders.h"

namespace dp::tools {

// Days since 1970-01-01 to a proleptic Gregorian date (any int64 day count
// whose year fits in int64).
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
CivilDate CivilFromDays(int64_t days);

// Formats microseconds since the epoch as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC).
// Sorted timestamps mostly share their day, so the date part is cached.
class CsvTimestampFormatter {
 public:
  // Writes at `p` and returns the end: 26 bytes for years 0..9999, at most 40.
  char* Format(char* p, int64_t micros);

 private:
  int64_t cached_day_ = INT64_MIN;
  char cached_date_[32] = {};  // "YYYY-MM-DD "
  size_t cached_date_len_ = 0;
};

class OrdersCsvWriter {
 public:
  // Creates `path` (never overwrites) and writes the header for `schema`.
  static Result<std::unique_ptr<OrdersCsvWriter>> Create(const std::string& path, const Schema& schema);

  void Write(const OrdersBatch& batch);
  Status Close() { return out_->Close(); }
  uint64_t bytes_written() const { return out_->bytes_written(); }

 private:
  explicit OrdersCsvWriter(std::unique_ptr<OutputFile> out) : out_(std::move(out)) {}

  std::unique_ptr<OutputFile> out_;
  CsvTimestampFormatter ts_;
};

}  // namespace dp::tools
