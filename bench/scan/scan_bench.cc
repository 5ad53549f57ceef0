// Scan/aggregate benchmark on `dpgen orders` data: the peer-comparison
// questions Q1-Q6 (bench/peer/queries.md) and a high-cardinality group-by (G)
// through the public scan API with 1 and 2 threads, and a memory-bandwidth
// baseline (a plain int64 sum over the decoded price column in memory) in
// the same run.
//
//   build/bench/scan/scan_bench [--rows 10000000] [--runs 5] [--dir /dev/shm]
//       [--only Q3] [--threads 1,2] [--max-parallelism N]
//       [--merge model|serial|partitioned]
//
// --max-parallelism lets oneTBB run more workers than there are cores
// (e.g. 16 on 2 cores: the merge work of 16 worker partials, measured on a
// small machine); --merge forces how worker partials of a group-by merge
// (internal::scan::SetMergeChoice).
//
// The data is generated at start into --dir (deleted at exit). Prints the
// median of --runs timed runs after one warm-up, the answers, and ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include <memory>
#include <sstream>

#include "dp/scan.h"
#include "dp/segment.h"
#include "dp/writer.h"
#include "storage/scan/aggregate.h"
#include "tools/dpgen/orders.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t k20240401 = 1'711'929'600 * kSecond;
constexpr int64_t k20240601 = 1'717'200'000 * kSecond;
constexpr int64_t k20240701 = 1'719'792'000 * kSecond;

double MedianMs(int runs, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void Die(const dp::Status& s) {
  std::fprintf(stderr, "scan_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

std::string Text(const dp::Value& v) {
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_uint()) return std::to_string(v.as_uint());
  if (v.is_double()) return std::to_string(v.as_double());
  if (v.is_bytes()) return v.as_bytes();
  return "null";
}

dp::AggregateResult Agg(const dp::ScanSource& src, dp::ScanSpec spec, const dp::AggregateSpec& agg) {
  auto r = dp::RunAggregate(src, spec, agg);
  if (!r.ok()) Die(r.status());
  return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 10'000'000;
  int runs = 5;
  std::string dir = "/dev/shm";
  std::string only;  // --only Q3: run one question (profiling)
  std::string thread_list = "1,2", merge = "model";
  int max_parallelism = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads")) thread_list = argv[i + 1];
    else if (!std::strcmp(argv[i], "--max-parallelism")) max_parallelism = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--merge")) merge = argv[i + 1];
    else {
      std::fprintf(stderr, "scan_bench: unknown option %s (see the comment at the top of scan_bench.cc)\n", argv[i]);
      return 2;
    }
  }
  std::vector<int> thread_counts;
  {
    std::stringstream list(thread_list);
    for (std::string t; std::getline(list, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));
  }
  std::unique_ptr<tbb::global_control> parallelism;
  if (max_parallelism > 0) {
    parallelism = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                        size_t(max_parallelism));
  }
  using dp::internal::scan::MergeChoice;
  if (merge == "serial") dp::internal::scan::SetMergeChoice(MergeChoice::kSerial);
  else if (merge == "partitioned") dp::internal::scan::SetMergeChoice(MergeChoice::kPartitioned);
  else if (merge != "model") {
    std::fprintf(stderr, "scan_bench: --merge is model, serial or partitioned, not %s\n", merge.c_str());
    return 2;
  }
  const std::string path = dir + "/scan_bench_orders_" + std::to_string(rows) + ".dpc";
  std::filesystem::remove(path);
  {
    auto schema = dp::tools::OrdersGenerator::MakeSchema();
    dp::WriterOptions opt;
    opt.sync = false;
    auto w = dp::SegmentWriter::Create(path, *schema, opt);
    if (!w.ok()) Die(w.status());
    dp::tools::OrdersGenerator gen(rows, 42);
    dp::tools::OrdersBatch batch;
    while (gen.rows_left() > 0) {
      gen.Next(64 * 1024, &batch);
      auto cols = batch.Columns();
      if (auto s = (*w)->Append(cols); !s.ok()) Die(s);
    }
    if (auto s = (*w)->Finish(); !s.ok()) Die(s);
  }
  auto seg = dp::Segment::Open(path);
  if (!seg.ok()) Die(seg.status());
  auto src = dp::ScanSource::FromSegments({*seg});
  if (!src.ok()) Die(src.status());
  std::printf("scan_bench: %llu rows of dpgen orders (seed 42), %.1f MB on disk, %d row groups; median of %d runs\n",
              (unsigned long long)rows, double((*seg)->file_size()) / 1e6, (*seg)->num_row_groups(), runs);

  // Baseline: a plain sum over the decoded int64 column in memory.
  auto price = (*seg)->ReadColumn("price_usd_cents");
  if (!price.ok()) Die(price.status());
  const auto pv = price->values<int64_t>();
  volatile int64_t sink = 0;
  const double base_ms = MedianMs(runs, [&] {
    int64_t s = 0;
    for (int64_t v : pv) s += v;
    sink = s;
  });
  std::printf("baseline  plain int64 sum over memory: %8.2f ms  (%.2fe9 values/s)\n", base_ms,
              double(rows) / base_ms / 1e6);

  for (int threads : thread_counts) {
    dp::ScanSpec spec;
    spec.threads = threads;
    std::printf("\n-- threads %d --\n", threads);
    auto report = [&](const char* q, double ms, const std::string& answer) {
      std::printf("%-4s %8.2f ms  %6.2fx baseline  %s\n", q, ms, ms / base_ms, answer.c_str());
    };
    if (only.empty() || only == "Q1") {
      dp::AggregateSpec a;
      a.aggregates = {dp::Aggregate::Sum("price_usd_cents")};
      dp::AggregateResult r;
      const double ms = MedianMs(runs, [&] { r = Agg(*src, spec, a); });
      report("Q1", ms, "sum(price)=" + Text(r.rows[0][0]));
    }
    if (only.empty() || only == "Q2") {
      dp::ScanSpec s = spec;
      s.time_range = dp::TimeRange{"ts", k20240601, k20240701};
      dp::AggregateSpec a;
      a.aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("quantity")};
      dp::AggregateResult r;
      const double ms = MedianMs(runs, [&] { r = Agg(*src, s, a); });
      report("Q2", ms, "count=" + Text(r.rows[0][0]) + " sum(quantity)=" + Text(r.rows[0][1]) + "  [" +
                           r.stats.ToString() + "]");
    }
    if (only.empty() || only == "Q3") {
      dp::AggregateSpec a;
      a.group_by = {"category"};
      a.aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents"), dp::Aggregate::Avg("discount")};
      dp::AggregateResult r;
      const double ms = MedianMs(runs, [&] { r = Agg(*src, spec, a); });
      report("Q3", ms, std::to_string(r.rows.size()) + " groups; first " + Text(r.rows[0][0]) + " count=" +
                           Text(r.rows[0][1]) + " sum=" + Text(r.rows[0][2]) + " avg=" + Text(r.rows[0][3]));
    }
    if (only.empty() || only == "Q4") {
      dp::ScanSpec s = spec;
      s.predicate = dp::Predicate::Eq("country", dp::Value::Bytes("DE"));
      s.time_range = dp::TimeRange{"ts", k20240401, k20240701};
      dp::AggregateSpec a;
      a.bucket = dp::TimeBucket::kDay;
      a.aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents")};
      dp::AggregateResult r;
      const double ms = MedianMs(runs, [&] { r = Agg(*src, s, a); });
      report("Q4", ms, std::to_string(r.rows.size()) + " days; first count=" + Text(r.rows[0][1]) + " sum=" +
                           Text(r.rows[0][2]) + "  [" + r.stats.ToString() + "]");
    }
    if (only.empty() || only == "Q5") {
      dp::AggregateSpec a;
      a.aggregates = {dp::Aggregate::Distinct("customer_id")};
      dp::AggregateResult r;
      const double ms = MedianMs(runs, [&] { r = Agg(*src, spec, a); });
      report("Q5e", ms, "distinct(customer_id)=" + Text(r.rows[0][0]));
      a.aggregates = {dp::Aggregate::ApproxDistinct("customer_id")};
      const double ms2 = MedianMs(runs, [&] { r = Agg(*src, spec, a); });
      report("Q5a", ms2, "approx_distinct(customer_id)=" + Text(r.rows[0][0]));
    }
    if (only.empty() || only == "G") {
      // High-cardinality keys: the hash-table group-by (customer_id ~ 0.9M
      // groups at 10M rows; order_id: one group per 3 rows).
      for (const char* key : {"customer_id", "order_id"}) {
        dp::AggregateSpec a;
        a.group_by = {key};
        a.aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents")};
        dp::AggregateResult r;
        const double ms = MedianMs(runs, [&] { r = Agg(*src, spec, a); });
        std::printf("G    %8.2f ms  %6.2fx baseline  group by %s: %zu groups, %.3gM rows/s\n", ms, ms / base_ms, key,
                    r.rows.size(), double(rows) / ms / 1e3);
      }
    }
    if (only.empty() || only == "Q6") {
      dp::ScanSpec s = spec;
      s.projection = {"order_id", "customer_id", "quantity", "price_usd_cents"};
      s.predicate = dp::Predicate::And({dp::Predicate::Ge("quantity", dp::Value::Int(5)),
                                        dp::Predicate::Gt("discount", dp::Value::Double(0))});
      uint64_t out_rows = 0;
      const double ms = MedianMs(runs, [&] {
        auto sc = dp::Scanner::Open(*src, s);
        if (!sc.ok()) Die(sc.status());
        dp::Batch b;
        int64_t acc = 0;
        out_rows = 0;
        while (true) {
          auto more = (*sc)->Next(&b);
          if (!more.ok()) Die(more.status());
          if (!*more) break;
          for (int64_t v : b.column(0).values<int64_t>()) acc += v;
          for (int64_t v : b.column(1).values<int64_t>()) acc += v;
          for (int32_t v : b.column(2).values<int32_t>()) acc += v;
          for (int64_t v : b.column(3).values<int64_t>()) acc += v;
          out_rows += b.num_rows;
        }
        sink = acc;
      });
      std::printf("Q6   %8.2f ms  %6.2fx baseline  %llu rows out; %.3gM input rows/s (%.3gM per thread)\n", ms,
                  ms / base_ms, (unsigned long long)out_rows, double(rows) / ms / 1e3,
                  double(rows) / ms / 1e3 / threads);
    }
  }
  (void)sink;
  std::filesystem::remove(path);
  return 0;
}
