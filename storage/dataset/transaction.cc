#include "storage/dataset/transaction.h"

#include <unordered_map>

#include "index/zone_map.h"
#include "storage/dataset/files.h"
#include "storage/dataset/schema_evolution.h"
#include "storage/segment_reader.h"

namespace dp::internal {

TransactionImpl::TransactionImpl(std::shared_ptr<const DatasetStore> store, std::shared_ptr<const SnapshotState> base,
                                 Operation op, TransactionOptions options)
    : store_(std::move(store)), base_(std::move(base)), op_(op), options_(std::move(options)) {}

TransactionImpl::~TransactionImpl() { Abort(); }

Status TransactionImpl::Poison(Status s) {
  if (error_.ok()) error_ = s;
  return s;
}

std::string TransactionImpl::NewSegmentPath() { return store_->segments_dir() + "/" + RandomHex128() + ".dpc"; }

Status TransactionImpl::Append(std::span<const ColumnData> columns) {
  if (done_) return Status::InvalidArgument("Transaction::Append after Commit/Abort");
  DP_RETURN_IF_ERROR(error_);
  if (columns.size() != base_->schema.num_fields()) {
    return Status::InvalidArgument("dataset '" + store_->product() + "/" + store_->name() + "': batch has " +
                                   std::to_string(columns.size()) + " columns, the schema has " +
                                   std::to_string(base_->schema.num_fields()));
  }
  if (options_.validator) {
    // A rejected batch writes nothing; the transaction stays usable.
    DP_RETURN_IF_ERROR(options_.validator(columns, rows_));
  }
  if (!writer_) {
    writer_id_ = RandomHex128();
    auto w = storage::SegmentWriterImpl::Create(store_->segments_dir() + "/" + writer_id_ + ".dpc", base_->schema,
                                                options_.writer);
    if (!w.ok()) return Poison(w.status());
    writer_ = std::move(*w);
  }
  if (Status s = writer_->Append(columns); !s.ok()) return Poison(s);
  rows_ += columns.empty() ? 0 : columns[0].length;
  if (writer_->rows_written() >= options_.max_segment_rows) return Roll();
  return Status::OK();
}

Status TransactionImpl::Roll() {
  if (!writer_) return Status::OK();
  if (writer_->rows_written() == 0) {  // nothing to seal
    writer_->Abort();
    writer_.reset();
    return Status::OK();
  }
  Status s = writer_->Finish();  // fsyncs the file and the directory
  writer_.reset();
  if (!s.ok()) return Poison(s);
  ids_.push_back(writer_id_);
  return Status::OK();
}

Status CheckSegmentSchema(const Schema& dataset, const Schema& segment, const std::string& path) {
  std::unordered_map<uint32_t, const Field*> by_id;
  for (const Field& f : dataset.fields()) by_id[f.field_id] = &f;
  std::unordered_map<uint32_t, bool> seen;
  for (const Field& f : segment.fields()) {
    auto it = by_id.find(f.field_id);
    if (it == by_id.end()) {
      return Status::InvalidArgument(path + ": column '" + f.name + "' has field id " + std::to_string(f.field_id) +
                                     ", which is not in the dataset schema");
    }
    if (!(it->second->type == f.type) && !IsWidening(f.type, it->second->type)) {
      return Status::InvalidArgument(path + ": column '" + f.name + "' is " + f.type.ToString() +
                                     " but the dataset schema says " + it->second->type.ToString());
    }
    seen[f.field_id] = true;
  }
  for (const Field& f : dataset.fields()) {
    if (!f.nullable && !seen.count(f.field_id)) {
      return Status::InvalidArgument(path + ": lacks non-nullable field '" + f.name + "'");
    }
  }
  return Status::OK();
}

Status TransactionImpl::AddSegment(const std::string& path) {
  if (done_) return Status::InvalidArgument("Transaction::AddSegment after Commit/Abort");
  const std::string prefix = store_->segments_dir() + "/";
  const std::string name = path.size() > prefix.size() ? path.substr(prefix.size()) : std::string();
  if (path.compare(0, prefix.size(), prefix) != 0 || name.size() != 36 || name.substr(32) != ".dpc" ||
      !format::IsSegmentId(name.substr(0, 32))) {
    return Status::InvalidArgument(path + ": a segment added to a transaction must be a path from NewSegmentPath() (" +
                                   prefix + "<32 hex>.dpc)");
  }
  DP_ASSIGN_OR_RETURN(auto rep, Segment::Rep::Open(path, OpenOptions{}));
  DP_RETURN_IF_ERROR(CheckSegmentSchema(base_->schema, rep->schema(), path));
  ids_.push_back(name.substr(0, 32));
  return Status::OK();
}

Result<format::SegmentRecord> TransactionImpl::Describe(const std::string& id) const {
  const std::string path = store_->segments_dir() + "/" + id + ".dpc";
  DP_ASSIGN_OR_RETURN(auto rep, Segment::Rep::Open(path, OpenOptions{}));
  format::SegmentRecord r;
  r.id = id;
  r.num_rows = rep->footer->num_rows();
  r.file_size = rep->bytes.size();
  const uint32_t et_id = base_->EventTimeFieldId();
  for (int c = 0; c < rep->num_columns(); ++c) {
    DP_RETURN_IF_ERROR(rep->Column(c).status());
    index::ZoneMap all;
    for (size_t g = 0; g < rep->row_groups.size(); ++g) {
      DP_ASSIGN_OR_RETURN(const fb::ColumnChunk* chunk, rep->Chunk(c, static_cast<int>(g)));
      all.Merge(rep->ChunkStats(c, chunk), rep->Physical(c));
    }
    format::SummaryRecord s;
    s.field_id = rep->FieldId(c);
    s.type = rep->FieldType(c).id;
    s.num_values = all.num_values;
    s.null_count = all.null_count;
    s.flags = all.flags;
    s.min_bits = all.min_bits;
    s.max_bits = all.max_bits;
    s.min_bytes = all.min_bytes;
    s.max_bytes = all.max_bytes;
    if (et_id != 0 && s.field_id == et_id && all.has_min_max()) {
      r.event_time = {static_cast<int64_t>(all.min_bits), static_cast<int64_t>(all.max_bits)};
    }
    r.columns.push_back(std::move(s));
  }
  return r;
}

Result<VersionInfo> TransactionImpl::Commit(std::string_view message, std::string_view committer) {
  if (done_) return Status::InvalidArgument("Transaction::Commit called twice (or after Abort)");
  DP_RETURN_IF_ERROR(error_);
  DP_RETURN_IF_ERROR(Roll());
  std::vector<format::SegmentRecord> fresh;
  for (const std::string& id : ids_) {
    DP_ASSIGN_OR_RETURN(format::SegmentRecord r, Describe(id));
    fresh.push_back(std::move(r));
  }
  CommitPlan plan;
  plan.op = op_;
  plan.begin_version = base_->info.version;
  plan.retry_on_conflict = options_.retry_on_conflict;
  plan.max_retries = options_.max_retries;
  plan.max_attempt_us = options_.max_commit_attempt_us;
  plan.message = std::string(message);
  plan.committer = std::string(committer);
  plan.contract_checksum = options_.contract_checksum;
  const bool snapshots = base_->dataset.kind == DatasetKind::kSnapshots;
  const SemVer begin_semver = base_->info.semver;
  const std::string where = "dataset '" + store_->product() + "/" + store_->name() + "'";
  plan.build = [&](const SnapshotState& parent, format::ManifestRecord* m) -> Status {
    if (parent.info.semver != begin_semver) {
      return Status::Conflict(where + ": the schema changed from " + begin_semver.ToString() + " to " +
                              parent.info.semver.ToString() + " since this transaction began; write the data again");
    }
    m->fresh = fresh;
    switch (op_) {
      case Operation::kReplace:
        m->full = true;
        if (snapshots) m->as_of_us = options_.as_of_us.value_or(m->commit_time_us);
        break;
      case Operation::kCompact: m->removed = remove_ids_; break;
      default: break;
    }
    return Status::OK();
  };
  auto v = store_->Commit(plan, &published_);
  if (published_ || v.ok()) done_ = true;
  return v;
}

void TransactionImpl::Abort() {
  if (writer_) {
    writer_->Abort();
    writer_.reset();
  }
  if (!published_) {
    for (const std::string& id : ids_) RemoveFile(store_->segments_dir() + "/" + id + ".dpc").IgnoreError();
    ids_.clear();
  }
  done_ = true;
}

}  // namespace dp::internal
