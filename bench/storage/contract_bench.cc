// Contract validation throughput on the order-events data set.
//
//   contract_bench [--rows N] [--runs R] [--contract PATH]
//
// Generates N rows with dpgen's generator into 64Ki-row batches first (not
// timed), with the strings copied into one buffer (as an ingest would hold
// them), then times (median of R runs) one ContractValidator over all
// batches for:
//   - orders.yaml as written (not-null, ranges, two enums, a pattern and a
//     max_length);
//   - orders.yaml without the pattern rule;
//   - orders.yaml plus `unique: true` on ts (a hash set of 1M keys);
//   - baseline: one pass that reads every value of every column (sums the
//     fixed-width values and the string lengths): the cost of touching the
//     data at all.
// Reports rows/s of each and the ratio to the baseline.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dp/contract.h"
#include "tools/dpgen/orders.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Batch {
  dp::tools::OrdersBatch rows;
  std::vector<dp::ColumnData> columns;
};

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) {
    std::fprintf(stderr, "contract_bench: \"%s\" not found in the contract\n", from.c_str());
    std::exit(1);
  }
  return text.replace(at, from.size(), to);
}

double TimeValidation(const std::string& text, const std::vector<Batch>& batches, uint64_t rows, int runs) {
  auto contract = dp::Contract::Parse(text, "orders.yaml");
  if (!contract.ok()) {
    std::fprintf(stderr, "%s\n", contract.status().ToString().c_str());
    std::exit(1);
  }
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    auto v = contract->NewValidator();
    if (!v.ok()) std::exit(1);
    const auto t0 = Clock::now();
    uint64_t first = 0;
    for (const Batch& b : batches) {
      dp::Status s = (*v)->Validate(b.columns, first);
      if (!s.ok()) {
        std::fprintf(stderr, "unexpected violation: %s\n", s.ToString().c_str());
        std::exit(1);
      }
      first += b.rows.size();
    }
    rates.push_back(double(rows) / std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return Median(rates);
}

double TimeBaseline(const std::vector<Batch>& batches, uint64_t rows, int runs) {
  std::vector<double> rates;
  volatile uint64_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = Clock::now();
    uint64_t acc = 0;
    for (const Batch& b : batches) {
      const auto& o = b.rows;
      for (size_t i = 0; i < o.size(); ++i) {
        acc += uint64_t(o.order_id[i]) + uint64_t(o.customer_id[i]) + o.event_type[i].size() + uint64_t(o.ts[i]) +
               uint64_t(o.product_id[i]) + o.category[i].size() + uint64_t(o.quantity[i]) +
               uint64_t(o.price_usd_cents[i]) + uint64_t(o.discount[i] * 100) + o.country[i].size();
      }
    }
    sink = sink + acc;
    rates.push_back(double(rows) / std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return Median(rates);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 1'000'000;
  int runs = 5;
  std::string path = DP_CONTRACTS_DIR "/orders.yaml";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows") rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--runs") runs = std::atoi(argv[i + 1]);
    else if (a == "--contract") path = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: contract_bench [--rows N] [--runs R] [--contract PATH]\n");
      return 2;
    }
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.empty()) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }

  // Strings are copied into one arena so each value has its own bytes.
  dp::tools::OrdersGenerator gen(rows, 42);
  std::vector<Batch> batches;
  std::vector<std::string> arenas;
  while (gen.rows_left() > 0) {
    Batch b;
    gen.Next(64 * 1024, &b.rows);
    std::string& arena = arenas.emplace_back();
    for (auto* col : {&b.rows.event_type, &b.rows.category, &b.rows.country}) {
      for (auto v : *col) arena.append(v);
    }
    size_t at = 0;
    for (auto* col : {&b.rows.event_type, &b.rows.category, &b.rows.country}) {
      for (auto& v : *col) {
        v = std::string_view(arena).substr(at, v.size());
        at += v.size();
      }
    }
    b.columns = b.rows.Columns();
    batches.push_back(std::move(b));
  }

  const double base = TimeBaseline(batches, rows, runs);
  const double full = TimeValidation(text, batches, rows, runs);
  const double no_pattern = TimeValidation(Replace(text, "pattern: \"category_[0-9]{2}\"", ""), batches, rows, runs);
  const double unique = TimeValidation(Replace(text, "    min: 2020-01-01T00:00:00Z", "    unique: true\n    min: 2020-01-01T00:00:00Z"),
                                       batches, rows, runs);
  std::printf("contract validation, %llu order rows in 64Ki-row batches, median of %d runs\n",
              static_cast<unsigned long long>(rows), runs);
  std::printf("%-34s %10.2f M rows/s\n", "baseline (read every value)", base / 1e6);
  std::printf("%-34s %10.2f M rows/s  (%.2fx baseline time)\n", "orders.yaml", full / 1e6, base / full);
  std::printf("%-34s %10.2f M rows/s  (%.2fx baseline time)\n", "orders.yaml without pattern", no_pattern / 1e6,
              base / no_pattern);
  std::printf("%-34s %10.2f M rows/s  (%.2fx baseline time)\n", "orders.yaml + unique ts", unique / 1e6,
              base / unique);
  return 0;
}
