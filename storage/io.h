// POSIX file primitives: sequential append-only output and read-only mappings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dp/result.h"

namespace dp::storage {

// A file written front to back. Create() refuses an existing path.
class SequentialFile {
 public:
  static Result<std::unique_ptr<SequentialFile>> Create(const std::string& path);
  ~SequentialFile();  // closes (does not remove)

  Status Append(std::span<const uint8_t> data);
  Status AppendZeros(size_t n);
  Status Sync();   // fdatasync the file, then fsync its directory
  Status Close();
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  SequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status Flush();
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::unique_ptr<uint8_t[]> buf_ = std::make_unique<uint8_t[]>(kBufSize);
  size_t buf_used_ = 0;
  static constexpr size_t kBufSize = 1 << 20;
};

// A read-only private mapping of a whole file.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  uint64_t size() const { return size_; }

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data_;
  size_t size_;
};

// fsync of a directory (after creating or renaming entries in it).
Status SyncDirectory(const std::string& dir);
std::string ErrnoMessage(int err);

// A heap buffer aligned to 64 bytes, for decoded pages.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer();
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  // Grows capacity to at least n bytes (contents are not preserved).
  uint8_t* Reserve(size_t n);
  uint8_t* data() const { return data_; }

 private:
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace dp::storage
