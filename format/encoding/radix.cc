// for_radix (9) and dictionary_radix (10): values of a small range packed
// several to a unit in mixed radix (spec/format.md §"Radix units").
//
// A range of R values needs log2(R) bits of information but bit-packing
// spends ceil(log2(R)): 4 bits for 1..10, 6 for 50 categories. k digits of
// radix R in one unit of bit_width(R^k - 1) bits come within a few percent
// of log2(R) (3 digits of 10 in 10 bits, 3 of 50 in 17), without an
// entropy coder, and decode with a few vector float operations per value.
#include <cmath>

#include "format/bitpack_internal.h"
#include "format/encoding/internal.h"

namespace dp::format::internal {

uint32_t RadixPow(uint32_t radix, uint32_t digits) {
  uint64_t p = 1;
  for (uint32_t t = 0; t < digits && p <= kMaxRadixUnit; ++t) p *= radix;
  return p > kMaxRadixUnit ? kMaxRadixUnit + 1 : uint32_t(p);
}

bool ValidRadixShape(uint64_t radix, uint64_t digits) {
  return radix >= 2 && radix <= kMaxRadixUnit && digits >= 1 && digits <= kMaxRadixDigits &&
         RadixPow(uint32_t(radix), uint32_t(digits)) <= kMaxRadixUnit;
}

uint32_t RadixUnitWidth(uint32_t radix, uint32_t digits) {
  return uint32_t(std::bit_width(RadixPow(radix, digits) - 1));
}

uint32_t BestRadixDigits(uint64_t radix) {
  if (radix < 2 || radix > kMaxRadixUnit) return 0;
  const auto r = uint32_t(radix);
  // Bits per value of k digits: width(k) / k; the smallest wins, ties to
  // fewer digits (less work per value).
  uint32_t best = 1;
  for (uint32_t k = 2; ValidRadixShape(r, k); ++k) {
    if (uint64_t{RadixUnitWidth(r, k)} * best < uint64_t{RadixUnitWidth(r, best)} * k) best = k;
  }
  return best >= 2 ? best : 0;
}

uint32_t ForcedRadixDigits(uint32_t radix) {
  if (const uint32_t k = BestRadixDigits(radix)) return k;
  uint32_t k = 1;
  while (ValidRadixShape(radix, k + 1)) ++k;
  return k;
}

bool RadixApplies(Encoding e, const PageValues& in) {
  if (in.count == 0) return true;
  if (e == Encoding::kForRadix) return IsIntegerPhysical(in.type) && AnalyzeIntegers(in).range < kMaxRadixUnit;
  if ((e != Encoding::kDictionaryRadix && e != Encoding::kDictionarySparse) || in.type == PhysicalType::kBool) {
    return false;
  }
  Dictionary dict;
  return BuildDictionary(in, DictionaryLimits{kMaxRadixUnit}, &dict) && dict.first.size() >= 2;
}

uint64_t RadixUnitsBytes(uint32_t count, uint32_t radix, uint32_t digits) {
  const uint64_t per = uint64_t{kBlockSize} * digits;
  const uint64_t superblocks = (count + per - 1) / per;
  if (superblocks == 0) return 0;
  const uint32_t last = uint32_t(count - (superblocks - 1) * per);
  const uint32_t last_digits = (last + kBlockSize - 1) / kBlockSize;
  return (superblocks - 1) * 128 * RadixUnitWidth(radix, digits) + 128 * RadixUnitWidth(radix, last_digits);
}

void AppendRadixUnits(const uint32_t* u, uint32_t count, uint32_t radix, uint32_t digits, std::vector<uint8_t>* out) {
  uint32_t pow[kMaxRadixDigits + 1];
  pow[0] = 1;
  for (uint32_t t = 1; t < digits; ++t) pow[t] = pow[t - 1] * radix;
  alignas(64) uint32_t units[kBlockSize];
  alignas(64) uint32_t packed[kBlockSize];
  const uint32_t per = kBlockSize * digits;
  for (uint64_t begin = 0; begin < count; begin += per) {
    const auto n = uint32_t(std::min<uint64_t>(per, count - begin));
    const uint32_t k = (n + kBlockSize - 1) / kBlockSize;
    std::fill_n(units, kBlockSize, 0u);
    for (uint32_t t = 0; t < k; ++t) {
      const uint32_t row = std::min(kBlockSize, n - t * kBlockSize);
      const uint32_t* d = u + begin + t * kBlockSize;
      for (uint32_t j = 0; j < row; ++j) units[j] += d[j] * pow[t];
    }
    const uint32_t width = RadixUnitWidth(radix, k);
    Pack1024(units, width, packed);
    AppendBytes(out, packed, 128 * width);
  }
}

namespace {

// Digit t of 1024 units plus `base`: floor(u / R^t) mod R, or floor(u / R^t)
// for the top digit. In float: every unit is < 2^21 (so exact in a float,
// with room for the + 0.5), and (u + 0.5) / P is at least 0.5 / P away from
// an integer while the rounding error of the product stays below 2^-22 of a
// value below 2^21 / P, i.e. < 0.5 / P: truncation gives the exact quotient.
// Returns nonzero if a top digit is >= R (a unit >= R^k: corrupt).
template <bool kTop, typename O>
inline __attribute__((always_inline)) uint32_t ExtractDigit(const uint32_t* __restrict u, float inv_p, float inv_r,
                                                            int32_t r, O base, O* __restrict out) {
  const float rf = float(r);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < kBlockSize; ++i) {
    const int32_t q = int32_t((float(int32_t(u[i])) + 0.5f) * inv_p);
    if constexpr (kTop) {
      bad |= uint32_t(q >= r);
      out[i] = O(base + O(q));
    } else {
      const float qf = float(q);
      const int32_t q2 = int32_t((qf + 0.5f) * inv_r);
      out[i] = O(base + O(int32_t(qf - float(q2) * rf)));
    }
  }
  return bad;
}
template <bool kTop, typename O>
uint32_t ExtractDigitPortable(const uint32_t* __restrict u, float inv_p, float inv_r, int32_t r, O base,
                              O* __restrict out) {
  return ExtractDigit<kTop>(u, inv_p, inv_r, r, base, out);
}
#if DP_AVX2_FUNCTIONS
template <bool kTop, typename O>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) uint32_t ExtractDigitAvx512(
    const uint32_t* __restrict u, float inv_p, float inv_r, int32_t r, O base, O* __restrict out) {
  return ExtractDigit<kTop>(u, inv_p, inv_r, r, base, out);
}
template <bool kTop, typename O>
__attribute__((target("avx2"))) uint32_t ExtractDigitAvx2(const uint32_t* __restrict u, float inv_p, float inv_r,
                                                          int32_t r, O base, O* __restrict out) {
  return ExtractDigit<kTop>(u, inv_p, inv_r, r, base, out);
}
#endif

// Every digit of 1024 units of kDigits digits (2 <= kDigits <=
// RadixUnits::kRowDigits): digit t of unit i to rows[t * 1024 + i]. Each
// digit is the remainder of the quotient the one below left, x_t =
// floor(x_{t-1} / R) by the float product of ExtractDigit (x < 2^21, so the
// same argument holds), digit x_t - R * x_{t+1} exact in floats: one
// product and truncation per digit, where extracting each digit from the
// unit takes two. Returns nonzero if a top digit is >= R.
template <uint32_t kDigits>
inline __attribute__((always_inline)) uint32_t ExtractRows(const uint32_t* __restrict u, float inv_r, int32_t r,
                                                           uint32_t* __restrict rows) {
  const float rf = float(r);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < kBlockSize; ++i) {
    int32_t x = int32_t(u[i]);
    for (uint32_t t = 0; t + 1 < kDigits; ++t) {
      const float xf = float(x);
      const int32_t q = int32_t((xf + 0.5f) * inv_r);
      rows[t * kBlockSize + i] = uint32_t(int32_t(xf - float(q) * rf));
      x = q;
    }
    bad |= uint32_t(x >= r);
    rows[(kDigits - 1) * kBlockSize + i] = uint32_t(x);
  }
  return bad;
}
template <uint32_t kDigits>
uint32_t ExtractRowsPortable(const uint32_t* __restrict u, float inv_r, int32_t r, uint32_t* __restrict rows) {
  return ExtractRows<kDigits>(u, inv_r, r, rows);
}
#if DP_AVX2_FUNCTIONS
template <uint32_t kDigits>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) uint32_t ExtractRowsAvx512(
    const uint32_t* __restrict u, float inv_r, int32_t r, uint32_t* __restrict rows) {
  return ExtractRows<kDigits>(u, inv_r, r, rows);
}
template <uint32_t kDigits>
__attribute__((target("avx2"))) uint32_t ExtractRowsAvx2(const uint32_t* __restrict u, float inv_r, int32_t r,
                                                         uint32_t* __restrict rows) {
  return ExtractRows<kDigits>(u, inv_r, r, rows);
}
#endif

// The variant of ExtractRows<kDigits> for this CPU.
template <uint32_t kDigits>
uint32_t ExtractRowsDispatch(const uint32_t* u, float inv_r, int32_t r, uint32_t* rows) {
#if DP_AVX2_FUNCTIONS
  if (UseAvx512Kernels()) return ExtractRowsAvx512<kDigits>(u, inv_r, r, rows);
  if (UseAvx2Kernels()) return ExtractRowsAvx2<kDigits>(u, inv_r, r, rows);
#endif
  return ExtractRowsPortable<kDigits>(u, inv_r, r, rows);
}

}  // namespace

RadixUnits::RadixUnits(const RadixUnits& o)
    : units_(o.units_),
      radix_(o.radix_),
      digits_(o.digits_),
      count_(o.count_),
      superblocks_(o.superblocks_),
      last_digits_(o.last_digits_),
      width_(o.width_) {
  std::copy(std::begin(o.pow_), std::end(o.pow_), pow_);
  std::copy(std::begin(o.inv_pow_), std::end(o.inv_pow_), inv_pow_);
}

RadixUnits::RadixUnits(const uint8_t* units, uint32_t radix, uint32_t digits, uint32_t count)
    : units_(units), radix_(radix), digits_(digits), count_(count) {
  const uint64_t per = uint64_t{kBlockSize} * digits;
  superblocks_ = uint32_t((count + per - 1) / per);
  const uint32_t last = uint32_t(count - (uint64_t{superblocks_} - 1) * per);
  last_digits_ = (last + kBlockSize - 1) / kBlockSize;
  width_ = RadixUnitWidth(radix, digits);
  for (uint32_t t = 0; t <= digits; ++t) pow_[t] = RadixPow(radix, t);
  for (uint32_t t = 0; t < digits; ++t) inv_pow_[t] = 1.0f / float(pow_[t]);
}

void RadixUnits::Load(uint32_t s) {
  if (s == loaded_) return;
  const uint32_t width = s + 1 == superblocks_ ? RadixUnitWidth(radix_, DigitsOf(s)) : width_;
  const uint8_t* p = units_ + uint64_t{s} * 128 * width_;
  const uint32_t* words = reinterpret_cast<const uint32_t*>(p);
  if (reinterpret_cast<uintptr_t>(p) % alignof(uint32_t) != 0) {
    std::memcpy(copy_, p, 128 * width);
    words = copy_;
  }
  Unpack1024(words, width, unit_);
  loaded_ = s;
}

Status RadixUnits::TopDigitError(uint32_t s, Encoding e, PhysicalType t) const {
  return PageCorruption(e, t, count_,
                        "a radix unit of superblock " + std::to_string(s) + " is not below " + std::to_string(radix_) +
                            "^" + std::to_string(DigitsOf(s)));
}

void RadixUnits::LoadRows(uint32_t s) {
  if (rows_of_ == s) return;
  Load(s);
  const float inv_r = inv_pow_[1];
  const auto r = int32_t(radix_);
  uint32_t bad = 0;
  switch (DigitsOf(s)) {
    case 1:  // the unit is the digit
      for (uint32_t i = 0; i < kBlockSize; ++i) {
        bad |= uint32_t(unit_[i] >= radix_);
        rows_[i] = unit_[i];
      }
      break;
    case 2: bad = ExtractRowsDispatch<2>(unit_, inv_r, r, rows_); break;
    case 3: bad = ExtractRowsDispatch<3>(unit_, inv_r, r, rows_); break;
    default: bad = ExtractRowsDispatch<4>(unit_, inv_r, r, rows_); break;
  }
  static_assert(kRowDigits == 4);
  rows_of_ = s;
  rows_bad_ = bad != 0;
}

Result<const uint32_t*> RadixUnits::Row(uint32_t position, Encoding e, PhysicalType t) {
  const uint32_t row = position / kBlockSize;
  const uint32_t s = row / digits_;
  const uint32_t d = row % digits_;
  if (digits_ > kRowDigits) {
    DP_RETURN_IF_ERROR(Digits(position, 0u, copy_, e, t));  // copy_: free once the units are unpacked
    return static_cast<const uint32_t*>(copy_);
  }
  LoadRows(s);
  // A unit >= R^k only shows in its top digit (the others are taken mod R).
  if (rows_bad_ && d + 1 == DigitsOf(s)) return TopDigitError(s, e, t);
  return static_cast<const uint32_t*>(rows_ + d * kBlockSize);
}

template <typename O>
Status RadixUnits::Digits(uint32_t position, O base, O* out, Encoding e, PhysicalType t) {
  if (digits_ <= kRowDigits) {
    DP_ASSIGN_OR_RETURN(const uint32_t* digits, Row(position, e, t));
    for (uint32_t i = 0; i < kBlockSize; ++i) out[i] = O(base + O(digits[i]));
    return Status::OK();
  }
  const uint32_t row = position / kBlockSize;
  const uint32_t s = row / digits_;
  const uint32_t d = row % digits_;
  Load(s);
  // A unit >= R^k only shows in its top digit (the others are taken mod R),
  // so the range check rides on the top row's extraction.
  const bool top = d + 1 == DigitsOf(s);
  const float inv_p = inv_pow_[d], inv_r = inv_pow_[1];
  const auto r = int32_t(radix_);
  uint32_t bad = 0;
#if DP_AVX2_FUNCTIONS
  if (UseAvx512Kernels()) {
    bad = top ? ExtractDigitAvx512<true>(unit_, inv_p, inv_r, r, base, out)
              : ExtractDigitAvx512<false>(unit_, inv_p, inv_r, r, base, out);
  } else if (UseAvx2Kernels()) {
    bad = top ? ExtractDigitAvx2<true>(unit_, inv_p, inv_r, r, base, out)
              : ExtractDigitAvx2<false>(unit_, inv_p, inv_r, r, base, out);
  } else
#endif
  {
    bad = top ? ExtractDigitPortable<true>(unit_, inv_p, inv_r, r, base, out)
              : ExtractDigitPortable<false>(unit_, inv_p, inv_r, r, base, out);
  }
  if (bad == 0) return Status::OK();
  return TopDigitError(s, e, t);
}
template Status RadixUnits::Digits(uint32_t, uint8_t, uint8_t*, Encoding, PhysicalType);
template Status RadixUnits::Digits(uint32_t, uint16_t, uint16_t*, Encoding, PhysicalType);
template Status RadixUnits::Digits(uint32_t, uint32_t, uint32_t*, Encoding, PhysicalType);
template Status RadixUnits::Digits(uint32_t, uint64_t, uint64_t*, Encoding, PhysicalType);

Status RadixUnits::CheckTail(Encoding e, PhysicalType t) {
  // Digits past the last value: in the last row of the last superblock,
  // units from `used` on must have a zero top digit.
  const uint32_t s = superblocks_ - 1;
  const uint32_t k = DigitsOf(s);
  const uint32_t used = count_ - (s * digits_ + (k - 1)) * kBlockSize;
  if (used == kBlockSize) return Status::OK();
  Load(s);
  for (uint32_t j = used; j < kBlockSize; ++j) {
    if (unit_[j] >= pow_[k - 1]) {
      return PageCorruption(e, t, count_,
                            "radix unit " + std::to_string(j) + " of the last superblock has a digit after the last value");
    }
  }
  return Status::OK();
}

Result<RadixShapeHeader> ParseRadixShape(Encoding e, PhysicalType t, uint32_t count, uint64_t radix, const uint8_t* p) {
  const uint32_t digits = p[0];
  if (!IsZero(p + 1, 3)) return PageCorruption(e, t, count, "reserved header bytes are not zero");
  if (!ValidRadixShape(radix, digits)) {
    return PageCorruption(e, t, count,
                          "radix " + std::to_string(radix) + " with " + std::to_string(digits) +
                              " digits per unit: needs radix >= 2, 1 <= digits and radix^digits <= 2^21");
  }
  return RadixShapeHeader{uint32_t(radix), digits};
}

namespace {

constexpr Encoding kFor = Encoding::kForRadix;
constexpr Encoding kDict = Encoding::kDictionaryRadix;

template <typename T>
class ForRadixDecoder final : public BlockDecoder {
  using W = WordOf<T>;

 public:
  ForRadixDecoder(const RadixUnits& units, W base, PhysicalType t, uint32_t count)
      : BlockDecoder(count), units_(units), base_(base), type_(t) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);
    // Whole rows: scratch has room for 1024 values.
    using U = std::make_unsigned_t<T>;
    DP_RETURN_IF_ERROR(units_.Digits(position_, U(base_), static_cast<U*>(scratch), kFor, type_));
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

 private:
  RadixUnits units_;
  W base_;
  PhysicalType type_;
};

template <typename Entry>
class DictionaryRadixDecoder final : public DictionaryDecoderBase<DictionaryRadixDecoder<Entry>, Entry> {
  using Base = DictionaryDecoderBase<DictionaryRadixDecoder<Entry>, Entry>;

 public:
  DictionaryRadixDecoder(std::vector<Entry> entries, const RadixUnits& units, PhysicalType t, uint32_t count)
      : Base(std::move(entries), count), units_(units), type_(t) {}

  // Every digit is below the radix, the dictionary size (RadixUnits checks
  // the units), so codes need no further check.
  Result<const uint32_t*> CodesAt(uint32_t position, uint32_t n) {
    (void)n;
    return units_.Row(position, kDict, type_);
  }

 private:
  RadixUnits units_;
  PhysicalType type_;
};

}  // namespace

// ---- encoders ----------------------------------------------------------------

void EncodeForRadix(const PageValues& in, uint64_t base, uint32_t radix, uint32_t digits, std::vector<uint8_t>* out) {
  Append<uint64_t>(out, base);
  Append<uint32_t>(out, radix);
  Append<uint32_t>(out, digits);  // u8 digits + 3 zero bytes
  VisitInteger(in.type, [&](auto tag) {
    using T = decltype(tag);
    using W = WordOf<T>;
    const T* v = static_cast<const T*>(in.values);
    std::vector<uint32_t> u(in.count);
    for (uint32_t i = 0; i < in.count; ++i) u[i] = uint32_t(W(ToWord(v[i]) - W(base)));
    AppendRadixUnits(u.data(), in.count, radix, digits, out);
  });
}

Status EncodeDictionaryRadix(const PageValues& in, const Dictionary& dict, uint32_t digits, std::vector<uint8_t>* out) {
  DP_RETURN_IF_ERROR(AppendDictionaryHead(in, dict, digits, out));
  AppendRadixUnits(dict.codes.data(), in.count, uint32_t(dict.first.size()), digits, out);
  return Status::OK();
}

// ---- decoders ----------------------------------------------------------------

DecoderResult MakeForRadixDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kForRadixHeaderSize) {
    return PageCorruption(kFor, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 16-byte header");
  }
  const uint64_t base = Load<uint64_t>(payload.data());
  if (PhysicalWidth(t) <= 4 && base > UINT32_MAX) {
    return PageCorruption(kFor, t, count, "base " + std::to_string(base) + " does not fit the 32-bit word");
  }
  DP_ASSIGN_OR_RETURN(const RadixShapeHeader shape,
                      ParseRadixShape(kFor, t, count, Load<uint32_t>(payload.data() + 8), payload.data() + 12));
  DP_RETURN_IF_ERROR(CheckPayloadSize(kFor, t, count, payload.size(),
                                      kForRadixHeaderSize + RadixUnitsBytes(count, shape.radix, shape.digits)));
  RadixUnits units(payload.data() + kForRadixHeaderSize, shape.radix, shape.digits, count);
  DP_RETURN_IF_ERROR(units.CheckTail(kFor, t));
  return VisitInteger(t, [&](auto v) -> DecoderResult {
    using T = decltype(v);
    using W = WordOf<T>;
    return std::unique_ptr<PageDecoder>(new ForRadixDecoder<T>(units, W(base), t, count));
  });
}

DecoderResult MakeDictionaryRadixDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kDictionaryHeaderSize) {
    return PageCorruption(kDict, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 8-byte header");
  }
  const uint32_t size = Load<uint32_t>(payload.data());
  DP_ASSIGN_OR_RETURN(const RadixShapeHeader shape, ParseRadixShape(kDict, t, count, size, payload.data() + 4));
  DP_ASSIGN_OR_RETURN(const DictionaryHead head, ParseDictionaryHead(kDict, t, count, payload, size));
  DP_RETURN_IF_ERROR(CheckPayloadSize(kDict, t, count, payload.size(),
                                      head.codes_at + RadixUnitsBytes(count, shape.radix, shape.digits)));
  RadixUnits units(payload.data() + head.codes_at, shape.radix, shape.digits, count);
  DP_RETURN_IF_ERROR(units.CheckTail(kDict, t));
  return WithDictionaryEntries(t, head, size, [&](auto entries) -> DecoderResult {
    using Entry = typename decltype(entries)::value_type;
    return std::unique_ptr<PageDecoder>(new DictionaryRadixDecoder<Entry>(std::move(entries), units, t, count));
  });
}

}  // namespace dp::format::internal

namespace dp::format {

Result<std::optional<Encoding>> EncodeRadix(const PageValues& in, uint64_t limit, std::vector<uint8_t>* out,
                                            PageAnalysis* analysis) {
  using namespace internal;
  const std::optional<Encoding> none;
  if (in.count == 0 || in.type == PhysicalType::kBool) return none;
  PageAnalysisState local;
  PageAnalysisState& a = StateFor(in, analysis, &local);
  if (IsIntegerPhysical(in.type)) {
    const IntegerStats& s = a.Integers();
    if (s.runs == 1 || s.range >= kMaxRadixUnit) return none;
    const auto radix = uint32_t(s.range + 1);
    const uint32_t digits = BestRadixDigits(radix);
    if (digits == 0 || kForRadixHeaderSize + RadixUnitsBytes(in.count, radix, digits) > limit) return none;
    EncodeForRadix(in, s.min, radix, digits, out);
    return std::optional<Encoding>(Encoding::kForRadix);
  }
  const Dictionary* page_dict = a.PageDictionary();
  if (page_dict == nullptr || page_dict->first.size() < 2) return none;
  const Dictionary& dict = *page_dict;
  const auto size = uint32_t(dict.first.size());
  // Radix codes, or a dominant code with exceptions, whichever is smaller.
  const uint32_t digits = BestRadixDigits(size);
  const uint64_t radix_size =
      digits == 0 ? UINT64_MAX : DictionaryCodesOffset(dict.entry_bytes) + RadixUnitsBytes(in.count, size, digits);
  uint32_t occurrences = 0;
  const uint32_t dominant = DominantCode(dict, &occurrences);
  const uint64_t sparse_size = DictionarySparseSize(dict.entry_bytes, size, in.count, in.count - occurrences);
  if (std::min(radix_size, sparse_size) > limit) return none;
  if (sparse_size < radix_size) {
    DP_RETURN_IF_ERROR(EncodeDictionarySparse(in, dict, dominant, out));
    return std::optional<Encoding>(Encoding::kDictionarySparse);
  }
  DP_RETURN_IF_ERROR(EncodeDictionaryRadix(in, dict, digits, out));
  return std::optional<Encoding>(Encoding::kDictionaryRadix);
}

}  // namespace dp::format
