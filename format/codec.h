// General-purpose page codecs applied on top of an encoded page body.
// Layout: spec/format.md §"Codecs".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dp/status.h"
#include "dp/writer.h"  // dp::Codec

namespace dp::format {

// Appends the compressed form of `in` to `out`.
Status Compress(Codec codec, std::span<const uint8_t> in, int level, std::vector<uint8_t>* out);

// Decompresses `in` into exactly `out.size()` bytes. Corruption if the
// stream is malformed or does not produce exactly that many bytes; never
// writes beyond `out` (no decompression bombs).
Status Decompress(Codec codec, std::span<const uint8_t> in, std::span<uint8_t> out);

}  // namespace dp::format
