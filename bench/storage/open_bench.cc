// Open latency: open a segment and read the metadata of 3 columns, for a
// 10-column file and for a 1,000-column x 10-row-group file. The cost must
// depend on the columns touched, not on the schema width.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dp/segment.h"
#include "dp/writer.h"

namespace {

std::string MakeWide(int columns, int row_groups, int rows_per_group) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("dp_open_bench_" + std::to_string(columns) + "x" + std::to_string(row_groups) + ".dpc"))
                         .string();
  std::filesystem::remove(path);
  std::vector<dp::Field> fields;
  for (int c = 0; c < columns; ++c) {
    fields.push_back({"column_" + std::to_string(c), dp::DataType::Int64(), true, "feature " + std::to_string(c)});
  }
  auto schema = dp::Schema::Make(fields);
  dp::WriterOptions o;
  o.row_group_rows = rows_per_group;
  o.sync = false;
  auto w = dp::SegmentWriter::Create(path, *schema, o);
  if (!w.ok()) std::abort();
  std::vector<int64_t> v(rows_per_group);
  for (int i = 0; i < rows_per_group; ++i) v[i] = i * 7;
  std::vector<dp::ColumnData> cols(columns, dp::ColumnData::Of<int64_t>(v));
  for (int g = 0; g < row_groups; ++g) {
    if (!(*w)->Append(cols).ok()) std::abort();
  }
  if (!(*w)->Finish().ok()) std::abort();
  return path;
}

void OpenAndTouch3(benchmark::State& state, int columns, int row_groups) {
  const std::string path = MakeWide(columns, row_groups, 1000);
  const int picks[3] = {1, columns / 2, columns - 1};
  std::vector<std::string> names;
  for (int p : picks) names.push_back("column_" + std::to_string(p));
  for (auto _ : state) {
    auto seg = dp::Segment::Open(path);
    if (!seg.ok()) state.SkipWithError(seg.status().ToString().c_str());
    uint64_t sum = 0;
    for (const std::string& n : names) {
      int c = (*seg)->ColumnIndex(n);
      for (int g = 0; g < (*seg)->num_row_groups(); ++g) {
        auto chunk = (*seg)->column_chunk(c, g);
        sum += chunk->stats.num_values + chunk->pages.size();
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.counters["columns"] = columns;
  state.counters["row_groups"] = row_groups;
  std::filesystem::remove(path);
}

void BM_Open10Columns(benchmark::State& s) { OpenAndTouch3(s, 10, 1); }
void BM_Open1000Columns10RowGroups(benchmark::State& s) { OpenAndTouch3(s, 1000, 10); }
BENCHMARK(BM_Open10Columns)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Open1000Columns10RowGroups)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
