// Header and trailer codec; byte layout in spec/format.md §"Header", §"Trailer".
#include "format/trailer.h"

#include <cstring>

#include "format/bytes.h"

namespace dp::format {
namespace {

Status CheckVersion(Version v, const std::string& where, const char* part) {
  if (v.major > kFormatMajor) {
    return Status::NotSupported(where + ": segment format " + std::to_string(v.major) + "." +
                                std::to_string(v.minor) + " (" + part +
                                ") is newer than this build of dpstore understands (reads " +
                                std::to_string(kMinReadableMajor) + ".x to " + std::to_string(kFormatMajor) +
                                ".x); upgrade dpstore");
  }
  if (v.major != 0 && v.major < kMinReadableMajor) {
    return Status::NotSupported(where + ": segment format " + std::to_string(v.major) + "." +
                                std::to_string(v.minor) + " (" + part + ") is older than this build reads (" +
                                std::to_string(kMinReadableMajor) + ".x and newer); convert it with an older dpstore");
  }
  if (!CanRead(v)) {
    return Status::Corruption(where + ": invalid segment format version " + std::to_string(v.major) + "." +
                              std::to_string(v.minor) + " in " + part);
  }
  return Status::OK();
}

}  // namespace

void EncodeHeader(const Header& h, uint8_t out[kHeaderSize]) {
  std::memcpy(out, kSegmentMagic.data(), 8);
  PutLE<uint16_t>(out + 8, h.version.major);
  PutLE<uint16_t>(out + 10, h.version.minor);
  PutLE<uint32_t>(out + 12, 0);
}

void EncodeTrailer(const Trailer& t, uint8_t out[kTrailerSize]) {
  PutLE<uint64_t>(out, t.footer_length);
  PutLE<uint16_t>(out + 8, t.version.major);
  PutLE<uint16_t>(out + 10, t.version.minor);
  PutLE<uint32_t>(out + 12, 0);
  PutLE<uint64_t>(out + 16, t.required_features);
  PutLE<uint64_t>(out + 24, t.checksum);
  std::memcpy(out + 32, kSegmentMagic.data(), 8);
}

Result<Header> DecodeHeader(std::span<const uint8_t> bytes, const std::string& where) {
  if (bytes.size() < kHeaderSize) {
    return Status::Corruption(where + ": file too short for a segment header (" + std::to_string(bytes.size()) +
                              " bytes)");
  }
  if (std::memcmp(bytes.data(), kSegmentMagic.data(), 8) != 0) {
    return Status::Corruption(where + ": not a dpstore segment (bad magic at offset 0)");
  }
  Header h;
  h.version = {GetLE<uint16_t>(bytes.data() + 8), GetLE<uint16_t>(bytes.data() + 10)};
  DP_RETURN_IF_ERROR(CheckVersion(h.version, where, "header"));
  if (GetLE<uint32_t>(bytes.data() + 12) != 0) {
    return Status::Corruption(where + ": header reserved bytes 12..15 are not zero");
  }
  return h;
}

Result<Trailer> DecodeTrailer(std::span<const uint8_t> bytes, const std::string& where) {
  if (bytes.size() != kTrailerSize) {
    return Status::Corruption(where + ": trailer must be " + std::to_string(kTrailerSize) + " bytes");
  }
  const uint8_t* p = bytes.data();
  if (std::memcmp(p + 32, kSegmentMagic.data(), 8) != 0) {
    return Status::Corruption(where + ": bad magic at end of file (truncated or not a sealed segment)");
  }
  Trailer t;
  t.footer_length = GetLE<uint64_t>(p);
  t.version = {GetLE<uint16_t>(p + 8), GetLE<uint16_t>(p + 10)};
  DP_RETURN_IF_ERROR(CheckVersion(t.version, where, "trailer"));
  if (GetLE<uint32_t>(p + 12) != 0) {
    return Status::Corruption(where + ": trailer reserved bytes are not zero");
  }
  t.required_features = GetLE<uint64_t>(p + 16);
  t.checksum = GetLE<uint64_t>(p + 24);
  return t;
}

}  // namespace dp::format
