// Scan execution shared by the batch scanner and the aggregator: opening
// and pruning parts and row groups, splitting row groups into morsels (fixed
// row ranges, independent of the thread count), pruning pages inside a
// morsel and evaluating the predicate over windows of <= 1024 rows.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <functional>
#include <memory>
#include <vector>

#include "dp/scan.h"
#include "format/bitmap.h"
#include "storage/scan/cursor.h"
#include "storage/scan/plan.h"

namespace dp::internal::scan {

// Rows per morsel: the unit of parallel work and of float-sum partials.
inline constexpr uint64_t kMorselRows = 128 * 1024;

struct OpenPart {
  std::shared_ptr<const Segment> segment;
  std::vector<Binding> bindings;  // by target field
};

struct Morsel {
  int part = 0;
  int row_group = 0;
  uint64_t begin = 0, end = 0;  // segment rows
};

// Opened, pruned parts and their morsels, with the pruning statistics.
struct Source {
  std::vector<OpenPart> parts;  // only the opened ones
  std::vector<Morsel> morsels;
  ScanStats stats;
};

// Opens the parts that survive summary pruning, binds columns by field id,
// prunes row groups by zone maps, and splits the rest into morsels.
// skip_corrupt (ScanSpec::skip_corrupt_parts): verify each opened part in
// full and leave out, in stats.skipped_parts, those that fail to open or verify.
Result<Source> OpenSource(const ScanSource& source, const Plan& plan, bool skip_corrupt);

// Evaluates the predicate over one morsel, a window of <= 1024 rows at a
// time, and calls on_window(first_row, n, mask) for windows with at least
// one matching row (mask: n bytes, 1 = matches; nullptr = all match). The
// cursors of every needed field are positioned at first_row during the call.
class MorselExec {
 public:
  MorselExec(const Plan& plan, const OpenPart& part, const Morsel& morsel, Counters* counters);
  ColumnCursor& cursor(int field) { return *cursors_[field]; }

  using WindowFn = std::function<Status(uint64_t row, uint32_t n, const uint8_t* mask)>;
  // Runs the windows from where the last Run() returned. on_window may call
  // Pause(): Run() then returns after that window, done() still false, and
  // the next Run() goes on with the next window (a scanner hands a batch
  // out while it is in cache, then resumes).
  Status Run(const WindowFn& on_window);
  void Pause() { pause_ = true; }
  bool done() const { return done_; }

 private:
  Status Eval(const Node& node, uint32_t n, uint8_t* out);
  Status EvalLeaf(const Leaf& leaf, int index, uint32_t n, uint8_t* out);
  struct Range {
    uint64_t begin, end;
    bool all;  // the page zones prove every row matches: no evaluation
    uint64_t pass = 0, fail = 0;  // Plan::KnownLeaves of the range
  };
  std::vector<Range> CandidateRanges();

  const Plan& plan_;
  const OpenPart& part_;
  Morsel morsel_;
  Counters* counters_;
  std::vector<std::unique_ptr<ColumnCursor>> cursors_;  // by target field; null if not needed
  // Per leaf: code -> truth table of the current dictionary page.
  struct LeafTable {
    uint64_t serial = UINT64_MAX;
    std::vector<uint8_t> truth;
    // Where one entry's truth differs from all the others' (= or != one
    // value): that entry, and the truth of the others. Then a row's truth
    // is a compare of its code, which vectorizes; a table lookup does not.
    uint32_t odd = UINT32_MAX;
    uint8_t others = 0;
  };
  std::vector<LeafTable> tables_;
  std::vector<std::vector<uint8_t>> scratch_;  // per tree depth
  int depth_ = 0;
  uint64_t pass_ = 0, fail_ = 0;  // known leaves of the range being run
  // Where Run() resumes: the candidate ranges, the next one, the next row.
  std::vector<Range> ranges_;
  size_t next_range_ = 0;
  uint64_t row_ = 0;
  bool started_ = false, pause_ = false, done_ = false;
};

// 0, 1, ..., 1023: the selection of a window without a filter.
struct IdentityRows {
  uint32_t rows[1024];
  constexpr IdentityRows() : rows() {
    for (uint32_t i = 0; i < 1024; ++i) rows[i] = i;
  }
};
inline constexpr IdentityRows kIdentityRows;

// The mask bytes (0 or 1) of rows [0, 64) as bits: SSE2 (the x86-64
// baseline) moves 16 byte signs per instruction; elsewhere 8 bytes are
// gathered into a byte by one multiply (byte k lands on bit 56 + k of the
// product; the partial products do not overlap).
inline uint64_t MaskBits64(const uint8_t* mask) {
  uint64_t bits = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  for (int q = 0; q < 4; ++q) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + 16 * q));
    bits |= uint64_t(uint32_t(_mm_movemask_epi8(_mm_cmpgt_epi8(x, zero)))) << (16 * q);
  }
#else
  for (int q = 0; q < 8; ++q) {
    uint64_t w;
    std::memcpy(&w, mask + 8 * q, 8);
    bits |= ((w * 0x0102040810204080ull) >> 56) << (8 * q);
  }
#endif
  return bits;
}

// Writes the offsets of the rows of a window whose mask byte (0 or 1) is
// set to sel (room for n) and returns how many; mask == nullptr: all n.
// Inline: it runs once per window of the scanner and of the aggregator.
// 64 rows at a time as a bit set: a sparse one (< 16 set) lists its bits
// one by one (a loop as long as the selection: selective filters select
// ~1 row in 15); a dense one goes 8 bits at a time through
// format::kBitsOfByte without a branch per row: all 8 slots are written and
// the count advances by the number set (m + 8 <= i + 8 <= n: within the n
// slots of sel).
inline uint32_t SelectRows(const uint8_t* mask, uint32_t n, uint32_t* sel) {
  if (mask == nullptr) {
    for (uint32_t i = 0; i < n; ++i) sel[i] = i;
    return n;
  }
  uint32_t m = 0, i = 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t bits = MaskBits64(mask + i);
    uint32_t set = 0;
    for (int b = 0; b < 8; ++b) set += format::kBitsOfByte.count[(bits >> (8 * b)) & 0xff];
    if (set < 16) {
      for (; bits != 0; bits &= bits - 1) sel[m++] = i + uint32_t(std::countr_zero(bits));
      continue;
    }
    for (uint32_t b = 0; b < 64; b += 8) {
      const uint32_t byte = uint32_t(bits >> b) & 0xff;
      const uint16_t* o = format::kBitsOfByte.offsets[byte];
      for (int k = 0; k < 8; ++k) sel[m + k] = i + b + o[k];
      m += format::kBitsOfByte.count[byte];
    }
  }
  for (; i < n; ++i) {
    sel[m] = i;
    m += mask[i];
  }
  return m;
}

// Runs fn(i) for i in [0, n) on `threads` oneTBB workers (0 = all cores;
// 1 = inline); the first error wins.
Status ParallelFor(int threads, size_t n, const std::function<Status(size_t)>& fn);

}  // namespace dp::internal::scan
