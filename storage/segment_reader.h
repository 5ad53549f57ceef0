// Segment reader internals behind dp::Segment (api/include/dp/segment.h):
// the mapping, the verified root footer, lazily verified column metadata and
// page access. Byte layout and validation rules: spec/format.md.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "format/schema/column_generated.h"
#include "dp/segment.h"
#include "format/schema/footer_generated.h"
#include "format/encoding.h"
#include "format/trailer.h"
#include "index/zone_map.h"
#include "storage/io.h"

namespace dp {

struct Segment::Rep {
  // A page's bytes after checksum and codec: [validity][payload].
  struct PageBody {
    const uint8_t* validity = nullptr;        // nullptr when the page has no nulls
    std::span<const uint8_t> payload;
  };

  std::string path;
  OpenOptions options;
  std::unique_ptr<storage::MappedFile> file;
  std::span<const uint8_t> bytes;
  format::Version version{};
  uint64_t required_features = 0;  // the trailer's; pages may only use encodings these allow
  const fb::Footer* footer = nullptr;
  uint64_t footer_start = 0;
  uint64_t data_end = 0;  // end of the last row group (or of the header)
  std::vector<RowGroupMeta> row_groups;

  static Result<std::unique_ptr<Rep>> Open(const std::string& path, const OpenOptions& options);

  int num_columns() const { return num_columns_; }
  std::string_view FieldName(int c) const;
  std::string_view FieldDoc(int c) const;
  DataType FieldType(int c) const;
  bool FieldNullable(int c) const;
  uint32_t FieldId(int c) const;
  format::PhysicalType Physical(int c) const { return format::PhysicalTypeOf(FieldType(c).id); }
  int ColumnIndex(std::string_view name) const;
  const Schema& schema() const;

  // "<path>: column 'x'" / "... row group r" / "... page p".
  std::string Where(int column, int row_group = -1, int page = -1) const;

  // Checksum + FlatBuffers verifier + semantic checks, once per column.
  Result<const fb::ColumnMeta*> Column(int c) const;
  Result<const fb::ColumnChunk*> Chunk(int c, int rg) const;

  // Loads a page: checksum (unless verified before), codec. `scratch` holds
  // decompressed bytes; for uncompressed pages the body is the mapping.
  Result<PageBody> LoadPage(int c, int rg, uint32_t page, storage::AlignedBuffer* scratch,
                            bool force_checksum = false) const;

  index::ZoneMap PageStats(int c, const fb::ColumnChunk* chunk, uint32_t page) const;
  index::ZoneMap ChunkStats(int c, const fb::ColumnChunk* chunk) const;
  ColumnStats ToColumnStats(int c, const index::ZoneMap& z) const;

  VerifyReport Verify() const;

 private:
  Status ValidateFooter();
  Status ValidateColumn(int c, const fb::ColumnMeta* meta) const;

  // Created the first time a column is touched, so that opening costs O(1)
  // in the schema width; published with a compare-and-swap.
  struct ColumnState {
    Status status;
    const fb::ColumnMeta* meta = nullptr;
    std::vector<uint32_t> page_base;  // per chunk: index of its first page in `verified`
    std::unique_ptr<std::atomic<uint8_t>[]> verified;
  };
  ColumnState& State(int c) const;
  std::unique_ptr<std::atomic<ColumnState*>[]> columns_;
  int num_columns_ = 0;

 public:
  ~Rep();
  mutable std::once_flag schema_once_;
  mutable Schema schema_;
};

}  // namespace dp
