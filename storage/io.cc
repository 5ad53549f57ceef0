#include "storage/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

namespace dp::storage {

std::string ErrnoMessage(int err) { return std::string(std::strerror(err)); }

Result<std::unique_ptr<SequentialFile>> SequentialFile::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) return Status::AlreadyExists(path + ": file exists (segments are never overwritten)");
    return Status::IOError(path + ": cannot create: " + ErrnoMessage(err));
  }
  return std::unique_ptr<SequentialFile>(new SequentialFile(path, fd));
}

SequentialFile::~SequentialFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status SequentialFile::Flush() {
  size_t done = 0;
  while (done < buf_used_) {
    ssize_t n = ::write(fd_, buf_.get() + done, buf_used_ - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(path_ + ": write failed at offset " + std::to_string(size_ - buf_used_ + done) +
                             ": " + ErrnoMessage(errno));
    }
    done += static_cast<size_t>(n);
  }
  buf_used_ = 0;
  return Status::OK();
}

Status SequentialFile::Append(std::span<const uint8_t> data) {
  if (fd_ < 0) return Status::Internal(path_ + ": append after close");
  const uint8_t* p = data.data();
  size_t left = data.size();
  size_ += left;
  if (buf_used_ + left <= kBufSize) {
    if (left) std::memcpy(buf_.get() + buf_used_, p, left);
    buf_used_ += left;
    return Status::OK();
  }
  DP_RETURN_IF_ERROR(Flush());
  if (left >= kBufSize) {  // large: write straight through
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IOError(path_ + ": write failed: " + ErrnoMessage(errno));
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    return Status::OK();
  }
  std::memcpy(buf_.get(), p, left);
  buf_used_ = left;
  return Status::OK();
}

Status SequentialFile::AppendZeros(size_t n) {
  static const uint8_t kZeros[256] = {};
  while (n > 0) {
    size_t k = n < sizeof(kZeros) ? n : sizeof(kZeros);
    DP_RETURN_IF_ERROR(Append({kZeros, k}));
    n -= k;
  }
  return Status::OK();
}

Status SequentialFile::Sync() {
  DP_RETURN_IF_ERROR(Flush());
  if (::fdatasync(fd_) != 0) return Status::IOError(path_ + ": fdatasync failed: " + ErrnoMessage(errno));
  auto slash = path_.rfind('/');
  return SyncDirectory(slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash)));
}

Status SequentialFile::Close() {
  if (fd_ < 0) return Status::OK();
  Status s = Flush();
  if (::close(fd_) != 0 && s.ok()) s = Status::IOError(path_ + ": close failed: " + ErrnoMessage(errno));
  fd_ = -1;
  return s;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(dir + ": cannot open directory to fsync: " + ErrnoMessage(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError(dir + ": directory fsync failed: " + ErrnoMessage(err));
  return Status::OK();
}

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + ErrnoMessage(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError(path + ": fstat failed: " + ErrnoMessage(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::IOError(path + ": mmap failed: " + ErrnoMessage(err));
    }
    data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
  return std::unique_ptr<MappedFile>(new MappedFile(data, size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

AlignedBuffer::~AlignedBuffer() { std::free(data_); }

uint8_t* AlignedBuffer::Reserve(size_t n) {
  if (n <= capacity_) return data_;
  size_t cap = (n + 63) & ~size_t{63};
  void* p = std::aligned_alloc(64, cap);
  if (p == nullptr) throw std::bad_alloc();
  std::free(data_);
  data_ = static_cast<uint8_t*>(p);
  capacity_ = cap;
  return data_;
}

}  // namespace dp::storage
