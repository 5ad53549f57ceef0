// Segment reader: open-time validation of trailer and root footer, lazy
// verification of column metadata blocks, page loading.
// Rules: spec/format.md §"Reading a segment".
#include "storage/segment_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "format/bitmap.h"
#include "format/checksum.h"
#include "format/codec.h"
#include "format/utf8.h"

namespace dp {

using format::PhysicalType;

namespace {

using format::kMaxPageBytes;
using format::kMaxPageRows;
using format::kPageHasValidity;
constexpr uint32_t kPageKnownFlags = index::kStatsKnownFlags | kPageHasValidity;
constexpr uint64_t kMaxColumnBlockBytes = 256ull << 20;
constexpr uint32_t kMaxColumns = 65536;

bool Aligned(uint64_t v, uint64_t a) { return v % a == 0; }

using Offsets = flatbuffers::Vector<uint32_t>;
using Blob = flatbuffers::Vector<uint8_t>;

// An offsets/blob pair holding `items` byte strings (schema names and docs,
// string statistics): offsets[0] = 0, non-decreasing, offsets[items] = the
// blob's size, each item <= max_item bytes and non-empty if asked. Returns
// the first bad item, `items` if the ends are inconsistent, -1 if valid.
int64_t FirstBadBlobItem(const Offsets* offs, const Blob* blob, uint32_t items, size_t max_item, bool nonempty) {
  if (offs->size() != uint64_t{items} + 1 || offs->Get(0) != 0 || offs->Get(items) != blob->size()) return items;
  const uint32_t* o = offs->data();  // little-endian, alignment checked by the verifier
  for (uint32_t i = 0; i < items; ++i) {
    if (o[i + 1] < o[i] || o[i + 1] - o[i] > max_item || (nonempty && o[i] == o[i + 1])) return i;
  }
  return -1;
}

// Item i of a validated offsets/blob pair.
std::string_view BlobItem(const Offsets* offs, const Blob* blob, uint32_t i) {
  const uint32_t a = offs->Get(i);
  return {reinterpret_cast<const char*>(blob->data()) + a, offs->Get(i + 1) - a};
}

// "0x1 (byte_planes)": required-feature bits, named where this build knows them.
std::string FeatureBits(uint64_t bits) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(bits));
  std::string s = hex;
  if (bits & format::kFeatureBytePlanes) s += " (byte_planes)";
  return s;
}

flatbuffers::Verifier::Options VerifierOptions() {
  flatbuffers::Verifier::Options o;
  o.max_depth = 16;
  o.max_tables = 10'000'000;
  o.check_alignment = true;
  return o;
}

}  // namespace

Result<std::unique_ptr<Segment::Rep>> Segment::Rep::Open(const std::string& path, const OpenOptions& options) {
  auto rep = std::make_unique<Rep>();
  rep->path = path;
  rep->options = options;
  DP_ASSIGN_OR_RETURN(rep->file, storage::MappedFile::Open(path));
  rep->bytes = rep->file->bytes();
  DP_RETURN_IF_ERROR(rep->ValidateFooter());
  return rep;
}

Status Segment::Rep::ValidateFooter() {
  const uint64_t size = bytes.size();
  if (size < format::kHeaderSize + format::kTrailerSize) {
    return Status::Corruption(path + ": file is " + std::to_string(size) +
                              " bytes, too short to be a segment (truncated?)");
  }
  DP_ASSIGN_OR_RETURN(format::Header header, format::DecodeHeader(bytes.first(format::kHeaderSize), path));
  DP_ASSIGN_OR_RETURN(format::Trailer trailer,
                      format::DecodeTrailer(bytes.last(format::kTrailerSize), path));
  const uint64_t footer_end = size - format::kTrailerSize;
  if (trailer.footer_length == 0 || trailer.footer_length > footer_end - format::kHeaderSize) {
    return Status::Corruption(path + ": trailer claims a root footer of " + std::to_string(trailer.footer_length) +
                              " bytes in a file of " + std::to_string(size) + " bytes");
  }
  if (trailer.footer_length > options.max_metadata_bytes || trailer.footer_length >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Status::ResourceExhausted(path + ": root footer of " + std::to_string(trailer.footer_length) +
                                     " bytes exceeds max_metadata_bytes (" +
                                     std::to_string(options.max_metadata_bytes) + ")");
  }
  footer_start = footer_end - trailer.footer_length;
  if (!Aligned(footer_start, format::kMetadataAlignment)) {
    return Status::Corruption(path + ": root footer offset " + std::to_string(footer_start) + " is not 8-aligned");
  }
  format::StreamingChecksum sum;
  sum.Update(bytes.data() + footer_start, trailer.footer_length);
  sum.Update(bytes.data() + footer_end, format::kTrailerChecksummedPrefix);
  if (sum.Digest() != trailer.checksum) {
    return Status::Corruption(path + ": root footer checksum mismatch (footer or trailer damaged)");
  }
  if (format::UnknownFeatures(trailer.required_features) != 0) {
    return Status::NotSupported(path + ": segment requires format features this build does not know (bits " +
                                FeatureBits(format::UnknownFeatures(trailer.required_features)) + "); upgrade dpstore");
  }
  if (header.version.major != trailer.version.major || header.version.minor != trailer.version.minor) {
    return Status::Corruption(path + ": header says format " + std::to_string(header.version.major) + "." +
                              std::to_string(header.version.minor) + " but trailer says " +
                              std::to_string(trailer.version.major) + "." + std::to_string(trailer.version.minor));
  }
  version = trailer.version;
  required_features = trailer.required_features;

  const uint8_t* fbuf = bytes.data() + footer_start;
  flatbuffers::Verifier verifier(fbuf, trailer.footer_length, VerifierOptions());
  if (!fb::VerifyFooterBuffer(verifier)) {
    return Status::Corruption(path + ": root footer fails FlatBuffers verification");
  }
  footer = fb::GetFooter(fbuf);

  // Schema.
  const fb::Schema* s = footer->schema();
  const uint32_t nf = s->fields()->size();
  if (nf == 0 || nf > kMaxColumns) {
    return Status::Corruption(path + ": schema has " + std::to_string(nf) + " fields (must be 1.." +
                              std::to_string(kMaxColumns) + ")");
  }
  // Names and docs.
  auto check_blob = [&](const Offsets* offs, const Blob* blob, const char* what, size_t max_item,
                        bool nonempty) -> Status {
    const int64_t bad = FirstBadBlobItem(offs, blob, nf, max_item, nonempty);
    if (bad == nf) return Status::Corruption(path + ": schema " + what + " offsets are inconsistent");
    if (bad >= 0) return Status::Corruption(path + ": schema field " + std::to_string(bad) + " has an invalid " + what);
    return Status::OK();
  };
  DP_RETURN_IF_ERROR(check_blob(s->name_offsets(), s->names(), "name", Schema::kMaxNameBytes, true));
  DP_RETURN_IF_ERROR(check_blob(s->doc_offsets(), s->docs(), "doc", Schema::kMaxDocBytes, false));
  {
    // Each name is valid UTF-8 iff the blob is and no name starts inside a
    // multi-byte character (with a continuation byte 10xxxxxx).
    const uint8_t* names = s->names()->data();
    const uint32_t* o = s->name_offsets()->data();
    bool ok = format::IsValidUtf8(std::string_view(reinterpret_cast<const char*>(names), s->names()->size()));
    uint32_t bad = 0;
    for (uint32_t i = 0; ok && i < nf; ++i) {
      if ((names[o[i]] & 0xC0) == 0x80) ok = false, bad = i;
    }
    if (!ok) return Status::Corruption(path + ": schema field names are not valid UTF-8 (field " +
                                       std::to_string(bad) + " or earlier)");
  }
  const fb::FieldInfo* infos = s->fields()->Get(0);
  for (uint32_t i = 0; i < nf; ++i) {
    const fb::FieldInfo* f = infos + i;
    const bool ts = f->type() == static_cast<uint8_t>(TypeId::kTimestamp);
    if (f->type() > kMaxTypeId || f->reserved() != 0 || f->field_id() == 0 || (f->flags() & ~3u) ||
        (!ts && (f->flags() & 2)) || (!ts && f->time_unit() != 0) || (ts && f->time_unit() > 3)) {
      return Status::Corruption(path + ": schema field " + std::to_string(i) + " ('" + std::string(FieldName(int(i))) +
                                "') has an invalid type descriptor");
    }
  }

  // Row groups: contiguous in rows, increasing and 64-aligned in bytes.
  const auto* rgs = footer->row_groups();
  uint64_t next_row = 0, prev_end = format::kHeaderSize;
  row_groups.reserve(rgs->size());
  for (uint32_t i = 0; i < rgs->size(); ++i) {
    const fb::RowGroupInfo* r = rgs->Get(i);
    auto where = [&] { return path + ": row group " + std::to_string(i); };
    if (r->first_row() != next_row) return Status::Corruption(where() + ": first_row is not contiguous");
    if (r->num_rows() == 0 || r->num_rows() > 0xFFFFFFFFull) return Status::Corruption(where() + ": invalid row count");
    if (r->offset() < prev_end || !Aligned(r->offset(), format::kPageAlignment) || r->length() == 0 ||
        r->length() > footer_start || r->offset() > footer_start - r->length()) {
      return Status::Corruption(where() + ": byte range is out of order or outside the data region");
    }
    next_row += r->num_rows();
    prev_end = r->offset() + r->length();
    row_groups.push_back({int(i), r->first_row(), r->num_rows(), r->offset(), r->length()});
  }
  if (next_row != footer->num_rows()) {
    return Status::Corruption(path + ": row groups hold " + std::to_string(next_row) + " rows but the footer says " +
                              std::to_string(footer->num_rows()));
  }
  data_end = prev_end;

  // Column metadata refs: one per field, increasing, between data and footer.
  const auto* refs = footer->columns();
  if (refs->size() != nf) {
    return Status::Corruption(path + ": footer has " + std::to_string(refs->size()) + " column refs for " +
                              std::to_string(nf) + " fields");
  }
  uint64_t prev = data_end;
  for (uint32_t i = 0; i < nf; ++i) {
    const fb::ColumnRef* r = refs->Get(i);
    if (r->offset() < prev || !Aligned(r->offset(), format::kMetadataAlignment) || r->length() < 8 ||
        r->length() > kMaxColumnBlockBytes || r->offset() > footer_start - r->length() || r->reserved() != 0) {
      return Status::Corruption(Where(int(i)) + ": metadata block reference is out of bounds or out of order");
    }
    prev = r->offset() + r->length();
  }
  if (const auto* kv = footer->metadata()) {
    if (kv->size() > 100000) return Status::Corruption(path + ": too many metadata entries");
  }
  columns_ = std::make_unique<std::atomic<ColumnState*>[]>(nf);
  num_columns_ = static_cast<int>(nf);
  return Status::OK();
}

Segment::Rep::~Rep() {
  if (columns_ == nullptr) return;
  for (int c = 0; c < num_columns_; ++c) delete columns_[c].load(std::memory_order_relaxed);
}

std::string_view Segment::Rep::FieldName(int c) const {
  return BlobItem(footer->schema()->name_offsets(), footer->schema()->names(), uint32_t(c));
}
std::string_view Segment::Rep::FieldDoc(int c) const {
  return BlobItem(footer->schema()->doc_offsets(), footer->schema()->docs(), uint32_t(c));
}
DataType Segment::Rep::FieldType(int c) const {
  const fb::FieldInfo* f = footer->schema()->fields()->Get(c);
  DataType t;
  t.id = static_cast<TypeId>(f->type());
  if (t.id == TypeId::kTimestamp) {
    t.unit = static_cast<TimeUnit>(f->time_unit());
    t.utc = (f->flags() & 2) != 0;
  }
  return t;
}
bool Segment::Rep::FieldNullable(int c) const { return footer->schema()->fields()->Get(c)->flags() & 1; }
uint32_t Segment::Rep::FieldId(int c) const { return footer->schema()->fields()->Get(c)->field_id(); }

int Segment::Rep::ColumnIndex(std::string_view name) const {
  // Straight over the validated offsets and names blob: no per-field
  // FlatBuffers indirections.
  const fb::Schema* s = footer->schema();
  const uint32_t* offs = s->name_offsets()->data();
  const char* names = reinterpret_cast<const char*>(s->names()->data());
  const uint32_t n = s->fields()->size();
  for (uint32_t c = 0; c < n; ++c) {
    const uint32_t a = offs[c], len = offs[c + 1] - a;
    // Wide schemas often have names of one length that differ at the end
    // ("feature_0001"): test the last byte before the full compare.
    if (len == name.size() && (len == 0 || names[a + len - 1] == name.back()) &&
        std::memcmp(names + a, name.data(), len) == 0) {
      return int(c);
    }
  }
  return -1;
}

const Schema& Segment::Rep::schema() const {
  std::call_once(schema_once_, [&] {
    std::vector<Field> fields;
    fields.reserve(num_columns());
    for (int c = 0; c < num_columns(); ++c) {
      fields.push_back({std::string(FieldName(c)), FieldType(c), FieldNullable(c), std::string(FieldDoc(c)), FieldId(c)});
    }
    // The footer was validated field by field at open; duplicate names or
    // field ids (a Verify() issue) remain possible in a hostile file. They
    // must not leave the schema empty, so later duplicates are renamed
    // "<name>#<index>" and given fresh ids.
    std::unordered_set<std::string> names;
    std::unordered_set<uint32_t> ids;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!names.insert(fields[i].name).second) fields[i].name += "#" + std::to_string(i);
      if (!ids.insert(fields[i].field_id).second) fields[i].field_id = 0;  // Make assigns an unused one
    }
    auto made = Schema::Make(fields);
    if (!made.ok()) {
      // A renamed duplicate collided or outgrew the name limit: fall back to
      // positional names, which Make always accepts.
      for (size_t i = 0; i < fields.size(); ++i) {
        fields[i].name = "column_" + std::to_string(i);
        fields[i].field_id = uint32_t(i + 1);
      }
      made = Schema::Make(std::move(fields));
    }
    if (made.ok()) schema_ = std::move(made).value();
  });
  return schema_;
}

std::string Segment::Rep::Where(int column, int row_group, int page) const {
  std::string s = path;
  if (column >= 0) {
    s += ": column '";
    s += FieldName(column);
    s += "'";
  }
  if (row_group >= 0) s += " row group " + std::to_string(row_group);
  if (page >= 0) s += " page " + std::to_string(page);
  return s;
}

Segment::Rep::ColumnState& Segment::Rep::State(int c) const {
  ColumnState* st = columns_[c].load(std::memory_order_acquire);
  if (st != nullptr) return *st;
  auto fresh = std::make_unique<ColumnState>();
  const fb::ColumnRef* ref = footer->columns()->Get(c);
  const uint8_t* buf = bytes.data() + ref->offset();
  if (format::Checksum(buf, ref->length()) != ref->checksum()) {
    fresh->status = Status::Corruption(Where(c) + ": metadata block checksum mismatch");
  } else {
    flatbuffers::Verifier v(buf, ref->length(), VerifierOptions());
    if (!fb::VerifyColumnMetaBuffer(v)) {
      fresh->status = Status::Corruption(Where(c) + ": metadata block fails FlatBuffers verification");
    } else {
      const fb::ColumnMeta* meta = fb::GetColumnMeta(buf);
      fresh->status = ValidateColumn(c, meta);
      if (fresh->status.ok()) {
        fresh->meta = meta;
        uint32_t total = 0;
        for (const fb::ColumnChunk* ch : *meta->chunks()) {
          fresh->page_base.push_back(total);
          total += ch->pages()->size();
        }
        fresh->verified = std::make_unique<std::atomic<uint8_t>[]>(total);
      }
    }
  }
  // Two threads may validate the same column at once; both reach the same
  // verdict from immutable bytes, and the first to publish wins.
  ColumnState* expected = nullptr;
  if (columns_[c].compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) {
    return *fresh.release();
  }
  return *expected;
}

Result<const fb::ColumnMeta*> Segment::Rep::Column(int c) const {
  if (c < 0 || c >= num_columns()) {
    return Status::InvalidArgument(path + ": column index " + std::to_string(c) + " out of range (0.." +
                                   std::to_string(num_columns() - 1) + ")");
  }
  const ColumnState& st = State(c);
  if (!st.status.ok()) return st.status;
  return st.meta;
}

Status Segment::Rep::ValidateColumn(int c, const fb::ColumnMeta* meta) const {
  if (meta->column() != uint32_t(c) || meta->field_id() != FieldId(c)) {
    return Status::Corruption(Where(c) + ": metadata block belongs to another column");
  }
  if (meta->chunks()->size() != row_groups.size()) {
    return Status::Corruption(Where(c) + ": metadata has " + std::to_string(meta->chunks()->size()) +
                              " chunks for " + std::to_string(row_groups.size()) + " row groups");
  }
  const PhysicalType pt = Physical(c);
  const bool nullable = FieldNullable(c);
  for (uint32_t g = 0; g < row_groups.size(); ++g) {
    const fb::ColumnChunk* ch = meta->chunks()->Get(g);
    const RowGroupMeta& rg = row_groups[g];
    const auto* pages = ch->pages();
    std::string where = Where(c, int(g));
    if (pages->size() == 0) return Status::Corruption(where + ": chunk has no pages");
    if (pages->size() > rg.num_rows) return Status::Corruption(where + ": more pages than rows");
    uint64_t values = 0, nulls = 0, stored = 0, decoded = 0, prev_end = rg.offset;
    for (uint32_t p = 0; p < pages->size(); ++p) {
      const fb::PageInfo* pi = pages->Get(p);
      std::string pw = where + " page " + std::to_string(p);
      if (pi->num_values() == 0 || pi->num_values() > kMaxPageRows) return Status::Corruption(pw + ": invalid value count");
      if (pi->null_count() > pi->num_values()) return Status::Corruption(pw + ": null count exceeds value count");
      if (!nullable && pi->null_count() != 0) return Status::Corruption(pw + ": nulls in a non-nullable column");
      if ((pi->flags() & ~kPageKnownFlags) || pi->reserved8() != 0 || pi->reserved32() != 0) {
        return Status::Corruption(pw + ": unknown flag or reserved bits set");
      }
      if (bool(pi->flags() & kPageHasValidity) != (pi->null_count() > 0)) {
        return Status::Corruption(pw + ": validity flag disagrees with null count");
      }
      if (pi->encoding() > kMaxEncoding || !format::EncodingSupports(static_cast<Encoding>(pi->encoding()), pt)) {
        return Status::Corruption(pw + ": encoding " + std::to_string(pi->encoding()) + " is not valid for " +
                                  FieldType(c).ToString());
      }
      // A page may only use an encoding whose feature the file declares (a
      // 1.0 reader would take the file for one it fully understands).
      const Encoding enc = static_cast<Encoding>(pi->encoding());
      if (const uint64_t missing = format::RequiredFeatures(enc) & ~required_features) {
        return Status::Corruption(pw + ": encoding " + std::string(EncodingName(enc)) + " needs required-feature bits " +
                                  FeatureBits(missing) + ", which the file's trailer does not declare");
      }
      if (pi->codec() > kMaxCodec) return Status::Corruption(pw + ": unknown codec " + std::to_string(pi->codec()));
      if (pi->stored_size() == 0 || pi->stored_size() > kMaxPageBytes || pi->decoded_size() > kMaxPageBytes ||
          (pi->codec() == 0 && pi->decoded_size() != pi->stored_size())) {
        return Status::Corruption(pw + ": invalid page sizes");
      }
      if (!Aligned(pi->offset(), format::kPageAlignment) || pi->offset() < prev_end ||
          pi->offset() > rg.offset + rg.length || pi->stored_size() > rg.offset + rg.length - pi->offset()) {
        return Status::Corruption(pw + ": byte range is outside its row group or overlaps the previous page");
      }
      prev_end = pi->offset() + pi->stored_size();
      values += pi->num_values();
      nulls += pi->null_count();
      stored += pi->stored_size();
      decoded += pi->decoded_size();
    }
    if (values != rg.num_rows) {
      return Status::Corruption(where + ": pages hold " + std::to_string(values) + " values for " +
                                std::to_string(rg.num_rows) + " rows");
    }
    const fb::Stats* s = ch->stats();
    if (ch->offset() != pages->Get(0)->offset() || ch->stored_size() != stored || ch->decoded_size() != decoded ||
        s->num_values() != values || s->null_count() != nulls || (s->flags() & ~index::kStatsKnownFlags) ||
        s->reserved() != 0) {
      return Status::Corruption(where + ": chunk summary disagrees with its pages");
    }
    // String columns: min and max of each page, then of the chunk.
    const bool strings = pt == PhysicalType::kBytes;
    auto check_blob = [&](const Offsets* offs, const Blob* blob) {
      if (!strings) return offs == nullptr && blob == nullptr;
      return offs != nullptr && blob != nullptr &&
             FirstBadBlobItem(offs, blob, pages->size() + 1, index::kMaxStringStatBytes, false) < 0;
    };
    if (!check_blob(ch->min_offsets(), ch->min_data()) || !check_blob(ch->max_offsets(), ch->max_data())) {
      return Status::Corruption(where + ": string statistics are malformed");
    }
  }
  return Status::OK();
}

Result<const fb::ColumnChunk*> Segment::Rep::Chunk(int c, int rg) const {
  DP_ASSIGN_OR_RETURN(const fb::ColumnMeta* meta, Column(c));
  if (rg < 0 || rg >= int(row_groups.size())) {
    return Status::InvalidArgument(path + ": row group " + std::to_string(rg) + " out of range (segment has " +
                                   std::to_string(row_groups.size()) + ")");
  }
  return meta->chunks()->Get(rg);
}

Result<Segment::Rep::PageBody> Segment::Rep::LoadPage(int c, int rg, uint32_t page, storage::AlignedBuffer* scratch,
                                                      bool force_checksum) const {
  DP_ASSIGN_OR_RETURN(const fb::ColumnChunk* ch, Chunk(c, rg));
  if (page >= ch->pages()->size()) return Status::InvalidArgument(Where(c, rg) + ": page index out of range");
  const fb::PageInfo* pi = ch->pages()->Get(page);
  const uint8_t* stored = bytes.data() + pi->offset();
  ColumnState& st = State(c);
  std::atomic<uint8_t>& verified = st.verified[st.page_base[rg] + page];
  if (force_checksum || (options.verify_checksums && !verified.load(std::memory_order_acquire))) {
    uint64_t sum = format::Checksum(stored, pi->stored_size());
    if (sum != pi->checksum()) {
      return Status::Corruption(Where(c, rg, int(page)) + ": page checksum mismatch (stored " +
                                std::to_string(pi->checksum()) + ", computed " + std::to_string(sum) + ")");
    }
    verified.store(1, std::memory_order_release);
  }
  std::span<const uint8_t> body(stored, pi->stored_size());
  if (pi->codec() != 0) {
    uint8_t* out = scratch->Reserve(pi->decoded_size() + 64);
    Status s = format::Decompress(static_cast<Codec>(pi->codec()), body, {out, pi->decoded_size()});
    if (!s.ok()) return s.WithContext(Where(c, rg, int(page)));
    body = {out, pi->decoded_size()};
  }
  PageBody pb;
  if (pi->null_count() > 0) {
    const size_t vbytes = (format::BitmapBytes(pi->num_values()) + 7) / 8 * 8;
    if (body.size() < vbytes) return Status::Corruption(Where(c, rg, int(page)) + ": page too small for its validity bitmap");
    pb.validity = body.data();
    body = body.subspan(vbytes);
  }
  pb.payload = body;
  return pb;
}

index::ZoneMap Segment::Rep::PageStats(int c, const fb::ColumnChunk* ch, uint32_t page) const {
  const fb::PageInfo* pi = ch->pages()->Get(page);
  index::ZoneMap z;
  z.min_bits = pi->min_bits();
  z.max_bits = pi->max_bits();
  z.num_values = pi->num_values();
  z.null_count = pi->null_count();
  z.flags = pi->flags() & index::kStatsKnownFlags;
  if (Physical(c) == PhysicalType::kBytes) {
    z.min_bytes = BlobItem(ch->min_offsets(), ch->min_data(), page);
    z.max_bytes = BlobItem(ch->max_offsets(), ch->max_data(), page);
  }
  return z;
}

index::ZoneMap Segment::Rep::ChunkStats(int c, const fb::ColumnChunk* ch) const {
  const fb::Stats* s = ch->stats();
  index::ZoneMap z;
  z.min_bits = s->min_bits();
  z.max_bits = s->max_bits();
  z.num_values = s->num_values();
  z.null_count = s->null_count();
  z.flags = s->flags();
  if (Physical(c) == PhysicalType::kBytes) {
    const uint32_t chunk_entry = ch->pages()->size();  // after the pages' entries
    z.min_bytes = BlobItem(ch->min_offsets(), ch->min_data(), chunk_entry);
    z.max_bytes = BlobItem(ch->max_offsets(), ch->max_data(), chunk_entry);
  }
  return z;
}

ColumnStats Segment::Rep::ToColumnStats(int c, const index::ZoneMap& z) const {
  ColumnStats s;
  s.num_values = z.num_values;
  s.null_count = z.null_count;
  s.has_nan = z.flags & index::kStatsHasNaN;
  if (z.has_min_max()) {
    const DataType t = FieldType(c);
    s.min = z.MinValue(t);
    s.min_exact = z.flags & index::kStatsMinExact;
    s.max_exact = z.flags & index::kStatsMaxExact;
    if (!(t.is_binary_like() && z.max_bytes.empty() && !s.max_exact)) s.max = z.MaxValue(t);
  }
  return s;
}

}  // namespace dp
