// The one place where C++ exceptions from the standard library, TBB or
// allocation are turned into a Status: every public entry point runs its body
// through DP_API_GUARD so no exception crosses the API.
#pragma once

#include <new>
#include <stdexcept>

#include "dp/status.h"

namespace dp::internal {

template <typename F>
auto Guard(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    return Status::Internal(std::string(what) + ": unexpected exception: " + e.what());
  }
}

}  // namespace dp::internal
