// dp::Scan / dp::Aggregate — the scan/aggregate core.
//
// A scan reads a ScanSource (an ordered list of segments, opened lazily,
// resolved against one target schema by field id) with a ScanSpec
// (projection, predicate, event-time range, limit, threads) and returns
// either column batches (a pull iterator) or aggregates computed inside the
// scan (count, sum, min, max, avg, distinct counts, grouped by columns and/or
// a time bucket).
//
//   auto seg = dp::Segment::Open("orders.dpc");
//   auto source = dp::ScanSource::FromSegments({*seg});
//   dp::ScanSpec spec;
//   spec.predicate = dp::Predicate::Eq("country", dp::Value::Bytes("DE"));
//   spec.time_range = dp::TimeRange{"ts", from_us, to_us};
//   dp::AggregateSpec agg;
//   agg.group_by = {"category"};
//   agg.aggregates = {dp::Aggregate::Count(), dp::Aggregate::Sum("price_usd_cents")};
//   auto result = dp::RunAggregate(*source, spec, agg);
//   for (const auto& row : result->rows) ...
//
//   auto scanner = dp::Scanner::Open(*source, spec);   // batches
//   dp::Batch batch;
//   while (true) {
//     auto more = (*scanner)->Next(&batch);
//     if (!more.ok() || !*more) break;
//     auto price = batch.column(0).values<int64_t>();
//   }
//
// Semantics:
// - Columns are resolved in each segment by field id. A target field missing
//   from a segment reads as all null; a segment integer column narrower than
//   the target type is widened (int32 -> int64, uint16 -> uint32/int32/...,
//   float32 -> float64). Other type differences are InvalidArgument naming
//   the file and column.
// - Predicates follow SQL: a comparison with a null value is unknown and the
//   row is not selected; NOT of unknown is unknown. Float comparisons follow
//   IEEE (NaN compares unequal to everything, so `x != NaN` is true).
//   Strings and binary compare bytewise (unsigned).
// - Literals are checked against the column's type: integer columns (and
//   timestamp, date32) take Value::Int / Value::UInt (any value; a literal out
//   of the column's range simply matches nothing or everything), float columns
//   take Int, UInt or Double, bool columns Bool, string/binary Bytes.
//   Anything else is InvalidArgument naming the column and the literal.
//   Timestamps are compared as int64 counts of the column's unit.
// - Results never depend on the thread count: integer sums are exact (an
//   int64 sum accumulates in 128 bits; a sum that does not fit its result
//   type is OutOfRange), float sums are added in row order within fixed
//   row ranges ("morsels", independent of `threads`) and the partial sums are
//   combined in row order.
//
// Thread safety: ScanSource, ScanSpec, Predicate are immutable values once
// built and may be shared. A Scanner is used by one thread at a time; the
// views in a Batch stay valid until the next Next() call or the Scanner's
// destruction (they also keep the segments alive).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/dataset.h"
#include "dp/result.h"
#include "dp/segment.h"
#include "dp/status.h"
#include "dp/types.h"

namespace dp {

class Snapshot;  // dp/dataset.h

// ---- source -----------------------------------------------------------------

// Statistics of one part known without opening it (e.g. from a dataset
// version manifest). Absent facts are simply not used for pruning.
struct PartSummary {
  struct FieldRange {
    uint32_t field_id = 0;
    std::optional<Value> min;  // inclusive bounds of the non-null values
    std::optional<Value> max;
    std::optional<uint64_t> null_count;
  };
  std::optional<uint64_t> num_rows;
  // Per-field ranges. The event-time min/max of a part goes here under the
  // time column's field id (as Value::Int counts of the column's unit).
  std::vector<FieldRange> fields;
};

// One segment of a source: opened lazily (open() is called at most once per
// scan, only if the part survives pruning by `summary`), or already open.
struct ScanPart {
  std::function<Result<std::shared_ptr<const Segment>>()> open;
  std::shared_ptr<const Segment> segment;  // used instead of open() when set
  std::optional<PartSummary> summary;
  std::string name;  // for messages (a path) when the segment is not open yet
};

// An ordered list of parts read as one table with the `schema` (fields with
// stable field ids). Parts are read in order; row order = part order, then
// row order within each segment.
class ScanSource {
 public:
  ScanSource() = default;
  ScanSource(Schema schema, std::vector<ScanPart> parts)
      : schema_(std::move(schema)), parts_(std::move(parts)) {}

  // Already opened segments; the target schema is the first segment's.
  // InvalidArgument for an empty list or a null segment.
  static Result<ScanSource> FromSegments(std::vector<std::shared_ptr<const Segment>> segments);
  // Every segment of a pinned dataset version, read under the version's
  // schema; segments are opened only if their manifest summaries (row count,
  // per-field min/max/nulls, event-time range) survive pruning. The source
  // keeps the snapshot alive.
  static Result<ScanSource> FromSnapshot(std::shared_ptr<const Snapshot> snapshot);

  const Schema& schema() const { return schema_; }
  const std::vector<ScanPart>& parts() const { return parts_; }

 private:
  Schema schema_;
  std::vector<ScanPart> parts_;
};

// ---- predicates --------------------------------------------------------------

// An immutable predicate tree over named columns of the target schema.
class Predicate {
 public:
  enum class Kind : uint8_t {
    kTrue,        // no filter
    kEq, kNe, kLt, kLe, kGt, kGe,
    kBetween,     // lo <= x <= hi (both inclusive)
    kIn,          // x equals one of the values (an empty list matches nothing)
    kIsNull, kIsNotNull,
    kStartsWith,  // string/binary prefix
    kAnd, kOr, kNot,
  };

  Predicate();  // kTrue
  static Predicate True();
  static Predicate Eq(std::string column, Value v);
  static Predicate Ne(std::string column, Value v);
  static Predicate Lt(std::string column, Value v);
  static Predicate Le(std::string column, Value v);
  static Predicate Gt(std::string column, Value v);
  static Predicate Ge(std::string column, Value v);
  static Predicate Between(std::string column, Value lo, Value hi);
  static Predicate In(std::string column, std::vector<Value> values);
  static Predicate IsNull(std::string column);
  static Predicate IsNotNull(std::string column);
  static Predicate StartsWith(std::string column, std::string prefix);
  static Predicate And(std::vector<Predicate> children);  // empty: true
  static Predicate Or(std::vector<Predicate> children);   // empty: false
  static Predicate Not(Predicate child);

  Kind kind() const;
  const std::string& column() const;          // leaves
  const std::vector<Value>& values() const;   // literals (Between: lo, hi)
  const std::vector<Predicate>& children() const;
  // "(price >= 100 AND country = 'DE')"
  std::string ToString() const;

  struct Node;  // engine internals

 private:
  explicit Predicate(std::shared_ptr<const Node> node);
  std::shared_ptr<const Node> node_;
};

// ---- scan spec --------------------------------------------------------------

// Event time range [from, to) on a timestamp (or date32 / integer) column,
// in counts of the column's unit (microseconds for timestamp[us]).
struct TimeRange {
  std::string column;
  std::optional<int64_t> from;  // inclusive; absent: unbounded
  std::optional<int64_t> to;    // exclusive; absent: unbounded
};

struct ScanSpec {
  // Output columns by name, in this order; empty = every column of the
  // target schema (Scanner) / none needed (RunAggregate).
  std::vector<std::string> projection;
  Predicate predicate;
  std::optional<TimeRange> time_range;
  // At most this many rows (Scanner only; RunAggregate rejects it).
  std::optional<uint64_t> limit;
  // Scanner: batches in row order (otherwise row order is still kept today,
  // but callers must not rely on it).
  bool ordered = true;
  // Threads that scan at once; 0 = all cores. Results never depend on it.
  // The work runs on oneTBB's worker pool, one per process, shared by every
  // scan: RunAggregate's calling thread and a Scanner's consumer (inside
  // Next(), scanning ahead while the batch it needs is not ready) are one of
  // the `threads`, pool workers the others. Many concurrent scans therefore
  // share the cores instead of each starting threads of its own.
  int threads = 0;
  // Rows per output batch (Scanner): 1024..1,048,576, rounded up to 1024.
  uint32_t batch_rows = 16 * 1024;
  // Scanner with threads > 1: bytes of decoded batches that may be buffered
  // ahead of the consumer. Also bounds exact-distinct and group tables of
  // RunAggregate: exceeding it is ResourceExhausted. 0 = 1 GiB.
  uint64_t memory_budget = 0;
  // One shard of the scan, for splitting it across processes or data-loader
  // workers that each open the same source: only the rows of shard `index`
  // of `count` (0 <= index < count). Rows are dealt by morsel, a range of
  // at most 128Ki rows of one row group: morsel j of part p (counting every
  // row group of the part, pruned or not) is in shard (p + j) mod count.
  // So the shards of one source are disjoint and together hold every row,
  // whatever the predicate, time range, limit and thread count; a shard's
  // rows come in row order. Scanner and RunAggregate (a shard's aggregates).
  struct Shard {
    uint32_t index = 0;
    uint32_t count = 1;
  };
  Shard shard;
  // Degraded reading of a damaged dataset: a part that cannot be opened, or
  // whose checksums do not all pass, is left out and reported in
  // ScanStats::skipped_parts instead of failing the scan. Each opened part is
  // verified in full first (one checksum pass over its file), so results
  // never include half of a part. Default: any damage fails the scan.
  bool skip_corrupt_parts = false;
};

// What a scan did: shows how much pruning saved ("touched 1/24 of pages").
// Pages and bytes count the column chunks of the columns the scan needs.
struct ScanStats {
  uint64_t parts_total = 0;
  uint64_t parts_pruned = 0;        // skipped by summary or segment stats, never read
  uint64_t row_groups_total = 0;    // of the opened parts
  uint64_t row_groups_pruned = 0;   // by zone maps / time range
  uint64_t pages_total = 0;         // needed columns, opened parts
  uint64_t pages_read = 0;          // loaded (checksum + decode)
  uint64_t bytes_total = 0;         // stored bytes of those pages
  uint64_t bytes_read = 0;
  uint64_t rows_total = 0;          // rows of the opened parts
  uint64_t rows_scanned = 0;        // rows whose values were evaluated
  uint64_t rows_matched = 0;        // rows that passed the predicate
  // ScanSpec::skip_corrupt_parts: "<part name>: <what failed>" per part left out.
  std::vector<std::string> skipped_parts;
  std::string ToString() const;     // "parts 1/1, row groups 1/10, pages 12/320 (...)"
};

// ---- batches ----------------------------------------------------------------

// One column of a batch, in the target type. Views stay valid until the
// next Scanner::Next().
struct BatchColumn {
  std::string name;
  DataType type;
  size_t length = 0;
  const void* data = nullptr;                 // fixed width: `length` C values (bool: uint8_t 0/1)
  const std::string_view* strings = nullptr;  // string/binary
  const uint8_t* validity = nullptr;          // nullptr: no nulls; LSB-first bitmap, 1 = valid

  bool is_null(size_t i) const { return validity && !(validity[i >> 3] & (1u << (i & 7))); }
  // REQUIRES: T is the type's C type (int64_t for timestamp, int32_t for date32).
  template <typename T>
  std::span<const T> values() const { return {static_cast<const T*>(data), length}; }
  std::span<const std::string_view> string_values() const { return {strings, length}; }
  Value GetValue(size_t i) const;
};

struct Batch {
  size_t num_rows = 0;
  std::vector<BatchColumn> columns;  // in projection order
  const BatchColumn& column(size_t i) const { return columns[i]; }
};

// A pull iterator of column batches.
class Scanner {
 public:
  // Validates the spec against source.schema() (names, literal types,
  // time column) and returns InvalidArgument naming what is wrong.
  static Result<std::unique_ptr<Scanner>> Open(const ScanSource& source, const ScanSpec& spec);
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Fills `batch` with the next non-empty batch of matching rows; false at
  // the end. Errors (corrupt pages, failed opens) name the file/column/page
  // and end the scan: every later call returns the same error.
  Result<bool> Next(Batch* batch);

  const Schema& output_schema() const;  // the projected fields
  ScanStats stats() const;              // so far

  struct Rep;

 private:
  explicit Scanner(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// ---- aggregation -------------------------------------------------------------

enum class AggregateKind : uint8_t {
  kCount,           // count(*): matching rows
  kCountValid,      // count(col): matching rows where col is not null
  kSum,             // integer/bool: exact, int64 (signed) or uint64 (unsigned); float: float64
  kMin, kMax,       // in the column's type; strings bytewise; floats ignore NaN
  kAvg,             // float64
  kApproxDistinct,  // HyperLogLog, 2^14 registers: standard error ~0.81%
  kDistinct,        // exact count of distinct non-null values (a hash set)
};

struct Aggregate {
  AggregateKind kind = AggregateKind::kCount;
  std::string column;  // empty for kCount
  std::string name;    // output column name; empty = "sum(price)" etc.

  static Aggregate Count() { return {AggregateKind::kCount, "", ""}; }
  static Aggregate CountValid(std::string c) { return {AggregateKind::kCountValid, std::move(c), ""}; }
  static Aggregate Sum(std::string c) { return {AggregateKind::kSum, std::move(c), ""}; }
  static Aggregate Min(std::string c) { return {AggregateKind::kMin, std::move(c), ""}; }
  static Aggregate Max(std::string c) { return {AggregateKind::kMax, std::move(c), ""}; }
  static Aggregate Avg(std::string c) { return {AggregateKind::kAvg, std::move(c), ""}; }
  static Aggregate ApproxDistinct(std::string c) { return {AggregateKind::kApproxDistinct, std::move(c), ""}; }
  static Aggregate Distinct(std::string c) { return {AggregateKind::kDistinct, std::move(c), ""}; }
};
std::string_view AggregateKindName(AggregateKind k);  // "count", "sum", "approx_distinct", ...

// Calendar buckets of the time column, in UTC: a bucket key is the bucket's
// first instant. Weeks are ISO weeks (start Monday 00:00); months start on
// the first day of the calendar month.
enum class TimeBucket : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth };
std::string_view TimeBucketName(TimeBucket b);  // "minute", ... ("" for kNone)
Result<TimeBucket> ParseTimeBucket(std::string_view name);

struct AggregateSpec {
  // Up to kMaxGroupColumns group-by columns (any type; null is a group).
  std::vector<std::string> group_by;
  // A time bucket of `bucket_column` (default: spec.time_range's column),
  // an extra key after the group-by columns. The column must be a
  // timestamp or date32.
  TimeBucket bucket = TimeBucket::kNone;
  std::string bucket_column;
  std::vector<Aggregate> aggregates;

  static constexpr size_t kMaxGroupColumns = 4;
};

// A small table: the key columns (group-by columns, then the time bucket
// named "<column>:<bucket>"), then one column per aggregate. Rows are sorted
// by the keys (nulls first, then ascending; strings bytewise). Without keys,
// exactly one row (also over zero matching rows: count 0, other aggregates
// null).
struct AggregateResult {
  std::vector<std::string> names;
  std::vector<DataType> types;
  size_t num_keys = 0;
  std::vector<std::vector<Value>> rows;
  ScanStats stats;
};

Result<AggregateResult> RunAggregate(const ScanSource& source, const ScanSpec& spec,
                                     const AggregateSpec& aggregate);

}  // namespace dp
