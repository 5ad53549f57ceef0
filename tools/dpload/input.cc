#include "tools/dpload/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dp::tools::dpload {

namespace {

class FdInput final : public InputStream {
 public:
  FdInput(int fd, bool owned, std::string name, uint64_t size)
      : fd_(fd), owned_(owned), name_(std::move(name)), size_(size) {}
  ~FdInput() override {
    if (owned_) ::close(fd_);
  }
  Result<size_t> Read(char* dst, size_t n) override {
    while (true) {
      const ssize_t got = ::read(fd_, dst, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno == EINTR) continue;
      return Status::IOError(name_ + ": read failed: " + std::strerror(errno));
    }
  }
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return size_; }

 private:
  int fd_;
  bool owned_;
  std::string name_;
  uint64_t size_;
};

}  // namespace

Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path) {
  if (path == "-") return std::unique_ptr<InputStream>(new FdInput(STDIN_FILENO, false, "<stdin>", 0));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string msg = path + ": cannot open: " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IOError(msg);
  }
  struct stat st {};
  uint64_t size = 0;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(path + ": is a directory, not an input file");
    }
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::unique_ptr<InputStream>(new FdInput(fd, true, path, size));
}

Result<size_t> MemoryInput::Read(char* dst, size_t n) {
  const size_t k = std::min({n, chunk_, bytes_.size() - pos_});
  if (k > 0) std::memcpy(dst, bytes_.data() + pos_, k);
  pos_ += k;
  return k;
}

ReadBuffer::ReadBuffer(InputStream* in, size_t buffer_bytes, size_t max_record_bytes)
    : in_(in),
      capacity_(std::clamp<size_t>(buffer_bytes, 1, max_record_bytes + 2)),
      max_record_(max_record_bytes) {
  buf_ = std::make_unique<char[]>(capacity_ + kPadding);
  std::memset(buf_.get(), 0, capacity_ + kPadding);
  buf_[0] = sentinel_;
}

Result<bool> ReadBuffer::Refill(size_t consumed) {
  const size_t kept = size_ - consumed;
  if (kept == capacity_) {
    // One record fills the window: grow it, up to the record limit.
    if (capacity_ >= max_record_ + 2) {
      return Status::ResourceExhausted(in_->name() + ": record longer than the limit of " +
                                       std::to_string(max_record_) + " bytes");
    }
    const size_t cap = std::min(std::max(capacity_ * 2, size_t{64}), max_record_ + 2);
    auto bigger = std::make_unique<char[]>(cap + kPadding);
    std::memcpy(bigger.get(), buf_.get() + consumed, kept);
    std::memset(bigger.get() + kept, 0, cap + kPadding - kept);
    buf_ = std::move(bigger);
    capacity_ = cap;
  } else if (consumed > 0) {
    std::memmove(buf_.get(), buf_.get() + consumed, kept);
  }
  base_ += consumed;
  size_ = kept;
  bool added = false;
  while (!eof_ && size_ < capacity_) {
    DP_ASSIGN_OR_RETURN(size_t got, in_->Read(buf_.get() + size_, capacity_ - size_));
    if (got == 0) {
      eof_ = true;
      break;
    }
    size_ += got;
    added = true;
  }
  buf_[size_] = sentinel_;
  return added;
}

Result<size_t> ReadBuffer::ByteOrderMark() {
  while (size_ < 3 && !eof_) {
    DP_ASSIGN_OR_RETURN(bool added, Refill(0));
    (void)added;
  }
  return size_ >= 3 && std::memcmp(buf_.get(), "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

}  // namespace dp::tools::dpload
