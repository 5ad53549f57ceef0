// dpstore side of the peer comparison (bench/peer/run.sh, queries.md): runs
// Q1..Q6 through the public scan API over a `dpgen orders` segment with each
// thread count, page cache warm, one warm-up run, median of --runs, and
// prints JSON (answers included, rendered like DuckDB's) for compare.mjs.
//
//   dpstore_orders --segment FILE.dpc [--threads 1,2] [--runs 5] [--only Q3,Q4]
//
// --only runs just the named queries (for profiling one of them).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "dp/scan.h"
#include "dp/segment.h"

namespace {

using Clock = std::chrono::steady_clock;
// Results are stored here so the compiler cannot drop the work that made them.
volatile uint64_t g_sink = 0;
using Answer = std::vector<std::vector<std::string>>;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

int64_t Us(const char* rfc3339) { return *dp::ParseTimestamp(rfc3339, dp::TimeUnit::kMicro); }

// DuckDB prints TIMESTAMP as "2024-04-01 00:00:00" and doubles in shortest form.
std::string Cell(const dp::Value& v, const dp::DataType& type) {
  if (type.id == dp::TypeId::kTimestamp && v.is_int()) {
    std::string s = dp::FormatTimestamp(v.as_int() / 1'000'000, dp::TimeUnit::kSecond, true);
    s[10] = ' ';
    s.pop_back();  // 'Z'
    return s;
  }
  return v.ToString(type);
}

Answer ToAnswer(const dp::AggregateResult& r) {
  Answer a;
  for (const auto& row : r.rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) cells.push_back(Cell(row[c], r.types[c]));
    a.push_back(std::move(cells));
  }
  return a;
}

struct Query {
  std::string name;
  std::function<dp::Result<Answer>(int threads, uint64_t* delivered)> run;
};

dp::Result<Answer> Aggregate(const dp::ScanSource& source, int threads, dp::ScanSpec spec, dp::AggregateSpec agg) {
  spec.threads = threads;
  DP_ASSIGN_OR_RETURN(dp::AggregateResult r, dp::RunAggregate(source, spec, agg));
  return ToAnswer(r);
}

std::vector<Query> Queries(const dp::ScanSource& source) {
  std::vector<Query> q;
  q.push_back({"Q1", [&](int t, uint64_t*) {
                 return Aggregate(source, t, {}, {.aggregates = {dp::Aggregate::Sum("price_usd_cents")}});
               }});
  q.push_back({"Q2", [&](int t, uint64_t*) {
                 dp::ScanSpec s;
                 s.time_range = dp::TimeRange{"ts", Us("2024-06-01"), Us("2024-07-01")};
                 return Aggregate(source, t, s,
                                  {.aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("quantity")}});
               }});
  q.push_back({"Q3", [&](int t, uint64_t*) {
                 return Aggregate(source, t, {},
                                  {.group_by = {"category"},
                                   .aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents"),
                                                  dp::Aggregate::Avg("discount")}});
               }});
  q.push_back({"Q4", [&](int t, uint64_t*) {
                 dp::ScanSpec s;
                 s.predicate = dp::Predicate::Eq("country", dp::Value::Bytes("DE"));
                 s.time_range = dp::TimeRange{"ts", Us("2024-04-01"), Us("2024-07-01")};
                 return Aggregate(source, t, s,
                                  {.bucket = dp::TimeBucket::kDay,
                                   .bucket_column = "ts",
                                   .aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents")}});
               }});
  q.push_back({"Q5_exact", [&](int t, uint64_t*) {
                 return Aggregate(source, t, {}, {.aggregates = {dp::Aggregate::Distinct("customer_id")}});
               }});
  q.push_back({"Q5_approx", [&](int t, uint64_t*) {
                 return Aggregate(source, t, {}, {.aggregates = {dp::Aggregate::ApproxDistinct("customer_id")}});
               }});
  // Q6: batches pulled by the consumer, which touches every delivered value.
  q.push_back({"Q6", [&](int t, uint64_t* delivered) -> dp::Result<Answer> {
                 dp::ScanSpec s;
                 s.threads = t;
                 s.projection = {"order_id", "customer_id", "quantity", "price_usd_cents"};
                 s.predicate = dp::Predicate::And({dp::Predicate::Ge("quantity", dp::Value::Int(5)),
                                                   dp::Predicate::Gt("discount", dp::Value::Double(0))});
                 DP_ASSIGN_OR_RETURN(auto scanner, dp::Scanner::Open(source, s));
                 dp::Batch batch;
                 uint64_t rows = 0, checksum = 0;
                 while (true) {
                   DP_ASSIGN_OR_RETURN(bool more, scanner->Next(&batch));
                   if (!more) break;
                   const auto a = batch.column(0).values<int64_t>();
                   const auto b = batch.column(1).values<int64_t>();
                   const auto c = batch.column(2).values<int32_t>();
                   const auto d = batch.column(3).values<int64_t>();
                   for (size_t i = 0; i < batch.num_rows; ++i) checksum += uint64_t(a[i] ^ b[i]) + uint64_t(c[i]) + uint64_t(d[i]);
                   rows += batch.num_rows;
                 }
                 *delivered = rows;
                 g_sink = checksum;
                 return Answer{{std::to_string(rows)}};
               }});
  return q;
}

// Memory-bandwidth baseline: a plain sum over the raw int64 column in memory.
double BaselineValuesPerSecond(const dp::Segment& seg) {
  auto column = seg.ReadColumn("price_usd_cents");
  if (!column.ok()) return 0;
  const auto values = column->values<int64_t>();
  double best = 1e30;
  int64_t sum = 0;
  for (int run = 0; run < 7; ++run) {
    const auto t0 = Clock::now();
    int64_t s = 0;
    for (int64_t v : values) s += v;
    best = std::min(best, Ms(Clock::now() - t0));
    sum += s;
  }
  g_sink = uint64_t(sum);
  return double(values.size()) / (best / 1000);
}

void PrintAnswer(const Answer& a) {
  std::printf("[");
  for (size_t r = 0; r < a.size(); ++r) {
    std::printf("%s[", r ? "," : "");
    for (size_t c = 0; c < a[r].size(); ++c) std::printf("%s\"%s\"", c ? "," : "", a[r][c].c_str());
    std::printf("]");
  }
  std::printf("]");
}

}  // namespace

int main(int argc, char** argv) {
  std::string segment;
  std::vector<int> threads = {1, 2};
  int runs = 5;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--segment") {
      segment = value;
    } else if (key == "--runs") {
      runs = std::max(1, std::atoi(value.c_str()));
    } else if (key == "--only") {
      only = "," + value + ",";
    } else if (key == "--threads") {
      threads.clear();
      for (size_t p = 0; p < value.size();) {
        const size_t comma = std::min(value.find(',', p), value.size());
        threads.push_back(std::atoi(value.substr(p, comma - p).c_str()));
        p = comma + 1;
      }
    } else {
      std::fprintf(stderr, "dpstore_orders: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (segment.empty()) {
    std::fprintf(stderr, "usage: dpstore_orders --segment FILE.dpc [--threads 1,2] [--runs 5] [--only Q1,Q3]\n");
    return 2;
  }
  auto seg = dp::Segment::Open(segment);
  if (!seg.ok()) {
    std::fprintf(stderr, "dpstore_orders: %s\n", seg.status().ToString().c_str());
    return 1;
  }
  auto source = dp::ScanSource::FromSegments({*seg});
  if (!source.ok()) {
    std::fprintf(stderr, "dpstore_orders: %s\n", source.status().ToString().c_str());
    return 1;
  }
  std::vector<Query> queries = Queries(*source);
  if (!only.empty()) {
    std::erase_if(queries, [&](const Query& q) { return only.find("," + q.name + ",") == std::string::npos; });
  }
  std::printf("{\"rows\": %llu, \"runs\": %d, \"baseline_sum_values_per_s\": %.0f, \"queries\": {",
              (unsigned long long)(*seg)->num_rows(), runs, BaselineValuesPerSecond(**seg));
  for (size_t t = 0; t < threads.size(); ++t) {
    std::printf("%s\"%d\": {", t ? ", " : "", threads[t]);
    for (size_t k = 0; k < queries.size(); ++k) {
      uint64_t delivered = 0;
      auto warm = queries[k].run(threads[t], &delivered);
      if (!warm.ok()) {
        std::fprintf(stderr, "dpstore_orders: %s: %s\n", queries[k].name.c_str(), warm.status().ToString().c_str());
        return 1;
      }
      std::vector<double> samples;
      for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        auto answer = queries[k].run(threads[t], &delivered);
        samples.push_back(Ms(Clock::now() - t0));
        if (!answer.ok()) return 1;
      }
      std::sort(samples.begin(), samples.end());
      const double median = samples[samples.size() / 2];
      std::printf("%s\"%s\": {\"median_ms\": %.4f, \"answer\": ", k ? ", " : "", queries[k].name.c_str(), median);
      PrintAnswer(*warm);
      if (queries[k].name == "Q6") {
        std::printf(", \"rows_per_s\": %.0f, \"scanned_rows_per_s\": %.0f", double(delivered) / (median / 1000),
                    double((*seg)->num_rows()) / (median / 1000));
      }
      std::printf(", \"samples_ms\": [");
      for (size_t r = 0; r < samples.size(); ++r) std::printf("%s%.4f", r ? ", " : "", samples[r]);
      std::printf("]}");
    }
    std::printf("}");
  }
  std::printf("}}\n");
  return 0;
}
