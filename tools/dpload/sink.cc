#include "tools/dpload/sink.h"

#include <charconv>
#include <unordered_map>

namespace dp::tools::dpload {

Result<std::unique_ptr<SegmentSink>> SegmentSink::Create(const std::string& path, const Schema& schema,
                                                         WriterOptions options) {
  DP_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(path, schema, std::move(options)));
  return std::unique_ptr<SegmentSink>(new SegmentSink(std::move(writer)));
}

Status SegmentSink::Append(std::span<const ColumnData> cols, uint64_t /*first_row*/) {
  return writer_->Append(cols);
}

Status SegmentSink::Finish() { return writer_->Finish(); }

void SegmentSink::Abort() { writer_->Abort(); }

// ---------------------------------------------------------------- contract fit

namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

Status CompareSchemas(const Schema& dataset, const Schema& contract, std::string_view what) {
  std::unordered_map<uint32_t, const Field*> in_contract;
  for (const Field& f : contract.fields()) in_contract[f.field_id] = &f;
  std::unordered_map<uint32_t, const Field*> in_dataset;
  for (const Field& f : dataset.fields()) in_dataset[f.field_id] = &f;
  std::vector<std::string> diffs;
  for (const Field& d : dataset.fields()) {
    auto it = in_contract.find(d.field_id);
    if (it == in_contract.end()) {
      diffs.push_back("field " + Quoted(d.name) + " (id " + std::to_string(d.field_id) +
                      ") is in the dataset but not in the contract");
      continue;
    }
    const Field& c = *it->second;
    const std::string id = "field id " + std::to_string(d.field_id);
    if (d.name != c.name) {
      diffs.push_back(id + " is named " + Quoted(d.name) + " in the dataset but " + Quoted(c.name) + " in the contract");
    }
    if (!(d.type == c.type)) {
      diffs.push_back(id + " (" + Quoted(d.name) + ") is " + d.type.ToString() + " in the dataset but " +
                      c.type.ToString() + " in the contract");
    }
  }
  for (const Field& c : contract.fields()) {
    if (!in_dataset.count(c.field_id)) {
      diffs.push_back("field " + Quoted(c.name) + " (id " + std::to_string(c.field_id) +
                      ") is in the contract but not in the dataset");
    }
  }
  if (diffs.empty()) return Status::OK();
  std::string list;
  for (const std::string& d : diffs) list += (list.empty() ? "" : "; ") + d;
  return Status::InvalidArgument(std::string(what) + ": the dataset schema does not match the contract (" + list +
                                 "); dpload does not change schemas: evolve the dataset through the API "
                                 "(Dataset::EvolveSchema) or load with a matching contract");
}

Status CheckContractFits(const Snapshot& dataset, const Contract& contract, std::string_view what) {
  const DatasetInfo& info = dataset.dataset();
  const ContractDataset& want = contract.dataset();
  const std::string kind(DatasetKindName(info.kind));
  const std::string where = std::string(what) + " (version " + std::to_string(dataset.info().version) + ")";
  if (want.kind != kind) {
    return Status::InvalidArgument(where + " is " + (info.kind == DatasetKind::kEvents ? "an " : "a ") + kind +
                                   " dataset but contract " + contract.source_name() + " declares kind " + want.kind);
  }
  if (want.event_time != info.event_time_column) {
    return Status::InvalidArgument(where + " has event-time column " + Quoted(info.event_time_column) +
                                   " but contract " + contract.source_name() + " declares " + Quoted(want.event_time));
  }
  return CompareSchemas(dataset.schema(), contract.schema(),
                        where + " and contract " + contract.source_name());
}

// ---------------------------------------------------------------- TransactionSink

Result<std::unique_ptr<TransactionSink>> TransactionSink::Begin(const Dataset& dataset, Options options) {
  if (options.operation != Operation::kAppend && options.operation != Operation::kReplace) {
    return Status::InvalidArgument("TransactionSink: the operation must be append or replace, not " +
                                   std::string(OperationName(options.operation)));
  }
  if (options.what.empty()) options.what = "dp://" + dataset.product() + "/" + dataset.name();
  const Contract* contract = options.contract;
  options.contract = nullptr;
  std::unique_ptr<TransactionSink> sink(new TransactionSink(std::move(options)));
  TransactionOptions txn_options = sink->options_.transaction;
  txn_options.validator = nullptr;
  txn_options.contract_checksum.reset();
  if (contract != nullptr) {
    sink->contract_ = *contract;
    DP_ASSIGN_OR_RETURN(sink->validator_, contract->NewValidator());
    TransactionSink* self = sink.get();  // outlives txn_ (a member)
    txn_options.validator = [self](std::span<const ColumnData> cols, uint64_t first_row) {
      return self->Validate(cols, first_row);
    };
    txn_options.contract_checksum = contract->checksum();
  }
  DP_ASSIGN_OR_RETURN(sink->txn_, dataset.Begin(sink->options_.operation, std::move(txn_options)));
  if (contract != nullptr) {
    // The schema the transaction writes is the authority (the dataset may
    // have changed since the caller looked).
    const Schema& ds = sink->txn_->schema();
    const Schema& cs = contract->schema();
    Status fits = CompareSchemas(ds, cs, sink->options_.what + " and contract " + contract->source_name());
    if (!fits.ok()) {
      sink->txn_->Abort();
      return fits;
    }
    bool same_order = true;
    for (size_t i = 0; i < cs.num_fields(); ++i) {
      same_order = same_order && ds.field(i).field_id == cs.field(i).field_id;
    }
    if (!same_order) {
      std::unordered_map<uint32_t, size_t> column;
      for (size_t i = 0; i < ds.num_fields(); ++i) column[ds.field(i).field_id] = i;
      for (const Field& f : cs.fields()) sink->to_contract_.push_back(column.at(f.field_id));
    }
  }
  return sink;
}

TransactionSink::~TransactionSink() = default;

Status TransactionSink::Validate(std::span<const ColumnData> cols, uint64_t first_row) {
  std::span<const ColumnData> in_contract_order = cols;
  if (!to_contract_.empty()) {
    reordered_.clear();
    for (size_t c : to_contract_) reordered_.push_back(cols[c]);
    in_contract_order = reordered_;
  }
  Status s = validator_->Validate(in_contract_order, first_row);
  if (!s.ok() && violation_.ok()) {
    // "row N, column ..." (spec/contract.md §"Validation").
    const std::string& m = s.message();
    uint64_t row = 0;
    if (m.rfind("row ", 0) == 0) {
      const char* begin = m.data() + 4;
      const auto [end, ec] = std::from_chars(begin, m.data() + m.size(), row);
      if (ec == std::errc() && end != begin) violation_row_ = row;
    }
    violation_ = s;
  }
  return s;
}

Status TransactionSink::Append(std::span<const ColumnData> cols, uint64_t /*first_row*/) {
  return txn_->Append(cols);
}

Status TransactionSink::Finish() {
  if (options_.operation == Operation::kAppend && txn_->rows_appended() == 0) {
    txn_->Abort();  // nothing to add: no empty version
    return Status::OK();
  }
  DP_ASSIGN_OR_RETURN(VersionInfo v, txn_->Commit(options_.message, options_.committer));
  committed_ = std::move(v);
  return Status::OK();
}

void TransactionSink::Abort() { txn_->Abort(); }

}  // namespace dp::tools::dpload
