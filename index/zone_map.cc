// Zone-map statistics; stored form in spec/format.md §"Statistics".
#include "index/zone_map.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "format/bitmap.h"

namespace dp::index {
namespace {

using format::PhysicalType;

// Ordered key of a stored value: int64 for signed, uint64 for unsigned, double for floats.
template <typename T>
void MinMaxDense(const T* v, size_t n, T* mn, T* mx) {
  T lo = v[0], hi = v[0];
  for (size_t i = 1; i < n; ++i) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  *mn = lo;
  *mx = hi;
}

template <typename T>
bool MinMax(const T* v, const uint8_t* validity, size_t n, T* mn, T* mx) {
  if (validity == nullptr) {
    if (n == 0) return false;
    MinMaxDense(v, n, mn, mx);
    return true;
  }
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    if (!format::GetBit(validity, i)) continue;
    if (!any) { *mn = *mx = v[i]; any = true; continue; }
    *mn = v[i] < *mn ? v[i] : *mn;
    *mx = v[i] > *mx ? v[i] : *mx;
  }
  return any;
}

template <typename T>
void IntStats(const void* values, const uint8_t* validity, size_t n, ZoneMap* z) {
  T mn{}, mx{};
  if (!MinMax(static_cast<const T*>(values), validity, n, &mn, &mx)) return;
  z->flags |= kStatsHasMinMax | kStatsMinExact | kStatsMaxExact;
  if constexpr (std::is_signed_v<T>) {
    z->min_bits = static_cast<uint64_t>(static_cast<int64_t>(mn));
    z->max_bits = static_cast<uint64_t>(static_cast<int64_t>(mx));
  } else {
    z->min_bits = static_cast<uint64_t>(mn);
    z->max_bits = static_cast<uint64_t>(mx);
  }
}

template <typename T>
void FloatStats(const void* values, const uint8_t* validity, size_t n, ZoneMap* z) {
  const T* v = static_cast<const T*>(values);
  bool any = false, nan = false;
  double mn = 0, mx = 0;
  for (size_t i = 0; i < n; ++i) {
    if (validity && !format::GetBit(validity, i)) continue;
    double d = static_cast<double>(v[i]);
    if (std::isnan(d)) { nan = true; continue; }
    if (!any) { mn = mx = d; any = true; continue; }
    mn = d < mn ? d : mn;
    mx = d > mx ? d : mx;
  }
  if (nan) z->flags |= kStatsHasNaN;
  if (!any) return;
  // Zeros compare equal in IEEE; store the bound that keeps pruning correct.
  if (mn == 0.0) mn = -0.0;
  if (mx == 0.0) mx = 0.0;
  z->flags |= kStatsHasMinMax | kStatsMinExact | kStatsMaxExact;
  z->min_bits = std::bit_cast<uint64_t>(mn);
  z->max_bits = std::bit_cast<uint64_t>(mx);
}


}  // namespace

ZoneMap ZoneMap::Compute(PhysicalType type, const void* values, const std::string_view* strings,
                         const uint8_t* validity, size_t n) {
  ZoneMap z;
  z.num_values = n;
  if (validity != nullptr) z.null_count = n - format::CountSetBits(validity, 0, n);
  if (z.null_count == n) return z;
  if (z.null_count == 0) validity = nullptr;
  switch (type) {
    case PhysicalType::kBool: IntStats<uint8_t>(values, validity, n, &z); break;
    case PhysicalType::kI8: IntStats<int8_t>(values, validity, n, &z); break;
    case PhysicalType::kI16: IntStats<int16_t>(values, validity, n, &z); break;
    case PhysicalType::kI32: IntStats<int32_t>(values, validity, n, &z); break;
    case PhysicalType::kI64: IntStats<int64_t>(values, validity, n, &z); break;
    case PhysicalType::kU8: IntStats<uint8_t>(values, validity, n, &z); break;
    case PhysicalType::kU16: IntStats<uint16_t>(values, validity, n, &z); break;
    case PhysicalType::kU32: IntStats<uint32_t>(values, validity, n, &z); break;
    case PhysicalType::kU64: IntStats<uint64_t>(values, validity, n, &z); break;
    case PhysicalType::kF32: FloatStats<float>(values, validity, n, &z); break;
    case PhysicalType::kF64: FloatStats<double>(values, validity, n, &z); break;
    case PhysicalType::kBytes: {
      const std::string_view* mn = nullptr;
      const std::string_view* mx = nullptr;
      for (size_t i = 0; i < n; ++i) {
        if (validity && !format::GetBit(validity, i)) continue;
        if (mn == nullptr) { mn = mx = &strings[i]; continue; }
        if (strings[i] < *mn) mn = &strings[i];
        if (strings[i] > *mx) mx = &strings[i];
      }
      z.flags |= kStatsHasMinMax | kStatsMinExact | kStatsMaxExact;
      z.min_bytes.assign(*mn);
      z.max_bytes.assign(*mx);
      z.TruncateStrings();
      break;
    }
  }
  return z;
}

void ZoneMap::TruncateStrings() {
  if (min_bytes.size() > kMaxStringStatBytes) {
    min_bytes.resize(kMaxStringStatBytes);  // a prefix is a lower bound
    flags &= ~kStatsMinExact;
  }
  if (max_bytes.size() > kMaxStringStatBytes) {
    max_bytes.resize(kMaxStringStatBytes);
    flags &= ~kStatsMaxExact;
    // Smallest string above every string with this prefix: bump the last
    // byte that is not 0xFF and cut after it.
    while (!max_bytes.empty() && static_cast<uint8_t>(max_bytes.back()) == 0xFF) max_bytes.pop_back();
    if (max_bytes.empty()) {
      // No finite upper bound: keep the min, drop the max by making it
      // non-exact and empty (readers treat an empty non-exact max as unbounded).
      return;
    }
    max_bytes.back() = static_cast<char>(static_cast<uint8_t>(max_bytes.back()) + 1);
  }
}

void ZoneMap::Merge(const ZoneMap& o, PhysicalType type) {
  num_values += o.num_values;
  null_count += o.null_count;
  flags |= (o.flags & kStatsHasNaN);
  if (!o.has_min_max()) return;
  if (!has_min_max()) {
    min_bits = o.min_bits;
    max_bits = o.max_bits;
    min_bytes = o.min_bytes;
    max_bytes = o.max_bytes;
    flags = (flags & kStatsHasNaN) | (o.flags & ~kStatsHasNaN);
    return;
  }
  auto take_min = [&](bool other_smaller) {
    if (other_smaller) {
      min_bits = o.min_bits;
      min_bytes = o.min_bytes;
      flags = (flags & ~kStatsMinExact) | (o.flags & kStatsMinExact);
    }
  };
  auto take_max = [&](bool other_larger) {
    if (other_larger) {
      max_bits = o.max_bits;
      max_bytes = o.max_bytes;
      flags = (flags & ~kStatsMaxExact) | (o.flags & kStatsMaxExact);
    }
  };
  switch (type) {
    case PhysicalType::kF32:
    case PhysicalType::kF64: {
      double a = std::bit_cast<double>(min_bits), b = std::bit_cast<double>(o.min_bits);
      take_min(b < a || (b == a && std::signbit(b) && !std::signbit(a)));
      double c = std::bit_cast<double>(max_bits), d = std::bit_cast<double>(o.max_bits);
      take_max(d > c || (d == c && !std::signbit(d) && std::signbit(c)));
      break;
    }
    case PhysicalType::kBytes: {
      take_min(o.min_bytes < min_bytes);
      // An empty non-exact max means "unbounded" and wins.
      bool mine_unbounded = max_bytes.empty() && !(flags & kStatsMaxExact);
      bool theirs_unbounded = o.max_bytes.empty() && !(o.flags & kStatsMaxExact);
      take_max(!mine_unbounded && (theirs_unbounded || o.max_bytes > max_bytes));
      break;
    }
    default:
      if (format::IsSignedPhysical(type)) {
        take_min(static_cast<int64_t>(o.min_bits) < static_cast<int64_t>(min_bits));
        take_max(static_cast<int64_t>(o.max_bits) > static_cast<int64_t>(max_bits));
      } else {
        take_min(o.min_bits < min_bits);
        take_max(o.max_bits > max_bits);
      }
  }
}

namespace {
Value BitsToValue(uint64_t bits, const std::string& bytes, const DataType& type) {
  switch (type.id) {
    case TypeId::kBool: return Value::Bool(bits != 0);
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64: return Value::UInt(bits);
    case TypeId::kFloat32:
    case TypeId::kFloat64: return Value::Double(std::bit_cast<double>(bits));
    case TypeId::kString:
    case TypeId::kBinary: return Value::Bytes(bytes);
    default: return Value::Int(static_cast<int64_t>(bits));
  }
}
}  // namespace

Value ZoneMap::MinValue(const DataType& type) const {
  return has_min_max() ? BitsToValue(min_bits, min_bytes, type) : Value::Null();
}
Value ZoneMap::MaxValue(const DataType& type) const {
  return has_min_max() ? BitsToValue(max_bits, max_bytes, type) : Value::Null();
}

bool SameStats(const ZoneMap& a, const ZoneMap& b) {
  return a.num_values == b.num_values && a.null_count == b.null_count && a.flags == b.flags &&
         a.min_bits == b.min_bits && a.max_bits == b.max_bits && a.min_bytes == b.min_bytes &&
         a.max_bytes == b.max_bytes;
}

}  // namespace dp::index
