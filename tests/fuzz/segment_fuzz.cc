// Fuzz target: a segment file is hostile input. Open it, read every column of
// every row group, stream every column in blocks, and verify it in full.
// Nothing may crash, leak, hang or read outside the mapping; errors are fine.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dp/segment.h"

namespace {

// libFuzzer runs inputs one after another in one process: one scratch file
// per process, rewritten for each input (Segment::Open reads files). The path
// is never destroyed: the exit handler, registered before the static was
// constructed, runs after its destructor would have.
const std::string& ScratchPath() {
  static const std::string* const path = [] {
    auto* p = new std::string("/dev/shm/dp-segment-fuzz-" + std::to_string(::getpid()) + ".dpc");
    std::atexit([] { ::unlink(ScratchPath().c_str()); });
    return p;
  }();
  return *path;
}

bool WriteScratch(const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(ScratchPath().c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4u << 20) || !WriteScratch(data, size)) return 0;
  dp::OpenOptions options;
  options.max_metadata_bytes = 1u << 20;
  auto segment = dp::Segment::Open(ScratchPath(), options);
  if (!segment.ok()) return 0;
  const dp::Segment& seg = **segment;
  for (int c = 0; c < seg.num_columns(); ++c) {
    (void)seg.column_stats(c);
    for (int rg = 0; rg < seg.num_row_groups(); ++rg) {
      (void)seg.column_chunk(c, rg);
      auto column = seg.ReadColumn(c, rg);
      if (column.ok()) (void)column->null_count();
    }
    auto blocks = seg.ReadBlocks(c);
    if (blocks.ok()) {
      dp::Block block;
      while (true) {
        auto more = (*blocks)->Next(&block);
        if (!more.ok() || !*more) break;
      }
    }
  }
  (void)seg.schema().ToString();
  (void)seg.Verify();
  return 0;
}
