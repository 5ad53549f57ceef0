// Automatic choice of a page's encoding: one analysis pass, the exact size
// of each candidate (spec/format.md §"Encodings" gives every size formula),
// then the smallest, with a preference for the faster decoders.
#include <limits>

#include "format/encoding/internal.h"

namespace dp::format {
namespace internal {
namespace {

template <typename T>
IntegerStats AnalyzeIntegersT(const T* v, uint32_t count) {
  using W = WordOf<T>;
  using S = std::make_signed_t<W>;
  T lo = v[0], hi = v[0];
  S dlo = std::numeric_limits<S>::max();
  uint32_t changes = 0;
  // Largest delta of each block (slot 0 of block 0 has no delta).
  std::vector<S> block_dhi(NumBlocks(count), std::numeric_limits<S>::min());
  for (uint32_t b = 0; b < block_dhi.size(); ++b) {
    const uint32_t end = std::min(count, (b + 1) * kBlockSize);
    S dhi = std::numeric_limits<S>::min();
    for (uint32_t i = std::max(1u, b * kBlockSize); i < end; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
      const auto d = S(W(ToWord(v[i]) - ToWord(v[i - 1])));
      dlo = std::min(dlo, d);
      dhi = std::max(dhi, d);
      changes += v[i] != v[i - 1];
    }
    block_dhi[b] = dhi;
  }
  IntegerStats s;
  s.min = ToWord(lo);
  s.range = W(ToWord(hi) - ToWord(lo));
  s.for_width = uint32_t(std::bit_width(W(s.range)));
  if (count > 1) s.min_delta = W(dlo);
  s.delta_widths.resize(block_dhi.size());
  for (size_t b = 0; b < block_dhi.size(); ++b) {
    // A block with no delta (a one-value page) packs only slot 0 = 0.
    const bool none = block_dhi[b] == std::numeric_limits<S>::min() && count <= 1;
    s.delta_widths[b] = none ? 0 : uint8_t(std::bit_width(W(W(block_dhi[b]) - W(dlo))));  // the range fits W
  }
  s.runs = changes + 1;
  return s;
}

template <typename V>
uint32_t CountRunsT(const V* v, uint32_t count) {
  uint32_t changes = 0;
  for (uint32_t i = 1; i < count; ++i) changes += v[i] != v[i - 1];
  return changes + 1;
}

bool AllStringsEqual(const PageValues& in) {
  for (uint32_t i = 1; i < in.count; ++i) {
    if (!EqualBytes(in.strings[i], in.strings[0])) return false;
  }
  return true;
}

// Smallest of the candidates that apply; `size` is the exact payload size.
struct Choice {
  Encoding encoding;
  uint64_t size;
};

// RLE decodes slower than bit-packing: it must halve the size to be taken.
void ConsiderRle(uint32_t runs, int value_width, Choice* best) {
  const uint64_t size = RleSize(runs, value_width);
  if (2 * size < best->size) *best = {Encoding::kRle, size};
}

// A dictionary if it is smaller than the best so far. It is not
// built beyond count/2 entries (or 65536), nor when half of the first 4096
// values are distinct: past that it rarely pays and decodes slower.
// The page dictionary is shared with the other candidates (PageAnalysis).
const Dictionary* ConsiderDictionary(PageAnalysisState& a, Choice* best) {
  const Dictionary* dict = a.PageDictionary();
  if (dict == nullptr) return nullptr;
  const uint64_t size = DictionarySize(dict->first.size(), dict->entry_bytes, a.in.count);
  if (size < best->size) *best = {Encoding::kDictionary, size};
  return dict;
}

}  // namespace

IntegerStats AnalyzeIntegers(const PageValues& in) {
  return VisitInteger(in.type, [&](auto t) {
    using T = decltype(t);
    return AnalyzeIntegersT(static_cast<const T*>(in.values), in.count);
  });
}

uint32_t CountRuns(const PageValues& in) {
  if (in.type == PhysicalType::kBytes) return CountRunsT(in.strings, in.count);
  return VisitBits(in.type, [&](auto b) {
    using B = decltype(b);
    return CountRunsT(static_cast<const B*>(in.values), in.count);
  });
}

}  // namespace internal

PageAnalysis::PageAnalysis() : state_(std::make_unique<internal::PageAnalysisState>()) {}
PageAnalysis::~PageAnalysis() = default;
void PageAnalysis::Reset(const PageValues& in) { state_->Reset(in); }
const std::vector<uint32_t>* PageAnalysis::distinct_positions() const {
  return state_->dictionary_state == internal::PageAnalysisState::DictionaryState::kBuilt ? &state_->dictionary.first
                                                                                          : nullptr;
}

Result<Encoding> EncodeValues(const PageValues& in, const EncodeOptions& options, std::vector<uint8_t>* out,
                              PageAnalysis* analysis) {
  using namespace internal;
  if (in.count == 0) return Encoding::kPlain;  // an empty payload, whatever the encoding
  const bool radix = options.force == Encoding::kForRadix || options.force == Encoding::kDictionaryRadix ||
                     options.force == Encoding::kDictionarySparse;
  if (options.force && EncodingSupports(*options.force, in.type) &&
      (*options.force != Encoding::kConstant || CountRuns(in) == 1) && (!radix || RadixApplies(*options.force, in))) {
    DP_RETURN_IF_ERROR(EncodeWith(*options.force, in, out));
    return *options.force;
  }

  PageAnalysisState local;
  PageAnalysisState& a = StateFor(in, analysis, &local);
  const PhysicalType t = in.type;
  const int width = PhysicalWidth(t);
  if (IsIntegerPhysical(t)) {
    const IntegerStats& s = a.Integers();
    if (s.runs == 1) {
      DP_RETURN_IF_ERROR(EncodeConstant(in, out));
      return Encoding::kConstant;
    }
    // FOR decodes fastest after plain; delta must save 10% to be taken.
    Choice best{Encoding::kForBitpack, ForSize(in.count, s.for_width)};
    const uint64_t delta = DeltaSize(s.delta_widths);
    if (10 * delta < 9 * best.size) best = {Encoding::kDeltaBitpack, delta};
    const uint64_t plain = PlainSize(t, in.count, 0);
    if (plain <= best.size) best = {Encoding::kPlain, plain};
    ConsiderRle(s.runs, width, &best);
    // Low-cardinality integers spread over a wide range (status codes, ids of
    // a few tenants): a dictionary, but only where it saves a quarter, since
    // codes decode slower than FOR. Narrow ranges never need one.
    // Pages where delta or RLE already won are ordered or repetitive; the
    // attempt (hashing up to 4096 values) is skipped there.
    const Dictionary* dict = nullptr;
    if (s.for_width >= 8 && (best.encoding == Encoding::kForBitpack || best.encoding == Encoding::kPlain)) {
      Choice with_dict = best;
      dict = ConsiderDictionary(a, &with_dict);
      if (with_dict.encoding == Encoding::kDictionary && 4 * with_dict.size < 3 * best.size) best = with_dict;
    }
    switch (best.encoding) {
      case Encoding::kDictionary: DP_RETURN_IF_ERROR(EncodeDictionary(in, *dict, out)); break;
      case Encoding::kForBitpack: EncodeFor(in, s.min, s.for_width, out); break;
      case Encoding::kDeltaBitpack: EncodeDelta(in, s.min_delta, s.delta_widths, out); break;
      case Encoding::kRle: EncodeRle(in, s.runs, out); break;
      default: DP_RETURN_IF_ERROR(EncodePlain(in, out)); break;
    }
    return best.encoding;
  }

  // Strings need no run count (no RLE for them): only whether all are equal.
  const uint32_t runs = t == PhysicalType::kBytes ? (AllStringsEqual(in) ? 1 : 2) : CountRuns(in);
  if (runs == 1) {
    DP_RETURN_IF_ERROR(EncodeConstant(in, out));
    return Encoding::kConstant;
  }
  uint64_t string_bytes = 0;
  if (t == PhysicalType::kBytes) {
    for (uint32_t i = 0; i < in.count; ++i) string_bytes += in.strings[i].size();
  }
  Choice best{Encoding::kPlain, PlainSize(t, in.count, string_bytes)};
  const Dictionary* dict = nullptr;
  if (t != PhysicalType::kBool) dict = ConsiderDictionary(a, &best);
  if (t != PhysicalType::kBytes) ConsiderRle(runs, width, &best);
  switch (best.encoding) {
    case Encoding::kDictionary: DP_RETURN_IF_ERROR(EncodeDictionary(in, *dict, out)); break;
    case Encoding::kRle: EncodeRle(in, runs, out); break;
    default: DP_RETURN_IF_ERROR(EncodePlain(in, out)); break;
  }
  return best.encoding;
}

}  // namespace dp::format
