// Metadata files of datasets: version manifests, product metadata and tags
// (spec/layout.md §"Metadata files", §"Version manifests"). A small hand-coded
// header/trailer (magic, version, kind, length, xxh3) frames a FlatBuffers
// body (format/schema/manifest.fbs). Pure bytes: no files.
//
// Parsing verifies, before any accessor runs: framing, checksum, the bounded
// FlatBuffers verifier, then the semantic rules of the spec (limits, ids,
// enum ranges). Counts and sizes are checked before anything is allocated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/types.h"
#include "format/schema/manifest_generated.h"

namespace dp::format {

inline constexpr std::array<uint8_t, 8> kMetaMagic = {0x89, 'D', 'P', 'M', '\r', '\n', 0x1A, '\n'};
inline constexpr uint16_t kMetaMajor = 1;  // written and read by this build
inline constexpr uint16_t kMetaMinor = 0;

// on-disk: append only.
enum class MetaKind : uint16_t { kManifest = 1, kProduct = 2, kTag = 3 };

// header: magic[8] | u16 major | u16 minor | u16 kind | u16 reserved | u64 body_length
inline constexpr size_t kMetaHeaderSize = 24;
// trailer: u64 checksum (xxh3-64 of header + body) | magic[8]
inline constexpr size_t kMetaTrailerSize = 16;
static_assert(kMetaHeaderSize == 8 + 2 + 2 + 2 + 2 + 8, "metadata header layout");
static_assert(kMetaTrailerSize == 8 + 8, "metadata trailer layout");

// Limits (spec/layout.md §"Limits").
inline constexpr uint64_t kMaxMetaBody = 256ull << 20;
inline constexpr uint64_t kMaxManifestSegments = 10'000'000;
inline constexpr uint64_t kMaxSummariesPerSegment = 65536;
inline constexpr size_t kMaxSummaryBytes = 64;
inline constexpr size_t kMaxTextBytes = 1u << 20;
inline constexpr size_t kSegmentIdChars = 32;

// Frames a FlatBuffers body into a complete metadata file.
std::vector<uint8_t> FrameMeta(MetaKind kind, std::span<const uint8_t> body);
// Checks the framing of a whole file and returns the body (a view into
// `file`). `where` (the path) prefixes every message.
Result<std::span<const uint8_t>> UnframeMeta(std::span<const uint8_t> file, MetaKind kind,
                                             const std::string& where);

// True for exactly 32 lowercase hex characters.
bool IsSegmentId(std::string_view id);

// Verified roots (views into `file`, valid while it lives).
Result<const fb::Manifest*> ParseManifest(std::span<const uint8_t> file, const std::string& where);
Result<const fb::Product*> ParseProduct(std::span<const uint8_t> file, const std::string& where);
Result<const fb::Tag*> ParseTag(std::span<const uint8_t> file, const std::string& where);

// ---- Encoding -------------------------------------------------------------

struct SummaryRecord {
  uint32_t field_id = 0;
  TypeId type = TypeId::kInt64;
  uint64_t num_values = 0;
  uint64_t null_count = 0;
  uint32_t flags = 0;  // zone-map flags (index/zone_map.h)
  uint64_t min_bits = 0;
  uint64_t max_bits = 0;
  std::string min_bytes;
  std::string max_bytes;
};

struct SegmentRecord {
  std::string id;
  uint64_t num_rows = 0;
  uint64_t file_size = 0;
  std::optional<std::pair<int64_t, int64_t>> event_time;  // min, max
  uint64_t added_in = 0;
  std::vector<SummaryRecord> columns;
};

struct ManifestRecord {
  uint64_t version = 0;
  std::optional<uint64_t> parent;
  uint64_t base_version = 0;
  bool full = false;
  int64_t commit_time_us = 0;
  fb::Operation operation = fb::Operation::Create;
  fb::DatasetKind kind = fb::DatasetKind::Events;
  std::string event_time_column;
  std::string description;
  Schema schema;
  uint32_t last_field_id = 0;
  uint32_t semver[3] = {1, 0, 0};
  // Added segments: first `carried` (copied from verified manifests, e.g.
  // the live set of a full manifest), then `fresh`.
  std::vector<const fb::SegmentEntry*> carried;
  std::vector<SegmentRecord> fresh;
  std::vector<std::string> removed;
  uint64_t num_rows = 0, num_segments = 0, num_bytes = 0;
  std::optional<int64_t> as_of_us;
  std::string message;
  std::string committer;
  std::optional<uint64_t> contract_checksum;
};

// A complete framed manifest file.
std::vector<uint8_t> EncodeManifest(const ManifestRecord& m);

struct ProductRecord {
  std::string name, domain, owner, description;
  std::vector<std::string> tags;
  int64_t freshness_sla_seconds = 0;
  int64_t created_us = 0;
};
std::vector<uint8_t> EncodeProduct(const ProductRecord& p);

struct TagRecord {
  std::string name;
  uint64_t version = 0;
  int64_t created_us = 0;
  std::string message;
};
std::vector<uint8_t> EncodeTag(const TagRecord& t);

// Converts the verified schema of a manifest into a dp::Schema (Schema::Make
// rules: unique names and ids, ...). `where` prefixes messages.
Result<Schema> ManifestSchema(const fb::Manifest* m, const std::string& where);

}  // namespace dp::format
