// plain (0): values as they are in memory. Layout: spec/format.md
// §"Encodings" / "plain (0)". Fixed-width pages decode zero-copy.
#include <cstring>

#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kPlain;

template <typename B>
class PlainFixedDecoder final : public BlockDecoder {
 public:
  PlainFixedDecoder(const uint8_t* data, uint32_t count) : BlockDecoder(count), data_(data) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    const uint8_t* p = data_ + uint64_t{position_} * sizeof(B);
    position_ += *n;
    if (reinterpret_cast<uintptr_t>(p) % alignof(B) == 0) return static_cast<const void*>(p);
    std::memcpy(scratch, p, size_t{*n} * sizeof(B));
    return static_cast<const void*>(scratch);
  }

 private:
  const uint8_t* data_;
};

class PlainBoolDecoder final : public BlockDecoder {
 public:
  PlainBoolDecoder(const uint8_t* bits, uint32_t count) : BlockDecoder(count), bits_(bits) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    const uint8_t* bits = bits_ + position_ / 8;  // position_ is a multiple of the block size
    auto* out = static_cast<uint8_t*>(scratch);
    for (uint32_t i = 0; i < *n; ++i) out[i] = (bits[i >> 3] >> (i & 7)) & 1;
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

 private:
  const uint8_t* bits_;
};

class PlainBytesDecoder final : public BlockDecoder {
 public:
  PlainBytesDecoder(StringTable table, uint32_t count) : BlockDecoder(count), table_(table) {}

  Result<const void*> Next(void*, std::string_view* strings, uint32_t* n) override {
    *n = NextCount();
    for (uint32_t i = 0; i < *n; ++i) strings[i] = table_.Get(position_ + i);
    position_ += *n;
    return static_cast<const void*>(strings);
  }

 private:
  StringTable table_;
};

}  // namespace

uint64_t PlainSize(PhysicalType t, uint32_t count, uint64_t bytes) {
  switch (t) {
    case PhysicalType::kBool: return (uint64_t{count} + 7) / 8;
    case PhysicalType::kBytes: return Pad8(4 * (uint64_t{count} + 1) + bytes);
    default: return uint64_t{count} * PhysicalWidth(t);
  }
}

Result<StringTable> ParseStringTable(std::span<const uint8_t> bytes, uint32_t n, Encoding e, uint32_t count) {
  const uint64_t head = 4 * (uint64_t{n} + 1);
  if (head > bytes.size()) {
    return PageCorruption(e, PhysicalType::kBytes, count,
                          "the " + std::to_string(n + uint64_t{1}) + " string offsets need " + std::to_string(head) +
                              " bytes, only " + std::to_string(bytes.size()) + " remain");
  }
  StringTable table;
  table.offsets = bytes.data();
  table.data = reinterpret_cast<const char*>(bytes.data() + head);
  uint32_t prev = Load<uint32_t>(table.offsets);
  if (prev != 0) {
    return PageCorruption(e, PhysicalType::kBytes, count, "first string offset is " + std::to_string(prev) + ", not 0");
  }
  for (uint64_t i = 1; i <= n; ++i) {
    const uint32_t next = Load<uint32_t>(table.offsets + 4 * i);
    if (next < prev) {
      return PageCorruption(e, PhysicalType::kBytes, count,
                            "string offset " + std::to_string(i) + " (" + std::to_string(next) +
                                ") is smaller than the one before (" + std::to_string(prev) + ")");
    }
    prev = next;
  }
  table.bytes = head + prev;
  if (table.bytes > bytes.size()) {
    return PageCorruption(e, PhysicalType::kBytes, count,
                          "string data ends at byte " + std::to_string(table.bytes) + ", past the " +
                              std::to_string(bytes.size()) + " bytes available");
  }
  return table;
}

Status EncodePlain(const PageValues& in, std::vector<uint8_t>* out) {
  const uint32_t n = in.count;
  if (in.type == PhysicalType::kBytes) {
    const size_t start = out->size();
    DP_RETURN_IF_ERROR(AppendStringTable(n, [&](uint32_t i) { return in.strings[i]; }, out));
    PadTo8(out, start);
    return Status::OK();
  }
  if (in.type == PhysicalType::kBool) {
    const auto* v = static_cast<const uint8_t*>(in.values);
    const size_t at = out->size();
    out->resize(at + (uint64_t{n} + 7) / 8, 0);
    uint8_t* bits = out->data() + at;
    for (uint32_t i = 0; i < n; ++i) bits[i >> 3] |= uint8_t((v[i] != 0) << (i & 7));
    return Status::OK();
  }
  AppendBytes(out, in.values, size_t{n} * PhysicalWidth(in.type));
  return Status::OK();
}

DecoderResult MakePlainDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (t == PhysicalType::kBytes) {
    DP_ASSIGN_OR_RETURN(StringTable table, ParseStringTable(payload, count, kE, count));
    DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), Pad8(table.bytes)));
    if (!IsZero(payload.data() + table.bytes, payload.size() - table.bytes)) {
      return PageCorruption(kE, t, count, "padding after the string data is not zero");
    }
    return std::unique_ptr<PageDecoder>(new PlainBytesDecoder(table, count));
  }
  DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), PlainSize(t, count, 0)));
  if (t == PhysicalType::kBool) {
    if (count % 8 != 0 && (payload.back() >> (count % 8)) != 0) {
      return PageCorruption(kE, t, count, "bits after the last value are not zero");
    }
    return std::unique_ptr<PageDecoder>(new PlainBoolDecoder(payload.data(), count));
  }
  return VisitBits(t, [&](auto b) -> DecoderResult {
    return std::unique_ptr<PageDecoder>(new PlainFixedDecoder<decltype(b)>(payload.data(), count));
  });
}

}  // namespace dp::format::internal
