// A writer process for the crash and concurrency tests: appends batches of
// `rows` rows with ids batch * rows + i and, after each acknowledged commit,
// appends "<batch> <version>\n" to the ack file.
//
//   dataset_writer_child ROOT PRODUCT DATASET FIRST_BATCH NUM_BATCHES ROWS ACK_FILE
//   (NUM_BATCHES 0 = forever, until killed)
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "dp/dataset.h"
#include "tests/storage/dataset_test_util.h"

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s ROOT PRODUCT DATASET FIRST_BATCH NUM_BATCHES ROWS ACK_FILE\n", argv[0]);
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
  const int ack = ::open(argv[7], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (ack < 0) return 4;
  for (long long b = first; num == 0 || b < first + num; ++b) {
    auto v = dp::testing::AppendBatch(*ds, b * rows, static_cast<size_t>(rows));
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
