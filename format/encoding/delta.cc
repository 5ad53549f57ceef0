// delta_bitpack (2): first value + bit-packed deltas above the smallest
// delta, integers only. Layout: spec/format.md §"Encodings" /
// "delta_bitpack (2)" and §"Bit-packed blocks".
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kDeltaBitpack;

template <typename T>
class DeltaDecoder final : public BlockDecoder {
  using W = WordOf<T>;

 public:
  DeltaDecoder(PackedBlocks<W> blocks, W first, W min_delta, uint32_t count)
      : BlockDecoder(count), blocks_(blocks), prev_(W(first - min_delta)), min_delta_(min_delta) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);  // no block left to read
    Unpack1024(blocks_.Block(position_ / kBlockSize, copy_), blocks_.width(), words_);
    auto* out = static_cast<T*>(scratch);
    W acc = prev_;
    for (uint32_t i = 0; i < *n; ++i) {
      acc = W(acc + min_delta_ + words_[i]);
      out[i] = T(acc);
    }
    prev_ = acc;
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

  // Adds up the skipped deltas without materializing the values.
  Status Skip(uint32_t n) override {
    DP_RETURN_IF_ERROR(CheckSkip(n));
    const uint32_t end = position_ + n;
    while (position_ < end) {
      const uint32_t k = std::min(kBlockSize, end - position_);
      const uint64_t sum = UnpackSum1024(blocks_.Block(position_ / kBlockSize, copy_), blocks_.width());
      prev_ = W(prev_ + W(uint64_t{k} * min_delta_ + sum));  // slots past count are zero
      position_ += k;
    }
    return Status::OK();
  }

 private:
  PackedBlocks<W> blocks_;
  W prev_;  // the value before position_ (first - min_delta at the start)
  W min_delta_;
  alignas(64) W copy_[kBlockSize];
  alignas(64) W words_[kBlockSize];
};

template <typename T>
void EncodeDeltaT(const T* v, uint32_t count, WordOf<T> min_delta, uint32_t width, std::vector<uint8_t>* out) {
  using W = WordOf<T>;
  Append<uint64_t>(out, ToWord(v[0]));
  Append<uint64_t>(out, min_delta);
  Append<uint64_t>(out, width);  // u8 width + 7 zero bytes
  AppendPackedBlocks<W>(
      count, width,
      [&](uint32_t begin, uint32_t n, W* words) {
        uint32_t i = 0;
        if (begin == 0) words[i++] = 0;
        for (; i < n; ++i) words[i] = W(ToWord(v[begin + i]) - ToWord(v[begin + i - 1]) - min_delta);
      },
      out);
}

}  // namespace

void EncodeDelta(const PageValues& in, uint64_t min_delta, uint32_t width, std::vector<uint8_t>* out) {
  VisitInteger(in.type, [&](auto t) {
    using T = decltype(t);
    EncodeDeltaT(static_cast<const T*>(in.values), in.count, WordOf<T>(min_delta), width, out);
  });
}

DecoderResult MakeDeltaDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kDeltaHeaderSize) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 24-byte header");
  }
  const uint64_t first = Load<uint64_t>(payload.data());
  const uint64_t min_delta = Load<uint64_t>(payload.data() + 8);
  const uint32_t width = payload[16];
  if (!IsZero(payload.data() + 17, 7)) return PageCorruption(kE, t, count, "header bytes 17..23 are not zero");
  return VisitInteger(t, [&](auto v) -> DecoderResult {
    using T = decltype(v);
    using W = WordOf<T>;
    constexpr uint32_t kBits = sizeof(W) * 8;
    if (first > W(~W{0})) {
      return PageCorruption(kE, t, count, "first value " + std::to_string(first) + " does not fit the 32-bit word");
    }
    if (min_delta > W(~W{0})) {
      return PageCorruption(kE, t, count, "min_delta " + std::to_string(min_delta) + " does not fit the 32-bit word");
    }
    if (width > kBits) {
      return PageCorruption(kE, t, count,
                            "bit width " + std::to_string(width) + " exceeds the " + std::to_string(kBits) + "-bit word");
    }
    DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), DeltaSize(count, width)));
    const PackedBlocks<W> blocks(payload.data() + kDeltaHeaderSize, width);
    if (width > 0) {
      alignas(64) W copy[kBlockSize];
      alignas(64) W words[kBlockSize];
      Unpack1024(blocks.Block(0, copy), width, words);
      if (words[0] != 0) return PageCorruption(kE, t, count, "packed slot 0 (no delta) is not zero");
    }
    DP_RETURN_IF_ERROR(CheckPackedTail(blocks, count, kE, t));
    return std::unique_ptr<PageDecoder>(new DeltaDecoder<T>(blocks, W(first), W(min_delta), count));
  });
}

}  // namespace dp::format::internal
