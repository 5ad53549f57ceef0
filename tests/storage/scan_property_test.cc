// Randomized property tests of the scan core against the reference in
// scan_reference.h: random schemas, data (nulls, extremes, NaN, -0.0),
// forced encodings, row group / page sizes, predicates, group keys, time
// buckets, aggregates and thread counts. DP_SCAN_CASES sets the number of
// cases (default 200, 15 in Debug builds; CI may raise it) and
// DP_SCAN_SEED the first seed (to replay a failure); DP_SCAN_THREADS forces
// the scanner thread count and DP_SCAN_DEBUG prints the case (encodings,
// pages, counts).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "tests/storage/scan_reference.h"

namespace dp::testing {
namespace {

int NumCases() {
  const char* env = std::getenv("DP_SCAN_CASES");
#ifdef NDEBUG
  constexpr int kDefault = 200;
#else
  constexpr int kDefault = 15;  // Debug + sanitizers are ~20x slower
#endif
  return env ? std::max(1, std::atoi(env)) : kDefault;
}

Value PoolValue(const DataType& t, std::mt19937_64& rng) {
  const int pick = int(rng() % 16);
  switch (t.id) {
    case TypeId::kBool: return Value::Bool(rng() & 1);
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      static const double kPool[] = {-1.5, 0.0, -0.0, 2.25, 1e9, -3.0, 0.5, 7.0};
      if (pick == 0) return Value::Double(std::nan(""));
      if (pick == 1) return Value::Double(std::numeric_limits<double>::infinity());
      return Value::Double(kPool[rng() % 8]);
    }
    case TypeId::kString:
    case TypeId::kBinary: {
      static const char* kPool[] = {"", "a", "ab", "abc", "b", "ba", "zz", "a\xc3\xa9"};
      const uint64_t i = rng() % 8;
      return Value::Bytes(i == 7 && t.id == TypeId::kBinary ? "a\xff" : kPool[i]);
    }
    default: break;
  }
  // Integers: small values mostly, sometimes the type's extremes.
  const Value r = RandomValue(t, rng);
  if (pick == 0) return r;
  if (t.is_signed_integer()) return Value::Int(int64_t(rng() % 41) - 20);
  return Value::UInt(rng() % 30);
}

Value Literal(const DataType& t, std::mt19937_64& rng) {
  Value v = PoolValue(t, rng);
  if (t.is_integer() && rng() % 8 == 0) return Value::Int(int64_t(rng() % 100) - 50);  // Int for unsigned too
  if (t.is_float() && rng() % 4 == 0) return Value::Int(int64_t(rng() % 6) - 3);
  return v;
}

Predicate RandomPredicate(const Schema& s, std::mt19937_64& rng, int depth) {
  const int k = int(rng() % (depth > 0 ? 14 : 10));
  if (k >= 10) {
    std::vector<Predicate> kids;
    const int n = 1 + int(rng() % 3);
    for (int i = 0; i < n; ++i) kids.push_back(RandomPredicate(s, rng, depth - 1));
    if (k == 10) return Predicate::And(kids);
    if (k == 11) return Predicate::Or(kids);
    return Predicate::Not(kids[0]);
  }
  const Field& f = s.field(rng() % s.num_fields());
  const DataType& t = f.type;
  switch (k) {
    case 0: return Predicate::Eq(f.name, Literal(t, rng));
    case 1: return Predicate::Ne(f.name, Literal(t, rng));
    case 2: return Predicate::Lt(f.name, Literal(t, rng));
    case 3: return Predicate::Le(f.name, Literal(t, rng));
    case 4: return Predicate::Gt(f.name, Literal(t, rng));
    case 5: return Predicate::Ge(f.name, Literal(t, rng));
    case 6: return Predicate::Between(f.name, Literal(t, rng), Literal(t, rng));
    case 7: {
      std::vector<Value> vals;
      for (int i = int(rng() % 4); i > 0; --i) vals.push_back(Literal(t, rng));
      return Predicate::In(f.name, vals);
    }
    case 8: return rng() & 1 ? Predicate::IsNull(f.name) : Predicate::IsNotNull(f.name);
    default:
      if (t.is_binary_like()) return Predicate::StartsWith(f.name, rng() & 1 ? "a" : "");
      return Predicate::IsNotNull(f.name);
  }
}

bool Close(const Value& a, const Value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.as_double(), y = b.as_double();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    if (std::isinf(x) || std::isinf(y)) return x == y;
    return std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
  }
  return a == b;
}

std::string RowText(const Row& r) {
  std::string s;
  for (const Value& v : r) {
    s += v.is_null() ? "null" : v.is_bytes() ? "'" + v.as_bytes() + "'" : v.is_double() ? std::to_string(v.as_double())
         : v.is_int() ? std::to_string(v.as_int()) : v.is_uint() ? std::to_string(v.as_uint()) : (v.as_bool() ? "true" : "false");
    s += " ";
  }
  return s;
}

struct Case {
  TempDir dir;
  Schema schema;
  std::vector<std::shared_ptr<const Segment>> segs;
  std::vector<Row> rows;
};

void MakeCase(uint64_t seed, Case* c) {
  std::mt19937_64 rng(seed);
  const std::vector<DataType> types = AllTypes();
  std::vector<Field> fields;
  const int nf = 1 + int(rng() % 5);
  bool has_ts = false;
  for (int i = 0; i < nf; ++i) {
    DataType t = types[rng() % types.size()];
    if (i == 0 && rng() % 2 == 0) t = DataType::Timestamp(TimeUnit::kMicro);
    has_ts |= t.id == TypeId::kTimestamp;
    fields.push_back({"c" + std::to_string(i), t, rng() % 3 != 0});
  }
  c->schema = *Schema::Make(fields);
  const int nsegs = 1 + int(rng() % 2);
  for (int sgi = 0; sgi < nsegs; ++sgi) {
    WriterOptions opt;
    opt.sync = false;
    opt.row_group_rows = 1000 + rng() % 3000;
    opt.page_rows = 1024;
    if (rng() % 3 == 0) opt.codec = CodecPolicy::kNone;
    // Every encoding (those that do not fit a page fall back to the
    // automatic choice, which may take any of them too).
    const Encoding encs[] = {Encoding::kPlain,           Encoding::kForBitpack,      Encoding::kDeltaBitpack,
                             Encoding::kRle,             Encoding::kDictionary,      Encoding::kConstant,
                             Encoding::kForPlanes,       Encoding::kDeltaPlanes,     Encoding::kDictionaryPlanes,
                             Encoding::kForRadix,        Encoding::kDictionaryRadix, Encoding::kDictionarySparse};
    static_assert(std::size(encs) == kMaxEncoding + 1, "a new encoding belongs in the property test");
    if (rng() % 3 != 0) opt.force_encoding = encs[rng() % std::size(encs)];
    const size_t n = rng() % 6000;
    std::vector<TestColumn> cols;
    const int null_pct = int(rng() % 4) * 10;
    int64_t ts = 1'700'000'000'000'000 + int64_t(rng() % 1000) * 3'600'000'000;
    // ~1 h apart (blocks span many buckets) or ~1 s apart (whole blocks in
    // one minute, hour or day bucket: settled from delta bounds).
    const uint64_t ts_step = rng() % 2 == 0 ? 7'200'000'000 : 2'000'000;
    for (const Field& f : fields) {
      std::vector<Value> vals;
      const bool runs = rng() % 3 == 0;  // long runs (rle, constant pages)
      Value last = PoolValue(f.type, rng);
      for (size_t r = 0; r < n; ++r) {
        if (f.nullable && int(rng() % 100) < null_pct) {
          vals.push_back(Value());
        } else if (f.type.id == TypeId::kTimestamp && f.name == "c0") {
          ts += int64_t(rng() % ts_step);  // sorted: buckets and page pruning
          vals.push_back(Value::Int(ts));
        } else {
          if (!runs || rng() % 200 == 0) last = PoolValue(f.type, rng);
          vals.push_back(last);
        }
      }
      cols.push_back(MakeColumn(f.type, std::move(vals)));
    }
    const std::string path = c->dir.File("s" + std::to_string(sgi) + ".dpc");
    if (std::getenv("DP_SCAN_DEBUG")) {
      std::fprintf(stderr, "segment %d: %zu rows, rg %llu, enc %d, codec %d\n%s", sgi, n,
                   (unsigned long long)opt.row_group_rows, opt.force_encoding ? int(*opt.force_encoding) : -1,
                   int(opt.codec), c->schema.ToString().c_str());
    }
    auto w = SegmentWriter::Create(path, c->schema, opt);
    ASSERT_OK(w);
    std::vector<ColumnData> data;
    for (auto& col : cols) data.push_back(col.Data());
    if (n > 0) ASSERT_OK((*w)->Append(data));
    ASSERT_OK((*w)->Finish());
    auto seg = Segment::Open(path);
    ASSERT_OK(seg);
    if (std::getenv("DP_SCAN_DEBUG")) {
      for (int col = 0; col < (*seg)->num_columns(); ++col) {
        for (int g = 0; g < (*seg)->num_row_groups(); ++g) {
          auto ch = (*seg)->column_chunk(col, g);
          for (const auto& pg : ch->pages) {
            std::fprintf(stderr, "  c%d rg%d page %u first %llu enc %d codec %d\n", col, g, pg.index,
                         (unsigned long long)pg.first_row, int(pg.encoding), int(pg.codec));
          }
        }
      }
    }
    c->segs.push_back(*seg);
  }
  c->rows = ReadRows(c->segs);
  (void)has_ts;
}

TEST(ScanProperty, AggregatesAndBatchesMatchReference) {
  const int cases = NumCases();
  int checked_aggs = 0, checked_scans = 0;
  for (int ci = 0; ci < cases; ++ci) {
    // DP_SCAN_SEED replays one failing case.
    const char* only = std::getenv("DP_SCAN_SEED");
    const uint64_t seed = only ? std::strtoull(only, nullptr, 10) + uint64_t(ci) : 1000 + uint64_t(ci);
    SCOPED_TRACE("seed " + std::to_string(seed));
    Case c;
    MakeCase(seed, &c);
    if (HasFatalFailure()) return;
    std::mt19937_64 rng(seed * 7 + 1);
    auto source = ScanSource::FromSegments(c.segs);
    ASSERT_OK(source);
    const Schema& s = c.schema;

    ScanSpec spec;
    spec.predicate = rng() % 5 == 0 ? Predicate() : RandomPredicate(s, rng, 2);
    const bool ts0 = s.field(0).type.id == TypeId::kTimestamp;
    if (ts0 && rng() % 2 == 0) {
      const int64_t base = 1'700'000'000'000'000;
      spec.time_range = TimeRange{"c0", base + int64_t(rng() % 200) * 86'400'000'000 / 10,
                                  base + int64_t(rng() % 400) * 86'400'000'000 / 10};
      if (rng() % 2 == 0 && !c.rows.empty()) {
        // Ends at values of the data (inside blocks, on exact values).
        const Value& a = c.rows[rng() % c.rows.size()][0];
        const Value& b = c.rows[rng() % c.rows.size()][0];
        if (!a.is_null() && !b.is_null()) {
          spec.time_range = TimeRange{"c0", std::min(a.as_int(), b.as_int()), std::max(a.as_int(), b.as_int()) + 1};
        }
      }
    }
    SCOPED_TRACE("predicate " + spec.predicate.ToString());

    // Aggregates.
    AggregateSpec agg;
    const int nkeys = int(rng() % 3);
    for (int k = 0; k < nkeys; ++k) agg.group_by.push_back(s.field(rng() % s.num_fields()).name);
    if (ts0 && rng() % 3 == 0) {
      agg.bucket = TimeBucket(1 + rng() % 5);
      agg.bucket_column = "c0";
    }
    agg.aggregates.push_back(Aggregate::Count());
    for (int a = int(rng() % 4) + 1; a > 0; --a) {
      const Field& f = s.field(rng() % s.num_fields());
      const bool summable = !f.type.is_binary_like() && f.type.id != TypeId::kTimestamp && f.type.id != TypeId::kDate32;
      switch (rng() % 7) {
        case 0: agg.aggregates.push_back(Aggregate::CountValid(f.name)); break;
        case 1: if (summable) agg.aggregates.push_back(Aggregate::Sum(f.name)); break;
        case 2: agg.aggregates.push_back(Aggregate::Min(f.name)); break;
        case 3: agg.aggregates.push_back(Aggregate::Max(f.name)); break;
        case 4: if (summable) agg.aggregates.push_back(Aggregate::Avg(f.name)); break;
        case 5: agg.aggregates.push_back(Aggregate::Distinct(f.name)); break;
        default: agg.aggregates.push_back(Aggregate::ApproxDistinct(f.name)); break;
      }
    }
    if (std::getenv("DP_SCAN_DEBUG")) {
      AggregateSpec simple;
      simple.aggregates = {Aggregate::Count()};
      bool o = false;
      auto e = RefAggregate(c.rows, s, spec, simple, &o);
      auto g = RunAggregate(*source, spec, simple);
      std::fprintf(stderr, "count: engine %s ref %s of %zu rows\n", RowText(g->rows[0]).c_str(), RowText(e[0]).c_str(), c.rows.size());
      for (size_t i = 0; i < 20 && i < c.rows.size(); ++i) std::fprintf(stderr, "row %s\n", RowText(c.rows[i]).c_str());
    }
    bool overflow = false;
    const std::vector<Row> expect = RefAggregate(c.rows, s, spec, agg, &overflow);
    spec.threads = 1;
    auto r1 = RunAggregate(*source, spec, agg);
    spec.threads = 3;
    auto r3 = RunAggregate(*source, spec, agg);
    if (overflow) {
      ASSERT_FALSE(r1.ok());
      EXPECT_EQ(r1.status().code(), StatusCode::kOutOfRange) << r1.status().ToString();
    } else {
      ASSERT_OK(r1);
      ASSERT_OK(r3);
      if (r1->rows.size() != expect.size()) {
        std::string names;
        for (const auto& n : r1->names) names += n + " ";
        for (size_t i = 0; i < std::min<size_t>(r1->rows.size(), 8); ++i) ADD_FAILURE() << names << "| got " << RowText(r1->rows[i]);
        for (size_t i = 0; i < std::min<size_t>(expect.size(), 8); ++i) ADD_FAILURE() << "want " << RowText(expect[i]);
      }
      ASSERT_EQ(r1->rows.size(), expect.size());
      ASSERT_EQ(r3->rows.size(), expect.size());
      for (size_t i = 0; i < expect.size(); ++i) {
        for (size_t j = 0; j < expect[i].size(); ++j) {
          const Value& got = r1->rows[i][j];
          const Value& want = expect[i][j];
          const size_t a = j - r1->num_keys;
          const bool approx = j >= r1->num_keys && agg.aggregates[a].kind == AggregateKind::kApproxDistinct;
          if (approx) {
            const double e = double(want.as_int());
            EXPECT_LE(std::fabs(double(got.as_int()) - e), 0.03 * e + 1) << "row " << i << " col " << j;
          } else {
            EXPECT_TRUE(Close(got, want)) << "row " << i << " col " << r1->names[j] << ": got " << RowText({got})
                                          << " want " << RowText({want}) << " | group " << RowText(expect[i]);
          }
          // Identical whatever the thread count (bit for bit).
          EXPECT_TRUE(SameValue(got, r3->rows[i][j]))
              << "threads 1 vs 3 differ at row " << i << " col " << r1->names[j] << ": " << RowText({got}) << " vs "
              << RowText({r3->rows[i][j]}) << " | group " << RowText(expect[i]);
        }
      }
      ++checked_aggs;
    }

    // Batches: projection of random columns, in row order, maybe a limit.
    ScanSpec sspec = spec;
    sspec.threads = int(rng() % 3);
    if (const char* t = std::getenv("DP_SCAN_THREADS")) sspec.threads = std::atoi(t);
    std::vector<int> proj;
    for (size_t f = 0; f < s.num_fields(); ++f) {
      if (rng() % 2) proj.push_back(int(f));
    }
    for (int f : proj) sspec.projection.push_back(s.field(f).name);
    if (proj.empty()) {
      for (size_t f = 0; f < s.num_fields(); ++f) proj.push_back(int(f));
    }
    if (rng() % 4 == 0) sspec.limit = rng() % 100;
    sspec.batch_rows = 1024 * (1 + rng() % 4);
    std::vector<Row> want;
    for (const Row& row : c.rows) {
      if (sspec.limit && want.size() == *sspec.limit) break;
      auto t = RefEval(sspec.predicate, s, row);
      if (!t || !*t) continue;
      if (sspec.time_range) {
        const Value& tv = row[0];
        if (tv.is_null() || tv.as_int() < *sspec.time_range->from || tv.as_int() >= *sspec.time_range->to) continue;
      }
      Row out;
      for (int f : proj) out.push_back(row[f]);
      want.push_back(std::move(out));
    }
    if (std::getenv("DP_SCAN_DEBUG")) {
      std::fprintf(stderr, "scan threads %d batch %u limit %d proj %zu\n", sspec.threads, sspec.batch_rows,
                   sspec.limit ? int(*sspec.limit) : -1, proj.size());
    }
    ScanStats st;
    auto scanned = ScanRows(*source, sspec, &st);
    ASSERT_OK(scanned);
    const std::vector<Row>& got = *scanned;
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      for (size_t j = 0; j < want[i].size(); ++j) {
        EXPECT_TRUE(SameValue(got[i][j], want[i][j])) << "row " << i << " col " << j << ": " << RowText(got[i])
                                                      << " vs " << RowText(want[i]);
      }
    }
    EXPECT_LE(st.pages_read, st.pages_total);
    if (!sspec.limit) {
      EXPECT_EQ(st.rows_matched, want.size());
    }
    ++checked_scans;
  }
  EXPECT_GT(checked_aggs, cases / 2);
  EXPECT_EQ(checked_scans, cases);
}

}  // namespace
}  // namespace dp::testing
