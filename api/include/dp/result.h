// dp::Result<T> — a value or an error Status (never both, never neither).
//
//   dp::Result<std::shared_ptr<dp::Segment>> seg = dp::Segment::Open(path);
//   if (!seg.ok()) return seg.status();
//   use((*seg)->num_rows());
//
// Inside the engine, DP_ASSIGN_OR_RETURN(auto x, Expr()) unwraps or returns.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

#include "dp/status.h"

namespace dp {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or from a non-OK status, so `return x;` and
  // `return Status::Corruption(...)` both work.
  Result(T value) : value_(std::move(value)) {}  // NOLINT
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result constructed from an OK Status without a value");
    if (status_.ok()) status_ = Status::Internal("Result constructed from OK status without a value");
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& value) : value_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T ValueOr(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  Status status_;          // OK iff value_ is set
  std::optional<T> value_;
};

}  // namespace dp

#define DP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

// DP_ASSIGN_OR_RETURN(auto x, MakeX()); — declares/assigns or returns the error.
#define DP_ASSIGN_OR_RETURN(lhs, expr) \
  DP_ASSIGN_OR_RETURN_IMPL(DP_STATUS_CONCAT(dp_result_tmp_, __LINE__), lhs, expr)
