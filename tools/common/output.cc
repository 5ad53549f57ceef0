#include "tools/common/output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dp::tools {

namespace {

// "00" "01" ... "99": two digits per lookup.
constexpr char kDigitPairs[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

int CountDigits(uint64_t v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

}  // namespace

char* FormatUInt(char* p, uint64_t v) {
  const int n = CountDigits(v);
  char* end = p + n;
  char* q = end;
  while (v >= 100) {
    const unsigned pair = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    *--q = kDigitPairs[pair + 1];
    *--q = kDigitPairs[pair];
  }
  if (v >= 10) {
    *--q = kDigitPairs[v * 2 + 1];
    *--q = kDigitPairs[v * 2];
  } else {
    *--q = static_cast<char>('0' + v);
  }
  return end;
}

char* FormatInt(char* p, int64_t v) {
  if (v >= 0) return FormatUInt(p, static_cast<uint64_t>(v));
  *p++ = '-';
  return FormatUInt(p, ~static_cast<uint64_t>(v) + 1);  // no overflow for INT64_MIN
}

char* FormatZeroPadded(char* p, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + digits;
}

OutputFile::OutputFile(int fd, bool owned, std::string path)
    : fd_(fd), owned_(owned), path_(std::move(path)), buf_(new char[kBufferSize]) {}

OutputFile::~OutputFile() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    std::string msg = path + ": cannot create: " + std::strerror(err);
    if (err == EEXIST) return Status::AlreadyExists(msg + " (remove it first)");
    return Status::IOError(msg);
  }
  return std::unique_ptr<OutputFile>(new OutputFile(fd, true, path));
}

std::unique_ptr<OutputFile> OutputFile::Stdout() {
  return std::unique_ptr<OutputFile>(new OutputFile(STDOUT_FILENO, false, "<stdout>"));
}

void OutputFile::WriteAll(const char* data, size_t n) {
  while (n > 0 && error_.ok()) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = Status::IOError(path_ + ": write failed after " + std::to_string(written_) +
                               " bytes: " + std::strerror(errno));
      return;
    }
    data += w;
    n -= static_cast<size_t>(w);
    written_ += static_cast<uint64_t>(w);
  }
}

void OutputFile::Drain() {
  WriteAll(buf_.get(), len_);
  len_ = 0;
}

void OutputFile::Append(std::string_view s) {
  if (kBufferSize - len_ >= s.size()) {
    std::memcpy(buf_.get() + len_, s.data(), s.size());
    len_ += s.size();
    return;
  }
  Drain();
  if (s.size() >= kBufferSize) {
    WriteAll(s.data(), s.size());
  } else {
    std::memcpy(buf_.get(), s.data(), s.size());
    len_ = s.size();
  }
}

Status OutputFile::Flush() {
  Drain();
  return error_;
}

Status OutputFile::Close() {
  Drain();
  if (owned_ && fd_ >= 0) {
    if (::close(fd_) != 0 && error_.ok()) {
      error_ = Status::IOError(path_ + ": close failed: " + std::strerror(errno));
    }
    fd_ = -1;
  }
  return error_;
}

}  // namespace dp::tools
