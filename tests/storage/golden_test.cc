// Golden files: segments written by every released format version stay
// readable. tests/data/v1/golden_v1_0*.dpc were written by format 1.0 and
// golden_v1_1_*.dpc (byte planes) by format 1.1 and golden_v1_2_*.dpc
// (radix) by format 1.2, with WriteGolden() below
// (write only files of a NEW version, never overwrite a released one).
#include "tests/storage/test_util.h"

#include <fstream>

#include "format/trailer.h"
#include "format/version.h"

#ifndef DP_TEST_DATA_DIR
#error "DP_TEST_DATA_DIR must point at tests/data"
#endif

namespace dp::testing {
namespace {

constexpr int kRows = 3000;

std::vector<Value> GoldenRow(int i) {
  return {Value::Int(1'000'000 + i / 3),
          Value::Int(1'700'000'000'000'000 + int64_t(i) * 1'234'567),
          i % 10 == 0 ? Value::Null() : Value::Bytes("category_" + std::to_string(i % 7)),
          Value::Double(i % 5 == 0 ? 0.0 : (i % 50) / 100.0),
          Value::Int(i % 11 == 0 ? -1 : i % 17),
          Value::Bool(i % 3 == 0),
          Value::UInt(uint64_t(i) * 2654435761u),
          Value::Bytes(std::string(1, char(i % 256)) + "\x01\xff"),
          Value::Int(7),
          Value::Null()};
}

Schema GoldenSchema() {
  return *Schema::Make({{"order_id", DataType::Int64(), false, "order number"},
                        {"ts", DataType::Timestamp(TimeUnit::kMicro), false, "event time"},
                        {"category", DataType::String(), true, "product category"},
                        {"discount", DataType::Float64(), false, ""},
                        {"small", DataType::Int8(), false, ""},
                        {"flag", DataType::Bool(), false, ""},
                        {"hash", DataType::UInt64(), false, ""},
                        {"blob", DataType::Binary(), false, ""},
                        {"seven", DataType::Int32(), false, "always 7"},
                        {"nothing", DataType::String(), true, "always null"}});
}

struct GoldenVariant {
  const char* file;
  std::optional<Encoding> encoding;
  CodecPolicy codec;
  double byte_planes_saving = 1;  // 1: no byte-plane pages
  uint64_t required_features = 0;
  bool radix = false;  // WriterOptions::radix_encodings (format 1.2)
};
// Together these pin every encoding and codec as written by format 1.0, and
// the byte-plane encodings of format 1.1 (taken wherever not larger).
const GoldenVariant kVariants[] = {
    {"golden_v1_0.dpc", std::nullopt, CodecPolicy::kAuto},
    {"golden_v1_0_rle_lz4.dpc", Encoding::kRle, CodecPolicy::kLz4},
    {"golden_v1_0_plain.dpc", Encoding::kPlain, CodecPolicy::kNone},
    {"golden_v1_0_dict_zstd.dpc", Encoding::kDictionary, CodecPolicy::kZstd},
    {"golden_v1_0_constant.dpc", Encoding::kConstant, CodecPolicy::kNone},
    {"golden_v1_1_byte_planes.dpc", Encoding::kForPlanes, CodecPolicy::kZstd, 0, format::kFeatureBytePlanes},
    {"golden_v1_1_delta_planes.dpc", Encoding::kDeltaPlanes, CodecPolicy::kZstd, 0, format::kFeatureBytePlanes},
    {"golden_v1_1_dict_planes.dpc", Encoding::kDictionaryPlanes, CodecPolicy::kZstd, 0, format::kFeatureBytePlanes},
    {"golden_v1_2_for_radix.dpc", Encoding::kForRadix, CodecPolicy::kNone, 1, format::kFeatureRadix, true},
    {"golden_v1_2_dict_radix.dpc", Encoding::kDictionaryRadix, CodecPolicy::kNone, 1, format::kFeatureRadix, true},
    {"golden_v1_2_dict_sparse.dpc", Encoding::kDictionarySparse, CodecPolicy::kNone, 1, format::kFeatureRadix, true},
};

uint64_t RequiredFeaturesOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto size = int64_t(in.tellg());
  uint8_t tail[format::kTrailerSize];
  in.seekg(size - int64_t(format::kTrailerSize));
  in.read(reinterpret_cast<char*>(tail), sizeof tail);
  auto trailer = format::DecodeTrailer(tail, path);
  EXPECT_TRUE(trailer.ok()) << trailer.status().ToString();
  return trailer.ok() ? trailer->required_features : ~uint64_t{0};
}

Status WriteGolden(const std::string& path, const GoldenVariant& variant) {
  WriterOptions o;
  o.force_encoding = variant.encoding;
  o.codec = variant.codec;
  o.min_byte_planes_saving = variant.byte_planes_saving;
  o.radix_encodings = variant.radix;
  o.row_group_rows = 2048;
  o.page_rows = 1024;
  o.metadata = {{"purpose", "golden file"}};
  DP_ASSIGN_OR_RETURN(auto w, SegmentWriter::Create(path, GoldenSchema(), o));
  for (int i = 0; i < kRows; ++i) DP_RETURN_IF_ERROR(w->AppendRow(GoldenRow(i)));
  return w->Finish();
}

void CheckGolden(const std::string& path) {
  auto seg = Segment::Open(path);
  ASSERT_OK(seg);
  EXPECT_TRUE((*seg)->Verify().ok());
  ASSERT_EQ((*seg)->num_rows(), uint64_t(kRows));
  const Schema expected = GoldenSchema();
  ASSERT_EQ((*seg)->schema().num_fields(), expected.num_fields());
  for (size_t c = 0; c < expected.num_fields(); ++c) {
    EXPECT_EQ((*seg)->schema().field(c).name, expected.field(c).name);
    EXPECT_EQ((*seg)->schema().field(c).type, expected.field(c).type);
    auto col = (*seg)->ReadColumn(int(c));
    ASSERT_OK(col);
    for (int i = 0; i < kRows; ++i) {
      ASSERT_TRUE(SameValue(col->GetValue(i), GoldenRow(i)[c])) << "column " << c << " row " << i;
    }
  }
}

TEST(GoldenTest, Format1_0To1_2StayReadable) {
  for (const GoldenVariant& v : kVariants) {
    SCOPED_TRACE(v.file);
    CheckGolden(std::string(DP_TEST_DATA_DIR) + "/v1/" + v.file);
    EXPECT_EQ(RequiredFeaturesOf(std::string(DP_TEST_DATA_DIR) + "/v1/" + v.file), v.required_features);
  }
}

// What readers of format 1.0 (which know no feature bit) and 1.1 (which
// know byte_planes) do with the files: they read every newer file without
// the pages they do not know and refuse the ones with them, before they
// could meet an encoding id they do not know.
TEST(GoldenTest, Format1_0FeatureSetReader) {
  TempDir dir;
  for (const GoldenVariant& v : kVariants) {
    SCOPED_TRACE(v.file);
    ASSERT_OK(WriteGolden(dir.File(v.file), v));
    const uint64_t features = RequiredFeaturesOf(dir.File(v.file));
    EXPECT_EQ(features, v.required_features);
    EXPECT_EQ(format::UnknownFeatures(features, format::kFeaturesOfFormat1_0) != 0, features != 0);
    // A 1.1 reader refuses exactly the files with radix pages.
    EXPECT_EQ(format::UnknownFeatures(features, format::kFeaturesOfFormat1_1) != 0,
              (features & format::kFeatureRadix) != 0);
    EXPECT_EQ(format::UnknownFeatures(features), 0u);  // this build reads all
  }
  auto seg = Segment::Open(std::string(DP_TEST_DATA_DIR) + "/v1/golden_v1_1_byte_planes.dpc");
  ASSERT_OK(seg);
  EXPECT_EQ((*seg)->format_version().minor, 1);
  seg = Segment::Open(std::string(DP_TEST_DATA_DIR) + "/v1/golden_v1_2_for_radix.dpc");
  ASSERT_OK(seg);
  EXPECT_EQ((*seg)->format_version().minor, 2);
}

// DP_WRITE_GOLDEN=<dir> writes the files of a NEW format version there.
TEST(GoldenTest, CurrentWriterProducesReadableGolden) {
  TempDir dir;
  for (const GoldenVariant& v : kVariants) {
    SCOPED_TRACE(v.file);
    ASSERT_OK(WriteGolden(dir.File(v.file), v));
    CheckGolden(dir.File(v.file));
    if (const char* out = std::getenv("DP_WRITE_GOLDEN")) {
      std::filesystem::copy_file(dir.File(v.file), std::string(out) + "/" + v.file,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
}

}  // namespace
}  // namespace dp::testing
