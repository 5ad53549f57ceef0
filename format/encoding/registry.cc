// The table of page encodings (spec/format.md §"Encodings"): forced
// encoding, decoder construction and whole-page decoding dispatch through it.
#include "format/encoding/internal.h"
#include "format/version.h"

namespace dp::format {
namespace internal {
namespace {

struct EncodingOps {
  std::string_view name;
  DecoderResult (*make_decoder)(PhysicalType t, std::span<const uint8_t> payload, uint32_t count);
  uint64_t required_features;  // format/version.h bits a file using it sets
};

// Indexed by the on-disk id.
constexpr EncodingOps kEncodings[] = {
    {"plain", &MakePlainDecoder, 0},                                           // 0
    {"for_bitpack", &MakeForDecoder, 0},                                       // 1
    {"delta_bitpack", &MakeDeltaDecoder, 0},                                   // 2
    {"rle", &MakeRleDecoder, 0},                                               // 3
    {"dictionary", &MakeDictionaryDecoder, 0},                                 // 4
    {"constant", &MakeConstantDecoder, 0},                                     // 5
    {"for_planes", &MakeForPlanesDecoder, kFeatureBytePlanes},                 // 6
    {"delta_planes", &MakeDeltaPlanesDecoder, kFeatureBytePlanes},             // 7
    {"dictionary_planes", &MakeDictionaryPlanesDecoder, kFeatureBytePlanes},   // 8
    {"for_radix", &MakeForRadixDecoder, kFeatureRadix},                        // 9
    {"dictionary_radix", &MakeDictionaryRadixDecoder, kFeatureRadix},          // 10
    {"dictionary_sparse", &MakeDictionarySparseDecoder, kFeatureRadix},        // 11
};
static_assert(std::size(kEncodings) == kMaxEncoding + 1, "one entry per dp::Encoding");

const EncodingOps* Find(Encoding e) {
  const auto id = static_cast<uint8_t>(e);
  return id < std::size(kEncodings) ? &kEncodings[id] : nullptr;
}

// The decoder of a page without values.
class EmptyDecoder final : public BlockDecoder {
 public:
  EmptyDecoder() : BlockDecoder(0) {}
  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = 0;
    return static_cast<const void*>(scratch);
  }
};

}  // namespace


Status PageCorruption(Encoding e, PhysicalType t, uint32_t count, std::string_view what) {
  std::string msg(EncodingName(e));
  msg += " page of ";
  msg += std::to_string(count);
  msg += ' ';
  msg += PhysicalTypeName(t);
  msg += " values: ";
  msg += what;
  return Status::Corruption(std::move(msg));
}

Status CheckPayloadSize(Encoding e, PhysicalType t, uint32_t count, uint64_t actual, uint64_t expected) {
  if (actual == expected) return Status::OK();
  return PageCorruption(e, t, count,
                        "payload is " + std::to_string(actual) + " bytes, its header implies " +
                            std::to_string(expected));
}

Status BlockDecoder::CheckSkip(uint32_t n) const {
  if (n > remaining()) {
    return Status::InvalidArgument("cannot skip " + std::to_string(n) + " values, only " +
                                   std::to_string(remaining()) + " remain in the page");
  }
  if (n % kBlockSize != 0 && n != remaining()) {
    return Status::InvalidArgument("cannot skip " + std::to_string(n) +
                                   " values: not a multiple of 1024 nor the rest of the page");
  }
  return Status::OK();
}

}  // namespace internal

uint64_t RequiredFeatures(Encoding e) {
  const auto* ops = internal::Find(e);
  return ops ? ops->required_features : 0;
}

Result<const uint32_t*> PageDecoder::NextCodes(uint32_t* n) {
  *n = 0;
  return Status::Internal("NextCodes on a page without a dictionary view");
}

Result<PageDecoder::Runs> PageDecoder::NextRuns(uint32_t* n) {
  *n = 0;
  return Status::Internal("NextRuns on a page that is not run-length encoded");
}

Result<PageDecoder::SparseCodes> PageDecoder::NextSparse(uint32_t* n) {
  *n = 0;
  return Status::Internal("NextSparse on a page without a dominant code");
}

bool PageDecoder::PeekBounds(int64_t*, int64_t*) { return false; }

bool PageDecoder::NextSelected(const uint32_t*, uint32_t, void*, uint32_t*) { return false; }

Status EncodeWith(Encoding e, const PageValues& in, std::vector<uint8_t>* out) {
  using namespace internal;
  if (!EncodingSupports(e, in.type)) {
    return Status::InvalidArgument(std::string(EncodingName(e)) + " encoding cannot hold " +
                                   std::string(PhysicalTypeName(in.type)) + " values");
  }
  if (in.count == 0) return Status::OK();  // every encoding: empty payload
  switch (e) {
    case Encoding::kPlain: return EncodePlain(in, out);
    case Encoding::kForBitpack: {
      const IntegerStats s = AnalyzeIntegers(in);
      EncodeFor(in, s.min, s.for_width, out);
      return Status::OK();
    }
    case Encoding::kDeltaBitpack: {
      const IntegerStats s = AnalyzeIntegers(in);
      EncodeDelta(in, s.min_delta, s.delta_widths, out);
      return Status::OK();
    }
    case Encoding::kRle: EncodeRle(in, CountRuns(in), out); return Status::OK();
    case Encoding::kDictionary: {
      Dictionary dict;
      BuildDictionary(in, DictionaryLimits{}, &dict);
      return EncodeDictionary(in, dict, out);
    }
    case Encoding::kConstant:
      if (CountRuns(in) != 1) {
        return Status::InvalidArgument("constant encoding needs all " + std::to_string(in.count) +
                                       " values of the page to be equal");
      }
      return EncodeConstant(in, out);
    case Encoding::kForPlanes:
    case Encoding::kDeltaPlanes: return EncodeIntegerPlanes(e, in, out);
    case Encoding::kDictionaryPlanes: {
      Dictionary dict;
      BuildDictionary(in, DictionaryLimits{}, &dict);
      return EncodeDictionaryPlanes(in, dict, out);
    }
    case Encoding::kForRadix: {
      // A forced radix of range + 1, however many digits fit (1 at worst).
      const IntegerStats s = AnalyzeIntegers(in);
      if (s.range >= kMaxRadixUnit) {
        return Status::InvalidArgument("for_radix encoding needs a value range below 2^21, the page spans " +
                                       std::to_string(s.range));
      }
      const uint32_t radix = std::max<uint32_t>(2, uint32_t(s.range + 1));
      EncodeForRadix(in, s.min, radix, ForcedRadixDigits(radix), out);
      return Status::OK();
    }
    case Encoding::kDictionaryRadix: {
      Dictionary dict;
      BuildDictionary(in, DictionaryLimits{}, &dict);
      const auto size = uint32_t(dict.first.size());
      if (size < 2 || size > kMaxRadixUnit) {
        return Status::InvalidArgument("dictionary_radix encoding needs 2 to 2^21 distinct values, the page has " +
                                       std::to_string(size));
      }
      return EncodeDictionaryRadix(in, dict, ForcedRadixDigits(size), out);
    }
    case Encoding::kDictionarySparse: {
      Dictionary dict;
      BuildDictionary(in, DictionaryLimits{}, &dict);
      if (dict.first.size() < 2 || dict.first.size() > kMaxRadixUnit) {
        return Status::InvalidArgument("dictionary_sparse encoding needs 2 to 2^21 distinct values, the page has " +
                                       std::to_string(dict.first.size()));
      }
      uint32_t occurrences = 0;
      return EncodeDictionarySparse(in, dict, DominantCode(dict, &occurrences), out);
    }
  }
  return Status::InvalidArgument("unknown encoding id " + std::to_string(static_cast<int>(e)));
}

Result<std::unique_ptr<PageDecoder>> PageDecoder::Make(Encoding e, PhysicalType t, std::span<const uint8_t> payload,
                                                       uint32_t count) {
  using namespace internal;
  const EncodingOps* ops = Find(e);
  if (ops == nullptr) {
    return Status::Corruption("page of " + std::to_string(count) + " " + std::string(PhysicalTypeName(t)) +
                              " values has unknown encoding id " + std::to_string(static_cast<int>(e)));
  }
  if (!EncodingSupports(e, t)) return PageCorruption(e, t, count, "this encoding cannot hold this type");
  if (count == 0) {
    DP_RETURN_IF_ERROR(CheckPayloadSize(e, t, count, payload.size(), 0));
    return std::unique_ptr<PageDecoder>(new EmptyDecoder());
  }
  return ops->make_decoder(t, payload, count);
}

Status DecodeAll(Encoding e, PhysicalType t, std::span<const uint8_t> payload, uint32_t count, void* out,
                 std::string_view* out_strings) {
  DP_ASSIGN_OR_RETURN(std::unique_ptr<PageDecoder> decoder, PageDecoder::Make(e, t, payload, count));
  // Whole blocks decode straight into the output; the last partial one goes
  // through `tail`, as decoders write whole blocks.
  alignas(64) uint8_t tail[kBlockSize * 8];
  std::string_view tail_strings[kBlockSize];
  const size_t width = t == PhysicalType::kBytes ? 0 : PhysicalWidth(t);
  auto* bytes = static_cast<uint8_t*>(out);
  for (uint32_t pos = 0; pos < count;) {
    const bool whole = count - pos >= kBlockSize;
    uint32_t n = 0;
    if (t == PhysicalType::kBytes) {
      std::string_view* dst = out_strings + pos;
      std::string_view* scratch = whole ? dst : tail_strings;
      DP_ASSIGN_OR_RETURN(const void* got, decoder->Next(nullptr, scratch, &n));
      if (got != dst) std::copy_n(static_cast<const std::string_view*>(got), n, dst);
    } else {
      uint8_t* dst = bytes + size_t{pos} * width;
      void* scratch = whole && reinterpret_cast<uintptr_t>(dst) % width == 0 ? dst : tail;
      DP_ASSIGN_OR_RETURN(const void* got, decoder->Next(scratch, nullptr, &n));
      if (got != dst) std::memcpy(dst, got, size_t{n} * width);
    }
    pos += n;
  }
  return Status::OK();
}

}  // namespace dp::format

namespace dp {

// Declared in dp/writer.h; names come from the encoding table above.
std::string_view EncodingName(Encoding e) {
  const auto* ops = format::internal::Find(e);
  return ops ? ops->name : "unknown";
}

}  // namespace dp
