// Buffered, fast output for the tools' bulk text (dpgen --csv, dpinspect cat)
// and the hand-rolled number formatting it is written with.
//
// Writes go to a 1 MiB buffer that is handed to write(2) when full. Errors are
// sticky, as with stdio: the first failed write is remembered, later output is
// dropped, and Flush()/Close() return that error naming the path.
//
//   DP_ASSIGN_OR_RETURN(auto out, OutputFile::Create("rows.csv"));
//   char* p = out->Reserve(64);
//   p = FormatUInt(p, 42);
//   *p++ = '\n';
//   out->Commit(p);
//   DP_RETURN_IF_ERROR(out->Close());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dp/result.h"
#include "dp/status.h"

namespace dp::tools {

// Writes the decimal digits of `v` at `p`; returns the end. Needs <= 20 bytes.
char* FormatUInt(char* p, uint64_t v);
// Same with a leading '-' for negatives. Needs <= 20 bytes.
char* FormatInt(char* p, int64_t v);
// Writes exactly `digits` digits (0 < digits <= 9), zero-padded. REQUIRES: v < 10^digits.
char* FormatZeroPadded(char* p, uint32_t v, int digits);

class OutputFile {
 public:
  static constexpr size_t kBufferSize = 1 << 20;
  // The largest Reserve() request.
  static constexpr size_t kMaxReserve = 64 * 1024;

  // Creates `path` for writing; AlreadyExists if it exists (never overwrites).
  static Result<std::unique_ptr<OutputFile>> Create(const std::string& path);
  // Standard output (not closed by Close()).
  static std::unique_ptr<OutputFile> Stdout();

  ~OutputFile();  // closes the descriptor if owned; errors are lost: call Close()
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Returns space for at least `n` bytes; finish with Commit(end).
  // REQUIRES: n <= kMaxReserve.
  char* Reserve(size_t n) {
    if (kBufferSize - len_ < n) Drain();
    return buf_.get() + len_;
  }
  void Commit(char* end) { len_ = static_cast<size_t>(end - buf_.get()); }

  void Append(std::string_view s);
  void Append(char c) {
    if (len_ == kBufferSize) Drain();
    buf_[len_++] = c;
  }

  Status Flush();
  // Flushes and, for a file made by Create(), closes it.
  Status Close();

  const std::string& path() const { return path_; }
  uint64_t bytes_written() const { return written_ + len_; }

 private:
  OutputFile(int fd, bool owned, std::string path);
  void Drain();  // writes the buffer; records the first error
  void WriteAll(const char* data, size_t n);

  int fd_;
  bool owned_;
  std::string path_;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  uint64_t written_ = 0;
  Status error_;
};

}  // namespace dp::tools
