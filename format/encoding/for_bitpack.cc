// for_bitpack (1): frame of reference + bit-packed blocks, integers only.
// Layout: spec/format.md §"Encodings" / "for_bitpack (1)" and §"Bit-packed
// blocks".
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kForBitpack;
// NextSelected() reads values one by one for at most 1 in kSelectedShare
// of the block's values; a denser selection unpacks the block.
constexpr uint32_t kSelectedShare = 32;

template <typename T>
class ForDecoder final : public BlockDecoder {
  using W = WordOf<T>;

 public:
  ForDecoder(PackedBlocks<W> blocks, W base, uint32_t count) : BlockDecoder(count), blocks_(blocks), base_(base) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);  // no block left to read
    const W* in = blocks_.Block(position_ / kBlockSize, copy_);
    if constexpr (sizeof(T) == sizeof(W)) {
      UnpackFor1024(in, blocks_.width(), base_, static_cast<W*>(scratch));
    } else {
      UnpackFor1024(in, blocks_.width(), base_, words_);
      auto* out = static_cast<T*>(scratch);
      for (uint32_t i = 0; i < *n; ++i) out[i] = T(words_[i]);
    }
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

  bool NextSelected(const uint32_t* sel, uint32_t m, void* out, uint32_t* n) override {
    if (m > NextCount() / kSelectedShare) return false;
    *n = NextCount();
    const uint32_t b = position_ / kBlockSize;
    auto* o = static_cast<T*>(out);
    for (uint32_t k = 0; k < m; ++k) o[k] = T(W(base_ + blocks_.At(b, sel[k])));
    position_ += *n;
    return true;
  }

 private:
  PackedBlocks<W> blocks_;
  W base_;
  alignas(64) W copy_[kBlockSize];
  alignas(64) W words_[kBlockSize];
};

template <typename T>
void EncodeForT(const T* v, uint32_t count, WordOf<T> base, uint32_t width, std::vector<uint8_t>* out) {
  using W = WordOf<T>;
  Append<uint64_t>(out, base);
  Append<uint64_t>(out, width);  // u8 width + 7 zero bytes
  AppendPackedBlocks<W>(
      count, width,
      [&](uint32_t begin, uint32_t n, W* words) {
        for (uint32_t i = 0; i < n; ++i) words[i] = W(ToWord(v[begin + i]) - base);
      },
      out);
}

}  // namespace

void EncodeFor(const PageValues& in, uint64_t base, uint32_t width, std::vector<uint8_t>* out) {
  VisitInteger(in.type, [&](auto t) {
    using T = decltype(t);
    EncodeForT(static_cast<const T*>(in.values), in.count, WordOf<T>(base), width, out);
  });
}

Result<ForPage> ParseForPage(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kForHeaderSize) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 16-byte header");
  }
  ForPage page{Load<uint64_t>(payload.data()), payload[8], payload.data() + kForHeaderSize};
  if (!IsZero(payload.data() + 9, 7)) return PageCorruption(kE, t, count, "header bytes 9..15 are not zero");
  const uint32_t bits = PhysicalWidth(t) <= 4 ? 32 : 64;
  if (bits == 32 && page.base > UINT32_MAX) {
    return PageCorruption(kE, t, count, "base " + std::to_string(page.base) + " does not fit the 32-bit word");
  }
  if (page.width > bits) {
    return PageCorruption(kE, t, count,
                          "bit width " + std::to_string(page.width) + " exceeds the " + std::to_string(bits) +
                              "-bit word");
  }
  DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), ForSize(count, page.width)));
  Status tail = bits == 32 ? CheckPackedTail(PackedBlocks<uint32_t>(page.blocks, page.width), count, kE, t)
                           : CheckPackedTail(PackedBlocks<uint64_t>(page.blocks, page.width), count, kE, t);
  DP_RETURN_IF_ERROR(tail);
  return page;
}

DecoderResult MakeForDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  DP_ASSIGN_OR_RETURN(const ForPage page, ParseForPage(t, payload, count));
  return VisitInteger(t, [&](auto v) -> DecoderResult {
    using T = decltype(v);
    using W = WordOf<T>;
    return std::unique_ptr<PageDecoder>(new ForDecoder<T>(PackedBlocks<W>(page.blocks, page.width), W(page.base), count));
  });
}

}  // namespace dp::format::internal
