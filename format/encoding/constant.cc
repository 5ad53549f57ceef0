// constant (5): one value for the whole page. Layout: spec/format.md
// §"Encodings" / "constant (5)".
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kConstant;

// Every value of a constant page has code 0 of a one-entry dictionary.
alignas(64) constexpr uint32_t kZeroCodes[kBlockSize] = {};

// The dictionary view shared by both constant decoders.
class ConstantBase : public BlockDecoder {
 public:
  using BlockDecoder::BlockDecoder;
  Result<const uint32_t*> NextCodes(uint32_t* n) override {
    *n = NextCount();
    position_ += *n;
    return static_cast<const uint32_t*>(kZeroCodes);
  }
};

template <typename B>
class ConstantDecoder final : public ConstantBase {
 public:
  ConstantDecoder(B value, uint32_t count) : ConstantBase(count), value_(value) {}
  DictionaryView dictionary() const override { return {1, &value_, nullptr}; }

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    std::fill_n(static_cast<B*>(scratch), *n, value_);
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

 private:
  B value_;
};

class ConstantBytesDecoder final : public ConstantBase {
 public:
  ConstantBytesDecoder(std::string_view value, uint32_t count) : ConstantBase(count), value_(value) {}
  DictionaryView dictionary() const override { return {1, nullptr, &value_}; }

  Result<const void*> Next(void*, std::string_view* strings, uint32_t* n) override {
    *n = NextCount();
    std::fill_n(strings, *n, value_);
    position_ += *n;
    return static_cast<const void*>(strings);
  }

 private:
  std::string_view value_;
};

}  // namespace

Status EncodeConstant(const PageValues& in, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  if (in.type == PhysicalType::kBytes) {
    const std::string_view s = in.strings[0];
    if (s.size() > UINT32_MAX) {
      return Status::InvalidArgument("constant page value is " + std::to_string(s.size()) +
                                     " bytes, more than the 4 GiB - 1 a page can hold");
    }
    Append<uint32_t>(out, uint32_t(s.size()));
    AppendBytes(out, s.data(), s.size());
  } else if (in.type == PhysicalType::kBool) {
    Append<uint8_t>(out, static_cast<const uint8_t*>(in.values)[0] != 0);
  } else {
    AppendBytes(out, in.values, PhysicalWidth(in.type));
  }
  PadTo8(out, start);
  return Status::OK();
}

DecoderResult MakeConstantDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (t == PhysicalType::kBytes) {
    if (payload.size() < 4) {
      return PageCorruption(kE, t, count,
                            "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 4-byte length");
    }
    const uint32_t length = Load<uint32_t>(payload.data());
    DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), ConstantSize(t, length)));
    if (!IsZero(payload.data() + 4 + uint64_t{length}, payload.size() - 4 - uint64_t{length})) {
      return PageCorruption(kE, t, count, "padding after the value is not zero");
    }
    const std::string_view value(reinterpret_cast<const char*>(payload.data() + 4), length);
    return std::unique_ptr<PageDecoder>(new ConstantBytesDecoder(value, count));
  }
  DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), ConstantSize(t, 0)));
  const int width = PhysicalWidth(t);
  if (!IsZero(payload.data() + width, payload.size() - width)) {
    return PageCorruption(kE, t, count, "padding after the value is not zero");
  }
  if (t == PhysicalType::kBool && payload[0] > 1) {
    return PageCorruption(kE, t, count, "bool value is " + std::to_string(payload[0]) + ", not 0 or 1");
  }
  return VisitBits(t, [&](auto b) -> DecoderResult {
    using B = decltype(b);
    return std::unique_ptr<PageDecoder>(new ConstantDecoder<B>(Load<B>(payload.data()), count));
  });
}

}  // namespace dp::format::internal
