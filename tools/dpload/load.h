// The dpload driver: reads every input in turn into one sink, shows progress
// and commits (sink->Finish) only when every input parsed cleanly; on any
// error the sink is aborted, so nothing of the load is committed.
//
//   DP_ASSIGN_OR_RETURN(auto sink, SegmentSink::Create("out.dpc", schema));
//   DP_ASSIGN_OR_RETURN(LoadStats st, LoadInputs({"a.csv", "-"}, schema, opt, sink.get(), progress));
//
// A sink error that names a row of the load (a contract violation, see
// TransactionSink) is traced back to its input and line by LocateRow.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dp/result.h"
#include "dp/types.h"
#include "tools/dpload/reader.h"
#include "tools/dpload/sink.h"

namespace dp::tools::dpload {

struct LoadStats {
  uint64_t rows = 0;
  uint64_t bytes = 0;  // input bytes read
  double seconds = 0;
};

// A one-line progress display on stderr ("\r"-rewritten), at most ~10
// updates per second; silent when disabled.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  // `total_bytes`: 0 when unknown (no percentage shown).
  void Update(uint64_t rows, uint64_t bytes, uint64_t total_bytes, bool force = false);
  void Done();  // ends the line

 private:
  bool enabled_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
};

// "12.3M", "456k", "789".
std::string HumanCount(double v);

// `first_rows` (optional): on return, success or not, first_rows[i] is the
// load row of input i's first record, for every input whose reading began.
Result<LoadStats> LoadInputs(std::span<const std::string> inputs, const Schema& schema,
                             const ReaderOptions& options, BatchSink* sink, Progress* progress,
                             std::vector<uint64_t>* first_rows = nullptr);

// Where row `row` (0-based) of a load came from.
struct RowOrigin {
  size_t input = 0;           // index into the load's inputs
  std::string name;           // the input's name in messages ("<stdin>" for -)
  uint64_t row_in_input = 0;  // 0-based among the input's records
  uint64_t line = 0;          // line its record starts on; 0 when unknown
};

// Finds the input of `row` from `first_rows` (as LoadInputs filled it) and,
// unless the input is standard input, parses that input again up to the row
// to learn its line (a record may span lines, and a header or blank lines
// come before it; costs a re-read of the input up to the row, so only for
// error reports). NotFound if the row is past every input started.
Result<RowOrigin> LocateRow(std::span<const std::string> inputs, std::span<const uint64_t> first_rows, uint64_t row,
                            const Schema& schema, const ReaderOptions& options);

// A contract violation ("row N, column ...: ...", spec/contract.md) restated
// for the person who ran the load, from where the row came from:
//   "orders.csv:1044: row 1042 of the load (record 1043 of orders.csv), column ...: ..."
// (without the "file:line: " prefix when the line is unknown).
Status DescribeViolation(const Status& violation, const RowOrigin& origin, uint64_t row);

}  // namespace dp::tools::dpload
