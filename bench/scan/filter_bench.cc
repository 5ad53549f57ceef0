// Kernels on encoded data against decoding every value first (the path
// before), in the same run, alternating (internal::scan::SetEncodedKernels):
// - F1..F4, on a `dpgen orders` segment: range predicates on for_bitpack
//   columns tested on the packed values, bounds moved by each page's base;
// - R1..R4, with --rle-rows N: sums, min/max/distinct and predicates on an
//   rle column (generated into /dev/shm), a run at a time.
//
//   build-rel/bench/scan/filter_bench --segment orders-10M.dpc [--runs 15] [--threads 1] [--only F1]
//   build-rel/bench/scan/filter_bench --rle-rows 10000000
//
// Prints per query the median time of each path over --runs alternating
// rounds (one warm-up each), the ratio, and checks that the answers agree.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "dp/scan.h"
#include "dp/segment.h"
#include "dp/writer.h"
#include "storage/scan/exec.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Query {
  const char* name;
  const char* text;
  dp::Predicate where;
  std::vector<dp::Aggregate> aggs;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "filter_bench: %s\n", msg.c_str());
  std::exit(1);
}

std::string Answer(const dp::AggregateResult& r) {
  std::string s;
  for (const dp::Value& v : r.rows.at(0)) {
    s += v.is_int() ? std::to_string(v.as_int()) : v.is_uint() ? std::to_string(v.as_uint()) : "?";
    s += " ";
  }
  return s;
}

// A segment of one rle int64 column "status": runs of 1..255 rows of
// values in [0, 50), in /dev/shm (removed at exit).
std::string WriteRleSegment(uint64_t rows) {
  const std::string path = "/dev/shm/filter_bench_rle_" + std::to_string(::getpid()) + ".dpc";
  auto schema = dp::Schema::Make({{"status", dp::DataType::Int64(), false}});
  if (!schema.ok()) Die(schema.status().ToString());
  dp::WriterOptions opt;
  opt.sync = false;
  opt.force_encoding = dp::Encoding::kRle;
  auto w = dp::SegmentWriter::Create(path, *schema, opt);
  if (!w.ok()) Die(w.status().ToString());
  std::mt19937_64 rng(42);
  std::vector<int64_t> v;
  const uint64_t chunk = 1 << 20;
  int64_t value = 0;
  uint64_t left = 0;
  for (uint64_t done = 0; done < rows;) {
    v.clear();
    for (uint64_t i = 0; i < chunk && done < rows; ++i, ++done) {
      if (left == 0) {
        value = int64_t(rng() % 50);
        left = 1 + rng() % 255;
      }
      --left;
      v.push_back(value);
    }
    const dp::Status st = (*w)->Append({dp::ColumnData::Of<int64_t>(v)});
    if (!st.ok()) Die(st.ToString());
  }
  const dp::Status st = (*w)->Finish();
  if (!st.ok()) Die(st.ToString());
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  std::string segment;
  int runs = 15, threads = 1;
  std::string only;
  uint64_t rle_rows = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--segment" && i + 1 < argc) {
      segment = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--rle-rows" && i + 1 < argc) {
      rle_rows = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: filter_bench --segment FILE.dpc [--runs 15] [--threads 1] [--only F1] [--rle-rows N]\n");
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  if (segment.empty() && rle_rows == 0) {
    Die("--segment FILE.dpc is required (make one with: dpgen orders --rows 10M), or --rle-rows N");
  }
  if (rle_rows > 0) segment = WriteRleSegment(rle_rows);
  auto seg = dp::Segment::Open(segment);
  if (!seg.ok()) Die(seg.status().ToString());
  auto source = dp::ScanSource::FromSegments({std::shared_ptr<const dp::Segment>(std::move(*seg))});
  if (!source.ok()) Die(source.status().ToString());

  using P = dp::Predicate;
  const std::vector<Query> rle_queries = {
      {"R1", "sum(status) (rle int64, runs of 1..255 rows)", P(), {dp::Aggregate::Sum("status")}},
      {"R2", "count(*) WHERE status BETWEEN 10 AND 20", P::Between("status", dp::Value::Int(10), dp::Value::Int(20)),
       {dp::Aggregate::Count()}},
      {"R3", "min(status), max(status), count(DISTINCT status)", P(),
       {dp::Aggregate::Min("status"), dp::Aggregate::Max("status"), dp::Aggregate::Distinct("status")}},
      {"R4", "sum(status) WHERE status IN (3, 30, 40)",
       P::In("status", {dp::Value::Int(3), dp::Value::Int(30), dp::Value::Int(40)}), {dp::Aggregate::Sum("status")}},
  };
  const std::vector<Query> orders_queries = {
      {"F1", "count(*) WHERE price_usd_cents BETWEEN 10000 AND 20000 (int64, 16-bit packed)",
       P::Between("price_usd_cents", dp::Value::Int(10000), dp::Value::Int(20000)), {dp::Aggregate::Count()}},
      {"F2", "count(*) WHERE product_id < 25000 (int32, 17-bit packed)", P::Lt("product_id", dp::Value::Int(25000)),
       {dp::Aggregate::Count()}},
      {"F3", "count(*), sum(price) WHERE price_usd_cents != 4242 (almost every row)",
       P::Ne("price_usd_cents", dp::Value::Int(4242)), {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents")}},
      {"F4", "count(*) WHERE price_usd_cents >= 49000 AND product_id < 50000 (both packed, ~1% pass)",
       P::And({P::Ge("price_usd_cents", dp::Value::Int(49000)), P::Lt("product_id", dp::Value::Int(50000))}),
       {dp::Aggregate::Count()}},
  };
  const std::vector<Query>& queries = rle_rows > 0 ? rle_queries : orders_queries;
  std::printf("segment %s, threads %d, %d alternating rounds, medians in ms\n", segment.c_str(), threads, runs);
  std::printf("%-4s %10s %10s %7s  %s\n", "q", "decoded", "encoded", "ratio", "query");
  for (const Query& q : queries) {
    if (!only.empty() && only != q.name) continue;
    dp::ScanSpec spec;
    spec.predicate = q.where;
    spec.threads = threads;
    dp::AggregateSpec agg;
    agg.aggregates = q.aggs;
    std::string answers[2];
    std::vector<double> ms[2];
    for (int round = -1; round < runs; ++round) {
      for (int packed = 0; packed < 2; ++packed) {
        dp::internal::scan::SetEncodedKernels(packed == 1);
        const auto t0 = Clock::now();
        auto r = dp::RunAggregate(*source, spec, agg);
        const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!r.ok()) Die(r.status().ToString());
        answers[packed] = Answer(*r);
        if (round >= 0) ms[packed].push_back(t);
      }
    }
    if (answers[0] != answers[1]) Die(std::string(q.name) + ": answers differ: " + answers[0] + "vs " + answers[1]);
    double med[2];
    for (int p = 0; p < 2; ++p) {
      std::sort(ms[p].begin(), ms[p].end());
      med[p] = ms[p][ms[p].size() / 2];
    }
    std::printf("%-4s %10.2f %10.2f %6.2fx  %s = %s\n", q.name, med[0], med[1], med[0] / med[1], q.text,
                answers[1].c_str());
  }
  dp::internal::scan::SetEncodedKernels(true);
  if (rle_rows > 0) std::remove(segment.c_str());
  return 0;
}
