// Metadata file framing and manifest/product/tag encoding and verification.
// Byte layout and rules: spec/layout.md §"Metadata files", §"Version manifests".
#include "format/manifest.h"

#include <cstring>

#include "format/bytes.h"
#include "format/checksum.h"

namespace dp::format {
namespace {

template <typename T>
Result<const T*> VerifiedRoot(std::span<const uint8_t> file, MetaKind kind, const std::string& where,
                              const char* what) {
  DP_ASSIGN_OR_RETURN(std::span<const uint8_t> body, UnframeMeta(file, kind, where));
  flatbuffers::Verifier v(body.data(), body.size(), MetadataVerifierOptions());
  if (!v.VerifyBuffer<T>(nullptr)) {
    return Status::Corruption(where + ": " + what + " fails FlatBuffers verification");
  }
  return flatbuffers::GetRoot<T>(body.data());
}

size_t Len(const flatbuffers::String* s) { return s ? s->size() : 0; }

Status CheckText(const flatbuffers::String* s, const std::string& where, const char* field) {
  if (Len(s) > kMaxTextBytes) {
    return Status::Corruption(where + ": field '" + field + "' is " + std::to_string(Len(s)) +
                              " bytes (limit " + std::to_string(kMaxTextBytes) + ")");
  }
  return Status::OK();
}

Status CheckSegment(const fb::SegmentEntry* s, size_t index, const std::string& where) {
  const std::string at = where + ": segment " + std::to_string(index);
  if (!IsSegmentId(s->id()->string_view())) {
    return Status::Corruption(at + ": id is not 32 lowercase hex characters (a segment is always a plain "
                                   "file name inside the dataset)");
  }
  if (s->has_event_time() && s->event_time_min() > s->event_time_max()) {
    return Status::Corruption(at + " (" + s->id()->str() + "): event-time min > max");
  }
  if (const auto* cols = s->columns()) {
    if (cols->size() > kMaxSummariesPerSegment) {
      return Status::Corruption(at + ": " + std::to_string(cols->size()) + " column summaries (limit " +
                                std::to_string(kMaxSummariesPerSegment) + ")");
    }
    for (const fb::ColumnSummary* c : *cols) {
      if (c->type() > kMaxTypeId || (c->flags() & ~0xFu) != 0 || c->null_count() > c->num_values() ||
          (c->min_bytes() && c->min_bytes()->size() > kMaxSummaryBytes) ||
          (c->max_bytes() && c->max_bytes()->size() > kMaxSummaryBytes)) {
        return Status::Corruption(at + " (" + s->id()->str() + "): invalid summary of field id " +
                                  std::to_string(c->field_id()));
      }
    }
  }
  return Status::OK();
}

}  // namespace

std::vector<uint8_t> FrameMeta(MetaKind kind, std::span<const uint8_t> body) {
  std::vector<uint8_t> out(kMetaHeaderSize + body.size() + kMetaTrailerSize);
  uint8_t* p = out.data();
  std::memcpy(p, kMetaMagic.data(), 8);
  PutLE<uint16_t>(p + 8, kMetaMajor);
  PutLE<uint16_t>(p + 10, kMetaMinor);
  PutLE<uint16_t>(p + 12, static_cast<uint16_t>(kind));
  PutLE<uint16_t>(p + 14, 0);
  PutLE<uint64_t>(p + 16, body.size());
  if (!body.empty()) std::memcpy(p + kMetaHeaderSize, body.data(), body.size());
  const size_t t = kMetaHeaderSize + body.size();
  PutLE<uint64_t>(p + t, Checksum(p, t));
  std::memcpy(p + t + 8, kMetaMagic.data(), 8);
  return out;
}

Result<std::span<const uint8_t>> UnframeMeta(std::span<const uint8_t> file, MetaKind kind,
                                             const std::string& where) {
  const size_t n = file.size();
  if (n < kMetaHeaderSize + kMetaTrailerSize) {
    return Status::Corruption(where + ": " + std::to_string(n) + " bytes is too short for a metadata file (" +
                              std::to_string(kMetaHeaderSize + kMetaTrailerSize) + " at least)");
  }
  const uint8_t* p = file.data();
  if (std::memcmp(p, kMetaMagic.data(), 8) != 0 || std::memcmp(p + n - 8, kMetaMagic.data(), 8) != 0) {
    return Status::Corruption(where + ": bad magic (not a dpstore metadata file, or truncated)");
  }
  const uint16_t major = GetLE<uint16_t>(p + 8), minor = GetLE<uint16_t>(p + 10);
  if (major > kMetaMajor) {
    return Status::NotSupported(where + ": metadata format " + std::to_string(major) + "." + std::to_string(minor) +
                                " is newer than this build of dpstore understands (reads 1.x); upgrade dpstore");
  }
  if (major == 0) return Status::Corruption(where + ": invalid metadata format version 0." + std::to_string(minor));
  const uint16_t k = GetLE<uint16_t>(p + 12);
  if (k != static_cast<uint16_t>(kind)) {
    return Status::Corruption(where + ": metadata file kind " + std::to_string(k) + ", expected " +
                              std::to_string(static_cast<uint16_t>(kind)));
  }
  if (GetLE<uint16_t>(p + 14) != 0) return Status::Corruption(where + ": reserved header bytes are not zero");
  const uint64_t len = GetLE<uint64_t>(p + 16);
  if (len == 0 || len > kMaxMetaBody || len != n - kMetaHeaderSize - kMetaTrailerSize) {
    return Status::Corruption(where + ": body length " + std::to_string(len) + " does not match the file size " +
                              std::to_string(n) + " (or exceeds " + std::to_string(kMaxMetaBody) + ")");
  }
  const size_t t = kMetaHeaderSize + len;
  if (Checksum(p, t) != GetLE<uint64_t>(p + t)) {
    return Status::Corruption(where + ": checksum mismatch (file damaged)");
  }
  return file.subspan(kMetaHeaderSize, len);
}

bool IsSegmentId(std::string_view id) {
  if (id.size() != kSegmentIdChars) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<const fb::Manifest*> ParseManifest(std::span<const uint8_t> file, const std::string& where) {
  DP_ASSIGN_OR_RETURN(const fb::Manifest* m, VerifiedRoot<fb::Manifest>(file, MetaKind::kManifest, where, "manifest"));
  const uint64_t v = m->version();
  if (m->has_parent() ? (v == 0 || m->parent() != v - 1) : (v != 0 || m->parent() != 0)) {
    return Status::Corruption(where + ": version " + std::to_string(v) + " has parent " + std::to_string(m->parent()) +
                              " (must be version - 1; only version 0 has none)");
  }
  if (m->full() ? m->base_version() != v : m->base_version() >= v) {
    return Status::Corruption(where + ": base_version " + std::to_string(m->base_version()) +
                              " is invalid for version " + std::to_string(v));
  }
  if (static_cast<uint8_t>(m->operation()) > static_cast<uint8_t>(fb::Operation::MAX) ||
      static_cast<uint8_t>(m->dataset()->kind()) > static_cast<uint8_t>(fb::DatasetKind::MAX)) {
    return Status::Corruption(where + ": unknown operation or dataset kind");
  }
  if (m->semver_major() == 0) return Status::Corruption(where + ": schema semantic version major is 0");
  DP_RETURN_IF_ERROR(CheckText(m->message(), where, "message"));
  DP_RETURN_IF_ERROR(CheckText(m->committer(), where, "committer"));
  DP_RETURN_IF_ERROR(CheckText(m->dataset()->description(), where, "description"));
  DP_RETURN_IF_ERROR(CheckText(m->dataset()->event_time_column(), where, "event_time_column"));
  if (m->schema()->size() > Schema::kMaxFields) {
    return Status::Corruption(where + ": schema has " + std::to_string(m->schema()->size()) + " fields (limit " +
                              std::to_string(Schema::kMaxFields) + ")");
  }
  for (const fb::ManifestField* f : *m->schema()) {
    if (f->field_id() == 0 || f->field_id() > m->last_field_id() || f->type() > kMaxTypeId || f->time_unit() > 3 ||
        (f->flags() & ~0x3u) != 0) {
      return Status::Corruption(where + ": schema field '" + f->name()->str() + "' has an invalid id, type or flags");
    }
  }
  const uint64_t added = m->added() ? m->added()->size() : 0;
  const uint64_t removed = m->removed() ? m->removed()->size() : 0;
  if (added > kMaxManifestSegments || removed > kMaxManifestSegments) {
    return Status::Corruption(where + ": more than " + std::to_string(kMaxManifestSegments) + " segments");
  }
  if (m->full() && removed != 0) return Status::Corruption(where + ": a full manifest removes segments");
  if (m->full() && m->num_segments() != added) {
    return Status::Corruption(where + ": full manifest lists " + std::to_string(added) + " segments but totals say " +
                              std::to_string(m->num_segments()));
  }
  for (size_t i = 0; i < added; ++i) DP_RETURN_IF_ERROR(CheckSegment(m->added()->Get(i), i, where));
  for (size_t i = 0; i < removed; ++i) {
    if (!IsSegmentId(m->removed()->Get(i)->string_view())) {
      return Status::Corruption(where + ": removed segment " + std::to_string(i) + " has an invalid id");
    }
  }
  return m;
}

Result<const fb::Product*> ParseProduct(std::span<const uint8_t> file, const std::string& where) {
  DP_ASSIGN_OR_RETURN(const fb::Product* p, VerifiedRoot<fb::Product>(file, MetaKind::kProduct, where, "product"));
  for (const auto* s : {p->name(), p->domain(), p->owner(), p->description()}) {
    DP_RETURN_IF_ERROR(CheckText(s, where, "product text"));
  }
  if (p->tags() && p->tags()->size() > 4096) return Status::Corruption(where + ": more than 4096 product tags");
  return p;
}

Result<const fb::Tag*> ParseTag(std::span<const uint8_t> file, const std::string& where) {
  DP_ASSIGN_OR_RETURN(const fb::Tag* t, VerifiedRoot<fb::Tag>(file, MetaKind::kTag, where, "tag"));
  DP_RETURN_IF_ERROR(CheckText(t->message(), where, "message"));
  return t;
}

// ---- Encoding -------------------------------------------------------------

namespace {

flatbuffers::Offset<fb::SegmentEntry> CopySegment(flatbuffers::FlatBufferBuilder& b, const fb::SegmentEntry* s) {
  std::vector<flatbuffers::Offset<fb::ColumnSummary>> cols;
  if (s->columns()) {
    cols.reserve(s->columns()->size());
    for (const fb::ColumnSummary* c : *s->columns()) {
      auto mn = c->min_bytes() ? b.CreateVector(c->min_bytes()->data(), c->min_bytes()->size()) : 0;
      auto mx = c->max_bytes() ? b.CreateVector(c->max_bytes()->data(), c->max_bytes()->size()) : 0;
      cols.push_back(fb::CreateColumnSummary(b, c->field_id(), c->type(), c->num_values(), c->null_count(),
                                             c->flags(), c->min_bits(), c->max_bits(), mn, mx));
    }
  }
  auto id = b.CreateString(s->id()->string_view());
  return fb::CreateSegmentEntry(b, id, s->num_rows(), s->file_size(), s->has_event_time(), s->event_time_min(),
                                s->event_time_max(), s->added_in(), b.CreateVector(cols));
}

flatbuffers::Offset<fb::SegmentEntry> EncodeSegment(flatbuffers::FlatBufferBuilder& b, const SegmentRecord& s) {
  std::vector<flatbuffers::Offset<fb::ColumnSummary>> cols;
  cols.reserve(s.columns.size());
  for (const SummaryRecord& c : s.columns) {
    auto bytes = [&](const std::string& x) {
      return x.empty() ? 0 : b.CreateVector(reinterpret_cast<const uint8_t*>(x.data()), x.size());
    };
    auto mn = bytes(c.min_bytes);
    auto mx = bytes(c.max_bytes);
    cols.push_back(fb::CreateColumnSummary(b, c.field_id, static_cast<uint8_t>(c.type), c.num_values, c.null_count,
                                           c.flags, c.min_bits, c.max_bits, mn, mx));
  }
  auto id = b.CreateString(s.id);
  return fb::CreateSegmentEntry(b, id, s.num_rows, s.file_size, s.event_time.has_value(),
                                s.event_time ? s.event_time->first : 0, s.event_time ? s.event_time->second : 0,
                                s.added_in, b.CreateVector(cols));
}

std::vector<uint8_t> Finish(flatbuffers::FlatBufferBuilder& b, MetaKind kind) {
  return FrameMeta(kind, {b.GetBufferPointer(), b.GetSize()});
}

}  // namespace

std::vector<uint8_t> EncodeManifest(const ManifestRecord& m) {
  flatbuffers::FlatBufferBuilder b(1024 + 256 * (m.carried.size() + m.fresh.size()));
  std::vector<flatbuffers::Offset<fb::SegmentEntry>> added;
  added.reserve(m.carried.size() + m.fresh.size());
  for (const fb::SegmentEntry* s : m.carried) added.push_back(CopySegment(b, s));
  for (const SegmentRecord& s : m.fresh) added.push_back(EncodeSegment(b, s));
  std::vector<flatbuffers::Offset<fb::ManifestField>> fields;
  for (const Field& f : m.schema.fields()) {
    const uint8_t flags = (f.nullable ? 1 : 0) | (f.type.id == TypeId::kTimestamp && f.type.utc ? 2 : 0);
    const uint8_t unit = f.type.id == TypeId::kTimestamp ? static_cast<uint8_t>(f.type.unit) : 0;
    auto name = b.CreateString(f.name);
    auto doc = b.CreateString(f.doc);
    fields.push_back(fb::CreateManifestField(b, f.field_id, name, static_cast<uint8_t>(f.type.id), unit, flags, doc));
  }
  auto ds = fb::CreateDatasetMeta(b, m.kind, b.CreateString(m.event_time_column), b.CreateString(m.description));
  auto schema = b.CreateVector(fields);
  auto added_v = b.CreateVector(added);
  auto removed_v = b.CreateVectorOfStrings(m.removed);
  auto msg = b.CreateString(m.message);
  auto who = b.CreateString(m.committer);
  fb::ManifestBuilder mb(b);
  mb.add_version(m.version);
  mb.add_parent(m.parent.value_or(0));
  mb.add_has_parent(m.parent.has_value());
  mb.add_base_version(m.base_version);
  mb.add_full(m.full);
  mb.add_commit_time_us(m.commit_time_us);
  mb.add_operation(m.operation);
  mb.add_dataset(ds);
  mb.add_schema(schema);
  mb.add_last_field_id(m.last_field_id);
  mb.add_semver_major(m.semver[0]);
  mb.add_semver_minor(m.semver[1]);
  mb.add_semver_patch(m.semver[2]);
  mb.add_added(added_v);
  mb.add_removed(removed_v);
  mb.add_num_rows(m.num_rows);
  mb.add_num_segments(m.num_segments);
  mb.add_num_bytes(m.num_bytes);
  mb.add_has_as_of(m.as_of_us.has_value());
  mb.add_as_of_us(m.as_of_us.value_or(0));
  mb.add_message(msg);
  mb.add_committer(who);
  mb.add_has_contract(m.contract_checksum.has_value());
  mb.add_contract_checksum(m.contract_checksum.value_or(0));
  b.Finish(mb.Finish());
  return Finish(b, MetaKind::kManifest);
}

std::vector<uint8_t> EncodeProduct(const ProductRecord& p) {
  flatbuffers::FlatBufferBuilder b(512);
  auto tags = b.CreateVectorOfStrings(p.tags);
  auto root = fb::CreateProduct(b, b.CreateString(p.name), b.CreateString(p.domain), b.CreateString(p.owner),
                                b.CreateString(p.description), tags, p.freshness_sla_seconds, p.created_us);
  b.Finish(root);
  return Finish(b, MetaKind::kProduct);
}

std::vector<uint8_t> EncodeTag(const TagRecord& t) {
  flatbuffers::FlatBufferBuilder b(256);
  auto name = b.CreateString(t.name);
  auto msg = b.CreateString(t.message);
  b.Finish(fb::CreateTag(b, name, t.version, t.created_us, msg));
  return Finish(b, MetaKind::kTag);
}

Result<Schema> ManifestSchema(const fb::Manifest* m, const std::string& where) {
  std::vector<Field> fields;
  fields.reserve(m->schema()->size());
  for (const fb::ManifestField* f : *m->schema()) {
    Field x;
    x.field_id = f->field_id();
    x.name = f->name()->str();
    x.doc = f->doc() ? f->doc()->str() : std::string();
    x.nullable = f->flags() & 1;
    x.type.id = static_cast<TypeId>(f->type());
    if (x.type.id == TypeId::kTimestamp) {
      x.type.unit = static_cast<TimeUnit>(f->time_unit());
      x.type.utc = (f->flags() & 2) != 0;
    }
    fields.push_back(std::move(x));
  }
  auto schema = Schema::Make(std::move(fields));
  if (!schema.ok()) return Status::Corruption(where + ": invalid schema: " + schema.status().message());
  return schema;
}

}  // namespace dp::format
