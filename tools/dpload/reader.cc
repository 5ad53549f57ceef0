#include "tools/dpload/reader.h"

namespace dp::tools::dpload {

std::string Where(const std::string& file, uint64_t line, uint64_t column) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

std::string TooLong(std::string_view what, size_t limit) {
  return std::string(what) + " is longer than the limit of " + std::to_string(limit) + " bytes";
}

Status RefillForRecord(ReadBuffer* buf, size_t consumed, uint64_t line, std::string_view what) {
  Result<bool> r = buf->Refill(consumed);
  if (r.ok()) return Status::OK();
  if (r.status().code() != StatusCode::kResourceExhausted) return r.status();
  return Status::InvalidArgument(Where(buf->name(), line, 1) + TooLong(what, buf->max_record_bytes()));
}

Status ValidateOptions(const ReaderOptions& o) {
  if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r') {
    return Status::InvalidArgument("the CSV delimiter cannot be a quote, CR or LF");
  }
  if (o.read_buffer_bytes == 0) return Status::InvalidArgument("the read buffer size must be > 0");
  if (o.max_line_bytes == 0) return Status::InvalidArgument("the line length limit must be > 0");
  if (o.batch_rows == 0) return Status::InvalidArgument("the batch size must be > 0 rows");
  return Status::OK();
}

Emitter::Emitter(const Schema& schema, BatchSink* sink, const ReaderOptions& options, ProgressFn progress)
    : schema_(schema),
      sink_(sink),
      progress_(std::move(progress)),
      a_(schema, options.batch_rows, options.max_batch_bytes),
      b_(schema, options.writer_thread ? options.batch_rows : 1, options.max_batch_bytes) {
  if (options.writer_thread) writer_ = std::thread([this] { WriterLoop(); });
}

Emitter::~Emitter() {
  if (writer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    writer_.join();
  }
}

void Emitter::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || pending_ != nullptr; });
    if (pending_ == nullptr) return;  // stop_ with nothing left to write
    BatchBuilder* batch = pending_;
    const uint64_t first = pending_first_row_;
    const bool skip = !sink_error_.ok();
    lock.unlock();
    Status s = skip ? Status::OK() : sink_->Append(batch->Columns(), first);
    lock.lock();
    if (!s.ok() && sink_error_.ok()) sink_error_ = std::move(s);
    pending_ = nullptr;
    cv_.notify_all();
  }
}

Status Emitter::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return pending_ == nullptr; });
  return sink_error_;
}

Status Emitter::Flush() {
  if (current_->rows() == 0) return Status::OK();
  const uint64_t first = emitted_;
  emitted_ += current_->rows();
  if (!writer_.joinable()) {
    Status s = sink_->Append(current_->Columns(), first);
    current_->Reset();
    DP_RETURN_IF_ERROR(s);
  } else {
    // Double buffering: wait until the writer is done with the other batch,
    // hand it this one and fill the other meanwhile.
    DP_RETURN_IF_ERROR(WaitIdle());
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ = current_;
      pending_first_row_ = first;
    }
    cv_.notify_all();
    current_ = current_ == &a_ ? &b_ : &a_;
    current_->Reset();
  }
  if (progress_) progress_(emitted_);
  return Status::OK();
}

Status Emitter::Stop(uint64_t line) {
  stopped_line_ = line;
  return Status(kStopped, "stopped at row " + std::to_string(stop_row_) + " (line " + std::to_string(line) + ")");
}

Status Emitter::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  Status s = Flush();
  if (writer_.joinable()) {
    Status w = WaitIdle();
    if (s.ok()) s = std::move(w);
  }
  return s;
}

Status ReadInput(InputStream* in, const ReaderOptions& options, Emitter* emitter) {
  return options.format == InputFormat::kCsv ? ReadCsv(in, options, emitter) : ReadJsonLines(in, options, emitter);
}

Status ParseBytes(std::string_view bytes, std::string_view name, const Schema& schema, const ReaderOptions& options,
                  BatchSink* sink, size_t chunk) {
  Status s = ValidateOptions(options);
  if (s.ok()) {
    MemoryInput in(bytes, std::string(name), chunk);
    Emitter emitter(schema, sink, options);
    s = ReadInput(&in, options, &emitter);
    if (s.ok()) s = emitter.Close();
  }
  if (s.ok()) s = sink->Finish();
  if (!s.ok()) sink->Abort();
  return s;
}

}  // namespace dp::tools::dpload
