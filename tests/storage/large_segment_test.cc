// A 10M-row segment round trip: row groups, page boundaries and 64-bit
// offsets at a realistic size.
#include "tests/storage/test_util.h"

namespace dp::testing {
namespace {

TEST(LargeSegmentTest, TenMillionRows) {
  TempDir dir;
  const size_t n = 10'000'000;
  auto schema = Schema::Make({{"id", DataType::Int64(), false},
                              {"v", DataType::Int32()},
                              {"cat", DataType::String(), false}});
  WriterOptions o;
  o.sync = false;
  auto w = SegmentWriter::Create(dir.File("big.dpc"), *schema, o);
  ASSERT_OK(w);
  const std::string_view cats[4] = {"alpha", "beta", "gamma", "delta"};
  const size_t batch = 1 << 16;
  std::vector<int64_t> ids(batch);
  std::vector<int32_t> vs(batch);
  std::vector<std::string_view> cs(batch);
  std::vector<uint8_t> validity(batch / 8);
  for (size_t start = 0; start < n; start += batch) {
    const size_t k = std::min(batch, n - start);
    for (size_t i = 0; i < k; ++i) {
      const size_t r = start + i;
      ids[i] = int64_t(r);
      vs[i] = int32_t((r * 2654435761u) % 100000);
      cs[i] = cats[(r / 5) % 4];
    }
    for (size_t i = 0; i < k / 8; ++i) validity[i] = 0xFE;  // every 8th row null
    ASSERT_OK((*w)->Append({ColumnData::Of<int64_t>(std::span<const int64_t>(ids.data(), k)),
                            ColumnData::Of<int32_t>(std::span<const int32_t>(vs.data(), k), validity.data()),
                            ColumnData::Strings(std::span<const std::string_view>(cs.data(), k))}));
  }
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("big.dpc"));
  ASSERT_OK(seg);
  ASSERT_EQ((*seg)->num_rows(), n);
  EXPECT_GT((*seg)->num_row_groups(), 5);
  auto ids_read = (*seg)->ReadColumn(0);
  ASSERT_OK(ids_read);
  auto id_span = ids_read->values<int64_t>();
  for (size_t r = 0; r < n; ++r) ASSERT_EQ(id_span[r], int64_t(r));
  auto v_read = (*seg)->ReadColumn(1);
  ASSERT_OK(v_read);
  EXPECT_EQ(v_read->null_count(), n / 8);
  for (size_t r = 0; r < n; r += 9973) {
    ASSERT_EQ(v_read->is_null(r), r % 8 == 0);
    if (r % 8) {
      ASSERT_EQ(v_read->values<int32_t>()[r], int32_t((r * 2654435761u) % 100000));
    }
  }
  auto c_read = (*seg)->ReadColumn(2);
  ASSERT_OK(c_read);
  for (size_t r = 0; r < n; r += 7919) ASSERT_EQ(c_read->strings()[r], cats[(r / 5) % 4]);
  VerifyReport report = (*seg)->Verify();
  EXPECT_TRUE(report.ok()) << report.issues[0].what;
  EXPECT_GT(report.pages_checked, 400u);
}

}  // namespace
}  // namespace dp::testing
