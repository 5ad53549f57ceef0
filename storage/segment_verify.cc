// Full verification of a segment: every checksum, every decoder structure,
// statistics recomputed, and every byte of the file accounted for
// (spec/format.md §"Verification").
#include <algorithm>
#include <cstring>

#include "format/bitmap.h"
#include "format/checksum.h"
#include "format/utf8.h"
#include "storage/segment_reader.h"

namespace dp {

using format::PhysicalType;

namespace {

struct Extent {
  uint64_t begin, end;
  std::string what;
  uint64_t max_gap;  // zero padding allowed before it: the region's alignment
};

// Decodes a whole page and recomputes what the metadata claims about it.
Status CheckPage(const Segment::Rep& rep, int c, int g, uint32_t p, const fb::ColumnChunk* ch,
                 storage::AlignedBuffer* scratch, storage::AlignedBuffer* values, std::vector<std::string_view>* views,
                 index::ZoneMap* recomputed) {
  const fb::PageInfo* pi = ch->pages()->Get(p);
  DP_ASSIGN_OR_RETURN(Segment::Rep::PageBody body, rep.LoadPage(c, g, p, scratch, /*force_checksum=*/true));
  const uint32_t n = pi->num_values();
  const std::string where = rep.Where(c, g, int(p));
  if (body.validity) {
    if (format::CountSetBits(body.validity, 0, n) != n - pi->null_count()) {
      return Status::Corruption(where + ": validity bitmap disagrees with the null count");
    }
    const size_t vbytes = (format::BitmapBytes(n) + 7) / 8 * 8;
    for (size_t bit = n; bit < vbytes * 8; ++bit) {
      if (format::GetBit(body.validity, bit)) return Status::Corruption(where + ": validity padding bits are not zero");
    }
  }
  const PhysicalType pt = rep.Physical(c);
  const int width = format::PhysicalWidth(pt);
  uint8_t* out = values->Reserve(size_t(n) * std::max(width, 1) + 64);
  views->resize(pt == PhysicalType::kBytes ? n : 0);
  Status s = format::DecodeAll(static_cast<Encoding>(pi->encoding()), pt, body.payload, n, out, views->data());
  if (!s.ok()) return s.WithContext(where);
  if (pt == PhysicalType::kBytes && rep.FieldType(c).id == TypeId::kString) {
    for (uint32_t i = 0; i < n; ++i) {
      if ((!body.validity || format::GetBit(body.validity, i)) && !format::IsValidUtf8((*views)[i])) {
        return Status::Corruption(where + ": value " + std::to_string(i) + " is not valid UTF-8");
      }
    }
  }
  *recomputed = index::ZoneMap::Compute(pt, out, views->data(), body.validity, n);
  if (!index::SameStats(*recomputed, rep.PageStats(c, ch, p))) {
    return Status::Corruption(where + ": stored min/max/null statistics disagree with the data");
  }
  return Status::OK();
}

}  // namespace

VerifyReport Segment::Rep::Verify() const {
  VerifyReport report;
  auto issue = [&](const Status& s) { report.issues.push_back({s.message()}); };
  std::vector<Extent> extents;
  storage::AlignedBuffer scratch, values;
  std::vector<std::string_view> views;

  // Schema: names and field ids unique (the reader tolerates duplicates, a
  // writer never produces them).
  {
    std::vector<std::pair<std::string_view, int>> names;
    std::vector<std::pair<uint32_t, int>> ids;
    for (int c = 0; c < num_columns(); ++c) {
      names.emplace_back(FieldName(c), c);
      ids.emplace_back(FieldId(c), c);
    }
    std::sort(names.begin(), names.end());
    std::sort(ids.begin(), ids.end());
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i].first == names[i - 1].first) {
        issue(Status::Corruption(path + ": schema fields " + std::to_string(names[i - 1].second) + " and " +
                                 std::to_string(names[i].second) + " share the name '" + std::string(names[i].first) + "'"));
      }
      if (ids[i].first == ids[i - 1].first) {
        issue(Status::Corruption(path + ": schema fields " + std::to_string(ids[i - 1].second) + " and " +
                                 std::to_string(ids[i].second) + " share field id " + std::to_string(ids[i].first)));
      }
    }
  }

  for (int c = 0; c < num_columns(); ++c) {
    const fb::ColumnRef* ref = footer->columns()->Get(c);
    extents.push_back({ref->offset(), ref->offset() + ref->length(), Where(c) + " metadata block",
                       format::kMetadataAlignment});
    auto meta = Column(c);
    if (!meta.ok()) {
      issue(meta.status());
      continue;
    }
    const PhysicalType pt = Physical(c);
    for (uint32_t g = 0; g < row_groups.size(); ++g) {
      const fb::ColumnChunk* ch = (*meta)->chunks()->Get(g);
      index::ZoneMap chunk_stats;
      bool chunk_ok = true;
      for (uint32_t p = 0; p < ch->pages()->size(); ++p) {
        const fb::PageInfo* pi = ch->pages()->Get(p);
        extents.push_back({pi->offset(), pi->offset() + pi->stored_size(), Where(c, int(g), int(p)),
                           format::kPageAlignment});
        index::ZoneMap z;
        Status s = CheckPage(*this, c, int(g), p, ch, &scratch, &values, &views, &z);
        ++report.pages_checked;
        report.bytes_checked += pi->stored_size();
        if (!s.ok()) {
          issue(s);
          chunk_ok = false;
          continue;
        }
        chunk_stats.Merge(PageStats(c, ch, p), pt);
      }
      if (chunk_ok && !index::SameStats(chunk_stats, ChunkStats(c, ch))) {
        issue(Status::Corruption(Where(c, int(g)) + ": chunk statistics disagree with its pages"));
      }
    }
  }
  // Every byte in [header, footer) is a page, a metadata block or zero padding.
  std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
  for (const RowGroupMeta& rg : row_groups) {
    // Each row group's range must start at its first page; pages own the rest.
    auto at = std::lower_bound(extents.begin(), extents.end(), rg.offset,
                               [](const Extent& e, uint64_t offset) { return e.begin < offset; });
    if (at == extents.end() || at->begin != rg.offset) {
      issue(Status::Corruption(path + ": row group " + std::to_string(rg.index) + " does not start at a page"));
    }
  }
  uint64_t pos = format::kHeaderSize;
  auto check_gap = [&](uint64_t from, uint64_t to, const std::string& before, uint64_t max_gap) {
    if (to - from >= max_gap) {
      issue(Status::Corruption(path + ": " + std::to_string(to - from) + " unaccounted bytes at offset " +
                               std::to_string(from) + " before " + before));
      return;
    }
    for (uint64_t i = from; i < to; ++i) {
      if (bytes[i] != 0) {
        issue(Status::Corruption(path + ": non-zero padding byte at offset " + std::to_string(i) + " before " + before));
        return;
      }
    }
  };
  for (const Extent& e : extents) {
    if (e.begin < pos) {
      issue(Status::Corruption(e.what + ": overlaps the previous region at offset " + std::to_string(e.begin)));
    } else {
      check_gap(pos, e.begin, e.what, e.max_gap);
    }
    pos = std::max(pos, e.end);
  }
  check_gap(pos, footer_start, "the root footer", format::kMetadataAlignment);
  report.bytes_checked += bytes.size() - footer_start;
  return report;
}

}  // namespace dp
