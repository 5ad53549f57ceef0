// Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/):
// small valid inputs of every encoding, physical type and codec, so fuzzing
// starts from deep inside the formats instead of from the magic number.
//
//   make_seeds OUT_DIR     (writes OUT_DIR/segment_fuzz/ and OUT_DIR/page_decode_fuzz/)
//
// Deterministic: the same build writes the same bytes. Regenerate after a
// format change and commit the result (the inputs are a few KiB each).
#include <cstdio>
#include <cstring>
#include <optional>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dp/writer.h"
#include "format/encoding.h"

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
bool WritePage(const fs::path& path, Encoding e, PhysicalType t) {
  std::vector<uint64_t> words(kRows);
  std::vector<std::string> owned(kRows);
  std::vector<std::string_view> strings(kRows);
  for (uint32_t i = 0; i < kRows; ++i) {
    const bool constant = e == Encoding::kConstant;
    words[i] = constant ? 42 : (i / 7) * 3 + (i % 5 == 0 ? 100 : 0);
    owned[i] = constant ? "same" : "v" + std::to_string(i % 9);
    strings[i] = owned[i];
  }
  // Same bit patterns reinterpreted at the type's width (little endian).
  std::vector<uint8_t> fixed(size_t(kRows) * 8);
  const int width = dp::format::PhysicalWidth(t);
  for (uint32_t i = 0; i < kRows; ++i) {
    uint64_t w = words[i];
    if (t == PhysicalType::kBool) w &= 1;
    if (t == PhysicalType::kF32) { const float f = float(w) / 4; std::memcpy(&w, &f, 4); }
    if (t == PhysicalType::kF64) { const double d = double(w) / 4; std::memcpy(&w, &d, 8); }
    if (width > 0) std::memcpy(fixed.data() + size_t(i) * width, &w, width);
  }
  dp::format::PageValues in;
  in.type = t;
  in.count = kRows;
  in.values = fixed.data();
  in.strings = strings.data();
  std::vector<uint8_t> payload;
  if (!dp::format::EncodeWith(e, in, &payload).ok()) return false;
  std::vector<uint8_t> bytes = {uint8_t(e), uint8_t(t)};
  for (int b = 0; b < 4; ++b) bytes.push_back(uint8_t(kRows >> (8 * b)));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return bool(out);
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
    }
  }
  std::printf("make_seeds: %d inputs under %s\n", written, root.c_str());
  return 0;
}
