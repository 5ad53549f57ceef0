// Fixed-width little-endian fields in byte buffers, and the limits every
// FlatBuffers metadata block (segment footers, column metadata, manifests)
// is verified with before it is read.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <bit>
#include <cstdint>
#include <cstring>

namespace dp::format {

static_assert(std::endian::native == std::endian::little, "dpstore assumes a little-endian host");

template <typename T>
inline void PutLE(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

template <typename T>
inline T GetLE(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Depth and table counts far above anything a writer produces, so that a
// hostile buffer cannot make the verifier recurse or loop without bound.
inline flatbuffers::Verifier::Options MetadataVerifierOptions() {
  flatbuffers::Verifier::Options o;
  o.max_depth = 16;
  o.max_tables = 10'000'000;
  o.check_alignment = true;
  return o;
}

}  // namespace dp::format
