// Fuzz target: a segment file is hostile input. Open it, read every column of
// every row group, stream every column in blocks, and verify it in full.
// Nothing may crash, leak, hang or read outside the mapping; errors are fine.
//
// Then scan it with the page checksums off (a forged file carries matching
// ones), so that mutated pages reach the scan kernels: filters over every
// column, aggregates grouped by the first string column, and filtered rows,
// each with the encoded-data kernels on and off. Both runs must give the
// same answer, or both an error: the decoded path is the kernels' oracle.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dp/scan.h"
#include "dp/segment.h"
#include "storage/scan/exec.h"  // internal::scan::SetEncodedKernels

namespace {

// libFuzzer runs inputs one after another in one process: one scratch file
// per process, rewritten for each input (Segment::Open reads files). The path
// is never destroyed: the exit handler, registered before the static was
// constructed, runs after its destructor would have.
const std::string& ScratchPath() {
  static const std::string* const path = [] {
    auto* p = new std::string("/dev/shm/dp-segment-fuzz-" + std::to_string(::getpid()) + ".dpc");
    std::atexit([] { ::unlink(ScratchPath().c_str()); });
    return p;
  }();
  return *path;
}

bool WriteScratch(const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(ScratchPath().c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

// An answer as text (NaN and -0.0 compare as printed), or the error.
std::string Answer(const dp::Result<dp::AggregateResult>& r) {
  if (!r.ok()) return "error " + r.status().ToString();
  std::string out;
  for (const auto& row : r->rows) {
    for (size_t c = 0; c < row.size(); ++c) out += row[c].ToString(r->types[c]) + "|";
    out += "\n";
  }
  return out;
}

std::string Rows(const dp::ScanSource& source, const dp::ScanSpec& spec) {
  auto scanner = dp::Scanner::Open(source, spec);
  if (!scanner.ok()) return "error " + std::to_string(int(scanner.status().code()));
  std::string out;
  dp::Batch batch;
  while (true) {
    auto more = (*scanner)->Next(&batch);
    if (!more.ok()) return out + "error " + std::to_string(int(more.status().code()));
    if (!*more) return out;
    for (size_t r = 0; r < batch.num_rows; ++r) {
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        out += batch.columns[c].GetValue(r).ToString(source.schema().field(c).type) + "|";
      }
      out += "\n";
    }
  }
}

// A predicate on field `f` that keeps some of the seeds' rows.
dp::Predicate Filter(const dp::Field& f, uint32_t pick) {
  using dp::Predicate;
  using dp::Value;
  switch (f.type.id) {
    case dp::TypeId::kString:
    case dp::TypeId::kBinary:
      return pick % 2 ? Predicate::StartsWith(f.name, "cat_") : Predicate::Eq(f.name, Value::Bytes("cat_1"));
    case dp::TypeId::kFloat32:
    case dp::TypeId::kFloat64: return Predicate::Gt(f.name, Value::Double(pick % 2 ? 0.0 : 10.5));
    case dp::TypeId::kBool: return Predicate::Eq(f.name, Value::Bool(pick % 2));
    case dp::TypeId::kUInt8:
    case dp::TypeId::kUInt16:
    case dp::TypeId::kUInt32:
    case dp::TypeId::kUInt64: return Predicate::Between(f.name, Value::UInt(pick % 7), Value::UInt(50000));
    default: break;
  }
  if (pick % 3 == 0) return Predicate::Ne(f.name, Value::Int(3));
  if (pick % 3 == 1) return Predicate::Ge(f.name, Value::Int(-2));
  return Predicate::Between(f.name, Value::Int(-10), Value::Int(19010));
}

bool Summable(dp::TypeId id) { return id >= dp::TypeId::kInt8 && id <= dp::TypeId::kFloat64; }

void Scans(const uint8_t* data, size_t size) {
  dp::OpenOptions options;
  options.max_metadata_bytes = 1u << 20;
  options.verify_checksums = false;
  auto segment = dp::Segment::Open(ScratchPath(), options);
  if (!segment.ok()) return;
  auto source = dp::ScanSource::FromSegments({std::shared_ptr<const dp::Segment>(std::move(*segment))});
  if (!source.ok()) return;
  const dp::Schema& schema = source->schema();
  const uint32_t pick = size > 0 ? data[size / 2] : 0;
  dp::AggregateSpec agg;
  agg.aggregates = {dp::Aggregate::Count()};
  for (size_t c = 0; c < schema.num_fields() && agg.aggregates.size() < 12; ++c) {
    const dp::Field& f = schema.field(c);
    if (Summable(f.type.id)) {
      agg.aggregates.push_back(dp::Aggregate::Sum(f.name));
      agg.aggregates.push_back(dp::Aggregate::Max(f.name));
    } else if (f.type.id == dp::TypeId::kTimestamp || f.type.id == dp::TypeId::kDate32) {
      agg.aggregates.push_back(dp::Aggregate::Min(f.name));
    } else if (agg.group_by.empty() && f.type.id == dp::TypeId::kString) {
      agg.group_by.push_back(f.name);
    }
    if (agg.aggregates.size() < 6) agg.aggregates.push_back(dp::Aggregate::Distinct(f.name));
  }
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    dp::ScanSpec spec;
    spec.threads = 1;
    spec.predicate = Filter(schema.field(c), pick + uint32_t(c));
    std::string answers[2], rows[2];
    for (bool encoded : {false, true}) {
      dp::internal::scan::SetEncodedKernels(encoded);
      answers[encoded] = Answer(dp::RunAggregate(*source, spec, agg));
      if (c % 3 == pick % 3) rows[encoded] = Rows(*source, spec);
    }
    dp::internal::scan::SetEncodedKernels(true);
    if (answers[0] != answers[1] || rows[0] != rows[1]) {
      std::fprintf(stderr, "segment_fuzz: the encoded kernels disagree with the decoded path (filter on '%s')\n",
                   schema.field(c).name.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4u << 20) || !WriteScratch(data, size)) return 0;
  dp::OpenOptions options;
  options.max_metadata_bytes = 1u << 20;
  auto segment = dp::Segment::Open(ScratchPath(), options);
  if (!segment.ok()) return 0;
  const dp::Segment& seg = **segment;
  for (int c = 0; c < seg.num_columns(); ++c) {
    (void)seg.column_stats(c);
    for (int rg = 0; rg < seg.num_row_groups(); ++rg) {
      (void)seg.column_chunk(c, rg);
      auto column = seg.ReadColumn(c, rg);
      if (column.ok()) (void)column->null_count();
    }
    auto blocks = seg.ReadBlocks(c);
    if (blocks.ok()) {
      dp::Block block;
      while (true) {
        auto more = (*blocks)->Next(&block);
        if (!more.ok() || !*more) break;
      }
    }
  }
  (void)seg.schema().ToString();
  (void)seg.Verify();
  Scans(data, size);
  return 0;
}
