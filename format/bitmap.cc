#include "format/bitmap.h"

#include "format/sanitizers.h"

namespace dp::format {

// The baseline target has no POPCNT (std::popcount is a libgcc call per
// word): a clone for CPUs that have it is picked when the program loads,
// by an ifunc resolver. Not in sanitizer builds: the resolver runs before
// the sanitizer runtime is set up, and ThreadSanitizer programs crashed at
// start (regression: the TSan concurrency_test; CI step 3).
#if defined(__x86_64__) && defined(__has_attribute) && !(DP_TSAN || DP_ASAN || DP_MSAN)
#if __has_attribute(target_clones)
#define DP_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef DP_POPCNT_CLONES
#define DP_POPCNT_CLONES
#endif

DP_POPCNT_CLONES size_t CountSetBits(const uint8_t* bitmap, size_t offset, size_t length) {
  size_t count = 0;
  size_t i = offset;
  const size_t end = offset + length;
  while (i < end && (i & 63) != 0) count += GetBit(bitmap, i++);
  for (; i + 64 <= end; i += 64) {
    uint64_t word;
    std::memcpy(&word, bitmap + i / 8, 8);
    count += std::popcount(word);
  }
  while (i < end) count += GetBit(bitmap, i++);
  return count;
}

void CopyBits(const uint8_t* src, size_t src_offset, size_t length, uint8_t* dst, size_t dst_offset) {
  if ((src_offset & 7) == 0 && (dst_offset & 7) == 0) {
    std::memcpy(dst + dst_offset / 8, src + src_offset / 8, length / 8);
    const size_t done = length & ~size_t{7};
    for (size_t i = done; i < length; ++i) {
      if (GetBit(src, src_offset + i)) SetBit(dst, dst_offset + i); else ClearBit(dst, dst_offset + i);
    }
    return;
  }
  for (size_t i = 0; i < length; ++i) {
    if (GetBit(src, src_offset + i)) SetBit(dst, dst_offset + i); else ClearBit(dst, dst_offset + i);
  }
}

}  // namespace dp::format
