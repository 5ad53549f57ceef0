// The dpload driver: reads every input in turn into one sink, shows progress
// and commits (sink->Finish) only when every input parsed cleanly; on any
// error the sink is aborted, so nothing of the load is committed.
//
//   DP_ASSIGN_OR_RETURN(auto sink, SegmentSink::Create("out.dpc", schema));
//   DP_ASSIGN_OR_RETURN(LoadStats st, LoadInputs({"a.csv", "-"}, schema, opt, sink.get(), progress));
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

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

Result<LoadStats> LoadInputs(std::span<const std::string> inputs, const Schema& schema,
                             const ReaderOptions& options, BatchSink* sink, Progress* progress);

}  // namespace dp::tools::dpload
