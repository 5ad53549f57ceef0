// Dataset versions: commit latency (append of 1 row; of 1M rows), opening a
// dataset with 10,000 versions and 10,000 segments (latest; as of an old
// time; target < 10 ms each), and compaction throughput.
//
// DP_BENCH_DIR picks the directory (default: the system temp dir); commit
// latency includes every fsync of the commit protocol, so it depends on the
// file system (/dev/shm makes fsync free).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dp/dataset.h"

namespace {

namespace fs = std::filesystem;

std::string BenchDir(const std::string& name) {
  const char* env = std::getenv("DP_BENCH_DIR");
  fs::path base = env ? fs::path(env) : fs::temp_directory_path();
  fs::path p = base / ("dp_dataset_bench_" + name);
  fs::remove_all(p);
  return p.string();
}

dp::Schema BenchSchema() {
  return *dp::Schema::Make({{"id", dp::DataType::Int64(), false},
                            {"ts", dp::DataType::Timestamp(dp::TimeUnit::kMicro), false},
                            {"price", dp::DataType::Float64(), true},
                            {"qty", dp::DataType::Int32(), true}});
}

struct Rows {
  std::vector<int64_t> id, ts;
  std::vector<double> price;
  std::vector<int32_t> qty;
  std::vector<dp::ColumnData> cols;
  Rows(int64_t first, size_t n, uint64_t seed) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      id.push_back(first + static_cast<int64_t>(i));
      ts.push_back(1'700'000'000'000'000 + static_cast<int64_t>(x % 86'400'000'000ull));
      price.push_back(static_cast<double>(x % 100000) / 100.0);
      qty.push_back(static_cast<int32_t>(x % 10));
    }
    cols = {dp::ColumnData::Of<int64_t>(id), dp::ColumnData::Of<int64_t>(ts), dp::ColumnData::Of<double>(price),
            dp::ColumnData::Of<int32_t>(qty)};
  }
};

dp::Dataset MakeDataset(const std::string& root) {
  auto mesh = dp::Mesh::Open(root, true);
  auto product = mesh->CreateProduct({.name = "bench"});
  auto ds = product->CreateDataset({.name = "events", .kind = dp::DatasetKind::kEvents, .event_time_column = "ts"},
                                   BenchSchema());
  if (!ds.ok()) std::abort();
  return *ds;
}

void Append(const dp::Dataset& ds, const Rows& rows, bool sync = true) {
  dp::TransactionOptions o;
  o.writer.sync = sync;
  auto txn = ds.Begin(dp::Operation::kAppend, o);
  if (!txn.ok() || !(*txn)->Append(rows.cols).ok() || !(*txn)->Commit("bench", "bench").ok()) std::abort();
}

void BM_CommitAppend(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  dp::Dataset ds = MakeDataset(BenchDir("commit_" + std::to_string(n)));
  Rows rows(0, n, 1);
  for (auto _ : state) Append(ds, rows);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_CommitAppend)->Arg(1)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

// 10,000 versions, each adding one segment (built once, without segment fsync).
struct Big {
  dp::Dataset ds;
  int64_t old_time_us;
};
const Big& BigDataset() {
  static const Big big = [] {
    dp::Dataset ds = MakeDataset(BenchDir("10k"));
    Rows rows(0, 1, 7);
    int64_t old_time = 0;
    for (int v = 1; v <= 10000; ++v) {
      Append(ds, rows, /*sync=*/false);
      if (v == 100) old_time = (*ds.Latest())->info().commit_time_us;
    }
    return Big{ds, old_time};
  }();
  return big;
}

void BM_Open10kLatest(benchmark::State& state) {
  const Big& big = BigDataset();
  for (auto _ : state) {
    auto s = big.ds.Latest();
    if (!s.ok() || (*s)->num_segments() != 10000) std::abort();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Open10kLatest)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Open10kAsOfOld(benchmark::State& state) {
  const Big& big = BigDataset();
  for (auto _ : state) {
    auto s = big.ds.AsOf(big.old_time_us);
    if (!s.ok() || (*s)->info().version != 100) std::abort();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Open10kAsOfOld)->Unit(benchmark::kMillisecond)->UseRealTime();

// Open the latest through a fresh Mesh + address, as a server would.
void BM_Open10kResolveAddress(benchmark::State& state) {
  const Big& big = BigDataset();
  const std::string root = fs::path(big.ds.path()).parent_path().parent_path().string();
  for (auto _ : state) {
    auto mesh = dp::Mesh::Open(root);
    auto s = mesh->Resolve("dp://bench/events");
    if (!s.ok()) std::abort();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Open10kResolveAddress)->Unit(benchmark::kMillisecond)->UseRealTime();

// 100 segments x 10,000 rows compacted into one 1M-row segment, sorted by ts.
void BM_Compaction(benchmark::State& state) {
  int64_t rows_done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    dp::Dataset ds = MakeDataset(BenchDir("compact"));
    for (int s = 0; s < 100; ++s) Append(ds, Rows(s * 10000, 10000, static_cast<uint64_t>(s + 1)), false);
    state.ResumeTiming();
    auto v = ds.Compact({.target_rows_per_segment = 1'000'000});
    if (!v.ok() || v->num_segments != 1) std::abort();
    rows_done += static_cast<int64_t>(v->num_rows);
  }
  state.SetItemsProcessed(rows_done);
}
BENCHMARK(BM_Compaction)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
