#include "tools/dpload/load.h"

#include <cstdio>

namespace dp::tools::dpload {

namespace {

// Counts the bytes handed out, for the progress display.
class CountingInput final : public InputStream {
 public:
  explicit CountingInput(InputStream* in) : in_(in) {}
  Result<size_t> Read(char* dst, size_t n) override {
    Result<size_t> r = in_->Read(dst, n);
    if (r.ok()) bytes_ += *r;
    return r;
  }
  const std::string& name() const override { return in_->name(); }
  uint64_t size_hint() const override { return in_->size_hint(); }
  uint64_t bytes() const { return bytes_; }

 private:
  InputStream* in_;
  uint64_t bytes_ = 0;
};

}  // namespace

std::string HumanCount(double v) {
  char buf[32];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.2fG", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.1fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  }
  return buf;
}

void Progress::Update(uint64_t rows, uint64_t bytes, uint64_t total_bytes, bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && printed_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  printed_ = true;
  const double secs = std::max(1e-9, std::chrono::duration<double>(now - start_).count());
  std::string pct;
  if (total_bytes > 0) {
    char b[16];
    std::snprintf(b, sizeof(b), "%5.1f%% ", 100.0 * static_cast<double>(std::min(bytes, total_bytes)) /
                                               static_cast<double>(total_bytes));
    pct = b;
  }
  std::fprintf(stderr, "\r\033[K%s%s rows  %sB  %s rows/s  %sB/s", pct.c_str(),
               HumanCount(static_cast<double>(rows)).c_str(), HumanCount(static_cast<double>(bytes)).c_str(),
               HumanCount(static_cast<double>(rows) / secs).c_str(),
               HumanCount(static_cast<double>(bytes) / secs).c_str());
  std::fflush(stderr);
}

void Progress::Done() {
  if (enabled_ && printed_) std::fputc('\n', stderr);
  printed_ = false;
}

Result<LoadStats> LoadInputs(std::span<const std::string> inputs, const Schema& schema,
                             const ReaderOptions& options, BatchSink* sink, Progress* progress,
                             std::vector<uint64_t>* first_rows) {
  const auto start = std::chrono::steady_clock::now();
  if (first_rows != nullptr) first_rows->clear();
  Status s = ValidateOptions(options);
  LoadStats stats;
  if (s.ok()) {
    uint64_t total = 0;
    bool total_known = true;
    std::vector<std::unique_ptr<InputStream>> opened;
    for (const std::string& path : inputs) {
      Result<std::unique_ptr<InputStream>> in = OpenInput(path);
      if (!in.ok()) {
        s = in.status();
        break;
      }
      total += (*in)->size_hint();
      total_known = total_known && (*in)->size_hint() > 0;
      opened.push_back(std::move(*in));
    }
    uint64_t bytes_before = 0;
    CountingInput* current = nullptr;
    Emitter emitter(schema, sink, options, [&](uint64_t rows) {
      if (progress != nullptr && current != nullptr) {
        progress->Update(rows, bytes_before + current->bytes(), total_known ? total : 0);
      }
    });
    for (size_t i = 0; s.ok() && i < opened.size(); ++i) {
      CountingInput counting(opened[i].get());
      current = &counting;
      if (first_rows != nullptr) first_rows->push_back(emitter.rows());
      s = ReadInput(&counting, options, &emitter);
      bytes_before += counting.bytes();
      current = nullptr;
    }
    // The last batch; on error it is dropped (the emitter's destructor joins
    // the writer thread before the sink is aborted below).
    if (s.ok()) s = emitter.Close();
    stats.rows = emitter.rows();
    stats.bytes = bytes_before;
  }
  if (s.ok()) s = sink->Finish();
  if (!s.ok()) {
    sink->Abort();
    if (progress != nullptr) progress->Done();
    return s;
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (progress != nullptr) {
    progress->Update(stats.rows, stats.bytes, 0, /*force=*/true);
    progress->Done();
  }
  return stats;
}

Result<RowOrigin> LocateRow(std::span<const std::string> inputs, std::span<const uint64_t> first_rows, uint64_t row,
                            const Schema& schema, const ReaderOptions& options) {
  size_t i = first_rows.size();
  while (i > 0 && first_rows[i - 1] > row) --i;
  if (i == 0 || i > inputs.size()) {
    return Status::NotFound("row " + std::to_string(row) + " is not in any input read");
  }
  RowOrigin origin;
  origin.input = i - 1;
  origin.row_in_input = row - first_rows[origin.input];
  const std::string& path = inputs[origin.input];
  origin.name = path == "-" ? "<stdin>" : path;
  if (path == "-") return origin;  // cannot be read again
  DP_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in, OpenInput(path));
  origin.name = in->name();
  ReaderOptions o = options;
  o.writer_thread = false;
  DiscardSink discard;
  Emitter emitter(schema, &discard, o);
  emitter.StopAtRow(origin.row_in_input);
  Status s = ReadInput(in.get(), o, &emitter);
  if (s.code() == Emitter::kStopped && emitter.stopped_line() > 0) origin.line = emitter.stopped_line();
  return origin;
}

Status DescribeViolation(const Status& violation, const RowOrigin& origin, uint64_t row) {
  std::string rest = violation.message();
  // Drop the validator's own "row N, " (N is the load row restated below).
  const std::string prefix = "row " + std::to_string(row) + ", ";
  if (rest.rfind(prefix, 0) == 0) rest = rest.substr(prefix.size());
  std::string where = origin.name + ":";
  if (origin.line > 0) where += std::to_string(origin.line) + ":";
  return Status(violation.code(), where + " row " + std::to_string(row) + " of the load (record " +
                                      std::to_string(origin.row_in_input + 1) + " of " + origin.name + "), " + rest);
}

}  // namespace dp::tools::dpload
