// dpload's streaming readers: CSV (RFC 4180) and JSON Lines -> typed batches.
//
//   ReaderOptions opt;                       // CSV with a header row
//   Emitter em(schema, sink, opt);
//   DP_RETURN_IF_ERROR(ReadCsv(input, opt, &em));
//   DP_RETURN_IF_ERROR(em.Close());          // last batch; joins the writer thread
//   DP_RETURN_IF_ERROR(sink->Finish());      // or sink->Abort() on any error
//
// Both readers parse whole records inside a bounded ReadBuffer (input.h),
// convert each field straight into the batch (batch.h) and hand full batches
// to the Emitter, which appends them to the BatchSink (on a second thread
// when ReaderOptions::writer_thread is set). Errors are InvalidArgument
// naming "file:line:column: " and what is wrong; line and column are 1-based
// (the column counts bytes). A reader never calls Finish/Abort on the sink.
//
// CSV rules: fields separated by `delimiter`, records by LF or CRLF; a field
// may be quoted with '"', a quote inside doubled (""), and may then hold
// delimiters and line breaks. A quote inside an unquoted field, text after a
// closing quote, a bare CR and an unterminated quote are errors. An empty
// unquoted field is null; a quoted empty field ("") is the empty string for
// string/binary columns and null otherwise. With a header, columns are
// matched to schema fields by name (any order; schema fields missing from the
// header are null); without one, the columns are the schema's fields in
// order. Blank lines are skipped (unless the schema has one column, where a
// blank line is a null). A UTF-8 byte order mark at the start is skipped.
//
// JSON Lines rules: one object per line; keys match field names; a missing
// key is null; an unknown key is an error unless ignore_unknown; a duplicate
// key is an error. Values: strings (all escapes, \uXXXX with surrogate
// pairs), numbers, true/false, null; an object or array value is an error
// naming the column. A string is converted like a CSV field (so "42" fits an
// int column and "2024-01-02T03:04:05Z" a timestamp); a number fits numeric,
// timestamp (a count of the unit) and date32 (days) columns; true/false fit
// bool. Blank lines are skipped.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "dp/status.h"
#include "dp/types.h"
#include "tools/dpload/batch.h"
#include "tools/dpload/input.h"
#include "tools/dpload/sink.h"

namespace dp::tools::dpload {

enum class InputFormat : uint8_t { kCsv, kJsonLines };

struct ReaderOptions {
  InputFormat format = InputFormat::kCsv;
  char delimiter = ',';          // CSV; not '"', CR or LF
  bool header = true;            // CSV: the first record names the columns
  bool ignore_unknown = false;   // unknown JSON keys / CSV header columns are skipped
  size_t read_buffer_bytes = 1u << 20;
  size_t max_line_bytes = 64u << 20;  // the longest record accepted
  size_t batch_rows = 64u * 1024;
  size_t max_batch_bytes = 64u << 20;  // string bytes per batch
  bool writer_thread = false;    // append batches to the sink on a second thread
};

// Checks the options a caller can get wrong (delimiter, sizes).
Status ValidateOptions(const ReaderOptions& options);

// Receives rows from the readers and hands full batches to the sink.
class Emitter {
 public:
  // Called after each batch is handed on: rows so far in the whole load.
  using ProgressFn = std::function<void(uint64_t rows)>;

  Emitter(const Schema& schema, BatchSink* sink, const ReaderOptions& options, ProgressFn progress = nullptr);
  ~Emitter();  // joins the writer thread (errors are dropped: call Close())
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  // The batch to fill; changes after Flush().
  BatchBuilder* batch() { return current_; }
  const Schema& schema() const { return schema_; }
  // Ends the current row, whose record starts on input line `line`; hands
  // the batch on when it is full.
  Status FinishRow(uint64_t line) {
    if (rows() == stop_row_) [[unlikely]] return Stop(line);
    current_->FinishRow();
    return current_->full() ? Flush() : Status::OK();
  }
  // Hands on the current batch if it has rows; returns the sink's first error.
  Status Flush();
  // Flushes, waits for the writer thread and returns the first sink error.
  Status Close();
  // Rows handed on or in the current batch.
  uint64_t rows() const { return emitted_ + current_->rows(); }

  // Locating a record (error reports, see LocateRow in load.h): the
  // FinishRow of row `row` (0-based, this emitter's rows) keeps the row out,
  // records its line and returns kStopped, which ends the reader.
  static constexpr StatusCode kStopped = StatusCode::kOutOfRange;
  void StopAtRow(uint64_t row) { stop_row_ = row; }
  // The line passed with the stopped row; 0 until then.
  uint64_t stopped_line() const { return stopped_line_; }

 private:
  void WriterLoop();
  Status Stop(uint64_t line);
  Status WaitIdle();  // REQUIRES: writer thread exists

  const Schema& schema_;
  BatchSink* sink_;
  ProgressFn progress_;
  BatchBuilder a_, b_;
  BatchBuilder* current_ = &a_;
  uint64_t emitted_ = 0;
  bool closed_ = false;
  uint64_t stop_row_ = UINT64_MAX;
  uint64_t stopped_line_ = 0;

  // Writer thread state, guarded by mu_.
  std::thread writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  BatchBuilder* pending_ = nullptr;
  uint64_t pending_first_row_ = 0;
  bool stop_ = false;
  Status sink_error_;
};

// Reads `in` to its end into `emitter`.
Status ReadCsv(InputStream* in, const ReaderOptions& options, Emitter* emitter);
Status ReadJsonLines(InputStream* in, const ReaderOptions& options, Emitter* emitter);
// Dispatches on options.format.
Status ReadInput(InputStream* in, const ReaderOptions& options, Emitter* emitter);

// Fuzzer/test entry point: parses `bytes` (named `name` in messages) in the
// given format into `sink` and, when everything parsed, Finish()es it;
// Abort()s it on any error. `chunk` limits the bytes per read to exercise
// records split across reads.
Status ParseBytes(std::string_view bytes, std::string_view name, const Schema& schema,
                  const ReaderOptions& options, BatchSink* sink, size_t chunk = SIZE_MAX);

// "file:line:column: " — the prefix of every reader error.
std::string Where(const std::string& file, uint64_t line, uint64_t column);
// "<what> is longer than the limit of N bytes".
std::string TooLong(std::string_view what, size_t limit);
// buf->Refill(consumed) for a record that starts at `line` and did not fit:
// a record that reaches the limit becomes "file:line:1: <what> is longer
// than the limit of N bytes" (InvalidArgument).
Status RefillForRecord(ReadBuffer* buf, size_t consumed, uint64_t line, std::string_view what);

}  // namespace dp::tools::dpload
