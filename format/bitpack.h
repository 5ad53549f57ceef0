// Bit-packing of blocks of 1024 unsigned values in an interleaved lane layout
// that compilers vectorize (spec/format.md §"Bit-packed blocks").
//
// A block of 1024 values of word type W (uint32_t or uint64_t) with bit width
// w (0 <= w <= bits(W)) takes exactly 128 * w bytes. With L = 1024 / bits(W)
// lanes and R = bits(W) rows, value i sits in lane i % L, row i / L; the
// lane's R values are concatenated LSB first into w words, and word j of lane
// l is stored at index j * L + l.
//
// Implementations: bitpack_scalar.cc (portable, the test oracle) and ISA
// variants chosen once at runtime (bitpack_dispatch.cc).
#pragma once

#include <cstdint>

namespace dp::format {

inline constexpr uint32_t PackedBlockBytes(uint32_t width) { return 128u * width; }

// REQUIRES: every in[i] < 2^width (higher bits are dropped).
void Pack1024(const uint32_t* in, uint32_t width, uint32_t* out);
void Pack1024(const uint64_t* in, uint32_t width, uint64_t* out);

void Unpack1024(const uint32_t* in, uint32_t width, uint32_t* out);
void Unpack1024(const uint64_t* in, uint32_t width, uint64_t* out);

// out[i] = base + unpacked[i] (wrapping), the FOR decode fused with unpacking.
void UnpackFor1024(const uint32_t* in, uint32_t width, uint32_t base, uint32_t* out);
void UnpackFor1024(const uint64_t* in, uint32_t width, uint64_t base, uint64_t* out);

// Sum of the 1024 unpacked values (without base), fused, no output array.
uint64_t UnpackSum1024(const uint32_t* in, uint32_t width);
uint64_t UnpackSum1024(const uint64_t* in, uint32_t width);
// out[i] = 1 if unpacked[i] - lo <= span in W's modular arithmetic (so in
// [lo, lo + span] when that does not wrap), else 0. Writes 1024 bytes and
// no values: a range test of FOR-packed values, bounds moved to the packed
// domain.
void UnpackInRange1024(const uint32_t* in, uint32_t width, uint32_t lo, uint32_t span, uint8_t* out);
void UnpackInRange1024(const uint64_t* in, uint32_t width, uint64_t lo, uint64_t span, uint8_t* out);

// out[i] = (unpacked[i] << shift) + add (wrapping): values made into the
// words of a packed accumulator (count below `shift`, value above) in the
// unpacking pass. REQUIRES: width <= 32, shift < 64.
void UnpackShiftAdd1024(const uint64_t* in, uint32_t width, uint32_t shift, uint64_t add, uint64_t* out);

namespace scalar {  // the portable oracle, always available
void Unpack1024(const uint32_t* in, uint32_t width, uint32_t* out);
void Unpack1024(const uint64_t* in, uint32_t width, uint64_t* out);
}  // namespace scalar

// Name of the variant chosen at runtime: "scalar", "avx2", "avx512".
const char* BitpackVariant();

}  // namespace dp::format
