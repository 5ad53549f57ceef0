// Validity bitmaps: LSB first, bit set = value present (spec/format.md §"Validity").
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dp::format {

inline size_t BitmapBytes(size_t bits) { return (bits + 7) / 8; }
inline bool GetBit(const uint8_t* bitmap, size_t i) { return (bitmap[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bitmap, size_t i) { bitmap[i >> 3] |= uint8_t(1u << (i & 7)); }
inline void ClearBit(uint8_t* bitmap, size_t i) { bitmap[i >> 3] &= uint8_t(~(1u << (i & 7))); }

// Number of set bits in bits [offset, offset + length).
size_t CountSetBits(const uint8_t* bitmap, size_t offset, size_t length);

// Copies bits [src_offset, src_offset + length) to dst starting at dst_offset.
void CopyBits(const uint8_t* src, size_t src_offset, size_t length, uint8_t* dst, size_t dst_offset);

}  // namespace dp::format
