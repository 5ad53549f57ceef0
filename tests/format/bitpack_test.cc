// Bit-packed blocks (spec/format.md §"Bit-packed blocks"): the scalar kernels
// against a bit-by-bit reading of the spec, and every ISA variant against the
// scalar one, for every width.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "format/bitpack.h"
#include "format/bitpack_internal.h"

namespace dp::format {
namespace {

using internal::BitpackKernels;

template <typename W>
constexpr uint32_t kBits = sizeof(W) * 8;
template <typename W>
constexpr uint32_t kLanes = 1024 / kBits<W>;

template <typename W>
W Mask(uint32_t width) {
  return width == kBits<W> ? ~W{0} : (W{1} << width) - 1;
}

// The spec's packing, one bit at a time.
template <typename W>
std::vector<W> SpecPack(const std::vector<W>& values, uint32_t width) {
  constexpr uint32_t B = kBits<W>, L = kLanes<W>;
  std::vector<W> words(size_t{width} * L, 0);
  for (uint32_t i = 0; i < 1024; ++i) {
    const uint32_t lane = i % L, row = i / L;
    for (uint32_t b = 0; b < width; ++b) {
      if ((values[i] >> b) & 1) {
        const uint32_t k = row * width + b;  // stream bit
        words[size_t{k / B} * L + lane] |= W{1} << (k % B);
      }
    }
  }
  return words;
}

// The spec's formula for value i.
template <typename W>
W SpecValue(const W* words, uint32_t width, uint32_t i) {
  constexpr uint32_t B = kBits<W>, L = kLanes<W>;
  if (width == 0) return 0;
  const uint32_t lane = i % L, row = i / L, s = row * width, j = s / B, o = s % B;
  W v = words[j * L + lane] >> o;
  if (o + width > B) v |= words[(j + 1) * L + lane] << (B - o);
  return v & Mask<W>(width);
}

// Value patterns: random, all at the maximum, alternating 0 / maximum.
template <typename W>
std::vector<std::vector<W>> Patterns(uint32_t width, uint64_t seed) {
  std::mt19937_64 rng(seed * 1000 + width);
  std::vector<W> random(1024), max(1024, Mask<W>(width)), alternating(1024);
  for (uint32_t i = 0; i < 1024; ++i) {
    random[i] = W(rng()) & Mask<W>(width);
    alternating[i] = i % 2 ? Mask<W>(width) : 0;
  }
  return {random, max, alternating};
}

template <typename W>
void PackWith(const BitpackKernels& k, const W* in, uint32_t width, W* out) {
  if constexpr (sizeof(W) == 4) {
    k.pack32(in, width, out);
  } else {
    k.pack64(in, width, out);
  }
}
template <typename W>
void UnpackWith(const BitpackKernels& k, const W* in, uint32_t width, W* out) {
  if constexpr (sizeof(W) == 4) {
    k.unpack32(in, width, out);
  } else {
    k.unpack64(in, width, out);
  }
}
template <typename W>
void UnpackForWith(const BitpackKernels& k, const W* in, uint32_t width, W base, W* out) {
  if constexpr (sizeof(W) == 4) {
    k.unpack_for32(in, width, base, out);
  } else {
    k.unpack_for64(in, width, base, out);
  }
}
template <typename W>
uint64_t UnpackSumWith(const BitpackKernels& k, const W* in, uint32_t width) {
  if constexpr (sizeof(W) == 4) {
    return k.unpack_sum32(in, width);
  } else {
    return k.unpack_sum64(in, width);
  }
}

template <typename W>
void UnpackInRangeWith(const BitpackKernels& k, const W* in, uint32_t width, W lo, W span, uint8_t* out) {
  if constexpr (sizeof(W) == 4) {
    k.unpack_in_range32(in, width, lo, span, out);
  } else {
    k.unpack_in_range64(in, width, lo, span, out);
  }
}

// Ranges [lo, lo + span] around the values of a block: empty-ish, one
// value, the edges of the width, all, past the width, and wrapping ones
// (lo + span past the word's top wraps to its bottom).
template <typename W>
std::vector<std::pair<W, W>> RangesFor(const std::vector<W>& values, uint32_t width, std::mt19937_64& rng) {
  const W top = Mask<W>(width);
  std::vector<std::pair<W, W>> r = {{0, 0},        {0, top},          {top, 0},        {W(top + 1), 0},
                                    {0, W(~W(0))}, {W(~W(0)), W(2)},  {W(top / 2), 0}, {W(1), W(top > 1 ? top - 2 : 0)}};
  for (int i = 0; i < 8; ++i) {
    const W a = values[rng() % values.size()], b = values[rng() % values.size()];
    r.push_back({std::min(a, b), W(std::max(a, b) - std::min(a, b))});
  }
  return r;
}

template <typename W>
class BitpackTest : public ::testing::Test {};
using WordTypes = ::testing::Types<uint32_t, uint64_t>;
TYPED_TEST_SUITE(BitpackTest, WordTypes);

TYPED_TEST(BitpackTest, ScalarMatchesSpecForEveryWidth) {
  using W = TypeParam;
  const BitpackKernels& k = internal::kScalarKernels;
  for (uint32_t width = 0; width <= kBits<W>; ++width) {
    for (const std::vector<W>& values : Patterns<W>(width, 1)) {
      SCOPED_TRACE("width " + std::to_string(width));
      const std::vector<W> expected = SpecPack(values, width);
      std::vector<W> packed(1024, 0xAB);
      PackWith(k, values.data(), width, packed.data());
      ASSERT_TRUE(std::equal(expected.begin(), expected.end(), packed.begin()));
      // Exactly 128 * width bytes are written.
      for (size_t i = expected.size(); i < packed.size(); ++i) ASSERT_EQ(packed[i], W(0xAB)) << i;
      std::vector<W> unpacked(1024);
      UnpackWith(k, packed.data(), width, unpacked.data());
      ASSERT_EQ(unpacked, values);
      for (uint32_t i = 0; i < 1024; ++i) ASSERT_EQ(SpecValue(packed.data(), width, i), values[i]) << i;
    }
  }
}

TYPED_TEST(BitpackTest, PackDropsBitsAboveTheWidth) {
  using W = TypeParam;
  std::mt19937_64 rng(7);
  for (uint32_t width = 0; width < kBits<W>; ++width) {
    std::vector<W> noisy(1024), clean(1024);
    for (uint32_t i = 0; i < 1024; ++i) {
      noisy[i] = W(rng());
      clean[i] = noisy[i] & Mask<W>(width);
    }
    std::vector<W> a(1024), b(1024);
    Pack1024(noisy.data(), width, a.data());
    Pack1024(clean.data(), width, b.data());
    ASSERT_EQ(a, b) << "width " << width;
  }
}

TYPED_TEST(BitpackTest, DispatchedKernelsRoundTrip) {
  using W = TypeParam;
  for (uint32_t width = 0; width <= kBits<W>; ++width) {
    for (const std::vector<W>& values : Patterns<W>(width, 2)) {
      std::vector<W> packed(1024), unpacked(1024), oracle(1024), with_base(1024);
      Pack1024(values.data(), width, packed.data());
      Unpack1024(packed.data(), width, unpacked.data());
      ASSERT_EQ(unpacked, values) << "width " << width;
      scalar::Unpack1024(packed.data(), width, oracle.data());
      ASSERT_EQ(oracle, values) << "width " << width;
      const W base = W(0xFEDCBA9876543210ull);
      UnpackFor1024(packed.data(), width, base, with_base.data());
      uint64_t sum = 0;
      for (uint32_t i = 0; i < 1024; ++i) {
        ASSERT_EQ(with_base[i], W(values[i] + base)) << "width " << width << " value " << i;
        sum += values[i];
      }
      ASSERT_EQ(UnpackSum1024(packed.data(), width), sum) << "width " << width;
      if constexpr (sizeof(W) == 8) {
        if (width <= 32) {
          // The words of a packed accumulator: (value << shift) + add, wrapping.
          for (auto [shift, add] : std::vector<std::pair<uint32_t, uint64_t>>{
                   {0, 0}, {20, 1}, {20, (0xFFFFFFFF12345678ull << 20) + 1}, {31, ~uint64_t{0}}, {63, 5}}) {
            std::vector<uint64_t> shifted(1024, 7);
            UnpackShiftAdd1024(packed.data(), width, shift, add, shifted.data());
            for (uint32_t i = 0; i < 1024; ++i) {
              ASSERT_EQ(shifted[i], (uint64_t(values[i]) << shift) + add)
                  << "width " << width << " shift " << shift << " value " << i;
            }
          }
        }
      }
      std::mt19937_64 rng(width);
      for (auto [lo, span] : RangesFor(values, width, rng)) {
        std::vector<uint8_t> in_range(1024, 7);
        UnpackInRange1024(packed.data(), width, lo, span, in_range.data());
        for (uint32_t i = 0; i < 1024; ++i) {
          const bool expected = W(values[i] - lo) <= span;  // modular: [lo, lo + span] may wrap
          ASSERT_EQ(in_range[i], uint8_t(expected)) << "width " << width << " lo " << lo << " span " << span << " value " << i;
        }
      }
    }
  }
}

// Every ISA variant produces the bytes and values of the scalar one.
class BitpackVariantTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "avx2" && !internal::CpuHasAvx2()) GTEST_SKIP() << "CPU lacks AVX2/BMI2";
    if (GetParam() == "avx512" && !internal::CpuHasAvx512()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/DQ";
  }
  const BitpackKernels& Kernels() const {
    if (GetParam() == "avx2") return internal::kAvx2Kernels;
    if (GetParam() == "avx512") return internal::kAvx512Kernels;
    return internal::kScalarKernels;
  }

  template <typename W>
  void CheckAllWidths() {
    const BitpackKernels& k = Kernels();
    const BitpackKernels& oracle = internal::kScalarKernels;
    for (uint32_t width = 0; width <= kBits<W>; ++width) {
      for (const std::vector<W>& values : Patterns<W>(width, 3)) {
        SCOPED_TRACE(std::string(k.name) + " width " + std::to_string(width));
        std::vector<W> packed(1024, 0), expected_packed(1024, 0);
        PackWith(k, values.data(), width, packed.data());
        PackWith(oracle, values.data(), width, expected_packed.data());
        ASSERT_EQ(packed, expected_packed);
        std::vector<W> got(1024), expected(1024);
        UnpackWith(k, packed.data(), width, got.data());
        UnpackWith(oracle, packed.data(), width, expected.data());
        ASSERT_EQ(got, expected);
        const W base = W(0x8000000180000001ull);
        UnpackForWith(k, packed.data(), width, base, got.data());
        UnpackForWith(oracle, packed.data(), width, base, expected.data());
        ASSERT_EQ(got, expected);
        ASSERT_EQ(UnpackSumWith(k, packed.data(), width), UnpackSumWith(oracle, packed.data(), width));
        std::mt19937_64 rng(width);
        for (auto [lo, span] : RangesFor(values, width, rng)) {
          std::vector<uint8_t> in_range(1024), expected_range(1024);
          UnpackInRangeWith(k, packed.data(), width, lo, span, in_range.data());
          UnpackInRangeWith(oracle, packed.data(), width, lo, span, expected_range.data());
          ASSERT_EQ(in_range, expected_range) << "lo " << lo << " span " << span;
        }
        if constexpr (sizeof(W) == 8) {
          if (width <= 32) {
            const uint64_t add = (uint64_t{0x8000000180000001ull} << 20) + 1;
            k.unpack_shift_add64(packed.data(), width, 20, add, got.data());
            oracle.unpack_shift_add64(packed.data(), width, 20, add, expected.data());
            ASSERT_EQ(got, expected);
          }
        }
      }
    }
  }
};

TEST_P(BitpackVariantTest, Words32MatchScalar) { CheckAllWidths<uint32_t>(); }
TEST_P(BitpackVariantTest, Words64MatchScalar) { CheckAllWidths<uint64_t>(); }

INSTANTIATE_TEST_SUITE_P(Isa, BitpackVariantTest, ::testing::Values("scalar", "avx2", "avx512"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(BitpackDispatch, PicksTheBestVariantTheCpuRuns) {
  const std::string variant = BitpackVariant();
  if (internal::CpuHasAvx512()) {
    EXPECT_EQ(variant, "avx512");
  } else if (internal::CpuHasAvx2()) {
    EXPECT_EQ(variant, "avx2");
  } else {
    EXPECT_EQ(variant, "scalar");
  }
}

TEST(BitpackDispatch, BlockSizeIs128BytesPerBit) {
  EXPECT_EQ(PackedBlockBytes(0), 0u);
  EXPECT_EQ(PackedBlockBytes(1), 128u);
  EXPECT_EQ(PackedBlockBytes(64), 8192u);
}

}  // namespace
}  // namespace dp::format
