// A simple reference implementation of scans and aggregates over decoded
// rows (dp::Value), the oracle of the scan tests. Deliberately naive: SQL
// three-valued logic evaluated row by row, std::map groups, std::chrono
// calendar buckets.
#pragma once

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "dp/scan.h"
#include "tests/storage/test_util.h"

namespace dp::testing {

__extension__ using RefInt128 = __int128;

using Row = std::vector<Value>;

// Writes `rows` to `path` with `opt` (no fsync) and opens the segment.
inline Result<std::shared_ptr<const Segment>> WriteSegment(const std::string& path, const Schema& schema,
                                                          const std::vector<std::vector<Value>>& rows,
                                                          WriterOptions opt) {
  opt.sync = false;
  DP_ASSIGN_OR_RETURN(auto w, SegmentWriter::Create(path, schema, opt));
  for (const auto& r : rows) DP_RETURN_IF_ERROR(w->AppendRow(r));
  DP_RETURN_IF_ERROR(w->Finish());
  DP_ASSIGN_OR_RETURN(auto seg, Segment::Open(path));
  return std::shared_ptr<const Segment>(std::move(seg));
}

// One non-null int64 column "v" holding `values`, written to `path` in one
// columnar append (faster than rows for big tests), as a scan source.
inline Result<ScanSource> Int64Source(const std::string& path, const std::vector<int64_t>& values,
                                      WriterOptions opt = {}) {
  opt.sync = false;
  DP_ASSIGN_OR_RETURN(Schema schema, Schema::Make({{"v", DataType::Int64(), false}}));
  DP_ASSIGN_OR_RETURN(auto w, SegmentWriter::Create(path, schema, opt));
  DP_RETURN_IF_ERROR(w->Append({ColumnData::Of<int64_t>(values)}));
  DP_RETURN_IF_ERROR(w->Finish());
  DP_ASSIGN_OR_RETURN(auto seg, Segment::Open(path));
  return ScanSource::FromSegments({std::shared_ptr<const Segment>(std::move(seg))});
}

// Every row of every batch of a scan, checking each batch's size; the
// scan's statistics into *stats if given.
inline Result<std::vector<Row>> ScanRows(const ScanSource& source, const ScanSpec& spec, ScanStats* stats = nullptr) {
  DP_ASSIGN_OR_RETURN(auto scanner, Scanner::Open(source, spec));
  std::vector<Row> rows;
  dp::Batch batch;
  while (true) {
    DP_ASSIGN_OR_RETURN(bool more, scanner->Next(&batch));
    if (!more) break;
    if (batch.num_rows == 0 || batch.num_rows > spec.batch_rows) {
      return Status::Internal("a batch of " + std::to_string(batch.num_rows) + " rows");
    }
    for (size_t r = 0; r < batch.num_rows; ++r) {
      Row row;
      for (const BatchColumn& col : batch.columns) row.push_back(col.GetValue(r));
      rows.push_back(std::move(row));
    }
  }
  if (stats != nullptr) *stats = scanner->stats();
  return rows;
}

// All rows of the given segments (same schema order as the first).
inline std::vector<Row> ReadRows(const std::vector<std::shared_ptr<const Segment>>& segs) {
  std::vector<Row> rows;
  for (const auto& seg : segs) {
    std::vector<ColumnVector> cols;
    for (int c = 0; c < seg->num_columns(); ++c) cols.push_back(*seg->ReadColumn(c));
    for (uint64_t r = 0; r < seg->num_rows(); ++r) {
      Row row;
      for (auto& c : cols) row.push_back(c.GetValue(r));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

inline int RefCompare(const Value& a, const Value& b) {
  if (a.is_bytes()) return a.as_bytes() < b.as_bytes() ? -1 : a.as_bytes() > b.as_bytes();
  auto as_int = [](const Value& v, RefInt128* o) {
    if (v.is_int()) *o = v.as_int();
    else if (v.is_uint()) *o = v.as_uint();
    else if (v.is_bool()) *o = v.as_bool();
    else return false;
    return true;
  };
  RefInt128 x, y;
  if (as_int(a, &x) && as_int(b, &y)) return x < y ? -1 : x > y;
  auto d = [](const Value& v) -> long double {
    if (v.is_double()) return v.as_double();
    if (v.is_int()) return v.as_int();  // not through a ?: chain: that would convert to uint64
    if (v.is_uint()) return v.as_uint();
    return v.as_bool();
  };
  const long double p = d(a), q = d(b);
  return p < q ? -1 : p > q ? 1 : 0;  // NaN: 0 (callers handle NaN)
}

inline bool IsNaN(const Value& v) { return v.is_double() && std::isnan(v.as_double()); }

// SQL truth: nullopt = unknown.
inline std::optional<bool> RefEval(const Predicate& p, const Schema& s, const Row& row) {
  using K = Predicate::Kind;
  switch (p.kind()) {
    case K::kTrue: return true;
    case K::kNot: {
      auto v = RefEval(p.children()[0], s, row);
      if (!v) return std::nullopt;
      return !*v;
    }
    case K::kAnd: {
      bool unknown = false;
      for (const auto& c : p.children()) {
        auto v = RefEval(c, s, row);
        if (v && !*v) return false;
        if (!v) unknown = true;
      }
      if (unknown) return std::nullopt;
      return true;
    }
    case K::kOr: {
      bool unknown = false;
      for (const auto& c : p.children()) {
        auto v = RefEval(c, s, row);
        if (v && *v) return true;
        if (!v) unknown = true;
      }
      if (unknown) return std::nullopt;
      return false;
    }
    default: break;
  }
  const Value& x = row[s.FieldIndex(p.column())];
  if (p.kind() == K::kIsNull) return x.is_null();
  if (p.kind() == K::kIsNotNull) return !x.is_null();
  if (x.is_null()) return std::nullopt;
  auto cmp = [&](const Value& lit) -> std::optional<int> {  // nullopt: unordered (NaN)
    if (IsNaN(x) || IsNaN(lit)) return std::nullopt;
    return RefCompare(x, lit);
  };
  const auto& v = p.values();
  switch (p.kind()) {
    case K::kEq: { auto c = cmp(v[0]); return c && *c == 0; }
    case K::kNe: { auto c = cmp(v[0]); return !c || *c != 0; }
    case K::kLt: { auto c = cmp(v[0]); return c && *c < 0; }
    case K::kLe: { auto c = cmp(v[0]); return c && *c <= 0; }
    case K::kGt: { auto c = cmp(v[0]); return c && *c > 0; }
    case K::kGe: { auto c = cmp(v[0]); return c && *c >= 0; }
    case K::kBetween: {
      auto a = cmp(v[0]), b = cmp(v[1]);
      return a && b && *a >= 0 && *b <= 0;
    }
    case K::kIn:
      for (const Value& lit : v) {
        auto c = cmp(lit);
        if (c && *c == 0) return true;
      }
      return false;
    case K::kStartsWith: return x.as_bytes().rfind(v[0].as_bytes(), 0) == 0;
    default: return false;
  }
}

inline int64_t RefBucket(int64_t v, TimeBucket b, const DataType& t) {
  using namespace std::chrono;
  int64_t per_sec = 1;
  if (t.id == TypeId::kTimestamp) {
    per_sec = t.unit == TimeUnit::kSecond ? 1 : t.unit == TimeUnit::kMilli ? 1000 : t.unit == TimeUnit::kMicro ? 1000000 : 1000000000;
  }
  const int64_t per_day = t.id == TypeId::kDate32 ? 1 : 86400 * per_sec;
  auto floor_div = [](int64_t a, int64_t d) { return a / d - ((a % d != 0) && ((a < 0) != (d < 0))); };
  switch (b) {
    case TimeBucket::kMinute: return floor_div(v, 60 * per_sec) * 60 * per_sec;
    case TimeBucket::kHour: return floor_div(v, 3600 * per_sec) * 3600 * per_sec;
    case TimeBucket::kDay: return floor_div(v, per_day) * per_day;
    case TimeBucket::kWeek: {
      sys_days d{days{floor_div(v, per_day)}};
      weekday wd{d};
      const int back = (wd.c_encoding() + 6) % 7;  // Monday = 0
      return (d - days{back}).time_since_epoch().count() * per_day;
    }
    case TimeBucket::kMonth: {
      year_month_day ymd{sys_days{days{floor_div(v, per_day)}}};
      sys_days first{ymd.year() / ymd.month() / 1};
      return first.time_since_epoch().count() * per_day;
    }
    default: return v;
  }
}

// Canonical group key for floats: one zero, one NaN.
inline Value CanonKey(const Value& v) {
  if (v.is_double()) {
    double d = v.as_double();
    if (d == 0) d = 0;
    if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
    return Value::Double(d);
  }
  return v;
}

struct KeyLess {
  bool operator()(const Row& a, const Row& b) const {
    for (size_t k = 0; k < a.size(); ++k) {
      if (a[k].is_null() != b[k].is_null()) return a[k].is_null();
      if (a[k].is_null()) continue;
      if (IsNaN(a[k]) != IsNaN(b[k])) return IsNaN(b[k]);
      if (IsNaN(a[k])) continue;
      const int c = RefCompare(a[k], b[k]);
      if (c != 0) return c < 0;
    }
    return false;
  }
};

// Expected AggregateResult rows (floats as computed here, compare loosely).
inline std::vector<Row> RefAggregate(const std::vector<Row>& rows, const Schema& s, const ScanSpec& spec,
                                     const AggregateSpec& agg, bool* overflow) {
  *overflow = false;
  struct Acc {
    int64_t count = 0;
    std::vector<int64_t> n;
    std::vector<RefInt128> isum;
    std::vector<double> fsum;
    std::vector<std::optional<Value>> mm;
    std::vector<std::set<Row, KeyLess>> distinct;
  };
  std::map<Row, Acc, KeyLess> groups;
  const size_t na = agg.aggregates.size();
  auto fresh = [&] {
    Acc a;
    a.n.assign(na, 0);
    a.isum.assign(na, 0);
    a.fsum.assign(na, 0);
    a.mm.assign(na, std::nullopt);
    a.distinct.resize(na);
    return a;
  };
  if (agg.group_by.empty() && agg.bucket == TimeBucket::kNone) groups.emplace(Row{}, fresh());
  std::string bucket_col = agg.bucket_column.empty() && spec.time_range ? spec.time_range->column : agg.bucket_column;
  for (const Row& row : rows) {
    auto t = RefEval(spec.predicate, s, row);
    if (!t || !*t) continue;
    if (spec.time_range) {
      const Value& tv = row[s.FieldIndex(spec.time_range->column)];
      if (tv.is_null()) continue;
      if (spec.time_range->from && tv.as_int() < *spec.time_range->from) continue;
      if (spec.time_range->to && tv.as_int() >= *spec.time_range->to) continue;
    }
    Row key;
    for (const auto& g : agg.group_by) key.push_back(CanonKey(row[s.FieldIndex(g)]));
    if (agg.bucket != TimeBucket::kNone) {
      const int f = s.FieldIndex(bucket_col);
      const Value& tv = row[f];
      key.push_back(tv.is_null() ? Value() : Value::Int(RefBucket(tv.as_int(), agg.bucket, s.field(f).type)));
    }
    auto it = groups.find(key);
    if (it == groups.end()) it = groups.emplace(key, fresh()).first;
    Acc& acc = it->second;
    acc.count++;
    for (size_t a = 0; a < na; ++a) {
      const Aggregate& ag = agg.aggregates[a];
      if (ag.kind == AggregateKind::kCount) continue;
      const Value& v = row[s.FieldIndex(ag.column)];
      if (v.is_null()) continue;
      switch (ag.kind) {
        case AggregateKind::kCountValid: acc.n[a]++; break;
        case AggregateKind::kSum:
        case AggregateKind::kAvg:
          acc.n[a]++;
          if (v.is_double()) acc.fsum[a] += v.as_double();
          else if (v.is_int()) acc.isum[a] += v.as_int();
          else if (v.is_uint()) acc.isum[a] += v.as_uint();
          else acc.isum[a] += v.as_bool();
          break;
        case AggregateKind::kMin:
        case AggregateKind::kMax: {
          if (IsNaN(v)) break;
          const bool mn = ag.kind == AggregateKind::kMin;
          if (!acc.mm[a] || (mn ? RefCompare(v, *acc.mm[a]) < 0 : RefCompare(v, *acc.mm[a]) > 0)) acc.mm[a] = v;
          break;
        }
        case AggregateKind::kDistinct:
        case AggregateKind::kApproxDistinct: acc.distinct[a].insert(Row{CanonKey(v)}); break;
        default: break;
      }
    }
  }
  std::vector<Row> out;
  for (auto& [key, acc] : groups) {
    Row r = key;
    for (size_t a = 0; a < na; ++a) {
      const Aggregate& ag = agg.aggregates[a];
      const DataType* t = ag.column.empty() ? nullptr : &s.field(s.FieldIndex(ag.column)).type;
      switch (ag.kind) {
        case AggregateKind::kCount: r.push_back(Value::Int(acc.count)); break;
        case AggregateKind::kCountValid: r.push_back(Value::Int(acc.n[a])); break;
        case AggregateKind::kSum:
          if (acc.n[a] == 0) r.push_back(Value());
          else if (t->is_float()) r.push_back(Value::Double(acc.fsum[a]));
          else if (t->is_integer() && !t->is_signed_integer()) {
            *overflow |= acc.isum[a] > RefInt128(UINT64_MAX);
            r.push_back(Value::UInt(uint64_t(acc.isum[a])));
          } else {
            *overflow |= acc.isum[a] > RefInt128(INT64_MAX) || acc.isum[a] < RefInt128(INT64_MIN);
            r.push_back(Value::Int(int64_t(acc.isum[a])));
          }
          break;
        case AggregateKind::kAvg:
          if (acc.n[a] == 0) r.push_back(Value());
          else if (t->is_float()) r.push_back(Value::Double(acc.fsum[a] / double(acc.n[a])));
          else r.push_back(Value::Double(double((long double)acc.isum[a] / (long double)acc.n[a])));
          break;
        case AggregateKind::kMin:
        case AggregateKind::kMax: r.push_back(acc.mm[a] ? *acc.mm[a] : Value()); break;
        case AggregateKind::kDistinct:
        case AggregateKind::kApproxDistinct: r.push_back(Value::Int(int64_t(acc.distinct[a].size()))); break;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dp::testing
