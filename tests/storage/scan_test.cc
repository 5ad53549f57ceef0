// Unit tests of the scan API: spec validation and messages, pruning
// statistics, time buckets, field-id resolution (missing and widened
// columns), lazily opened parts pruned by summaries, exact integer sums.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include "storage/scan/aggregate.h"
#include "storage/scan/exec.h"
#include "storage/scan/huge_pages.h"
#include "tests/storage/scan_reference.h"

namespace dp::testing {
namespace {

constexpr int64_t kDay = 86'400'000'000;
constexpr int64_t k2024 = 1'704'067'200'000'000;  // 2024-01-01T00:00:00Z

// A time-sorted segment: ts one row per 10 minutes from 2024-01-01, price = i,
// country cycles over 3 values, qty nullable (every 5th null).
std::shared_ptr<const Segment> SortedSegment(const TempDir& dir, const std::string& name, int64_t rows,
                                             WriterOptions opt = {}) {
  auto schema = Schema::Make({{"ts", DataType::Timestamp(TimeUnit::kMicro), false},
                              {"price", DataType::Int64(), false},
                              {"country", DataType::String(), false},
                              {"qty", DataType::Int32(), true}});
  opt.sync = false;
  auto w = SegmentWriter::Create(dir.File(name), *schema, opt);
  EXPECT_TRUE(w.ok());
  static const char* kCountries[] = {"DE", "FR", "US"};
  for (int64_t i = 0; i < rows; ++i) {
    std::vector<Value> row = {Value::Int(k2024 + i * 600'000'000), Value::Int(i), Value::Bytes(kCountries[i % 3]),
                              i % 5 == 0 ? Value() : Value::Int(i % 10)};
    EXPECT_TRUE((*w)->AppendRow(row).ok());
  }
  EXPECT_TRUE((*w)->Finish().ok());
  auto seg = Segment::Open(dir.File(name));
  EXPECT_TRUE(seg.ok());
  return *seg;
}

TEST(Scan, RejectsBadSpecsWithClearMessages) {
  TempDir dir;
  auto source = ScanSource::FromSegments({SortedSegment(dir, "a.dpc", 100)});
  ASSERT_OK(source);
  ScanSpec spec;
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count()};

  spec.predicate = Predicate::Eq("nope", Value::Int(1));
  auto r = RunAggregate(*source, spec, agg);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("no column named 'nope'"), std::string::npos) << r.status().ToString();

  spec.predicate = Predicate::Eq("price", Value::Bytes("cheap"));
  r = RunAggregate(*source, spec, agg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column 'price'"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("'cheap'"), std::string::npos) << r.status().ToString();

  spec.predicate = Predicate::Gt("country", Value::Int(3));
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  spec.predicate = Predicate::Eq("qty", Value());
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  spec.predicate = Predicate::StartsWith("price", "1");
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());

  spec.predicate = Predicate();
  spec.time_range = TimeRange{"country", 0, 1};
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  spec.time_range.reset();

  agg.aggregates = {Aggregate::Sum("country")};
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  agg.aggregates = {Aggregate::Sum("ts")};
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  agg.aggregates = {Aggregate::Count()};
  agg.bucket = TimeBucket::kDay;  // no bucket column, no time range
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  agg.bucket_column = "price";
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  agg.bucket = TimeBucket::kNone;
  agg.group_by = {"a", "b", "c", "d", "e"};
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());
  agg.group_by.clear();
  spec.limit = 3;
  EXPECT_TRUE(RunAggregate(*source, spec, agg).status().IsInvalidArgument());

  EXPECT_TRUE(ScanSource::FromSegments({}).status().IsInvalidArgument());
  EXPECT_TRUE(ScanSource::FromSegments({nullptr}).status().IsInvalidArgument());
  ScanSpec bad;
  bad.batch_rows = 10;
  EXPECT_TRUE(Scanner::Open(*source, bad).status().IsInvalidArgument());
}

TEST(Scan, TimeRangeTouchesFewPages) {
  TempDir dir;
  WriterOptions opt;
  opt.row_group_rows = 16 * 1024;
  opt.page_rows = 1024;
  const int64_t rows = 24 * 6 * 30 * 4;  // 120 days of 10-minute rows = 17280
  auto source = ScanSource::FromSegments({SortedSegment(dir, "t.dpc", rows, opt)});
  ASSERT_OK(source);
  ScanSpec spec;
  spec.time_range = TimeRange{"ts", k2024 + 10 * kDay, k2024 + 12 * kDay};
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("price")};
  auto r = RunAggregate(*source, spec, agg);
  ASSERT_OK(r);
  ASSERT_EQ(r->rows.size(), 1u);
  const int64_t first = 10 * 144, n = 2 * 144;
  EXPECT_EQ(r->rows[0][0], Value::Int(n));
  EXPECT_EQ(r->rows[0][1], Value::Int((first + first + n - 1) * n / 2));
  const ScanStats& st = r->stats;
  EXPECT_EQ(st.row_groups_total, 2u);
  EXPECT_EQ(st.row_groups_pruned, 1u);
  EXPECT_LE(st.pages_read, 4u) << st.ToString();  // ts + price pages of the window
  EXPECT_GT(st.pages_total, 30u) << st.ToString();
  EXPECT_LE(st.rows_scanned, 2048u + 1024u) << st.ToString();
}

// Pages whose zone lies inside the time range are not evaluated (nor even
// decoded when only the predicate reads the column): only the two edge pages
// of ts are loaded for a range covering 30 pages.
TEST(Scan, PagesInsideTheRangeAreNotEvaluated) {
  TempDir dir;
  WriterOptions opt;
  opt.row_group_rows = 64 * 1024;
  opt.page_rows = 1024;
  const int64_t rows = 144 * 365;  // a year of 10-minute rows, 52 pages
  auto source = ScanSource::FromSegments({SortedSegment(dir, "t.dpc", rows, opt)});
  ASSERT_OK(source);
  ScanSpec spec;
  // Not aligned with page boundaries at either end.
  spec.time_range = TimeRange{"ts", k2024 + 40 * kDay + 12345, k2024 + 250 * kDay + 777};
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count()};
  for (int threads : {1, 2}) {
    spec.threads = threads;
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    const int64_t first = 40 * 144 + 1, last = 250 * 144;  // rows whose ts is inside
    EXPECT_EQ(r->rows[0][0], Value::Int(last - first + 1));
    EXPECT_LE(r->stats.pages_read, 4u) << r->stats.ToString();
  }
  // The same answer with an OR that defeats the shortcut on one side.
  spec.threads = 1;
  spec.predicate = Predicate::Or({Predicate::Ge("price", Value::Int(rows)), Predicate::IsNotNull("ts")});
  auto r = RunAggregate(*source, spec, agg);
  ASSERT_OK(r);
  EXPECT_EQ(r->rows[0][0], Value::Int(250 * 144 - 40 * 144));
}

TEST(Scan, GroupByDayAndCountryWithNulls) {
  TempDir dir;
  auto source = ScanSource::FromSegments({SortedSegment(dir, "g.dpc", 3 * 144)});
  ASSERT_OK(source);
  ScanSpec spec;
  spec.predicate = Predicate::Ne("country", Value::Bytes("US"));
  spec.time_range = TimeRange{"ts", std::nullopt, std::nullopt};
  AggregateSpec agg;
  agg.group_by = {"country"};
  agg.bucket = TimeBucket::kDay;
  agg.bucket_column = "ts";
  agg.aggregates = {Aggregate::Count(), Aggregate::CountValid("qty"), Aggregate::Max("qty")};
  auto r = RunAggregate(*source, spec, agg);
  ASSERT_OK(r);
  ASSERT_EQ(r->names, (std::vector<std::string>{"country", "ts:day", "count", "count(qty)", "max(qty)"}));
  ASSERT_EQ(r->rows.size(), 6u);  // DE, FR x 3 days, sorted by key
  EXPECT_EQ(r->rows[0][0], Value::Bytes("DE"));
  EXPECT_EQ(r->rows[0][1], Value::Int(k2024));
  EXPECT_EQ(r->rows[1][1], Value::Int(k2024 + kDay));
  EXPECT_EQ(r->rows[3][0], Value::Bytes("FR"));
  EXPECT_EQ(r->rows[0][2], Value::Int(48));
  EXPECT_EQ(r->rows[0][4], Value::Int(9));
}

// Sorted event times in delta-coded pages: blocks inside one bucket and
// blocks inside or outside the time range are settled from the block's
// bounds (PageDecoder::PeekBounds) without decoding ts; blocks across a
// bucket start or a range end take the per-row path. Every answer equals
// the reference's, with = and != on a dictionary-coded string (one odd
// entry: a compare per code) and a set of two (a table per code).
TEST(Scan, SortedTimesSettledFromDeltaBoundsMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make({{"ts", DataType::Timestamp(TimeUnit::kMicro), false},
                              {"price", DataType::Int64(), false},
                              {"country", DataType::String(), false}});
  ASSERT_OK(schema);
  static const char* kCountries[] = {"DE", "FR", "US", "AU", "BR"};
  std::mt19937_64 rng(5);
  std::vector<std::vector<Value>> rows;
  int64_t ts = k2024 - 3 * 3'600'000'000;
  for (int i = 0; i < 40'000; ++i) {
    ts += int64_t(rng() % 4'000'000);  // ~2 s apart: ~34 min per 1024-row block
    rows.push_back({Value::Int(ts), Value::Int(int64_t(rng() % 100'000) - 20'000),
                    Value::Bytes(kCountries[rng() % 5])});
  }
  int file = 0;
  for (Encoding e : {Encoding::kDeltaPlanes, Encoding::kDeltaBitpack}) {
    WriterOptions opt;
    opt.page_rows = 8192;
    opt.row_group_rows = 20'000;
    opt.force_encoding = e;
    auto seg = WriteSegment(dir.File("d" + std::to_string(file++) + ".dpc"), *schema, rows, opt);
    ASSERT_OK(seg);
    auto source = ScanSource::FromSegments({*seg});
    ASSERT_OK(source);
    const std::vector<Row> all = ReadRows({*seg});
    SCOPED_TRACE(std::string(EncodingName(e)));
    const std::vector<Predicate> preds = {Predicate(), Predicate::Eq("country", Value::Bytes("DE")),
                                          Predicate::Ne("country", Value::Bytes("US")),
                                          Predicate::In("country", {Value::Bytes("FR"), Value::Bytes("BR")})};
    for (const Predicate& pred : preds) {
      for (TimeBucket b : {TimeBucket::kMinute, TimeBucket::kHour, TimeBucket::kDay}) {
        for (int range = 0; range < 3; ++range) {
          ScanSpec spec;
          spec.predicate = pred;
          if (range == 1) spec.time_range = TimeRange{"ts", k2024 + 1'234'567, k2024 + 11 * 3'600'000'000 + 7};
          if (range == 2) spec.time_range = TimeRange{"ts", all[5000][0].as_int(), all[30'001][0].as_int()};
          AggregateSpec agg;
          agg.bucket = b;
          agg.bucket_column = "ts";
          agg.aggregates = {Aggregate::Count(), Aggregate::Sum("price"), Aggregate::Min("price")};
          SCOPED_TRACE(pred.ToString() + " bucket " + std::to_string(int(b)) + " range " + std::to_string(range));
          bool overflow = false;
          const std::vector<Row> want = RefAggregate(all, *schema, spec, agg, &overflow);
          ASSERT_FALSE(overflow);
          for (int threads : {1, 2}) {
            spec.threads = threads;
            auto got = RunAggregate(*source, spec, agg);
            ASSERT_OK(got);
            ASSERT_EQ(got->rows.size(), want.size());
            for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got->rows[i], want[i]) << "group " << i;
          }
        }
      }
    }
  }
}

// Batches of a selective filter gather only the selected rows of blocks
// that reach one value (for_planes, for_bitpack; ColumnCursor::Gather):
// against the reference at densities on both sides of the encodings'
// cut-offs; with a column projected twice (the second read of a block the
// first one decoded in part starts its page over: see the cursor test
// below) and with long strings whose pages end inside blocks (windows
// shorter than a block decode it).
TEST(Scan, SelectedRowsGatheredFromEncodedBlocksMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64(), false},
                              {"v", DataType::Int64(), true},
                              {"k", DataType::Int32(), false},
                              {"u", DataType::UInt16(), false},
                              {"s", DataType::String(), false}});
  ASSERT_OK(schema);
  std::mt19937_64 rng(11);
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 30'000; ++i) {
    rows.push_back({Value::Int(int64_t(rng() % 3'000'000) - 1'000'000),
                    i % 97 == 0 ? Value() : Value::Int(int64_t(rng() % 900'000'000'000)), Value::Int(int64_t(rng() % 200)),
                    Value::UInt(rng() % 60'000), Value::Bytes(std::string(1 + rng() % 300, char('a' + i % 26)))});
  }
  int file = 0;
  for (Encoding e : {Encoding::kForPlanes, Encoding::kForBitpack}) {
    for (uint32_t page_bytes : {1u << 20, 40'000u}) {
      WriterOptions opt;
      opt.page_rows = 8192;
      opt.page_bytes = page_bytes;
      opt.row_group_rows = 20'000;
      opt.force_encoding = e;
      auto seg = WriteSegment(dir.File("g" + std::to_string(file++) + ".dpc"), *schema, rows, opt);
      ASSERT_OK(seg);
      auto source = ScanSource::FromSegments({*seg});
      ASSERT_OK(source);
      // The same segment read as a wider schema (k: int32 -> int64, u:
      // uint16 -> uint64): selected rows decoded in the segment's type, then
      // widened.
      std::vector<Field> wide_fields = schema->fields();
      wide_fields[2].type = DataType::Int64();
      wide_fields[3].type = DataType::UInt64();
      auto wide = Schema::Make(wide_fields);
      ASSERT_OK(wide);
      std::vector<ScanPart> parts(1);
      parts[0].segment = *seg;
      const ScanSource widened(*wide, parts);
      const std::vector<Row> all = ReadRows({*seg});
      for (int64_t below : {0, 1, 4, 30, 90, 150, 200}) {  // k < below: none, 1/200 .. 3/4, all
        for (bool with_strings : {false, true}) {
          ScanSpec spec;
          spec.predicate = Predicate::Lt("k", Value::Int(below));
          spec.projection = {"id", "v", "u", "k"};
          if (with_strings) spec.projection.push_back("s");
          const std::vector<int> proj = {0, 1, 3, 2, 4};
          std::vector<Row> want;
          for (const Row& r : all) {
            if (r[2].as_int() >= below) continue;
            Row o;
            for (size_t j = 0; j < spec.projection.size(); ++j) o.push_back(r[proj[j]]);
            want.push_back(std::move(o));
          }
          for (int threads : {1, 2}) {
            for (const ScanSource* from : {static_cast<const ScanSource*>(&*source), &widened}) {
              spec.threads = threads;
              SCOPED_TRACE(std::string(EncodingName(e)) + " page_bytes " + std::to_string(page_bytes) + " k < " +
                           std::to_string(below) + " strings " + std::to_string(with_strings) + " threads " +
                           std::to_string(threads) + (from == &widened ? " widened" : ""));
              auto got = ScanRows(*from, spec);
              ASSERT_OK(got);
              ASSERT_EQ(got->size(), want.size());
              for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ((*got)[i], want[i]) << "row " << i;
            }
          }
        }
      }
    }
  }
}

// A for_bitpack page whose base + 2^width - 1 leaves its type (no writer
// makes one, a hostile file can: the checksums are off here, a forged
// file would carry matching ones) decodes to wrapped values. The packed
// sum kernel took value = base + packed without wrapping, so sum(v) over
// such a page differed from the sum of its rows, with encoded kernels on
// or off. Every path must give the decoder's values.
TEST(Scan, ForPagesWhoseValuesWrapGiveTheDecodersValues) {
  TempDir dir;
  auto schema = Schema::Make({{"v", DataType::Int32(), false}});
  ASSERT_OK(schema);
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 4096; ++i) rows.push_back({Value::Int(i % 1000)});
  WriterOptions opt;
  opt.page_rows = 2048;
  opt.codec = CodecPolicy::kNone;
  opt.force_encoding = Encoding::kForBitpack;
  const std::string path = dir.File("wrap.dpc");
  auto written = WriteSegment(path, *schema, rows, opt);
  ASSERT_OK(written);
  auto chunk = (*written)->column_chunk(0, 0);
  ASSERT_OK(chunk);
  ASSERT_EQ(chunk->pages.size(), 2u);
  // Page 1's base (header bytes 0..7) to INT32_MAX - 100: packed values
  // 0..100 decode to INT32_MAX - 100 .. INT32_MAX, 101..999 wrap to
  // INT32_MIN...
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    const uint64_t base = uint32_t(INT32_MAX - 100);
    f.seekp(std::streamoff(chunk->pages[1].offset));
    f.write(reinterpret_cast<const char*>(&base), 8);
    ASSERT_TRUE(f.good());
  }
  OpenOptions unverified;
  unverified.verify_checksums = false;
  auto seg = Segment::Open(path, unverified);
  ASSERT_OK(seg);
  auto column = (*seg)->ReadColumn("v");
  ASSERT_OK(column);
  const auto values = column->values<int32_t>();
  ASSERT_EQ(values.size(), 4096u);
  ASSERT_EQ(values[2048], INT32_MAX - 100 + 48);  // row 2048 holds 48
  ASSERT_EQ(values[2101], INT32_MIN);             // 101: the page does wrap
  auto source = ScanSource::FromSegments({std::shared_ptr<const Segment>(std::move(*seg))});
  ASSERT_OK(source);
  // Over all rows the answer is the rows'. With a bound, page 1's
  // statistics (still those of 0..999: they are trusted as pruning trusts
  // them, and `dpinspect verify` reports the lie) settle part of it, so
  // there the encoded kernels must agree with the decoded path.
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("v"), Aggregate::Min("v"), Aggregate::Max("v")};
  for (const int64_t at_least : {int64_t{INT32_MIN}, int64_t{0}, int64_t{500}, int64_t{INT32_MAX - 50}}) {
    ScanSpec spec;
    spec.predicate = Predicate::Ge("v", Value::Int(at_least));
    std::vector<Row> got[2];
    for (bool encoded : {true, false}) {
      internal::scan::SetEncodedKernels(encoded);
      auto r = RunAggregate(*source, spec, agg);
      ASSERT_OK(r);
      got[encoded] = r->rows;
    }
    internal::scan::SetEncodedKernels(true);
    SCOPED_TRACE("v >= " + std::to_string(at_least));
    ASSERT_EQ(got[1].size(), 1u);
    EXPECT_EQ(got[1], got[0]) << got[1][0][1].ToString(DataType::Int64()) << " vs "
                              << got[0][0][1].ToString(DataType::Int64());
    if (at_least == INT32_MIN) {
      int64_t sum = 0;
      for (int32_t v : values) sum += v;
      EXPECT_EQ(got[1][0][0], Value::Int(4096));
      EXPECT_EQ(got[1][0][1], Value::Int(sum)) << got[1][0][1].ToString(DataType::Int64());
    }
  }
  internal::scan::SetEncodedKernels(true);
}

// Range tests (=, !=, <, <=, >, >=, BETWEEN) of every integer type on
// for_bitpack blocks, run on the packed values with the bounds moved by the
// page's base (ColumnCursor::ForBlockInRange), give the rows the decoded
// path and the reference give: bounds at the type's edges, at the page's
// base and top, inside, outside; widths 0 (one value), 1, narrow, and the
// whole type; a page with nulls and a last partial block; columns read
// widened to 64 bits.
TEST(Scan, RangeTestsOnPackedBlocksMatchDecodedOnes) {
  using Int128Value = RefInt128;
  __extension__ using UInt128Value = unsigned __int128;
  struct Kind {
    DataType type;
    Int128Value lo, hi;  // the type's range
  };
  const Kind kinds[] = {
      {DataType::Int8(), -128, 127},
      {DataType::Int16(), -32768, 32767},
      {DataType::Int32(), INT32_MIN, INT32_MAX},
      {DataType::Int64(), INT64_MIN, INT64_MAX},
      {DataType::UInt8(), 0, 255},
      {DataType::UInt16(), 0, 65535},
      {DataType::UInt32(), 0, UINT32_MAX},
      {DataType::UInt64(), 0, Int128Value(UINT64_MAX)},
  };
  TempDir dir;
  std::mt19937_64 rng(23);
  int file = 0;
  for (const Kind& k : kinds) {
    const bool is_signed = k.lo < 0;
    auto value = [&](Int128Value v) { return is_signed ? Value::Int(int64_t(v)) : Value::UInt(uint64_t(v)); };
    // Value sets: one value (width 0), two adjacent, a narrow range near the
    // type's bottom, near its top, and the whole type.
    const Int128Value span = k.hi - k.lo;
    const std::vector<std::pair<Int128Value, Int128Value>> ranges = {
        {k.lo + span / 3, k.lo + span / 3},
        {k.hi - 1, k.hi},
        {k.lo, k.lo + std::min<Int128Value>(span, 100)},
        {k.hi - std::min<Int128Value>(span, 5000), k.hi},
        {k.lo, k.hi}};
    for (size_t ri = 0; ri < ranges.size(); ++ri) {
      const Int128Value vlo = ranges[ri].first, vhi = ranges[ri].second;  // not a structured binding: clang 14 cannot capture one
      auto draw = [&] {
        const UInt128Value width = UInt128Value(vhi - vlo) + 1;
        const UInt128Value r = (UInt128Value(rng()) << 64 | rng()) % width;
        const int pick = int(rng() % 16);
        if (pick == 0) return vlo;
        if (pick == 1) return vhi;
        return vlo + Int128Value(r);
      };
      auto schema = Schema::Make({{"v", k.type, true}});
      ASSERT_OK(schema);
      std::vector<std::vector<Value>> rows;
      const int n = 5000;  // pages of 2048: the last block of each page is partial
      for (int i = 0; i < n; ++i) {
        // Nulls only in the second page: it is decoded, the others packed.
        rows.push_back({i >= 2048 && i < 4096 && i % 7 == 0 ? Value() : value(draw())});
      }
      WriterOptions opt;
      opt.page_rows = 2000;
      opt.force_encoding = Encoding::kForBitpack;
      auto seg = WriteSegment(dir.File("r" + std::to_string(file++) + ".dpc"), *schema, rows, opt);
      ASSERT_OK(seg);
      auto source = ScanSource::FromSegments({*seg});
      ASSERT_OK(source);
      std::vector<ScanPart> parts(1);
      parts[0].segment = *seg;
      auto wide = Schema::Make({{"v", is_signed ? DataType::Int64() : DataType::UInt64(), true}});
      ASSERT_OK(wide);
      const ScanSource widened(*wide, parts);
      const std::vector<Row> all = ReadRows({*seg});
      std::vector<Int128Value> bounds = {k.lo, k.lo + 1, k.hi - 1, k.hi, vlo - 1, vlo, vlo + 1, vhi - 1, vhi, vhi + 1};
      for (int i = 0; i < 6; ++i) bounds.push_back(draw());
      for (Int128Value b : bounds) {
        if (b < k.lo || b > k.hi) continue;
        const Value lit = value(b);
        const Value other = value(std::min(k.hi, b + Int128Value(rng() % 1000)));
        const std::vector<std::pair<std::string, Predicate>> preds = {
            {"=", Predicate::Eq("v", lit)},  {"!=", Predicate::Ne("v", lit)}, {"<", Predicate::Lt("v", lit)},
            {"<=", Predicate::Le("v", lit)}, {">", Predicate::Gt("v", lit)},  {">=", Predicate::Ge("v", lit)},
            {"between", Predicate::Between("v", lit, other)}};
        for (const auto& [name, pred] : preds) {
          ScanSpec spec;
          spec.predicate = pred;
          std::vector<Row> want;
          for (const Row& r : all) {
            if (RefEval(pred, *schema, r) == true) want.push_back(r);
          }
          for (bool packed : {true, false}) {
            internal::scan::SetEncodedKernels(packed);
            for (const ScanSource* from : {static_cast<const ScanSource*>(&*source), &widened}) {
              SCOPED_TRACE(k.type.ToString() + " values " + std::to_string(ri) + " v " + name + " " +
                           std::to_string(int64_t(b)) + (packed ? " packed" : " decoded") + (from == &widened ? " widened" : ""));
              auto got = ScanRows(*from, spec);
              ASSERT_OK(got);
              ASSERT_EQ(*got, want);
            }
          }
          internal::scan::SetEncodedKernels(true);
        }
      }
    }
  }
}

// A block Gather() decoded in part, then asked for whole (Values()): the
// cursor starts the page over instead of failing as moved backwards, and
// both forms agree with the rows.
TEST(ColumnCursor, WholeBlockAfterAPartialGather) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64(), false}, {"k", DataType::Int32(), false}});
  ASSERT_OK(schema);
  std::mt19937_64 rng(3);
  for (Encoding e : {Encoding::kForPlanes, Encoding::kForBitpack}) {
    WriterOptions opt;
    opt.page_rows = 4096;
    opt.force_encoding = e;
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 10'000; ++i) {
      rows.push_back({Value::Int(int64_t(rng() % 5'000'000)), Value::Int(int64_t(rng() % 100))});
    }
    auto seg = WriteSegment(dir.File(std::string(EncodingName(e)) + ".dpc"), *schema, rows, opt);
    ASSERT_OK(seg);
    auto source = ScanSource::FromSegments({*seg});
    ASSERT_OK(source);
    const std::vector<Row> all = ReadRows({*seg});
    ScanSpec spec;
    spec.predicate = Predicate::Lt("k", Value::Int(2));  // ~1 row in 50: both encodings gather
    auto plan = internal::scan::MakePlan(*schema, spec, {"id", "k"});
    ASSERT_OK(plan);
    auto src = internal::scan::OpenSource(*source, *plan, false);
    ASSERT_OK(src);
    uint64_t checked = 0, windows = 0;
    for (const internal::scan::Morsel& m : src->morsels) {
      internal::scan::Counters counters;
      internal::scan::MorselExec exec(*plan, src->parts[m.part], m, &counters);
      internal::scan::ColumnCursor& c = exec.cursor(0);
      ASSERT_OK(exec.Run([&](uint64_t row, uint32_t n, const uint8_t* mask) -> Status {
        uint32_t sel[format::kBlockSize];
        const uint32_t sn = internal::scan::SelectRows(mask, n, sel);
        std::vector<int64_t> gathered(sn);
        DP_RETURN_IF_ERROR(c.Gather(sel, sn, n, gathered.data()));
        DP_ASSIGN_OR_RETURN(const void* v, c.Values());
        const int64_t* whole = static_cast<const int64_t*>(v);
        for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(whole[i], all[row + i][0].as_int()) << "row " << row + i;
        for (uint32_t k = 0; k < sn; ++k) EXPECT_EQ(gathered[k], all[row + sel[k]][0].as_int()) << "row " << row + sel[k];
        checked += sn;
        ++windows;
        return Status::OK();
      }));
    }
    EXPECT_EQ(windows, 10u);  // every block has selected rows
    EXPECT_GT(checked, 100u);
  }
}

// ForBlockShifted gives (bits of value << shift) + add for whole for_bitpack
// blocks of 64-bit columns packed at most 32 bits wide, equal to the same
// made from the decoded values; it declines (false) other pages: wider
// ones, ones with nulls, 32-bit columns, partial windows. Pages: one value
// (width 0), narrow, negative, exactly 32 bits, 33 bits, high in uint64
// (base + 2^width - 1 still below the top, as LoadForPage requires), with
// nulls; a partial last block.
TEST(ColumnCursor, ShiftedWordsOfPackedBlocksEqualTheDecodedValues) {
  TempDir dir;
  struct Case {
    std::string name;
    DataType type;
    std::function<Value(int)> value;
    bool applies;
  };
  const std::vector<Case> cases = {
      {"one value", DataType::Int64(), [](int) { return Value::Int(-7); }, true},
      {"narrow", DataType::Int64(), [](int i) { return Value::Int(i % 1000 - 300); }, true},
      {"negative", DataType::Int64(), [](int i) { return Value::Int(INT64_MIN + i % 77); }, true},
      {"32 bits", DataType::Int64(), [](int i) { return Value::Int(i % 2 ? 5'000'000'000 + 4294967295 : 5'000'000'000); }, true},
      {"33 bits", DataType::Int64(), [](int i) { return Value::Int(i % 2 ? 8589934591 : 0); }, false},
      {"uint64 high", DataType::UInt64(), [](int i) { return Value::UInt(UINT64_MAX - 10'000 + uint64_t(i % 5000)); }, true},
      {"nulls", DataType::Int64(), [](int i) { return i % 9 == 0 ? Value() : Value::Int(i); }, false},
      {"int32", DataType::Int32(), [](int i) { return Value::Int(i % 100); }, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto schema = Schema::Make({{"v", c.type, true}});
    ASSERT_OK(schema);
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 5000; ++i) rows.push_back({c.value(i)});  // a partial last block
    WriterOptions opt;
    opt.force_encoding = Encoding::kForBitpack;
    auto seg = WriteSegment(dir.File(std::to_string(&c - cases.data()) + ".dpc"), *schema, rows, opt);
    ASSERT_OK(seg);
    auto source = ScanSource::FromSegments({*seg});
    ASSERT_OK(source);
    auto plan = internal::scan::MakePlan(*schema, ScanSpec{}, {"v"});
    ASSERT_OK(plan);
    auto src = internal::scan::OpenSource(*source, *plan, false);
    ASSERT_OK(src);
    ASSERT_EQ(src->morsels.size(), 1u);
    internal::scan::Counters counters;
    internal::scan::MorselExec exec(*plan, src->parts[0], src->morsels[0], &counters);
    internal::scan::ColumnCursor& cur = exec.cursor(0);
    const uint64_t add = (uint64_t{0x123456789} << 20) + 1;
    uint64_t made = 0;
    ASSERT_OK(exec.Run([&](uint64_t row, uint32_t n, const uint8_t*) -> Status {
      alignas(64) uint64_t words[format::kBlockSize];
      // Half a window is never a whole block.
      DP_ASSIGN_OR_RETURN(bool half, cur.ForBlockShifted(n / 2, 20, add, words));
      EXPECT_FALSE(half && n > 1);
      DP_ASSIGN_OR_RETURN(bool whole, cur.ForBlockShifted(n, 20, add, words));
      EXPECT_EQ(whole, c.applies) << "row " << row;
      if (!whole) return Status::OK();
      for (uint32_t i = 0; i < n; ++i) {
        const Value& v = rows[row + i][0];
        const uint64_t bits = v.is_int() ? uint64_t(v.as_int()) : v.as_uint();
        EXPECT_EQ(words[i], (bits << 20) + add) << "row " << row + i;
      }
      made += n;
      return Status::OK();
    }));
    EXPECT_EQ(made, c.applies ? 5000u : 0u);
  }
}

// MorselExec::Run resumes after Pause() with the next window: paused after
// every window (and after every third), a morsel gives the same windows
// and masks as one run straight through, and done() only at the end.
TEST(MorselExec, PausedRunsResumeWithTheNextWindow) {
  TempDir dir;
  WriterOptions opt;
  opt.page_rows = 2048;
  auto seg = SortedSegment(dir, "p.dpc", 9'000, opt);
  auto source = ScanSource::FromSegments({seg});
  ASSERT_OK(source);
  ScanSpec spec;
  spec.predicate = Predicate::Or({Predicate::Lt("price", Value::Int(3000)), Predicate::Gt("price", Value::Int(7000))});
  spec.time_range = TimeRange{"ts", k2024 + int64_t{600'000'000} * 100, k2024 + int64_t{600'000'000} * 8'500};
  auto plan = internal::scan::MakePlan(seg->schema(), spec, {"price"});
  ASSERT_OK(plan);
  auto src = internal::scan::OpenSource(*source, *plan, false);
  ASSERT_OK(src);
  ASSERT_FALSE(src->morsels.empty());
  using Window = std::pair<uint64_t, std::vector<uint8_t>>;
  for (const internal::scan::Morsel& m : src->morsels) {
    auto windows = [&](int pause_every) {
      internal::scan::Counters counters;
      internal::scan::MorselExec exec(*plan, src->parts[m.part], m, &counters);
      std::vector<Window> out;
      int runs = 0;
      while (!exec.done()) {
        ++runs;
        EXPECT_TRUE(exec.Run([&](uint64_t row, uint32_t n, const uint8_t* mask) -> Status {
                          out.push_back({row, mask ? std::vector<uint8_t>(mask, mask + n) : std::vector<uint8_t>(n, 2)});
                          if (pause_every > 0 && out.size() % size_t(pause_every) == 0) exec.Pause();
                          return Status::OK();
                        }).ok());
        if (runs > 100'000) break;
      }
      if (pause_every == 1) {
        EXPECT_EQ(size_t(runs), out.size() + 1);  // one window per run, and a last run that ends it
      }
      return out;
    };
    const std::vector<Window> straight = windows(0);
    EXPECT_FALSE(straight.empty());
    EXPECT_EQ(windows(1), straight);
    EXPECT_EQ(windows(3), straight);
  }
}

TEST(Scan, BucketBoundaries) {
  const DataType us = DataType::Timestamp(TimeUnit::kMicro);
  const DataType ns = DataType::Timestamp(TimeUnit::kNano);
  const DataType date = DataType::Date32();
  // 2024-02-29T13:45:10.5Z, a Thursday.
  const int64_t t = 1'709'214'310'500'000;
  for (TimeBucket b : {TimeBucket::kMinute, TimeBucket::kHour, TimeBucket::kDay, TimeBucket::kWeek, TimeBucket::kMonth}) {
    for (int64_t v : {t, -t, int64_t{0}, int64_t{-1}, int64_t{t + 86'400'000'000 * 400}}) {
      EXPECT_EQ(internal::scan::BucketStart(v, b, us), RefBucket(v, b, us)) << int(b) << " " << v;
      EXPECT_EQ(internal::scan::BucketStart(v * 1000, b, ns), RefBucket(v * 1000, b, ns)) << int(b);
      if (b != TimeBucket::kMinute && b != TimeBucket::kHour) {
        EXPECT_EQ(internal::scan::BucketStart(v / kDay, b, date), RefBucket(v / kDay, b, date)) << int(b);
      }
    }
  }
  EXPECT_EQ(internal::scan::BucketStart(t, TimeBucket::kMonth, us), 1'706'745'600'000'000);  // 2024-02-01
  EXPECT_EQ(internal::scan::BucketStart(t, TimeBucket::kWeek, us), 1'708'905'600'000'000);   // Mon 2024-02-26
  // Extremes do not overflow.
  EXPECT_LE(internal::scan::BucketStart(INT64_MIN, TimeBucket::kMonth, us), INT64_MIN / 2);
  EXPECT_GT(internal::scan::BucketStart(INT64_MAX, TimeBucket::kDay, us), 0);
}

TEST(Scan, ResolvesByFieldIdWidensAndFillsMissing) {
  TempDir dir;
  // Segment A: id (field 1, int32), name (field 2). Segment B: id (field 1,
  // int64 in the target), extra (field 3), no name.
  auto sa = Schema::Make({{"id", DataType::Int32(), false, "", 1}, {"name", DataType::String(), true, "", 2}});
  auto sb = Schema::Make({{"renamed_id", DataType::Int64(), false, "", 1}, {"extra", DataType::Int8(), true, "", 3}});
  WriterOptions opt;
  opt.sync = false;
  auto wa = SegmentWriter::Create(dir.File("a.dpc"), *sa, opt);
  ASSERT_OK((*wa)->AppendRow(std::vector<Value>{Value::Int(-5), Value::Bytes("x")}));
  ASSERT_OK((*wa)->AppendRow(std::vector<Value>{Value::Int(7), Value()}));
  ASSERT_OK((*wa)->Finish());
  auto wb = SegmentWriter::Create(dir.File("b.dpc"), *sb, opt);
  ASSERT_OK((*wb)->AppendRow(std::vector<Value>{Value::Int(int64_t{1} << 40), Value::Int(3)}));
  ASSERT_OK((*wb)->Finish());
  auto target = Schema::Make({{"id", DataType::Int64(), false, "", 1}, {"name", DataType::String(), true, "", 2}});
  std::vector<ScanPart> parts(2);
  parts[0].segment = *Segment::Open(dir.File("a.dpc"));
  const std::string b_path = dir.File("b.dpc");
  parts[1].open = [b_path]() -> Result<std::shared_ptr<const Segment>> {
    DP_ASSIGN_OR_RETURN(auto s, Segment::Open(b_path));
    return std::shared_ptr<const Segment>(s);
  };
  ScanSource source(*target, parts);
  auto scanner = Scanner::Open(source, ScanSpec{});
  ASSERT_OK(scanner);
  std::vector<Row> rows;
  Batch batch;
  while (*(*scanner)->Next(&batch)) {
    for (size_t r = 0; r < batch.num_rows; ++r) rows.push_back({batch.column(0).GetValue(r), batch.column(1).GetValue(r)});
  }
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], Value::Int(-5));
  EXPECT_EQ(rows[0][1], Value::Bytes("x"));
  EXPECT_TRUE(rows[1][1].is_null());
  EXPECT_EQ(rows[2][0], Value::Int(int64_t{1} << 40));
  EXPECT_TRUE(rows[2][1].is_null());  // missing in segment B

  ScanSpec spec;
  spec.predicate = Predicate::IsNull("name");
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("id")};
  auto r = RunAggregate(source, spec, agg);
  ASSERT_OK(r);
  EXPECT_EQ(r->rows[0][0], Value::Int(2));
  EXPECT_EQ(r->rows[0][1], Value::Int(7 + (int64_t{1} << 40)));

  // A target type the segment cannot be read as.
  auto narrow = Schema::Make({{"id", DataType::Int16(), false, "", 1}});
  ScanSource bad(*narrow, {parts[0]});
  auto e = RunAggregate(bad, ScanSpec{}, agg);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("a.dpc"), std::string::npos) << e.status().ToString();
}

TEST(Scan, SummaryPrunesPartsBeforeOpening) {
  TempDir dir;
  auto seg = SortedSegment(dir, "p.dpc", 100);
  const Schema schema = seg->schema();
  int opened = 0;
  std::vector<ScanPart> parts;
  for (int i = 0; i < 3; ++i) {
    ScanPart p;
    PartSummary s;
    s.num_rows = 100;
    s.fields.push_back({schema.field(0).field_id, Value::Int(k2024 + i * kDay), Value::Int(k2024 + i * kDay + 1), 0});
    p.summary = s;
    p.open = [&opened, seg]() -> Result<std::shared_ptr<const Segment>> {
      ++opened;
      return seg;
    };
    parts.push_back(p);
  }
  ScanPart failing;
  failing.summary = PartSummary{uint64_t{0}, {}};
  failing.open = []() -> Result<std::shared_ptr<const Segment>> { return Status::IOError("must not open"); };
  parts.push_back(failing);
  ScanSource source(schema, parts);
  ScanSpec spec;
  spec.time_range = TimeRange{"ts", k2024 + kDay, k2024 + 2 * kDay};
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count()};
  auto r = RunAggregate(source, spec, agg);
  ASSERT_OK(r);
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(r->stats.parts_total, 4u);
  EXPECT_EQ(r->stats.parts_pruned, 3u);

  // An open error names the part.
  parts[1].open = []() -> Result<std::shared_ptr<const Segment>> { return Status::IOError("disk gone"); };
  parts[1].name = "seg-1.dpc";
  ScanSource src2(schema, parts);
  auto e = RunAggregate(src2, spec, agg);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("seg-1.dpc"), std::string::npos) << e.status().ToString();
}

TEST(Scan, IntegerSumsAreExactOrReported) {
  TempDir dir;
  auto schema = Schema::Make({{"v", DataType::Int64(), false}, {"u", DataType::UInt64(), false}});
  WriterOptions opt;
  opt.sync = false;
  auto w = SegmentWriter::Create(dir.File("s.dpc"), *schema, opt);
  for (int i = 0; i < 3000; ++i) {
    const int64_t v = i % 2 ? INT64_MAX : INT64_MIN + 1;
    ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Int(v), Value::UInt(UINT64_MAX / 2)}));
  }
  ASSERT_OK((*w)->Finish());
  auto source = ScanSource::FromSegments({*Segment::Open(dir.File("s.dpc"))});
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Sum("v"), Aggregate::Avg("v")};
  auto r = RunAggregate(*source, ScanSpec{}, agg);
  ASSERT_OK(r);
  EXPECT_EQ(r->rows[0][0], Value::Int(0));  // 1500 * (MAX + MIN + 1) = 0, exactly
  EXPECT_EQ(r->rows[0][1], Value::Double(0));
  agg.aggregates = {Aggregate::Sum("u")};
  auto o = RunAggregate(*source, ScanSpec{}, agg);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(o.status().message().find("sum(u)"), std::string::npos) << o.status().ToString();
}


// Result rows of many groups are made in parallel chunks: the error of an
// unrepresentable sum is the one of the first such group in key order,
// whatever the thread count (two groups overflow, in different chunks).
TEST(Scan, TheFirstOverflowingGroupInKeyOrderIsReported) {
  TempDir dir;
  auto schema = Schema::Make({{"k", DataType::Int64(), false}, {"v", DataType::Int64(), false}});
  std::vector<Row> rows;
  for (int64_t k = 0; k < 40'000; ++k) rows.push_back({Value::Int(39'999 - k), Value::Int(k % 100)});
  for (int i = 0; i < 3; ++i) rows.push_back({Value::Int(30'000), Value::Int(INT64_MAX)});  // chunk 1
  for (int i = 0; i < 2; ++i) rows.push_back({Value::Int(20'005), Value::Int(INT64_MAX)});  // chunk 1, first
  for (int i = 0; i < 2; ++i) rows.push_back({Value::Int(35'000), Value::Int(INT64_MIN)});  // chunk 2
  auto seg = WriteSegment(dir.File("o.dpc"), *schema, rows, WriterOptions{});
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  AggregateSpec agg;
  agg.group_by = {"k"};
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("v")};
  // Group 20,005: 2 * INT64_MAX plus its own row's value (39,999 - 20,005) % 100 = 94,
  // i.e. 2^64 + 92.
  const std::string want = "the exact sum 18446744073709551708 does not fit int64";
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScanSpec spec;
    spec.threads = threads;
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
  }
}

// Grouped integer sums accumulate in 64-bit partials flushed into 128 bits
// before they could overflow: values just under the 64-bit path's bound
// (2^46) force a flush every 64 windows, values above it take the 128-bit
// path; every group's sum must stay exact past the int64 range.
TEST(Scan, GroupedSumsStayExactAcrossPartialFlushes) {
  TempDir dir;
  auto schema = Schema::Make({{"g", DataType::String(), false},
                              {"near", DataType::Int64(), false},
                              {"far", DataType::Int64(), false}});
  WriterOptions opt;
  opt.sync = false;
  auto w = SegmentWriter::Create(dir.File("s.dpc"), *schema, opt);
  ASSERT_OK(w);
  constexpr int kRows = 300'000;
  constexpr int64_t kNear = (int64_t{1} << 46) - 3;
  RefInt128 near[2] = {0, 0}, far[2] = {0, 0};
  int64_t count[2] = {0, 0};
  for (int i = 0; i < kRows; ++i) {
    const int g = (i % 7) < 5 ? 0 : 1;
    const int64_t n = g == 1 ? -kNear + i : kNear - i % 1000;
    const int64_t f = (i % 11 == 0) ? INT64_MIN + i : INT64_MAX - i;
    near[g] += n;
    far[g] += f;
    ++count[g];
    ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Bytes(g ? "b" : "a"), Value::Int(n), Value::Int(f)}));
  }
  ASSERT_OK((*w)->Finish());
  auto source = ScanSource::FromSegments({*Segment::Open(dir.File("s.dpc"))});
  for (int threads : {1, 2}) {
    ScanSpec spec;
    spec.threads = threads;
    AggregateSpec agg;
    agg.group_by = {"g"};
    agg.aggregates = {Aggregate::Count(), Aggregate::Avg("near"), Aggregate::Avg("far")};
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), 2u);
    for (int g = 0; g < 2; ++g) {
      EXPECT_EQ(r->rows[g][1], Value::Int(count[g]));
      EXPECT_EQ(r->rows[g][2], Value::Double(double((long double)near[g] / (long double)count[g])));
      EXPECT_EQ(r->rows[g][3], Value::Double(double((long double)far[g] / (long double)count[g])));
    }
    // The sum of `near` in group 0 exceeds int64: reported, not wrapped.
    ASSERT_GT(near[0], RefInt128(INT64_MAX));
    agg.aggregates = {Aggregate::Sum("near")};
    auto o = RunAggregate(*source, spec, agg);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.status().code(), StatusCode::kOutOfRange) << o.status().ToString();
  }
}
// Float sums over dictionary-coded pages count (group, code) pairs and fold
// them per page: pages with different dictionaries, groups that first
// appear in a later page, a filter, and bit-identical answers on 1 and 3
// threads.
TEST(Scan, FloatSumsOverDictionaryCodesMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make(
      {{"g", DataType::Int32(), false}, {"x", DataType::Float64(), false}, {"k", DataType::Int32(), false}});
  WriterOptions opt;
  opt.sync = false;
  opt.page_rows = 4096;
  opt.force_encoding = Encoding::kDictionary;
  auto w = SegmentWriter::Create(dir.File("d.dpc"), *schema, opt);
  ASSERT_OK(w);
  constexpr int kRows = 200'000;
  long double sum[8] = {}, fsum[8] = {};
  int64_t count[8] = {}, fcount[8] = {};
  for (int i = 0; i < kRows; ++i) {
    const int page = i / 4096;
    const int g = i < 100'000 ? i % 3 : i % 8;                 // groups 3..7 appear late
    const double x = 0.1 * ((i * 7 + page) % (5 + page % 11));  // the dictionary changes per page
    sum[g] += x;
    ++count[g];
    if ((i / 8) % 4 != 0) {
      fsum[g] += x;
      ++fcount[g];
    }
    ASSERT_OK((*w)->AppendRow(std::vector<Value>{Value::Int(g), Value::Double(x), Value::Int((i / 8) % 4)}));
  }
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("d.dpc"));
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  auto near = [](const Value& v, long double want) {
    return std::fabs((long double)v.as_double() - want) <= 1e-9L * std::max(1.0L, std::fabs(want));
  };
  std::vector<Row> first;
  for (int threads : {1, 3}) {
    ScanSpec spec;
    spec.threads = threads;
    AggregateSpec agg;
    agg.group_by = {"g"};
    agg.aggregates = {Aggregate::Count(), Aggregate::Sum("x"), Aggregate::Avg("x")};
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), 8u);
    for (int g = 0; g < 8; ++g) {
      EXPECT_EQ(r->rows[g][1], Value::Int(count[g]));
      EXPECT_TRUE(near(r->rows[g][2], sum[g])) << g << ": " << r->rows[g][2].as_double();
      EXPECT_TRUE(near(r->rows[g][3], sum[g] / count[g])) << g;
    }
    if (first.empty()) first = r->rows;
    else EXPECT_EQ(first, r->rows);  // bit-identical whatever the thread count
    spec.predicate = Predicate::Ne("k", Value::Int(0));  // 3 rows in 4, through a selection
    auto some = RunAggregate(*source, spec, agg);
    ASSERT_OK(some);
    ASSERT_EQ(some->rows.size(), 8u);
    for (int g = 0; g < 8; ++g) {
      EXPECT_EQ(some->rows[g][1], Value::Int(fcount[g]));
      EXPECT_TRUE(near(some->rows[g][2], fsum[g])) << g << ": " << some->rows[g][2].as_double();
    }
  }
}

// One dictionary-coded string key with count, count(col), sum and avg of
// one integer and one float column runs fused (one packed cell per row):
// checked against the reference over windows that qualify and windows that
// must fall back (nulls in the key, the integer, the float or the counted
// column; integer pages whose statistics allow no packing), integer pages
// that fold the cells every window or two, dense, sparse and radix
// dictionaries of the key and float columns, a filter, and 1 vs 3 threads.
// Runs `agg` at 1 and 3 threads: each result equals `want` (floats within
// 1e-9 relative), and the two are bit-identical.
void ExpectReferenceAtAnyThreadCount(const ScanSource& source, ScanSpec spec, const AggregateSpec& agg,
                                     const std::vector<Row>& want) {
  std::vector<Row> first;
  for (int threads : {1, 3}) {
    spec.threads = threads;
    auto r = RunAggregate(source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      for (size_t j = 0; j < want[i].size(); ++j) {
        const Value& got = r->rows[i][j];
        if (want[i][j].is_double()) {
          const double e = want[i][j].as_double();
          EXPECT_NEAR(got.as_double(), e, 1e-9 * std::max(1.0, std::fabs(e))) << "row " << i << " col " << j;
        } else {
          EXPECT_EQ(got, want[i][j]) << "row " << i << " col " << j;
        }
      }
    }
    if (first.empty()) first = r->rows;
    else EXPECT_EQ(first, r->rows);  // bit-identical whatever the thread count
  }
}

// ExpectReferenceAtAnyThreadCount for `agg` over all rows, then over the
// rows `filter` selects, each against the reference over `rows`.
void ExpectReferenceWithAndWithoutFilter(const std::vector<Row>& rows, const Schema& schema, const ScanSource& source,
                                         const AggregateSpec& agg, const Predicate& filter) {
  for (bool filtered : {false, true}) {
    ScanSpec spec;
    if (filtered) spec.predicate = filter;
    bool overflow = false;
    const std::vector<Row> want = RefAggregate(rows, schema, spec, agg, &overflow);
    ASSERT_FALSE(overflow);
    SCOPED_TRACE("filtered " + std::to_string(filtered));
    ExpectReferenceAtAnyThreadCount(source, spec, agg, want);
  }
}

// Float sums of a whole window of one group count the codes of a
// dictionary page (the sparse page: the dominant code's rows in one add,
// then the exceptions) and fold count x entry when the page changes: equal
// to the reference, bit-identical for any thread count, with and without a
// time-bucket group key and a filter.
TEST(Scan, FloatSumsOverSparseCodesOfWholeWindowsMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make({{"ts", DataType::Timestamp(TimeUnit::kMicro), false},
                              {"x", DataType::Float64(), false}, {"k", DataType::Int32(), false}});
  WriterOptions opt;
  opt.sync = false;
  opt.page_rows = 4096;
  opt.force_encoding = Encoding::kDictionarySparse;
  auto w = SegmentWriter::Create(dir.File("s.dpc"), *schema, opt);
  ASSERT_OK(w);
  std::vector<Row> rows;
  for (int i = 0; i < 150'000; ++i) {
    const double x = i % 9 == 0 ? 0.1 * ((i / 9) % 7 + 1) + (i / 4096) * 0.01 : 0.25;  // dominant, exceptions
    rows.push_back({Value::Int(k2024 + int64_t(i) * 1'000'000), Value::Double(x), Value::Int(i % 5)});
    ASSERT_OK((*w)->AppendRow(rows.back()));
  }
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("s.dpc"));
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  const std::vector<Row> all = ReadRows({*seg});
  for (int variant = 0; variant < 3; ++variant) {
    ScanSpec spec;
    AggregateSpec agg;
    agg.aggregates = {Aggregate::Count(), Aggregate::Sum("x"), Aggregate::Avg("x")};
    if (variant >= 1) {
      agg.bucket = TimeBucket::kHour;  // whole blocks inside one hour: one group per window
      agg.bucket_column = "ts";
    }
    if (variant == 2) spec.predicate = Predicate::Ne("k", Value::Int(0));
    SCOPED_TRACE("variant " + std::to_string(variant));
    bool overflow = false;
    const std::vector<Row> want = RefAggregate(all, *schema, spec, agg, &overflow);
    ExpectReferenceAtAnyThreadCount(*source, spec, agg, want);
  }
}

TEST(Scan, FusedDictionaryKeyAggregatesMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make({{"g", DataType::String(), true},
                              {"v", DataType::Int64(), true},
                              {"x", DataType::Float64(), true},
                              {"s", DataType::String(), true},
                              {"k", DataType::Int32(), false}});
  constexpr int kRows = 120'000;
  std::vector<Row> rows;
  for (int i = 0; i < kRows; ++i) {
    Value g = i >= 40'000 && i < 44'096 && i % 3 == 0 ? Value() : Value::Bytes("cat_" + std::to_string(i * 7 % 12));
    int64_t v = i % 1000 - 300;
    if (i >= 70'000 && i < 80'000) v = (i % 2 ? 1 : -1) * ((int64_t{1} << 32) + i);  // folds every window or two
    if (i >= 80'000 && i < 84'000) v = ((i / 12) % 2 ? 1 : -1) * (INT64_MAX / 2 - i);  // too wide to pack
    Value vv = i >= 60'000 && i < 61'000 && i % 5 == 0 ? Value() : Value::Int(v);
    Value x = i >= 100'000 && i < 100'500 && i % 4 == 0 ? Value()
              : i % 5 == 0                                ? Value::Double(0.01 * (i % 37))
              : i % 97 == 0                               ? Value::Double(-0.0)
                                                          : Value::Double(0.0);
    Value sv = i >= 20'000 && i < 24'000 && i % 9 == 0 ? Value() : Value::Bytes(i % 2 ? "odd" : "even");
    rows.push_back({g, vv, x, sv, Value::Int((i / 8) % 4)});
  }
  // kForBitpack: the integer column's whole blocks of 64-bit values packed
  // at most 32 bits wide become packed cell words as they are unpacked
  // (ColumnCursor::ForBlockShifted); wider pages and pages with nulls do not.
  std::vector<std::optional<Encoding>> encodings = {std::nullopt, Encoding::kDictionary, Encoding::kDictionarySparse,
                                                    Encoding::kDictionaryRadix, Encoding::kForBitpack};
  for (const auto& enc : encodings) {
    SCOPED_TRACE(enc ? std::string(EncodingName(*enc)) : std::string("automatic"));
    WriterOptions opt;
    opt.page_rows = 4096;
    opt.row_group_rows = 50'000;  // partial pages and blocks at row-group ends
    opt.force_encoding = enc;
    auto seg = WriteSegment(dir.File("f" + std::to_string(enc ? int(*enc) : 0) + ".dpc"), *schema, rows, opt);
    ASSERT_OK(seg);
    auto source = ScanSource::FromSegments({*seg});
    AggregateSpec agg;
    agg.group_by = {"g"};
    const std::vector<Aggregate> with_float = {Aggregate::Count(),  Aggregate::CountValid("s"), Aggregate::Sum("v"),
                                               Aggregate::Avg("v"), Aggregate::Sum("x"),        Aggregate::Avg("x")};
    const std::vector<Aggregate> without_float = {Aggregate::Count(), Aggregate::Sum("v")};
    for (const auto& aggregates : {with_float, without_float}) {
      agg.aggregates = aggregates;
      ExpectReferenceWithAndWithoutFilter(rows, *schema, *source, agg, Predicate::Ne("k", Value::Int(0)));
    }
  }
}

// The fused cells outlive a page change when the new page's dictionaries
// are the ones before (no fold); a new page with as many entries but other
// ones (keys k0..k39 then k1..k40; float entries shifted by 0.001 on odd
// pages) must fold first. 40 keys x ~38 float codes: over 1,024 cells, so
// the exceptions move in one lane.
TEST(Scan, FusedCellsAcrossPagesOfSameAndChangedDictionariesMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make(
      {{"g", DataType::String(), false}, {"v", DataType::Int64(), false}, {"x", DataType::Float64(), false}});
  constexpr int kPage = 4096;
  std::vector<Row> rows;
  for (int i = 0; i < 15 * kPage; ++i) {
    const int page = i / kPage;
    const int first = page % 3 == 1 ? 1 : 0;  // pages 3p+2 repeat page 3p+1's keys
    const std::string g = "k" + std::to_string(first + i * 7 % 40);
    const double x = i % 5 == 0 ? 0.01 * (i % 37) + ((page / 2) % 2 ? 0.001 : 0.0) : 0.0;
    rows.push_back({Value::Bytes(g), Value::Int(i % 1000 - 300), Value::Double(x)});
  }
  for (Encoding enc : {Encoding::kDictionarySparse, Encoding::kDictionaryRadix}) {
    SCOPED_TRACE(std::string(EncodingName(enc)));
    WriterOptions opt;
    opt.page_rows = kPage;
    opt.force_encoding = enc;
    auto seg = WriteSegment(dir.File("p" + std::to_string(int(enc)) + ".dpc"), *schema, rows, opt);
    ASSERT_OK(seg);
    auto source = ScanSource::FromSegments({*seg});
    AggregateSpec agg;
    agg.group_by = {"g"};
    agg.aggregates = {Aggregate::Count(), Aggregate::Sum("v"), Aggregate::Sum("x"), Aggregate::Avg("x")};
    ScanSpec spec;
    bool overflow = false;
    const std::vector<Row> want = RefAggregate(rows, *schema, spec, agg, &overflow);
    ASSERT_FALSE(overflow);
    ASSERT_EQ(want.size(), 41u);
    ExpectReferenceAtAnyThreadCount(*source, spec, agg, want);
  }
}

// Aggregates with float sums keep a partial per morsel, merged in morsel
// order; a merged partial serves a later morsel (Partial::Reset), keeping
// its string pool while it is small and its memo of what the pool's ids are
// in the total. 8 row groups of 4,096 rows (a morsel each): a key of 30
// strings whose dictionaries change order from one row group to the next
// (pools kept, memo hits; fused and general paths), one of ~2,000 new
// strings per morsel (pools pass 4,096 strings and are dropped), and two
// string keys together, with nulls; 1 and 3 threads, bit-identical.
TEST(Scan, PartialsReusedAcrossMorselsKeepStringKeysApart) {
  TempDir dir;
  auto schema = Schema::Make({{"low", DataType::String(), true},
                              {"high", DataType::String(), false},
                              {"v", DataType::Int64(), false},
                              {"x", DataType::Float64(), false}});
  constexpr int kGroupRows = 4096;
  std::vector<Row> rows;
  for (int i = 0; i < 8 * kGroupRows; ++i) {
    const int rg = i / kGroupRows;
    Value low = i % 53 == 0 ? Value() : Value::Bytes("k" + std::to_string((i * 7 + rg * 11) % 30));
    Value high = Value::Bytes("h" + std::to_string(rg * 2000 + (i * 7919) % 2000));
    rows.push_back({low, high, Value::Int(i % 1000 - 400), Value::Double(0.25 * (i % 9) + (rg % 3 ? 0.0 : 0.125))});
  }
  WriterOptions opt;
  opt.row_group_rows = kGroupRows;
  opt.page_rows = 2048;
  auto seg = WriteSegment(dir.File("r.dpc"), *schema, rows, opt);
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  const std::vector<std::vector<std::string>> keys = {{"low"}, {"high"}, {"low", "high"}};
  for (const auto& group_by : keys) {
    SCOPED_TRACE(group_by.size() == 1 ? group_by[0] : "low, high");
    AggregateSpec agg;
    agg.group_by = group_by;
    agg.aggregates = {Aggregate::Count(), Aggregate::Sum("v"), Aggregate::Avg("x"), Aggregate::Max("v")};
    ExpectReferenceWithAndWithoutFilter(rows, *schema, *source, agg, Predicate::Gt("v", Value::Int(0)));
  }
}

// The Scanner's workers run ahead of the consumer: a corrupt page in a
// later morsel must end the scan with its error, after exactly the rows
// before that morsel, in order, at any thread count, and every later call
// must return it again (not the rows after it); and a scanner dropped
// after one batch, with workers still scanning ahead, must stop them.
// Run-length (rle) blocks are tested, summed and compared a run at a time
// (ColumnCursor::Runs): sums, averages, min, max and distinct counts of
// whole windows, filters on the rle column (range, IN, IS NULL, !=), keys
// grouped over it, a column read widened; runs shorter and longer than a
// block, a page with nulls (the row path), large values. The
// answers equal the reference, and equal the decoded path's bit for bit
// (approx_distinct too: a value seen again changes no register).
TEST(Scan, RunLengthBlocksMatchTheReferenceAndTheDecodedPath) {
  TempDir dir;
  auto schema = Schema::Make({{"k", DataType::Int32(), false},
                              {"v", DataType::Int64(), true},
                              {"u", DataType::UInt16(), false},
                              {"f", DataType::Float64(), false}});
  ASSERT_OK(schema);
  std::mt19937_64 rng(5);
  std::vector<std::vector<Value>> rows;
  const int n = 20'000;
  int64_t v = 0;
  int32_t k = 0;
  uint64_t u = 0;
  double f = 0;
  for (int i = 0; i < n; ++i) {
    // Runs of 1..3000 rows (most shorter than a block), extreme values now and then.
    if (rng() % 400 == 0 || i < 3) {
      const int pick = int(rng() % 6);
      // (Large but summable: an int64 sum that overflows is an error.)
      v = pick == 0 ? -(int64_t{1} << 50) : pick == 1 ? int64_t{1} << 50 : int64_t(rng() % 2000) - 1000;
    }
    if (rng() % 1500 == 0) k = int32_t(rng() % 5);
    if (rng() % 60 == 0) u = rng() % 65536;
    if (rng() % 300 == 0) f = double(int64_t(rng() % 200) - 100) / 8;
    // Nulls in rows 8192..12287 only (two pages there take the row path).
    const bool null = i >= 8192 && i < 12288 && rng() % 9 == 0;
    rows.push_back({Value::Int(k), null ? Value() : Value::Int(v), Value::UInt(u), Value::Double(f)});
  }
  WriterOptions opt;
  opt.page_rows = 4096;
  opt.row_group_rows = 16'384;
  opt.force_encoding = Encoding::kRle;
  auto seg = WriteSegment(dir.File("rle.dpc"), *schema, rows, opt);
  ASSERT_OK(seg);
  auto ch = (*seg)->column_chunk(1, 0);
  ASSERT_OK(ch);
  ASSERT_EQ(ch->pages[0].encoding, Encoding::kRle);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  const std::vector<Row> all = ReadRows({*seg});
  // u read as uint64: the run values are widened.
  auto wide = Schema::Make({{"k", DataType::Int32(), false},
                            {"v", DataType::Int64(), true},
                            {"u", DataType::UInt64(), false},
                            {"f", DataType::Float64(), false}});
  ASSERT_OK(wide);
  std::vector<ScanPart> parts(1);
  parts[0].segment = *seg;
  const ScanSource widened(*wide, parts);

  const std::vector<Predicate> preds = {
      Predicate(), Predicate::Between("v", Value::Int(-200), Value::Int(500)), Predicate::Ne("u", Value::UInt(0)),
      Predicate::In("k", {Value::Int(1), Value::Int(3)}), Predicate::IsNull("v"),
      Predicate::Or({Predicate::Gt("f", Value::Double(2.5)), Predicate::Eq("v", Value::Int(int64_t{1} << 50))})};
  const std::vector<std::vector<std::string>> keys = {{}, {"k"}, {"u", "k"}};
  for (size_t pi = 0; pi < preds.size(); ++pi) {
    for (const auto& group_by : keys) {
      ScanSpec spec;
      spec.predicate = preds[pi];
      AggregateSpec agg;
      agg.group_by = group_by;
      agg.aggregates = {Aggregate::Count(),       Aggregate::Sum("v"),      Aggregate::Avg("v"),
                        Aggregate::Min("v"),      Aggregate::Max("u"),      Aggregate::Sum("u"),
                        Aggregate::Distinct("v"), Aggregate::Max("f"),      Aggregate::Sum("f"),
                        Aggregate::CountValid("v")};
      SCOPED_TRACE("predicate " + std::to_string(pi) + " keys " + std::to_string(group_by.size()));
      bool overflow = false;
      const std::vector<Row> want = RefAggregate(all, *schema, spec, agg, &overflow);
      ASSERT_FALSE(overflow);
      std::vector<Row> results[2];
      for (bool encoded : {false, true}) {
        internal::scan::SetEncodedKernels(encoded);
        ExpectReferenceAtAnyThreadCount(*source, spec, agg, want);
        ExpectReferenceAtAnyThreadCount(widened, spec, agg, want);
        AggregateSpec approx = agg;
        approx.aggregates.push_back(Aggregate::ApproxDistinct("v"));
        auto r = RunAggregate(*source, spec, approx);
        ASSERT_OK(r);
        results[encoded] = r->rows;
        // The rows themselves, through the Scanner.
        std::vector<Row> want_rows;
        std::vector<size_t> want_at;
        for (size_t ri = 0; ri < all.size(); ++ri) {
          const Row& row = all[ri];
          if (spec.predicate.kind() == Predicate::Kind::kTrue || RefEval(spec.predicate, *schema, row) == true) {
            want_rows.push_back(row);
            want_at.push_back(ri);
          }
        }
        auto got_rows = ScanRows(*source, spec);
        ASSERT_OK(got_rows);
        ASSERT_EQ(got_rows->size(), want_rows.size()) << (encoded ? "encoded" : "decoded");
        for (size_t i = 0; i < want_rows.size(); ++i) {
          auto text = [](const Row& row_values) {
            std::string t;
            for (const Value& x : row_values) {
              t += x.is_null() ? "null" : x.is_int() ? std::to_string(x.as_int()) : x.is_uint() ? std::to_string(x.as_uint()) : std::to_string(x.as_double());
              t += " ";
            }
            return t;
          };
          ASSERT_TRUE((*got_rows)[i] == want_rows[i]) << "row " << i << (encoded ? " encoded" : " decoded") << ": got " << text((*got_rows)[i]) << " want " << text(want_rows[i]) << " at " << want_at[i];
        }
      }
      internal::scan::SetEncodedKernels(true);
      EXPECT_EQ(results[0], results[1]);
    }
  }
}

// Regression: the Scanner grew a batch column's validity bitmap by one
// step (to 64 bytes, then doubling) per row it marked, so a null as the
// first marked row, past row 511 of a batch, was written past the end of
// the bitmap (a heap overflow; ASan reports it) and came out as a value.
TEST(Scan, ANullFarIntoABatchIsNull) {
  TempDir dir;
  auto schema = Schema::Make({{"v", DataType::Int64(), true}});
  ASSERT_OK(schema);
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 12'000; ++i) rows.push_back({i == 4096 || i == 11'999 ? Value() : Value::Int(i)});
  WriterOptions opt;
  opt.page_rows = 1024;  // the pages before row 4096 have no nulls: no bitmap until then
  auto seg = WriteSegment(dir.File("late.dpc"), *schema, rows, opt);
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  auto got = ScanRows(*source, ScanSpec{});
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_TRUE((*got)[i][0] == rows[i][0]) << "row " << i;
}

TEST(Scan, ACorruptPageInALaterMorselEndsTheScanInOrder) {
  TempDir dir;
  auto schema = Schema::Make({{"v", DataType::Int64(), false}});
  constexpr uint64_t kMorsel = 128 * 1024;
  std::vector<Row> rows;
  std::mt19937_64 rng(5);
  for (uint64_t i = 0; i < 5 * kMorsel; ++i) rows.push_back({Value::Int(int64_t(rng() % 1'000'000'007))});
  WriterOptions opt;
  opt.page_rows = 16 * 1024;
  const std::string path = dir.File("s.dpc");
  auto seg = WriteSegment(path, *schema, rows, opt);
  ASSERT_OK(seg);
  // A byte in the middle of the first page of morsel 3.
  auto chunk = (*seg)->column_chunk(0, 0);
  ASSERT_OK(chunk);
  uint64_t at = 0;
  for (const PageMeta& p : chunk->pages) {
    if (p.first_row == 3 * kMorsel) at = p.offset + p.stored_size / 2;
  }
  ASSERT_GT(at, 0u);
  std::vector<uint8_t> bytes = ReadFileBytes(path);
  bytes[at] ^= 0x5A;
  const std::string bad = dir.File("bad.dpc");
  WriteFileBytes(bad, bytes);
  auto bad_seg = Segment::Open(bad);
  ASSERT_OK(bad_seg);
  auto source = ScanSource::FromSegments({*bad_seg});
  ASSERT_OK(source);
  for (int threads : {1, 2, 3, 8}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScanSpec spec;
    spec.threads = threads;
    auto scanner = Scanner::Open(*source, spec);
    ASSERT_OK(scanner);
    Batch batch;
    uint64_t got = 0;
    Status error;
    while (true) {
      auto more = (*scanner)->Next(&batch);
      if (!more.ok()) {
        error = more.status();
        break;
      }
      ASSERT_TRUE(*more) << "the scan ended without the corruption";
      for (size_t r = 0; r < batch.num_rows; ++r) {
        ASSERT_EQ(batch.columns[0].GetValue(r), rows[got + r][0]) << "row " << got + r;
      }
      got += batch.num_rows;
    }
    EXPECT_EQ(got, 3 * kMorsel);
    EXPECT_TRUE(error.IsCorruption()) << error.ToString();
    EXPECT_NE(error.ToString().find(bad), std::string::npos) << error.ToString();
    // The error stays: no later call skips the failed morsel's rows.
    auto again = (*scanner)->Next(&batch);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().ToString(), error.ToString());

    auto early = Scanner::Open(*source, spec);
    ASSERT_OK(early);
    ASSERT_OK((*early)->Next(&batch));
  }
}

// ScanSpec::shard: the shards of one source are disjoint, cover every row,
// come in row order, and a row's shard does not depend on the predicate
// (morsel ordinals count pruned row groups). Three parts of 1, 2 + 1 and 3
// morsels; shard counts 1, 2, 3 and 7 (more shards than some parts have
// morsels); 1 and 3 threads; aggregates add up.
TEST(Scan, ShardsAreDisjointCoverEveryRowAndIgnoreThePredicate) {
  TempDir dir;
  auto schema = Schema::Make({{"id", DataType::Int64(), false}, {"v", DataType::Int32(), false}});
  ASSERT_OK(schema);
  std::mt19937_64 rng(17);
  std::vector<std::shared_ptr<const Segment>> segs;
  int64_t next_id = 0;
  for (auto [rows, rg_rows] : {std::pair<size_t, uint64_t>{50'000, 1u << 20}, {300'000, 200'000}, {270'000, 1u << 20}}) {
    std::vector<int64_t> id(rows);
    std::vector<int32_t> v(rows);
    for (size_t i = 0; i < rows; ++i) {
      id[i] = next_id++;
      // Sorted by row group: the predicate below prunes whole row groups.
      v[i] = int32_t(i / rg_rows * 1000 + rng() % 1000);
    }
    const std::string path = dir.File("p" + std::to_string(segs.size()) + ".dpc");
    auto w = SegmentWriter::Create(path, *schema, {.row_group_rows = rg_rows, .page_rows = 16 * 1024, .sync = false});
    ASSERT_OK(w);
    ASSERT_OK((*w)->Append({ColumnData::Of<int64_t>(id), ColumnData::Of<int32_t>(v)}));
    ASSERT_OK((*w)->Finish());
    auto seg = Segment::Open(path);
    ASSERT_OK(seg);
    segs.push_back(std::shared_ptr<const Segment>(std::move(*seg)));
  }
  auto source = ScanSource::FromSegments(segs);
  ASSERT_OK(source);
  // The ids of a scan, checking row order within it.
  auto ids = [&](const ScanSpec& spec) {
    std::vector<int64_t> out;
    auto scanner = Scanner::Open(*source, spec);
    EXPECT_TRUE(scanner.ok()) << scanner.status().ToString();
    if (!scanner.ok()) return out;
    Batch batch;
    while (true) {
      auto more = (*scanner)->Next(&batch);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      for (int64_t x : batch.columns[0].values<int64_t>()) {
        EXPECT_TRUE(out.empty() || x > out.back()) << "row order: " << x << " after " << out.back();
        out.push_back(x);
      }
    }
    return out;
  };
  const Predicate filter = Predicate::Ge("v", Value::Int(1000));  // drops the first row group of each part
  for (bool filtered : {false, true}) {
    const Predicate pred = filtered ? filter : Predicate::And({});
    ScanSpec all;
    all.projection = {"id"};
    all.predicate = pred;
    all.threads = 1;
    const std::vector<int64_t> every = ids(all);
    ASSERT_FALSE(every.empty());
    for (uint32_t count : {1u, 2u, 3u, 7u}) {
      for (int threads : {1, 3}) {
        SCOPED_TRACE("predicate " + pred.ToString() + ", " + std::to_string(count) + " shards, " +
                     std::to_string(threads) + " threads");
        std::vector<int64_t> joined;
        int64_t count_sum = 0;
        for (uint32_t index = 0; index < count; ++index) {
          ScanSpec spec = all;
          spec.threads = threads;
          spec.shard = {index, count};
          const std::vector<int64_t> got = ids(spec);
          if (count > 1 && !filtered) {
            EXPECT_LT(got.size(), every.size()) << "shard " << index;
          }
          joined.insert(joined.end(), got.begin(), got.end());
          // A shard of the unfiltered scan, filtered here, is the filtered shard.
          if (filtered) {
            ScanSpec unfiltered = spec;
            unfiltered.predicate = Predicate::And({});
            unfiltered.projection = {"id", "v"};
            std::vector<int64_t> expect;
            auto scanner = Scanner::Open(*source, unfiltered);
            ASSERT_OK(scanner);
            Batch batch;
            while (true) {
              auto more = (*scanner)->Next(&batch);
              ASSERT_OK(more);
              if (!*more) break;
              const auto id = batch.columns[0].values<int64_t>();
              const auto v = batch.columns[1].values<int32_t>();
              for (size_t r = 0; r < batch.num_rows; ++r) {
                if (v[r] >= 1000) expect.push_back(id[r]);
              }
            }
            EXPECT_EQ(got, expect) << "shard " << index;
          }
          AggregateSpec agg;
          agg.aggregates = {Aggregate::Count()};
          auto r = RunAggregate(*source, spec, agg);
          ASSERT_OK(r);
          count_sum += r->rows[0][0].as_int();
        }
        std::sort(joined.begin(), joined.end());
        EXPECT_EQ(joined, every) << "the shards are not disjoint or miss rows";
        EXPECT_EQ(count_sum, int64_t(every.size()));
      }
    }
  }
  ScanSpec bad;
  bad.shard = {3, 3};
  auto s = Scanner::Open(*source, bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().ToString().find("shard 3 of 3"), std::string::npos) << s.status().ToString();
  bad.shard = {0, 0};
  EXPECT_FALSE(RunAggregate(*source, bad, {}).ok());
}

// Regression: more threads than the process's oneTBB pool can run made
// oneTBB print "TBB Warning: The number of workers is currently limited..."
// on the application's stderr (RunAggregate's arena and the Scanner's).
TEST(Scan, MoreThreadsThanCoresPrintNothing) {
  TempDir dir;
  std::vector<int64_t> v(3 * 128 * 1024);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int64_t(i % 977);
  auto source = Int64Source(dir.File("t.dpc"), v);
  ASSERT_OK(source);
  ScanSpec spec;
  spec.threads = int(4 * std::max(1u, std::thread::hardware_concurrency())) + 3;
  spec.predicate = Predicate::Gt("v", Value::Int(5));
  ::testing::internal::CaptureStderr();
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Sum("v")};
  auto r = RunAggregate(*source, spec, agg);
  uint64_t rows = 0;
  auto scanner = Scanner::Open(*source, spec);
  if (scanner.ok()) {
    Batch batch;
    while (true) {
      auto more = (*scanner)->Next(&batch);
      if (!more.ok() || !*more) break;
      rows += batch.num_rows;
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_OK(r);
  ASSERT_OK(scanner);
  int64_t sum = 0, matched = 0;
  for (int64_t x : v) {
    if (x > 5) {
      sum += x;
      ++matched;
    }
  }
  EXPECT_EQ(r->rows[0][0], Value::Int(sum));
  EXPECT_EQ(rows, uint64_t(matched));
  EXPECT_EQ(err, "");
}

TEST(Scan, EmptyInputGivesOneRowWithoutKeys) {
  TempDir dir;
  auto source = ScanSource::FromSegments({SortedSegment(dir, "e.dpc", 10)});
  ScanSpec spec;
  spec.predicate = Predicate::In("country", {});
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("price"), Aggregate::Min("country"), Aggregate::Distinct("qty")};
  auto r = RunAggregate(*source, spec, agg);
  ASSERT_OK(r);
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0], Value::Int(0));
  EXPECT_TRUE(r->rows[0][1].is_null());
  EXPECT_TRUE(r->rows[0][2].is_null());
  EXPECT_EQ(r->rows[0][3], Value::Int(0));
  agg.group_by = {"country"};
  auto g = RunAggregate(*source, spec, agg);
  ASSERT_OK(g);
  EXPECT_TRUE(g->rows.empty());
}

// Regression for the group table's batched lookup, growth, pre-sized
// merges and the pair sort of one integer key: many groups (negative keys,
// nulls, runs of one key, two key columns), over several thread counts,
// against a reference built here.
// Worker partials of a high-cardinality key merge one by one into the
// largest, or by partitions of their hash (PartitionedMerge: each
// partial's groups moved into partition order, a table per partition,
// the partitions laid end to end). Both give the reference's rows for
// every order-free aggregate kind, two keys with nulls included, for up to
// 8 workers (oneTBB allowed 8 threads on any machine).
TEST(Scan, WorkerPartialsMergeSeriallyOrByPartitionsToTheReference) {
  TempDir dir;
  auto schema = Schema::Make({{"k", DataType::Int64(), true},
                              {"j", DataType::Int32(), false},
                              {"v", DataType::Int64(), true},
                              {"x", DataType::Float64(), true},
                              {"s", DataType::String(), true}});
  constexpr int kRows = 80'000;
  std::vector<Row> rows;
  for (int i = 0; i < kRows; ++i) {
    // ~20,000 keys spread over all morsels (every partial holds most of
    // them), every 89th row null; v, x, s with nulls of their own.
    Value k = i % 89 == 0 ? Value() : Value::Int(int64_t(i) * 7919 % 20'011 - 10'000);
    Value v = i % 13 == 0 ? Value() : Value::Int(int64_t(i % 1'000) * (i % 2 ? 1 : -1) * 1'000'003);
    Value x = i % 17 == 0 ? Value() : i % 31 == 0 ? Value::Double(-0.0) : Value::Double(0.25 * (i % 301) - 30);
    Value str = i % 19 == 0 ? Value() : Value::Bytes("s" + std::to_string(i % 523));
    rows.push_back({k, Value::Int(i % 3), v, x, str});
  }
  WriterOptions opt;
  opt.page_rows = 4096;
  opt.row_group_rows = 8'192;  // 10 morsels
  auto seg = WriteSegment(dir.File("m.dpc"), *schema, rows, opt);
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  struct Restore {
    ~Restore() { internal::scan::SetMergeChoice(internal::scan::MergeChoice::kModel); }
  } restore;
  AggregateSpec agg;
  // Approximate distinct counts are left to a smaller test: a HyperLogLog
  // per group takes 16 KiB.
  agg.aggregates = {Aggregate::Count(),  Aggregate::CountValid("v"), Aggregate::Sum("v"), Aggregate::Avg("v"),
                    Aggregate::Min("v"), Aggregate::Max("v"),        Aggregate::Min("x"), Aggregate::Max("x"),
                    Aggregate::Min("s"), Aggregate::Max("s"),        Aggregate::Distinct("s")};
  for (const std::vector<std::string>& keys : {std::vector<std::string>{"k"}, std::vector<std::string>{"k", "j"}}) {
    agg.group_by = keys;
    SCOPED_TRACE(keys.size());
    bool overflow = false;
    const std::vector<Row> want = RefAggregate(rows, *schema, ScanSpec{}, agg, &overflow);
    ASSERT_FALSE(overflow);
    ASSERT_GT(want.size(), 18'000u);
    for (auto choice : {internal::scan::MergeChoice::kSerial, internal::scan::MergeChoice::kPartitioned,
                        internal::scan::MergeChoice::kModel}) {
      internal::scan::SetMergeChoice(choice);
      for (int threads : {2, 3, 8}) {
        SCOPED_TRACE("choice " + std::to_string(int(choice)) + " threads " + std::to_string(threads));
        ScanSpec spec;
        spec.threads = threads;
        auto r = RunAggregate(*source, spec, agg);
        ASSERT_OK(r);
        ASSERT_EQ(r->rows.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(r->rows[i], want[i]) << "row " << i;
      }
    }
  }
  // HyperLogLog sketches merge by registers: the same estimates either way.
  agg.group_by = {"j"};
  agg.aggregates = {Aggregate::ApproxDistinct("v"), Aggregate::ApproxDistinct("k"), Aggregate::Count()};
  std::vector<Row> serial;
  for (auto choice : {internal::scan::MergeChoice::kSerial, internal::scan::MergeChoice::kPartitioned}) {
    internal::scan::SetMergeChoice(choice);
    ScanSpec spec;
    spec.threads = 8;
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), 3u);
    if (serial.empty()) serial = r->rows;
    else EXPECT_EQ(r->rows, serial);
  }
}

TEST(Scan, HighCardinalityGroupsMatchTheReference) {
  TempDir dir;
  auto schema = Schema::Make({{"k", DataType::Int64(), true}, {"j", DataType::Int32(), false},
                              {"v", DataType::Int64(), true}});
  WriterOptions opt;
  opt.sync = false;
  opt.row_group_rows = 32 * 1024;
  opt.page_rows = 4096;
  auto w = SegmentWriter::Create(dir.File("g.dpc"), *schema, opt);
  ASSERT_OK(w);
  struct Ref {
    int64_t count = 0, valid = 0, sum = 0;
  };
  std::map<std::optional<int64_t>, Ref> one;  // nullopt (null) sorts first, as in the result
  std::map<std::pair<std::optional<int64_t>, int64_t>, int64_t> two;
  constexpr int64_t kRows = 200'000;
  for (int64_t i = 0; i < kRows; ++i) {
    // Runs of two equal keys, 60,001 distinct from -30,000, every 97th null.
    const std::optional<int64_t> k =
        i % 97 == 0 ? std::nullopt : std::optional<int64_t>((i / 2) * 7919 % 60'001 - 30'000);
    const int64_t j = i % 3;
    const std::optional<int64_t> v = i % 11 == 0 ? std::nullopt : std::optional<int64_t>(i - 100'000);
    const std::vector<Value> values = {k ? Value::Int(*k) : Value(), Value::Int(j), v ? Value::Int(*v) : Value()};
    ASSERT_OK((*w)->AppendRow(values));
    Ref& r = one[k];
    r.count += 1;
    r.valid += v.has_value();
    r.sum += v.value_or(0);
    two[{k, j}] += 1;
  }
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("g.dpc"));
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    ScanSpec spec;
    spec.threads = threads;
    AggregateSpec agg;
    agg.group_by = {"k"};
    agg.aggregates = {Aggregate::Count(), Aggregate::CountValid("v"), Aggregate::Sum("v")};
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), one.size());
    size_t i = 0;
    for (const auto& [k, ref] : one) {
      const std::vector<Value>& row = r->rows[i++];
      ASSERT_EQ(row[0], k ? Value::Int(*k) : Value()) << i;
      ASSERT_EQ(row[1], Value::Int(ref.count)) << i;
      ASSERT_EQ(row[2], Value::Int(ref.valid)) << i;
      ASSERT_EQ(row[3], ref.valid ? Value::Int(ref.sum) : Value()) << i;
    }
    agg.group_by = {"k", "j"};
    agg.aggregates = {Aggregate::Count()};
    r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), two.size());
    i = 0;
    for (const auto& [key, count] : two) {
      const std::vector<Value>& row = r->rows[i++];
      ASSERT_EQ(row[0], key.first ? Value::Int(*key.first) : Value()) << i;
      ASSERT_EQ(row[1], Value::Int(key.second)) << i;
      ASSERT_EQ(row[2], Value::Int(count)) << i;
    }
  }
}

// Group tables larger than ScanSpec::memory_budget end the aggregate with
// ResourceExhausted at any thread count. (At one thread the worker's
// partial becomes the total without a merge, which used to be the only
// place the budget was checked.)
TEST(Scan, GroupTablesOverTheMemoryBudgetAreAnError) {
  TempDir dir;
  std::vector<int64_t> v(300'000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int64_t(i * 7919 % 100'003);
  auto source = Int64Source(dir.File("b.dpc"), v);
  ASSERT_OK(source);
  AggregateSpec agg;
  agg.group_by = {"v"};
  agg.aggregates = {Aggregate::Count(), Aggregate::Sum("v")};
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScanSpec spec;
    spec.threads = threads;
    spec.memory_budget = 1 << 20;  // ~100K groups take several MB
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
    EXPECT_NE(r.status().message().find("memory budget of 1048576"), std::string::npos) << r.status().message();
    spec.memory_budget = 0;  // the default
    r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    EXPECT_EQ(r->rows.size(), 100'003u);
  }
}

// One unsigned key with many groups (sorted a byte at a time, skipping the
// bytes all keys share): extremes, keys that differ only in their top
// byte, and keys sharing all but one middle byte come out in key order
// with their counts, nulls first, at any thread count.
TEST(Scan, ManyUnsignedKeysComeOutInKeyOrder) {
  TempDir dir;
  auto schema = Schema::Make({{"k", DataType::UInt64(), true}});
  std::vector<Row> rows;
  std::map<uint64_t, int64_t> want;
  int64_t nulls = 0;
  std::mt19937_64 rng(17);
  auto add = [&](std::optional<uint64_t> k) {
    rows.push_back({k ? Value::UInt(*k) : Value()});
    if (k) {
      ++want[*k];
    } else {
      ++nulls;
    }
  };
  for (uint64_t k : {uint64_t{0}, uint64_t{1}, UINT64_MAX, UINT64_MAX - 1, uint64_t{1} << 63, (uint64_t{1} << 63) - 1}) {
    add(k);
  }
  for (uint64_t b = 0; b < 256; ++b) add(b << 56 | 0x42);       // only the top byte differs
  for (uint64_t b = 0; b < 256; ++b) add(0x5500000000000000ull | b << 24);  // one middle byte
  for (int i = 0; i < 3000; ++i) add(rng() >> (i % 60));
  for (int i = 0; i < 40'000; ++i) add(i % 50 == 0 ? std::nullopt : std::optional<uint64_t>(rng() % 5000));
  WriterOptions opt;
  opt.row_group_rows = 16 * 1024;
  auto seg = WriteSegment(dir.File("u.dpc"), *schema, rows, opt);
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  AggregateSpec agg;
  agg.group_by = {"k"};
  agg.aggregates = {Aggregate::Count()};
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScanSpec spec;
    spec.threads = threads;
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), want.size() + 1);
    EXPECT_EQ(r->rows[0][0], Value());
    EXPECT_EQ(r->rows[0][1], Value::Int(nulls));
    size_t i = 1;
    for (const auto& [k, count] : want) {
      ASSERT_EQ(r->rows[i][0], Value::UInt(k)) << "row " << i;
      ASSERT_EQ(r->rows[i][1], Value::Int(count)) << "row " << i;
      ++i;
    }
  }
}

// Regression (property seed 3981): min/max of floats that are -0.0 in some
// row groups and +0.0 in others gave whichever zero its thread partial
// merged first. -0.0 now orders below +0.0, for any thread count.
TEST(Scan, SignedZerosGiveTheSameMinMaxForAnyThreadCount) {
  TempDir dir;
  auto schema = Schema::Make({{"x", DataType::Float64(), false}});
  WriterOptions opt;
  opt.sync = false;
  opt.row_group_rows = 1024;
  opt.page_rows = 1024;
  auto w = SegmentWriter::Create(dir.File("z.dpc"), *schema, opt);
  ASSERT_OK(w);
  for (int i = 0; i < 8 * 1024; ++i) {
    const std::vector<Value> row = {Value::Double((i / 1024) % 2 == 0 ? 0.0 : -0.0)};
    ASSERT_OK((*w)->AppendRow(row));
  }
  ASSERT_OK((*w)->Finish());
  auto seg = Segment::Open(dir.File("z.dpc"));
  ASSERT_OK(seg);
  auto source = ScanSource::FromSegments({*seg});
  ASSERT_OK(source);
  AggregateSpec agg;
  agg.aggregates = {Aggregate::Min("x"), Aggregate::Max("x")};
  for (int threads : {1, 2, 3, 4}) {
    ScanSpec spec;
    spec.threads = threads;
    auto r = RunAggregate(*source, spec, agg);
    ASSERT_OK(r);
    EXPECT_TRUE(std::signbit(r->rows[0][0].as_double())) << threads;
    EXPECT_FALSE(std::signbit(r->rows[0][1].as_double())) << threads;
  }
}

TEST(Scan, ApproxDistinctIsWithinTwoPercentAtScale) {
  TempDir dir;
  auto schema = Schema::Make({{"k", DataType::UInt64(), false}});
  WriterOptions opt;
  opt.sync = false;
  auto w = SegmentWriter::Create(dir.File("h.dpc"), *schema, opt);
  std::vector<uint64_t> v(200000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 100000) * 2654435761u;
  ASSERT_OK((*w)->Append({ColumnData::Of<uint64_t>(v)}));
  ASSERT_OK((*w)->Finish());
  auto source = ScanSource::FromSegments({*Segment::Open(dir.File("h.dpc"))});
  AggregateSpec agg;
  agg.aggregates = {Aggregate::ApproxDistinct("k"), Aggregate::Distinct("k")};
  auto r = RunAggregate(*source, ScanSpec{}, agg);
  ASSERT_OK(r);
  EXPECT_EQ(r->rows[0][1], Value::Int(100000));
  EXPECT_NEAR(double(r->rows[0][0].as_int()), 100000.0, 2000.0);
}

// SelectRows lists the set mask bytes in order, whether it takes a 64-row
// word bit by bit (sparse) or 8 rows at a time (dense, and every word of
// the AVX2 variant), and at any length.
// ParallelFor hands indexes out in increasing order to whichever worker is
// free. RunAggregate's ordered merge depends on it: with oneTBB's range
// splitting, each worker had a slice, and the merge held the partial of
// every later slice until the first slice was done, then merged them all
// on one thread (190 of 382 at 2 threads, 50M rows). When fn(i) starts,
// fewer than `workers` lower indexes are unfinished (each other worker
// holds at most one); every index runs once; a worker's calls never
// overlap, so state indexed by worker needs no lock.
TEST(ParallelFor, HandsOutIndexesInOrderToFreeWorkers) {
  constexpr size_t kN = 600;
  for (int threads : {1, 2, 3, 8, 0}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const size_t workers = internal::scan::ParallelWorkers(threads, kN);
    ASSERT_GE(workers, 1u);
    if (threads == 1) {
      EXPECT_EQ(workers, 1u);
    }
    std::vector<std::atomic<int>> runs(kN);
    std::vector<std::atomic<bool>> done(kN), busy(workers);
    std::atomic<size_t> late{0}, overlap{0}, bad_worker{0}, max_unfinished{0};
    Status st = internal::scan::ParallelFor(threads, kN, "test: index", [&](size_t i, size_t w) -> Status {
      if (w >= workers) {
        ++bad_worker;
        return Status::OK();
      }
      if (busy[w].exchange(true)) ++overlap;
      ++runs[i];
      size_t unfinished = 0;
      for (size_t j = 0; j < i; ++j) unfinished += !done[j].load() ? 1 : 0;
      if (unfinished >= workers) ++late;
      for (size_t m = max_unfinished.load(); unfinished > m && !max_unfinished.compare_exchange_weak(m, unfinished);) {
      }
      volatile uint64_t x = i;  // some work, so that the workers overlap
      for (int k = 0; k < 3000; ++k) x = x * 31 + uint64_t(k);
      done[i] = true;
      busy[w] = false;
      return Status::OK();
    });
    ASSERT_OK(st);
    EXPECT_EQ(bad_worker.load(), 0u);
    EXPECT_EQ(overlap.load(), 0u);
    EXPECT_EQ(late.load(), 0u) << "an index started with " << max_unfinished.load() << " lower ones unfinished, "
                               << workers << " workers";
    for (size_t i = 0; i < kN; ++i) ASSERT_EQ(runs[i].load(), 1) << "index " << i;
  }
}

// The first error wins, returned or thrown (a worker thread must not let an
// exception escape), with the caller's label and the index in the message.
TEST(ParallelFor, TheFirstErrorWinsReturnedOrThrown) {
  for (int threads : {1, 2, 4}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    Status st = internal::scan::ParallelFor(threads, 300, "scan: morsel", [&](size_t i, size_t) -> Status {
      return i == 117 ? Status::Corruption("page 3 of morsel 117") : Status::OK();
    });
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    EXPECT_EQ(st.message(), "page 3 of morsel 117");
    st = internal::scan::ParallelFor(threads, 300, "scan: morsel", [&](size_t i, size_t) -> Status {
      if (i == 41) throw std::runtime_error("bad thing");
      return Status::OK();
    });
    EXPECT_EQ(st.code(), StatusCode::kInternal);
    EXPECT_NE(st.message().find("scan: morsel 41"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("bad thing"), std::string::npos) << st.message();
  }
}

// The allocator of aggregation tables: blocks below 2 MiB from operator
// new, larger ones mapped on their own, 2 MiB-aligned (where huge pages can
// back them); every block holds what is written to it, through growth,
// copies and swaps of the vectors that use it.
TEST(HugePageAllocator, BlocksOnEitherSideOfTheThresholdHoldTheirValues) {
  using Alloc = internal::scan::HugePageAllocator<uint64_t>;
  constexpr size_t kWords = internal::scan::kLargeBlock / sizeof(uint64_t);
  Alloc alloc;
  for (size_t n : {size_t{1}, kWords - 1, kWords, kWords + 1, 3 * kWords + 7}) {
    SCOPED_TRACE("words " + std::to_string(n));
    uint64_t* p = alloc.allocate(n);
    ASSERT_NE(p, nullptr);
    if (n >= kWords && internal::scan::LargeBlocksAreMapped()) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % internal::scan::kLargeBlock, 0u);
    }
    for (size_t i = 0; i < n; ++i) p[i] = i * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i += 4093) ASSERT_EQ(p[i], i * 0x9E3779B97F4A7C15ull);
    EXPECT_EQ(p[n - 1], (n - 1) * 0x9E3779B97F4A7C15ull);
    alloc.deallocate(p, n);
  }
  std::vector<uint64_t, Alloc> v;
  for (uint64_t i = 0; i < 3 * kWords; ++i) v.push_back(i);  // grows across the threshold
  std::vector<uint64_t, Alloc> copy = v, small(10, 7);
  copy.swap(small);
  EXPECT_EQ(small.size(), 3 * kWords);
  EXPECT_EQ(copy, (std::vector<uint64_t, Alloc>(10, 7)));
  for (size_t i = 0; i < v.size(); i += 1001) ASSERT_EQ(small[i], i);
  EXPECT_THROW((void)alloc.allocate(SIZE_MAX / 4), std::bad_alloc);
}

TEST(SelectRows, ListsTheSetRowsAtEveryDensityAndLength) {
  std::mt19937_64 rng(11);
  alignas(64) uint8_t mask[1024];
  alignas(64) uint32_t sel[1024];
  for (uint32_t n : {0u, 1u, 7u, 63u, 64u, 65u, 127u, 1000u, 1024u}) {
    for (uint32_t per_mille : {0u, 10u, 60u, 240u, 260u, 500u, 990u, 1000u}) {
      for (uint32_t i = 0; i < n; ++i) mask[i] = uint8_t(rng() % 1000 < per_mille);
      if (n > 0 && per_mille == 10) mask[n - 1] = 1;  // a set last row
      std::vector<uint32_t> want;
      for (uint32_t i = 0; i < n; ++i) {
        if (mask[i]) want.push_back(i);
      }
      // The dispatched variant (AVX2 where the CPU has it) and the oracle.
      for (auto* select : {&internal::scan::SelectRows, &internal::scan::SelectRowsPortable}) {
        const uint32_t m = select(mask, n, sel);
        ASSERT_EQ(m, want.size()) << "n " << n << " density " << per_mille;
        for (uint32_t i = 0; i < m; ++i) ASSERT_EQ(sel[i], want[i]) << "n " << n << " density " << per_mille;
      }
    }
  }
  EXPECT_EQ(internal::scan::SelectRows(nullptr, 5, sel), 5u);
  EXPECT_EQ(sel[4], 4u);
}

}  // namespace
}  // namespace dp::testing
