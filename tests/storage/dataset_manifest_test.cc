// Manifest bytes are hostile input: framing, checksum, verifier and semantic
// limits (spec/layout.md §"Metadata files", §"Version manifests").
#include <cstring>

#include "format/checksum.h"
#include "format/manifest.h"
#include "tests/storage/dataset_test_util.h"

namespace dp::testing {
namespace {

format::ManifestRecord SampleRecord() {
  format::ManifestRecord m;
  m.version = 3;
  m.parent = 2;
  m.base_version = 0;
  m.commit_time_us = 1'700'000'000'000'000;
  m.operation = fb::Operation::Append;
  m.event_time_column = "ts";
  m.description = "d";
  m.schema = EventsSchema();
  m.last_field_id = 4;
  m.semver[1] = 2;
  format::SegmentRecord s;
  s.id = "0123456789abcdef0123456789abcdef";
  s.num_rows = 10;
  s.file_size = 1234;
  s.event_time = {{5, 9}};
  s.added_in = 3;
  format::SummaryRecord c;
  c.field_id = 3;
  c.type = TypeId::kString;
  c.num_values = 10;
  c.null_count = 1;
  c.flags = 1 | 4 | 8;
  c.min_bytes = "a";
  c.max_bytes = "z";
  s.columns.push_back(c);
  m.fresh.push_back(s);
  m.removed = {"fedcba9876543210fedcba9876543210"};
  m.num_rows = 10;
  m.num_segments = 1;
  m.message = "msg";
  m.committer = "me";
  m.contract_checksum = 77;
  return m;
}

// Rewrites the checksum so that only the layers below it are tested.
void Reseal(std::vector<uint8_t>& f) {
  const size_t t = f.size() - format::kMetaTrailerSize;
  const uint64_t c = format::Checksum(f.data(), t);
  std::memcpy(f.data() + t, &c, 8);
}

TEST(ManifestFormatTest, RoundTrip) {
  std::vector<uint8_t> f = format::EncodeManifest(SampleRecord());
  auto m = format::ParseManifest(f, "m");
  ASSERT_OK(m);
  EXPECT_EQ((*m)->version(), 3u);
  EXPECT_EQ((*m)->parent(), 2u);
  EXPECT_TRUE((*m)->has_parent());
  EXPECT_EQ((*m)->semver_minor(), 2u);
  EXPECT_EQ((*m)->added()->size(), 1u);
  EXPECT_EQ((*m)->added()->Get(0)->columns()->Get(0)->max_bytes()->size(), 1u);
  EXPECT_EQ((*m)->removed()->Get(0)->str(), "fedcba9876543210fedcba9876543210");
  EXPECT_EQ((*m)->contract_checksum(), 77u);
  auto schema = format::ManifestSchema(*m, "m");
  ASSERT_OK(schema);
  EXPECT_EQ(schema->num_fields(), 4u);
  EXPECT_EQ(schema->field(1).type, DataType::Timestamp(TimeUnit::kMicro));
  EXPECT_FALSE(schema->field(0).nullable);
  // Wrong kind.
  EXPECT_TRUE(format::ParseTag(f, "m").status().IsCorruption());
}

TEST(ManifestFormatTest, EveryBitFlipAndTruncationIsDetected) {
  const std::vector<uint8_t> f = format::EncodeManifest(SampleRecord());
  // Every bit of every byte, and every truncation point.
  for (size_t i = 0; i < f.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> g = f;
      g[i] ^= uint8_t(1u << bit);
      auto m = format::ParseManifest(g, "m.dpv");
      ASSERT_FALSE(m.ok()) << "flip of bit " << bit << " at " << i;
      EXPECT_TRUE(m.status().IsCorruption() || m.status().IsNotSupported()) << m.status().ToString();
      EXPECT_NE(m.status().message().find("m.dpv"), std::string::npos) << m.status().ToString();
    }
  }
  for (size_t n = 0; n < f.size(); ++n) {
    auto m = format::ParseManifest(std::span<const uint8_t>(f.data(), n), "m.dpv");
    ASSERT_FALSE(m.ok()) << "truncated to " << n;
    EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
  }
}

TEST(ManifestFormatTest, HostileBodiesBehindAValidChecksum) {
  const std::vector<uint8_t> f = format::EncodeManifest(SampleRecord());
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> g = f;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      g[format::kMetaHeaderSize + rng() % (g.size() - format::kMetaHeaderSize - format::kMetaTrailerSize)] ^=
          static_cast<uint8_t>(1u << (rng() % 8));
    }
    Reseal(g);
    auto m = format::ParseManifest(g, "m");
    if (m.ok()) {  // whatever passed must be safe to read through
      (void)format::ManifestSchema(*m, "m");
      if ((*m)->added()) {
        for (const fb::SegmentEntry* e : *(*m)->added()) EXPECT_TRUE(format::IsSegmentId(e->id()->string_view()));
      }
    }
  }
}

TEST(ManifestFormatTest, FramingLimits) {
  std::vector<uint8_t> f = format::EncodeManifest(SampleRecord());
  {  // absurd body length
    std::vector<uint8_t> g = f;
    const uint64_t huge = 1ull << 62;
    std::memcpy(g.data() + 16, &huge, 8);
    EXPECT_TRUE(format::ParseManifest(g, "m").status().IsCorruption());
  }
  {  // newer major
    std::vector<uint8_t> g = f;
    g[8] = 2;
    auto m = format::ParseManifest(g, "x.dpv");
    EXPECT_TRUE(m.status().IsNotSupported()) << m.status().ToString();
    EXPECT_NE(m.status().message().find("x.dpv"), std::string::npos);
  }
  {  // reserved bytes
    std::vector<uint8_t> g = f;
    g[14] = 1;
    Reseal(g);
    EXPECT_TRUE(format::ParseManifest(g, "m").status().IsCorruption());
  }
}

TEST(ManifestFormatTest, SemanticRules) {
  auto expect_bad = [](format::ManifestRecord m, const char* what) {
    const std::vector<uint8_t> bytes = format::EncodeManifest(m);
    auto r = format::ParseManifest(bytes, "m");
    EXPECT_TRUE(r.status().IsCorruption()) << what << ": " << r.status().ToString();
  };
  format::ManifestRecord m = SampleRecord();
  m.fresh[0].id = "../../../../etc/passwd0123456789";
  expect_bad(m, "escaping id");
  m = SampleRecord();
  m.fresh[0].id = "0123456789ABCDEF0123456789abcdef";
  expect_bad(m, "uppercase id");
  m = SampleRecord();
  m.parent = 1;
  expect_bad(m, "parent");
  m = SampleRecord();
  m.parent.reset();
  expect_bad(m, "no parent");
  m = SampleRecord();
  m.base_version = 3;
  expect_bad(m, "delta based on itself");
  m = SampleRecord();
  m.full = true;
  m.base_version = 3;
  expect_bad(m, "full with removals");
  m = SampleRecord();
  m.semver[0] = 0;
  expect_bad(m, "semver 0");
  m = SampleRecord();
  m.last_field_id = 2;
  expect_bad(m, "field id above last_field_id");
  m = SampleRecord();
  m.fresh[0].event_time = {{9, 5}};
  expect_bad(m, "event time range");
  m = SampleRecord();
  m.fresh[0].columns[0].null_count = 11;
  expect_bad(m, "nulls > values");
  m = SampleRecord();
  m.fresh[0].columns[0].max_bytes = std::string(65, 'x');
  expect_bad(m, "long stat");
}

TEST(ManifestFormatTest, ProductAndTag) {
  format::ProductRecord p{"orders", "sales", "me", "desc", {"a", "b"}, 60, 5};
  const std::vector<uint8_t> pb = format::EncodeProduct(p);  // parsed views point into it
  auto pr = format::ParseProduct(pb, "p");
  ASSERT_OK(pr);
  EXPECT_EQ((*pr)->owner()->str(), "me");
  EXPECT_EQ((*pr)->tags()->size(), 2u);
  format::TagRecord t{"v1", 4, 9, "m"};
  const std::vector<uint8_t> tb = format::EncodeTag(t);
  auto tr = format::ParseTag(tb, "t");
  ASSERT_OK(tr);
  EXPECT_EQ((*tr)->version(), 4u);
  EXPECT_TRUE(format::ParseProduct(tb, "t").status().IsCorruption());
}

}  // namespace
}  // namespace dp::testing
