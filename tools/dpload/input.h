// Byte sources for dpload and the bounded read buffer the readers parse from.
//
// An InputStream hands out bytes in order (a file, stdin, or memory for
// tests and fuzzers). ReadBuffer keeps a window of the stream: the readers
// parse whole records inside it and, when a record runs past its end, ask
// for a Refill that keeps the unfinished record and reads more behind it.
// The window only grows when one record does not fit, and never past
// max_record_bytes, so memory stays bounded whatever the input size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dp/result.h"
#include "dp/status.h"

namespace dp::tools::dpload {

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to `n` bytes into `dst`; 0 means end of input.
  virtual Result<size_t> Read(char* dst, size_t n) = 0;
  // The name used in messages ("orders.csv", "<stdin>").
  virtual const std::string& name() const = 0;
  // Total size when known (regular files), else 0.
  virtual uint64_t size_hint() const { return 0; }
};

// A file, or standard input for "-".
Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path);

// Bytes in memory (not owned), handed out at most `chunk` bytes per Read so
// tests can split records across reads.
class MemoryInput final : public InputStream {
 public:
  MemoryInput(std::string_view bytes, std::string name, size_t chunk = SIZE_MAX)
      : bytes_(bytes), name_(std::move(name)), chunk_(chunk == 0 ? 1 : chunk) {}
  Result<size_t> Read(char* dst, size_t n) override;
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return bytes_.size(); }

 private:
  std::string_view bytes_;
  std::string name_;
  size_t chunk_;
  size_t pos_ = 0;
};

class ReadBuffer {
 public:
  // Bytes readable past size() (the sentinel, then stale or zero bytes), so
  // a 64-byte block read starting anywhere in [data(), data() + size()] is
  // inside the allocation.
  static constexpr size_t kPadding = 64;

  ReadBuffer(InputStream* in, size_t buffer_bytes, size_t max_record_bytes);

  const char* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  bool eof() const { return eof_; }
  // Stream offset of data()[0].
  uint64_t base_offset() const { return base_; }

  // Drops [0, consumed), moves the rest to the front and reads until the
  // buffer is full or the input ends. Returns false when no byte was added
  // (end of input). ResourceExhausted when the kept bytes already fill
  // max_record_bytes (the caller words the "line too long" message).
  // After a call, data()[size()] == sentinel (see set_sentinel).
  Result<bool> Refill(size_t consumed);

  // At the start of the input: reads until 3 bytes are buffered (or the
  // input ends) and returns how many bytes of a UTF-8 byte order mark lead
  // the data (3 or 0).
  Result<size_t> ByteOrderMark();

  // The byte stored just past the data after each Refill.
  void set_sentinel(char c) { sentinel_ = c; }
  size_t max_record_bytes() const { return max_record_; }
  const std::string& name() const { return in_->name(); }

 private:
  InputStream* in_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_;  // excluding padding
  size_t max_record_;
  size_t size_ = 0;
  uint64_t base_ = 0;
  bool eof_ = false;
  char sentinel_ = '\n';
};

}  // namespace dp::tools::dpload
