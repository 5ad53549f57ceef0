// BatchBuilder: the typed columns of one batch of ingested rows.
//
// Fixed-width values go into per-column arrays sized for `capacity` rows;
// string/binary bytes are copied into one arena shared by the batch's string
// columns. All buffers are allocated once and reused by Reset(), so steady
// state ingest allocates nothing per row or per field.
//
//   BatchBuilder b(schema, 65536);
//   b.Set<int64_t>(0, 42);                 // row 0, column 0
//   b.SetNull(1);                          // row 0, column 1
//   b.FinishRow();
//   sink->Append(b.Columns(), first_row);  // views valid until Reset()
//   b.Reset();
//
// Text conversion (StoreText) lives here too, shared by the CSV and JSON
// Lines readers: it converts one field's text to the column's type.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/types.h"
#include "dp/writer.h"

namespace dp::tools::dpload {

class BatchBuilder {
 public:
  // `max_arena_bytes`: full() also turns true when the string arena passes it.
  BatchBuilder(const Schema& schema, size_t capacity, size_t max_arena_bytes = 64u << 20);

  size_t rows() const { return rows_; }
  size_t capacity() const { return capacity_; }
  bool full() const { return rows_ == capacity_ || arena_size_ >= max_arena_bytes_; }
  const Schema& schema() const { return *schema_; }

  // Writes column `col` of the current row. REQUIRES: T is the column's C
  // type (bool -> uint8_t) and !full().
  template <typename T>
  void Set(size_t col, T v) {
    std::memcpy(columns_[col].values.get() + rows_ * sizeof(T), &v, sizeof(T));
  }
  void SetNull(size_t col) {
    Column& c = columns_[col];
    c.validity[rows_ >> 3] &= static_cast<uint8_t>(~(1u << (rows_ & 7)));
    ++c.null_count;
    if (c.is_string) c.spans[rows_] = {0, 0};
  }
  // Space for up to `max_len` bytes of column `col`'s current value; finish
  // with EndString(col, actual_len). Nothing else may touch the arena between.
  char* BeginString(size_t max_len) {
    if (arena_capacity_ - arena_size_ < max_len) GrowArena(max_len);
    return arena_.get() + arena_size_;
  }
  void EndString(size_t col, size_t len) {
    columns_[col].spans[rows_] = {arena_size_, len};
    arena_size_ += len;
  }
  void SetString(size_t col, std::string_view s) {
    // No memcpy of 0 bytes: the arena may not exist yet (null is UB there).
    if (!s.empty()) std::memcpy(BeginString(s.size()), s.data(), s.size());
    EndString(col, s.size());
  }
  void FinishRow() { ++rows_; }

  // One ColumnData per schema field over rows [0, rows()). The views stay
  // valid until Reset() or the next Columns().
  std::span<const ColumnData> Columns();
  // Empties the batch, keeping every buffer.
  void Reset();

 private:
  struct Span {
    size_t offset;
    size_t length;
  };
  struct Column {
    bool is_string = false;
    int width = 0;
    std::unique_ptr<uint8_t[]> values;  // capacity * width
    std::vector<uint8_t> validity;      // bit set = present
    uint64_t null_count = 0;
    std::vector<Span> spans;            // string/binary: arena ranges
    std::vector<std::string_view> views;
  };
  void GrowArena(size_t need);

  const Schema* schema_;
  size_t capacity_;
  size_t max_arena_bytes_;
  size_t rows_ = 0;
  std::vector<Column> columns_;
  std::vector<ColumnData> data_;
  std::unique_ptr<char[]> arena_;
  size_t arena_size_ = 0;
  size_t arena_capacity_ = 0;
};

// Converts `text` to column `col`'s type and stores it in the current row.
// `ascii`: the caller knows the text is ASCII (skips UTF-8 validation).
// On failure returns false with a reason in *why (the caller adds where)
// and, for invalid UTF-8, the offset of the first bad byte in *error_offset
// (0 otherwise). Empty text is a value here (the empty string, or a
// conversion error for other types); readers decide what means null.
bool StoreText(BatchBuilder* batch, size_t col, std::string_view text, bool ascii, std::string* why,
               size_t* error_offset);

}  // namespace dp::tools::dpload
