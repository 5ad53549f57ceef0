// ContractValidatorImpl: checks batches against a ContractSpec. Rules and
// message format: spec/contract.md §"Validation".
//
// The success path is what must be fast (ingest calls it on every batch):
// range rules run as branch-free loops over 64-row blocks that the compiler
// vectorizes, and only when a block fails is the column scanned again for the
// culprit; enum rules use an open-addressing hash set; nothing allocates per
// row except the key sets of unique rules.

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "format/checksum.h"
#include "storage/contract/contract.h"

namespace dp::storage {

namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

inline bool IsValid(const uint8_t* validity, size_t i) {
  return validity == nullptr || ((validity[i >> 3] >> (i & 7)) & 1);
}

// Validity bits [64*block, 64*block + 64) as a word (bits past n are zero).
inline uint64_t ValidityWord(const uint8_t* validity, size_t block, size_t n) {
  const size_t first = block * 64;
  const size_t count = std::min<size_t>(64, n - first);
  uint64_t w = 0;
  const size_t bytes = (count + 7) / 8;
  std::memcpy(&w, validity + first / 8, bytes);  // little-endian hosts (spec/format.md)
  return count == 64 ? w : w & ((uint64_t{1} << count) - 1);
}

inline uint64_t HashU64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

// Open-addressing set of strings built once (enum domains).
class StringSet {
 public:
  explicit StringSet(const std::vector<std::string>& values) : values_(values) {
    size_t cap = 16;
    while (cap < values.size() * 2) cap <<= 1;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
    for (size_t i = 0; i < values_.size(); ++i) {
      size_t s = format::Checksum(values_[i].data(), values_[i].size()) & mask_;
      while (slots_[s] != 0) s = (s + 1) & mask_;
      slots_[s] = static_cast<uint32_t>(i + 1);
    }
  }
  bool Contains(std::string_view v) const {
    size_t s = format::Checksum(v.data(), v.size()) & mask_;
    while (true) {
      const uint32_t k = slots_[s];
      if (k == 0) return false;
      const std::string& e = values_[k - 1];
      if (e.size() == v.size() && std::memcmp(e.data(), v.data(), v.size()) == 0) return true;
      s = (s + 1) & mask_;
    }
  }

 private:
  std::vector<std::string> values_;
  std::vector<uint32_t> slots_;  // index + 1; 0 = empty
  size_t mask_ = 0;
};

// Open-addressing map uint64 -> row, growing at 50% load (enum domains of
// integers map to 0; unique rules map a key to the first row it was seen in).
class U64Map {
 public:
  U64Map() { Rehash(16); }
  // Inserts (key, row) or returns the row already stored for key.
  std::optional<uint64_t> Insert(uint64_t key, uint64_t row) {
    if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
    size_t s = HashU64(key) & mask_;
    while (slots_[s].row_plus_1 != 0) {
      if (slots_[s].key == key) return slots_[s].row_plus_1 - 1;
      s = (s + 1) & mask_;
    }
    slots_[s] = {key, row + 1};
    ++size_;
    return std::nullopt;
  }
  bool Contains(uint64_t key) const {
    size_t s = HashU64(key) & mask_;
    while (slots_[s].row_plus_1 != 0) {
      if (slots_[s].key == key) return true;
      s = (s + 1) & mask_;
    }
    return false;
  }
  void Clear() {
    slots_.clear();
    Rehash(16);
  }

 private:
  struct Slot {
    uint64_t key;
    uint64_t row_plus_1;  // 0 = empty
  };
  void Rehash(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{0, 0});
    mask_ = cap - 1;
    size_ = 0;
    for (const Slot& e : old) {
      if (e.row_plus_1 != 0) Insert(e.key, e.row_plus_1 - 1);
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// Loads value i of a fixed-width column as int64 (signed family), uint64
// (unsigned family) or double (floats).
template <typename T>
inline T Load(const void* values, size_t i, size_t width) {
  const auto* p = static_cast<const uint8_t*>(values) + i * width;
  switch (width) {
    case 1: { int8_t x; std::memcpy(&x, p, 1); return static_cast<T>(x); }
    case 2: { int16_t x; std::memcpy(&x, p, 2); return static_cast<T>(x); }
    case 4: { int32_t x; std::memcpy(&x, p, 4); return static_cast<T>(x); }
    default: { int64_t x; std::memcpy(&x, p, 8); return static_cast<T>(x); }
  }
}

Value ValueAt(const DataType& t, const ColumnData& col, size_t i) {
  if (t.is_binary_like()) return Value::Bytes(std::string(col.strings[i]));
  const auto* p = static_cast<const uint8_t*>(col.values);
  switch (t.id) {
    case TypeId::kBool: return Value::Bool(p[i] != 0);
    case TypeId::kFloat32: { float x; std::memcpy(&x, p + i * 4, 4); return Value::Double(x); }
    case TypeId::kFloat64: { double x; std::memcpy(&x, p + i * 8, 8); return Value::Double(x); }
    case TypeId::kUInt8: return Value::UInt(p[i]);
    case TypeId::kUInt16: { uint16_t x; std::memcpy(&x, p + i * 2, 2); return Value::UInt(x); }
    case TypeId::kUInt32: { uint32_t x; std::memcpy(&x, p + i * 4, 4); return Value::UInt(x); }
    case TypeId::kUInt64: { uint64_t x; std::memcpy(&x, p + i * 8, 8); return Value::UInt(x); }
    default: return Value::Int(Load<int64_t>(col.values, i, static_cast<size_t>(t.byte_width())));
  }
}

// A value as it appears in a message: strings quoted, everything cut at ~64 bytes.
std::string Render(const DataType& t, const Value& v) {
  constexpr size_t kMax = 64;
  std::string s = v.ToString(t);
  bool cut = false;
  if (s.size() > kMax) {
    size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // code point boundary
    s.resize(end);
    cut = true;
  }
  if (t.id == TypeId::kString) s = "\"" + s + "\"";
  if (cut) s += "...";
  return s;
}

std::string EnumList(const std::vector<std::string>& values, bool quote) {
  constexpr size_t kShown = 8;
  std::string out = "[";
  for (size_t i = 0; i < values.size() && i < kShown; ++i) {
    if (i > 0) out += ", ";
    out += quote ? "\"" + values[i] + "\"" : values[i];
  }
  if (values.size() > kShown) out += ", ... (" + std::to_string(values.size()) + " values)";
  return out + "]";
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Branch-free range test over one block; true when some value of the block
// (valid ones only, when a mask is given) is outside [lo, hi] or NaN.
template <typename T, typename B>
inline bool BlockOutOfRange(const T* v, size_t n, B lo, B hi) {
  bool bad = false;
  for (size_t i = 0; i < n; ++i) {
    const B x = static_cast<B>(v[i]);
    bad |= !(x >= lo) | !(x <= hi);
  }
  return bad;
}
template <typename T, typename B>
inline bool BlockOutOfRangeMasked(const T* v, size_t n, uint64_t mask, B lo, B hi) {
  bool bad = false;
  for (size_t i = 0; i < n; ++i) {
    const B x = static_cast<B>(v[i]);
    bad |= ((mask >> i) & 1) & (!(x >= lo) | !(x <= hi));
  }
  return bad;
}

// True when some valid value of the column is outside [lo, hi].
template <typename T, typename B>
bool AnyOutOfRange(const ColumnData& col, B lo, B hi) {
  const T* v = static_cast<const T*>(col.values);
  const size_t n = col.length;
  const size_t blocks = (n + 63) / 64;
  for (size_t b = 0; b < blocks; ++b) {
    const size_t len = std::min<size_t>(64, n - b * 64);
    const uint64_t mask = col.validity == nullptr ? ~uint64_t{0} : ValidityWord(col.validity, b, n);
    if (mask == ~uint64_t{0} || (len < 64 && mask == (uint64_t{1} << len) - 1)) {
      if (BlockOutOfRange<T, B>(v + b * 64, len, lo, hi)) return true;
    } else if (mask != 0) {
      if (BlockOutOfRangeMasked<T, B>(v + b * 64, len, mask, lo, hi)) return true;
    }
  }
  return false;
}

template <typename B>
bool InRange(B x, B lo, B hi) {
  return x >= lo && x <= hi;
}

}  // namespace

// The worst (lowest-row) violation found so far in a batch, and a count.
struct Finding {
  size_t index = kNone;
  uint64_t count = 0;
  std::string message;
};

struct ContractValidatorImpl::State {
  std::vector<std::unique_ptr<StringSet>> enum_strings;  // per field; null = no rule
  std::vector<std::unique_ptr<U64Map>> enum_ints;
  std::vector<std::optional<Pattern>> patterns;  // copies: Pattern keeps scratch space
  std::vector<U64Map> unique_ints;               // per field with unique (fixed width)
  std::vector<std::unordered_map<std::string, uint64_t>> unique_strings;
  std::unordered_map<std::string, uint64_t> keys;  // composite key -> first row
  std::string key_scratch;
};

ContractValidatorImpl::ContractValidatorImpl(std::shared_ptr<const ContractSpec> spec)
    : spec_(std::move(spec)), state_(std::make_unique<State>()) {
  const size_t nf = spec_->fields.size();
  state_->enum_strings.resize(nf);
  state_->enum_ints.resize(nf);
  state_->patterns.resize(nf);
  state_->unique_ints.resize(nf);
  state_->unique_strings.resize(nf);
  for (size_t c = 0; c < nf; ++c) {
    const FieldSpec& fs = spec_->fields[c];
    if (!fs.enum_strings.empty()) state_->enum_strings[c] = std::make_unique<StringSet>(fs.enum_strings);
    if (!fs.enum_signed.empty() || !fs.enum_unsigned.empty()) {
      state_->enum_ints[c] = std::make_unique<U64Map>();
      for (int64_t x : fs.enum_signed) state_->enum_ints[c]->Insert(static_cast<uint64_t>(x), 0);
      for (uint64_t x : fs.enum_unsigned) state_->enum_ints[c]->Insert(x, 0);
    }
    state_->patterns[c] = fs.pattern;
  }
}

ContractValidatorImpl::~ContractValidatorImpl() = default;

void ContractValidatorImpl::Reset() {
  for (auto& m : state_->unique_ints) m.Clear();
  for (auto& m : state_->unique_strings) m.clear();
  state_->keys.clear();
  rows_validated_ = 0;
}

Status ContractValidatorImpl::Validate(std::span<const ColumnData> columns, uint64_t first_row) {
  const ContractSpec& spec = *spec_;
  const Schema& schema = spec.schema;
  const std::string& src = spec.source;
  if (columns.size() != schema.num_fields()) {
    return Status::InvalidArgument("contract " + src + ": batch has " + std::to_string(columns.size()) +
                                   " columns; the contract declares " + std::to_string(schema.num_fields()));
  }
  const size_t n = columns.empty() ? 0 : columns[0].length;
  for (size_t c = 0; c < columns.size(); ++c) {
    const ColumnData& col = columns[c];
    const Field& f = schema.field(c);
    if (col.length != n) {
      return Status::InvalidArgument("contract " + src + ": column \"" + f.name + "\" has " +
                                     std::to_string(col.length) + " values; column \"" + schema.field(0).name +
                                     "\" has " + std::to_string(n));
    }
    if (n > 0 && (f.type.is_binary_like() ? col.strings == nullptr : col.values == nullptr)) {
      return Status::InvalidArgument("contract " + src + ": column \"" + f.name + "\" (" + f.type.ToString() +
                                     ") has no " + (f.type.is_binary_like() ? "strings" : "values"));
    }
  }

  Finding worst;
  auto report = [&](size_t c, size_t index, uint64_t count, uint32_t line, auto&& what) {
    worst.count += count;
    if (index >= worst.index) return;
    worst.index = index;
    worst.message = "row " + std::to_string(first_row + index) + ", column \"" + schema.field(c).name +
                    "\": " + what() + " (contract " + src + " line " + std::to_string(line) + ")";
  };

  for (size_t c = 0; c < columns.size(); ++c) {
    const ColumnData& col = columns[c];
    const FieldSpec& fs = spec.fields[c];
    const DataType& t = fs.type;

    // Nullability: whole validity words at a time.
    if (!fs.nullable && col.validity != nullptr) {
      size_t first = kNone;
      uint64_t count = 0;
      for (size_t b = 0; b < (n + 63) / 64; ++b) {
        const size_t len = std::min<size_t>(64, n - b * 64);
        const uint64_t full = len == 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
        const uint64_t missing = ~ValidityWord(col.validity, b, n) & full;
        if (missing == 0) continue;
        if (first == kNone) first = b * 64 + static_cast<size_t>(__builtin_ctzll(missing));
        count += static_cast<uint64_t>(__builtin_popcountll(missing));
      }
      if (first != kNone) {
        report(c, first, count, fs.nullable_line,
               [] { return std::string("null in a column declared nullable: false"); });
      }
    }

    // Ranges: one vectorized pass; the culprit scan only runs on failure.
    if (fs.has_min || fs.has_max) {
      bool bad = false;
      const auto d_lo = fs.has_min ? fs.dmin : -std::numeric_limits<double>::infinity();
      const auto d_hi = fs.has_max ? fs.dmax : std::numeric_limits<double>::infinity();
      const auto i_lo = fs.has_min ? fs.imin : std::numeric_limits<int64_t>::min();
      const auto i_hi = fs.has_max ? fs.imax : std::numeric_limits<int64_t>::max();
      const auto u_lo = fs.has_min ? fs.umin : 0;
      const auto u_hi = fs.has_max ? fs.umax : std::numeric_limits<uint64_t>::max();
      switch (t.id) {
        case TypeId::kInt8: bad = AnyOutOfRange<int8_t>(col, i_lo, i_hi); break;
        case TypeId::kInt16: bad = AnyOutOfRange<int16_t>(col, i_lo, i_hi); break;
        case TypeId::kInt32:
        case TypeId::kDate32: bad = AnyOutOfRange<int32_t>(col, i_lo, i_hi); break;
        case TypeId::kInt64:
        case TypeId::kTimestamp: bad = AnyOutOfRange<int64_t>(col, i_lo, i_hi); break;
        case TypeId::kUInt8: bad = AnyOutOfRange<uint8_t>(col, u_lo, u_hi); break;
        case TypeId::kUInt16: bad = AnyOutOfRange<uint16_t>(col, u_lo, u_hi); break;
        case TypeId::kUInt32: bad = AnyOutOfRange<uint32_t>(col, u_lo, u_hi); break;
        case TypeId::kUInt64: bad = AnyOutOfRange<uint64_t>(col, u_lo, u_hi); break;
        case TypeId::kFloat32: bad = AnyOutOfRange<float>(col, d_lo, d_hi); break;
        case TypeId::kFloat64: bad = AnyOutOfRange<double>(col, d_lo, d_hi); break;
        default: break;
      }
      if (bad) {
        size_t first = kNone;
        uint64_t count = 0;
        bool below = false;
        for (size_t i = 0; i < n; ++i) {
          if (!IsValid(col.validity, i)) continue;
          const Value v = ValueAt(t, col, i);
          bool in, low;
          if (v.is_double()) {
            in = InRange(v.as_double(), d_lo, d_hi);
            low = v.as_double() < d_lo;
          } else if (v.is_int()) {
            in = InRange(v.as_int(), i_lo, i_hi);
            low = v.as_int() < i_lo;
          } else {
            in = InRange(v.as_uint(), u_lo, u_hi);
            low = v.as_uint() < u_lo;
          }
          if (in) continue;
          if (first == kNone) {
            first = i;
            below = low;
          }
          ++count;
        }
        const FieldRules& r = spec.rules[c];
        const bool nan = !below && t.is_float() && ValueAt(t, col, first).as_double() != ValueAt(t, col, first).as_double();
        report(c, first, count, below || (nan && fs.has_min) ? fs.min_line : fs.max_line, [&] {
          const std::string v = Render(t, ValueAt(t, col, first));
          if (nan) return "value " + v + " is outside every range (min/max)";
          if (below) return "value " + v + " is below the minimum " + Render(t, *r.min);
          return "value " + v + " is above the maximum " + Render(t, *r.max);
        });
      }
    }

    // Enum of integers.
    if (const U64Map* set = state_->enum_ints[c].get()) {
      size_t first = kNone;
      uint64_t count = 0;
      const size_t width = static_cast<size_t>(t.byte_width());
      const bool is_signed = t.is_signed_integer();
      for (size_t i = 0; i < n; ++i) {
        if (!IsValid(col.validity, i)) continue;
        const uint64_t key = is_signed ? static_cast<uint64_t>(Load<int64_t>(col.values, i, width))
                                       : ValueAt(t, col, i).as_uint();
        if (!set->Contains(key)) {
          if (first == kNone) first = i;
          ++count;
        }
      }
      if (first != kNone) {
        report(c, first, count, fs.enum_line, [&] {
          return "value " + Render(t, ValueAt(t, col, first)) + " is not in the enum " +
                 EnumList(spec.rules[c].enum_values, false);
        });
      }
    }

    // String rules: enum, max_length, pattern (first failing rule per row, in that order).
    const StringSet* enum_set = state_->enum_strings[c].get();
    Pattern* pattern = state_->patterns[c] ? &*state_->patterns[c] : nullptr;
    const bool check_length = fs.max_length_line != 0;
    const bool is_string = t.id == TypeId::kString;
    if (t.is_binary_like() && (enum_set != nullptr || pattern != nullptr || check_length)) {
      size_t first = kNone;
      int first_rule = 0;  // 1 enum, 2 length, 3 pattern
      uint64_t count = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!IsValid(col.validity, i)) continue;
        const std::string_view s = col.strings[i];
        int rule = 0;
        if (enum_set != nullptr && !enum_set->Contains(s)) {
          rule = 1;
        } else if (check_length && s.size() > fs.max_length && (!is_string || CodePoints(s) > fs.max_length)) {
          rule = 2;
        } else if (pattern != nullptr && !pattern->Matches(s)) {
          rule = 3;
        }
        if (rule == 0) continue;
        if (first == kNone) {
          first = i;
          first_rule = rule;
        }
        ++count;
      }
      if (first != kNone) {
        const uint32_t line = first_rule == 1 ? fs.enum_line : first_rule == 2 ? fs.max_length_line : fs.pattern_line;
        report(c, first, count, line, [&] {
          const std::string v = "value " + Render(t, ValueAt(t, col, first));
          if (first_rule == 1) return v + " is not in the enum " + EnumList(spec.rules[c].enum_values, true);
          if (first_rule == 2) {
            const std::string_view value = col.strings[first];
            return v + " is " + std::to_string(is_string ? CodePoints(value) : value.size()) +
                   (is_string ? " characters" : " bytes") + " long; the maximum length is " +
                   std::to_string(fs.max_length);
          }
          return v + " does not match the pattern \"" + spec.rules[c].pattern + "\"";
        });
      }
    }

    // Uniqueness of one column within the commit (nulls never collide).
    if (fs.unique_line != 0) {
      size_t first = kNone;
      uint64_t count = 0, other_row = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!IsValid(col.validity, i)) continue;
        std::optional<uint64_t> prev;
        if (t.is_binary_like()) {
          auto [it, inserted] = state_->unique_strings[c].emplace(std::string(col.strings[i]), first_row + i);
          if (!inserted) prev = it->second;
        } else {
          const uint64_t key = t.is_signed_integer()
                                   ? static_cast<uint64_t>(Load<int64_t>(col.values, i, static_cast<size_t>(t.byte_width())))
                                   : t.id == TypeId::kBool ? uint64_t{static_cast<const uint8_t*>(col.values)[i] != 0}
                                                           : ValueAt(t, col, i).as_uint();
          prev = state_->unique_ints[c].Insert(key, first_row + i);
        }
        if (!prev) continue;
        if (first == kNone) {
          first = i;
          other_row = *prev;
        }
        ++count;
      }
      if (first != kNone) {
        report(c, first, count, fs.unique_line, [&] {
          return "value " + Render(t, ValueAt(t, col, first)) + " is not unique: it also appears in row " +
                 std::to_string(other_row);
        });
      }
    }
  }

  // Composite key (rows with a null in any key column are not checked).
  if (!spec.key_columns.empty()) {
    size_t first = kNone;
    uint64_t count = 0, other_row = 0;
    std::string& k = state_->key_scratch;
    for (size_t i = 0; i < n; ++i) {
      k.clear();
      bool has_null = false;
      for (size_t c : spec.key_columns) {
        const ColumnData& col = columns[c];
        if (!IsValid(col.validity, i)) {
          has_null = true;
          break;
        }
        if (schema.field(c).type.is_binary_like()) {
          const uint64_t len = col.strings[i].size();
          k.append(reinterpret_cast<const char*>(&len), sizeof(len));
          k.append(col.strings[i]);
        } else {
          const size_t w = static_cast<size_t>(schema.field(c).type.byte_width());
          k.append(static_cast<const char*>(col.values) + i * w, w);
        }
      }
      if (has_null) continue;
      auto [it, inserted] = state_->keys.emplace(k, first_row + i);
      if (inserted) continue;
      if (first == kNone) {
        first = i;
        other_row = it->second;
      }
      ++count;
    }
    if (first != kNone && first < worst.index) {
      std::string names, values;
      for (size_t c : spec.key_columns) {
        if (!names.empty()) names += ", ", values += ", ";
        names += schema.field(c).name;
        values += Render(schema.field(c).type, ValueAt(schema.field(c).type, columns[c], first));
      }
      worst.index = first;
      worst.message = "row " + std::to_string(first_row + first) + ", key (" + names + "): (" + values +
                      ") is not unique: it also appears in row " + std::to_string(other_row) + " (contract " +
                      src + " line " + std::to_string(spec.key_line) + ")";
    }
    worst.count += count;
  }

  if (worst.index != kNone) {
    if (worst.count > 1) worst.message += "; " + std::to_string(worst.count - 1) + " more violations in this batch";
    return Status::InvalidArgument(std::move(worst.message));
  }
  rows_validated_ += n;
  return Status::OK();
}

}  // namespace dp::storage
