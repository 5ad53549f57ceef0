// Every byte of a segment is covered by a checksum or validated: flipping any
// bit makes Verify() (or Open()) fail with a message naming what is damaged,
// reads fail cleanly, truncation and zero-filled tails are clear errors.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "format/checksum.h"
#include "format/trailer.h"
#include "storage/segment_reader.h"
#include "tests/storage/test_util.h"

namespace dp::testing {
namespace {

// A small segment with several types, nulls, two row groups, a compressed
// page and string statistics.
std::string WriteSmallSegment(const TempDir& dir) {
  auto schema = Schema::Make({{"id", DataType::Int64(), false, "row id"},
                              {"name", DataType::String()},
                              {"price", DataType::Float64()},
                              {"ts", DataType::Timestamp(TimeUnit::kMicro)}});
  WriterOptions o;
  o.row_group_rows = 300;
  o.page_rows = 1024;
  o.metadata = {{"k", "v"}};
  o.sync = false;
  std::string path = dir.File("small.dpc");
  auto w = SegmentWriter::Create(path, *schema, o);
  EXPECT_TRUE(w.ok());
  for (int i = 0; i < 500; ++i) {
    std::vector<Value> row = {Value::Int(i), i % 7 == 0 ? Value::Null() : Value::Bytes("name" + std::to_string(i % 4)),
                              Value::Double(i * 0.25), Value::Int(1700000000000000 + i * 1000)};
    EXPECT_TRUE((*w)->AppendRow(row).ok());
  }
  EXPECT_TRUE((*w)->Finish().ok());
  return path;
}

// Opens and reads everything; returns whether any step failed. Never crashes.
bool OpenReadVerifyFails(const std::string& path, std::string* message) {
  auto seg = Segment::Open(path);
  if (!seg.ok()) {
    *message = seg.status().message();
    return true;
  }
  VerifyReport r = (*seg)->Verify();
  for (int c = 0; c < (*seg)->num_columns(); ++c) {
    auto col = (*seg)->ReadColumn(c);  // must fail cleanly or succeed
    if (!col.ok() && message->empty()) *message = col.status().message();
  }
  if (!r.ok()) {
    *message = r.issues[0].what;
    return true;
  }
  return false;
}

TEST(CorruptionTest, EveryBitFlipIsDetected) {
  TempDir dir;
  const std::string path = WriteSmallSegment(dir);
  const std::vector<uint8_t> good = ReadFileBytes(path);
  ASSERT_GT(good.size(), 1000u);
  {
    auto seg = Segment::Open(path);
    ASSERT_OK(seg);
    ASSERT_TRUE((*seg)->Verify().ok());
  }
  // Byte ranges of pages, to check that messages name column and page.
  std::vector<std::pair<uint64_t, uint64_t>> pages;
  {
    auto seg = Segment::Open(path);
    for (int c = 0; c < (*seg)->num_columns(); ++c)
      for (int g = 0; g < (*seg)->num_row_groups(); ++g) {
        auto chunk = (*seg)->column_chunk(c, g);
        ASSERT_OK(chunk);
        for (const PageMeta& p : chunk->pages) pages.emplace_back(p.offset, p.offset + p.stored_size);
      }
  }
  const std::string bad = dir.File("bad.dpc");
  size_t undetected = 0;
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> b = good;
      b[byte] ^= uint8_t(1u << bit);
      WriteFileBytes(bad, b);
      std::string msg;
      if (!OpenReadVerifyFails(bad, &msg)) {
        if (++undetected < 10) ADD_FAILURE() << "flip of bit " << bit << " at offset " << byte << " went undetected";
        continue;
      }
      EXPECT_NE(msg.find(bad), std::string::npos) << "message does not name the file: " << msg;
      for (auto [b0, b1] : pages) {
        if (byte >= b0 && byte < b1) {
          EXPECT_NE(msg.find("column '"), std::string::npos) << msg;
          EXPECT_NE(msg.find("page"), std::string::npos) << msg;
        }
      }
    }
  }
  EXPECT_EQ(undetected, 0u);
  std::printf("%zu bytes x 8 bit flips: %zu undetected\n", good.size(), undetected);
}

// Several random bytes changed at once (a deterministic mini-fuzzer): every
// reader path must fail cleanly or succeed, never crash or hang (the suite
// runs under ASan/UBSan in CI). Damage inside checksummed regions must be
// reported by Verify().
TEST(CorruptionTest, RandomMultiByteDamageNeverCrashes) {
  TempDir dir;
  const std::vector<uint8_t> good = ReadFileBytes(WriteSmallSegment(dir));
  const std::string bad = dir.File("fuzz.dpc");
  std::mt19937_64 rng(20261122);
  size_t undetected = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::vector<uint8_t> b = good;
    const int changes = 1 + int(rng() % 8);
    const size_t at = rng() % b.size();
    for (int k = 0; k < changes; ++k) {
      // Clustered or scattered, random values (a realistic torn write or bad sector).
      const size_t pos = (trial % 2) ? (at + k) % b.size() : rng() % b.size();
      b[pos] = uint8_t(rng());
    }
    if (b == good) continue;
    WriteFileBytes(bad, b);
    std::string msg;
    if (!OpenReadVerifyFails(bad, &msg)) ++undetected;
    // Block iteration over every column must also end cleanly.
    auto seg = Segment::Open(bad);
    if (!seg.ok()) continue;
    for (int c = 0; c < (*seg)->num_columns(); ++c) {
      auto blocks = (*seg)->ReadBlocks(c);
      if (!blocks.ok()) continue;
      Block blk;
      for (int guard = 0; guard < 100000; ++guard) {
        auto more = (*blocks)->Next(&blk);
        if (!more.ok() || !*more) break;
      }
    }
  }
  EXPECT_EQ(undetected, 0u);
}

TEST(CorruptionTest, EveryTruncationIsAClearError) {
  TempDir dir;
  const std::vector<uint8_t> good = ReadFileBytes(WriteSmallSegment(dir));
  const std::string bad = dir.File("trunc.dpc");
  for (size_t len = 0; len < good.size(); ++len) {
    WriteFileBytes(bad, std::vector<uint8_t>(good.begin(), good.begin() + long(len)));
    auto seg = Segment::Open(bad);
    ASSERT_FALSE(seg.ok()) << "truncated to " << len << " bytes opened";
    EXPECT_TRUE(seg.status().IsCorruption()) << seg.status().ToString();
  }
}

TEST(CorruptionTest, ZeroFilledTailIsAClearError) {
  TempDir dir;
  const std::vector<uint8_t> good = ReadFileBytes(WriteSmallSegment(dir));
  const std::string bad = dir.File("zero.dpc");
  for (size_t k = 1; k <= good.size(); k += (k < 128 ? 1 : 37)) {
    std::vector<uint8_t> b = good;
    std::memset(b.data() + b.size() - k, 0, k);
    WriteFileBytes(bad, b);
    std::string msg;
    EXPECT_TRUE(OpenReadVerifyFails(bad, &msg)) << "zeroing the last " << k << " bytes went undetected";
  }
}

// Rewrites header and trailer versions/features and re-seals the checksum,
// as a future writer would.
std::vector<uint8_t> Reseal(std::vector<uint8_t> b, uint16_t major, uint16_t minor, uint64_t features) {
  const size_t t = b.size() - format::kTrailerSize;
  std::memcpy(&b[8], &major, 2);
  std::memcpy(&b[10], &minor, 2);
  std::memcpy(&b[t + 8], &major, 2);
  std::memcpy(&b[t + 10], &minor, 2);
  std::memcpy(&b[t + 16], &features, 8);
  uint64_t footer_len;
  std::memcpy(&footer_len, &b[t], 8);
  format::StreamingChecksum sum;
  sum.Update(&b[t - footer_len], footer_len);
  sum.Update(&b[t], format::kTrailerChecksummedPrefix);
  uint64_t c = sum.Digest();
  std::memcpy(&b[t + 24], &c, 8);
  return b;
}

TEST(CorruptionTest, NewerMajorVersionIsRefusedClearly) {
  TempDir dir;
  const std::vector<uint8_t> good = ReadFileBytes(WriteSmallSegment(dir));
  WriteFileBytes(dir.File("v2.dpc"), Reseal(good, 2, 0, 0));
  auto seg = Segment::Open(dir.File("v2.dpc"));
  ASSERT_FALSE(seg.ok());
  EXPECT_TRUE(seg.status().IsNotSupported()) << seg.status().ToString();
  EXPECT_NE(seg.status().message().find("newer"), std::string::npos) << seg.status().message();
  // A newer minor of the same major stays readable.
  WriteFileBytes(dir.File("v1_9.dpc"), Reseal(good, 1, 9, 0));
  auto minor = Segment::Open(dir.File("v1_9.dpc"));
  ASSERT_OK(minor);
  EXPECT_EQ((*minor)->format_version().minor, 9);
}

TEST(CorruptionTest, UnknownRequiredFeatureIsRefused) {
  TempDir dir;
  const std::vector<uint8_t> good = ReadFileBytes(WriteSmallSegment(dir));
  WriteFileBytes(dir.File("f.dpc"), Reseal(good, 1, 0, 1ull << 40));
  auto seg = Segment::Open(dir.File("f.dpc"));
  ASSERT_FALSE(seg.ok());
  EXPECT_TRUE(seg.status().IsNotSupported());
  EXPECT_NE(seg.status().message().find("features"), std::string::npos);
}

TEST(CorruptionTest, AbsurdFooterLengthIsRefusedBeforeAllocation) {
  TempDir dir;
  const std::string path = WriteSmallSegment(dir);
  std::vector<uint8_t> b = ReadFileBytes(path);
  const uint64_t huge = 1ull << 62;
  std::memcpy(&b[b.size() - format::kTrailerSize], &huge, 8);
  WriteFileBytes(dir.File("huge.dpc"), b);
  auto seg = Segment::Open(dir.File("huge.dpc"));
  ASSERT_FALSE(seg.ok());
  EXPECT_TRUE(seg.status().IsCorruption());
  // A configured metadata limit is honoured.
  OpenOptions small;
  small.max_metadata_bytes = 16;
  auto limited = Segment::Open(path, small);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
}

// Regression: a footer with duplicate field ids (or names) passed the open
// checks, but Segment::schema() came back empty while num_columns() was 2,
// so callers indexing field(c) read out of bounds. The schema must stay
// usable (duplicates disambiguated) and Verify() must name the problem.
TEST(CorruptionTest, DuplicateFieldIdsAndNamesKeepTheSchemaUsable) {
  TempDir dir;
  auto schema = Schema::Make({{"aa", DataType::Int64(), true}, {"ab", DataType::Int64(), true}});
  WriterOptions o;
  o.sync = false;
  auto w = SegmentWriter::Create(dir.File("dup.dpc"), *schema, o);
  ASSERT_OK(w);
  ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Int(1), Value::Int(2)}));
  ASSERT_OK((*w)->Finish());
  std::vector<uint8_t> b = ReadFileBytes(dir.File("dup.dpc"));
  const size_t t = b.size() - format::kTrailerSize;
  // FieldInfo structs {id u32, type 4 (int64), unit 0, flags 1 (nullable), 0}.
  const uint8_t infos[16] = {1, 0, 0, 0, 4, 0, 1, 0, 2, 0, 0, 0, 4, 0, 1, 0};
  auto at = std::search(b.begin(), b.begin() + long(t), infos, infos + 16);
  ASSERT_NE(at, b.begin() + long(t)) << "field infos not found";
  at[8] = 1;  // second field id := 1
  const uint8_t names[4] = {'a', 'a', 'a', 'b'};
  auto nm = std::search(b.begin(), b.begin() + long(t), names, names + 4);
  ASSERT_NE(nm, b.begin() + long(t)) << "names blob not found";
  nm[3] = 'a';  // second name := "aa"
  uint16_t major = 1, minor = 0;
  std::memcpy(&major, &b[8], 2);
  std::memcpy(&minor, &b[10], 2);
  WriteFileBytes(dir.File("dup2.dpc"), Reseal(b, major, minor, 0));

  auto seg = Segment::Open(dir.File("dup2.dpc"));
  ASSERT_OK(seg);
  ASSERT_EQ((*seg)->schema().num_fields(), 2u);
  EXPECT_EQ((*seg)->schema().field(0).name, "aa");
  EXPECT_NE((*seg)->schema().field(1).name, "aa");
  EXPECT_NE((*seg)->schema().field(0).field_id, (*seg)->schema().field(1).field_id);
  VerifyReport r = (*seg)->Verify();
  ASSERT_FALSE(r.ok());
  bool names_issue = false, ids_issue = false;
  for (const auto& i : r.issues) {
    names_issue |= i.what.find("share the name 'aa'") != std::string::npos;
    ids_issue |= i.what.find("share field id 1") != std::string::npos;
  }
  EXPECT_TRUE(names_issue);
  EXPECT_TRUE(ids_issue);
}

// Regression (issue #5): a page whose encoding needs a required-feature bit
// the trailer does not set was read anyway, so a file claiming format 1.0
// with byte-plane pages passed as one any 1.0 reader understands. It must be
// Corruption naming the page, the encoding and the missing feature.
TEST(CorruptionTest, BytePlanePagesWithoutTheFeatureBitAreCorrupt) {
  TempDir dir;
  auto schema = Schema::Make({{"v", DataType::Int64(), false, ""}});
  WriterOptions o;
  o.sync = false;
  o.codec = CodecPolicy::kZstd;
  o.force_encoding = Encoding::kForPlanes;
  auto w = SegmentWriter::Create(dir.File("planes.dpc"), *schema, o);
  ASSERT_OK(w);
  for (int64_t i = 0; i < 4096; ++i) ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Int(i * 7919 % 100003)}));
  ASSERT_OK((*w)->Finish());
  const std::vector<uint8_t> good = ReadFileBytes(dir.File("planes.dpc"));
  uint64_t features = 0;
  std::memcpy(&features, &good[good.size() - format::kTrailerSize + 16], 8);
  ASSERT_EQ(features, format::kFeatureBytePlanes) << "the writer did not use byte planes";

  // Resealed with the same features it stays readable (the edit itself is sound).
  WriteFileBytes(dir.File("same.dpc"), Reseal(good, 1, 1, format::kFeatureBytePlanes));
  auto same = Segment::Open(dir.File("same.dpc"));
  ASSERT_OK(same);
  ASSERT_OK((*same)->ReadColumn(0));
  EXPECT_TRUE((*same)->Verify().ok());

  // A 1.0 file (no feature bits) with for_planes pages.
  WriteFileBytes(dir.File("v1_0.dpc"), Reseal(good, 1, 0, 0));
  auto seg = Segment::Open(dir.File("v1_0.dpc"));
  ASSERT_OK(seg);  // the root footer is fine; column metadata is checked lazily
  auto col = (*seg)->ReadColumn(0);
  ASSERT_FALSE(col.ok());
  EXPECT_TRUE(col.status().IsCorruption()) << col.status().ToString();
  const std::string& m = col.status().message();
  EXPECT_NE(m.find("v1_0.dpc: column 'v' row group 0 page 0"), std::string::npos) << m;
  EXPECT_NE(m.find("for_planes"), std::string::npos) << m;
  EXPECT_NE(m.find("byte_planes"), std::string::npos) << m;
  EXPECT_NE(m.find("does not declare"), std::string::npos) << m;
  VerifyReport r = (*seg)->Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.issues.front().what.find("byte_planes"), std::string::npos) << r.issues.front().what;
  // Streaming reads refuse it too.
  auto blocks = (*seg)->ReadBlocks(0);
  if (blocks.ok()) {
    Block block;
    EXPECT_FALSE((*blocks)->Next(&block).ok());
  }
}

TEST(CorruptionTest, NotASegment) {
  TempDir dir;
  WriteFileBytes(dir.File("text.dpc"), std::vector<uint8_t>(4096, 'x'));
  auto seg = Segment::Open(dir.File("text.dpc"));
  ASSERT_FALSE(seg.ok());
  EXPECT_NE(seg.status().message().find("not a dpstore segment"), std::string::npos);
}

}  // namespace
}  // namespace dp::testing
