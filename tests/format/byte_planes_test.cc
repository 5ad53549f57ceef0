// Byte-plane encodings (spec/format.md §"Byte planes (6, 7, 8)"): exact
// layout, every residual width, the writer-side candidate (EncodeBytePlanes)
// on skewed and uniform data, the dictionary view, and hostile payloads.
// Round trips over every type's edge cases run in encoding_test (the planes
// are in kAllEncodings).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "format/encoding.h"
#include "format/version.h"
#include "tests/format/page_util.h"

namespace dp::format {
namespace {

using testing::ExpectRoundTrip;
using testing::FixedPage;
using testing::Page;
using testing::StringPage;

uint32_t Load32(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// customer_id-like: floor(1e6 * u^3), heavily skewed towards small values.
Page CubedPage(uint32_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = int64_t(std::floor(1e6 * std::pow(u(rng), 3)));
  return FixedPage(PhysicalType::kI64, v);
}

// Event times: exponential gaps with a mean of 6.3e6 (ts of the order data).
Page EventTimesPage(uint32_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(1 / 6.3e6);
  std::vector<int64_t> v(n);
  int64_t t = 1'700'000'000'000'000;
  for (auto& x : v) x = t += int64_t(gap(rng));
  return FixedPage(PhysicalType::kI64, v);
}

// discount-like: 80% 0.0, else k/100 for k in 1..50.
Page DiscountPage(uint32_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = rng() % 5 == 0 ? double(1 + rng() % 50) / 100 : 0.0;
  return FixedPage(PhysicalType::kF64, v);
}

TEST(BytePlanesLayout, ForPlanesRawPlanes) {
  // Residuals 0, 1, 255, 256 need 2 planes; 4 values never pay a zstd
  // frame; the last plane holds only 0 or 1, packed 1 bit per value.
  const Page page = FixedPage<int32_t>(PhysicalType::kI32, {1000, 1001, 1255, 1256});
  const std::vector<uint8_t> got = testing::EncodeOrFail(Encoding::kForPlanes, page);
  const std::vector<uint8_t> want = {
      0xE8, 0x03, 0, 0, 0, 0, 0, 0,  // base 1000
      2, 0, 0, 0, 0, 0, 0, 0,        // 2 planes
      4, 0, 0, 0, 0, 8, 0, 0,        // plane 0: 4 bytes, raw, 8 bits per value
      1, 0, 0, 0, 0, 1, 0, 0,        // plane 1: 1 byte, raw, 1 bit per value
      0, 1, 255, 0,                  // low bytes
      0x08,                          // high bits 0, 0, 0, 1
      0, 0, 0,                       // pad8
  };
  EXPECT_EQ(got, want);
  ExpectRoundTrip(Encoding::kForPlanes, page, got);
}

TEST(BytePlanesLayout, DeltaAndDictionaryPlanesHeaders) {
  const Page page = FixedPage<int64_t>(PhysicalType::kI64, {10, 13, 12, 20});
  const std::vector<uint8_t> delta = testing::EncodeOrFail(Encoding::kDeltaPlanes, page);
  // first 10, min_delta -1, 1 plane, residuals 0, 4, 0, 9 (delta - min_delta).
  ASSERT_EQ(delta.size(), 24u + 8 + 8);
  int64_t first, min_delta;
  std::memcpy(&first, delta.data(), 8);
  std::memcpy(&min_delta, delta.data() + 8, 8);
  EXPECT_EQ(first, 10);
  EXPECT_EQ(min_delta, -1);
  EXPECT_EQ(delta[16], 1);
  EXPECT_EQ(Load32(delta, 24), 2u);
  EXPECT_EQ(delta[28], 0);  // raw
  EXPECT_EQ(delta[29], 4);  // 4 bits per value, two per byte
  EXPECT_EQ(std::vector<uint8_t>(delta.begin() + 32, delta.begin() + 34), (std::vector<uint8_t>{0x40, 0x90}));
  ExpectRoundTrip(Encoding::kDeltaPlanes, page, delta);

  const Page strings = StringPage({"b", "a", "b", "b"});
  const std::vector<uint8_t> dict = testing::EncodeOrFail(Encoding::kDictionaryPlanes, strings);
  // D = 2, 1 plane, table {"a", "b"} (ascending: the writer's order; 4*3 +
  // 2 bytes, pad8), descriptor, codes.
  EXPECT_EQ(Load32(dict, 0), 2u);
  EXPECT_EQ(dict[4], 1);
  EXPECT_EQ(Load32(dict, 8), 0u);
  EXPECT_EQ(Load32(dict, 12), 1u);
  EXPECT_EQ(Load32(dict, 16), 2u);
  EXPECT_EQ(dict[20], 'a');
  EXPECT_EQ(Load32(dict, 24), 1u);
  EXPECT_EQ(dict[29], 1);     // 1 bit per code
  EXPECT_EQ(dict[32], 0x0D);  // codes 1, 0, 1, 1
  EXPECT_EQ(dict.size(), 40u);
  ExpectRoundTrip(Encoding::kDictionaryPlanes, strings, dict);
}

TEST(BytePlanesLayout, OneEntryDictionaryHasNoPlanes) {
  const Page page = FixedPage<double>(PhysicalType::kF64, {2.5, 2.5, 2.5});
  const std::vector<uint8_t> got = testing::EncodeOrFail(Encoding::kDictionaryPlanes, page);
  EXPECT_EQ(got.size(), 16u);  // header + one entry
  EXPECT_EQ(got[4], 0);
  ExpectRoundTrip(Encoding::kDictionaryPlanes, page, got);
}

TEST(BytePlanesWidths, EveryResidualWidthRoundTrips) {
  // Residual widths 0..64 for u64 and 0..32 for u32, with a base so the
  // frame of reference matters, over 2.5 blocks.
  for (uint32_t w = 0; w <= 64; ++w) {
    SCOPED_TRACE("width " + std::to_string(w));
    std::mt19937_64 rng(w);
    std::vector<uint64_t> v(2600);
    const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
    for (auto& x : v) x = 12345 + (rng() & mask);
    if (w > 0) v[7] = 12345 + mask;  // the full width occurs
    v[3] = 12345;
    const Page page = FixedPage(PhysicalType::kU64, v);
    for (Encoding e : {Encoding::kForPlanes, Encoding::kDeltaPlanes}) {
      const std::vector<uint8_t> payload = testing::EncodeOrFail(e, page);
      if (e == Encoding::kForPlanes) {
        EXPECT_EQ(payload[8], (w + 7) / 8);
      }
      ASSERT_NO_FATAL_FAILURE(ExpectRoundTrip(e, page, payload));
    }
    if (w > 32) continue;
    std::vector<uint32_t> v32(2600);
    const uint32_t mask32 = uint32_t(mask);
    for (auto& x : v32) x = uint32_t(rng()) & mask32;
    const Page page32 = FixedPage(PhysicalType::kU32, v32);
    for (Encoding e : {Encoding::kForPlanes, Encoding::kDeltaPlanes}) {
      ASSERT_NO_FATAL_FAILURE(ExpectRoundTrip(e, page32, testing::EncodeOrFail(e, page32)));
    }
  }
}

TEST(BytePlanesWidths, HugePageOfEveryKind) {
  constexpr uint32_t kHuge = 1u << 20;  // the page limit
  const Page cubed = CubedPage(kHuge, 1);
  ExpectRoundTrip(Encoding::kForPlanes, cubed, testing::EncodeOrFail(Encoding::kForPlanes, cubed));
  const Page ts = EventTimesPage(kHuge, 2);
  ExpectRoundTrip(Encoding::kDeltaPlanes, ts, testing::EncodeOrFail(Encoding::kDeltaPlanes, ts));
  const Page discount = DiscountPage(kHuge, 3);
  ExpectRoundTrip(Encoding::kDictionaryPlanes, discount, testing::EncodeOrFail(Encoding::kDictionaryPlanes, discount));
}

// ---- the writer's candidate ------------------------------------------------

// Stored size of the EncodeValues() choice with zstd on top where it saves.
uint64_t BestClassicSize(const Page& page, Encoding* chosen) {
  std::vector<uint8_t> out;
  auto e = EncodeValues(page.View(), {}, &out);
  EXPECT_TRUE(e.ok());
  *chosen = *e;
  return out.size();
}

TEST(BytePlanesCandidate, SkewedValuesTakeForPlanes) {
  const Page page = CubedPage(65536, 7);
  Encoding classic;
  const uint64_t classic_size = BestClassicSize(page, &classic);
  EXPECT_EQ(classic, Encoding::kForBitpack);
  std::vector<uint8_t> out = {1, 2, 3};  // appends after what is there
  auto e = EncodeBytePlanes(page.View(), classic_size, &out);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->has_value());
  EXPECT_EQ(**e, Encoding::kForPlanes);
  const std::vector<uint8_t> payload(out.begin() + 3, out.end());
  // 20-bit residuals: 3 planes, the top one zstd-compressed, >= 5% smaller.
  EXPECT_EQ(payload[8], 3);
  EXPECT_EQ(payload[16 + 2 * 8 + 4], 1);
  EXPECT_LT(payload.size(), classic_size * 97 / 100);  // 2.40 vs 2.50 B/value
  ExpectRoundTrip(Encoding::kForPlanes, page, payload);
}

TEST(BytePlanesCandidate, EventTimesTakeDeltaPlanes) {
  const Page page = EventTimesPage(65536, 8);
  Encoding classic;
  const uint64_t classic_size = BestClassicSize(page, &classic);
  EXPECT_EQ(classic, Encoding::kDeltaBitpack);
  std::vector<uint8_t> out;
  auto e = EncodeBytePlanes(page.View(), classic_size, &out);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->has_value());
  EXPECT_EQ(**e, Encoding::kDeltaPlanes);
  // Only the top plane is worth zstd (a plane must shrink by 1/8); the
  // page still beats the classic choice.
  EXPECT_LT(out.size(), classic_size * 97 / 100);
  ExpectRoundTrip(Encoding::kDeltaPlanes, page, out);
}

TEST(BytePlanesCandidate, SkewedCodesTakeDictionaryPlanes) {
  const Page page = DiscountPage(65536, 9);
  std::vector<uint8_t> out;
  auto e = EncodeBytePlanes(page.View(), UINT64_MAX, &out);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->has_value());
  EXPECT_EQ(**e, Encoding::kDictionaryPlanes);
  // 6-bit codes bit-packed take 0.75 B/value; the zstd code plane well under
  // half of that (entropy ~0.23 B/value).
  EXPECT_LT(out.size(), 65536u * 3 / 8);
  ExpectRoundTrip(Encoding::kDictionaryPlanes, page, out);

  std::mt19937_64 rng(10);
  std::vector<std::string> names(65536);
  for (auto& s : names) s = "category-" + std::to_string(rng() % 50);
  const Page strings = StringPage(names);
  out.clear();
  e = EncodeBytePlanes(strings.View(), UINT64_MAX, &out);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->has_value());
  EXPECT_EQ(**e, Encoding::kDictionaryPlanes);
  ExpectRoundTrip(Encoding::kDictionaryPlanes, strings, out);
}

TEST(BytePlanesCandidate, NoneWhenNotSmallerThanTheLimit) {
  // Uniform residuals: byte planes cannot beat bit-packing by 5%.
  std::mt19937_64 rng(11);
  std::vector<int64_t> v(65536);
  for (auto& x : v) x = 99 + int64_t(rng() % 49901);
  const Page page = FixedPage(PhysicalType::kI64, v);
  Encoding classic;
  const uint64_t classic_size = BestClassicSize(page, &classic);
  std::vector<uint8_t> out = {42};
  auto e = EncodeBytePlanes(page.View(), classic_size * 95 / 100, &out);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
  EXPECT_EQ(out, std::vector<uint8_t>{42});
  // A limit of 0 never takes anything; bool, empty and constant pages have
  // no candidate.
  e = EncodeBytePlanes(CubedPage(4096, 1).View(), 0, &out);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
  for (const Page& p : {FixedPage<uint8_t>(PhysicalType::kBool, {1, 0, 1}), FixedPage<int32_t>(PhysicalType::kI32, {}),
                        FixedPage(PhysicalType::kI32, std::vector<int32_t>(5000, 3))}) {
    e = EncodeBytePlanes(p.View(), UINT64_MAX, &out);
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(e->has_value());
  }
  EXPECT_EQ(out, std::vector<uint8_t>{42});
}

TEST(BytePlanesFeatures, OnlyTheNewEncodingsNeedTheFeature) {
  for (Encoding e : testing::kAllEncodings) {
    const bool planes = e == Encoding::kForPlanes || e == Encoding::kDeltaPlanes || e == Encoding::kDictionaryPlanes;
    const bool radix =
        e == Encoding::kForRadix || e == Encoding::kDictionaryRadix || e == Encoding::kDictionarySparse;
    EXPECT_EQ(RequiredFeatures(e), planes ? kFeatureBytePlanes : radix ? kFeatureRadix : 0u) << EncodingName(e);
  }
  EXPECT_EQ(EncodingName(Encoding::kForPlanes), "for_planes");
  EXPECT_EQ(EncodingName(Encoding::kDeltaPlanes), "delta_planes");
  EXPECT_EQ(EncodingName(Encoding::kDictionaryPlanes), "dictionary_planes");
  // A 1.0 reader does not know the bit; this build does.
  EXPECT_NE(UnknownFeatures(kFeatureBytePlanes, kFeaturesOfFormat1_0), 0u);
  EXPECT_EQ(UnknownFeatures(kFeatureBytePlanes), 0u);
  EXPECT_TRUE(UsesBytePlanes(kFeatureBytePlanes));
  EXPECT_FALSE(UsesBytePlanes(0));
}

// ---- decoder contract ------------------------------------------------------

TEST(BytePlanesDecoder, DictionaryViewAndCodes) {
  const Page page = DiscountPage(3000, 12);
  const std::vector<uint8_t> payload = testing::EncodeOrFail(Encoding::kDictionaryPlanes, page);
  auto d = PageDecoder::Make(Encoding::kDictionaryPlanes, page.type, payload, page.count);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const PageDecoder::DictionaryView view = (*d)->dictionary();
  ASSERT_GT(view.size, 1u);
  ASSERT_LE(view.size, 51u);
  const auto* entries = static_cast<const double*>(view.values);
  const auto* values = reinterpret_cast<const double*>(page.bytes());
  uint32_t pos = 0;
  while ((*d)->remaining() > 0) {
    uint32_t n = 0;
    auto codes = (*d)->NextCodes(&n);
    ASSERT_TRUE(codes.ok());
    for (uint32_t i = 0; i < n; ++i) {
      ASSERT_LT((*codes)[i], view.size);
      ASSERT_EQ(entries[(*codes)[i]], values[pos + i]);
    }
    pos += n;
  }
  EXPECT_EQ(pos, page.count);
}

TEST(BytePlanesDecoder, HostilePayloadsAreCorruption) {
  // A code at or above the dictionary size.
  const Page page = FixedPage<int32_t>(PhysicalType::kI32, {5, 6, 5});
  std::vector<uint8_t> dict = testing::EncodeOrFail(Encoding::kDictionaryPlanes, page);
  ASSERT_EQ(dict.size(), 8u + 8 + 8 + 8);  // header, 2 entries, descriptor, 3 1-bit codes + pad
  dict[16 + 5] = 2;  // 2 bits per code: codes 0, 2, 0
  dict[24] = 0x08;
  std::vector<int32_t> out(3);
  Status s = DecodeAll(Encoding::kDictionaryPlanes, page.type, dict, 3, out.data(), nullptr);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("code 2 of value 1"), std::string::npos) << s.ToString();

  // Delta: value 0 must have a zero residual.
  std::vector<uint8_t> delta = testing::EncodeOrFail(Encoding::kDeltaPlanes, page);
  delta[24 + 8] = 1;
  s = DecodeAll(Encoding::kDeltaPlanes, page.type, delta, 3, out.data(), nullptr);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("residual of value 0"), std::string::npos) << s.ToString();

  // Unknown plane mode; too many planes for the word.
  std::vector<uint8_t> fp = testing::EncodeOrFail(Encoding::kForPlanes, page);
  fp[16 + 4] = 2;
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForPlanes, page.type, fp, 3).status().IsCorruption());
  fp = testing::EncodeOrFail(Encoding::kForPlanes, page);
  fp[8] = 5;
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForPlanes, page.type, fp, 3).status().IsCorruption());

  // A zstd plane that claims a page beyond the limit, and one whose frame
  // holds fewer bytes than the page.
  const Page big = CubedPage(65536, 5);
  std::vector<uint8_t> zp = testing::EncodeOrFail(Encoding::kForPlanes, big);
  ASSERT_EQ(zp[16 + 2 * 8 + 4], 1);
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForPlanes, big.type, zp, UINT32_MAX).status().IsCorruption());
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForPlanes, big.type, zp, 65535).status().IsCorruption());
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForPlanes, big.type, zp, 65536).ok());
}

}  // namespace
}  // namespace dp::format
