// Internals shared by the page encodings in format/encoding/ (byte layouts:
// spec/format.md §"Encodings"): little-endian byte helpers, the type
// visitors, the exact encoded size of every encoding, and each encoding's
// encoder and decoder factory. Not a public header.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "format/bitpack.h"
#include "format/encoding.h"

namespace dp::format::internal {

static_assert(std::endian::native == std::endian::little, "dpstore assumes a little-endian host");

// ---- bytes ---------------------------------------------------------------

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

inline void AppendBytes(std::vector<uint8_t>* out, const void* p, size_t n) {
  const size_t at = out->size();
  out->resize(at + n);
  if (n > 0) std::memcpy(out->data() + at, p, n);
}

template <typename T>
void Append(std::vector<uint8_t>* out, T v) {
  AppendBytes(out, &v, sizeof(T));
}

inline constexpr uint64_t Pad8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// Appends zero bytes until the bytes written since `start` are a multiple of 8.
inline void PadTo8(std::vector<uint8_t>* out, size_t start) {
  out->resize(start + Pad8(out->size() - start), 0);
}

inline bool IsZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Byte equality without a library call for the short strings dictionaries
// are made of (two overlapping loads cover 4..16 bytes).
inline bool EqualBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n >= 8 && n <= 16) {
    return Load<uint64_t>(reinterpret_cast<const uint8_t*>(x)) == Load<uint64_t>(reinterpret_cast<const uint8_t*>(y)) &&
           Load<uint64_t>(reinterpret_cast<const uint8_t*>(x + n - 8)) ==
               Load<uint64_t>(reinterpret_cast<const uint8_t*>(y + n - 8));
  }
  if (n >= 4 && n < 8) {
    return Load<uint32_t>(reinterpret_cast<const uint8_t*>(x)) == Load<uint32_t>(reinterpret_cast<const uint8_t*>(y)) &&
           Load<uint32_t>(reinterpret_cast<const uint8_t*>(x + n - 4)) ==
               Load<uint32_t>(reinterpret_cast<const uint8_t*>(y + n - 4));
  }
  return n == 0 || std::memcmp(x, y, n) == 0;
}

// ---- types ---------------------------------------------------------------

// The bit-packing word of a physical type (spec §"Types"): u32 up to 32 bits.
template <typename T>
using WordOf = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;

// Widens to W: sign-extends signed types, zero-extends unsigned ones.
template <typename T>
constexpr WordOf<T> ToWord(T v) {
  using W = WordOf<T>;
  if constexpr (std::is_signed_v<T>) {
    return W(std::make_signed_t<W>(v));
  } else {
    return W(v);
  }
}

// Whether v[i] < limit for every i < n (dictionary codes, radix digits).
// A compare and an OR per value: a running max would chain every vector
// through a max that SSE2 (the x86-64 baseline) lacks for unsigned 32-bit
// lanes (emulated, it cost 5 cycles per 4 codes: 9% of a dictionary-filtered
// query).
inline bool AllBelow(const uint32_t* v, uint32_t n, uint32_t limit) {
  uint32_t over = 0;
  for (uint32_t i = 0; i < n; ++i) over |= uint32_t(v[i] >= limit);
  return over == 0;
}

// out[i] = prev + Σ_{j <= i} (step + in[j]) mod 2^bits for i < n: the
// running value of the delta encodings. Returns out[n-1] (prev when n == 0).
// in == out is allowed. An AVX2 variant where UseAvx2Kernels(); the
// portable loop below is the oracle (DP_PORTABLE_KERNELS=1).
uint64_t RunningSum(const uint64_t* in, uint32_t n, uint64_t prev, uint64_t step, uint64_t* out);
uint32_t RunningSum(const uint32_t* in, uint32_t n, uint32_t prev, uint32_t step, uint32_t* out);

// The portable running sum, with values stored as T (T(W) narrows for
// types narrower than their word): one add per value on the carried sum.
template <typename W, typename T>
W RunningSumLoop(const W* in, uint32_t n, W prev, W step, T* out) {
  for (uint32_t i = 0; i < n; ++i) {
    prev = W(prev + step + in[i]);
    out[i] = T(prev);
  }
  return prev;
}

// The running value of a delta block into out (values of type T, whose word
// W = WordOf<T> the residuals are): a vector scan where T is as wide as W.
template <typename T, typename W>
W DeltaRun(const W* residuals, uint32_t n, W prev, W min_delta, T* out) {
  if constexpr (sizeof(T) == sizeof(W)) {
    return RunningSum(residuals, n, prev, min_delta, reinterpret_cast<W*>(out));
  } else {
    return RunningSumLoop(residuals, n, prev, min_delta, out);
  }
}

// PeekBounds of a delta block of n >= 1 values v[j] = lo + j·min_delta +
// (a partial sum of residuals), computed in W: `lo` (as W) is the first
// value or a value <= it, `residuals` the exact sum of the residuals added
// after it. The values never decrease and end at lo + (n-1)·min_delta +
// residuals where min_delta read as T is >= 0 and that end does not pass
// T's maximum (then no step wraps).
template <typename T>
bool DeltaBlockBounds(WordOf<T> lo, WordOf<T> min_delta, uint32_t n, uint64_t residuals, int64_t* out_lo,
                      int64_t* out_hi) {
  if constexpr (!std::is_signed_v<T> || sizeof(T) != sizeof(WordOf<T>)) {
    return false;
  } else {
    __extension__ using Int128 = __int128;
    const T step = T(min_delta);
    if (step < 0 || n == 0) return false;
    const Int128 hi = Int128(T(lo)) + Int128(n - 1) * step + Int128(residuals);
    if (hi > Int128(std::numeric_limits<T>::max())) return false;
    *out_lo = T(lo);
    *out_hi = int64_t(hi);
    return true;
  }
}

// The unsigned type of a byte width: what equality by bit pattern compares.
template <size_t kBytes>
using BitsOfSize = std::conditional_t<
    kBytes == 1, uint8_t,
    std::conditional_t<kBytes == 2, uint16_t, std::conditional_t<kBytes == 4, uint32_t, uint64_t>>>;

// Calls f(T{}) with the C type of an integer physical type.
template <typename F>
decltype(auto) VisitInteger(PhysicalType t, F&& f) {
  switch (t) {
    case PhysicalType::kI8: return f(int8_t{});
    case PhysicalType::kI16: return f(int16_t{});
    case PhysicalType::kI32: return f(int32_t{});
    case PhysicalType::kU8: return f(uint8_t{});
    case PhysicalType::kU16: return f(uint16_t{});
    case PhysicalType::kU32: return f(uint32_t{});
    case PhysicalType::kU64: return f(uint64_t{});
    default: return f(int64_t{});  // kI64; callers check IsIntegerPhysical first
  }
}

// Calls f(T{}) with the C type of any fixed-width physical type (kBool:
// uint8_t). REQUIRES: t != kBytes.
template <typename F>
decltype(auto) VisitFixed(PhysicalType t, F&& f) {
  switch (t) {
    case PhysicalType::kBool: return f(uint8_t{});
    case PhysicalType::kF32: return f(float{});
    case PhysicalType::kF64: return f(double{});
    default: return VisitInteger(t, std::forward<F>(f));
  }
}

// Calls f(B{}) with the unsigned type as wide as a fixed-width physical type
// (kBool: uint8_t). REQUIRES: t != kBytes.
template <typename F>
decltype(auto) VisitBits(PhysicalType t, F&& f) {
  switch (PhysicalWidth(t)) {
    case 1: return f(uint8_t{});
    case 2: return f(uint16_t{});
    case 4: return f(uint32_t{});
    default: return f(uint64_t{});
  }
}

// ---- sizes (exact payload bytes; count > 0) --------------------------------

inline uint32_t NumBlocks(uint32_t count) { return count / kBlockSize + (count % kBlockSize != 0); }
inline uint64_t PackedBytes(uint32_t count, uint32_t width) { return uint64_t{NumBlocks(count)} * 128 * width; }

// Bits of a code for a dictionary of `size` entries: ceil(log2(size)).
inline uint32_t CodeWidth(uint64_t size) { return size <= 1 ? 0 : uint32_t(std::bit_width(size - 1)); }

inline constexpr uint64_t kForHeaderSize = 16;
inline constexpr uint64_t kDeltaHeaderSize = 24;
inline constexpr uint64_t kRleHeaderSize = 8;
inline constexpr uint64_t kDictionaryHeaderSize = 8;

// `bytes` = sum of the string lengths for kBytes, ignored otherwise.
uint64_t PlainSize(PhysicalType t, uint32_t count, uint64_t bytes);
inline uint64_t ForSize(uint32_t count, uint32_t width) { return kForHeaderSize + PackedBytes(count, width); }
// delta_bitpack: one bit width per block (u8 each, padded to 8), then blocks.
inline uint64_t DeltaSize(const std::vector<uint8_t>& block_widths) {
  uint64_t size = kDeltaHeaderSize + Pad8(block_widths.size());
  for (uint8_t w : block_widths) size += 128ull * w;
  return size;
}
// Offset of the run values after `runs` run ends, and the whole size.
inline uint64_t RleValuesOffset(uint64_t runs) { return Pad8(kRleHeaderSize + 4 * runs); }
inline uint64_t RleSize(uint64_t runs, int value_width) { return Pad8(RleValuesOffset(runs) + runs * value_width); }
// `entry_bytes`: the size of the dictionary's entries (D*width, or
// 4(D+1) + data for kBytes).
inline uint64_t DictionaryCodesOffset(uint64_t entry_bytes) { return Pad8(kDictionaryHeaderSize + entry_bytes); }
inline uint64_t DictionarySize(uint64_t dict_size, uint64_t entry_bytes, uint32_t count) {
  return DictionaryCodesOffset(entry_bytes) + PackedBytes(count, CodeWidth(dict_size));
}
// `bytes` = the string's length for kBytes.
inline uint64_t ConstantSize(PhysicalType t, uint64_t bytes) {
  return t == PhysicalType::kBytes ? Pad8(4 + bytes) : 8;
}

// ---- strings tables (plain kBytes and dictionary entries) ------------------

// Appends `u32 offsets[n+1]` and the bytes of get(0..n-1) (no padding).
// InvalidArgument if the bytes exceed the u32 offsets.
template <typename Get>
Status AppendStringTable(uint32_t n, Get get, std::vector<uint8_t>* out) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) total += get(i).size();
  if (total > UINT32_MAX) {
    return Status::InvalidArgument("page strings total " + std::to_string(total) +
                                   " bytes, more than the 4 GiB - 1 a page can hold");
  }
  const size_t at = out->size();
  out->resize(at + 4 * (uint64_t{n} + 1) + total);
  uint8_t* offsets = out->data() + at;
  uint8_t* data = offsets + 4 * (uint64_t{n} + 1);
  uint32_t offset = 0;
  for (uint32_t i = 0; i < n; ++i) {
    std::memcpy(offsets + 4 * uint64_t{i}, &offset, 4);
    const std::string_view s = get(i);
    if (!s.empty()) std::memcpy(data + offset, s.data(), s.size());
    offset += uint32_t(s.size());
  }
  std::memcpy(offsets + 4 * uint64_t{n}, &offset, 4);
  return Status::OK();
}

// A validated string table of n entries inside a payload.
struct StringTable {
  const uint8_t* offsets = nullptr;  // n + 1 little-endian u32
  const char* data = nullptr;
  uint64_t bytes = 0;  // 4(n+1) + offsets[n]: the table's size

  std::string_view Get(uint32_t i) const {
    const uint32_t begin = Load<uint32_t>(offsets + 4 * uint64_t{i});
    const uint32_t end = Load<uint32_t>(offsets + 4 * (uint64_t{i} + 1));
    return {data + begin, end - begin};
  }
};

// Checks the table of n strings at the start of `bytes`: the offsets fit,
// offsets[0] = 0, offsets never decrease, the data fits. Errors name the page
// (encoding e, count values).
Result<StringTable> ParseStringTable(std::span<const uint8_t> bytes, uint32_t n, Encoding e, uint32_t count);

// ---- errors ----------------------------------------------------------------


// Corruption naming the page: "<encoding> page of <n> <type> values: <what>".
Status PageCorruption(Encoding e, PhysicalType t, uint32_t count, std::string_view what);

// Corruption unless the payload is exactly the size its header implies.
Status CheckPayloadSize(Encoding e, PhysicalType t, uint32_t count, uint64_t actual, uint64_t expected);

// ---- decoders ----------------------------------------------------------------

// Shared by every decoder: the block bookkeeping.
class BlockDecoder : public PageDecoder {
 public:
  // Random-access encodings skip by moving the position; encodings with
  // running state (delta, rle) override this.
  Status Skip(uint32_t n) override {
    DP_RETURN_IF_ERROR(CheckSkip(n));
    position_ += n;
    return Status::OK();
  }

 protected:
  explicit BlockDecoder(uint32_t count) { count_ = count; }
  // Values returned by the next Next().
  uint32_t NextCount() const { return std::min(kBlockSize, remaining()); }
  // InvalidArgument unless n <= remaining() and n is a multiple of the block
  // size or the rest.
  Status CheckSkip(uint32_t n) const;
};

// The decoder of a dictionary page, whatever stores its codes: values come
// out by looking codes up in the entries; codes and entries are exposed for
// kernels that work on codes. Derived provides
//   Result<const uint32_t*> CodesAt(uint32_t position, uint32_t n)
// returning n codes, each checked to be below entries_.size().
// Entry: a fixed-width value type, or std::string_view.
template <typename Derived, typename Entry>
class DictionaryDecoderBase : public BlockDecoder {
 public:
  Result<const void*> Next(void* scratch, std::string_view* strings, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);  // no block left to read
    DP_ASSIGN_OR_RETURN(const uint32_t* codes, static_cast<Derived*>(this)->CodesAt(position_, *n));
    Entry* out;
    if constexpr (std::is_same_v<Entry, std::string_view>) {
      out = strings;
    } else {
      out = static_cast<Entry*>(scratch);
    }
    const Entry* entries = entries_.data();
    for (uint32_t i = 0; i < *n; ++i) out[i] = entries[codes[i]];
    position_ += *n;
    return static_cast<const void*>(out);
  }

  DictionaryView dictionary() const override {
    DictionaryView d;
    d.size = uint32_t(entries_.size());
    if constexpr (std::is_same_v<Entry, std::string_view>) {
      d.strings = entries_.data();
    } else {
      d.values = entries_.data();
    }
    return d;
  }

  Result<const uint32_t*> NextCodes(uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const uint32_t*>(nullptr);
    DP_ASSIGN_OR_RETURN(const uint32_t* codes, static_cast<Derived*>(this)->CodesAt(position_, *n));
    position_ += *n;
    return codes;
  }

 protected:
  DictionaryDecoderBase(std::vector<Entry> entries, uint32_t count)
      : BlockDecoder(count), entries_(std::move(entries)) {}
  std::vector<Entry> entries_;
};

// Bit-packed blocks of W inside a payload, copied to an aligned buffer when
// the payload is not aligned for W.
template <typename W>
class PackedBlocks {
 public:
  PackedBlocks(const uint8_t* first, uint32_t width) : first_(first), width_(width) {}
  uint32_t width() const { return width_; }
  // The words of block b; `tmp` has room for 1024 W.
  const W* Block(uint32_t b, W* tmp) const {
    const uint8_t* p = first_ + uint64_t{b} * 128 * width_;
    if (reinterpret_cast<uintptr_t>(p) % alignof(W) == 0) return reinterpret_cast<const W*>(p);
    std::memcpy(tmp, p, 128 * width_);
    return tmp;
  }
  // Word i of block b without unpacking the block (format/bitpack.h: value
  // i is in lane i % L, row i / L, at bit row * width of the lane's words).
  W At(uint32_t b, uint32_t i) const {
    constexpr uint32_t kBits = 8 * sizeof(W);
    constexpr uint32_t kLanes = kBlockSize / kBits;
    if (width_ == 0) return 0;
    const uint8_t* p = first_ + uint64_t{b} * 128 * width_;
    const uint32_t bit = (i / kLanes) * width_;
    const uint32_t word = bit / kBits, shift = bit % kBits, lane = i % kLanes;
    W v = Load<W>(p + (word * kLanes + lane) * sizeof(W)) >> shift;
    if (shift + width_ > kBits) v |= Load<W>(p + ((word + 1) * kLanes + lane) * sizeof(W)) << (kBits - shift);
    return width_ == kBits ? v : W(v & ((W{1} << width_) - 1));
  }

 private:
  const uint8_t* first_;
  uint32_t width_;
};

// Appends the bit-packed blocks of `count` words of `width` bits;
// fill(begin, n, block) writes words begin..begin+n-1 to block[0..n).
template <typename W, typename Fill>
void AppendPackedBlocks(uint32_t count, uint32_t width, Fill fill, std::vector<uint8_t>* out) {
  if (width == 0) return;
  alignas(64) W words[kBlockSize];
  alignas(64) W packed[kBlockSize];
  for (uint32_t begin = 0; begin < count; begin += kBlockSize) {
    const uint32_t n = std::min(kBlockSize, count - begin);
    fill(begin, n, words);
    std::fill(words + n, words + kBlockSize, W{0});
    Pack1024(words, width, packed);
    AppendBytes(out, packed, 128 * width);
  }
}

// Checks that the slots at positions >= count of the last block are zero.
template <typename W>
Status CheckPackedTail(const PackedBlocks<W>& blocks, uint32_t count, Encoding e, PhysicalType t) {
  const uint32_t used = count - (NumBlocks(count) - 1) * kBlockSize;
  if (used == kBlockSize || blocks.width() == 0) return Status::OK();
  alignas(64) W copy[kBlockSize];
  alignas(64) W values[kBlockSize];
  Unpack1024(blocks.Block(NumBlocks(count) - 1, copy), blocks.width(), values);
  for (uint32_t i = used; i < kBlockSize; ++i) {
    if (values[i] != 0) {
      return PageCorruption(e, t, count, "packed slot " + std::to_string(i) +
                                             " after the last value of the last block is not zero");
    }
  }
  return Status::OK();
}

using DecoderResult = Result<std::unique_ptr<PageDecoder>>;

// ---- the encodings -----------------------------------------------------------
// Encoders append the payload of in.count > 0 values; REQUIRES:
// EncodingSupports(e, in.type). Decoder factories validate the structure of
// a payload of count > 0 values of a supported type.

Status EncodePlain(const PageValues& in, std::vector<uint8_t>* out);
DecoderResult MakePlainDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// base: the smallest value as W (zero-extended); width: bits of max - min.
void EncodeFor(const PageValues& in, uint64_t base, uint32_t width, std::vector<uint8_t>* out);
DecoderResult MakeForDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// A validated for_bitpack payload, for kernels that work on the packed
// blocks directly (e.g. fused decode + aggregate with UnpackSum1024).
struct ForPage {
  uint64_t base = 0;               // a W value
  uint32_t width = 0;              // <= bits(W)
  const uint8_t* blocks = nullptr; // NumBlocks(count) blocks of 128 * width bytes
};
Result<ForPage> ParseForPage(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// min_delta: the smallest delta as signed W (zero-extended to u64); width:
// bits of max - min of the deltas.
void EncodeDelta(const PageValues& in, uint64_t min_delta, const std::vector<uint8_t>& block_widths,
                 std::vector<uint8_t>* out);
DecoderResult MakeDeltaDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// runs: the number of maximal runs of equal bit patterns.
void EncodeRle(const PageValues& in, uint32_t runs, std::vector<uint8_t>* out);
DecoderResult MakeRleDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// A page-local dictionary: entries in order of first occurrence, compared by
// bit pattern (floats) or bytes (strings).
struct Dictionary {
  std::vector<uint32_t> codes;  // one per value
  std::vector<uint32_t> first;  // per entry: the position of its first occurrence
  uint64_t entry_bytes = 0;     // DictionarySize()'s entry_bytes
};
struct DictionaryLimits {
  uint32_t max_size = UINT32_MAX;  // give up beyond this many entries
  // Give up if more than half of the first kDictionaryProbe values are
  // distinct: a cheap sign that the page is mostly unique.
  bool probe = false;
};
inline constexpr uint32_t kDictionaryProbe = 4096;
// False (and `dict` unusable) if it gave up.
bool BuildDictionary(const PageValues& in, DictionaryLimits limits, Dictionary* dict);
Status EncodeDictionary(const PageValues& in, const Dictionary& dict, std::vector<uint8_t>* out);
// The head shared by dictionary (4) and dictionary_planes (8): u32 entry
// count, u8 `width_byte` (code width, or number of planes) + 3 zero bytes,
// the entries, zero padding to 8 bytes from the payload's start.
Status AppendDictionaryHead(const PageValues& in, const Dictionary& dict, uint32_t width_byte,
                            std::vector<uint8_t>* out);
DecoderResult MakeDictionaryDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// REQUIRES: all values equal.
Status EncodeConstant(const PageValues& in, std::vector<uint8_t>* out);
DecoderResult MakeConstantDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// for_planes (6) / delta_planes (7) (byte_planes.cc): e is one of the two.
Status EncodeIntegerPlanes(Encoding e, const PageValues& in, std::vector<uint8_t>* out);
DecoderResult MakeForPlanesDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);
DecoderResult MakeDeltaPlanesDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);
// dictionary_planes (8): `dict` as for EncodeDictionary.
Status EncodeDictionaryPlanes(const PageValues& in, const Dictionary& dict, std::vector<uint8_t>* out);
DecoderResult MakeDictionaryPlanesDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// The dictionary of a dictionary_planes or dictionary_radix page after its
// 8-byte header: entries checked to fit the payload, zero padding checked.
struct DictionaryHead {
  StringTable strings;              // kBytes
  const uint8_t* entries = nullptr; // fixed width: `size` values
  uint64_t codes_at = 0;            // where the codes start (8-aligned)
};
Result<DictionaryHead> ParseDictionaryHead(Encoding e, PhysicalType t, uint32_t count,
                                           std::span<const uint8_t> payload, uint32_t size);
// make(std::vector<Entry>) with the `size` entries of `head`: Entry is
// std::string_view for kBytes, else the unsigned type of t's width.
template <typename Make>
DecoderResult WithDictionaryEntries(PhysicalType t, const DictionaryHead& head, uint32_t size, Make make) {
  if (t == PhysicalType::kBytes) {
    std::vector<std::string_view> entries(size);
    for (uint32_t k = 0; k < size; ++k) entries[k] = head.strings.Get(k);
    return make(std::move(entries));
  }
  return VisitBits(t, [&](auto b) -> DecoderResult {
    using B = decltype(b);
    std::vector<B> entries(size);
    std::memcpy(entries.data(), head.entries, size_t{size} * sizeof(B));
    return make(std::move(entries));
  });
}

// ---- radix units (radix.cc; spec §"Radix units") -------------------------------
// Values below a radix R packed k to a unit of RadixUnitWidth(R, k) bits,
// units bit-packed 1024 to a superblock of 1024·k values.

inline constexpr uint32_t kMaxRadixUnit = uint32_t{1} << 21;  // R^k <= this
inline constexpr uint32_t kMaxRadixDigits = 21;
inline constexpr uint64_t kForRadixHeaderSize = 16;

// R^t, or kMaxRadixUnit + 1 once it exceeds kMaxRadixUnit.
uint32_t RadixPow(uint32_t radix, uint32_t digits);
// 2 <= radix, 1 <= digits <= 21, radix^digits <= 2^21.
bool ValidRadixShape(uint64_t radix, uint64_t digits);
// bit_width(R^k - 1). REQUIRES: ValidRadixShape.
uint32_t RadixUnitWidth(uint32_t radix, uint32_t digits);
// The digits per unit that store values of `radix` in the fewest bits per
// value, if that beats bit-packing (ceil(log2 R) bits); 0 otherwise.
uint32_t BestRadixDigits(uint64_t radix);
// BestRadixDigits, or else the most digits a unit holds (forced encodings).
uint32_t ForcedRadixDigits(uint32_t radix);
// Whether a forced radix encoding applies: for_radix to a value range below
// 2^21, dictionary_radix to 2 .. 2^21 distinct values.
bool RadixApplies(Encoding e, const PageValues& in);
// Bytes of the units of `count` values (the last superblock has only the
// digits it needs). REQUIRES: ValidRadixShape.
uint64_t RadixUnitsBytes(uint32_t count, uint32_t radix, uint32_t digits);
// Appends the units of u[0..count), each < radix.
void AppendRadixUnits(const uint32_t* u, uint32_t count, uint32_t radix, uint32_t digits, std::vector<uint8_t>* out);

struct RadixShapeHeader {
  uint32_t radix;
  uint32_t digits;
};
// Checks the u8 digit count at p (then 3 zero bytes) against `radix`.
Result<RadixShapeHeader> ParseRadixShape(Encoding e, PhysicalType t, uint32_t count, uint64_t radix,
                                         const uint8_t* p);

// Reads the digits of a validated units section, a row of 1024 at a time,
// keeping the last superblock it unpacked.
class RadixUnits {
 public:
  RadixUnits(const uint8_t* units, uint32_t radix, uint32_t digits, uint32_t count);
  // Copies the shape, not the buffers (24 KB, filled on use): a decoder
  // takes a copy of the RadixUnits its page was checked with.
  RadixUnits(const RadixUnits& o);
  RadixUnits& operator=(const RadixUnits&) = delete;
  // base + the digits of values [position, position + 1024) into
  // out[0..1024) (digits past the page's end are 0): position a multiple of
  // 1024. O: uint8_t .. uint64_t. Corruption if a unit is out of range.
  template <typename O>
  Status Digits(uint32_t position, O base, O* out, Encoding e, PhysicalType t);
  // The digits of values [position, position + 1024) (position a multiple
  // of 1024) as a view valid until the next call, without a base. Units
  // of up to kRowDigits digits have every row of their superblock made in
  // one pass when it is loaded (each digit from the quotient left by the
  // one below, rather than each from the unit); others are extracted into
  // a buffer of the object. Corruption as Digits.
  Result<const uint32_t*> Row(uint32_t position, Encoding e, PhysicalType t);
  static constexpr uint32_t kRowDigits = 4;
  // Corruption unless the digits after the last value are zero.
  Status CheckTail(Encoding e, PhysicalType t);

 private:
  uint32_t DigitsOf(uint32_t s) const { return s + 1 == superblocks_ ? last_digits_ : digits_; }
  void Load(uint32_t s);

  const uint8_t* units_;
  uint32_t radix_, digits_, count_;
  uint32_t superblocks_ = 0, last_digits_ = 0, width_ = 0;
  uint32_t pow_[kMaxRadixDigits + 1] = {};
  float inv_pow_[kMaxRadixDigits] = {};
  // Superblock `s`, its rows made (kRowDigits or fewer digits); the error of
  // a top digit out of range when its row is asked for.
  void LoadRows(uint32_t s);
  Status TopDigitError(uint32_t s, Encoding e, PhysicalType t) const;

  uint32_t loaded_ = UINT32_MAX;
  uint32_t rows_of_ = UINT32_MAX;  // the superblock whose rows are in rows_
  bool rows_bad_ = false;          // a top digit of rows_of_ is out of range
  alignas(64) uint32_t unit_[kBlockSize];
  alignas(64) uint32_t copy_[kBlockSize];
  alignas(64) uint32_t rows_[kRowDigits * kBlockSize];
};

// dictionary_sparse (11, sparse.cc): the dominant code, an exception
// bitmap, the other codes (minus one above the dominant) in radix
// max(2, D - 1).
struct SparsePage {
  uint32_t dominant = 0;
  uint32_t exceptions = 0;
  uint32_t digits = 1;
  const uint8_t* bitmap = nullptr;  // pad8(ceil(count / 8)) bytes
  const uint8_t* units = nullptr;
};
uint64_t SparseBitmapBytes(uint32_t count);
uint64_t DictionarySparseSize(uint64_t entry_bytes, uint32_t dict_size, uint32_t count, uint32_t exceptions);
// The most frequent code of `dict` and how often it occurs.
uint32_t DominantCode(const Dictionary& dict, uint32_t* occurrences);
// REQUIRES: dict.first.size() >= 2.
Status EncodeDictionarySparse(const PageValues& in, const Dictionary& dict, uint32_t dominant,
                              std::vector<uint8_t>* out);
DecoderResult MakeDictionarySparseDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// for_radix (9): u[i] = v[i] - base < radix.
void EncodeForRadix(const PageValues& in, uint64_t base, uint32_t radix, uint32_t digits, std::vector<uint8_t>* out);
DecoderResult MakeForRadixDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);
// dictionary_radix (10): the codes of `dict` in radix dict size (>= 2).
Status EncodeDictionaryRadix(const PageValues& in, const Dictionary& dict, uint32_t digits, std::vector<uint8_t>* out);
DecoderResult MakeDictionaryRadixDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);

// ---- analysis (choose.cc) -----------------------------------------------------

// What one pass over an integer page finds. W values zero-extended to u64.
struct IntegerStats {
  uint64_t min = 0;         // the smallest value (FOR base)
  uint32_t for_width = 0;   // bits of max - min
  uint64_t min_delta = 0;   // the smallest delta read as signed W (0 for one value)
  // Per 1024-value block: bits of (largest delta in the block - min_delta).
  std::vector<uint8_t> delta_widths;
  uint32_t runs = 0;        // maximal runs of equal values
  uint64_t range = 0;       // max - min as W
};
IntegerStats AnalyzeIntegers(const PageValues& in);  // REQUIRES: integer type, count > 0

// Maximal runs of equal bit patterns (strings: equal bytes). REQUIRES: count > 0.
uint32_t CountRuns(const PageValues& in);

// The limits of the page dictionary that the automatic choice, the radix
// and the byte-plane candidates share: count/2 entries (at most 65536),
// probe on. max_size 0: no dictionary is tried.
inline DictionaryLimits PageDictionaryLimits(uint32_t count) {
  return DictionaryLimits{std::min<uint32_t>(count / 2, 65536), true};
}

// The state behind format::PageAnalysis: each part computed on first use.
struct PageAnalysisState {
  PageValues in;
  bool has_integers = false;
  IntegerStats integers;
  enum class DictionaryState : uint8_t { kUnknown, kBuilt, kNone };
  DictionaryState dictionary_state = DictionaryState::kUnknown;
  Dictionary dictionary;
  // Scratch of the byte-plane candidate, kept from page to page.
  std::vector<uint64_t> residuals, delta_residuals;
  std::vector<std::vector<uint8_t>> planes;

  void Reset(const PageValues& page) {
    in = page;
    has_integers = false;
    dictionary_state = DictionaryState::kUnknown;
  }
  // AnalyzeIntegers(in). REQUIRES: integer type, count > 0.
  const IntegerStats& Integers() {
    if (!has_integers) {
      integers = AnalyzeIntegers(in);
      has_integers = true;
    }
    return integers;
  }
  // The dictionary built with PageDictionaryLimits(count), or nullptr where
  // it gave up (or none is tried). REQUIRES: type not kBool, count > 0.
  const Dictionary* PageDictionary() {
    if (dictionary_state == DictionaryState::kUnknown) {
      const DictionaryLimits limits = PageDictionaryLimits(in.count);
      const bool built = limits.max_size > 0 && BuildDictionary(in, limits, &dictionary);
      dictionary_state = built ? DictionaryState::kBuilt : DictionaryState::kNone;
    }
    return dictionary_state == DictionaryState::kBuilt ? &dictionary : nullptr;
  }
};

// The state of `analysis` for page `in`, or else `local` reset to `in`.
// An analysis of another page (other values, count or type) starts over.
inline PageAnalysisState& StateFor(const PageValues& in, PageAnalysis* analysis, PageAnalysisState* local) {
  PageAnalysisState& s = analysis != nullptr ? analysis->state() : *local;
  if (analysis == nullptr || s.in.type != in.type || s.in.count != in.count || s.in.values != in.values ||
      s.in.strings != in.strings) {
    s.Reset(in);
  }
  return s;
}

}  // namespace dp::format::internal
