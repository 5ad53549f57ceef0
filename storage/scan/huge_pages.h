// An allocator for the large, randomly probed arrays of an aggregation
// (hash-table slots, group keys, per-group states): a block of 2 MiB or
// more is mapped on its own, 2 MiB-aligned, and the kernel is asked to back
// it with huge pages (MADV_HUGEPAGE: honoured when transparent huge pages
// are set to "madvise" or "always"). Probes into a table of tens of MB then
// stop missing the TLB on almost every access (2,048 entries of 4 KiB pages
// reach 8 MB). Smaller blocks, and systems without madvise, use operator
// new (so do all blocks under AddressSanitizer); a failed mapping throws
// std::bad_alloc like operator new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace dp::internal::scan {

void* AllocateLarge(size_t bytes);        // bytes >= kLargeBlock
void FreeLarge(void* p, size_t bytes);    // the same bytes
inline constexpr size_t kLargeBlock = size_t{2} << 20;
// Whether AllocateLarge maps 2 MiB-aligned blocks (else: operator new).
bool LargeBlocksAreMapped();

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit

  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    return static_cast<T*>(bytes >= kLargeBlock ? AllocateLarge(bytes) : ::operator new(bytes));
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kLargeBlock) {
      FreeLarge(p, bytes);
    } else {
      ::operator delete(p);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace dp::internal::scan
