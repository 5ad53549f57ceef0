// Segment writer internals behind dp::SegmentWriter (api/include/dp/writer.h).
// Byte layout: spec/format.md.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dp/writer.h"
#include "format/encoding.h"
#include "index/zone_map.h"
#include "storage/io.h"

namespace dp::storage {

class ColumnBuilder;
struct ColumnWorkers;

class SegmentWriterImpl {
 public:
  static Result<std::unique_ptr<SegmentWriterImpl>> Create(std::string path, Schema schema,
                                                           WriterOptions options);
  ~SegmentWriterImpl();

  Status Append(std::span<const ColumnData> columns);
  Status AppendRow(std::span<const Value> row);
  Status Finish();
  void Abort();

  uint64_t rows_written() const { return rows_written_; }
  const Schema& schema() const { return schema_; }
  const std::string& path() const { return path_; }
  uint64_t bytes_written() const { return file_ ? file_->size() : bytes_final_; }

 private:
  SegmentWriterImpl(std::string path, Schema schema, WriterOptions options);
  Status ValidateBatch(std::span<const ColumnData> columns) const;
  Status ValidateColumn(size_t c, const ColumnData& col, size_t n) const;
  // Runs fn(0) .. fn(columns - 1) for work on `rows` rows, concurrently
  // unless options_.threads is 1 or the rows are few, and returns the error
  // of the lowest column that failed (so the result does not depend on the
  // thread count). Exceptions thrown by fn or by oneTBB become a Status
  // here (ResourceExhausted for bad_alloc, else Internal).
  Status ForEachColumn(size_t rows, const std::function<Status(size_t)>& fn) const;
  Status FlushRowGroup();
  Status WriteFooter();
  Status Poison(Status s);

  struct RowGroupRecord {
    uint64_t first_row, num_rows, offset, length;
  };

  std::string path_;
  Schema schema_;
  WriterOptions options_;
  std::unique_ptr<SequentialFile> file_;
  std::vector<std::unique_ptr<ColumnBuilder>> columns_;
  std::unique_ptr<ColumnWorkers> workers_;  // null: serial (threads == 1)
  std::vector<RowGroupRecord> row_groups_;
  uint64_t rows_written_ = 0;
  uint64_t rg_rows_ = 0;
  uint64_t bytes_final_ = 0;
  bool finished_ = false;
  Status error_;  // sticky
};

}  // namespace dp::storage
