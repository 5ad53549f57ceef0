// Write throughput and file size of the order-events data set.
//
//   write_bench [--rows N] [--dir DIR] [--runs R] [--byte-planes-saving X] [--threads T]
//
// --byte-planes-saving sets WriterOptions::min_byte_planes_saving (1 = no
// byte-plane pages, the format 1.0 encodings only: the "before" figure).
// --threads sets WriterOptions::threads (default 0 = all hardware threads;
// 1 = encode on the calling thread).
//
// Generates N rows with dpgen's generator into memory first (not timed),
// then times (median of R runs):
//   - dpstore: SegmentWriter with default options (encodings + codec auto),
//     fsync on, into DIR;
//   - baseline: the same columns written as raw binary arrays (fixed width
//     values; strings as u32 offsets + bytes) with write(2) + fsync, the
//     cost of getting the bytes to the file at all.
// Reports rows/s, bytes/row of each, and the CSV size dpgen would write.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dp/segment.h"
#include "dp/writer.h"
#include "tools/dpgen/orders.h"
#include "tools/dpgen/orders_csv.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

uint64_t WriteRaw(const std::vector<dp::tools::OrdersBatch>& batches, const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) { perror(path.c_str()); std::exit(1); }
  uint64_t total = 0;
  std::vector<char> buf;
  auto put = [&](const void* p, size_t n) {
    if (::write(fd, p, n) != ssize_t(n)) { perror("write"); std::exit(1); }
    total += n;
  };
  auto put_strings = [&](const std::vector<std::string_view>& s) {
    std::vector<uint32_t> offs{0};
    buf.clear();
    for (auto v : s) {
      buf.insert(buf.end(), v.begin(), v.end());
      offs.push_back(uint32_t(buf.size()));
    }
    put(offs.data(), offs.size() * 4);
    put(buf.data(), buf.size());
  };
  for (const auto& b : batches) {
    put(b.order_id.data(), b.size() * 8);
    put(b.customer_id.data(), b.size() * 8);
    put_strings(b.event_type);
    put(b.ts.data(), b.size() * 8);
    put(b.product_id.data(), b.size() * 4);
    put_strings(b.category);
    put(b.quantity.data(), b.size() * 4);
    put(b.price_usd_cents.data(), b.size() * 8);
    put(b.discount.data(), b.size() * 8);
    put_strings(b.country);
  }
  ::fsync(fd);
  ::close(fd);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 10'000'000;
  std::string dir = std::filesystem::temp_directory_path().string();
  int runs = 5;
  dp::WriterOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) rows = std::stoull(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
    else if (a == "--byte-planes-saving" && i + 1 < argc) options.min_byte_planes_saving = std::stod(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) options.threads = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr,
                   "usage: write_bench [--rows N] [--dir DIR] [--runs R] [--byte-planes-saving X] [--threads T]\n");
      return 2;
    }
  }
  dp::tools::OrdersGenerator gen(rows, 42);
  std::vector<dp::tools::OrdersBatch> batches;
  while (gen.rows_left() > 0) {
    batches.emplace_back();
    gen.Next(64 * 1024, &batches.back());
  }
  auto schema = dp::tools::OrdersGenerator::MakeSchema();
  const std::string seg_path = dir + "/write_bench.dpc", raw_path = dir + "/write_bench.raw";

  std::vector<double> seg_s, raw_s;
  uint64_t seg_bytes = 0, raw_bytes = 0;
  for (int r = 0; r < runs; ++r) {
    std::filesystem::remove(seg_path);
    auto t0 = Clock::now();
    auto w = dp::SegmentWriter::Create(seg_path, *schema, options);
    if (!w.ok()) { std::fprintf(stderr, "%s\n", w.status().ToString().c_str()); return 1; }
    for (const auto& b : batches) {
      auto cols = b.Columns();
      if (auto s = (*w)->Append(cols); !s.ok()) { std::fprintf(stderr, "%s\n", s.ToString().c_str()); return 1; }
    }
    if (auto s = (*w)->Finish(); !s.ok()) { std::fprintf(stderr, "%s\n", s.ToString().c_str()); return 1; }
    seg_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    seg_bytes = (*w)->bytes_written();

    auto t1 = Clock::now();
    raw_bytes = WriteRaw(batches, raw_path);
    raw_s.push_back(std::chrono::duration<double>(Clock::now() - t1).count());
  }
  // CSV size as dpgen writes it (formatting not timed here).
  uint64_t csv_bytes = 0;
  {
    std::string csv_path = dir + "/write_bench.csv";
    std::filesystem::remove(csv_path);
    auto csv = dp::tools::OrdersCsvWriter::Create(csv_path, *schema);
    if (!csv.ok()) { std::fprintf(stderr, "%s\n", csv.status().ToString().c_str()); return 1; }
    for (const auto& b : batches) (*csv)->Write(b);
    if (auto st = (*csv)->Close(); !st.ok()) { std::fprintf(stderr, "%s\n", st.ToString().c_str()); return 1; }
    csv_bytes = (*csv)->bytes_written();
    std::filesystem::remove(csv_path);
  }
  const double seg = Median(seg_s), raw = Median(raw_s);
  std::printf("rows                %llu (median of %d runs, dir %s, threads %d)\n", (unsigned long long)rows, runs,
              dir.c_str(), options.threads);
  std::printf("dpstore segment     %.3f s  %.2f M rows/s  %llu bytes  %.2f bytes/row\n", seg, rows / seg / 1e6,
              (unsigned long long)seg_bytes, double(seg_bytes) / rows);
  std::printf("raw binary baseline %.3f s  %.2f M rows/s  %llu bytes  %.2f bytes/row\n", raw, rows / raw / 1e6,
              (unsigned long long)raw_bytes, double(raw_bytes) / rows);
  std::printf("csv (dpgen)                                  %llu bytes  %.2f bytes/row\n",
              (unsigned long long)csv_bytes, double(csv_bytes) / rows);
  std::printf("ratios              segment/raw time %.2fx, size %.3fx of raw, %.3fx of csv\n", seg / raw,
              double(seg_bytes) / raw_bytes, double(seg_bytes) / csv_bytes);
  std::filesystem::remove(seg_path);
  std::filesystem::remove(raw_path);
  return 0;
}
