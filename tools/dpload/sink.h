// Where dpload's batches go.
//
// A BatchSink receives the batches of one load in row order, then exactly
// one of Finish() (commit: the rows become visible) or Abort() (nothing of
// the load stays behind). The readers only call Append; the driver (load.h)
// calls Finish after the last input parsed cleanly and Abort on any error.
//
// SegmentSink writes one segment file. TransactionSink appends to (or
// replaces the content of) a dataset through one dp::Transaction, validating
// every batch against a contract when given one:
//
//   DP_ASSIGN_OR_RETURN(auto sink, TransactionSink::Begin(dataset, {.operation = dp::Operation::kAppend,
//                                                                    .contract = &contract}));
//   DP_ASSIGN_OR_RETURN(LoadStats st, LoadInputs(inputs, sink->schema(), opt, sink.get(), nullptr));
//   sink->committed()->version;  // the new version
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/contract.h"
#include "dp/dataset.h"
#include "dp/result.h"
#include "dp/status.h"
#include "dp/types.h"
#include "dp/writer.h"

namespace dp::tools::dpload {

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  // One ColumnData per schema field, all of equal length; `first_row` is the
  // index of the batch's first row in the whole load. The views are only
  // valid during the call.
  virtual Status Append(std::span<const ColumnData> cols, uint64_t first_row) = 0;
  // Commits everything appended. REQUIRES: no earlier Append failed.
  virtual Status Finish() = 0;
  // Drops everything appended; the sink must leave nothing behind.
  virtual void Abort() = 0;
};

// Drops every batch (parse-only runs, locating a row).
class DiscardSink final : public BatchSink {
 public:
  Status Append(std::span<const ColumnData>, uint64_t) override { return Status::OK(); }
  Status Finish() override { return Status::OK(); }
  void Abort() override {}
};

// Writes a new segment file (never overwrites). The file only appears in
// full: Abort() or destruction before Finish() removes it.
class SegmentSink final : public BatchSink {
 public:
  static Result<std::unique_ptr<SegmentSink>> Create(const std::string& path, const Schema& schema,
                                                     WriterOptions options = {});
  Status Append(std::span<const ColumnData> cols, uint64_t first_row) override;
  Status Finish() override;
  void Abort() override;

  uint64_t rows_written() const { return writer_->rows_written(); }
  uint64_t bytes_written() const { return writer_->bytes_written(); }

 private:
  explicit SegmentSink(std::unique_ptr<SegmentWriter> w) : writer_(std::move(w)) {}
  std::unique_ptr<SegmentWriter> writer_;
};

// Refuses a contract that does not describe `dataset` as it is now: a
// different kind or event-time column, or a schema that differs in field
// ids, names or types (checked by CompareSchemas). Docs and nullability may
// differ: the contract's `nullable: false` is one of its rules. `what`
// names the dataset in the message (e.g. its address).
Status CheckContractFits(const Snapshot& dataset, const Contract& contract, std::string_view what);
// InvalidArgument listing every difference between the dataset schema and
// the contract's, matched by field id ("field id 3: named 'a' in the dataset
// but 'b' in the contract"; "... is int64 in the dataset but int32 in the
// contract"; "field 'x' (id 9) is in the dataset but not in the contract"),
// and saying that schema changes are an API operation (Dataset::EvolveSchema).
Status CompareSchemas(const Schema& dataset, const Schema& contract, std::string_view what);

// One dp::Transaction on a dataset. Append -> Transaction::Append (the
// transaction starts a new segment every TransactionOptions::max_segment_rows
// rows, so memory stays bounded), Finish -> Commit(message, committer),
// Abort -> Transaction::Abort (removes every segment written). With a
// contract, each batch is checked by a ContractValidator installed as
// TransactionOptions::validator before it is written, and the commit records
// the contract's checksum (TransactionOptions::contract_checksum).
//
// Batches come in the order of schema() (the dataset schema when the
// transaction began); the validator gets them reordered to the contract's
// field order when the two orders differ.
//
// An append of no rows commits nothing (committed() stays empty); a replace
// of no rows commits an empty version (the dataset's content is now empty).
class TransactionSink final : public BatchSink {
 public:
  struct Options {
    Operation operation = Operation::kAppend;  // kAppend or kReplace
    // Validate against this contract (checked with CompareSchemas against
    // the transaction's schema; only needed during Begin); nullptr: no
    // validation.
    const Contract* contract = nullptr;
    // max_segment_rows, writer, as_of_us, retries; the validator and the
    // contract checksum are set from `contract`.
    TransactionOptions transaction;
    std::string message;
    std::string committer;
    // Names the dataset in errors (e.g. "dp://orders/order_items").
    std::string what;
  };

  static Result<std::unique_ptr<TransactionSink>> Begin(const Dataset& dataset, Options options);
  ~TransactionSink() override;

  const Schema& schema() const { return txn_->schema(); }
  Status Append(std::span<const ColumnData> cols, uint64_t first_row) override;
  Status Finish() override;
  void Abort() override;

  uint64_t rows_appended() const { return txn_->rows_appended(); }
  // The version Finish() published; empty before, after an error and for an
  // append of no rows.
  const std::optional<VersionInfo>& committed() const { return committed_; }
  // When the contract rejected a batch: the violation (InvalidArgument
  // "row N, column ...") and N, the row's 0-based position in the load.
  const Status& violation() const { return violation_; }
  std::optional<uint64_t> violation_row() const { return violation_row_; }

 private:
  explicit TransactionSink(Options options) : options_(std::move(options)) {}
  Status Validate(std::span<const ColumnData> cols, uint64_t first_row);

  Options options_;
  std::optional<Contract> contract_;  // keeps the validator's rules alive
  std::unique_ptr<ContractValidator> validator_;
  // contract field i is column to_contract_[i] of a batch; empty: same order.
  std::vector<size_t> to_contract_;
  std::vector<ColumnData> reordered_;
  Status violation_;
  std::optional<uint64_t> violation_row_;
  std::optional<VersionInfo> committed_;
  // Last: destroyed (and so aborted, if still pending) before the validator
  // its options point at.
  std::unique_ptr<Transaction> txn_;
};

}  // namespace dp::tools::dpload
