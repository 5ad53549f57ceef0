// Public scan API (dp/scan.h): thin wrappers over storage/scan/ behind the
// exception seam.
#include "dp/scan.h"

#include <cstring>

#include "format/encoding/internal.h"
#include "format/exceptions.h"
#include "storage/scan/aggregate.h"
#include "storage/scan/scanner.h"

namespace dp {

Result<ScanSource> ScanSource::FromSegments(std::vector<std::shared_ptr<const Segment>> segments) {
  if (segments.empty()) return Status::InvalidArgument("ScanSource::FromSegments: no segments");
  std::vector<ScanPart> parts;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!segments[i]) {
      return Status::InvalidArgument("ScanSource::FromSegments: segment " + std::to_string(i) + " is null");
    }
    ScanPart p;
    p.segment = segments[i];
    p.name = segments[i]->path();
    parts.push_back(std::move(p));
  }
  Schema schema = segments[0]->schema();
  return ScanSource(std::move(schema), std::move(parts));
}

std::string ScanStats::ToString() const {
  auto frac = [](uint64_t a, uint64_t b) { return std::to_string(a) + "/" + std::to_string(b); };
  return "parts " + frac(parts_total - parts_pruned, parts_total) + ", row groups " +
         frac(row_groups_total - row_groups_pruned, row_groups_total) + ", pages read " +
         frac(pages_read, pages_total) + ", bytes read " + frac(bytes_read, bytes_total) + ", rows scanned " +
         frac(rows_scanned, rows_total) + ", rows matched " + std::to_string(rows_matched) +
         (skipped_parts.empty() ? "" : ", corrupt parts skipped " + std::to_string(skipped_parts.size()));
}

Value BatchColumn::GetValue(size_t i) const {
  if (is_null(i)) return Value::Null();
  if (type.is_binary_like()) return Value::Bytes(std::string(strings[i]));
  const bool is_bool = type.id == TypeId::kBool;
  return format::internal::VisitFixed(format::PhysicalTypeOf(type.id), [&](auto tag) -> Value {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, static_cast<const uint8_t*>(data) + i * sizeof(T), sizeof(T));
    if constexpr (std::is_floating_point_v<T>) {
      return Value::Double(v);
    } else if constexpr (std::is_signed_v<T>) {
      return Value::Int(v);
    } else {
      return is_bool ? Value::Bool(v != 0) : Value::UInt(v);
    }
  });
}

Scanner::Scanner(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Scanner::~Scanner() = default;

Result<std::unique_ptr<Scanner>> Scanner::Open(const ScanSource& source, const ScanSpec& spec) {
  return internal::Guard("Scanner::Open", [&]() -> Result<std::unique_ptr<Scanner>> {
    DP_ASSIGN_OR_RETURN(auto rep, Rep::Open(source, spec));
    return std::unique_ptr<Scanner>(new Scanner(std::move(rep)));
  });
}

Result<bool> Scanner::Next(Batch* batch) {
  return internal::Guard("Scanner::Next", [&]() -> Result<bool> { return rep_->Next(batch); });
}

const Schema& Scanner::output_schema() const { return rep_->output; }

ScanStats Scanner::stats() const {
  ScanStats s = rep_->src.stats;
  s.pages_read = rep_->counters.pages_read;
  s.bytes_read = rep_->counters.bytes_read;
  s.rows_scanned = rep_->counters.rows_scanned;
  s.rows_matched = rep_->counters.rows_matched;
  return s;
}

Result<AggregateResult> RunAggregate(const ScanSource& source, const ScanSpec& spec, const AggregateSpec& aggregate) {
  return internal::Guard("RunAggregate",
                         [&]() -> Result<AggregateResult> { return internal::scan::RunAggregate(source, spec, aggregate); });
}

}  // namespace dp
