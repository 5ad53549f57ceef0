// dp::Segment — a read-only, memory-mapped view of one sealed segment file.
//
// Opening costs O(1) in the schema width for the column metadata: the trailer
// and root footer are verified at open, and each column's metadata block is
// verified (checksum + bounded FlatBuffers verifier) the first time that
// column is touched. Every page's checksum is checked the first time the page
// is read. Byte layout: spec/format.md.
//
//   auto seg = dp::Segment::Open("orders.dpc");
//   if (!seg.ok()) { std::cerr << seg.status().ToString(); return; }
//   auto price = (*seg)->ReadColumn("price_usd_cents");   // all row groups
//   for (int64_t v : price->values<int64_t>()) ...
//
// Thread safety: a Segment is immutable after Open(); all const methods may
// be called concurrently (lazy verification is internally synchronized).
// Views (spans, string_views) returned from a Segment stay valid while the
// shared_ptr<Segment> that produced them is alive.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/status.h"
#include "dp/types.h"
#include "dp/writer.h"  // Encoding, Codec

namespace dp {

struct FormatVersion {
  uint16_t major = 0;
  uint16_t minor = 0;
};

struct OpenOptions {
  // Check page checksums the first time each page is read (recommended).
  bool verify_checksums = true;
  // Refuse files whose footer claims more than this many bytes of metadata.
  uint64_t max_metadata_bytes = 1ull << 30;
};

// Summary statistics of a page, a column chunk or a column.
struct ColumnStats {
  uint64_t num_values = 0;  // including nulls
  uint64_t null_count = 0;
  std::optional<Value> min;  // absent: all null, unordered, or not recorded
  std::optional<Value> max;
  bool min_exact = true;     // false: a lower bound (truncated string)
  bool max_exact = true;     // false: an upper bound
  bool has_nan = false;      // float columns: min/max ignore NaN
};

struct PageMeta {
  uint32_t index = 0;           // within the column chunk
  uint64_t first_row = 0;       // within the segment
  uint64_t offset = 0;          // byte offset in the file
  uint32_t stored_size = 0;     // bytes on disk (after the codec)
  uint32_t decoded_size = 0;    // bytes before the codec
  Encoding encoding = Encoding::kPlain;
  Codec codec = Codec::kNone;
  uint64_t checksum = 0;        // xxh3-64 of the stored bytes
  ColumnStats stats;
};

struct ColumnChunkMeta {
  int column = 0;
  int row_group = 0;
  uint64_t offset = 0;          // first byte of the first page
  uint64_t stored_size = 0;     // sum of stored page sizes
  uint64_t decoded_size = 0;    // sum of decoded page sizes
  uint64_t plain_size = 0;      // bytes the values would take in plain form
  ColumnStats stats;
  std::vector<PageMeta> pages;
};

struct RowGroupMeta {
  int index = 0;
  uint64_t first_row = 0;
  uint64_t num_rows = 0;
  uint64_t offset = 0;   // first byte of its first page
  uint64_t length = 0;   // bytes up to the end of its last page
};

// An owning, decoded column (one row group or a whole segment).
class ColumnVector {
 public:
  ColumnVector() = default;
  ColumnVector(DataType type, size_t length);
  // Moves keep string views valid (the arena's buffer moves with it);
  // copies re-point the views into the copy's own arena.
  ColumnVector(ColumnVector&&) noexcept = default;
  ColumnVector& operator=(ColumnVector&&) noexcept = default;
  ColumnVector(const ColumnVector& other);
  ColumnVector& operator=(const ColumnVector& other);

  const DataType& type() const { return type_; }
  size_t length() const { return length_; }
  uint64_t null_count() const { return null_count_; }
  bool is_null(size_t i) const {
    return !validity_.empty() && !(validity_[i >> 3] & (1u << (i & 7)));
  }
  // Bitmap (LSB first, 1 = valid); empty when there are no nulls.
  std::span<const uint8_t> validity() const { return validity_; }

  // REQUIRES: T is the column's C type (see ColumnData::Of; bool -> uint8_t).
  template <typename T>
  std::span<const T> values() const {
    return {reinterpret_cast<const T*>(data_.data()), length_};
  }
  // REQUIRES: string or binary column. Views into this vector's storage.
  std::span<const std::string_view> strings() const { return strings_; }

  Value GetValue(size_t i) const;

  // Mutation, for readers that fill it.
  std::vector<std::byte>& mutable_data() { return data_; }
  std::vector<uint8_t>& mutable_validity() { return validity_; }
  std::vector<std::string_view>& mutable_strings() { return strings_; }
  std::vector<char>& mutable_arena() { return arena_; }
  void set_null_count(uint64_t n) { null_count_ = n; }
  void set_length(size_t n) { length_ = n; }

 private:
  DataType type_;
  size_t length_ = 0;
  uint64_t null_count_ = 0;
  std::vector<std::byte> data_;          // fixed-width values
  std::vector<uint8_t> validity_;
  std::vector<std::string_view> strings_;  // string/binary, views into arena_
  std::vector<char> arena_;                // a vector, not a string: SSO would break views on move
};

// Up to 1024 decoded values of one column, for kernels. Pointers stay valid
// until the next call to BlockReader::Next() (and while the Segment lives).
struct Block {
  uint64_t first_row = 0;       // within the segment
  uint32_t length = 0;          // <= 1024
  const void* values = nullptr; // fixed width (bool: uint8_t 0/1); may point
                                // straight into the mapping (zero copy)
  const std::string_view* strings = nullptr;  // string/binary
  const uint8_t* validity = nullptr;          // nullptr: no nulls in block;
                                              // bit i (LSB first) = row i valid
  bool is_null(uint32_t i) const { return validity && !(validity[i >> 3] & (1u << (i & 7))); }
  template <typename T>
  const T* as() const { return static_cast<const T*>(values); }
};

class BlockReader {
 public:
  virtual ~BlockReader() = default;
  // Fills `block` with the next block; returns false at the end. Errors
  // (corrupt page) are returned as a Status.
  virtual Result<bool> Next(Block* block) = 0;
};

struct VerifyIssue {
  std::string what;  // "column 'price' row group 0 page 3: checksum mismatch (...)"
};

struct VerifyReport {
  uint64_t pages_checked = 0;
  uint64_t bytes_checked = 0;
  std::vector<VerifyIssue> issues;  // empty == the file is intact
  bool ok() const { return issues.empty(); }
};

class Segment {
 public:
  // Maps the file and verifies header, trailer and root footer.
  static Result<std::shared_ptr<Segment>> Open(const std::string& path, OpenOptions options = {});
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  const std::string& path() const;
  uint64_t file_size() const;
  FormatVersion format_version() const;
  uint64_t num_rows() const;
  int num_row_groups() const;
  int num_columns() const;
  const Schema& schema() const;
  std::vector<KeyValue> metadata() const;
  std::string created_by() const;

  // -1 when absent.
  int ColumnIndex(std::string_view name) const;
  Result<int> FindColumn(std::string_view name) const;  // NotFound names the file

  // REQUIRES: 0 <= index < num_row_groups() (otherwise index -1 is returned).
  RowGroupMeta row_group(int index) const;
  // Verifies the column's metadata block on first use.
  Result<ColumnChunkMeta> column_chunk(int column, int row_group) const;
  // Stats over every row group of the column.
  Result<ColumnStats> column_stats(int column) const;

  // Decodes one column chunk / the whole column into an owning vector.
  Result<ColumnVector> ReadColumn(int column, int row_group) const;
  Result<ColumnVector> ReadColumn(int column) const;
  Result<ColumnVector> ReadColumn(std::string_view name) const;

  // Blocks of <= 1024 values of one column chunk (row_group >= 0) or of the
  // whole column (row_group == -1), in row order.
  // REQUIRES: this Segment outlives the returned reader (it borrows it).
  Result<std::unique_ptr<BlockReader>> ReadBlocks(int column, int row_group = -1) const;

  // Checks every byte: trailer, footers, every column block, every page
  // checksum and decoder-level structure, statistics, zero padding.
  VerifyReport Verify() const;

  // Engine internals (scan core, tools); not part of the stable API.
  struct Rep;
  const Rep& rep() const { return *rep_; }

 private:
  explicit Segment(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace dp
