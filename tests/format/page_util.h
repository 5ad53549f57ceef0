// Test pages: values of one physical type owned by the test, and checks that
// a payload decodes back to them bit for bit.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "format/encoding.h"

namespace dp::format::testing {

__extension__ using I128 = __int128;

inline constexpr Encoding kAllEncodings[] = {Encoding::kPlain,      Encoding::kForBitpack, Encoding::kDeltaBitpack,
                                             Encoding::kRle,        Encoding::kDictionary, Encoding::kConstant,
                                             Encoding::kForPlanes,  Encoding::kDeltaPlanes,
                                             Encoding::kDictionaryPlanes, Encoding::kForRadix,
                                             Encoding::kDictionaryRadix, Encoding::kDictionarySparse};

struct Page {
  PhysicalType type = PhysicalType::kI64;
  uint32_t count = 0;
  std::vector<uint64_t> storage;  // fixed width: the values, 8-byte aligned
  std::vector<std::string> owned;
  std::vector<std::string_view> strings;

  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(storage.data()); }
  PageValues View() const { return {type, count, storage.data(), strings.data()}; }

  bool AllEqual() const {
    if (type == PhysicalType::kBytes) {
      for (uint32_t i = 1; i < count; ++i) {
        if (strings[i] != strings[0]) return false;
      }
      return true;
    }
    const size_t w = PhysicalWidth(type);
    for (uint32_t i = 1; i < count; ++i) {
      if (std::memcmp(bytes() + i * w, bytes(), w) != 0) return false;
    }
    return true;
  }
};

template <typename T>
Page FixedPage(PhysicalType t, const std::vector<T>& values) {
  Page p;
  p.type = t;
  p.count = uint32_t(values.size());
  p.storage.resize((values.size() * sizeof(T) + 7) / 8);
  if (!values.empty()) std::memcpy(p.storage.data(), values.data(), values.size() * sizeof(T));
  return p;
}

inline Page StringPage(std::vector<std::string> values) {
  Page p;
  p.type = PhysicalType::kBytes;
  p.count = uint32_t(values.size());
  p.owned = std::move(values);
  for (const std::string& s : p.owned) p.strings.emplace_back(s);
  return p;
}

// Whether EncodeWith(e, page) must succeed (EncodingSupports is not
// enough): constant needs equal values, for_radix a value range below
// 2^21, dictionary_radix and dictionary_sparse 2 .. 2^21 distinct values.
inline bool ForcedEncodingApplies(Encoding e, const Page& page) {
  if (!EncodingSupports(e, page.type)) return false;
  if (page.count == 0) return true;
  if (e == Encoding::kConstant) return page.AllEqual();
  if (e == Encoding::kForRadix) {
    // The range as the bit-packing word: u32 up to 32 bits, else u64.
    const size_t w = PhysicalWidth(page.type);
    const bool is_signed = page.type == PhysicalType::kI8 || page.type == PhysicalType::kI16 ||
                           page.type == PhysicalType::kI32 || page.type == PhysicalType::kI64;
    I128 lo = 0, hi = 0;
    for (uint32_t i = 0; i < page.count; ++i) {
      uint64_t u = 0;
      std::memcpy(&u, page.bytes() + i * w, w);
      I128 v = u;
      if (is_signed && w < 8 && (u >> (8 * w - 1))) v -= I128(1) << (8 * w);
      if (is_signed && w == 8) v = int64_t(u);
      if (i == 0 || v < lo) lo = v;
      if (i == 0 || v > hi) hi = v;
    }
    return hi - lo < (I128(1) << 21);
  }
  if (e == Encoding::kDictionaryRadix || e == Encoding::kDictionarySparse) {
    std::set<std::string> distinct;
    const size_t w = PhysicalWidth(page.type);
    for (uint32_t i = 0; i < page.count; ++i) {
      distinct.insert(page.type == PhysicalType::kBytes
                          ? std::string(page.strings[i])
                          : std::string(reinterpret_cast<const char*>(page.bytes()) + i * w, w));
    }
    return distinct.size() >= 2;
  }
  return true;
}

// Decodes `payload` with DecodeAll and checks every value, bit for bit.
inline void ExpectDecodeAll(Encoding e, const Page& page, std::span<const uint8_t> payload) {
  if (page.type == PhysicalType::kBytes) {
    std::vector<std::string_view> out(page.count);
    const Status s = DecodeAll(e, page.type, payload, page.count, nullptr, out.data());
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (uint32_t i = 0; i < page.count; ++i) ASSERT_EQ(out[i], page.strings[i]) << "value " << i;
    return;
  }
  const size_t w = PhysicalWidth(page.type);
  std::vector<uint64_t> out(page.count + 1);
  const Status s = DecodeAll(e, page.type, payload, page.count, out.data(), nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const auto* got = reinterpret_cast<const uint8_t*>(out.data());
  for (uint32_t i = 0; i < page.count; ++i) {
    ASSERT_EQ(std::memcmp(got + i * w, page.bytes() + i * w, w), 0) << "value " << i;
  }
}

// Decodes block by block, skipping every block whose index is odd, and
// checks the blocks it reads.
inline void ExpectStreamedWithSkips(Encoding e, const Page& page, std::span<const uint8_t> payload) {
  auto decoder = PageDecoder::Make(e, page.type, payload, page.count);
  ASSERT_TRUE(decoder.ok()) << decoder.status().ToString();
  PageDecoder& d = **decoder;
  alignas(64) uint8_t scratch[kBlockSize * 8];
  std::string_view strings[kBlockSize];
  const size_t w = PhysicalWidth(page.type);
  for (uint32_t block = 0; d.remaining() > 0; ++block) {
    const uint32_t pos = page.count - d.remaining();
    if (block % 2 == 1) {
      const Status s = d.Skip(std::min(kBlockSize, d.remaining()));
      ASSERT_TRUE(s.ok()) << s.ToString();
      continue;
    }
    uint32_t n = 0;
    auto got = d.Next(scratch, strings, &n);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(n, std::min(kBlockSize, page.count - pos));
    for (uint32_t i = 0; i < n; ++i) {
      if (page.type == PhysicalType::kBytes) {
        ASSERT_EQ(static_cast<const std::string_view*>(*got)[i], page.strings[pos + i]) << "value " << pos + i;
      } else {
        ASSERT_EQ(std::memcmp(static_cast<const uint8_t*>(*got) + i * w, page.bytes() + (pos + i) * w, w), 0)
            << "value " << pos + i;
      }
    }
  }
  uint32_t n = 99;
  ASSERT_TRUE(d.Next(scratch, strings, &n).ok());
  EXPECT_EQ(n, 0u);
}

// EncodeWith(e, page), failing the test if it does not succeed.
inline std::vector<uint8_t> EncodeOrFail(Encoding e, const Page& page) {
  std::vector<uint8_t> out;
  const Status s = EncodeWith(e, page.View(), &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Decodes `payload` whole, streamed with skips, and again from an odd
// address (decoders copy instead of aliasing), checking every value.
inline void ExpectRoundTrip(Encoding e, const Page& page, std::span<const uint8_t> payload) {
  ASSERT_NO_FATAL_FAILURE(ExpectDecodeAll(e, page, payload));
  ASSERT_NO_FATAL_FAILURE(ExpectStreamedWithSkips(e, page, payload));
  std::vector<uint8_t> shifted(payload.size() + 1);
  if (!payload.empty()) std::memcpy(shifted.data() + 1, payload.data(), payload.size());
  ASSERT_NO_FATAL_FAILURE(ExpectDecodeAll(e, page, std::span<const uint8_t>(shifted).subspan(1)));
}

}  // namespace dp::format::testing
