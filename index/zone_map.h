// Zone maps: min/max/null statistics of a page or column chunk in the fixed
// form stored on disk (spec/format.md §"Statistics"), and their computation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dp/types.h"
#include "format/encoding.h"

namespace dp::index {

inline constexpr uint32_t kStatsHasMinMax = 1u << 0;
inline constexpr uint32_t kStatsHasNaN = 1u << 1;
inline constexpr uint32_t kStatsMinExact = 1u << 2;
inline constexpr uint32_t kStatsMaxExact = 1u << 3;
inline constexpr uint32_t kStatsKnownFlags = 0xF;
// String min/max are stored truncated to this many bytes.
inline constexpr size_t kMaxStringStatBytes = 64;

struct ZoneMap {
  uint64_t min_bits = 0;  // see spec: int64 / uint64 / double bits / 0-1
  uint64_t max_bits = 0;
  std::string min_bytes;  // kBytes columns
  std::string max_bytes;
  uint64_t num_values = 0;
  uint64_t null_count = 0;
  uint32_t flags = 0;

  bool has_min_max() const { return flags & kStatsHasMinMax; }

  // Statistics of `n` values; `validity` (nullable) marks present values.
  static ZoneMap Compute(format::PhysicalType type, const void* values, const std::string_view* strings,
                         const uint8_t* validity, size_t n);
  // Folds `other` (same column) into this.
  void Merge(const ZoneMap& other, format::PhysicalType type);
  // Truncates string min/max to kMaxStringStatBytes as the spec says.
  void TruncateStrings();

  // min/max as dp::Values (absent when !has_min_max()).
  Value MinValue(const DataType& type) const;
  Value MaxValue(const DataType& type) const;
};

// Equality of stored statistics (the verifier recomputes and compares).
bool SameStats(const ZoneMap& a, const ZoneMap& b);

}  // namespace dp::index
