// dp::SegmentWriter — writes one immutable columnar segment file (*.dpc).
//
// The file is written front to back (no seek back): pages of each row group
// are buffered in memory until the row group is full, then written column
// chunk by column chunk; the footer comes last; Finish() fsyncs the file.
// Byte layout: spec/format.md.
//
//   auto schema = dp::Schema::Make({{"id", dp::DataType::Int64(), false},
//                                   {"name", dp::DataType::String()}});
//   auto w = dp::SegmentWriter::Create("out.dpc", *schema);
//   int64_t ids[] = {1, 2};
//   std::string_view names[] = {"a", "b"};
//   (*w)->Append({dp::ColumnData::Of<int64_t>(ids), dp::ColumnData::Strings(names)});
//   (*w)->Finish();
//
// Thread safety: a SegmentWriter is used by one thread at a time; inside a
// call it may encode columns on oneTBB worker threads (WriterOptions::threads).
// Failure: if any call fails the writer is poisoned, later calls return the
// same error and the partially written file is removed by Abort()/destructor.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/status.h"
#include "dp/types.h"

namespace dp {

// on-disk ids: append only (mirrored in format/encoding.h and spec/format.md).
enum class Encoding : uint8_t {
  kPlain = 0,
  kForBitpack = 1,    // frame of reference + bit-packing in 1024-value blocks
  kDeltaBitpack = 2,  // first value + FOR/bit-packed deltas
  kRle = 3,           // run values + run ends
  kDictionary = 4,    // page-local dictionary + bit-packed codes
  kConstant = 5,      // one value repeated
  // Format 1.1, required feature "byte_planes" (older readers refuse such
  // files): residuals split into byte planes, each raw or zstd-compressed.
  kForPlanes = 6,         // value - base
  kDeltaPlanes = 7,       // first value + delta - min_delta
  kDictionaryPlanes = 8,  // page-local dictionary + codes
  // Format 1.2, required feature "radix": values of a small range packed
  // several to a unit in mixed radix (3 values of 1..10 in 10 bits).
  kForRadix = 9,         // value - base, radix max - min + 1
  kDictionaryRadix = 10, // page-local dictionary + codes, radix its size
  kDictionarySparse = 11,  // dictionary + dominant code + exception bitmap + radix-packed exceptions
};
inline constexpr uint8_t kMaxEncoding = 11;
std::string_view EncodingName(Encoding e);  // "plain", "for_bitpack", ...

// on-disk ids: append only.
enum class Codec : uint8_t { kNone = 0, kZstd = 1, kLz4 = 2 };
inline constexpr uint8_t kMaxCodec = 2;
std::string_view CodecName(Codec c);  // "none", "zstd", "lz4"

// How the writer applies a general-purpose codec on top of encoded pages.
enum class CodecPolicy : uint8_t {
  kNone = 0,  // never
  kAuto = 1,  // try zstd, keep it only where it saves >= min_codec_saving
  kZstd = 2,  // zstd where it saves anything
  kLz4 = 3,   // lz4 where it saves anything
};

struct WriterOptions {
  // Rows per row group (the unit of parallelism and of row-group pruning).
  uint64_t row_group_rows = 1u << 20;
  // Values per page (the unit of encoding, checksum and page pruning).
  // Rounded up to a multiple of 1024; pages of variable-width columns are
  // also cut when their plain size reaches page_bytes.
  uint32_t page_rows = 1u << 16;
  uint32_t page_bytes = 1u << 20;
  CodecPolicy codec = CodecPolicy::kAuto;
  int zstd_level = 1;
  // kAuto keeps a compressed page only if stored <= (1 - saving) * encoded.
  double min_codec_saving = 0.125;
  // Byte-plane encodings (kForPlanes, kDeltaPlanes, kDictionaryPlanes; they
  // compress planes with zstd, so only under codec kAuto or kZstd): a page
  // takes one only where its stored size is <= (1 - saving) times the stored
  // size of the best other encoding after the codec, since they decode
  // slower than bit-packing. In [0, 1]; 1 turns them off. A file with such
  // pages needs a reader of format >= 1.1 (required feature "byte_planes").
  double min_byte_planes_saving = 0.02;
  // Radix encodings (kForRadix, kDictionaryRadix) for pages of a small value
  // range where they are smaller than bit-packing and than the codec's
  // output. false writes files that readers of format 1.1 can read.
  bool radix_encodings = true;
  // Forces one encoding for every page where it applies (tests, benchmarks);
  // pages where it does not apply fall back to automatic choice.
  std::optional<Encoding> force_encoding;
  // File-level key/value metadata, stored in the footer.
  std::vector<KeyValue> metadata;
  // fsync the file in Finish(). Only tests should turn this off.
  bool sync = true;
  // Worker threads (oneTBB) that encode the columns of a batch
  // concurrently: 0 = all hardware threads, 1 = serial on the calling
  // thread, N = at most N. The file is byte-identical for every value:
  // each column is encoded independently, and chunks are written in
  // column order.
  int threads = 0;
};

// A non-owning view of one column of a batch. `validity` is an optional
// bitmap, LSB first, bit set = value present; nullptr = no nulls. Values at
// null positions are ignored (any content).
struct ColumnData {
  const void* values = nullptr;               // fixed width: `length` C values
  const std::string_view* strings = nullptr;  // string/binary: `length` views
  const uint8_t* validity = nullptr;
  size_t length = 0;

  // T must be the column's C type: bool -> uint8_t (0/1) or bool,
  // int8..int64/uint8..uint64 -> same, float32 -> float, float64 -> double,
  // timestamp -> int64_t, date32 -> int32_t.
  template <typename T>
  static ColumnData Of(std::span<const T> v, const uint8_t* validity = nullptr) {
    return ColumnData{v.data(), nullptr, validity, v.size()};
  }
  static ColumnData Strings(std::span<const std::string_view> v, const uint8_t* validity = nullptr) {
    return ColumnData{nullptr, v.data(), validity, v.size()};
  }
};

class SegmentWriter {
 public:
  // Creates `path` (fails if it exists) for a segment with `schema`.
  static Result<std::unique_ptr<SegmentWriter>> Create(std::string path, Schema schema,
                                                       WriterOptions options = {});
  ~SegmentWriter();  // aborts (removes the file) if Finish() did not succeed
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends one batch: one ColumnData per schema field, all of equal length.
  // A null in a non-nullable column is InvalidArgument (names column, row).
  // REQUIRES: Finish() has not been called.
  Status Append(std::span<const ColumnData> columns);
  Status Append(std::initializer_list<ColumnData> columns) {
    return Append(std::span<const ColumnData>(columns.begin(), columns.size()));
  }

  // Row-at-a-time helper (tests, small tools): one Value per field; ints as
  // Int or UInt, floats as Double, strings/binary as Bytes, Null for null.
  Status AppendRow(std::span<const Value> row);

  // Flushes, writes the footer and trailer, fsyncs. After it, the file is sealed.
  Status Finish();
  // Drops everything and removes the partial file.
  void Abort();

  uint64_t rows_written() const;
  const Schema& schema() const;
  const std::string& path() const;
  uint64_t bytes_written() const;  // valid after Finish()

 private:
  struct Rep;
  explicit SegmentWriter(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace dp
