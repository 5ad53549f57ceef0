// Per-ISA bit-packing kernel tables behind format/bitpack.h (layout:
// spec/format.md §"Bit-packed blocks"). Internal: for the dispatcher, the
// tests that check every variant against the scalar one, and benchmarks.
#pragma once

#include <cstdint>

namespace dp::format::internal {

// One ISA variant of every bitpack.h kernel. REQUIRES for every function:
// width <= bits(W).
struct BitpackKernels {
  const char* name;  // "scalar", "avx2", "avx512"
  void (*pack32)(const uint32_t* in, uint32_t width, uint32_t* out);
  void (*pack64)(const uint64_t* in, uint32_t width, uint64_t* out);
  void (*unpack32)(const uint32_t* in, uint32_t width, uint32_t* out);
  void (*unpack64)(const uint64_t* in, uint32_t width, uint64_t* out);
  void (*unpack_for32)(const uint32_t* in, uint32_t width, uint32_t base, uint32_t* out);
  void (*unpack_for64)(const uint64_t* in, uint32_t width, uint64_t base, uint64_t* out);
  uint64_t (*unpack_sum32)(const uint32_t* in, uint32_t width);
  uint64_t (*unpack_sum64)(const uint64_t* in, uint32_t width);
  void (*unpack_in_range32)(const uint32_t* in, uint32_t width, uint32_t lo, uint32_t span, uint8_t* out);
  void (*unpack_in_range64)(const uint64_t* in, uint32_t width, uint64_t lo, uint64_t span, uint8_t* out);
  // REQUIRES: width <= 32, shift < 64.
  void (*unpack_shift_add64)(const uint64_t* in, uint32_t width, uint32_t shift, uint64_t add, uint64_t* out);
};

// The variants. Calling a function of kAvx2Kernels (kAvx512Kernels) is only
// allowed when CpuHasAvx2() (CpuHasAvx512()) is true.
extern const BitpackKernels kScalarKernels;
extern const BitpackKernels kAvx2Kernels;
extern const BitpackKernels kAvx512Kernels;

bool CpuHasAvx2();    // AVX2 + BMI2, as bitpack_avx2.cc is compiled for
bool CpuHasAvx512();  // AVX-512 F/BW/VL/DQ + BMI2, as bitpack_avx512.cc is compiled for

// True when the environment sets DP_PORTABLE_KERNELS=1: every runtime
// dispatch (bit-packing, byte-plane gathers, scan filters) then uses its
// portable variant, the oracle the SIMD ones are tested against.
bool PortableKernelsForced();

// 1 where the compiler can build AVX2 copies of a function beside the
// baseline one (__attribute__((target("avx2")))), to be picked at run time
// with UseAvx2Kernels().
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DP_AVX2_FUNCTIONS 1
#else
#define DP_AVX2_FUNCTIONS 0
#endif

// Whether the AVX2 variants of the other kernels may run: CpuHasAvx2() and
// not PortableKernelsForced(). Chosen once.
bool UseAvx2Kernels();
// Whether their AVX-512 variants (and the AVX-512 bit-packing kernels) may:
// CpuHasAvx512(), not PortableKernelsForced(), and the environment does not
// set DP_NO_AVX512=1 (dispatch then stops at AVX2, so that those variants
// are tested on CPUs with AVX-512 too). Chosen once.
bool UseAvx512Kernels();

// The best variant this CPU runs (the scalar one when
// PortableKernelsForced()), chosen once.
const BitpackKernels& ActiveBitpackKernels();

}  // namespace dp::format::internal
