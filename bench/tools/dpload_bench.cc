// dpload throughput on dpgen's order-events CSV.
//
//   dpload_bench [--rows N] [--dir DIR] [--runs R]
//
// Writes N rows of `dpgen orders` CSV (seed 1) into DIR first (not timed,
// removed at the end), then times, median of R runs, each on a warm page
// cache:
//   - baseline read:   read(2) of the whole file in 1 MiB chunks;
//   - baseline lines:  the same plus memchr over every byte for '\n';
//   - parse only:      dpload's CSV reader into a sink that drops batches;
//   - load, 1 thread:  parse + SegmentWriter (fsync on) on one thread;
//   - load, 2 threads: the same with the writer on a second thread.
// Reports rows/s and MB/s of each and the ratios to the line-count baseline.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/dpgen/orders.h"
#include "tools/dpgen/orders_csv.h"
#include "tools/dpload/load.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace dp::tools;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class NullSink final : public dpload::BatchSink {
 public:
  dp::Status Append(std::span<const dp::ColumnData>, uint64_t) override { return dp::Status::OK(); }
  dp::Status Finish() override { return dp::Status::OK(); }
  void Abort() override {}
};

uint64_t ReadAll(const std::string& path, bool count_lines) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) { std::perror(path.c_str()); std::exit(1); }
  std::vector<char> buf(1 << 20);
  uint64_t lines = 0, bytes = 0;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    bytes += static_cast<uint64_t>(n);
    if (count_lines) {
      const char* p = buf.data();
      const char* end = p + n;
      while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr) {
        ++lines;
        ++p;
      }
    }
  }
  ::close(fd);
  return count_lines ? lines : bytes;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 10'000'000;
  std::string dir = std::filesystem::temp_directory_path().string();
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows") rows = std::stoull(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--runs") runs = std::stoi(argv[i + 1]);
    else { std::fprintf(stderr, "usage: dpload_bench [--rows N] [--dir DIR] [--runs R]\n"); return 2; }
  }
  auto schema = OrdersGenerator::MakeSchema();
  const std::string csv = dir + "/dpload_bench_" + std::to_string(::getpid()) + ".csv";
  const std::string out = dir + "/dpload_bench_" + std::to_string(::getpid()) + ".dpc";
  {
    auto w = OrdersCsvWriter::Create(csv, *schema);
    if (!w.ok()) { std::fprintf(stderr, "%s\n", w.status().ToString().c_str()); return 1; }
    OrdersGenerator gen(rows, 1);
    OrdersBatch batch;
    while (gen.rows_left() > 0) {
      gen.Next(64 * 1024, &batch);
      (*w)->Write(batch);
    }
    if (!(*w)->Close().ok()) return 1;
  }
  const double mb = static_cast<double>(std::filesystem::file_size(csv)) / 1e6;
  std::printf("dpload_bench: %llu rows of dpgen orders CSV, %.1f MB, median of %d runs\n",
              static_cast<unsigned long long>(rows), mb, runs);

  auto time = [&](auto&& fn) {
    std::vector<double> t;
    for (int r = 0; r < runs; ++r) {
      const auto start = Clock::now();
      fn();
      t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    return Median(t);
  };
  auto load = [&](dpload::BatchSink* sink, bool thread) {
    dpload::ReaderOptions o;
    o.writer_thread = thread;
    const std::vector<std::string> inputs = {csv};
    auto st = dpload::LoadInputs(inputs, *schema, o, sink, nullptr);
    if (!st.ok() || st->rows != rows) {
      std::fprintf(stderr, "load failed: %s\n", st.status().ToString().c_str());
      std::exit(1);
    }
  };
  ReadAll(csv, false);  // warm the page cache
  const double t_read = time([&] { ReadAll(csv, false); });
  const double t_lines = time([&] {
    if (ReadAll(csv, true) != rows + 1) std::exit(1);
  });
  const double t_parse = time([&] {
    NullSink sink;
    load(&sink, false);
  });
  auto segment = [&](bool thread) {
    return time([&] {
      std::filesystem::remove(out);
      auto sink = dpload::SegmentSink::Create(out, *schema);
      if (!sink.ok()) std::exit(1);
      load(sink->get(), thread);
    });
  };
  const double t_load1 = segment(false);
  const double t_load2 = segment(true);
  std::filesystem::remove(out);
  std::filesystem::remove(csv);

  auto line = [&](const char* what, double t) {
    std::printf("  %-28s %8.3f s %8.2fM rows/s %8.1f MB/s  %5.2fx the line-count time\n", what, t,
                static_cast<double>(rows) / t / 1e6, mb / t, t / t_lines);
  };
  line("baseline: read(2)", t_read);
  line("baseline: read + memchr '\\n'", t_lines);
  line("dpload parse only (1 thr)", t_parse);
  line("dpload -> segment, 1 thread", t_load1);
  line("dpload -> segment, 2 threads", t_load2);
  return 0;
}
