// Scan execution shared by the batch scanner and the aggregator: opening
// and pruning parts and row groups, splitting row groups into morsels (fixed
// row ranges, independent of the thread count), pruning pages inside a
// morsel and evaluating the predicate over windows of <= 1024 rows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
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
  // The number of matching rows of the window being handed to on_window.
  uint32_t window_selected() const { return selected_; }
  bool done() const { return done_; }

 private:
  Status Eval(const Node& node, uint32_t n, uint8_t* out);
  Status EvalLeaf(const Leaf& leaf, int index, uint32_t n, uint8_t* out);
  Status EvalDecoded(const Leaf& leaf, ColumnCursor& c, uint32_t n, uint8_t* out, const uint8_t* valid);
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
  uint32_t selected_ = 0;
};

// 0, 1, ..., 1023: the selection of a window without a filter.
struct IdentityRows {
  uint32_t rows[1024];
  constexpr IdentityRows() : rows() {
    for (uint32_t i = 0; i < 1024; ++i) rows[i] = i;
  }
};
inline constexpr IdentityRows kIdentityRows;

// Writes the offsets of the rows of a window whose mask byte (0 or 1) is
// set to sel (room for n) and returns how many; mask == nullptr: all n.
// Runs once per window of the scanner and of the aggregator. 64 rows at a
// time as a bit set; where UseAvx2Kernels(), every byte of it becomes 8
// offsets in one vector store (the list advances by the bits set), at the
// same cost at any density; the portable variant (the oracle) lists a
// sparse word (< 16 set) bit by bit and a dense one 8 bits at a time.
uint32_t SelectRows(const uint8_t* mask, uint32_t n, uint32_t* sel);
uint32_t SelectRowsPortable(const uint8_t* mask, uint32_t n, uint32_t* sel);

// Whether the scan works on encoded data where it can (on by default):
// range tests of integer columns on the packed values of for_bitpack
// blocks (ColumnCursor::ForBlockInRange); tests, integer sums, min, max and
// distinct counts a run at a time on rle blocks (ColumnCursor::Runs). Off,
// every value is decoded first: the oracle the tests compare against, and
// the baseline of bench/scan/filter_bench.
bool EncodedKernels();
void SetEncodedKernels(bool on);

// `threads`, but no more than oneTBB's pool can run at once (its workers
// + 1, i.e. the cores or a global_control limit): an arena asking for more
// only makes oneTBB print a warning on stderr that it ignores the request.
int ArenaConcurrency(int threads);

// The number of workers ParallelFor(threads, n, ...) runs: 1 for threads
// == 1 or n <= 1, else at most n and the arena's concurrency (0 = the
// calling arena's, i.e. all cores).
size_t ParallelWorkers(int threads, size_t n);

// Runs fn(i, worker) for i in [0, n) on ParallelWorkers(threads, n)
// workers (1 = inline, on the caller); the first error wins. An exception
// thrown by fn(i) is an error "<what> <i>: ...", e.g. "scan: morsel 7: ...". Indexes are
// handed out in increasing order, one at a time, to whichever worker is
// free: they finish in about their order, whatever the thread count. A
// worker (0 .. ParallelWorkers - 1) runs its calls one after the other, so
// state indexed by `worker` needs no lock.
Status ParallelFor(int threads, size_t n, std::string_view what, const std::function<Status(size_t, size_t)>& fn);

}  // namespace dp::internal::scan
