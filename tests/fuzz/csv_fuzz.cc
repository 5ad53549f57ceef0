// Fuzz target: CSV text -> tools/dpload's reader (ParseBytes) with a schema of
// every type and options chosen by the first two bytes (dpload_fuzz.h).
#include "tests/fuzz/dpload_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return dp::fuzz::FuzzDpload(data, size, dp::tools::dpload::InputFormat::kCsv);
}
