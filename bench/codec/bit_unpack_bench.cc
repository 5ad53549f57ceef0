// Bit-unpacking throughput per width and per ISA variant
// (format/bitpack.h; layout spec/format.md §"Bit-packed blocks").
// items/s = values/s; bytes_per_value = packed bytes per value.
//
//   build-enc/bench_codec/bit_unpack_bench --benchmark_filter='Unpack32/avx512'
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "format/bitpack.h"
#include "format/bitpack_internal.h"

namespace dp::format {
namespace {

using internal::BitpackKernels;

// 16 blocks: 16K values, an L1/L2-resident working set like a decode block
// loop over a page.
constexpr uint32_t kBlocks = 16;

enum Variant : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

const BitpackKernels* KernelsOf(benchmark::State& state, int variant) {
  if (variant == kAvx2 && !internal::CpuHasAvx2()) {
    state.SkipWithError("CPU lacks AVX2");
    return nullptr;
  }
  if (variant == kAvx512 && !internal::CpuHasAvx512()) {
    state.SkipWithError("CPU lacks AVX-512");
    return nullptr;
  }
  return variant == kAvx512 ? &internal::kAvx512Kernels
         : variant == kAvx2 ? &internal::kAvx2Kernels
                            : &internal::kScalarKernels;
}

template <typename W>
std::vector<W> PackedRandom(uint32_t width) {
  std::mt19937_64 rng(width);
  const W mask = width == sizeof(W) * 8 ? ~W{0} : (W{1} << width) - 1;
  std::vector<W> values(1024), packed(size_t{kBlocks} * 1024);
  for (uint32_t b = 0; b < kBlocks; ++b) {
    for (auto& v : values) v = W(rng()) & mask;
    Pack1024(values.data(), width, packed.data() + size_t{b} * 128 * width / sizeof(W));
  }
  return packed;
}

template <typename W>
void BM_Unpack(benchmark::State& state) {
  const BitpackKernels* k = KernelsOf(state, int(state.range(0)));
  if (k == nullptr) return;
  const auto width = uint32_t(state.range(1));
  const std::vector<W> packed = PackedRandom<W>(width);
  alignas(64) W out[1024];
  const size_t words_per_block = 128 * width / sizeof(W);
  for (auto _ : state) {
    for (uint32_t b = 0; b < kBlocks; ++b) {
      if constexpr (sizeof(W) == 4) {
        k->unpack32(packed.data() + b * words_per_block, width, out);
      } else {
        k->unpack64(packed.data() + b * words_per_block, width, out);
      }
      benchmark::DoNotOptimize(out);
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kBlocks * 1024);
  state.counters["bytes_per_value"] = width / 8.0;
  state.SetLabel(k->name);
}

template <typename W>
void BM_UnpackSum(benchmark::State& state) {
  const BitpackKernels* k = KernelsOf(state, int(state.range(0)));
  if (k == nullptr) return;
  const auto width = uint32_t(state.range(1));
  const std::vector<W> packed = PackedRandom<W>(width);
  const size_t words_per_block = 128 * width / sizeof(W);
  for (auto _ : state) {
    uint64_t sum = 0;
    for (uint32_t b = 0; b < kBlocks; ++b) {
      if constexpr (sizeof(W) == 4) {
        sum += k->unpack_sum32(packed.data() + b * words_per_block, width);
      } else {
        sum += k->unpack_sum64(packed.data() + b * words_per_block, width);
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kBlocks * 1024);
  state.counters["bytes_per_value"] = width / 8.0;
  state.SetLabel(k->name);
}

// A range filter over FOR-packed values (base + packed, as the scan sees a
// for_bitpack page): decoded = unpack with the base, then compare each value
// with the bounds (the scan's path before packed-domain tests); packed = the
// bounds moved into the packed domain, one fused kernel writing the mask.
// Bounds select about half of the values.
template <typename S>
void RangeMask(const S* v, S lo, S hi, uint8_t* out) {
  for (uint32_t i = 0; i < 1024; ++i) out[i] = uint8_t((v[i] >= lo) & (v[i] <= hi));
}
// The scan compiles its range loop for AVX2 too (64-bit compares): the same here.
template <typename S>
__attribute__((target("avx2"))) void RangeMaskAvx2(const S* v, S lo, S hi, uint8_t* out) {
  for (uint32_t i = 0; i < 1024; ++i) out[i] = uint8_t((v[i] >= lo) & (v[i] <= hi));
}

template <typename W, bool kPacked>
void BM_RangeFilter(benchmark::State& state) {
  const BitpackKernels* k = KernelsOf(state, int(state.range(0)));
  if (k == nullptr) return;
  const auto width = uint32_t(state.range(1));
  const std::vector<W> packed = PackedRandom<W>(width);
  const size_t words_per_block = 128 * width / sizeof(W);
  using S = std::make_signed_t<W>;
  const W base = W(1000);
  const W top = width == sizeof(W) * 8 ? ~W{0} : (W{1} << width) - 1;
  const S lo = S(base + top / 4), hi = S(base + top / 4 * 3);
  alignas(64) W values[1024];
  alignas(64) uint8_t mask[1024];
  for (auto _ : state) {
    for (uint32_t b = 0; b < kBlocks; ++b) {
      const W* in = packed.data() + b * words_per_block;
      if constexpr (kPacked) {
        if constexpr (sizeof(W) == 4) {
          k->unpack_in_range32(in, width, W(lo) - base, W(hi - lo), mask);
        } else {
          k->unpack_in_range64(in, width, W(lo) - base, W(hi - lo), mask);
        }
      } else {
        if constexpr (sizeof(W) == 4) {
          k->unpack_for32(in, width, base, values);
        } else {
          k->unpack_for64(in, width, base, values);
        }
        const S* v = reinterpret_cast<const S*>(values);
        if (state.range(0) == kScalar) {
          RangeMask(v, lo, hi, mask);
        } else {
          RangeMaskAvx2(v, lo, hi, mask);
        }
      }
      benchmark::DoNotOptimize(mask);
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kBlocks * 1024);
  state.SetLabel(k->name);
}

void Widths32(benchmark::internal::Benchmark* b) {
  b->ArgNames({"isa", "width"});
  for (int v : {kScalar, kAvx2, kAvx512}) {
    for (int w : {1, 2, 4, 8, 12, 16, 20, 32}) b->Args({v, w});
  }
}
void Widths64(benchmark::internal::Benchmark* b) {
  b->ArgNames({"isa", "width"});
  for (int v : {kScalar, kAvx2, kAvx512}) {
    for (int w : {1, 4, 8, 10, 16, 24, 32, 48, 64}) b->Args({v, w});
  }
}

BENCHMARK_TEMPLATE(BM_Unpack, uint32_t)->Name("Unpack32")->Apply(Widths32);
BENCHMARK_TEMPLATE(BM_Unpack, uint64_t)->Name("Unpack64")->Apply(Widths64);
BENCHMARK_TEMPLATE(BM_UnpackSum, uint32_t)->Name("UnpackSum32")->Apply(Widths32);
BENCHMARK_TEMPLATE(BM_UnpackSum, uint64_t)->Name("UnpackSum64")->Apply(Widths64);
BENCHMARK_TEMPLATE(BM_RangeFilter, uint32_t, false)->Name("RangeDecoded32")->Apply(Widths32);
BENCHMARK_TEMPLATE(BM_RangeFilter, uint32_t, true)->Name("RangePacked32")->Apply(Widths32);
BENCHMARK_TEMPLATE(BM_RangeFilter, uint64_t, false)->Name("RangeDecoded64")->Apply(Widths64);
BENCHMARK_TEMPLATE(BM_RangeFilter, uint64_t, true)->Name("RangePacked64")->Apply(Widths64);

}  // namespace
}  // namespace dp::format

BENCHMARK_MAIN();
