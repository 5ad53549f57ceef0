// Checksums: xxh3-64 (seed 0) everywhere (spec/format.md §"Checksums").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dp::format {

uint64_t Checksum(const void* data, size_t size);
inline uint64_t Checksum(std::span<const uint8_t> bytes) { return Checksum(bytes.data(), bytes.size()); }

// Incremental form for data written in pieces.
class StreamingChecksum {
 public:
  StreamingChecksum();
  ~StreamingChecksum();
  StreamingChecksum(const StreamingChecksum&) = delete;
  StreamingChecksum& operator=(const StreamingChecksum&) = delete;
  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  void* state_;  // XXH3_state_t
};

}  // namespace dp::format
