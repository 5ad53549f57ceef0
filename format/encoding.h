// Page value encodings: the bytes of a page body after the validity bitmap.
// Byte layout of every encoding: spec/format.md §"Encodings".
//
// A page holds `count` values of one physical type. Null positions were
// already replaced by a placeholder by the writer (see storage/), so an
// encoding sees a dense array. Decoding works in blocks of 1024 values; a
// decoder validates everything it reads against the payload bounds and
// returns Corruption, never reads or writes outside its buffers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/types.h"
#include "dp/writer.h"  // dp::Encoding, dp::Codec (on-disk ids)

namespace dp::format {

inline constexpr uint32_t kBlockSize = 1024;  // values per decode block
static_assert((kBlockSize & (kBlockSize - 1)) == 0, "block size must be a power of two");

// How values are laid out in memory and on disk (several logical types share
// one physical type: timestamp -> kI64, date32 -> kI32, binary -> kBytes).
enum class PhysicalType : uint8_t {
  kBool, kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64, kF32, kF64, kBytes,
};

PhysicalType PhysicalTypeOf(TypeId id);
// Bytes per value in memory: kBool 1 (uint8_t 0/1), kBytes 0.
int PhysicalWidth(PhysicalType t);
bool IsIntegerPhysical(PhysicalType t);  // kI8..kU64
bool IsSignedPhysical(PhysicalType t);
std::string_view PhysicalTypeName(PhysicalType t);

// True if `e` can encode values of `t` (e.g. delta only for integers).
bool EncodingSupports(Encoding e, PhysicalType t);

// One page of dense values.
struct PageValues {
  PhysicalType type = PhysicalType::kI64;
  uint32_t count = 0;
  const void* values = nullptr;               // fixed width: `count` C values
  const std::string_view* strings = nullptr;  // kBytes
};

struct EncodeOptions {
  // Use this encoding if EncodingSupports(); otherwise choose automatically.
  std::optional<Encoding> force;
};

namespace internal {
struct PageAnalysisState;
}

// What the encoders learn about one page, shared by EncodeValues,
// EncodeRadix and EncodeBytePlanes: the integer statistics and the page
// dictionary are computed once, by whichever encoder needs them first,
// instead of once per candidate. It also keeps scratch buffers from page to
// page. With or without it, every encoder chooses and writes exactly the
// same bytes. Not thread-safe: one per thread (the writer keeps one per
// column).
//
//   PageAnalysis analysis;
//   analysis.Reset(page);
//   EncodeValues(page, options, &body, &analysis);
//   EncodeRadix(page, limit, &radix, &analysis);
class PageAnalysis {
 public:
  PageAnalysis();
  ~PageAnalysis();
  PageAnalysis(const PageAnalysis&) = delete;
  PageAnalysis& operator=(const PageAnalysis&) = delete;

  // Forgets what was learnt and starts on page `in`.
  // REQUIRES: `in` and the values it views stay unchanged until the next
  // Reset() while encoders are given this analysis.
  void Reset(const PageValues& in);

  // The position of the first occurrence of each distinct value, in the
  // order of the dictionary's entries (ascending by bit pattern or bytes),
  // if an encoder built the page's dictionary; nullptr if none was built,
  // or the page has too many distinct values for one.
  const std::vector<uint32_t>* distinct_positions() const;

  internal::PageAnalysisState& state() { return *state_; }

 private:
  std::unique_ptr<internal::PageAnalysisState> state_;
};

// Chooses the encoding for the page (by computing the exact encoded size of
// each candidate from one analysis pass, preferring faster-to-decode
// encodings unless a slower one is clearly smaller) and appends the encoded
// payload to `out`. Returns the encoding used. Never fails on valid input;
// InvalidArgument for inputs beyond the limits (e.g. > 4 GiB of strings).
// `analysis` (optional): the page's shared analysis, Reset() to `in`.
Result<Encoding> EncodeValues(const PageValues& in, const EncodeOptions& options,
                              std::vector<uint8_t>* out, PageAnalysis* analysis = nullptr);

// The byte-plane candidate of a page (for_planes or delta_planes for
// integers, whichever its entropy estimate favours; dictionary_planes for
// floats and strings with a small dictionary): appends its payload and
// returns its encoding if the payload is at most `limit` bytes; otherwise
// leaves `out` as it was and returns nullopt (also for bool, empty or
// constant pages). The writer compares `limit` with the stored size of the
// EncodeValues() choice after the codec. `analysis` as for EncodeValues().
Result<std::optional<Encoding>> EncodeBytePlanes(const PageValues& in, uint64_t limit, std::vector<uint8_t>* out,
                                                 PageAnalysis* analysis = nullptr);

// The radix candidate of a page (for_radix for integers of a range below
// 2^21, dictionary_radix for other types with a small dictionary), where it
// stores fewer bits per value than bit-packing: appends its payload and
// returns its encoding if the payload is at most `limit` bytes; otherwise
// leaves `out` as it was and returns nullopt (also for bool, empty or
// constant pages). `analysis` as for EncodeValues().
Result<std::optional<Encoding>> EncodeRadix(const PageValues& in, uint64_t limit, std::vector<uint8_t>* out,
                                            PageAnalysis* analysis = nullptr);

// The required-feature bits (format/version.h) a file with a page of `e`
// must set: 0 for the encodings of format 1.0.
uint64_t RequiredFeatures(Encoding e);

// Encodes with exactly `e` (REQUIRES: EncodingSupports(e, in.type)).
Status EncodeWith(Encoding e, const PageValues& in, std::vector<uint8_t>* out);

// Streams the values of one page payload, a block of <= 1024 at a time.
class PageDecoder {
 public:
  virtual ~PageDecoder() = default;

  // Parses and validates the payload header and structure (sizes consistent
  // with `count`, bit widths within the type, run ends increasing, string
  // offsets increasing and within bounds, ...). `payload` must outlive the
  // decoder; returned values/string views may point into it.
  static Result<std::unique_ptr<PageDecoder>> Make(Encoding e, PhysicalType t,
                                                   std::span<const uint8_t> payload,
                                                   uint32_t count);

  // Decodes the next min(1024, remaining) values. Fixed width: returns a
  // pointer to them, either `scratch` (room for 1024 values, 64-byte
  // aligned) or a zero-copy pointer into the payload. kBytes: fills
  // `strings_scratch` (room for 1024 views) and returns it. Corruption if a
  // value fails validation (e.g. a dictionary code out of range).
  virtual Result<const void*> Next(void* scratch, std::string_view* strings_scratch,
                                   uint32_t* n) = 0;

  // Skips the next `n` values (n a multiple of 1024, or the rest).
  virtual Status Skip(uint32_t n) = 0;

  // Kernels on encoded data (storage/scan/): dictionary and constant pages
  // expose their distinct entries and one code per value, so that filters
  // and group keys are evaluated once per entry. Entries: fixed width
  // `size` C values (`values`), or views (`strings`, kBytes).
  struct DictionaryView {
    uint32_t size = 0;  // 0: this page has no dictionary view
    const void* values = nullptr;
    const std::string_view* strings = nullptr;
  };
  virtual DictionaryView dictionary() const { return {}; }
  // Like Next(), but returns the codes (each < dictionary().size) of the next
  // min(1024, remaining) values. REQUIRES: dictionary().size > 0.
  virtual Result<const uint32_t*> NextCodes(uint32_t* n);

  // Pages of one dominant code (dictionary_sparse): the next min(1024,
  // remaining) values as that code and the offsets (in the block,
  // increasing) and codes of the values that differ from it, so that
  // kernels touch only those. Decoders of other pages return false.
  struct SparseCodes {
    uint32_t dominant = 0;
    uint32_t exceptions = 0;
    const uint16_t* offsets = nullptr;
    const uint32_t* codes = nullptr;  // each < dictionary().size, != dominant
    // The n codes of the block into out (room for n).
    void Expand(uint32_t n, uint32_t* out) const {
      std::fill_n(out, n, dominant);
      for (uint32_t k = 0; k < exceptions; ++k) out[offsets[k]] = codes[k];
    }
  };
  // Run-length pages (rle): the next min(1024, remaining) values as runs
  // in order, values[k] (C values of the page's type, 64-byte aligned)
  // repeated lengths[k] >= 1 times, the lengths summing to the block's
  // size; so that kernels test, sum or compare each run once. Views into
  // the decoder, valid until its next call. Decoders of other pages return
  // false from runs().
  struct Runs {
    uint32_t count = 0;
    const uint32_t* lengths = nullptr;
    const void* values = nullptr;
  };
  virtual bool runs() const { return false; }
  // REQUIRES: runs().
  virtual Result<Runs> NextRuns(uint32_t* n);

  virtual bool sparse() const { return false; }
  // REQUIRES: sparse().
  virtual Result<SparseCodes> NextSparse(uint32_t* n);

  // Bounds of the next min(1024, remaining) values without decoding them,
  // where the page proves they never decrease: delta encodings of a signed
  // integer type as wide as its word (i32, i64) whose min_delta is >= 0,
  // when the block's values do not wrap past the type's maximum. Then
  // lo <= v[0] <= v[1] <= ... <= v[n-1] == hi. The position is unchanged.
  // False (nothing known) for every other page and block. Kernels use it
  // to settle a range test or a time bucket for a whole block of a sorted
  // column without materializing it.
  virtual bool PeekBounds(int64_t* lo, int64_t* hi);

  // The values at offsets sel[0..m) of the next min(1024, remaining())
  // values (sel increasing, each below that count) into `out` (m C values,
  // fixed width), moving past the block as Next() does and setting *n to
  // its size. For encodings that reach one value without decoding its
  // block (for_bitpack, for_planes), so that a selective filter's rows cost
  // a few instructions each instead of a block decode. False for the
  // others, the position unchanged: use Next(). Nothing is validated that
  // Make() did not (the values of these encodings cannot be invalid).
  virtual bool NextSelected(const uint32_t* sel, uint32_t m, void* out, uint32_t* n);

  uint32_t count() const { return count_; }
  uint32_t remaining() const { return count_ - position_; }

 protected:
  uint32_t count_ = 0;
  uint32_t position_ = 0;
};

// Decodes all `count` values. Fixed width: `out` has room for count values.
// kBytes: `out_strings` has room for count views (pointing into `payload`).
Status DecodeAll(Encoding e, PhysicalType t, std::span<const uint8_t> payload, uint32_t count,
                 void* out, std::string_view* out_strings);

}  // namespace dp::format
