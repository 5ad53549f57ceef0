// dictionary_sparse (11): a page-local dictionary whose codes are one
// dominant code plus exceptions: a bitmap marks the exceptions, their codes
// follow in radix units (spec/format.md §"dictionary_sparse (11)").
//
// For columns where one value dominates (a discount that is mostly 0, a
// status that is mostly OK) this is both smaller than entropy-coded codes
// (1 bit per value plus log2(D - 1) per exception) and decodes without an
// entropy decoder: fill with the dominant code, patch the exceptions.
#include <bit>

#include "format/bitmap.h"
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kDictionarySparse;

// The radix of the exception codes: D - 1 codes (the dominant one is left
// out), at least 2.
uint32_t SparseRadix(uint32_t dict_size) { return std::max<uint32_t>(2, dict_size - 1); }
uint32_t SparseDigits(uint32_t radix) {
  const uint32_t k = BestRadixDigits(radix);
  return k != 0 ? k : 1;
}

template <typename Entry>
class DictionarySparseDecoder final : public DictionaryDecoderBase<DictionarySparseDecoder<Entry>, Entry> {
  using Base = DictionaryDecoderBase<DictionarySparseDecoder<Entry>, Entry>;
  using SparseCodes = PageDecoder::SparseCodes;

 public:
  DictionarySparseDecoder(std::vector<Entry> entries, const SparsePage& page, PhysicalType t, uint32_t count)
      : Base(std::move(entries), count),
        bitmap_(page.bitmap),
        dominant_(page.dominant),
        units_(page.units, SparseRadix(uint32_t(this->entries_.size())), page.digits,
               std::max<uint32_t>(page.exceptions, 1)),
        type_(t) {}

  Result<const uint32_t*> CodesAt(uint32_t position, uint32_t n) {
    DP_ASSIGN_OR_RETURN(SparseCodes s, ExceptionsAt(position, n));
    s.Expand(n, codes_);
    return static_cast<const uint32_t*>(codes_);
  }

  bool sparse() const override { return true; }
  Result<SparseCodes> NextSparse(uint32_t* n) override {
    *n = this->NextCount();
    if (*n == 0) return SparseCodes{dominant_, 0, offsets_, exception_codes_};
    DP_ASSIGN_OR_RETURN(SparseCodes s, ExceptionsAt(this->position_, *n));
    this->position_ += *n;
    return s;
  }

 private:
  // The exceptions among values [position, position + n), n <= 1024.
  Result<SparseCodes> ExceptionsAt(uint32_t position, uint32_t n) {
    // Exceptions before the window (positions only move forward).
    if (position > counted_to_) {
      next_ += uint32_t(CountSetBits(bitmap_, counted_to_, position - counted_to_));
      counted_to_ = position;
    }
    // Offsets first, a byte of the bitmap at a time without a branch per
    // bit (all 8 slots written, the count advanced by the bits set), then
    // the codes of exceptions next_ .. next_ + k - 1, a row of digits at a
    // time. `position` is a multiple of 1024, so the window starts a byte.
    uint32_t k = 0;
    const uint8_t* bytes = bitmap_ + position / 8;
    const uint32_t whole = n / 8;
    for (uint32_t b = 0; b < whole; ++b) {
      const uint8_t byte = bytes[b];
      // 4 offsets per 64-bit word; b * 8 + 7 < 2^16: no carry between them.
      const uint64_t at = uint64_t{b * 8} * 0x0001000100010001ull;
      uint64_t lo, hi;
      std::memcpy(&lo, kBitsOfByte.offsets[byte], 8);
      std::memcpy(&hi, kBitsOfByte.offsets[byte] + 4, 8);
      lo += at;
      hi += at;
      std::memcpy(offsets_ + k, &lo, 8);
      std::memcpy(offsets_ + k + 4, &hi, 8);
      k += kBitsOfByte.count[byte];
    }
    for (uint32_t i = whole * 8; i < n; ++i) {
      if (GetBit(bitmap_, position + i)) offsets_[k++] = uint16_t(i);
    }
    // The bitmap holds exactly `exceptions` bits (checked when the decoder
    // was made), so the exceptions named here exist.
    const uint32_t dominant = dominant_;
    for (uint32_t done = 0; done < k;) {
      const uint32_t e = next_ + done;
      if (e / kBlockSize != row_) DP_RETURN_IF_ERROR(LoadRow(e / kBlockSize));
      const uint32_t take = std::min(k - done, kBlockSize - e % kBlockSize);
      const uint32_t* d = row_digits_ + e % kBlockSize;
      uint32_t* out = exception_codes_ + done;
      for (uint32_t j = 0; j < take; ++j) out[j] = d[j] + (d[j] >= dominant);
      done += take;
    }
    next_ += k;
    counted_to_ = position + n;
    return SparseCodes{dominant_, k, offsets_, exception_codes_};
  }

  // Digits of exceptions [row * 1024, row * 1024 + 1024), each checked to be
  // below D - 1 (the digits past the last exception are 0).
  Status LoadRow(uint32_t row) {
    DP_ASSIGN_OR_RETURN(const uint32_t* digits, units_.Row(row * kBlockSize, kE, type_));
    row_ = row;
    row_digits_ = digits;
    const uint32_t limit = uint32_t(this->entries_.size()) - 1;  // exception codes are < D - 1
    if (AllBelow(digits, kBlockSize, limit)) return Status::OK();
    const uint32_t j = uint32_t(std::find_if(digits, digits + kBlockSize, [&](uint32_t d) { return d >= limit; }) - digits);
    row_ = UINT32_MAX;
    return PageCorruption(kE, type_, this->count_,
                          "exception code " + std::to_string(digits[j]) + " of value " +
                              std::to_string(ValueOfException(row * kBlockSize + j)) + " is not below " +
                              std::to_string(limit));
  }
  // The position of exception k (error messages only).
  uint32_t ValueOfException(uint32_t k) const {
    for (uint32_t i = 0; i < this->count_; ++i) {
      if (GetBit(bitmap_, i) && k-- == 0) return i;
    }
    return this->count_;
  }

  const uint8_t* bitmap_;
  uint32_t dominant_;
  RadixUnits units_;
  PhysicalType type_;
  uint32_t counted_to_ = 0;  // exception bits before this position are counted in next_
  uint32_t next_ = 0;        // index of the next exception
  uint32_t row_ = UINT32_MAX;  // the row of exception digits in row_digits_
  const uint32_t* row_digits_ = nullptr;  // a view into units_ (RadixUnits::Row)
  alignas(64) uint32_t codes_[kBlockSize];
  alignas(64) uint32_t exception_codes_[kBlockSize];
  alignas(64) uint16_t offsets_[kBlockSize + 8];  // + 8: see ExceptionsAt
};

}  // namespace

uint64_t SparseBitmapBytes(uint32_t count) { return Pad8(BitmapBytes(count)); }

uint64_t DictionarySparseSize(uint64_t entry_bytes, uint32_t dict_size, uint32_t count, uint32_t exceptions) {
  const uint32_t radix = SparseRadix(dict_size);
  return DictionaryCodesOffset(entry_bytes) + 8 + SparseBitmapBytes(count) +
         RadixUnitsBytes(exceptions, radix, SparseDigits(radix));
}

uint32_t DominantCode(const Dictionary& dict, uint32_t* occurrences) {
  std::vector<uint32_t> counts(dict.first.size(), 0);
  for (uint32_t c : dict.codes) ++counts[c];
  const auto best = uint32_t(std::max_element(counts.begin(), counts.end()) - counts.begin());
  *occurrences = counts[best];
  return best;
}

Status EncodeDictionarySparse(const PageValues& in, const Dictionary& dict, uint32_t dominant,
                              std::vector<uint8_t>* out) {
  const auto size = uint32_t(dict.first.size());
  const uint32_t radix = SparseRadix(size);
  const uint32_t digits = SparseDigits(radix);
  DP_RETURN_IF_ERROR(AppendDictionaryHead(in, dict, digits, out));
  std::vector<uint32_t> exceptions;
  std::vector<uint8_t> bitmap(SparseBitmapBytes(in.count), 0);
  for (uint32_t i = 0; i < in.count; ++i) {
    const uint32_t c = dict.codes[i];
    if (c == dominant) continue;
    SetBit(bitmap.data(), i);
    exceptions.push_back(c - (c > dominant));
  }
  Append<uint32_t>(out, dominant);
  Append<uint32_t>(out, uint32_t(exceptions.size()));
  AppendBytes(out, bitmap.data(), bitmap.size());
  AppendRadixUnits(exceptions.data(), uint32_t(exceptions.size()), radix, digits, out);
  return Status::OK();
}

DecoderResult MakeDictionarySparseDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kDictionaryHeaderSize) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 8-byte header");
  }
  const uint32_t size = Load<uint32_t>(payload.data());
  if (size < 2) return PageCorruption(kE, t, count, "dictionary of " + std::to_string(size) + " entries, needs >= 2");
  const uint32_t radix = SparseRadix(size);
  DP_ASSIGN_OR_RETURN(const RadixShapeHeader shape, ParseRadixShape(kE, t, count, radix, payload.data() + 4));
  DP_ASSIGN_OR_RETURN(const DictionaryHead head, ParseDictionaryHead(kE, t, count, payload, size));
  if (payload.size() < head.codes_at + 8) {
    return PageCorruption(kE, t, count, "payload ends before the dominant code and the exception count");
  }
  SparsePage page;
  page.dominant = Load<uint32_t>(payload.data() + head.codes_at);
  page.exceptions = Load<uint32_t>(payload.data() + head.codes_at + 4);
  page.digits = shape.digits;
  if (page.dominant >= size) {
    return PageCorruption(kE, t, count,
                          "dominant code " + std::to_string(page.dominant) + " is not below the dictionary size " +
                              std::to_string(size));
  }
  if (page.exceptions > count) {
    return PageCorruption(kE, t, count, std::to_string(page.exceptions) + " exceptions, more than the values");
  }
  const uint64_t bitmap_at = head.codes_at + 8;
  const uint64_t units_at = bitmap_at + SparseBitmapBytes(count);
  DP_RETURN_IF_ERROR(
      CheckPayloadSize(kE, t, count, payload.size(), units_at + RadixUnitsBytes(page.exceptions, radix, shape.digits)));
  page.bitmap = payload.data() + bitmap_at;
  page.units = payload.data() + units_at;
  if (CountSetBits(page.bitmap, 0, count) != page.exceptions) {
    return PageCorruption(kE, t, count,
                          "the exception bitmap marks " + std::to_string(CountSetBits(page.bitmap, 0, count)) +
                              " values, the header declares " + std::to_string(page.exceptions));
  }
  for (uint64_t bit = count; bit < SparseBitmapBytes(count) * 8; ++bit) {
    if (GetBit(page.bitmap, bit)) return PageCorruption(kE, t, count, "exception bitmap bits after the last value are set");
  }
  if (page.exceptions > 0) {
    RadixUnits units(page.units, radix, shape.digits, page.exceptions);
    DP_RETURN_IF_ERROR(units.CheckTail(kE, t));
  }
  return WithDictionaryEntries(t, head, size, [&](auto entries) -> DecoderResult {
    using Entry = typename decltype(entries)::value_type;
    return std::unique_ptr<PageDecoder>(new DictionarySparseDecoder<Entry>(std::move(entries), page, t, count));
  });
}

}  // namespace dp::format::internal
