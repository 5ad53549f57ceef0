// PageAnalysis (format/encoding.h): the page analysis that the writer's
// candidates share. The automatic choice, the radix candidate and the
// byte-plane candidate must choose and write exactly the same bytes with a
// shared analysis as without one, also when the analysis (and its scratch
// buffers) move from page to page of other types and sizes.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "format/encoding.h"
#include "tests/format/page_util.h"

namespace dp::format {
namespace {

using testing::FixedPage;
using testing::Page;
using testing::StringPage;

// Pages of every shape the candidates treat differently: skewed and
// uniform integers (FOR and delta planes, packed top planes of 1, 2, 4
// bits), small ranges (radix), few distinct floats and strings
// (dictionary, radix, sparse, dictionary planes), unique strings (no
// dictionary), constant, bool, one value, and counts that are not a
// multiple of 1024 or of the values packed per byte.
std::vector<Page> Pages() {
  std::mt19937_64 rng(20240611);
  std::vector<Page> pages;
  for (uint32_t n : {65536u, 5003u, 1u, 2u, 7u}) {
    std::vector<int64_t> cubed(n), times(n), small(n), top2(n);
    int64_t t = 1'700'000'000'000'000;
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t r = rng() % 1000;
      cubed[i] = int64_t(r * r * r / 1000);
      t += int64_t(rng() % 5000);
      times[i] = t;
      small[i] = 3 + int64_t(rng() % 10);
      // Residuals of 9 or 10 bits: the second plane packs 1 or 2 bits.
      top2[i] = int64_t(rng() % (i % 3 == 0 ? 1024 : 512));
    }
    pages.push_back(FixedPage(PhysicalType::kI64, cubed));
    pages.push_back(FixedPage(PhysicalType::kI64, times));
    pages.push_back(FixedPage(PhysicalType::kI64, small));
    pages.push_back(FixedPage(PhysicalType::kI64, top2));
    std::vector<int32_t> i32(n);
    for (auto& x : i32) x = int32_t(rng() % 100'000) - 50'000;
    pages.push_back(FixedPage(PhysicalType::kI32, i32));
    std::vector<uint16_t> u16(n);
    for (auto& x : u16) x = uint16_t(rng() % 13 == 0 ? rng() : 5);
    pages.push_back(FixedPage(PhysicalType::kU16, u16));
    std::vector<double> discount(n);
    for (auto& x : discount) x = rng() % 5 == 0 ? double(rng() % 50) / 100 : 0.0;
    pages.push_back(FixedPage(PhysicalType::kF64, discount));
    std::vector<float> floats(n);
    for (auto& x : floats) x = float(int32_t(rng())) / 1024.0f;
    pages.push_back(FixedPage(PhysicalType::kF32, floats));
    std::vector<std::string> categories(n), unique(n), countries(n);
    for (uint32_t i = 0; i < n; ++i) {
      categories[i] = "category_" + std::to_string(rng() % 50);
      unique[i] = "id-" + std::to_string(rng());
      countries[i] = rng() % 4 == 0 ? "DE" : "US";
    }
    pages.push_back(StringPage(categories));
    pages.push_back(StringPage(unique));
    pages.push_back(StringPage(countries));
    pages.push_back(FixedPage(PhysicalType::kI32, std::vector<int32_t>(n, 42)));
    std::vector<uint8_t> flags(n);
    for (auto& x : flags) x = rng() & 1;
    pages.push_back(FixedPage(PhysicalType::kBool, flags));
  }
  return pages;
}

struct Candidates {
  Encoding values;
  std::vector<uint8_t> values_bytes;
  std::optional<Encoding> radix;
  std::vector<uint8_t> radix_bytes;
  std::optional<Encoding> planes;
  std::vector<uint8_t> planes_bytes;
};

// The three candidates in the writer's order, with limits that let each
// be taken where it applies.
Candidates Encode(const Page& page, PageAnalysis* analysis) {
  Candidates c;
  auto v = EncodeValues(page.View(), {}, &c.values_bytes, analysis);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  c.values = v.ok() ? *v : Encoding::kPlain;
  auto r = EncodeRadix(page.View(), UINT64_MAX, &c.radix_bytes, analysis);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) c.radix = *r;
  auto p = EncodeBytePlanes(page.View(), UINT64_MAX, &c.planes_bytes, analysis);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (p.ok()) c.planes = *p;
  return c;
}

void ExpectSame(const Candidates& a, const Candidates& b) {
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.values_bytes, b.values_bytes);
  EXPECT_EQ(a.radix, b.radix);
  EXPECT_EQ(a.radix_bytes, b.radix_bytes);
  EXPECT_EQ(a.planes, b.planes);
  EXPECT_EQ(a.planes_bytes, b.planes_bytes);
}

TEST(PageAnalysis, SharedAnalysisWritesTheSameBytes) {
  const std::vector<Page> pages = Pages();
  PageAnalysis analysis;  // one for all pages, as a column builder keeps it
  for (size_t i = 0; i < pages.size(); ++i) {
    SCOPED_TRACE("page " + std::to_string(i) + " (" + std::string(PhysicalTypeName(pages[i].type)) + ", " +
                 std::to_string(pages[i].count) + " values)");
    const Candidates alone = Encode(pages[i], nullptr);
    analysis.Reset(pages[i].View());
    ExpectSame(alone, Encode(pages[i], &analysis));
    // The candidates decode back to the page.
    ASSERT_NO_FATAL_FAILURE(testing::ExpectRoundTrip(alone.values, pages[i], alone.values_bytes));
    if (alone.radix) {
      ASSERT_NO_FATAL_FAILURE(testing::ExpectRoundTrip(*alone.radix, pages[i], alone.radix_bytes));
    }
    if (alone.planes) {
      ASSERT_NO_FATAL_FAILURE(testing::ExpectRoundTrip(*alone.planes, pages[i], alone.planes_bytes));
    }
  }
  // Other orders (byte planes first, radix first) share the same way.
  for (size_t i = 0; i < pages.size(); ++i) {
    SCOPED_TRACE("page " + std::to_string(i) + " reversed");
    const Candidates alone = Encode(pages[i], nullptr);
    analysis.Reset(pages[i].View());
    Candidates shared;
    auto p = EncodeBytePlanes(pages[i].View(), UINT64_MAX, &shared.planes_bytes, &analysis);
    ASSERT_TRUE(p.ok());
    shared.planes = *p;
    auto r = EncodeRadix(pages[i].View(), UINT64_MAX, &shared.radix_bytes, &analysis);
    ASSERT_TRUE(r.ok());
    shared.radix = *r;
    auto v = EncodeValues(pages[i].View(), {}, &shared.values_bytes, &analysis);
    ASSERT_TRUE(v.ok());
    shared.values = *v;
    ExpectSame(alone, shared);
  }
}

TEST(PageAnalysis, AnotherPageWithoutResetStartsOver) {
  // Given a page other than the one it was Reset() to (other values, count
  // or type), an encoder analyzes that page, not the stale one.
  const std::vector<Page> pages = Pages();
  PageAnalysis analysis;
  analysis.Reset(pages[0].View());
  for (size_t i = 0; i < pages.size(); ++i) {
    SCOPED_TRACE("page " + std::to_string(i));
    ExpectSame(Encode(pages[i], nullptr), Encode(pages[i], &analysis));
  }
}

TEST(PageAnalysis, DistinctPositions) {
  PageAnalysis analysis;
  const Page strings = StringPage({"b", "a", "b", "c", "a", "b", "b", "b"});
  analysis.Reset(strings.View());
  EXPECT_EQ(analysis.distinct_positions(), nullptr);  // nothing built yet
  std::vector<uint8_t> out;
  ASSERT_TRUE(EncodeValues(strings.View(), {}, &out, &analysis).ok());
  ASSERT_NE(analysis.distinct_positions(), nullptr);
  // In the order of the dictionary's entries: "a", "b", "c".
  EXPECT_EQ(*analysis.distinct_positions(), (std::vector<uint32_t>{1, 0, 3}));

  // Mostly unique values: the dictionary gives up, no positions.
  std::vector<std::string> unique(5000);
  for (size_t i = 0; i < unique.size(); ++i) unique[i] = "v" + std::to_string(i);
  const Page many = StringPage(unique);
  analysis.Reset(many.View());
  ASSERT_TRUE(EncodeValues(many.View(), {}, &out, &analysis).ok());
  EXPECT_EQ(analysis.distinct_positions(), nullptr);

  // Reset() forgets the previous page's dictionary.
  analysis.Reset(strings.View());
  EXPECT_EQ(analysis.distinct_positions(), nullptr);
}

}  // namespace
}  // namespace dp::format
