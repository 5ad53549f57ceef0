// Data products: a mesh root holds products, a product holds datasets, a
// dataset changes only through immutable, numbered versions. Directory layout,
// manifests and the commit protocol: spec/layout.md.
//
//   DP_ASSIGN_OR_RETURN(dp::Mesh mesh, dp::Mesh::Open("/data/mesh", /*create=*/true));
//   DP_ASSIGN_OR_RETURN(dp::Product orders, mesh.CreateProduct({.name = "orders", .owner = "team-orders"}));
//   DP_ASSIGN_OR_RETURN(dp::Dataset items, orders.CreateDataset({.name = "order_items",
//       .kind = dp::DatasetKind::kEvents, .event_time_column = "ts"}, schema));
//   DP_ASSIGN_OR_RETURN(auto txn, items.Begin(dp::Operation::kAppend));
//   DP_RETURN_IF_ERROR(txn->Append(columns));
//   DP_ASSIGN_OR_RETURN(dp::VersionInfo v, txn->Commit("nightly load", "loader@host"));
//
//   DP_ASSIGN_OR_RETURN(dp::SnapshotPtr snap, mesh.Resolve("dp://orders/order_items@2024-03-01T00:00:00Z"));
//   for (size_t i = 0; i < snap->num_segments(); ++i) { auto seg = snap->OpenSegment(i); ... }
//
// Thread safety: Mesh, Product and Dataset are cheap handles to immutable
// state; every method may be called concurrently, from several threads and
// processes (commits race safely: see spec/layout.md §"Commit protocol").
// A Snapshot is immutable and shared (SnapshotPtr); all its methods are
// thread-safe. A Transaction is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/address.h"
#include "dp/result.h"
#include "dp/segment.h"
#include "dp/status.h"
#include "dp/types.h"
#include "dp/writer.h"

namespace dp {

namespace internal {
class DatasetStore;
struct SnapshotState;
class TransactionImpl;
}  // namespace internal

// on-disk (manifest.fbs): append only.
enum class DatasetKind : uint8_t { kEvents = 0, kSnapshots = 1 };
enum class Operation : uint8_t { kCreate = 0, kAppend = 1, kReplace = 2, kCompact = 3, kSchemaChange = 4 };
std::string_view DatasetKindName(DatasetKind k);  // "events", "snapshots"
std::string_view OperationName(Operation op);     // "create", "append", ...

struct SemVer {
  uint32_t major = 1, minor = 0, patch = 0;
  std::string ToString() const;  // "1.2.0"
  friend bool operator==(const SemVer&, const SemVer&) = default;
};

struct ProductInfo {
  std::string name;
  std::string domain;
  std::string owner;
  std::string description;
  std::vector<std::string> tags;
  int64_t freshness_sla_seconds = 0;  // 0: no promise
  int64_t created_us = 0;             // set on creation
};

struct DatasetInfo {
  std::string name;
  DatasetKind kind = DatasetKind::kEvents;
  std::string event_time_column;  // events: required, a timestamp field
  std::string description;
};

struct VersionInfo {
  uint64_t version = 0;
  std::optional<uint64_t> parent;  // absent for version 0
  int64_t commit_time_us = 0;
  Operation operation = Operation::kCreate;
  SemVer semver;
  std::string message;
  std::string committer;
  uint64_t num_rows = 0;
  uint64_t num_segments = 0;
  uint64_t num_bytes = 0;
  std::optional<int64_t> as_of_us;            // snapshots datasets
  std::optional<uint64_t> contract_checksum;  // the contract the commit was validated against
};

struct ColumnSummary {
  uint32_t field_id = 0;
  DataType type;  // the column's type in that segment
  ColumnStats stats;
};

struct SegmentInfo {
  std::string id;    // 32 hex characters
  std::string path;  // <dataset>/_segments/<id>.dpc
  uint64_t num_rows = 0;
  uint64_t file_size = 0;
  uint64_t added_in = 0;  // version that added it
  // Raw event-time values (in the column's unit); absent if all null.
  std::optional<int64_t> event_time_min, event_time_max;
  std::vector<ColumnSummary> columns;  // one per column of the segment
};

struct TagInfo {
  std::string name;
  uint64_t version = 0;
  int64_t created_us = 0;
  std::string message;
};

// One pinned version: sees exactly it, whatever commits happen meanwhile.
class Snapshot {
 public:
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  const std::string& product() const;
  const DatasetInfo& dataset() const;
  const VersionInfo& info() const;
  const Schema& schema() const;  // the dataset schema of this version
  SemVer semver() const { return info().semver; }

  size_t num_segments() const;
  // REQUIRES: i < num_segments().
  SegmentInfo segment(size_t i) const;
  std::string segment_path(size_t i) const;
  // Opens (once, then cached) segment i. Its own schema may be older than
  // schema(): map columns by field id, or use ReadColumn.
  Result<std::shared_ptr<Segment>> OpenSegment(size_t i) const;
  // Column `field_id` of segment i under this version's schema: a field the
  // segment lacks reads as all-null; a widened integer is widened.
  Result<ColumnVector> ReadColumn(size_t i, uint32_t field_id) const;
  // Verifies the manifests (already checked at open) and every byte of every
  // segment (dp::Segment::Verify); Corruption naming the first bad file.
  Status Verify() const;

  // Engine internals (scan core, tools); not part of the stable API.
  const internal::SnapshotState& state() const { return *state_; }

 private:
  friend class Dataset;
  friend class Transaction;
  explicit Snapshot(std::shared_ptr<const internal::SnapshotState> state);
  std::shared_ptr<const internal::SnapshotState> state_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

struct TransactionOptions {
  // A new segment is started after this many rows.
  uint64_t max_segment_rows = 1ull << 20;
  WriterOptions writer;
  // Called for every batch before it is written; a non-OK status fails the
  // Append (the batch is not written; the transaction can still be aborted).
  // first_row: position of the batch's first row within the transaction.
  std::function<Status(std::span<const ColumnData>, uint64_t first_row)> validator;
  std::optional<uint64_t> contract_checksum;  // recorded in the manifest
  // Rebase on conflict for replace/compact/schema changes (appends always do).
  bool retry_on_conflict = false;
  int max_retries = 64;
  // Snapshots datasets: the time the content describes (default: commit time).
  std::optional<int64_t> as_of_us;
  // A commit attempt (read the latest version .. publish the next) that
  // takes longer is not published and is retried: together with retention's
  // grace period, which must be longer, this keeps a slow commit from
  // reusing the number of a version expired meanwhile.
  int64_t max_commit_attempt_us = 60'000'000;
};

// A pending commit. Abandoning it (destructor) removes its segment files.
class Transaction {
 public:
  ~Transaction();
  // One ColumnData per field of the dataset schema (at Begin), equal lengths.
  Status Append(std::span<const ColumnData> columns);
  Status Append(std::initializer_list<ColumnData> columns) {
    return Append(std::span<const ColumnData>(columns.begin(), columns.size()));
  }
  // A fresh path inside the dataset for a segment written by the caller;
  // pass it to AddSegment once the segment is finished (sealed, fsynced).
  std::string NewSegmentPath();
  Status AddSegment(const std::string& path);
  // Publishes the new version (spec/layout.md §"Commit protocol").
  // REQUIRES: called at most once.
  Result<VersionInfo> Commit(std::string_view message, std::string_view committer);
  void Abort();  // removes the segments written so far
  const Schema& schema() const;
  uint64_t rows_appended() const;

 private:
  friend class Dataset;
  explicit Transaction(std::unique_ptr<internal::TransactionImpl> impl);
  std::unique_ptr<internal::TransactionImpl> impl_;
};

struct SchemaChangeOptions {
  bool allow_major = false;  // removing/renaming/narrowing/nullability changes
  std::optional<std::string> description;  // new dataset description (PATCH)
  bool retry_on_conflict = false;
  std::string message;
  std::string committer;
};

struct CompactionOptions {
  uint64_t target_rows_per_segment = 1ull << 20;
  WriterOptions writer;
  std::string committer = "dpstore-compaction";
  int64_t max_commit_attempt_us = 60'000'000;  // see TransactionOptions
};

struct RetentionOptions {
  std::optional<uint64_t> keep_last;     // keep the newest N versions
  std::optional<int64_t> keep_age_us;    // keep versions younger than this
  std::optional<int64_t> now_us;         // default: the clock
  // A version is only removed once its successor is older than this, so
  // that a commit in flight can never reuse the number of an expired version
  // (commit attempts give up after 60 s). 0 is safe only while no writer
  // runs (spec/layout.md §"Retention").
  int64_t grace_period_us = 600ll * 1000 * 1000;  // 10 minutes
};

struct GcOptions {
  int64_t grace_period_us = 3600ll * 1000 * 1000;  // 1 hour
  std::optional<int64_t> now_us;
};

struct GcReport {
  uint64_t segments_deleted = 0;
  uint64_t bytes_deleted = 0;
  uint64_t temp_files_deleted = 0;
  uint64_t manifests_deleted = 0;  // unopenable leftovers of a crashed expiry
  uint64_t segments_referenced = 0;
};

class Dataset {
 public:
  const std::string& path() const;
  const std::string& product() const;
  const std::string& name() const;

  Result<SnapshotPtr> Latest() const;
  Result<SnapshotPtr> At(uint64_t version) const;
  // The newest version committed at or before `time_us` (UTC micros).
  Result<SnapshotPtr> AsOf(int64_t time_us) const;
  Result<SnapshotPtr> AtTag(std::string_view tag) const;
  // Every retained version, oldest first.
  Result<std::vector<VersionInfo>> Versions() const;

  Result<std::vector<TagInfo>> Tags() const;
  Status CreateTag(std::string_view tag, uint64_t version, std::string_view message = {});
  Status DeleteTag(std::string_view tag);

  // kAppend (events), kReplace (both kinds; snapshots datasets only allow it).
  Result<std::unique_ptr<Transaction>> Begin(Operation op, TransactionOptions options = {}) const;
  // Fields are matched by field id (0: by name, or new). The semver bump is
  // derived from the diff (spec/layout.md §"Schema evolution").
  Result<VersionInfo> EvolveSchema(std::vector<Field> fields, SchemaChangeOptions options = {});
  // Events datasets. Rebases over concurrent commits while every rewritten
  // segment is still live, else Conflict. Returns the new version, or the
  // latest unchanged one if nothing needed compacting.
  Result<VersionInfo> Compact(CompactionOptions options = {});
  // Returns how many versions were removed.
  Result<uint64_t> ExpireVersions(RetentionOptions options);
  Result<GcReport> CollectGarbage(GcOptions options = {});

 private:
  friend class Product;
  friend class Mesh;
  explicit Dataset(std::shared_ptr<internal::DatasetStore> store);
  Result<SnapshotPtr> Wrap(Result<std::shared_ptr<const internal::SnapshotState>> state) const;
  std::shared_ptr<internal::DatasetStore> store_;
};

class Product {
 public:
  const ProductInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

  // Creates the dataset and its version 0 (operation create, semver 1.0.0).
  // Events: info.event_time_column must name a timestamp field.
  Result<Dataset> CreateDataset(const DatasetInfo& info, const Schema& schema) const;
  Result<Dataset> OpenDataset(std::string_view name) const;
  Result<std::vector<std::string>> ListDatasets() const;  // sorted

 private:
  friend class Mesh;
  Product(std::string path, ProductInfo info) : path_(std::move(path)), info_(std::move(info)) {}
  std::string path_;
  ProductInfo info_;
};

class Mesh {
 public:
  // `create`: make the root directory if missing.
  static Result<Mesh> Open(std::string root, bool create = false);
  const std::string& root() const { return root_; }

  // AlreadyExists if the product exists.
  Result<Product> CreateProduct(ProductInfo info) const;
  Result<Product> OpenProduct(std::string_view name) const;
  Result<std::vector<std::string>> ListProducts() const;  // sorted
  Result<Dataset> OpenDataset(std::string_view product, std::string_view dataset) const;

  Result<SnapshotPtr> Resolve(const Address& address) const;
  Result<SnapshotPtr> Resolve(std::string_view address) const;

 private:
  explicit Mesh(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace dp
