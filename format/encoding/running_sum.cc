// RunningSum: the running value of the delta encodings (see internal.h).
#include <immintrin.h>

#include "format/bitpack_internal.h"  // UseAvx2Kernels
#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

#if DP_AVX2_FUNCTIONS
// A vector of deltas is scanned in its register (shifts and a cross-lane
// broadcast, off the carried chain); the carried sum then takes one add per
// vector, and its next value is the old one plus the vector's total (also
// off the chain). The add of the scanned vector and the carried one is the
// only dependency between vectors.
__attribute__((target("avx2"))) uint64_t RunningSumAvx2(const uint64_t* in, uint32_t n, uint64_t prev, uint64_t step,
                                                        uint64_t* out) {
  const __m256i s = _mm256_set1_epi64x(int64_t(step));
  __m256i carry = _mm256_set1_epi64x(int64_t(prev));
  uint32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256i x = _mm256_add_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)), s);
    x = _mm256_add_epi64(x, _mm256_slli_si256(x, 8));  // [a, a+b, c, c+d]
    // + [0, 0, a+b, a+b]
    x = _mm256_add_epi64(x, _mm256_blend_epi32(_mm256_setzero_si256(),
                                               _mm256_permute4x64_epi64(x, _MM_SHUFFLE(1, 1, 1, 1)), 0xF0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_add_epi64(x, carry));
    carry = _mm256_add_epi64(carry, _mm256_permute4x64_epi64(x, _MM_SHUFFLE(3, 3, 3, 3)));
  }
  prev = uint64_t(_mm256_extract_epi64(carry, 0));
  return RunningSumLoop(in + i, n - i, prev, step, out + i);
}

__attribute__((target("avx2"))) uint32_t RunningSumAvx2(const uint32_t* in, uint32_t n, uint32_t prev, uint32_t step,
                                                        uint32_t* out) {
  const __m256i s = _mm256_set1_epi32(int32_t(step));
  __m256i carry = _mm256_set1_epi32(int32_t(prev));
  const __m256i lane3 = _mm256_set1_epi32(3), lane7 = _mm256_set1_epi32(7);
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i x = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)), s);
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));  // each 128-bit half scanned
    x = _mm256_add_epi32(x, _mm256_blend_epi32(_mm256_setzero_si256(), _mm256_permutevar8x32_epi32(x, lane3), 0xF0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_add_epi32(x, carry));
    carry = _mm256_add_epi32(carry, _mm256_permutevar8x32_epi32(x, lane7));
  }
  prev = uint32_t(_mm256_extract_epi32(carry, 0));
  return RunningSumLoop(in + i, n - i, prev, step, out + i);
}
#endif

template <typename W>
W Dispatch(const W* in, uint32_t n, W prev, W step, W* out) {
#if DP_AVX2_FUNCTIONS
  if (UseAvx2Kernels()) return RunningSumAvx2(in, n, prev, step, out);
#endif
  return RunningSumLoop(in, n, prev, step, out);
}

}  // namespace

uint64_t RunningSum(const uint64_t* in, uint32_t n, uint64_t prev, uint64_t step, uint64_t* out) {
  return Dispatch(in, n, prev, step, out);
}
uint32_t RunningSum(const uint32_t* in, uint32_t n, uint32_t prev, uint32_t step, uint32_t* out) {
  return Dispatch(in, n, prev, step, out);
}

}  // namespace dp::format::internal
