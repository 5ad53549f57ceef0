// ColumnCursor: reads one column of one row group of a segment in blocks of
// <= 1024 values, forward only, lazily: seeking to a row loads nothing; the
// page is loaded (checksum, codec) and the block decoded the first time one
// of its forms is asked for. Values come out in the target type (widened
// when the segment column is narrower); dictionary and constant pages also
// expose codes + entries so that filters and group keys run per entry.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "format/encoding.h"
#include "format/encoding/internal.h"
#include "storage/scan/plan.h"
#include "storage/segment_reader.h"

namespace dp::internal::scan {

struct Counters {
  uint64_t pages_read = 0;
  uint64_t bytes_read = 0;
  uint64_t rows_scanned = 0;
  uint64_t rows_matched = 0;
  void Add(const Counters& o) {
    pages_read += o.pages_read;
    bytes_read += o.bytes_read;
    rows_scanned += o.rows_scanned;
    rows_matched += o.rows_matched;
  }
};

class ColumnCursor {
 public:
  ColumnCursor(const Segment::Rep* rep, const Binding& binding, const DataType& target, int row_group,
               Counters* counters);
  ColumnCursor(const ColumnCursor&) = delete;
  ColumnCursor& operator=(const ColumnCursor&) = delete;

  // Whether a page is read once from end to end when it is loaded (pages up
  // to kStreamPageMax bytes). A scan of several columns reads each page in
  // short bursts, a block at a time between the other columns' blocks, and
  // the hardware prefetchers of the machines measured do not follow such
  // streams: a group-by over three columns spent ~5 ms of 18 ms waiting on
  // the bursts of one of them. One sequential pass at load brings the page
  // into the L2 at streaming speed (Q3, 10M rows: 17.8-18.9 -> 16.4-16.8
  // ms). A scan of one column streams by itself (Q1 1.2 -> 1.6 ms with the
  // pass): off there. Pages a codec decompressed are in cache already.
  void set_stream_pages(bool on) { stream_pages_ = on; }
  static constexpr size_t kStreamPageMax = size_t{512} << 10;

  // Positions at `row` (a segment row inside the row group, not before the
  // previous position). Loads nothing.
  Status Seek(uint64_t row);
  // One past the last row of the block holding the position.
  uint64_t block_end() const { return block_end_; }
  bool missing() const { return missing_; }
  const DataType& type() const { return target_; }

  // The forms of the values from the position to block_end().
  Result<const void*> Values();                 // target C type
  Result<const std::string_view*> Strings();    // string/binary
  // Fixed width: the values of rows sel[0..m) (offsets from the position,
  // increasing) of the `n` rows from the position, in the target type, into
  // `out` (room for m). When the n rows are the position's whole block, not
  // decoded yet, only the selected rows are decoded where the page reaches
  // one value without its block (PageDecoder::NextSelected); otherwise the
  // block is decoded and gathered.
  Status Gather(const uint32_t* sel, uint32_t m, uint32_t n, void* out);
  // Dictionary/constant pages: codes and entries (entries in the segment's
  // type: widen with WidenEntries()); false when the page has none.
  Result<bool> HasCodes();
  Result<const uint32_t*> Codes();
  // Pages of one dominant code: the exceptions of the `n` rows from the
  // position (see PageDecoder::SparseCodes), when they are the whole block;
  // nullptr otherwise (use Codes()).
  Result<const format::PageDecoder::SparseCodes*> Sparse(uint32_t n);
  // Run-length pages: the runs of the `n` rows from the position (values
  // in the target type), when they are the whole block; nullptr otherwise
  // (use Values()). Off with EncodedKernels().
  Result<const format::PageDecoder::Runs*> Runs(uint32_t n) {
    if (loaded_page_ == page_ && !page_runs_) return nullptr;  // per window: kept inline
    return RunsOfBlock(n);
  }
  format::PageDecoder::DictionaryView dictionary() const { return dict_; }
  // Changes whenever the page (and so the dictionary) changes.
  uint64_t page_serial() const { return page_serial_; }
  // Entries of the dictionary in the target type (cached per page).
  const void* TargetEntries();
  // Whether the page copies strings out of a scratch buffer (compressed
  // page): views into it die at the next page.
  bool strings_transient() const { return transient_; }
  // 1 = valid, 0 = null for `n` rows from the position; nullptr: all valid.
  Result<const uint8_t*> Validity(uint32_t n);
  // The exact sum of the `n` values from the position, from the packed
  // FOR block, when the position starts a block, n covers it, the page has
  // no nulls, it is for_bitpack of an integer type and its base +
  // 2^width - 1 does not leave the segment type (a writer's page never
  // does; the decoder would wrap, and its values are what every path must
  // give). False otherwise.
  Result<bool> ForBlockSum(uint32_t n, Int128* sum);
  // out[i] = (lo <= value i <= hi) != negate for the `n` values from the
  // position, tested on the packed values of a for_bitpack block with the
  // bounds moved into the packed domain, nothing decoded; lo and hi are in
  // the values' own domain (what they widen to exactly). Same conditions
  // as ForBlockSum. False otherwise. `out` has room for kBlockSize bytes
  // (all may be written).
  Result<bool> ForBlockInRange(uint32_t n, Int128 lo, Int128 hi, bool negate, uint8_t* out);
  // out[i] = (bits of value i << shift) + add (64-bit wrapping) for the `n`
  // values from the position, made from the packed for_bitpack block in the
  // unpacking pass: the words of a packed accumulator, with nothing left to
  // do per row but add them. Same conditions as ForBlockSum, and a 64-bit
  // segment type read unwidened, packed at most 32 bits wide. False
  // otherwise. `out` has room for kBlockSize words.
  Result<bool> ForBlockShifted(uint32_t n, uint32_t shift, uint64_t add, uint64_t* out);
  // Bounds of the values of the position's block (so of those from the
  // position to block_end()) without decoding them, where the page proves
  // they never decrease (PageDecoder::PeekBounds), in the segment's type
  // (i32 or i64: widening keeps them). False when nothing is known, or the
  // block is decoded already (its values are at hand).
  Result<bool> Bounds(int64_t* lo, int64_t* hi);
  // A bound on |v| over the integer values of the position's page, from
  // its statistics (max(|min|, |max|)); UINT64_MAX when there is none.
  // Statistics are trusted as pruning trusts them (verify checks them).
  uint64_t PageMagnitudeBound() const;

 private:
  Status LoadPage();
  Status MakeDecoder();  // a decoder of the loaded page at its first value
  Status Decode();  // the current block, in whichever form the page has
  Status SeekDecoder();  // loads the page, moves its decoder to the block
  const uint32_t* BlockCodes();  // of the decoded block (expands a sparse one); nullptr: none
  Result<const format::PageDecoder::Runs*> RunsOfBlock(uint32_t n);
  // The packed for_bitpack page of the position's block, when the n values
  // from the position are that whole block, the page has no nulls and its
  // values cannot wrap (see ForBlockSum).
  Result<std::optional<format::internal::ForPage>> WholeForBlock(uint32_t n);
  // Sets for_page_ for the loaded page (at load: once per page, not per block).
  Status LoadForPage();
  // The position's block in the packed blocks of `page`.
  const uint8_t* PackedBlock(const format::internal::ForPage& page) const {
    return page.blocks + uint64_t{block_} * format::PackedBlockBytes(page.width);
  }
  // Whether the page's type, encoding and nulls let the FOR kernels read
  // its packed blocks (whether its values can wrap is LoadForPage's part).
  bool ForKernelsApply(const fb::PageInfo* pi) const;

  const Segment::Rep* rep_;
  Binding binding_;
  DataType target_;
  int rg_;
  Counters* counters_;
  bool missing_ = false;
  bool stream_pages_ = false;
  format::PhysicalType seg_pt_{};
  format::PhysicalType target_pt_{};
  const fb::ColumnChunk* chunk_ = nullptr;
  std::vector<uint64_t> page_first_;  // segment row of each page, plus the end

  // Position.
  uint32_t page_ = UINT32_MAX;   // page of the position
  uint32_t block_ = 0;           // block of the position within the page
  uint64_t row_ = 0;
  uint64_t block_first_ = 0, block_end_ = 0;
  // The loaded page and decoded block.
  uint32_t loaded_page_ = UINT32_MAX;
  uint64_t page_serial_ = 0;
  Segment::Rep::PageBody body_;
  std::unique_ptr<format::PageDecoder> decoder_;
  format::PageDecoder::DictionaryView dict_;
  // The loaded page's packed blocks where the FOR kernels apply (integer
  // for_bitpack without nulls whose values cannot wrap).
  std::optional<format::internal::ForPage> for_page_;
  bool transient_ = false;
  uint32_t decoded_block_ = UINT32_MAX;  // block held in the buffers below
  uint32_t gathered_block_ = UINT32_MAX;  // block Gather() decoded in part (the decoder is past it)
  const void* raw_ = nullptr;            // segment type values (non-dictionary pages)
  const std::string_view* raw_strings_ = nullptr;
  const uint32_t* codes_ = nullptr;
  bool sparse_block_ = false;  // the block is in sparse_ (codes_ made on demand)
  format::PageDecoder::SparseCodes sparse_;
  // The loaded page is rle and EncodedKernels(): its blocks decode into
  // runs_ (values made from them on demand).
  bool page_runs_ = false;
  format::PageDecoder::Runs runs_;
  bool have_values_ = false, have_strings_ = false;
  const void* values_ = nullptr;         // target type, block start
  storage::AlignedBuffer page_scratch_, decode_scratch_, values_buf_, entries_buf_, codes_buf_, runs_buf_;
  std::vector<std::string_view> strings_buf_;
  std::vector<std::string_view> decode_strings_;
  uint64_t entries_serial_ = UINT64_MAX;
  alignas(64) uint8_t validity_[format::kBlockSize];
};

// Widens `n` values of segment type `from` to target type `to` (see
// BindSegment's rules).
void WidenValues(format::PhysicalType from, format::PhysicalType to, const void* in, size_t n, void* out);

}  // namespace dp::internal::scan
