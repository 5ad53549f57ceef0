// Where dpload's batches go.
//
// A BatchSink receives the batches of one load in row order, then exactly
// one of Finish() (commit: the rows become visible) or Abort() (nothing of
// the load stays behind). The readers only call Append; the driver (load.h)
// calls Finish after the last input parsed cleanly and Abort on any error.
//
// SegmentSink writes one segment file. A dataset Transaction sink and a
// contract-validating sink wrapper plug in through the same interface.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dp/result.h"
#include "dp/status.h"
#include "dp/types.h"
#include "dp/writer.h"

namespace dp::tools::dpload {

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  // One ColumnData per schema field, all of equal length; `first_row` is the
  // index of the batch's first row in the whole load. The views are only
  // valid during the call.
  virtual Status Append(std::span<const ColumnData> cols, uint64_t first_row) = 0;
  // Commits everything appended. REQUIRES: no earlier Append failed.
  virtual Status Finish() = 0;
  // Drops everything appended; the sink must leave nothing behind.
  virtual void Abort() = 0;
};

// Writes a new segment file (never overwrites). The file only appears in
// full: Abort() or destruction before Finish() removes it.
class SegmentSink final : public BatchSink {
 public:
  static Result<std::unique_ptr<SegmentSink>> Create(const std::string& path, const Schema& schema,
                                                     WriterOptions options = {});
  Status Append(std::span<const ColumnData> cols, uint64_t first_row) override;
  Status Finish() override;
  void Abort() override;

  uint64_t rows_written() const { return writer_->rows_written(); }
  uint64_t bytes_written() const { return writer_->bytes_written(); }

 private:
  explicit SegmentSink(std::unique_ptr<SegmentWriter> w) : writer_(std::move(w)) {}
  std::unique_ptr<SegmentWriter> writer_;
};

}  // namespace dp::tools::dpload
