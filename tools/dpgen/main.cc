// dpgen — generates deterministic synthetic data sets as dpstore segments
// and/or CSV, for demos, tests and benchmarks. Run `dpgen --help`.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dp/writer.h"
#include "tools/common/args.h"
#include "tools/dpgen/orders.h"
#include "tools/dpgen/orders_csv.h"

namespace dp::tools {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr size_t kBatchRows = 64 * 1024;

constexpr OptionSpec kOptions[] = {
    {"rows", "N", "rows to generate (required; suffixes k, M, G allowed: 10M)"},
    {"seed", "S", "random seed (required); the same rows and seed give identical files"},
    {"segment", "OUT.dpc", "write a dpstore segment (refuses to overwrite)"},
    {"csv", "OUT.csv", "write CSV with a header line (refuses to overwrite)"},
    {"row-group-rows", "R", "rows per row group (default 1048576)"},
    {"page-rows", "P", "values per page, rounded up to a multiple of 1024 (default 65536)"},
    {"codec", "C", "general-purpose codec on top of encodings: auto|none|zstd|lz4 (default auto)"},
    {"help", "", "show this help"},
};

std::string Usage() {
  return "usage: dpgen orders --rows N --seed S [--segment OUT.dpc] [--csv OUT.csv] [options]\n"
         "\n"
         "Generates order-item events (order_id, customer_id, event_type, ts, product_id,\n"
         "category, quantity, price_usd_cents, discount, country). At least one of\n"
         "--segment and --csv is required. Output is a pure function of --rows and --seed.\n"
         "\n"
         "data sets:\n"
         "  orders   order-item events over two years from 2023-11-14T22:13:20Z\n"
         "\n"
         "options:\n" +
         FormatOptions(kOptions) +
         "\n"
         "exit codes: 0 ok, 1 generation or write failed, 2 usage error\n";
}

struct Config {
  uint64_t rows = 0;
  uint64_t seed = 0;
  std::string segment_path;
  std::string csv_path;
  WriterOptions writer;
};

Result<Config> ParseConfig(const std::vector<std::string>& argv) {
  DP_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(argv, kOptions));
  if (args.positional().empty()) return Status::InvalidArgument("missing data set name (one of: orders)");
  if (args.positional()[0] != "orders") {
    return Status::InvalidArgument("unknown data set '" + args.positional()[0] + "' (known: orders)");
  }
  if (args.positional().size() > 1) {
    return Status::InvalidArgument("unexpected argument '" + args.positional()[1] + "'");
  }
  for (std::string_view required : {"rows", "seed"}) {
    if (!args.Has(required)) return Status::InvalidArgument("missing required option --" + std::string(required));
  }
  Config c;
  DP_ASSIGN_OR_RETURN(c.rows, args.GetUInt("rows", 0, 1, 1ull << 40));
  DP_ASSIGN_OR_RETURN(c.seed, args.GetUInt("seed", 0, 0, UINT64_MAX));
  c.segment_path = std::string(args.Value("segment").value_or(""));
  c.csv_path = std::string(args.Value("csv").value_or(""));
  if (c.segment_path.empty() && c.csv_path.empty()) {
    return Status::InvalidArgument("no output: give --segment OUT.dpc and/or --csv OUT.csv");
  }
  if (c.segment_path == c.csv_path) {
    return Status::InvalidArgument("--segment and --csv name the same file '" + c.csv_path + "'");
  }
  DP_ASSIGN_OR_RETURN(c.writer.row_group_rows,
                      args.GetUInt("row-group-rows", c.writer.row_group_rows, 1, (1ull << 32) - 1));
  DP_ASSIGN_OR_RETURN(uint64_t page_rows, args.GetUInt("page-rows", c.writer.page_rows, 1, 1u << 20));
  c.writer.page_rows = static_cast<uint32_t>(page_rows);
  static constexpr std::string_view kCodecs[] = {"auto", "none", "zstd", "lz4"};
  DP_ASSIGN_OR_RETURN(std::string codec, args.GetChoice("codec", "auto", kCodecs));
  c.writer.codec = codec == "none"   ? CodecPolicy::kNone
                   : codec == "zstd" ? CodecPolicy::kZstd
                   : codec == "lz4"  ? CodecPolicy::kLz4
                                     : CodecPolicy::kAuto;
  c.writer.metadata = {{"generator", "dpgen orders"},
                       {"generator.seed", std::to_string(c.seed)},
                       {"generator.rows", std::to_string(c.rows)}};
  return c;
}

struct Written {
  uint64_t segment_bytes = 0;
  uint64_t csv_bytes = 0;
};

Result<Written> Generate(const Config& c) {
  DP_ASSIGN_OR_RETURN(Schema schema, OrdersGenerator::MakeSchema());
  std::unique_ptr<SegmentWriter> segment;
  std::unique_ptr<OrdersCsvWriter> csv;
  if (!c.segment_path.empty()) {
    DP_ASSIGN_OR_RETURN(segment, SegmentWriter::Create(c.segment_path, schema, c.writer));
  }
  if (!c.csv_path.empty()) {
    DP_ASSIGN_OR_RETURN(csv, OrdersCsvWriter::Create(c.csv_path, schema));
  }
  // On failure the CSV file is removed too, so no output is left half-written
  // (SegmentWriter removes its own file unless Finish() succeeded).
  auto fail = [&](Status s) {
    if (csv) {
      csv->Close().IgnoreError();
      ::unlink(c.csv_path.c_str());
    }
    return s;
  };
  OrdersGenerator gen(c.rows, c.seed);
  OrdersBatch batch;
  while (gen.rows_left() > 0) {
    gen.Next(kBatchRows, &batch);
    if (segment) {
      Status s = segment->Append(batch.Columns());
      if (!s.ok()) return fail(s);
    }
    if (csv) csv->Write(batch);
  }
  Written w;
  if (segment) {
    Status s = segment->Finish();
    if (!s.ok()) return fail(s);
    w.segment_bytes = segment->bytes_written();
  }
  if (csv) {
    w.csv_bytes = csv->bytes_written();
    Status s = csv->Close();
    if (!s.ok()) {
      csv.reset();
      ::unlink(c.csv_path.c_str());
      return s;
    }
  }
  return w;
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << Usage();
      return kExitOk;
    }
  }
  Result<Config> config = ParseConfig(args);
  if (!config.ok()) {
    std::cerr << "dpgen: " << config.status().message() << "\n(run 'dpgen --help' for usage)\n";
    return kExitUsage;
  }
  const auto start = std::chrono::steady_clock::now();
  Result<Written> written = Generate(*config);
  if (!written.ok()) {
    std::cerr << "dpgen: " << written.status().ToString() << "\n";
    return kExitFailed;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string outputs;
  if (!config->segment_path.empty()) {
    outputs += " segment " + config->segment_path + " (" + std::to_string(written->segment_bytes) + " bytes)";
  }
  if (!config->csv_path.empty()) {
    outputs += " csv " + config->csv_path + " (" + std::to_string(written->csv_bytes) + " bytes)";
  }
  char timing[96];
  std::snprintf(timing, sizeof(timing), " in %.2f s, %.0f rows/s", secs,
                secs > 0 ? static_cast<double>(config->rows) / secs : 0.0);
  std::cerr << "dpgen: orders: " << config->rows << " rows," << outputs << timing << "\n";
  return kExitOk;
}

}  // namespace
}  // namespace dp::tools

int main(int argc, char** argv) { return dp::tools::Main(argc, argv); }
