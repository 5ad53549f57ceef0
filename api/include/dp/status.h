// dp::Status — the error model of dpstore.
//
// Every fallible function returns a Status or a dp::Result<T> (result.h).
// No exception crosses the public API: anything that can throw inside the
// engine (allocation, TBB, the standard library) is caught at one seam and
// turned into a Status. Messages are written for the person who reads them:
// they name the file and, where it applies, the column, row group and page.
//
// Usage:
//   dp::Status s = writer->Finish();
//   if (!s.ok()) std::cerr << s.ToString() << "\n";
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace dp {

// Codes are coarse on purpose; the message carries the detail.
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument = 1,   // the caller passed something wrong
  kNotFound = 2,          // a file, column or version does not exist
  kCorruption = 3,        // bytes read from disk are not what the format allows
  kIOError = 4,           // the operating system refused an operation
  kNotSupported = 5,      // valid, but newer/other than this build understands
  kAlreadyExists = 6,
  kConflict = 7,          // lost a race (e.g. a concurrent commit); retryable
  kOutOfRange = 8,
  kResourceExhausted = 9, // a declared size exceeds a configured limit
  kInternal = 10,         // a bug in dpstore
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {StatusCode::kNotSupported, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsNotSupported() const { return code() == StatusCode::kNotSupported; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }

  // "Corruption: <message>"; "OK" when ok().
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status where ignoring it is the right thing.
  void IgnoreError() const {}

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;  // null == OK: the success path allocates nothing
};

}  // namespace dp

#define DP_STATUS_CONCAT_INNER(a, b) a##b
#define DP_STATUS_CONCAT(a, b) DP_STATUS_CONCAT_INNER(a, b)

// Returns early from the enclosing function if `expr` is not OK.
#define DP_RETURN_IF_ERROR(expr)                         \
  do {                                                   \
    ::dp::Status dp_status_tmp_ = (expr);                \
    if (!dp_status_tmp_.ok()) return dp_status_tmp_;     \
  } while (0)
