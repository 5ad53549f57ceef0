// Fuzz target: every page decoder on its own, over hostile payloads.
//
// Input layout (little endian): byte 0 = dp::Encoding id, byte 1 =
// format::PhysicalType, bytes 2..5 = value count, the rest = the payload.
// Decodes the payload three ways (streaming blocks, skipping then reading,
// all at once); a decoder must return Corruption or values, never read or
// write outside its buffers. The skipping pass also asks PeekBounds of
// every block and aborts if decoded values break bounds it claimed.
#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "format/encoding.h"

namespace {

using dp::format::PhysicalType;

constexpr uint32_t kMaxCount = 1u << 17;  // keeps each input fast; the bound logic is the same

void Stream(dp::Encoding e, PhysicalType t, std::span<const uint8_t> payload, uint32_t count,
            bool skip_first) {
  auto decoder = dp::format::PageDecoder::Make(e, t, payload, count);
  if (!decoder.ok()) return;
  alignas(64) static uint64_t scratch[dp::format::kBlockSize];
  static std::string_view strings[dp::format::kBlockSize];
  int64_t lo = 0, hi = 0;
  if (skip_first && (*decoder)->remaining() > 0) {
    const uint32_t n = std::min<uint32_t>(dp::format::kBlockSize, (*decoder)->remaining());
    (void)(*decoder)->PeekBounds(&lo, &hi);  // its sum is reused by the Skip
    if (!(*decoder)->Skip(n).ok()) return;
  }
  const int width = dp::format::PhysicalWidth(t);
  uint64_t sink = 0;
  while ((*decoder)->remaining() > 0) {
    const bool known = skip_first && (*decoder)->PeekBounds(&lo, &hi);
    uint32_t n = 0;
    auto values = (*decoder)->Next(scratch, strings, &n);
    if (!values.ok()) return;
    if (known) {  // claimed: lo <= v[0] <= ... <= v[n-1] == hi
      auto check = [&](auto tag) {
        using T = decltype(tag);
        const T* v = static_cast<const T*>(*values);
        int64_t prev = lo;
        for (uint32_t i = 0; i < n; ++i) {
          if (int64_t(v[i]) < prev) std::abort();
          prev = int64_t(v[i]);
        }
        if (n > 0 && prev != hi) std::abort();
      };
      if (t == PhysicalType::kI64) check(int64_t{});
      else if (t == PhysicalType::kI32) check(int32_t{});
      else std::abort();  // bounds are only claimed for i32 and i64
    }
    if (t == PhysicalType::kBytes) {
      for (uint32_t i = 0; i < n; ++i) sink += strings[i].size() ? uint8_t(strings[i].back()) : 0;
    } else if (n > 0) {
      // Touch the last byte handed out: ASan catches a pointer past the page.
      sink += static_cast<const uint8_t*>(*values)[size_t(n) * width - 1];
    }
  }
  volatile uint64_t keep = sink;
  (void)keep;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 6) return 0;
  const auto e = static_cast<dp::Encoding>(data[0]);
  const auto t = static_cast<PhysicalType>(data[1] % (uint8_t(PhysicalType::kBytes) + 1));
  uint32_t count;
  std::memcpy(&count, data + 2, 4);
  count %= kMaxCount + 1;
  const std::span<const uint8_t> payload(data + 6, size - 6);
  Stream(e, t, payload, count, false);
  Stream(e, t, payload, count, true);
  if (t == PhysicalType::kBytes) {
    std::vector<std::string_view> out(count);
    (void)dp::format::DecodeAll(e, t, payload, count, nullptr, out.data());
  } else {
    std::vector<uint8_t> out(size_t(count) * dp::format::PhysicalWidth(t) + 1);
    (void)dp::format::DecodeAll(e, t, payload, count, out.data(), nullptr);
  }
  return 0;
}
