// dpload throughput on dpgen's order-events CSV.
//
//   dpload_bench [--rows N] [--dir DIR] [--runs R] [--mode all|segment|dataset]
//                [--contract FILE.yaml]
//
// Writes N rows of `dpgen orders` CSV (seed 1) into DIR first (not timed,
// removed at the end), then times, median of R runs, each on a warm page
// cache:
//   - baseline read:   read(2) of the whole file in 1 MiB chunks;
//   - baseline lines:  the same plus memchr over every byte for '\n';
//   - parse only:      dpload's CSV reader into a sink that drops batches;
//   segment mode:
//   - load, 1 thread:  parse + SegmentWriter (fsync on) on one thread;
//   - load, 2 threads: the same with the writer on a second thread;
//   dataset mode (what `dpload --into dp://orders/order_items` does), each
//   run into a fresh dataset of a mesh under DIR created from the contract
//   (creation not timed), commit included:
//   - parse + validate: the reader into a sink that only runs the contract's
//     ContractValidator (no write);
//   - dataset, no contract / with contract, 1 and 2 threads: TransactionSink
//     (append, one commit), without and with validation.
// Reports rows/s and MB/s of each and the ratios to the line-count baseline.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include "dp/contract.h"
#include "dp/dataset.h"
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

// Runs the contract's validator over every batch and writes nothing.
class ValidateSink final : public dpload::BatchSink {
 public:
  explicit ValidateSink(std::unique_ptr<dp::ContractValidator> v) : v_(std::move(v)) {}
  dp::Status Append(std::span<const dp::ColumnData> cols, uint64_t first_row) override {
    return v_->Validate(cols, first_row);
  }
  dp::Status Finish() override { return dp::Status::OK(); }
  void Abort() override {}

 private:
  std::unique_ptr<dp::ContractValidator> v_;
};

void Check(const dp::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

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
  std::string mode = "all";
  std::string contract_path = DP_SOURCE_DIR "/tests/data/contracts/orders.yaml";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows") rows = std::stoull(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--runs") runs = std::stoi(argv[i + 1]);
    else if (a == "--mode") mode = argv[i + 1];
    else if (a == "--contract") contract_path = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: dpload_bench [--rows N] [--dir DIR] [--runs R] [--mode all|segment|dataset] "
                           "[--contract FILE.yaml]\n");
      return 2;
    }
  }
  if (argc % 2 == 0 || (mode != "all" && mode != "segment" && mode != "dataset")) {
    std::fprintf(stderr, "dpload_bench: bad arguments (see the file comment)\n");
    return 2;
  }
  const bool segment_mode = mode != "dataset";
  const bool dataset_mode = mode != "segment";
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
      if constexpr (std::is_same_v<decltype(fn()), double>) {
        t.push_back(fn());  // fn times itself (setup excluded)
      } else {
        fn();
        t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
      }
    }
    return Median(t);
  };
  auto load = [&](dpload::BatchSink* sink, bool thread, const dp::Schema* as = nullptr) {
    dpload::ReaderOptions o;
    o.writer_thread = thread;
    const std::vector<std::string> inputs = {csv};
    auto st = dpload::LoadInputs(inputs, as != nullptr ? *as : *schema, o, sink, nullptr);
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
    dpload::DiscardSink sink;
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
  const double t_load1 = segment_mode ? segment(false) : 0;
  const double t_load2 = segment_mode ? segment(true) : 0;
  std::filesystem::remove(out);

  // Dataset mode: a fresh dataset per run (created untimed), one append.
  double t_validate = 0, t_ds1 = 0, t_ds2 = 0, t_dsc1 = 0, t_dsc2 = 0;
  if (dataset_mode) {
    auto contract = dp::Contract::ReadFile(contract_path);
    Check(contract.status(), "contract");
    const std::string root = dir + "/dpload_bench_" + std::to_string(::getpid()) + "_mesh";
    auto mesh = dp::Mesh::Open(root, /*create=*/true);
    Check(mesh.status(), "mesh");
    const dp::ContractProduct& cp = contract->product();
    auto product = mesh->CreateProduct({.name = cp.name, .domain = cp.domain, .owner = cp.owner});
    Check(product.status(), "product");
    int serial = 0;
    auto dataset_load = [&](bool thread, bool validate) {
      std::string name;
      std::unique_ptr<dpload::TransactionSink> sink;
      const double t = time([&] {
        sink.reset();
        if (!name.empty()) std::filesystem::remove_all(product->path() + "/" + name);
        name = "ds" + std::to_string(serial++);
        auto ds = product->CreateDataset({.name = name,
                                          .kind = dp::DatasetKind::kEvents,
                                          .event_time_column = contract->dataset().event_time},
                                         contract->schema());
        Check(ds.status(), "dataset");
        const auto start = Clock::now();  // the timed part: Begin .. Commit
        dpload::TransactionSink::Options o;
        o.contract = validate ? &*contract : nullptr;
        auto s = dpload::TransactionSink::Begin(*ds, std::move(o));
        Check(s.status(), "begin");
        sink = std::move(*s);
        load(sink.get(), thread, &sink->schema());
        if (!sink->committed() || sink->committed()->num_rows != rows) {
          std::fprintf(stderr, "dataset load: wrong commit\n");
          std::exit(1);
        }
        return std::chrono::duration<double>(Clock::now() - start).count();
      });
      sink.reset();
      std::filesystem::remove_all(product->path() + "/" + name);
      return t;
    };
    t_validate = time([&] {
      auto v = contract->NewValidator();
      Check(v.status(), "validator");
      ValidateSink sink(std::move(*v));
      load(&sink, false);
    });
    t_ds1 = dataset_load(false, false);
    t_ds2 = dataset_load(true, false);
    t_dsc1 = dataset_load(false, true);
    t_dsc2 = dataset_load(true, true);
    std::filesystem::remove_all(root);
  }
  std::filesystem::remove(csv);

  auto line = [&](const char* what, double t) {
    std::printf("  %-36s %8.3f s %8.2fM rows/s %8.1f MB/s  %5.2fx the line-count time\n", what, t,
                static_cast<double>(rows) / t / 1e6, mb / t, t / t_lines);
  };
  line("baseline: read(2)", t_read);
  line("baseline: read + memchr '\\n'", t_lines);
  line("dpload parse only (1 thr)", t_parse);
  if (segment_mode) {
    line("dpload -> segment, 1 thread", t_load1);
    line("dpload -> segment, 2 threads", t_load2);
  }
  if (dataset_mode) {
    line("dpload parse + validate (1 thr)", t_validate);
    line("dpload -> dataset, 1 thread", t_ds1);
    line("dpload -> dataset, 2 threads", t_ds2);
    line("dpload -> dataset + contract, 1 thr", t_dsc1);
    line("dpload -> dataset + contract, 2 thr", t_dsc2);
    std::printf("  contract validation costs %+.1f%% (1 thread), %+.1f%% (2 threads) of the load time\n",
                100.0 * (t_dsc1 / t_ds1 - 1), 100.0 * (t_dsc2 / t_ds2 - 1));
  }
  return 0;
}
