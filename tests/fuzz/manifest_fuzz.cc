// Fuzz target: a dataset version manifest (`_versions/<v>.dpv`) is hostile
// input. format::ParseManifest must refuse anything malformed (framing,
// checksum, FlatBuffers verifier, the semantic rules of spec/layout.md)
// before any accessor runs and before allocating by a count it read. What it
// accepts must survive what the dataset store does when it opens a version
// (schema conversion, the replay of DatasetStore::Load, segment summaries),
// and re-encoding it must give a manifest that parses back to the same bytes.
//
// Input: byte 0 selects the mode, the rest is the payload.
//   bit 0 clear: the payload is a FlatBuffers body; the target frames it
//                (header, length, checksum) so mutations reach the verifier
//                and the semantic checks instead of the checksum.
//   bit 0 set:   the payload is a whole metadata file, framing included.
// Seeds: real manifests written by the dataset store (make_seeds.cc). With
// DP_FUZZ_VERBOSE set, each input's parse and load status is printed.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "format/manifest.h"
#include "storage/dataset/dataset_store.h"

namespace {

namespace fs = std::filesystem;
using dp::format::ManifestRecord;

// libFuzzer runs inputs one after another in one process: one scratch
// dataset directory per process, holding at most one manifest at a time. The
// path is never destroyed: the exit handler, registered before the static was
// constructed, runs after its destructor would have.
const std::string& ScratchDir() {
  static const std::string* const dir = [] {
    auto* d = new std::string("/dev/shm/dp-manifest-fuzz-" + std::to_string(::getpid()));
    std::error_code ec;
    fs::create_directories(*d + "/_versions", ec);
    std::atexit([] {
      std::error_code e;
      fs::remove_all(ScratchDir(), e);
    });
    return d;
  }();
  return *dir;
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "manifest_fuzz: %s\n", what);
  std::abort();
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

bool SameSchema(const dp::Schema& a, const dp::Schema& b) {
  if (a.num_fields() != b.num_fields()) return false;
  for (size_t i = 0; i < a.num_fields(); ++i) {
    const dp::Field& x = a.field(i);
    const dp::Field& y = b.field(i);
    if (x.name != y.name || !(x.type == y.type) || x.nullable != y.nullable || x.doc != y.doc ||
        x.field_id != y.field_id) {
      return false;
    }
  }
  return true;
}

// Everything EncodeManifest needs to write `m` again. The segments are
// carried (copied from the verified manifest, as a checkpoint does).
ManifestRecord ToRecord(const dp::fb::Manifest* m, dp::Schema schema) {
  ManifestRecord r;
  r.version = m->version();
  if (m->has_parent()) r.parent = m->parent();
  r.base_version = m->base_version();
  r.full = m->full();
  r.commit_time_us = m->commit_time_us();
  r.operation = m->operation();
  r.kind = m->dataset()->kind();
  r.event_time_column = Str(m->dataset()->event_time_column());
  r.description = Str(m->dataset()->description());
  r.schema = std::move(schema);
  r.last_field_id = m->last_field_id();
  r.semver[0] = m->semver_major();
  r.semver[1] = m->semver_minor();
  r.semver[2] = m->semver_patch();
  if (m->added()) r.carried.assign(m->added()->begin(), m->added()->end());
  if (m->removed()) {
    for (const flatbuffers::String* id : *m->removed()) r.removed.push_back(id->str());
  }
  r.num_rows = m->num_rows();
  r.num_segments = m->num_segments();
  r.num_bytes = m->num_bytes();
  if (m->has_as_of()) r.as_of_us = m->as_of_us();
  r.message = Str(m->message());
  r.committer = Str(m->committer());
  if (m->has_contract()) r.contract_checksum = m->contract_checksum();
  return r;
}

// Opens the version through the store, as Dataset::At does: a full manifest
// replays on its own; a delta fails cleanly (its base is not there).
void LoadThroughStore(std::span<const uint8_t> file, uint64_t version) {
  dp::internal::DatasetStore store("p", "d", ScratchDir());
  const std::string path = store.ManifestPath(version);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return;
  const bool written = std::fwrite(file.data(), 1, file.size(), f) == file.size();
  if (std::fclose(f) != 0 || !written) {
    std::remove(path.c_str());
    return;
  }
  auto state = store.Load(version);
  static const bool verbose = std::getenv("DP_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "load: %s\n", state.status().ToString().c_str());
  if (state.ok()) {
    const dp::internal::SnapshotState& s = **state;
    if (s.segments.size() != s.info.num_segments) Fail("Load accepted a live set that disagrees with the totals");
    for (size_t i = 0; i < s.segments.size(); ++i) (void)dp::internal::ToSegmentInfo(s, i);
    (void)s.EventTimeFieldId();
  }
  std::remove(path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > (4u << 20)) return 0;
  // The store parses a file read into a std::vector: FlatBuffers accessors
  // read in place and need its 8-byte alignment, which data + 1 lacks.
  const std::span<const uint8_t> payload(data + 1, size - 1);
  const std::vector<uint8_t> file = (data[0] & 1) == 0
                                        ? dp::format::FrameMeta(dp::format::MetaKind::kManifest, payload)
                                        : std::vector<uint8_t>(payload.begin(), payload.end());
  auto m = dp::format::ParseManifest(file, "fuzz.dpv");
  static const bool verbose = std::getenv("DP_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "parse: %s\n", m.status().ToString().c_str());
  if (!m.ok()) return 0;
  (void)dp::internal::ToVersionInfo(*m);
  auto schema = dp::format::ManifestSchema(*m, "fuzz.dpv");
  LoadThroughStore(file, (*m)->version());
  if (!schema.ok()) return 0;

  // Round trip: encode what was accepted; it must parse, keep the facts the
  // store relies on, and encode again to the very same bytes.
  const std::vector<uint8_t> once = dp::format::EncodeManifest(ToRecord(*m, *schema));
  auto back = dp::format::ParseManifest(once, "once.dpv");
  if (!back.ok()) Fail(("a re-encoded manifest does not parse: " + back.status().ToString()).c_str());
  const dp::fb::Manifest* a = *m;
  const dp::fb::Manifest* b = *back;
  const size_t added = a->added() ? a->added()->size() : 0;
  const size_t removed = a->removed() ? a->removed()->size() : 0;
  if (a->version() != b->version() || a->base_version() != b->base_version() || a->full() != b->full() ||
      a->num_rows() != b->num_rows() || a->num_segments() != b->num_segments() ||
      added != (b->added() ? b->added()->size() : 0) || removed != (b->removed() ? b->removed()->size() : 0)) {
    Fail("a re-encoded manifest lost version, totals or segments");
  }
  for (size_t i = 0; i < added; ++i) {
    const dp::fb::SegmentEntry* x = a->added()->Get(i);
    const dp::fb::SegmentEntry* y = b->added()->Get(i);
    if (x->id()->string_view() != y->id()->string_view() || x->num_rows() != y->num_rows() ||
        x->file_size() != y->file_size() || x->added_in() != y->added_in()) {
      Fail("a re-encoded manifest changed a segment entry");
    }
  }
  auto schema_back = dp::format::ManifestSchema(b, "once.dpv");
  if (!schema_back.ok() || !SameSchema(*schema_back, *schema)) Fail("a re-encoded manifest changed the schema");
  const std::vector<uint8_t> twice = dp::format::EncodeManifest(ToRecord(b, *schema_back));
  if (twice != once) Fail("encoding a re-encoded manifest is not stable");
  return 0;
}
