// A pending commit of a dataset: writes new segments (rolling at a row
// threshold), describes them for the manifest (row counts, sizes, column
// summaries, event-time range) and runs the commit loop of DatasetStore.
// Behind dp::Transaction (api/include/dp/dataset.h).
//
// Thread safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/dataset/dataset_store.h"
#include "storage/segment_writer.h"

namespace dp::internal {

class TransactionImpl {
 public:
  TransactionImpl(std::shared_ptr<const DatasetStore> store, std::shared_ptr<const SnapshotState> base, Operation op,
                  TransactionOptions options);
  ~TransactionImpl();  // Abort() unless committed

  Status Append(std::span<const ColumnData> columns);
  std::string NewSegmentPath();
  Status AddSegment(const std::string& path);
  // Seals the segment being written (the next Append starts a new one).
  Status Roll();
  // Compaction: segments this commit removes (must be live at commit time).
  void RemoveOnCommit(std::vector<std::string> ids) { remove_ids_ = std::move(ids); }
  Result<VersionInfo> Commit(std::string_view message, std::string_view committer);
  void Abort();

  const Schema& schema() const { return base_->schema; }
  const SnapshotState& base() const { return *base_; }
  uint64_t rows_appended() const { return rows_; }

 private:
  Result<format::SegmentRecord> Describe(const std::string& id) const;
  Status Poison(Status s);

  std::shared_ptr<const DatasetStore> store_;
  std::shared_ptr<const SnapshotState> base_;
  Operation op_;
  TransactionOptions options_;
  std::unique_ptr<storage::SegmentWriterImpl> writer_;
  std::string writer_id_;
  std::vector<std::string> ids_;  // sealed segments of this transaction
  std::vector<std::string> remove_ids_;
  uint64_t rows_ = 0;
  bool done_ = false;       // committed or aborted
  bool published_ = false;  // a manifest may reference ids_: never delete them
  Status error_;            // sticky
};

// Field id -> (segment column type) check for a pre-written segment.
Status CheckSegmentSchema(const Schema& dataset, const Schema& segment, const std::string& path);

}  // namespace dp::internal
