// Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/):
// small valid inputs of every encoding, physical type and codec, so fuzzing
// starts from deep inside the formats instead of from the magic number, and
// version manifests written by the dataset store.
//
//   make_seeds OUT_DIR     (writes OUT_DIR/segment_fuzz/, OUT_DIR/page_decode_fuzz/
//                           and OUT_DIR/manifest_fuzz/)
//
// The segment and page inputs are deterministic: the same build writes the
// same bytes. The manifests carry random segment ids and commit times, so
// they differ between runs (same structure). Regenerate after a format change
// and commit the result (the inputs are a few KiB each). The CSV, JSON Lines
// and contract seeds are hand-written text (corpus/{csv,jsonl,contract}_fuzz/).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "dp/dataset.h"
#include "dp/writer.h"
#include "format/encoding.h"
#include "format/manifest.h"

namespace {

namespace fs = std::filesystem;
using dp::Encoding;
using dp::format::PhysicalType;

constexpr uint32_t kRows = 300;

dp::Schema SeedSchema() {
  return *dp::Schema::Make({{"i64", dp::DataType::Int64(), false, "int64"},
                            {"ts", dp::DataType::Timestamp(dp::TimeUnit::kMicro), false, "time"},
                            {"s", dp::DataType::String(), true, "strings with nulls"},
                            {"f64", dp::DataType::Float64(), true, ""},
                            {"i8", dp::DataType::Int8(), false, ""},
                            {"b", dp::DataType::Bool(), false, ""},
                            {"u32", dp::DataType::UInt32(), true, ""},
                            {"bin", dp::DataType::Binary(), false, ""},
                            {"d", dp::DataType::Date32(), false, ""}});
}

std::vector<dp::Value> SeedRow(uint32_t i) {
  return {dp::Value::Int(int64_t(i / 3) - 50),
          dp::Value::Int(1'700'000'000'000'000 + int64_t(i) * 1'234'567),
          i % 7 == 0 ? dp::Value::Null() : dp::Value::Bytes("cat_" + std::to_string(i % 5)),
          i % 11 == 0 ? dp::Value::Null() : dp::Value::Double(i % 4 == 0 ? 0.0 : i / 8.0),
          dp::Value::Int(int64_t(i % 9) - 4),
          dp::Value::Bool(i % 3 == 0),
          i % 13 == 0 ? dp::Value::Null() : dp::Value::UInt(uint64_t(i) * 2654435761u % 100000),
          dp::Value::Bytes(std::string(1, char(i % 256)) + "\x01"),
          dp::Value::Int(19000 + int64_t(i % 40))};
}

bool WriteSegment(const fs::path& path, std::optional<Encoding> encoding, dp::CodecPolicy codec) {
  dp::WriterOptions options;
  options.force_encoding = encoding;
  options.codec = codec;
  options.row_group_rows = 200;  // two row groups
  options.sync = false;
  fs::remove(path);
  auto writer = dp::SegmentWriter::Create(path.string(), SeedSchema(), options);
  if (!writer.ok()) return false;
  for (uint32_t i = 0; i < kRows; ++i) {
    const auto row = SeedRow(i);
    if (!(*writer)->AppendRow(row).ok()) return false;
  }
  return (*writer)->Finish().ok();
}

// A page_decode input: encoding, physical type, count (LE), payload.
// `count` past 1024 gives whole blocks, which the target's checks of the
// block kernels (packed sums and range tests, runs, sparse codes) need.
bool WritePage(const fs::path& path, Encoding e, PhysicalType t, uint32_t count = kRows) {
  std::vector<uint64_t> words(count);
  std::vector<std::string> owned(count);
  std::vector<std::string_view> strings(count);
  for (uint32_t i = 0; i < count; ++i) {
    const bool constant = e == Encoding::kConstant;
    words[i] = constant ? 42 : (i / 7) * 3 + (i % 5 == 0 ? 100 : 0);
    if (e == Encoding::kDictionarySparse && count > kRows) words[i] = i % 5 == 0 ? (i / 5) % 40 + 1 : 0;
    owned[i] = constant ? "same" : "v" + std::to_string(i % 9);
    strings[i] = owned[i];
  }
  // Same bit patterns reinterpreted at the type's width (little endian).
  std::vector<uint8_t> fixed(size_t(count) * 8);
  const int width = dp::format::PhysicalWidth(t);
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t w = words[i];
    if (t == PhysicalType::kBool) w &= 1;
    if (t == PhysicalType::kF32) { const float f = float(w) / 4; std::memcpy(&w, &f, 4); }
    if (t == PhysicalType::kF64) { const double d = double(w) / 4; std::memcpy(&w, &d, 8); }
    if (width > 0) std::memcpy(fixed.data() + size_t(i) * width, &w, width);
  }
  dp::format::PageValues in;
  in.type = t;
  in.count = count;
  in.values = fixed.data();
  in.strings = strings.data();
  std::vector<uint8_t> payload;
  if (!dp::format::EncodeWith(e, in, &payload).ok()) return false;
  std::vector<uint8_t> bytes = {uint8_t(e), uint8_t(t)};
  for (int b = 0; b < 4; ++b) bytes.push_back(uint8_t(count >> (8 * b)));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return bool(out);
}

// Every `_versions/*.dpv` of `dataset_dir` as manifest_fuzz inputs: the body
// behind mode byte 0 (the target frames it), and for version 1 also the
// whole file behind mode byte 1.
bool CopyManifests(const fs::path& dataset_dir, const std::string& prefix, const fs::path& out, int* written) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dataset_dir / "_versions")) {
    if (e.path().extension() == ".dpv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto body = dp::format::UnframeMeta(bytes, dp::format::MetaKind::kManifest, f.string());
    if (!body.ok()) return false;
    const std::string v = std::to_string(std::stoull(f.stem().string()));
    auto put = [&](const std::string& name, uint8_t mode, std::span<const uint8_t> payload) {
      std::ofstream o(out / name, std::ios::binary | std::ios::trunc);
      o.put(char(mode));
      o.write(reinterpret_cast<const char*>(payload.data()), std::streamsize(payload.size()));
      ++*written;
      return bool(o);
    };
    if (!put(prefix + "_v" + v, 0, *body)) return false;
    if (v == "1" && !put(prefix + "_v" + v + "_file", 1, bytes)) return false;
  }
  return true;
}

// An events dataset taken through create, appends, compaction, a schema
// change and a contract-pinned append, and a snapshots dataset with a
// replace: full and delta manifests, removals, summaries of every kind.
dp::Status WriteManifests(const fs::path& scratch, const fs::path& out, int* written) {
  DP_ASSIGN_OR_RETURN(dp::Mesh mesh, dp::Mesh::Open(scratch.string(), true));
  DP_ASSIGN_OR_RETURN(dp::Product product, mesh.CreateProduct({.name = "seeds", .owner = "fuzz"}));
  const dp::Schema schema = *dp::Schema::Make({{"id", dp::DataType::Int64(), false, "row id"},
                                               {"ts", dp::DataType::Timestamp(dp::TimeUnit::kMicro), false, ""},
                                               {"name", dp::DataType::String(), true, "names with nulls"},
                                               {"price", dp::DataType::Float64(), true, ""},
                                               {"ok", dp::DataType::Bool(), true, ""}});
  auto append = [&](const dp::Dataset& ds, dp::Operation op, int64_t first, size_t n,
                    dp::TransactionOptions o) -> dp::Status {
    std::vector<int64_t> ids, ts;
    std::vector<std::string> names;
    std::vector<std::string_view> views;
    std::vector<double> price;
    std::vector<uint8_t> ok, validity(n / 8 + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      const int64_t id = first + int64_t(i);
      ids.push_back(id);
      ts.push_back(1'700'000'000'000'000 + (id % 5) * 1'000'000);
      names.push_back("n" + std::to_string(id % 4));
      price.push_back(double(id) / 4);
      ok.push_back(id % 2);
      if (id % 3 != 0) validity[i / 8] |= uint8_t(1u << (i % 8));
    }
    for (const std::string& x : names) views.emplace_back(x);
    DP_ASSIGN_OR_RETURN(auto txn, ds.Begin(op, std::move(o)));
    DP_RETURN_IF_ERROR(txn->Append({dp::ColumnData::Of<int64_t>(ids), dp::ColumnData::Of<int64_t>(ts),
                                    dp::ColumnData::Strings(views, validity.data()),
                                    dp::ColumnData::Of<double>(price, validity.data()),
                                    dp::ColumnData::Of<uint8_t>(ok)}));
    return txn->Commit("seed " + std::to_string(first), "make_seeds").status();
  };
  dp::TransactionOptions plain;
  plain.writer.sync = false;
  DP_ASSIGN_OR_RETURN(dp::Dataset events,
                      product.CreateDataset({.name = "events", .kind = dp::DatasetKind::kEvents,
                                             .event_time_column = "ts", .description = "seed events"}, schema));
  DP_RETURN_IF_ERROR(append(events, dp::Operation::kAppend, 0, 20, plain));                  // v1
  DP_RETURN_IF_ERROR(append(events, dp::Operation::kAppend, 20, 15, plain));                 // v2
  DP_RETURN_IF_ERROR(events.Compact({.target_rows_per_segment = 100}).status());            // v3
  std::vector<dp::Field> fields = schema.fields();
  fields.push_back({"note", dp::DataType::String(), true, "added later"});
  fields[3].doc = "price in dollars";
  DP_RETURN_IF_ERROR(events.EvolveSchema(fields, {.message = "add note"}).status());         // v4
  dp::TransactionOptions pinned = plain;
  pinned.contract_checksum = 0x0123456789abcdefull;
  // v5: a contract-pinned append under the evolved schema (new field null).
  {
    DP_ASSIGN_OR_RETURN(auto txn, events.Begin(dp::Operation::kAppend, pinned));
    const std::vector<int64_t> ids = {100, 101}, ts = {1'700'000'100'000'000, 1'700'000'000'000'000};
    const std::vector<std::string_view> names = {"x", "y"}, notes = {"", ""};
    const std::vector<double> price = {1.5, -0.0};
    const std::vector<uint8_t> ok = {1, 0}, none = {0};
    DP_RETURN_IF_ERROR(txn->Append({dp::ColumnData::Of<int64_t>(ids), dp::ColumnData::Of<int64_t>(ts),
                                    dp::ColumnData::Strings(names), dp::ColumnData::Of<double>(price),
                                    dp::ColumnData::Of<uint8_t>(ok), dp::ColumnData::Strings(notes, none.data())}));
    DP_RETURN_IF_ERROR(txn->Commit("pinned", "make_seeds").status());
  }
  if (!CopyManifests(events.path(), "events", out, written)) return dp::Status::IOError("cannot copy manifests");

  DP_ASSIGN_OR_RETURN(dp::Dataset snaps,
                      product.CreateDataset({.name = "snaps", .kind = dp::DatasetKind::kSnapshots}, schema));
  dp::TransactionOptions as_of = plain;
  as_of.as_of_us = 1'700'000'000'000'000;
  DP_RETURN_IF_ERROR(append(snaps, dp::Operation::kReplace, 0, 12, as_of));                 // v1
  if (!CopyManifests(snaps.path(), "snaps", out, written)) return dp::Status::IOError("cannot copy manifests");
  return dp::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root(argv[1]);
  fs::create_directories(root / "segment_fuzz");
  fs::create_directories(root / "page_decode_fuzz");
  int written = 0;
  const std::pair<const char*, dp::CodecPolicy> codecs[] = {
      {"none", dp::CodecPolicy::kNone}, {"zstd", dp::CodecPolicy::kZstd}, {"lz4", dp::CodecPolicy::kLz4}};
  for (int e = -1; e <= int(dp::kMaxEncoding); ++e) {
    const std::optional<Encoding> enc = e < 0 ? std::nullopt : std::optional(Encoding(e));
    const std::string name = e < 0 ? "auto" : std::string(dp::EncodingName(Encoding(e)));
    for (const auto& [codec_name, codec] : codecs) {
      if (e >= 0 && codec != dp::CodecPolicy::kNone && e % 3 != int(codec) % 3) continue;  // a sample of pairs
      const fs::path path = root / "segment_fuzz" / (name + "_" + codec_name + ".dpc");
      if (!WriteSegment(path, enc, codec)) {
        std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
        return 1;
      }
      ++written;
    }
    if (e < 0) continue;
    for (int t = 0; t <= int(PhysicalType::kBytes); ++t) {
      if (!dp::format::EncodingSupports(Encoding(e), PhysicalType(t))) continue;
      const std::string type_name(dp::format::PhysicalTypeName(PhysicalType(t)));
      const fs::path path = root / "page_decode_fuzz" / (name + "_" + type_name);
      if (!WritePage(path, Encoding(e), PhysicalType(t))) {
        std::fprintf(stderr, "make_seeds: cannot encode %s\n", path.c_str());
        return 1;
      }
      ++written;
      // 2.5 blocks of the encodings scans take apart by block.
      const Encoding block_kernels[] = {Encoding::kForBitpack, Encoding::kRle, Encoding::kDictionary,
                                        Encoding::kDictionarySparse};
      if (std::find(std::begin(block_kernels), std::end(block_kernels), Encoding(e)) != std::end(block_kernels)) {
        const fs::path blocks = root / "page_decode_fuzz" / (name + "_" + type_name + "_blocks");
        if (!WritePage(blocks, Encoding(e), PhysicalType(t), 2560)) {
          std::fprintf(stderr, "make_seeds: cannot encode %s\n", blocks.c_str());
          return 1;
        }
        ++written;
      }
    }
  }
  fs::create_directories(root / "manifest_fuzz");
  const fs::path scratch = fs::temp_directory_path() / ("dp-make-seeds-" + std::to_string(::getpid()));
  fs::remove_all(scratch);
  const dp::Status manifests = WriteManifests(scratch, root / "manifest_fuzz", &written);
  fs::remove_all(scratch);
  if (!manifests.ok()) {
    std::fprintf(stderr, "make_seeds: manifests: %s\n", manifests.ToString().c_str());
    return 1;
  }
  std::printf("make_seeds: %d inputs under %s\n", written, root.c_str());
  return 0;
}
