// The fixed header and trailer of a segment (spec/format.md §"Header",
// §"Trailer"). Hand-coded little-endian structs; everything else in the
// metadata is FlatBuffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "dp/result.h"
#include "format/version.h"

namespace dp::format {

// Header: magic[8] | u16 major | u16 minor | u32 reserved (zero)
inline constexpr size_t kHeaderSize = 16;
// Trailer: u64 footer_length | u16 major | u16 minor | u32 reserved (zero) |
//          u64 required_features | u64 checksum | magic[8]
// checksum = xxh3-64 over the root footer bytes followed by trailer[0, 24).
inline constexpr size_t kTrailerSize = 40;
inline constexpr size_t kTrailerChecksummedPrefix = 24;
static_assert(kTrailerSize == 8 + 2 + 2 + 4 + 8 + 8 + 8, "trailer layout");

// Alignments of the regions of a segment; gaps are zero bytes.
inline constexpr size_t kPageAlignment = 64;
inline constexpr size_t kMetadataAlignment = 8;

// Pages (spec/format.md §"Pages", §"Limits"). PageInfo.flags bits 0..3 are
// the statistics flags (index/zone_map.h); bit 4 says the body starts with a
// validity bitmap.
inline constexpr uint32_t kPageHasValidity = 1u << 4;
inline constexpr uint32_t kMaxPageRows = 1u << 20;
inline constexpr uint64_t kMaxPageBytes = (1ull << 31) - 1;  // stored and decoded sizes

struct Header {
  Version version{kFormatMajor, kFormatMinor};
};

struct Trailer {
  uint64_t footer_length = 0;
  Version version{kFormatMajor, kFormatMinor};
  uint64_t required_features = 0;
  uint64_t checksum = 0;
};

void EncodeHeader(const Header& h, uint8_t out[kHeaderSize]);
void EncodeTrailer(const Trailer& t, uint8_t out[kTrailerSize]);

// Parse + validate (magic, reserved bits zero, readable version, known
// features). `where` (the file path) prefixes every message.
Result<Header> DecodeHeader(std::span<const uint8_t> bytes, const std::string& where);
Result<Trailer> DecodeTrailer(std::span<const uint8_t> bytes, const std::string& where);

}  // namespace dp::format
