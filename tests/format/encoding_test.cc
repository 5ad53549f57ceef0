// Page encodings (spec/format.md §"Encodings"): exact byte layouts, round
// trips of every physical type through every encoding that supports it, and
// the automatic choice.
#include "format/encoding.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "format/encoding/internal.h"
#include "tests/format/page_util.h"

namespace dp::format {
namespace {

using testing::FixedPage;
using testing::kAllEncodings;
using testing::Page;
using testing::StringPage;

using Cases = std::vector<std::pair<std::string, Page>>;

template <typename T>
std::vector<T> Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(n);
  for (auto& x : v) {
    const uint64_t bits = rng();
    std::memcpy(&x, &bits, sizeof(T));
  }
  return v;
}

template <typename T>
Cases IntegerCases(PhysicalType t) {
  using L = std::numeric_limits<T>;
  Cases cases;
  auto add = [&](std::string name, std::vector<T> v) { cases.emplace_back(std::move(name), FixedPage(t, v)); };
  add("empty", {});
  add("one", Random<T>(1, 1));
  for (size_t n : {1023, 1024, 1025, 65536}) add("random_" + std::to_string(n), Random<T>(n, n));
  add("all_equal", std::vector<T>(1025, T(42)));
  add("all_min", std::vector<T>(1030, L::min()));
  std::vector<T> alternating(2050), sorted(4000), small(3000), runs;
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < alternating.size(); ++i) alternating[i] = i % 2 ? L::max() : L::min();
  add("min_max_alternating", alternating);
  sorted[0] = L::min();
  for (size_t i = 1; i < sorted.size(); ++i) sorted[i] = T(sorted[i - 1] + T(rng() % 3));
  add("sorted_wrapping", sorted);
  std::vector<T> descending(2100);
  for (size_t i = 0; i < descending.size(); ++i) descending[i] = T(L::max() - T(i * 7));
  add("descending", descending);
  for (auto& x : small) x = T(100 + rng() % 60);
  add("small_range", small);
  while (runs.size() < 5000) runs.insert(runs.end(), 1 + rng() % 300, T(rng()));
  add("runs", runs);
  return cases;
}

template <typename T>
Cases FloatCases(PhysicalType t) {
  using L = std::numeric_limits<T>;
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Cases cases;
  auto add = [&](std::string name, std::vector<T> v) { cases.emplace_back(std::move(name), FixedPage(t, v)); };
  const T nan_payload = std::bit_cast<T>(Bits(std::bit_cast<Bits>(L::quiet_NaN()) | 0x5));
  const std::vector<T> specials = {L::quiet_NaN(), -L::quiet_NaN(), L::signaling_NaN(), nan_payload, T(0.0),
                                   T(-0.0), L::infinity(), -L::infinity(), L::denorm_min(), L::max(),
                                   L::lowest(), L::min(), T(1.5)};
  add("empty", {});
  add("one_negative_zero", {T(-0.0)});
  for (size_t n : {1023, 1024, 1025, 65536}) add("random_bits_" + std::to_string(n), Random<T>(n, n));
  add("all_negative_zero", std::vector<T>(1025, T(-0.0)));
  add("all_nan_payload", std::vector<T>(1025, nan_payload));
  std::vector<T> special_mix, zeros, categories(65536), runs;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 2000; ++i) special_mix.push_back(specials[rng() % specials.size()]);
  add("specials", special_mix);
  for (int i = 0; i < 1500; ++i) zeros.push_back(i % 3 ? T(0.0) : T(-0.0));
  add("signed_zeros", zeros);
  for (auto& x : categories) x = T(0.25) * T(rng() % 40);
  add("categories", categories);
  while (runs.size() < 5000) runs.insert(runs.end(), 1 + rng() % 300, specials[rng() % specials.size()]);
  add("runs", runs);
  return cases;
}

Cases BoolCases() {
  Cases cases;
  auto add = [&](std::string name, std::vector<uint8_t> v) {
    cases.emplace_back(std::move(name), FixedPage(PhysicalType::kBool, v));
  };
  std::mt19937_64 rng(5);
  add("empty", {});
  add("one_true", {1});
  for (size_t n : {1023, 1024, 1025, 65536}) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = rng() & 1;
    add("random_" + std::to_string(n), v);
  }
  add("all_true", std::vector<uint8_t>(1025, 1));
  add("all_false", std::vector<uint8_t>(9, 0));
  std::vector<uint8_t> alternating(1027), runs;
  for (size_t i = 0; i < alternating.size(); ++i) alternating[i] = i % 2;
  add("alternating", alternating);
  while (runs.size() < 5000) runs.insert(runs.end(), 1 + rng() % 300, uint8_t(runs.size() % 2));
  add("runs", runs);
  return cases;
}

std::string RandomString(std::mt19937_64& rng, size_t max_len) {
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) c = char(rng());
  return s;
}

Cases StringCases() {
  Cases cases;
  auto add = [&](std::string name, std::vector<std::string> v) { cases.emplace_back(std::move(name), StringPage(v)); };
  std::mt19937_64 rng(6);
  add("empty", {});
  add("one_empty_string", {""});
  add("all_empty_strings", std::vector<std::string>(1025));
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = char(rng());
  add("one_mebibyte_value", {"", big, "a", "", big});
  add("all_equal_mebibyte", {big, big, big});
  for (size_t n : {1023, 1024, 1025, 65536}) {
    std::vector<std::string> v(n);
    for (auto& s : v) s = RandomString(rng, 20);
    add("random_" + std::to_string(n), v);
  }
  add("all_equal", std::vector<std::string>(1025, "abc"));
  std::vector<std::string> categories(3000), runs;
  for (auto& s : categories) s = "category-" + std::to_string(rng() % 50);
  add("categories", categories);
  while (runs.size() < 4000) runs.insert(runs.end(), 1 + rng() % 300, RandomString(rng, 5));
  add("runs", runs);
  return cases;
}

Cases CasesFor(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBool: return BoolCases();
    case PhysicalType::kI8: return IntegerCases<int8_t>(t);
    case PhysicalType::kI16: return IntegerCases<int16_t>(t);
    case PhysicalType::kI32: return IntegerCases<int32_t>(t);
    case PhysicalType::kI64: return IntegerCases<int64_t>(t);
    case PhysicalType::kU8: return IntegerCases<uint8_t>(t);
    case PhysicalType::kU16: return IntegerCases<uint16_t>(t);
    case PhysicalType::kU32: return IntegerCases<uint32_t>(t);
    case PhysicalType::kU64: return IntegerCases<uint64_t>(t);
    case PhysicalType::kF32: return FloatCases<float>(t);
    case PhysicalType::kF64: return FloatCases<double>(t);
    case PhysicalType::kBytes: return StringCases();
  }
  return {};
}

// Decoders with runs (rle): the runs of every block, expanded, are the
// block's values, one run per value at most, every length >= 1.
void ExpectRunsMatchValues(Encoding e, const Page& page, std::span<const uint8_t> payload) {
  auto values = PageDecoder::Make(e, page.type, payload, page.count);
  auto runs = PageDecoder::Make(e, page.type, payload, page.count);
  ASSERT_TRUE(values.ok() && runs.ok());
  if (!(*runs)->runs()) return;
  const int width = PhysicalWidth(page.type);
  alignas(64) uint8_t scratch[8 * kBlockSize];
  std::vector<std::string_view> strings(kBlockSize);
  std::vector<uint8_t> expanded(8 * kBlockSize);
  for (uint32_t block = 0; (*values)->remaining() > 0; ++block) {
    uint32_t n = 0, m = 0;
    auto v = (*values)->Next(scratch, strings.data(), &n);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    auto r = (*runs)->NextRuns(&m);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(m, n);
    ASSERT_GE(r->count, n > 0 ? 1u : 0u);
    ASSERT_LE(r->count, n);
    size_t at = 0;
    for (uint32_t k = 0; k < r->count; ++k) {
      ASSERT_GE(r->lengths[k], 1u) << "run " << k;
      for (uint32_t j = 0; j < r->lengths[k]; ++j, ++at) {
        ASSERT_LT(at, size_t{n});
        std::memcpy(expanded.data() + at * width, static_cast<const uint8_t*>(r->values) + size_t{k} * width, width);
      }
    }
    ASSERT_EQ(at, size_t{n}) << "block " << block;
    ASSERT_EQ(std::memcmp(expanded.data(), *v, size_t{n} * width), 0) << "block " << block;
  }
}

void ExpectRoundTrip(Encoding e, const Page& page, const std::vector<uint8_t>& payload) {
  if (page.count == 0) {
    ASSERT_TRUE(payload.empty());
  }
  ASSERT_NO_FATAL_FAILURE(testing::ExpectDecodeAll(e, page, payload));
  ASSERT_NO_FATAL_FAILURE(testing::ExpectStreamedWithSkips(e, page, payload));
  ASSERT_NO_FATAL_FAILURE(ExpectRunsMatchValues(e, page, payload));
  // The same bytes at an odd address: decoders copy instead of aliasing.
  std::vector<uint8_t> shifted(payload.size() + 1);
  if (!payload.empty()) std::memcpy(shifted.data() + 1, payload.data(), payload.size());
  ASSERT_NO_FATAL_FAILURE(testing::ExpectDecodeAll(e, page, std::span(shifted).subspan(1)));
}

class EncodingRoundTrip : public ::testing::TestWithParam<PhysicalType> {};

TEST_P(EncodingRoundTrip, EveryEncodingEveryCase) {
  for (const auto& [name, page] : CasesFor(GetParam())) {
    for (Encoding e : kAllEncodings) {
      if (!EncodingSupports(e, page.type)) continue;
      SCOPED_TRACE(name + " as " + std::to_string(int(e)));
      std::vector<uint8_t> payload;
      const Status s = EncodeWith(e, page.View(), &payload);
      if (!testing::ForcedEncodingApplies(e, page)) {
        ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
        continue;
      }
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_NO_FATAL_FAILURE(ExpectRoundTrip(e, page, payload));
    }
    SCOPED_TRACE(name + " automatic");
    std::vector<uint8_t> payload;
    auto chosen = EncodeValues(page.View(), {}, &payload);
    ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
    ASSERT_TRUE(EncodingSupports(*chosen, page.type));
    ASSERT_NO_FATAL_FAILURE(ExpectRoundTrip(*chosen, page, payload));
  }
}

INSTANTIATE_TEST_SUITE_P(Types, EncodingRoundTrip,
                         ::testing::Values(PhysicalType::kBool, PhysicalType::kI8, PhysicalType::kI16,
                                           PhysicalType::kI32, PhysicalType::kI64, PhysicalType::kU8,
                                           PhysicalType::kU16, PhysicalType::kU32, PhysicalType::kU64,
                                           PhysicalType::kF32, PhysicalType::kF64, PhysicalType::kBytes),
                         [](const ::testing::TestParamInfo<PhysicalType>& p) {
                           return std::string(PhysicalTypeName(p.param));
                         });

// ---- exact byte layouts ----------------------------------------------------

std::vector<uint8_t> Encode(Encoding e, const Page& page) {
  std::vector<uint8_t> out;
  const Status s = EncodeWith(e, page.View(), &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::vector<uint8_t> Bytes(std::initializer_list<int> v) { return std::vector<uint8_t>(v.begin(), v.end()); }

std::vector<uint8_t> Concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// One bit-packed block of u32 words (width w) whose lane l of row 0 holds
// values[l] (l < 32), everything else zero.
std::vector<uint8_t> Row0Block32(uint32_t width, std::vector<uint32_t> values) {
  std::vector<uint8_t> block(128 * width, 0);
  for (size_t l = 0; l < values.size(); ++l) std::memcpy(block.data() + 4 * l, &values[l], 4);
  return block;
}

TEST(EncodingLayout, Plain) {
  EXPECT_EQ(Encode(Encoding::kPlain, FixedPage<int16_t>(PhysicalType::kI16, {1, -2})), Bytes({1, 0, 0xFE, 0xFF}));
  EXPECT_EQ(Encode(Encoding::kPlain, FixedPage<uint8_t>(PhysicalType::kBool, {1, 0, 1, 1, 0, 0, 0, 0, 1})),
            Bytes({0x0D, 0x01}));
  EXPECT_EQ(Encode(Encoding::kPlain, StringPage({"ab", ""})),
            Bytes({0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 'a', 'b', 0, 0}));
}

TEST(EncodingLayout, ForBitpack) {
  // base 5, values 0,1,2 above it: width 2, lanes 0..2 of row 0.
  const auto header = Bytes({5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(Encode(Encoding::kForBitpack, FixedPage<int32_t>(PhysicalType::kI32, {5, 6, 7})),
            Concat(header, Row0Block32(2, {0, 1, 2})));
  // Signed values widen with their sign: base -1 is 0xFFFFFFFF in the u32 word.
  const auto negative = Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(Encode(Encoding::kForBitpack, FixedPage<int8_t>(PhysicalType::kI8, {-1, 0})),
            Concat(negative, Row0Block32(1, {0, 1})));
}

TEST(EncodingLayout, DeltaBitpack) {
  // 10, 12, 11: deltas 2, -1; min_delta -1; packed 0, 3, 0 in 2 bits. The
  // header's last 8 bytes are zero; one width byte per block, padded to 8.
  std::vector<uint8_t> expected = Bytes({10, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0,
                                         0,  0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0});
  expected = Concat(expected, Row0Block32(2, {0, 3, 0}));
  EXPECT_EQ(Encode(Encoding::kDeltaBitpack, FixedPage<int32_t>(PhysicalType::kI32, {10, 12, 11})), expected);

  // Each block gets its own width: a block of steady +1 steps packs in 0 bits
  // while a block with one jump of 1000 needs 10.
  std::vector<int64_t> v(2048);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int64_t(i);
  v[1500] += 1000;
  for (size_t i = 1501; i < v.size(); ++i) v[i] = v[i - 1] + 1;
  const std::vector<uint8_t> out = Encode(Encoding::kDeltaBitpack, FixedPage<int64_t>(PhysicalType::kI64, v));
  ASSERT_GE(out.size(), 32u);
  EXPECT_EQ(out[24], 0) << "block 0 holds only deltas equal to min_delta";
  EXPECT_EQ(out[25], 10) << "block 1 holds the jump (1001 - 1 = 1000 above min_delta)";
  EXPECT_EQ(out.size(), 32u + 128u * 10);
}

TEST(EncodingLayout, Rle) {
  // runs: 7 x2, 9 x1 -> ends [2, 3], values at pad8(8 + 8) = 16.
  EXPECT_EQ(Encode(Encoding::kRle, FixedPage<int16_t>(PhysicalType::kI16, {7, 7, 9})),
            Bytes({2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 7, 0, 9, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Encode(Encoding::kRle, FixedPage<uint8_t>(PhysicalType::kBool, {1, 1, 1})),
            Bytes({1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(EncodingLayout, Dictionary) {
  // Writer policy: entries in ascending order, "a", "b" (not "b", "a" of
  // first occurrence); codes 1, 0, 1 in 1 bit.
  std::vector<uint8_t> expected =
      Bytes({2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 'b', 0, 0});
  EXPECT_EQ(Encode(Encoding::kDictionary, StringPage({"b", "a", "b"})),
            Concat(expected, Row0Block32(1, {1, 0, 1})));
  // Fixed width: ascending by bit pattern, 5 (0x0005) before -1 (0xFFFF).
  EXPECT_EQ(Encode(Encoding::kDictionary, FixedPage<int16_t>(PhysicalType::kI16, {-1, 5, -1})),
            Concat(Bytes({2, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0xFF, 0xFF, 0, 0, 0, 0}), Row0Block32(1, {1, 0, 1})));
  // One entry: code width 0, no code blocks at all.
  EXPECT_EQ(Encode(Encoding::kDictionary, FixedPage<float>(PhysicalType::kF32, {1.0f, 1.0f})),
            Bytes({1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0}));
}

TEST(EncodingLayout, Constant) {
  EXPECT_EQ(Encode(Encoding::kConstant, FixedPage<int16_t>(PhysicalType::kI16, {-2, -2})),
            Bytes({0xFE, 0xFF, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Encode(Encoding::kConstant, StringPage({"abcde"})), Bytes({5, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 0, 0, 0,
                                                                       0, 0, 0, 0}));
}

TEST(EncodingLayout, EmptyPageIsEmptyForEveryEncoding) {
  for (Encoding e : kAllEncodings) {
    for (PhysicalType t : {PhysicalType::kI32, PhysicalType::kBytes, PhysicalType::kBool}) {
      if (!EncodingSupports(e, t)) continue;
      Page page;
      page.type = t;
      std::vector<uint8_t> out;
      ASSERT_TRUE(EncodeWith(e, page.View(), &out).ok());
      EXPECT_TRUE(out.empty());
      const uint8_t one = 0;
      EXPECT_TRUE(PageDecoder::Make(e, t, std::span(&one, 1), 0).status().IsCorruption());
    }
  }
}

// ---- automatic choice ------------------------------------------------------

Encoding Chosen(const Page& page, EncodeOptions options = {}) {
  std::vector<uint8_t> out;
  auto e = EncodeValues(page.View(), options, &out);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? *e : Encoding::kPlain;
}

TEST(EncodingChoice, ObviousCases) {
  std::mt19937_64 rng(8);
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI64, std::vector<int64_t>(5000, 7))), Encoding::kConstant);
  EXPECT_EQ(Chosen(StringPage(std::vector<std::string>(3000, "same"))), Encoding::kConstant);
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kBool, std::vector<uint8_t>(3000, 1))), Encoding::kConstant);

  std::vector<int64_t> timestamps(65536);
  int64_t ts = 1'700'000'000'000'000;
  for (auto& x : timestamps) x = ts += 1000 + int64_t(rng() % 16);
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI64, timestamps)), Encoding::kDeltaBitpack);

  std::vector<int64_t> small(65536);
  for (auto& x : small) x = int64_t(rng() % 1000);
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI64, small)), Encoding::kForBitpack);

  // A few values spread over a wide range: a dictionary of 8 entries (3-bit
  // codes) instead of a 33-bit frame of reference.
  std::vector<int64_t> tenants(65536);
  const int64_t tenant_ids[8] = {7, 1'000'003, 55'555'555, 123'456'789, 987'654'321, 4'000'000'000, 42, 8'000'000'000};
  for (auto& x : tenants) x = tenant_ids[rng() % 8];
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI64, tenants)), Encoding::kDictionary);

  std::vector<std::string> categories(65536);
  for (auto& s : categories) s = "category-" + std::to_string(rng() % 50);
  EXPECT_EQ(Chosen(StringPage(categories)), Encoding::kDictionary);

  std::vector<double> prices(65536);
  for (auto& x : prices) x = 9.99 + double(rng() % 20);
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kF64, prices)), Encoding::kDictionary);

  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kF64, Random<double>(65536, 9))), Encoding::kPlain);
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI64, Random<int64_t>(65536, 9))), Encoding::kPlain);
  std::vector<std::string> unique(5000);
  for (auto& s : unique) s = RandomString(rng, 30);
  EXPECT_EQ(Chosen(StringPage(unique)), Encoding::kPlain);

  std::vector<int32_t> runs;
  while (runs.size() < 65536) runs.insert(runs.end(), 2000, int32_t(rng()));
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI32, runs)), Encoding::kRle);
  std::vector<uint8_t> flags;
  while (flags.size() < 65536) flags.insert(flags.end(), 3000, uint8_t(flags.size() / 3000 % 2));
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kBool, flags)), Encoding::kRle);
  std::vector<uint8_t> coin(65536);
  for (auto& b : coin) b = rng() & 1;
  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kBool, coin)), Encoding::kPlain);

  EXPECT_EQ(Chosen(FixedPage(PhysicalType::kI32, std::vector<int32_t>{})), Encoding::kPlain);
}

TEST(EncodingChoice, ForceIsHonouredWhereItApplies) {
  std::vector<int64_t> small(3000);
  for (size_t i = 0; i < small.size(); ++i) small[i] = int64_t(i % 10);
  const Page ints = FixedPage(PhysicalType::kI64, small);
  for (Encoding e : {Encoding::kPlain, Encoding::kDeltaBitpack, Encoding::kRle, Encoding::kDictionary}) {
    EXPECT_EQ(Chosen(ints, {e}), e);
  }
  // Not applicable: delta on strings, constant on differing values.
  const Page strings = StringPage({"a", "b", "a"});
  EXPECT_EQ(Chosen(strings, {Encoding::kDeltaBitpack}), Chosen(strings));
  EXPECT_EQ(Chosen(ints, {Encoding::kConstant}), Encoding::kForBitpack);
}

TEST(EncodingChoice, ConstantNeedsEqualValues) {
  std::vector<uint8_t> out;
  const Status s = EncodeWith(Encoding::kConstant, FixedPage<int32_t>(PhysicalType::kI32, {1, 2}).View(), &out);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(EncodeWith(Encoding::kForBitpack, StringPage({"a"}).View(), &out).IsInvalidArgument());
}

TEST(EncodingSupportsMatrix, MatchesTheSpec) {
  const PhysicalType ints[] = {PhysicalType::kI8, PhysicalType::kI16, PhysicalType::kI32, PhysicalType::kI64,
                               PhysicalType::kU8, PhysicalType::kU16, PhysicalType::kU32, PhysicalType::kU64};
  for (PhysicalType t : ints) {
    for (Encoding e : kAllEncodings) EXPECT_TRUE(EncodingSupports(e, t)) << PhysicalTypeName(t);
  }
  for (PhysicalType t : {PhysicalType::kF32, PhysicalType::kF64}) {
    EXPECT_TRUE(EncodingSupports(Encoding::kPlain, t));
    EXPECT_FALSE(EncodingSupports(Encoding::kForBitpack, t));
    EXPECT_FALSE(EncodingSupports(Encoding::kDeltaBitpack, t));
    EXPECT_TRUE(EncodingSupports(Encoding::kRle, t));
    EXPECT_TRUE(EncodingSupports(Encoding::kDictionary, t));
    EXPECT_TRUE(EncodingSupports(Encoding::kConstant, t));
    EXPECT_FALSE(EncodingSupports(Encoding::kForPlanes, t));
    EXPECT_FALSE(EncodingSupports(Encoding::kDeltaPlanes, t));
    EXPECT_TRUE(EncodingSupports(Encoding::kDictionaryPlanes, t));
    EXPECT_FALSE(EncodingSupports(Encoding::kForRadix, t));
    EXPECT_TRUE(EncodingSupports(Encoding::kDictionaryRadix, t));
    EXPECT_TRUE(EncodingSupports(Encoding::kDictionarySparse, t));
  }
  const PhysicalType b = PhysicalType::kBool, s = PhysicalType::kBytes;
  EXPECT_TRUE(EncodingSupports(Encoding::kPlain, b));
  EXPECT_FALSE(EncodingSupports(Encoding::kForBitpack, b));
  EXPECT_FALSE(EncodingSupports(Encoding::kDeltaBitpack, b));
  EXPECT_TRUE(EncodingSupports(Encoding::kRle, b));
  EXPECT_FALSE(EncodingSupports(Encoding::kDictionary, b));
  EXPECT_TRUE(EncodingSupports(Encoding::kConstant, b));
  EXPECT_TRUE(EncodingSupports(Encoding::kPlain, s));
  EXPECT_FALSE(EncodingSupports(Encoding::kForBitpack, s));
  EXPECT_FALSE(EncodingSupports(Encoding::kDeltaBitpack, s));
  EXPECT_FALSE(EncodingSupports(Encoding::kRle, s));
  EXPECT_TRUE(EncodingSupports(Encoding::kDictionary, s));
  EXPECT_TRUE(EncodingSupports(Encoding::kConstant, s));
  for (Encoding e : {Encoding::kForPlanes, Encoding::kDeltaPlanes, Encoding::kDictionaryPlanes, Encoding::kForRadix,
                     Encoding::kDictionaryRadix, Encoding::kDictionarySparse}) {
    EXPECT_FALSE(EncodingSupports(e, b));
    EXPECT_EQ(EncodingSupports(e, s), e == Encoding::kDictionaryPlanes || e == Encoding::kDictionaryRadix ||
                                          e == Encoding::kDictionarySparse);
  }
  EXPECT_FALSE(EncodingSupports(static_cast<Encoding>(12), PhysicalType::kI32));
}

TEST(PhysicalTypes, OfEveryLogicalType) {
  EXPECT_EQ(PhysicalTypeOf(TypeId::kTimestamp), PhysicalType::kI64);
  EXPECT_EQ(PhysicalTypeOf(TypeId::kDate32), PhysicalType::kI32);
  EXPECT_EQ(PhysicalTypeOf(TypeId::kString), PhysicalType::kBytes);
  EXPECT_EQ(PhysicalTypeOf(TypeId::kBinary), PhysicalType::kBytes);
  EXPECT_EQ(PhysicalTypeOf(TypeId::kUInt16), PhysicalType::kU16);
  EXPECT_EQ(PhysicalWidth(PhysicalType::kBool), 1);
  EXPECT_EQ(PhysicalWidth(PhysicalType::kF64), 8);
  EXPECT_EQ(PhysicalWidth(PhysicalType::kBytes), 0);
  EXPECT_TRUE(IsSignedPhysical(PhysicalType::kI8));
  EXPECT_FALSE(IsSignedPhysical(PhysicalType::kU64));
  EXPECT_FALSE(IsIntegerPhysical(PhysicalType::kF32));
  EXPECT_EQ(PhysicalTypeName(PhysicalType::kU32), "uint32");
}

// ---- decoder contract ------------------------------------------------------

TEST(PageDecoderContract, PlainIsZeroCopy) {
  const Page page = FixedPage<int64_t>(PhysicalType::kI64, {1, 2, 3});
  const std::vector<uint8_t> payload = Encode(Encoding::kPlain, page);
  auto d = PageDecoder::Make(Encoding::kPlain, page.type, payload, page.count);
  ASSERT_TRUE(d.ok());
  alignas(64) int64_t scratch[kBlockSize];
  uint32_t n = 0;
  auto got = (*d)->Next(scratch, nullptr, &n);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, static_cast<const void*>(payload.data()));
  EXPECT_EQ(n, 3u);
}

TEST(PageDecoderContract, SkipTakesWholeBlocksOrTheRest) {
  const Page page = FixedPage(PhysicalType::kI32, std::vector<int32_t>(3000, 1));
  const std::vector<uint8_t> payload = Encode(Encoding::kPlain, page);
  auto d = PageDecoder::Make(Encoding::kPlain, page.type, payload, page.count);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->Skip(5).IsInvalidArgument());
  EXPECT_TRUE((*d)->Skip(4096).IsInvalidArgument());
  EXPECT_TRUE((*d)->Skip(1024).ok());
  EXPECT_EQ((*d)->remaining(), 1976u);
  EXPECT_TRUE((*d)->Skip(1976).ok());
  EXPECT_EQ((*d)->remaining(), 0u);
}

TEST(PageDecoderContract, DictionaryCodeOutOfRangeIsCorruption) {
  // Three entries need 2-bit codes; value 1 holds code 3.
  std::vector<uint8_t> payload = Bytes({3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0});
  payload = Concat(payload, Row0Block32(2, {0, 3}));
  auto d = PageDecoder::Make(Encoding::kDictionary, PhysicalType::kI32, payload, 2);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  alignas(64) int32_t scratch[kBlockSize];
  uint32_t n = 0;
  auto got = (*d)->Next(scratch, nullptr, &n);
  ASSERT_TRUE(got.status().IsCorruption());
  EXPECT_NE(got.status().message().find("code 3 of value 1"), std::string::npos) << got.status().ToString();
}

TEST(PageDecoderContract, UnknownEncodingAndUnsupportedTypeAreCorruption) {
  const std::vector<uint8_t> payload(8, 0);
  EXPECT_TRUE(PageDecoder::Make(static_cast<Encoding>(9), PhysicalType::kI32, payload, 2).status().IsCorruption());
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForBitpack, PhysicalType::kF64, payload, 1).status().IsCorruption());
}

// PeekBounds of the delta encodings: where it answers, every value of the
// block lies in [lo, hi], never decreases, and the last one is hi; it never
// moves the decoder, and a Skip after it (which reuses its sum) lands on
// the same values as one without.
template <typename T>
void CheckBounds(Encoding e, PhysicalType t, const std::vector<T>& values, bool expect_known, const std::string& what) {
  SCOPED_TRACE(what + " " + std::string(EncodingName(e)) + " n=" + std::to_string(values.size()));
  const Page page = FixedPage(t, values);
  const std::vector<uint8_t> payload = testing::EncodeOrFail(e, page);
  for (int mode = 0; mode < 3; ++mode) {  // 0: peek then decode; 1: peek then skip odd blocks; 2: peek twice
    auto d = PageDecoder::Make(e, t, payload, page.count);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    alignas(64) T scratch[kBlockSize];
    uint32_t pos = 0, block = 0;
    while ((*d)->remaining() > 0) {
      const uint32_t n = std::min<uint32_t>(kBlockSize, (*d)->remaining());
      int64_t lo = 0, hi = 0;
      const bool known = (*d)->PeekBounds(&lo, &hi);
      if (mode == 2) {
        int64_t lo2 = 0, hi2 = 0;
        EXPECT_EQ((*d)->PeekBounds(&lo2, &hi2), known);
        if (known) {
          EXPECT_EQ(hi2, hi);
        }
      }
      EXPECT_EQ((*d)->remaining(), page.count - pos) << "PeekBounds moved the decoder";
      if (expect_known) {
        EXPECT_TRUE(known) << "block " << block;
      }
      if (known) {
        for (uint32_t i = 0; i < n; ++i) {
          ASSERT_LE(lo, int64_t(values[pos + i])) << "value " << pos + i;
          ASSERT_LE(int64_t(values[pos + i]), hi) << "value " << pos + i;
          if (i > 0) {
            ASSERT_LE(values[pos + i - 1], values[pos + i]) << "bounds claimed for a decreasing block";
          }
        }
        EXPECT_EQ(hi, int64_t(values[pos + n - 1]));
      }
      if (mode == 1 && block % 2 == 1) {
        ASSERT_TRUE((*d)->Skip(n).ok());
      } else {
        uint32_t got = 0;
        auto v = (*d)->Next(scratch, nullptr, &got);
        ASSERT_TRUE(v.ok()) << v.status().ToString();
        ASSERT_EQ(got, n);
        const T* out = static_cast<const T*>(*v);
        for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(out[i], values[pos + i]) << "value " << pos + i;
      }
      pos += n;
      ++block;
    }
  }
}

TEST(DeltaBounds, BracketSortedBlocksWithoutDecoding) {
  std::mt19937_64 rng(7);
  for (Encoding e : {Encoding::kDeltaBitpack, Encoding::kDeltaPlanes}) {
    for (uint32_t n : {1u, 2u, 1023u, 1024u, 1025u, 5000u}) {
      for (uint64_t step : {uint64_t{0}, uint64_t{3}, uint64_t{2'000'000}, uint64_t{1} << 30}) {
        std::vector<int64_t> v64(n);
        std::vector<int32_t> v32(n);
        int64_t x = 1'700'000'000'000'000;
        int32_t y = -1'000'000'000;
        for (uint32_t i = 0; i < n; ++i) {
          x += step == 0 ? 0 : int64_t(rng() % step);
          y += step == 0 ? 0 : int32_t(rng() % std::min<uint64_t>(step, 400));
          v64[i] = x;
          v32[i] = y;
        }
        const std::string what = "sorted step " + std::to_string(step);
        CheckBounds<int64_t>(e, PhysicalType::kI64, v64, true, what);
        CheckBounds<int32_t>(e, PhysicalType::kI32, v32, true, what);
      }
      // Unsorted, decreasing: nothing is claimed (min_delta < 0).
      std::vector<int64_t> shuffled(n), down(n);
      for (uint32_t i = 0; i < n; ++i) {
        shuffled[i] = int64_t(rng() % 1000);
        down[i] = 1000 - int64_t(i);
      }
      if (n > 1) {
        shuffled[1] = shuffled[0] - 1;  // at least one step down
        CheckBounds<int64_t>(e, PhysicalType::kI64, shuffled, false, "unsorted");
        CheckBounds<int64_t>(e, PhysicalType::kI64, down, false, "decreasing");
      }
    }
    // A step that wraps past the maximum is a small positive delta mod 2^64:
    // the block is not monotone as int64 and must not be claimed.
    std::vector<int64_t> wrap = {std::numeric_limits<int64_t>::max() - 5, std::numeric_limits<int64_t>::max() - 2,
                                 std::numeric_limits<int64_t>::min() + 3, std::numeric_limits<int64_t>::min() + 9};
    CheckBounds<int64_t>(e, PhysicalType::kI64, wrap, false, "wrapping");
    std::vector<int64_t> top = {std::numeric_limits<int64_t>::max() - 3, std::numeric_limits<int64_t>::max() - 1,
                                std::numeric_limits<int64_t>::max()};
    CheckBounds<int64_t>(e, PhysicalType::kI64, top, true, "up to the maximum");
    // Narrow types and unsigned ones: values are truncated words, no bounds.
    CheckBounds<int16_t>(e, PhysicalType::kI16, std::vector<int16_t>{1, 2, 3, 400}, false, "i16");
    CheckBounds<uint64_t>(e, PhysicalType::kU64, std::vector<uint64_t>{1, 2, 3, 400}, false, "u64");
  }
  // Other encodings claim nothing.
  CheckBounds<int64_t>(Encoding::kForBitpack, PhysicalType::kI64, std::vector<int64_t>{1, 2, 3}, false, "for");
}

// NextSelected: where an encoding answers, the values at the selected
// offsets of the block are those Next() gives, and the decoder lands where
// Next() would; where it declines, the position is unchanged. Every block
// of every integer case, at selections from none to every row.
template <typename T>
void CheckSelected(Encoding e, PhysicalType t, const std::string& name, const Page& page) {
  SCOPED_TRACE(name + " " + std::string(EncodingName(e)));
  const std::vector<uint8_t> payload = testing::EncodeOrFail(e, page);
  std::vector<T> values(page.count);
  if (page.count > 0) std::memcpy(values.data(), page.bytes(), page.count * sizeof(T));
  std::mt19937_64 rng(page.count);
  for (uint32_t every : {0u, 1u, 2u, 7u, 40u, 1024u}) {  // 1 in `every` rows; 0: none
    auto d = PageDecoder::Make(e, t, payload, page.count);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    alignas(64) T scratch[kBlockSize];
    uint32_t pos = 0, answered = 0;
    while ((*d)->remaining() > 0) {
      const uint32_t n = std::min<uint32_t>(kBlockSize, (*d)->remaining());
      std::vector<uint32_t> sel;
      for (uint32_t i = 0; i < n; ++i) {
        if (every != 0 && rng() % every == 0) sel.push_back(i);
      }
      std::vector<T> out(sel.size() + 1, T(0x5A));
      uint32_t got = 0;
      if ((*d)->NextSelected(sel.data(), uint32_t(sel.size()), out.data(), &got)) {
        ++answered;
        ASSERT_EQ(got, n);
        for (size_t k = 0; k < sel.size(); ++k) ASSERT_EQ(out[k], values[pos + sel[k]]) << "row " << pos + sel[k];
        EXPECT_EQ(out[sel.size()], T(0x5A)) << "wrote past the selection";
      } else {
        ASSERT_EQ((*d)->remaining(), page.count - pos) << "a declined NextSelected moved the decoder";
        auto v = (*d)->Next(scratch, nullptr, &got);
        ASSERT_TRUE(v.ok()) << v.status().ToString();
        ASSERT_EQ(got, n);
      }
      ASSERT_EQ((*d)->remaining(), page.count - pos - n);
      pos += n;
    }
    if (!(e == Encoding::kForBitpack || e == Encoding::kForPlanes)) {
      EXPECT_EQ(answered, 0u);
    }
    // Selections of at most 1 row in 40 are sparse enough for the two
    // encodings that answer; plain and delta always decline.
    const bool answers = e == Encoding::kForBitpack || e == Encoding::kForPlanes;
    if (every >= 40 && page.count > 0 && answers) {
      EXPECT_GT(answered, 0u) << "every " << every;
    }
  }
}

template <typename T>
void CheckSelectedAll(PhysicalType t) {
  for (const auto& [name, page] : IntegerCases<T>(t)) {
    for (Encoding e : {Encoding::kForBitpack, Encoding::kForPlanes, Encoding::kPlain, Encoding::kDeltaBitpack}) {
      if (testing::ForcedEncodingApplies(e, page)) CheckSelected<T>(e, t, name, page);
    }
  }
}

TEST(NextSelected, MatchesNextAtEveryDensity) {
  CheckSelectedAll<int8_t>(PhysicalType::kI8);
  CheckSelectedAll<uint16_t>(PhysicalType::kU16);
  CheckSelectedAll<int32_t>(PhysicalType::kI32);
  CheckSelectedAll<uint32_t>(PhysicalType::kU32);
  CheckSelectedAll<int64_t>(PhysicalType::kI64);
  CheckSelectedAll<uint64_t>(PhysicalType::kU64);
}

// The running sum of the delta decoders against a plain loop, in place and
// not, at every length around the vector widths, with wrapping sums.
template <typename W>
void CheckRunningSum() {
  std::mt19937_64 rng(sizeof(W));
  for (uint32_t n : {0u, 1u, 3u, 4u, 5u, 7u, 8u, 9u, 31u, 1000u, 1023u, 1024u}) {
    for (int mode = 0; mode < 3; ++mode) {  // small deltas, full-range ones, in place
      std::vector<W> in(n), out(n + 1, W(0x77)), expect(n);
      for (W& x : in) x = mode == 0 ? W(rng() % 3) : W(rng());
      const W prev = W(rng()), step = mode == 0 ? W(5) : W(rng());
      W acc = prev;
      for (uint32_t i = 0; i < n; ++i) {
        acc = W(acc + step + in[i]);
        expect[i] = acc;
      }
      W last;
      if (mode == 2) {
        std::copy(in.begin(), in.end(), out.begin());
        last = internal::RunningSum(out.data(), n, prev, step, out.data());
      } else {
        last = internal::RunningSum(in.data(), n, prev, step, out.data());
      }
      EXPECT_EQ(last, n == 0 ? prev : expect[n - 1]) << "n " << n << " mode " << mode;
      for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expect[i]) << "n " << n << " i " << i << " mode " << mode;
      EXPECT_EQ(out[n], W(0x77)) << "wrote past n";
    }
  }
}

TEST(RunningSum, MatchesTheLoop) {
  CheckRunningSum<uint32_t>();
  CheckRunningSum<uint64_t>();
}

}  // namespace
}  // namespace dp::format
