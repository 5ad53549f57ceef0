// A writer process for the crash and concurrency tests: appends batches of
// `rows` rows with ids batch * rows + i and, after each acknowledged commit,
// appends "<batch> <version>\n" to the ack file.
//
//   dataset_writer_child ROOT PRODUCT DATASET FIRST_BATCH NUM_BATCHES ROWS ACK_FILE [MODE]
//   (NUM_BATCHES 0 = forever, until killed)
//
// MODE is `append` (the default, as above), `compact` (compacts the dataset
// into segments of 8 * ROWS rows, NUM_BATCHES times or forever) or `gc`
// (keeps the newest 3 versions, fenced by a 600 ms retention grace period,
// and collects garbage with a 10 s grace period, which protects the
// segments of appends in flight, NUM_BATCHES times or forever). Commit
// attempts of the other modes give up after 300 ms. The maintenance modes
// write nothing to the ack file.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "dp/dataset.h"
#include "tests/storage/dataset_test_util.h"

int main(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    std::fprintf(stderr, "usage: %s ROOT PRODUCT DATASET FIRST_BATCH NUM_BATCHES ROWS ACK_FILE [append|compact|gc]\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = argc == 9 ? argv[8] : "append";
  if (mode != "append" && mode != "compact" && mode != "gc") {
    std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  auto mesh = dp::Mesh::Open(argv[1]);
  if (!mesh.ok()) return 3;
  auto ds = mesh->OpenDataset(argv[2], argv[3]);
  if (!ds.ok()) {
    std::fprintf(stderr, "%s\n", ds.status().ToString().c_str());
    return 3;
  }
  const long long first = std::atoll(argv[4]), num = std::atoll(argv[5]), rows = std::atoll(argv[6]);
  if (mode != "append") {
    for (long long i = 0; num == 0 || i < num; ++i) {
      dp::Status st;
      if (mode == "compact") {
        dp::CompactionOptions o;
        o.target_rows_per_segment = static_cast<uint64_t>(rows) * 8;
        o.max_commit_attempt_us = 300'000;
        st = ds->Compact(o).status();
      } else {
        dp::RetentionOptions r;
        r.keep_last = 3;
        r.grace_period_us = 600'000;  // > the 300 ms commit attempts of the other modes
        st = ds->ExpireVersions(r).status();
        if (st.ok()) st = ds->CollectGarbage({.grace_period_us = 10'000'000}).status();
      }
      // A compaction that loses a race with a concurrent append/compaction
      // may conflict; that is an expected outcome, not a failure.
      if (!st.ok() && st.code() != dp::StatusCode::kConflict) {
        std::fprintf(stderr, "%s %lld: %s\n", mode.c_str(), i, st.ToString().c_str());
        return 5;
      }
    }
    return 0;
  }
  const int ack = ::open(argv[7], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (ack < 0) return 4;
  for (long long b = first; num == 0 || b < first + num; ++b) {
    dp::TransactionOptions o;
    o.max_commit_attempt_us = 300'000;  // the `gc` mode's retention fence is longer
    auto v = dp::testing::AppendBatch(*ds, b * rows, static_cast<size_t>(rows), o);
    if (!v.ok()) {
      std::fprintf(stderr, "batch %lld: %s\n", b, v.status().ToString().c_str());
      return 5;
    }
    const std::string line = std::to_string(b) + " " + std::to_string(v->version) + "\n";
    if (::write(ack, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 6;
  }
  ::close(ack);
  return 0;
}
