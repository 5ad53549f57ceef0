#include "storage/dataset/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>

#include "storage/io.h"

namespace dp::internal {

using storage::ErrnoMessage;

std::string RandomHex128() {
  thread_local std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string s(32, '0');
  for (int w = 0; w < 4; ++w) {
    uint32_t x = rd();
    for (int i = 0; i < 8; ++i) s[w * 8 + i] = kHex[(x >> (i * 4)) & 0xF];
  }
  return s;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + ErrnoMessage(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError(path + ": cannot stat: " + ErrnoMessage(err));
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::Corruption(path + ": file is " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                              std::to_string(max_bytes));
  }
  std::vector<uint8_t> buf(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      ::close(fd);
      return n < 0 ? Status::IOError(path + ": read failed: " + ErrnoMessage(err))
                   : Status::Corruption(path + ": file shrank while being read");
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return buf;
}

namespace {
Status WriteSynced(const std::string& path, std::span<const uint8_t> bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(path + ": cannot create: " + ErrnoMessage(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return Status::IOError(path + ": write failed: " + ErrnoMessage(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return Status::IOError(path + ": fdatasync failed: " + ErrnoMessage(err));
  }
  ::close(fd);
  return Status::OK();
}
}  // namespace

Status PublishFile(const std::string& dir, const std::string& name, std::span<const uint8_t> bytes, bool* published,
                   int64_t deadline_us) {
  if (published) *published = false;
  const std::string tmp = dir + "/.tmp-" + RandomHex128();
  const std::string final_path = dir + "/" + name;
  DP_RETURN_IF_ERROR(WriteSynced(tmp, bytes));
  if (deadline_us != INT64_MAX && NowMicros() > deadline_us) {
    ::unlink(tmp.c_str());
    return Status::Conflict(final_path + ": not published, the commit attempt ran past its deadline");
  }
  if (::link(tmp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return Status::AlreadyExists(final_path + ": already exists");
    return Status::IOError(final_path + ": cannot link " + tmp + ": " + ErrnoMessage(err));
  }
  if (published) *published = true;
  ::unlink(tmp.c_str());
  return SyncDir(dir);
}

void WriteHintFile(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string tmp = dir + "/.tmp-" + RandomHex128();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) ::unlink(tmp.c_str());
}

Result<bool> FileExists(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return Status::IOError(path + ": cannot stat: " + ErrnoMessage(errno));
}

Result<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(dir + ": no such directory");
    return Status::IOError(dir + ": cannot list: " + ErrnoMessage(err));
  }
  std::vector<std::string> out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::OK();
  return Status::IOError(path + ": cannot create directory: " + ErrnoMessage(errno));
}

Status SyncDir(const std::string& dir) { return storage::SyncDirectory(dir); }

Result<std::pair<int64_t, uint64_t>> FileTimeAndSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot stat: " + ErrnoMessage(errno));
  }
  const int64_t us = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000;
  return std::pair<int64_t, uint64_t>(us, static_cast<uint64_t>(st.st_size));
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::OK();
  return Status::IOError(path + ": cannot remove: " + ErrnoMessage(errno));
}

}  // namespace dp::internal
