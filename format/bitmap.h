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

// The set bits of every byte value, low to high (8 slots, the unused ones
// 0), and how many: bitmaps become lists of offsets 8 bits at a time, all 8
// slots written and the list advanced by the count, without a branch per
// bit. (count is a table, not std::popcount: the baseline target has no
// POPCNT, which makes that a libgcc call.)
struct BitsOfByteTable {
  alignas(16) uint16_t offsets[256][8];
  uint8_t count[256];
  constexpr BitsOfByteTable() : offsets(), count() {
    for (int b = 0; b < 256; ++b) {
      int k = 0;
      for (int bit = 0; bit < 8; ++bit) {
        if (b & (1 << bit)) offsets[b][k++] = uint16_t(bit);
      }
      count[b] = uint8_t(k);
    }
  }
};
inline constexpr BitsOfByteTable kBitsOfByte;

// Copies bits [src_offset, src_offset + length) to dst starting at dst_offset.
void CopyBits(const uint8_t* src, size_t src_offset, size_t length, uint8_t* dst, size_t dst_offset);

}  // namespace dp::format
