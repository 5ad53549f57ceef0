// Shared body of csv_fuzz and jsonl_fuzz: bytes -> tools/dpload ParseBytes
// with a schema of every type, into a sink that checks the reader's side of
// the BatchSink contract (tools/dpload/sink.h, reader.h) and then discards
// the batch.
//
// Input: byte 0 and byte 1 choose the options, the rest is the text.
//   byte 0 bit 0     CSV header row
//          bits 1-2  CSV delimiter: ',' ';' '\t' '|'
//          bit 3     small max_line_bytes (16 + byte 1)
//          bit 4     small batches: 1..4 rows, 32 + byte 1 string bytes
//                    (otherwise 256 + byte 1 rows: the default 65,536-row
//                    buffers would cost more than parsing a small input)
//          bit 5     writer thread
//          bit 6     ignore unknown JSON keys / CSV header columns
//          bit 7     small read buffer (1..64 bytes) and reads of 1..17 bytes
//                    (otherwise 4 KiB: the default 1 MiB would dominate)
// With DP_FUZZ_VERBOSE set in the environment, each input's status is printed
// (to check that the seeds parse).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "format/utf8.h"
#include "tools/dpload/reader.h"

namespace dp::fuzz {

[[noreturn]] inline void DploadFail(const std::string& what) {
  std::fprintf(stderr, "dpload fuzz: %s\n", what.c_str());
  std::abort();
}

// Every type dpload converts; one non-nullable column (the readers refuse a
// null in it), timestamps in two units.
inline const Schema& DploadFuzzSchema() {
  static const Schema schema = *Schema::Make({{"b", DataType::Bool(), true, ""},
                                              {"i8", DataType::Int8(), true, ""},
                                              {"i16", DataType::Int16(), true, ""},
                                              {"i32", DataType::Int32(), true, ""},
                                              {"i64", DataType::Int64(), false, ""},
                                              {"u8", DataType::UInt8(), true, ""},
                                              {"u16", DataType::UInt16(), true, ""},
                                              {"u32", DataType::UInt32(), true, ""},
                                              {"u64", DataType::UInt64(), true, ""},
                                              {"f32", DataType::Float32(), true, ""},
                                              {"f64", DataType::Float64(), true, ""},
                                              {"s", DataType::String(), true, ""},
                                              {"bin", DataType::Binary(), true, ""},
                                              {"d", DataType::Date32(), true, ""},
                                              {"ts", DataType::Timestamp(TimeUnit::kMicro), true, ""},
                                              {"tn", DataType::Timestamp(TimeUnit::kNano, false), true, ""}});
  return schema;
}

// Checks each batch against the schema and the row count so far; keeps nothing.
class CheckingSink final : public tools::dpload::BatchSink {
 public:
  CheckingSink(const Schema& schema, size_t batch_rows) : schema_(schema), batch_rows_(batch_rows) {}

  Status Append(std::span<const ColumnData> cols, uint64_t first_row) override {
    if (finished_ || aborted_) DploadFail("Append after Finish/Abort");
    if (cols.size() != schema_.num_fields()) DploadFail("batch has the wrong number of columns");
    if (first_row != rows_) DploadFail("first_row is not the number of rows appended so far");
    const size_t n = cols[0].length;
    if (n == 0 || n > batch_rows_) DploadFail("empty or oversized batch");
    for (size_t c = 0; c < cols.size(); ++c) {
      const ColumnData& d = cols[c];
      const Field& f = schema_.field(c);
      if (d.length != n) DploadFail("columns of one batch differ in length");
      for (size_t r = 0; r < n; ++r) {
        const bool valid = d.validity == nullptr || ((d.validity[r / 8] >> (r % 8)) & 1) != 0;
        if (!valid) {
          if (!f.nullable) DploadFail("a null in non-nullable column " + f.name);
          continue;
        }
        if (f.type.is_binary_like()) {
          const std::string_view v = d.strings[r];
          for (char ch : v) sum_ += static_cast<uint8_t>(ch);  // every byte must be readable
          if (f.type.id == TypeId::kString && !format::IsValidUtf8(v)) DploadFail("invalid UTF-8 in " + f.name);
        } else if (f.type.id == TypeId::kBool) {
          if (static_cast<const uint8_t*>(d.values)[r] > 1) DploadFail("bool value other than 0/1");
        } else {
          sum_ += static_cast<const uint8_t*>(d.values)[r * size_t(f.type.byte_width())];
        }
      }
    }
    rows_ += n;
    return Status::OK();
  }
  Status Finish() override {
    if (finished_ || aborted_) DploadFail("Finish twice or after Abort");
    finished_ = true;
    return Status::OK();
  }
  void Abort() override {
    if (finished_) DploadFail("Abort after a successful Finish");
    aborted_ = true;
  }

  bool finished() const { return finished_; }
  bool aborted() const { return aborted_; }

 private:
  const Schema& schema_;
  size_t batch_rows_;
  uint64_t rows_ = 0;
  uint64_t sum_ = 0;
  bool finished_ = false;
  bool aborted_ = false;
};

inline int FuzzDpload(const uint8_t* data, size_t size, tools::dpload::InputFormat format) {
  if (size < 2 || size > (1u << 20)) return 0;
  const uint8_t o = data[0], p = data[1];
  tools::dpload::ReaderOptions opt;
  opt.format = format;
  opt.header = o & 1;
  opt.delimiter = ",;\t|"[(o >> 1) & 3];
  if (o & 8) opt.max_line_bytes = 16 + p;
  if (o & 16) {
    opt.batch_rows = 1 + (p & 3);
    opt.max_batch_bytes = 32 + p;
  } else {
    opt.batch_rows = 256 + p;
  }
  opt.writer_thread = o & 32;
  opt.ignore_unknown = o & 64;
  size_t chunk = SIZE_MAX;
  opt.read_buffer_bytes = 4096;
  if (o & 128) {
    opt.read_buffer_bytes = 1 + (p >> 2) % 64;
    chunk = 1 + p % 17;
  }
  const bool csv = format == tools::dpload::InputFormat::kCsv;
  const std::string name = csv ? "fuzz.csv" : "fuzz.jsonl";
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  CheckingSink sink(DploadFuzzSchema(), opt.batch_rows);
  const Status s = tools::dpload::ParseBytes(text, name, DploadFuzzSchema(), opt, &sink, chunk);
  static const bool verbose = std::getenv("DP_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s\n", s.ToString().c_str());
  if (s.ok() != sink.finished() || s.ok() == sink.aborted()) DploadFail("Finish/Abort disagree with the status");
  // Reader errors are InvalidArgument and start with "file:line:column: ".
  if (!s.ok() && (!s.IsInvalidArgument() || s.message().rfind(name + ":", 0) != 0)) {
    DploadFail("error without its place: " + s.ToString());
  }
  return 0;
}

}  // namespace dp::fuzz
