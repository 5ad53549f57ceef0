// Format versions, magic and feature gates (spec/format.md §"Versioning").
//
// Readers never compare raw version numbers: they ask a predicate here.
#pragma once

#include <array>
#include <cstdint>

namespace dp::format {

// 8 bytes at offset 0 and at the very end of every segment. The high-bit
// first byte and the CR LF / SUB / LF sequence catch 7-bit and text-mode
// transfers (as PNG does).
inline constexpr std::array<uint8_t, 8> kSegmentMagic = {0x89, 'D', 'P', 'C', '\r', '\n', 0x1A, '\n'};

inline constexpr uint16_t kFormatMajor = 1;         // written by this build
inline constexpr uint16_t kFormatMinor = 2;
inline constexpr uint16_t kMinReadableMajor = 1;    // oldest major this build reads
inline constexpr uint16_t kInvalidVersion = 0xFFFF; // sentinel, never written

// Required-feature bits: a reader refuses a file that sets a bit it does not
// know. on-disk: append only. A writer sets a bit only when the file uses the
// feature, so files without it stay readable by older builds of the major.
//
// Format 1.0 defines none. Format 1.1: bit 0, byte_planes: pages may use the
// encodings for_planes (6), delta_planes (7), dictionary_planes (8).
// Format 1.2: bit 1, radix: pages may use for_radix (9), dictionary_radix (10),
// dictionary_sparse (11).
inline constexpr uint64_t kFeatureBytePlanes = uint64_t{1} << 0;
inline constexpr uint64_t kFeatureRadix = uint64_t{1} << 1;
inline constexpr uint64_t kFeaturesOfFormat1_0 = 0;  // what a 1.0 reader knows
inline constexpr uint64_t kFeaturesOfFormat1_1 = kFeatureBytePlanes;
inline constexpr uint64_t kKnownRequiredFeatures = kFeatureBytePlanes | kFeatureRadix;

// The required-feature bits of `required` that a reader knowing `known`
// does not understand: nonzero means it must refuse the file (NotSupported).
inline constexpr uint64_t UnknownFeatures(uint64_t required, uint64_t known = kKnownRequiredFeatures) {
  return required & ~known;
}
// Whether a file's pages may use the byte-plane encodings.
inline constexpr bool UsesBytePlanes(uint64_t required) { return (required & kFeatureBytePlanes) != 0; }

struct Version {
  uint16_t major;
  uint16_t minor;
};

inline bool CanRead(Version v) { return v.major >= kMinReadableMajor && v.major <= kFormatMajor; }
// Page-level min/max statistics exist in every version so far.
inline bool HasPageZoneMaps(Version v) { return v.major >= 1; }

}  // namespace dp::format
