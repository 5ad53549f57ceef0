// The one mapping from C++ exceptions (the standard library's, oneTBB's,
// allocation failure) to a Status. Public entry points run their bodies
// through Guard so that no exception crosses the API; code that runs work
// on other threads (scan tasks, column encoders) catches there and hands the
// Status on with CurrentExceptionStatus.
#pragma once

#include <string_view>

#include "dp/status.h"

namespace dp::internal {

// The Status of the exception being handled: ResourceExhausted for
// std::bad_alloc, Internal otherwise; the message starts with `what`.
// Call only inside a catch block.
Status CurrentExceptionStatus(std::string_view what);

template <typename F>
auto Guard(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    return CurrentExceptionStatus(what);
  }
}

}  // namespace dp::internal
