// for_radix (9) and dictionary_radix (10): the digits-per-unit choice, the
// byte layout, round trips over edge values and shapes (partial
// superblocks, every radix class, huge pages, extreme bases), corruption of
// units, tails and headers, and the writer-side candidate (EncodeRadix).
// Every encoding's generic round trip and robustness checks also run these
// two (they are in kAllEncodings).
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "format/encoding/internal.h"
#include "format/version.h"
#include "tests/format/page_util.h"

namespace dp::format {
namespace {

using internal::BestRadixDigits;
using internal::RadixUnitsBytes;
using internal::RadixUnitWidth;
using testing::ExpectRoundTrip;
using testing::FixedPage;
using testing::I128;
using testing::Page;
using testing::StringPage;

TEST(RadixShape, DigitsPerUnit) {
  // Fewest bits per value, ties to fewer digits; none where bit-packing is
  // as tight (powers of two) or no two digits fit 21 bits.
  EXPECT_EQ(BestRadixDigits(10), 3u);  // 1000 in 10 bits: 3.33 bits per value
  EXPECT_EQ(RadixUnitWidth(10, 3), 10u);
  EXPECT_EQ(BestRadixDigits(50), 3u);  // 125000 in 17 bits: 5.67
  EXPECT_EQ(RadixUnitWidth(50, 3), 17u);
  EXPECT_EQ(BestRadixDigits(3), 5u);   // 243 in 8 bits: 1.6
  EXPECT_EQ(BestRadixDigits(5), 3u);   // 125 in 7 bits: 2.33
  for (uint64_t r : {2u, 4u, 8u, 16u, 64u, 1024u}) EXPECT_EQ(BestRadixDigits(r), 0u) << r;
  EXPECT_EQ(BestRadixDigits(0), 0u);
  EXPECT_EQ(BestRadixDigits(1), 0u);
  EXPECT_EQ(BestRadixDigits(1u << 21), 0u);
  EXPECT_EQ(BestRadixDigits(3000), 0u);  // 3000^2 > 2^21
  EXPECT_EQ(BestRadixDigits(1447), 2u);  // 1447^2 = 2093809 < 2^21: 21 bits for 2 values, not 2 x 11
  for (uint64_t r = 2; r < 2000; ++r) {
    const uint32_t k = BestRadixDigits(r);
    if (k == 0) continue;
    EXPECT_LT(RadixUnitWidth(uint32_t(r), k), k * std::bit_width(r - 1)) << r;
  }
  // The last superblock holds only the digits its values need.
  EXPECT_EQ(RadixUnitsBytes(1, 10, 3), 128u * 4);
  EXPECT_EQ(RadixUnitsBytes(3072, 10, 3), 128u * 10);
  EXPECT_EQ(RadixUnitsBytes(3073, 10, 3), 128u * 10 + 128 * 4);
  EXPECT_EQ(RadixUnitsBytes(65536, 50, 3), 21u * 128 * 17 + 128 * 6);
}

TEST(RadixLayout, ForRadixBytes) {
  // Values 7, 9, 8, 7 (base 7, radix 3): one superblock of 3 digits; only
  // row 0 is used, so the last superblock has 1 digit, 2 bits per unit.
  const Page page = FixedPage<int32_t>(PhysicalType::kI32, {7, 9, 8, 7});
  const std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kForRadix, page);
  ASSERT_EQ(out.size(), 16u + 128 * 2);
  EXPECT_EQ(internal::Load<uint64_t>(out.data()), 7u);       // base
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 8), 3u);   // radix
  EXPECT_EQ(out[12], 5);                                      // digits (3^5 = 243 in 8 bits)
  EXPECT_TRUE(internal::IsZero(out.data() + 13, 3));
  // Units 0..3 = 0, 2, 1, 0 in lanes 0..3 of the first packed word.
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 16) & 0xFF, 0u);
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 16 + 4), 2u);
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 16 + 8), 1u);
  ExpectRoundTrip(Encoding::kForRadix, page, out);
}

TEST(RadixLayout, DigitsOfOneUnitAreRowsApart) {
  // Value i of a superblock is digit i / 1024 of unit i % 1024.
  std::vector<int64_t> v(3 * 1024, 0);
  v[5] = 1;         // digit 0 of unit 5
  v[1024 + 5] = 2;  // digit 1 of unit 5
  v[2048 + 5] = 9;  // digit 2 of unit 5
  const Page page = FixedPage<int64_t>(PhysicalType::kI64, v);
  const std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kForRadix, page);
  ASSERT_EQ(internal::Load<uint32_t>(out.data() + 8), 10u);
  ASSERT_EQ(out[12], 3);
  alignas(64) uint32_t packed[kBlockSize], units[kBlockSize];
  std::memcpy(packed, out.data() + 16, 128 * 10);
  Unpack1024(packed, 10, units);
  EXPECT_EQ(units[5], 1u + 2 * 10 + 9 * 100);
  for (uint32_t j = 0; j < kBlockSize; ++j) {
    if (j != 5) {
      EXPECT_EQ(units[j], 0u) << j;
    }
  }
  ExpectRoundTrip(Encoding::kForRadix, page, out);
}

// RadixUnits::Row and Digits give the digits AppendRadixUnits stored, for
// every shape of 1 to kMaxRadixDigits digits (rows of up to kRowDigits
// digits made in one pass, more extracted one at a time), both edges of
// each digit's range, a last superblock of fewer rows, rows asked out of
// order and again; a unit >= R^k fails its top row only, with the message
// of the one-at-a-time path.
TEST(RadixUnits, RowsAndDigitsOfEveryShape) {
  std::mt19937_64 rng(11);
  size_t shapes = 0;
  for (uint32_t radix : {2u, 3u, 7u, 10u, 30u, 38u, 50u, 127u, 255u, 1447u}) {
    for (uint32_t k = 1; internal::ValidRadixShape(radix, k); ++k) {
      SCOPED_TRACE("radix " + std::to_string(radix) + " digits " + std::to_string(k));
      const uint32_t count = k * kBlockSize + 700;  // a last superblock of one partial row
      std::vector<uint32_t> digits(count);
      for (uint32_t i = 0; i < count; ++i) digits[i] = i % 97 == 0 ? radix - 1 : i % 89 == 0 ? 0 : uint32_t(rng() % radix);
      std::vector<uint8_t> bytes;
      internal::AppendRadixUnits(digits.data(), count, radix, k, &bytes);
      auto check = [&](internal::RadixUnits& units, uint32_t row) {
        auto got = units.Row(row * kBlockSize, Encoding::kForRadix, PhysicalType::kU64);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        const uint32_t n = std::min(kBlockSize, count - row * kBlockSize);
        for (uint32_t j = 0; j < n; ++j) ASSERT_EQ((*got)[j], digits[row * kBlockSize + j]) << "row " << row << " value " << j;
        alignas(64) uint64_t wide[kBlockSize];
        ASSERT_TRUE(units.Digits(row * kBlockSize, uint64_t{1} << 40, wide, Encoding::kForRadix, PhysicalType::kU64).ok());
        for (uint32_t j = 0; j < n; ++j) ASSERT_EQ(wide[j], (uint64_t{1} << 40) + digits[row * kBlockSize + j]) << j;
      };
      internal::RadixUnits units(bytes.data(), radix, k, count);
      const uint32_t rows = (count + kBlockSize - 1) / kBlockSize;
      for (uint32_t row = 0; row < rows; ++row) check(units, row);
      for (uint32_t row = rows; row-- > 0;) check(units, row);  // backwards: superblocks reloaded
      internal::RadixUnits copy(units);  // a copy starts with nothing loaded
      check(copy, rows - 1);
      check(copy, 0);
      ++shapes;
      if (k == 1 || radix == 2) continue;
      // Unit 3 of the first superblock past R^k - 1 (its width allows it
      // when R^k is not a power of two).
      const uint32_t width = internal::RadixUnitWidth(radix, k);
      const uint64_t top = internal::RadixPow(radix, k);
      if (top >= (uint64_t{1} << width)) continue;
      alignas(64) uint32_t packed[kBlockSize], unit[kBlockSize];
      std::memcpy(packed, bytes.data(), 128 * width);
      Unpack1024(packed, width, unit);
      unit[3] = uint32_t(top);
      Pack1024(unit, width, packed);
      std::vector<uint8_t> bad = bytes;
      std::memcpy(bad.data(), packed, 128 * width);
      internal::RadixUnits hostile(bad.data(), radix, k, count);
      for (uint32_t row = 0; row < k; ++row) {
        auto got = hostile.Row(row * kBlockSize, Encoding::kForRadix, PhysicalType::kU64);
        if (row + 1 < k) {
          ASSERT_TRUE(got.ok()) << "row " << row << ": " << got.status().ToString();
          ASSERT_EQ((*got)[3], 0u);  // R^k mod R^(row + 1) / R^row
        } else {
          ASSERT_TRUE(got.status().IsCorruption()) << "row " << row;
          EXPECT_NE(got.status().message().find("is not below " + std::to_string(radix) + "^" + std::to_string(k)),
                    std::string::npos)
              << got.status().ToString();
        }
      }
    }
  }
  EXPECT_GT(shapes, 40u);
}

// Pages of every integer type with values in [lo, lo + radix), for radix
// classes from 2 to 2^21 and counts around superblock edges.
TEST(RadixRoundTrip, ShapesAndEdges) {
  std::mt19937_64 rng(7);
  const uint32_t counts[] = {1, 2, 1023, 1024, 1025, 2047, 3071, 3072, 3073, 6145, 65536, 65537};
  const uint32_t radixes[] = {2, 3, 5, 7, 10, 50, 100, 255, 1000, 1447, 40000, 1u << 20, (1u << 21) - 1};
  size_t pages = 0;
  for (uint32_t radix : radixes) {
    for (uint32_t count : counts) {
      for (PhysicalType t : {PhysicalType::kI8, PhysicalType::kU16, PhysicalType::kI32, PhysicalType::kU32,
                             PhysicalType::kI64, PhysicalType::kU64}) {
        const size_t w = PhysicalWidth(t);
        const int bits = int(w) * 8;
        if (bits < 32 && radix > (uint64_t{1} << bits)) continue;
        // Lowest, highest and a middle start of the type's range.
        const I128 tmin = (t == PhysicalType::kI8 || t == PhysicalType::kI32 || t == PhysicalType::kI64)
                                  ? -(I128(1) << (bits - 1))
                                  : 0;
        const I128 tmax = tmin + (I128(1) << bits) - 1;
        for (I128 lo : {tmin, tmax - radix + 1, tmin + ((tmax - tmin) >> 1)}) {
          Page page;
          page.type = t;
          page.count = count;
          page.storage.assign((size_t{count} * w + 7) / 8, 0);
          for (uint32_t i = 0; i < count; ++i) {
            // Both ends of the range appear, the rest is random.
            const uint64_t d = i == 0 ? 0 : i == count / 2 ? radix - 1 : rng() % radix;
            const auto v = uint64_t(lo + d);
            std::memcpy(reinterpret_cast<uint8_t*>(page.storage.data()) + i * w, &v, w);
          }
          SCOPED_TRACE(std::string(PhysicalTypeName(t)) + " radix " + std::to_string(radix) + " count " +
                       std::to_string(count));
          const std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kForRadix, page);
          ASSERT_NO_FATAL_FAILURE(ExpectRoundTrip(Encoding::kForRadix, page, out));
          ++pages;
        }
      }
    }
  }
  EXPECT_GT(pages, 1000u);
}

TEST(RadixRoundTrip, HugePage) {
  // The page limit (2^20 values) with 50 categories.
  std::vector<std::string> values(1u << 20);
  std::mt19937 rng(3);
  for (auto& v : values) v = "category_" + std::to_string(rng() % 50);
  const Page page = StringPage(values);
  const std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kDictionaryRadix, page);
  ASSERT_NO_FATAL_FAILURE(testing::ExpectDecodeAll(Encoding::kDictionaryRadix, page, out));
}

TEST(RadixRoundTrip, DictionaryRadixOfEveryType) {
  std::mt19937 rng(11);
  for (uint32_t distinct : {2u, 3u, 10u, 50u, 300u}) {
    std::vector<double> d(3000);
    std::vector<float> f(3000);
    std::vector<std::string> s(3000);
    std::vector<int16_t> i16(3000);
    for (size_t i = 0; i < d.size(); ++i) {
      const uint32_t k = i < distinct ? uint32_t(i) : rng() % distinct;
      d[i] = k == 1 ? -0.0 : k == 2 ? std::numeric_limits<double>::quiet_NaN() : double(k) * 0.25;
      f[i] = k == 1 ? std::numeric_limits<float>::infinity() : float(k);
      s[i] = k == 0 ? "" : std::string(k % 7, 'x') + std::to_string(k);
      i16[i] = int16_t(k * 97 - 30000);
    }
    for (const Page& page : {FixedPage<double>(PhysicalType::kF64, d), FixedPage<float>(PhysicalType::kF32, f),
                             StringPage(s), FixedPage<int16_t>(PhysicalType::kI16, i16)}) {
      SCOPED_TRACE(std::string(PhysicalTypeName(page.type)) + " x" + std::to_string(distinct));
      const std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kDictionaryRadix, page);
      ASSERT_NO_FATAL_FAILURE(ExpectRoundTrip(Encoding::kDictionaryRadix, page, out));
      auto dec = PageDecoder::Make(Encoding::kDictionaryRadix, page.type, out, page.count);
      ASSERT_TRUE(dec.ok());
      EXPECT_EQ((*dec)->dictionary().size, distinct);
    }
  }
}

TEST(RadixRoundTrip, ForcedWhereItCannotApplyFallsBack) {
  // EncodeWith refuses; EncodeValues with `force` chooses automatically.
  const Page wide = FixedPage<int64_t>(PhysicalType::kI64, {0, int64_t{1} << 40});
  std::vector<uint8_t> out;
  EXPECT_TRUE(EncodeWith(Encoding::kForRadix, wide.View(), &out).IsInvalidArgument());
  const Page one = StringPage({"a", "a", "a"});
  EXPECT_TRUE(EncodeWith(Encoding::kDictionaryRadix, one.View(), &out).IsInvalidArgument());
  EncodeOptions o;
  o.force = Encoding::kForRadix;
  auto e = EncodeValues(wide.View(), o, &out);
  ASSERT_TRUE(e.ok());
  EXPECT_NE(*e, Encoding::kForRadix);
}

// ---- corruption ----------------------------------------------------------------

Status DecodeEverything(Encoding e, const Page& page, std::span<const uint8_t> payload) {
  std::vector<uint64_t> out(page.count + 1);
  std::vector<std::string_view> views(page.count);
  return DecodeAll(e, page.type, payload, page.count, out.data(), views.data());
}

TEST(RadixCorruption, UnitOutOfRange) {
  // 10 values of radix 10 in 3-digit units of 10 bits: 1023 >= 1000.
  std::vector<int32_t> v(3000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int32_t(i % 10);
  const Page page = FixedPage<int32_t>(PhysicalType::kI32, v);
  std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kForRadix, page);
  ASSERT_EQ(out[12], 3);
  ASSERT_TRUE(DecodeEverything(Encoding::kForRadix, page, out).ok());
  // Set unit 17 of the first superblock to all ones (10 bits).
  alignas(64) uint32_t packed[kBlockSize], units[kBlockSize];
  std::memcpy(packed, out.data() + 16, 128 * 10);
  Unpack1024(packed, 10, units);
  units[17] = 1023;
  Pack1024(units, 10, packed);
  std::memcpy(out.data() + 16, packed, 128 * 10);
  const Status s = DecodeEverything(Encoding::kForRadix, page, out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("not below 10^3"), std::string::npos) << s.ToString();
}

TEST(RadixCorruption, DigitAfterTheLastValue) {
  // 1500 values: the last superblock has 2 digits; units 476.. of row 1 are
  // past the end and must be < 50.
  std::vector<std::string> v(1500);
  for (size_t i = 0; i < v.size(); ++i) v[i] = "c" + std::to_string(i % 50);
  const Page page = StringPage(v);
  std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kDictionaryRadix, page);
  ASSERT_TRUE(DecodeEverything(Encoding::kDictionaryRadix, page, out).ok());
  const uint32_t width = RadixUnitWidth(50, 2);
  const size_t at = out.size() - 128 * width;
  alignas(64) uint32_t packed[kBlockSize], units[kBlockSize];
  std::memcpy(packed, out.data() + at, 128 * width);
  Unpack1024(packed, width, units);
  units[1000] += 50;  // digit 1 of unit 1000 = value 2024, past 1500
  Pack1024(units, width, packed);
  std::memcpy(out.data() + at, packed, 128 * width);
  const Status s = PageDecoder::Make(Encoding::kDictionaryRadix, page.type, out, page.count).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("after the last value"), std::string::npos) << s.ToString();
}

TEST(RadixCorruption, Headers) {
  std::vector<int64_t> v(100);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int64_t(i % 7);
  const Page page = FixedPage<int64_t>(PhysicalType::kI64, v);
  const std::vector<uint8_t> good = testing::EncodeOrFail(Encoding::kForRadix, page);
  auto corrupt = [&](auto change) {
    std::vector<uint8_t> bad = good;
    change(bad);
    return PageDecoder::Make(Encoding::kForRadix, page.type, bad, page.count).status();
  };
  EXPECT_TRUE(corrupt([](auto& b) { b[8] = 1, b[9] = b[10] = b[11] = 0; }).IsCorruption());  // radix 1
  EXPECT_TRUE(corrupt([](auto& b) { b[12] = 0; }).IsCorruption());                         // 0 digits
  EXPECT_TRUE(corrupt([](auto& b) { b[12] = 200; }).IsCorruption());                       // 7^200
  EXPECT_TRUE(corrupt([](auto& b) { b[13] = 1; }).IsCorruption());                         // reserved
  EXPECT_TRUE(corrupt([](auto& b) { b.push_back(0); }).IsCorruption());                    // size mismatch
  EXPECT_TRUE(corrupt([](auto& b) { b[11] = 0x80; }).IsCorruption());                      // huge radix
  EXPECT_TRUE(corrupt([](auto& b) { b.resize(15); }).IsCorruption());
  const Page strings = StringPage({"a", "b", "a", "c"});
  std::vector<uint8_t> dict = testing::EncodeOrFail(Encoding::kDictionaryRadix, strings);
  dict[0] = 1;  // dictionary of 1 entry: radix 1
  EXPECT_TRUE(PageDecoder::Make(Encoding::kDictionaryRadix, strings.type, dict, 4).status().IsCorruption());
}

// ---- the writer-side candidate ------------------------------------------------

TEST(RadixCandidate, TakenWhereSmallerThanTheLimit) {
  std::mt19937 rng(5);
  std::vector<int32_t> quantity(65536);
  for (auto& q : quantity) q = int32_t(1 + rng() % 10);
  const Page page = FixedPage<int32_t>(PhysicalType::kI32, quantity);
  std::vector<uint8_t> out{1, 2, 3};
  auto e = EncodeRadix(page.View(), UINT64_MAX, &out);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(*e, Encoding::kForRadix);
  // 3.34 bits per value against 4 for bit-packing.
  EXPECT_EQ(out.size(), 3 + 16 + RadixUnitsBytes(65536, 10, 3));
  EXPECT_LT(out.size(), 65536u * 4 / 8 * 84 / 100);
  ExpectRoundTrip(Encoding::kForRadix, page, std::vector<uint8_t>(out.begin() + 3, out.end()));
  // Over the limit, or a range of a power of two: nothing appended.
  std::vector<uint8_t> small;
  e = EncodeRadix(page.View(), 1000, &small);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
  EXPECT_TRUE(small.empty());
  for (auto& q : quantity) q = int32_t(rng() % 16);
  e = EncodeRadix(FixedPage<int32_t>(PhysicalType::kI32, quantity).View(), UINT64_MAX, &small);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
  // Strings: 50 categories as dictionary codes.
  std::vector<std::string> cats(65536);
  for (auto& c : cats) c = "category_" + std::to_string(rng() % 50);
  e = EncodeRadix(StringPage(cats).View(), UINT64_MAX, &small);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Encoding::kDictionaryRadix);
  // Bool, constant and empty pages have none.
  for (const Page& p : {FixedPage<uint8_t>(PhysicalType::kBool, {0, 1, 1}), StringPage({"x", "x"}), Page{}}) {
    std::vector<uint8_t> none;
    e = EncodeRadix(p.View(), UINT64_MAX, &none);
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(e->has_value());
  }
}

TEST(RadixFeatures, Format1_2) {
  EXPECT_EQ(RequiredFeatures(Encoding::kForRadix), kFeatureRadix);
  EXPECT_EQ(RequiredFeatures(Encoding::kDictionaryRadix), kFeatureRadix);
  EXPECT_EQ(EncodingName(Encoding::kForRadix), "for_radix");
  EXPECT_EQ(EncodingName(Encoding::kDictionaryRadix), "dictionary_radix");
  // Readers of 1.0 and 1.1 do not know the bit; this build does.
  EXPECT_NE(UnknownFeatures(kFeatureRadix, kFeaturesOfFormat1_1), 0u);
  EXPECT_EQ(UnknownFeatures(kFeatureRadix), 0u);
}

}  // namespace
}  // namespace dp::format

namespace dp::format {
namespace {

// ---- dictionary_sparse (11) ---------------------------------------------------

// A page of `n` doubles: 0.0 except every `every`-th, which cycles over
// `distinct` - 1 other values.
Page MostlyZero(uint32_t n, uint32_t every, uint32_t distinct) {
  std::vector<double> v(n, 0.0);
  for (uint32_t i = 0; i < n; i += every) v[i] = 0.01 * (1 + (i / every) % (distinct - 1));
  return FixedPage<double>(PhysicalType::kF64, v);
}

TEST(Sparse, LayoutOfASmallPage) {
  // 0, 5, 0, 0, 7, 0: dictionary [0, 5, 7] by first occurrence, dominant
  // code 0, exceptions at 1 and 4 with codes 1, 2 -> digits 0, 1 (radix 2).
  const Page page = FixedPage<int32_t>(PhysicalType::kI32, {0, 5, 0, 0, 7, 0});
  const std::vector<uint8_t> out = testing::EncodeOrFail(Encoding::kDictionarySparse, page);
  ASSERT_GE(out.size(), 32u);
  EXPECT_EQ(internal::Load<uint32_t>(out.data()), 3u);  // D
  const uint32_t k = out[4];
  EXPECT_EQ(k, 1u);  // radix 2: no k packs tighter than one bit
  // Entries 0, 5, 7 (12 bytes from 8), pad8 -> codes at 24.
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 16), 7u);
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 24), 0u);  // dominant code
  EXPECT_EQ(internal::Load<uint32_t>(out.data() + 28), 2u);  // exceptions
  EXPECT_EQ(out[32], 0b010010);                               // bitmap: values 1 and 4
  EXPECT_EQ(out.size(), 32u + 8 + 128 * 1);                   // one row of 1-bit digits
  ExpectRoundTrip(Encoding::kDictionarySparse, page, out);
}

TEST(Sparse, RoundTripsAcrossShapes) {
  for (uint32_t n : {1u, 2u, 63u, 64u, 65u, 1023u, 1024u, 1025u, 5000u, 65536u, 70001u}) {
    for (uint32_t every : {1u, 2u, 5u, 64u, 1000u}) {
      for (uint32_t distinct : {2u, 3u, 51u, 300u}) {
        const Page page = MostlyZero(n, every, distinct);
        if (!testing::ForcedEncodingApplies(Encoding::kDictionarySparse, page)) continue;
        SCOPED_TRACE(std::to_string(n) + " every " + std::to_string(every) + " x" + std::to_string(distinct));
        ASSERT_NO_FATAL_FAILURE(
            ExpectRoundTrip(Encoding::kDictionarySparse, page, testing::EncodeOrFail(Encoding::kDictionarySparse, page)));
      }
    }
  }
  // Strings, the dominant entry not first, and the page limit.
  std::vector<std::string> s(1u << 20, "ok");
  for (size_t i = 0; i < s.size(); i += 7) s[i] = "error_" + std::to_string(i % 13);
  s[0] = "first";
  const Page strings = StringPage(s);
  ASSERT_NO_FATAL_FAILURE(
      testing::ExpectDecodeAll(Encoding::kDictionarySparse, strings, testing::EncodeOrFail(Encoding::kDictionarySparse, strings)));
}

TEST(Sparse, ChosenForADominantValue) {
  // The order events' discount: 80% zero, the rest 0.01 .. 0.50.
  std::mt19937 rng(9);
  std::vector<double> v(65536);
  for (auto& d : v) d = rng() % 100 < 80 ? 0.0 : 0.01 * double(1 + rng() % 50);
  const Page page = FixedPage<double>(PhysicalType::kF64, v);
  std::vector<uint8_t> out;
  auto e = EncodeRadix(page.View(), UINT64_MAX, &out);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(*e, Encoding::kDictionarySparse);
  // 1 bit per value + 5.67 per exception: under 2.25 bits per value.
  EXPECT_LT(out.size(), 65536u * 9 / 32);
  ExpectRoundTrip(Encoding::kDictionarySparse, page, out);
  // Uniform codes: radix codes are smaller.
  for (auto& d : v) d = 0.01 * double(rng() % 50);
  out.clear();
  e = EncodeRadix(FixedPage<double>(PhysicalType::kF64, v).View(), UINT64_MAX, &out);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Encoding::kDictionaryRadix);
}

// NextSparse (the form aggregation kernels read) lists, block by block,
// exactly the values that differ from the dominant code, and agrees with
// NextCodes, also after skipped blocks; a partial last block included.
TEST(Sparse, NextSparseListsTheExceptions) {
  for (uint32_t n : {1u, 1023u, 1024u, 5000u, 70001u}) {
    // every 0: the density changes from one 64-value word to the next,
    // from all to none.
    for (uint32_t every : {0u, 1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 64u, 1000u}) {
      Page page = MostlyZero(n, every == 0 ? 1 : every, 51);
      if (every == 0) {
        std::vector<double> v(n, 0.0);
        for (uint32_t i = 0; i < n; ++i) {
          if ((i * 2654435761u >> 7) % (1 + (i / 64) % 23) == 0) v[i] = 0.01 * (1 + i % 50);
        }
        page = FixedPage<double>(PhysicalType::kF64, v);
      }
      if (!testing::ForcedEncodingApplies(Encoding::kDictionarySparse, page)) continue;
      SCOPED_TRACE(std::to_string(n) + " every " + std::to_string(every));
      const std::vector<uint8_t> payload = testing::EncodeOrFail(Encoding::kDictionarySparse, page);
      auto sparse = PageDecoder::Make(Encoding::kDictionarySparse, page.type, payload, n);
      auto dense = PageDecoder::Make(Encoding::kDictionarySparse, page.type, payload, n);
      ASSERT_TRUE(sparse.ok() && dense.ok());
      ASSERT_TRUE((*sparse)->sparse());
      const uint32_t size = (*sparse)->dictionary().size;
      for (uint32_t block = 0; (*sparse)->remaining() > 0; ++block) {
        if (block % 3 == 1) {  // skip one in three blocks on both
          const uint32_t k = std::min(kBlockSize, (*sparse)->remaining());
          ASSERT_TRUE((*sparse)->Skip(k).ok());
          ASSERT_TRUE((*dense)->Skip(k).ok());
          continue;
        }
        uint32_t got = 0, want = 0;
        auto s = (*sparse)->NextSparse(&got);
        auto codes = (*dense)->NextCodes(&want);
        ASSERT_TRUE(s.ok() && codes.ok());
        ASSERT_EQ(got, want);
        std::vector<uint32_t> expanded(got, s->dominant);
        for (uint32_t k = 0; k < s->exceptions; ++k) {
          ASSERT_LT(s->offsets[k], got);
          if (k > 0) {
            ASSERT_LT(s->offsets[k - 1], s->offsets[k]);
          }
          ASSERT_NE(s->codes[k], s->dominant);
          ASSERT_LT(s->codes[k], size);
          expanded[s->offsets[k]] = s->codes[k];
        }
        ASSERT_EQ(expanded, std::vector<uint32_t>(*codes, *codes + want)) << "block " << block;
      }
    }
  }
  // Other pages have no sparse form.
  const Page plain = FixedPage<int64_t>(PhysicalType::kI64, {1, 2, 3});
  auto d = PageDecoder::Make(Encoding::kDictionary, plain.type,
                             testing::EncodeOrFail(Encoding::kDictionary, plain), plain.count);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE((*d)->sparse());
}

TEST(Sparse, Corruption) {
  const Page page = MostlyZero(3000, 3, 51);
  const std::vector<uint8_t> good = testing::EncodeOrFail(Encoding::kDictionarySparse, page);
  ASSERT_TRUE(DecodeEverything(Encoding::kDictionarySparse, page, good).ok());
  const uint64_t codes_at = internal::DictionaryCodesOffset(51 * 8);
  auto status = [&](auto change) {
    std::vector<uint8_t> bad = good;
    change(bad);
    return DecodeEverything(Encoding::kDictionarySparse, page, bad);
  };
  // Dominant code out of range; exception count above the values; a bit
  // more or fewer than declared; a bit after the last value; size.
  EXPECT_TRUE(status([&](auto& b) { b[codes_at] = 51; }).IsCorruption());
  EXPECT_TRUE(status([&](auto& b) { b[codes_at + 5] = 0xFF; }).IsCorruption());
  EXPECT_TRUE(status([&](auto& b) { b[codes_at + 8 + 100] ^= 0x02; }).IsCorruption());
  EXPECT_TRUE(status([&](auto& b) { b[codes_at + 8 + 375] |= 0x80; }).IsCorruption());  // bit 3007
  EXPECT_TRUE(status([&](auto& b) { b.pop_back(); }).IsCorruption());
  EXPECT_TRUE(status([&](auto& b) { b[4] = 0; }).IsCorruption());  // 0 digits
  // D = 2: the one exception code is 0; a digit of 1 is out of range.
  const Page two = FixedPage<int64_t>(PhysicalType::kI64, {4, 4, 9, 4});
  std::vector<uint8_t> bad = testing::EncodeOrFail(Encoding::kDictionarySparse, two);
  const size_t units_at = bad.size() - 128;
  bad[units_at] = 1;  // unit 0, digit 0 = 1
  const Status s = DecodeEverything(Encoding::kDictionarySparse, two, bad);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // Asked again after the error, the block fails again: the row of digits
  // that failed its check is not kept as loaded (it was, and a second
  // NextSparse handed out a code past the dictionary).
  auto d = PageDecoder::Make(Encoding::kDictionarySparse, two.type, bad, two.count);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint32_t n = 0;
    auto sparse = (*d)->NextSparse(&n);
    EXPECT_TRUE(sparse.status().IsCorruption()) << "attempt " << attempt;
  }
}

}  // namespace
}  // namespace dp::format
