// delta_bitpack (2): first value + bit-packed deltas above the smallest
// delta, integers only. Layout: spec/format.md §"Encodings" /
// "delta_bitpack (2)" and §"Bit-packed blocks".
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kDeltaBitpack;

// Blocks of per-block bit widths laid end to end.
template <typename W>
class DeltaBlocks {
 public:
  DeltaBlocks(const uint8_t* first, const uint8_t* widths, uint32_t num_blocks) : widths_(widths) {
    offsets_.resize(num_blocks);
    uint64_t off = 0;
    for (uint32_t b = 0; b < num_blocks; ++b) {
      offsets_[b] = off;
      off += 128ull * widths[b];
    }
    first_ = first;
  }
  uint32_t width(uint32_t b) const { return widths_[b]; }
  PackedBlocks<W> Block(uint32_t b) const { return PackedBlocks<W>(first_ + offsets_[b], widths_[b]); }

 private:
  const uint8_t* first_ = nullptr;
  const uint8_t* widths_;
  std::vector<uint64_t> offsets_;
};

template <typename T>
class DeltaDecoder final : public BlockDecoder {
  using W = WordOf<T>;

 public:
  DeltaDecoder(DeltaBlocks<W> blocks, W first, W min_delta, uint32_t count)
      : BlockDecoder(count), blocks_(std::move(blocks)), prev_(W(first - min_delta)), min_delta_(min_delta) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);  // no block left to read
    const uint32_t b = position_ / kBlockSize;
    Unpack1024(blocks_.Block(b).Block(0, copy_), blocks_.width(b), words_);
    prev_ = DeltaRun(words_, *n, prev_, min_delta_, static_cast<T*>(scratch));
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

  // Adds up the skipped deltas without materializing the values.
  Status Skip(uint32_t n) override {
    DP_RETURN_IF_ERROR(CheckSkip(n));
    const uint32_t end = position_ + n;
    while (position_ < end) {
      const uint32_t k = std::min(kBlockSize, end - position_);
      const uint64_t sum = BlockResidualSum();
      prev_ = W(prev_ + W(uint64_t{k} * min_delta_ + sum));  // slots past count are zero
      position_ += k;
    }
    return Status::OK();
  }

  // prev + min_delta bounds the first value from below; the block's
  // residual sum (exact for widths <= 53: 1024 · 2^53 = 2^63) gives the last.
  bool PeekBounds(int64_t* lo, int64_t* hi) override {
    const uint32_t n = NextCount();
    if (n == 0 || blocks_.width(position_ / kBlockSize) > 53) return false;
    return DeltaBlockBounds<T>(W(prev_ + min_delta_), min_delta_, n, BlockResidualSum(), lo, hi);
  }

 private:
  // Σ residuals of the block at position_ (a block start); the last block's
  // slots past count are zero. Remembered for the Skip after a PeekBounds.
  uint64_t BlockResidualSum() {
    if (summed_position_ != position_) {
      const uint32_t b = position_ / kBlockSize;
      summed_ = UnpackSum1024(blocks_.Block(b).Block(0, copy_), blocks_.width(b));
      summed_position_ = position_;
    }
    return summed_;
  }

  DeltaBlocks<W> blocks_;
  W prev_;  // the value before position_ (first - min_delta at the start)
  W min_delta_;
  uint32_t summed_position_ = UINT32_MAX;
  uint64_t summed_ = 0;
  alignas(64) W copy_[kBlockSize];
  alignas(64) W words_[kBlockSize];
};

template <typename T>
void EncodeDeltaT(const T* v, uint32_t count, WordOf<T> min_delta, const std::vector<uint8_t>& widths,
                  std::vector<uint8_t>* out) {
  using W = WordOf<T>;
  Append<uint64_t>(out, ToWord(v[0]));
  Append<uint64_t>(out, min_delta);
  Append<uint64_t>(out, 0);  // reserved
  out->insert(out->end(), widths.begin(), widths.end());
  out->resize(out->size() + (Pad8(widths.size()) - widths.size()), 0);
  alignas(64) W words[kBlockSize];
  alignas(64) W packed[kBlockSize];
  for (uint32_t b = 0; b < widths.size(); ++b) {
    const uint32_t begin = b * kBlockSize, n = std::min(kBlockSize, count - begin);
    uint32_t i = 0;
    if (begin == 0) words[i++] = 0;
    for (; i < n; ++i) words[i] = W(ToWord(v[begin + i]) - ToWord(v[begin + i - 1]) - min_delta);
    std::fill(words + n, words + kBlockSize, W{0});
    if (widths[b] == 0) continue;
    Pack1024(words, widths[b], packed);
    AppendBytes(out, packed, 128 * widths[b]);
  }
}

}  // namespace

void EncodeDelta(const PageValues& in, uint64_t min_delta, const std::vector<uint8_t>& block_widths,
                 std::vector<uint8_t>* out) {
  VisitInteger(in.type, [&](auto t) {
    using T = decltype(t);
    EncodeDeltaT(static_cast<const T*>(in.values), in.count, WordOf<T>(min_delta), block_widths, out);
  });
}

DecoderResult MakeDeltaDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  const uint32_t num_blocks = NumBlocks(count);
  const uint64_t widths_end = kDeltaHeaderSize + Pad8(num_blocks);
  if (payload.size() < widths_end) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the " +
                              std::to_string(widths_end) + "-byte header and block widths");
  }
  const uint64_t first = Load<uint64_t>(payload.data());
  const uint64_t min_delta = Load<uint64_t>(payload.data() + 8);
  if (!IsZero(payload.data() + 16, 8)) return PageCorruption(kE, t, count, "header bytes 16..23 are not zero");
  const uint8_t* widths = payload.data() + kDeltaHeaderSize;
  if (!IsZero(widths + num_blocks, Pad8(num_blocks) - num_blocks)) {
    return PageCorruption(kE, t, count, "padding after the block widths is not zero");
  }
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
    std::vector<uint8_t> w(widths, widths + num_blocks);
    for (uint32_t b = 0; b < num_blocks; ++b) {
      if (w[b] > kBits) {
        return PageCorruption(kE, t, count, "block " + std::to_string(b) + " bit width " + std::to_string(w[b]) +
                                                " exceeds the " + std::to_string(kBits) + "-bit word");
      }
    }
    DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), DeltaSize(w)));
    DeltaBlocks<W> blocks(payload.data() + widths_end, widths, num_blocks);
    if (count > 0 && blocks.width(0) > 0) {
      alignas(64) W copy[kBlockSize];
      alignas(64) W words[kBlockSize];
      Unpack1024(blocks.Block(0).Block(0, copy), blocks.width(0), words);
      if (words[0] != 0) return PageCorruption(kE, t, count, "packed slot 0 (no delta) is not zero");
    }
    if (count > 0) {
      // The last block's slots past count must be zero.
      const uint32_t last = num_blocks - 1;
      DP_RETURN_IF_ERROR(CheckPackedTail(blocks.Block(last), count - last * kBlockSize, kE, t));
    }
    return std::unique_ptr<PageDecoder>(new DeltaDecoder<T>(std::move(blocks), W(first), W(min_delta), count));
  });
}

}  // namespace dp::format::internal
