// The versions of one dataset on disk: finding and loading manifests,
// replaying checkpoints + deltas, committing with create-if-absent
// publication, time travel, tags, retention and garbage collection.
// Everything here follows spec/layout.md; the public face is dp/dataset.h.
//
// Thread safety: a DatasetStore holds only immutable paths; every method may
// run concurrently in threads and processes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dp/dataset.h"
#include "format/manifest.h"

namespace dp::internal {

// Writers write a full manifest when the replay chain would reach this length.
inline constexpr uint64_t kCheckpointInterval = 64;
inline constexpr uint64_t kMaxReplayChain = 100'000;
// A commit attempt must link its manifest within this long after reading its
// parent; retention's grace period must be longer (spec/layout.md §"Retention").
inline constexpr int64_t kMaxCommitAttemptUs = 60'000'000;

struct ManifestFile {
  std::vector<uint8_t> bytes;
  const fb::Manifest* m = nullptr;  // verified view into bytes
};

// One loaded version: its manifest, its live segments (views into the
// manifests kept alive here) and the decoded schema.
struct SnapshotState {
  std::string product;
  std::string dir;  // dataset directory
  DatasetInfo dataset;
  VersionInfo info;
  Schema schema;
  uint32_t last_field_id = 0;
  uint64_t base_version = 0;
  std::vector<std::shared_ptr<const ManifestFile>> files;
  std::vector<const fb::SegmentEntry*> segments;  // live, in order

  std::string SegmentPath(size_t i) const;
  // Field id of the event-time column (0 if none).
  uint32_t EventTimeFieldId() const;
};

VersionInfo ToVersionInfo(const fb::Manifest* m);
SegmentInfo ToSegmentInfo(const SnapshotState& s, size_t i);

// What a commit adds on top of its parent. `build` fills the operation-
// specific parts of `m` (segments, schema, ...) given the parent it commits
// on; it may return Conflict (e.g. compacted inputs no longer live).
struct CommitPlan {
  Operation op = Operation::kAppend;
  uint64_t begin_version = 0;  // the version the work started from
  bool retry_on_conflict = false;
  int max_retries = 64;
  // An attempt (read the latest version .. link the next) that takes longer
  // is not published and is retried (spec/layout.md §"Retention").
  int64_t max_attempt_us = kMaxCommitAttemptUs;
  std::string message;
  std::string committer;
  std::optional<int64_t> as_of_us;
  std::optional<uint64_t> contract_checksum;
  std::function<Status(const SnapshotState& parent, format::ManifestRecord* m)> build;
};

class DatasetStore {
 public:
  DatasetStore(std::string product, std::string name, std::string dir)
      : product_(std::move(product)), name_(std::move(name)), dir_(std::move(dir)) {}

  // Creates the directories and publishes version 0 (AlreadyExists if the
  // dataset has any version).
  static Result<std::shared_ptr<DatasetStore>> Create(const std::string& product, const std::string& dir,
                                                      const DatasetInfo& info, const Schema& schema);
  // NotFound if the dataset has no version.
  static Result<std::shared_ptr<DatasetStore>> Open(const std::string& product, const std::string& name,
                                                    const std::string& dir);

  const std::string& product() const { return product_; }
  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  std::string versions_dir() const { return dir_ + "/_versions"; }
  std::string segments_dir() const { return dir_ + "/_segments"; }
  std::string tags_dir() const { return dir_ + "/_tags"; }
  std::string ManifestPath(uint64_t v) const;

  Result<uint64_t> FindLatest() const;
  // The oldest openable version. Expiry removes a prefix oldest first; a
  // crash midway can leave versions whose replay base is already gone: those
  // are skipped here (and removed by the next expiry or GC).
  Result<uint64_t> FindOldest() const;
  // The oldest manifest file present, openable or not.
  Result<uint64_t> FindOldestFile() const;
  Result<std::shared_ptr<const ManifestFile>> ReadManifest(uint64_t v) const;  // NotFound if absent
  Result<std::shared_ptr<const SnapshotState>> Load(uint64_t v) const;
  Result<std::shared_ptr<const SnapshotState>> LoadLatest() const;
  Result<std::shared_ptr<const SnapshotState>> LoadAsOf(int64_t time_us) const;
  Result<std::shared_ptr<const SnapshotState>> LoadTag(std::string_view tag) const;
  Result<std::vector<VersionInfo>> Versions() const;

  Result<std::vector<TagInfo>> Tags() const;
  Status CreateTag(std::string_view tag, uint64_t version, std::string_view message) const;
  Status DeleteTag(std::string_view tag) const;

  // Runs the commit loop; `*published` tells the caller whether a manifest
  // referencing its segments may exist (then they must never be removed).
  Result<VersionInfo> Commit(const CommitPlan& plan, bool* published) const;

  Result<uint64_t> ExpireVersions(const RetentionOptions& options) const;
  Result<GcReport> CollectGarbage(const GcOptions& options) const;

 private:
  // Newest version with commit time <= t in [lo, hi]; nullopt if none.
  Result<std::optional<uint64_t>> SearchTime(int64_t time_us, uint64_t lo, uint64_t hi) const;
  Result<TagInfo> ReadTag(std::string_view tag) const;

  std::string product_, name_, dir_;
};

}  // namespace dp::internal
