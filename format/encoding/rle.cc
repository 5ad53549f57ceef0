// rle (3): run ends + run values, fixed-width types and bool. Layout:
// spec/format.md §"Encodings" / "rle (3)".
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kRle;

template <typename B>
class RleDecoder final : public BlockDecoder {
 public:
  RleDecoder(const uint8_t* ends, const uint8_t* values, uint32_t runs, uint32_t count)
      : BlockDecoder(count), ends_(ends), values_(values), runs_(runs) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    auto* out = static_cast<B*>(scratch);
    const uint32_t stop = position_ + *n;
    for (uint32_t pos = position_; pos < stop;) {
      const uint32_t run_end = Load<uint32_t>(ends_ + 4 * uint64_t{run_});
      const uint32_t end = std::min(run_end, stop);
      std::fill(out + (pos - position_), out + (end - position_), Load<B>(values_ + sizeof(B) * uint64_t{run_}));
      pos = end;
      if (end == run_end) ++run_;
    }
    position_ = stop;
    return static_cast<const void*>(scratch);
  }

  Status Skip(uint32_t n) override {
    DP_RETURN_IF_ERROR(CheckSkip(n));
    position_ += n;
    while (run_ < runs_ && Load<uint32_t>(ends_ + 4 * uint64_t{run_}) <= position_) ++run_;
    return Status::OK();
  }

  bool runs() const override { return true; }
  Result<Runs> NextRuns(uint32_t* n) override {
    *n = NextCount();
    const uint32_t stop = position_ + *n;
    uint32_t k = 0;
    for (uint32_t pos = position_; pos < stop; ++k) {
      const uint32_t run_end = Load<uint32_t>(ends_ + 4 * uint64_t{run_});
      const uint32_t end = std::min(run_end, stop);
      run_lengths_[k] = end - pos;
      run_values_[k] = Load<B>(values_ + sizeof(B) * uint64_t{run_});
      pos = end;
      if (end == run_end) ++run_;
    }
    position_ = stop;
    return Runs{k, run_lengths_, run_values_};
  }

 private:
  // The runs of the last NextRuns() (at most one per value of a block).
  alignas(64) uint32_t run_lengths_[kBlockSize];
  alignas(64) B run_values_[kBlockSize];
  const uint8_t* ends_;    // u32 run_ends[runs_]
  const uint8_t* values_;  // B values[runs_]
  uint32_t runs_;
  uint32_t run_ = 0;  // the run holding position_
};

template <typename B>
void EncodeRleT(const B* v, uint32_t count, uint32_t runs, bool is_bool, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  out->resize(start + RleSize(runs, sizeof(B)), 0);
  uint8_t* p = out->data() + start;
  std::memcpy(p, &runs, 4);
  uint8_t* ends = p + kRleHeaderSize;
  uint8_t* values = p + RleValuesOffset(runs);
  uint32_t run = 0;
  for (uint32_t i = 1; i <= count; ++i) {
    if (i == count || v[i] != v[i - 1]) {
      std::memcpy(ends + 4 * uint64_t{run}, &i, 4);
      const B value = is_bool ? B(v[i - 1] != 0) : v[i - 1];
      std::memcpy(values + sizeof(B) * uint64_t{run}, &value, sizeof(B));
      ++run;
    }
  }
}

}  // namespace

void EncodeRle(const PageValues& in, uint32_t runs, std::vector<uint8_t>* out) {
  VisitBits(in.type, [&](auto b) {
    using B = decltype(b);
    EncodeRleT(static_cast<const B*>(in.values), in.count, runs, in.type == PhysicalType::kBool, out);
  });
}

DecoderResult MakeRleDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kRleHeaderSize) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 8-byte header");
  }
  const uint32_t runs = Load<uint32_t>(payload.data());
  if (Load<uint32_t>(payload.data() + 4) != 0) return PageCorruption(kE, t, count, "header bytes 4..7 are not zero");
  if (runs == 0 || runs > count) {
    return PageCorruption(kE, t, count, "number of runs " + std::to_string(runs) + " is not in 1..count");
  }
  const int width = PhysicalWidth(t);
  DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), RleSize(runs, width)));
  const uint8_t* ends = payload.data() + kRleHeaderSize;
  uint32_t prev = 0;
  for (uint32_t k = 0; k < runs; ++k) {
    const uint32_t end = Load<uint32_t>(ends + 4 * uint64_t{k});
    if (end <= prev) {
      return PageCorruption(kE, t, count,
                            "run end " + std::to_string(k) + " (" + std::to_string(end) +
                                ") is not greater than the previous end (" + std::to_string(prev) + ")");
    }
    prev = end;
  }
  if (prev != count) {
    return PageCorruption(kE, t, count, "the last run ends at " + std::to_string(prev) + ", not at the page end");
  }
  const uint64_t values_at = RleValuesOffset(runs);
  const uint64_t values_end = values_at + uint64_t{runs} * width;
  if (!IsZero(ends + 4 * uint64_t{runs}, values_at - kRleHeaderSize - 4 * uint64_t{runs})) {
    return PageCorruption(kE, t, count, "padding after the run ends is not zero");
  }
  if (!IsZero(payload.data() + values_end, payload.size() - values_end)) {
    return PageCorruption(kE, t, count, "padding after the run values is not zero");
  }
  const uint8_t* values = payload.data() + values_at;
  if (t == PhysicalType::kBool) {
    for (uint32_t k = 0; k < runs; ++k) {
      if (values[k] > 1) {
        return PageCorruption(kE, t, count,
                              "bool run value " + std::to_string(k) + " is " + std::to_string(values[k]) + ", not 0 or 1");
      }
    }
  }
  return VisitBits(t, [&](auto b) -> DecoderResult {
    return std::unique_ptr<PageDecoder>(new RleDecoder<decltype(b)>(ends, values, runs, count));
  });
}

}  // namespace dp::format::internal
