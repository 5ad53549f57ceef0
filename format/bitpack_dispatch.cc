// Runtime choice of the bit-packing kernels (spec/format.md §"Bit-packed
// blocks"). Compiled with baseline flags: it only tests the CPU and calls
// through the table of the variant it picked, once.
#include <cassert>
#include <cstdlib>

#include "format/bitpack.h"
#include "format/bitpack_internal.h"

namespace dp::format {
namespace internal {

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
}

bool CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("bmi2");
}

bool PortableKernelsForced() {
  const char* v = std::getenv("DP_PORTABLE_KERNELS");
  return v != nullptr && v[0] == '1';
}

bool UseAvx2Kernels() {
  static const bool use = CpuHasAvx2() && !PortableKernelsForced();
  return use;
}

bool UseAvx512Kernels() {
  static const bool use = [] {
    const char* off = std::getenv("DP_NO_AVX512");
    return CpuHasAvx512() && !PortableKernelsForced() && !(off != nullptr && off[0] == '1');
  }();
  return use;
}

const BitpackKernels& ActiveBitpackKernels() {
  static const BitpackKernels* const active = UseAvx512Kernels() ? &kAvx512Kernels
                                              : UseAvx2Kernels()   ? &kAvx2Kernels
                                                                   : &kScalarKernels;
  return *active;
}

}  // namespace internal

namespace {
const internal::BitpackKernels& K([[maybe_unused]] uint32_t width, [[maybe_unused]] uint32_t bits) {
  assert(width <= bits && "bit width larger than the word");
  return internal::ActiveBitpackKernels();
}
}  // namespace

void Pack1024(const uint32_t* in, uint32_t width, uint32_t* out) { K(width, 32).pack32(in, width, out); }
void Pack1024(const uint64_t* in, uint32_t width, uint64_t* out) { K(width, 64).pack64(in, width, out); }

void Unpack1024(const uint32_t* in, uint32_t width, uint32_t* out) { K(width, 32).unpack32(in, width, out); }
void Unpack1024(const uint64_t* in, uint32_t width, uint64_t* out) { K(width, 64).unpack64(in, width, out); }

void UnpackFor1024(const uint32_t* in, uint32_t width, uint32_t base, uint32_t* out) {
  K(width, 32).unpack_for32(in, width, base, out);
}
void UnpackFor1024(const uint64_t* in, uint32_t width, uint64_t base, uint64_t* out) {
  K(width, 64).unpack_for64(in, width, base, out);
}

uint64_t UnpackSum1024(const uint32_t* in, uint32_t width) { return K(width, 32).unpack_sum32(in, width); }
uint64_t UnpackSum1024(const uint64_t* in, uint32_t width) { return K(width, 64).unpack_sum64(in, width); }

void UnpackInRange1024(const uint32_t* in, uint32_t width, uint32_t lo, uint32_t span, uint8_t* out) {
  K(width, 32).unpack_in_range32(in, width, lo, span, out);
}
void UnpackInRange1024(const uint64_t* in, uint32_t width, uint64_t lo, uint64_t span, uint8_t* out) {
  K(width, 64).unpack_in_range64(in, width, lo, span, out);
}

void UnpackShiftAdd1024(const uint64_t* in, uint32_t width, uint32_t shift, uint64_t add, uint64_t* out) {
  assert(width <= 32 && shift < 64);
  internal::ActiveBitpackKernels().unpack_shift_add64(in, width, shift, add, out);
}

const char* BitpackVariant() { return internal::ActiveBitpackKernels().name; }

}  // namespace dp::format
