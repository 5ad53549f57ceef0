// dp::Contract — what a dataset promises, read from a human-written YAML
// (or JSON) file, and dp::ContractValidator, which checks batches of a commit
// against it. Grammar, rules and a full example: spec/contract.md.
//
//   DP_ASSIGN_OR_RETURN(dp::Contract c, dp::Contract::ReadFile("orders.yaml"));
//   const dp::Schema& schema = c.schema();          // field ids, docs, nullability
//   DP_ASSIGN_OR_RETURN(auto v, c.NewValidator());  // one per commit
//   for (each batch) DP_RETURN_IF_ERROR(v->Validate(columns, first_row));
//
// A violation is InvalidArgument naming the row (0-based position in the
// commit: first_row + index in the batch), the column, the value and the
// rule with its line in the contract, e.g.
//   row 1042, column "country": value "XX" is not in the enum [US, DE, ...]
//   (contract orders.yaml line 61)
//
// Thread safety: a Contract is immutable and may be shared across threads
// (copies share one parsed representation). A ContractValidator is used by
// one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/status.h"
#include "dp/types.h"
#include "dp/writer.h"

namespace dp {

// How sensitive a field's content is (spec/contract.md §"Fields").
enum class Classification : uint8_t { kNone = 0, kPublic = 1, kInternal = 2, kPii = 3, kSensitive = 4 };
std::string_view ClassificationName(Classification c);  // "none", "public", ...

// The `product:` section.
struct ContractProduct {
  std::string name;
  std::string domain;
  std::string owner;
  std::string description;
  std::vector<std::string> tags;
  // `freshness:` as seconds (a new version is promised at least this often);
  // 0 when not declared.
  int64_t freshness_seconds = 0;
};

// The `dataset:` section.
struct ContractDataset {
  std::string name;
  std::string kind;        // "events" or "snapshots"
  std::string event_time;  // events: the event-time column; empty for snapshots
  std::string description;
  std::vector<std::string> key;  // a composite key unique within a commit; empty if none
};

// The rules of one field beyond its type and nullability (those are in the
// Schema). Bounds are Values of the field's type family: Int for signed
// integers, timestamps and date32, UInt for unsigned, Double for floats.
struct FieldRules {
  std::string name;
  uint32_t line = 0;  // line of the field's entry in the contract
  std::vector<std::string> enum_values;  // as written; empty = no enum rule
  std::optional<Value> min;              // inclusive
  std::optional<Value> max;              // inclusive
  std::string pattern;                   // empty = no pattern rule
  std::optional<uint64_t> max_length;    // string: Unicode code points; binary: bytes
  bool unique = false;
  Classification classification = Classification::kNone;
  std::vector<std::string> tags;
};

class ContractValidator;

class Contract {
 public:
  // Parses contract text. `source_name` (usually the file name) prefixes
  // every error: "<source_name>:<line>:<column>: <what>".
  static Result<Contract> Parse(std::string_view text, std::string source_name);
  // Reads and parses a file; errors name `path`.
  static Result<Contract> ReadFile(const std::string& path);

  const std::string& source_name() const;
  // The exact bytes parsed, and their xxh3-64 checksum (seed 0): what a
  // manifest records to pin the contract a version was validated against.
  const std::string& text() const;
  uint64_t checksum() const;

  const ContractProduct& product() const;
  const ContractDataset& dataset() const;
  // Fields in contract order with their ids, types, docs and nullability.
  const Schema& schema() const;
  // One entry per schema field, same order.
  const std::vector<FieldRules>& rules() const;

  // A validator for one commit (uniqueness is tracked across its batches).
  Result<std::unique_ptr<ContractValidator>> NewValidator() const;

  Contract(const Contract&) = default;
  Contract& operator=(const Contract&) = default;
  Contract(Contract&&) noexcept = default;
  Contract& operator=(Contract&&) noexcept = default;
  ~Contract();

 private:
  struct Rep;
  explicit Contract(std::shared_ptr<const Rep> rep);
  std::shared_ptr<const Rep> rep_;
};

class ContractValidator {
 public:
  ~ContractValidator();
  ContractValidator(const ContractValidator&) = delete;
  ContractValidator& operator=(const ContractValidator&) = delete;

  // Checks one batch: one ColumnData per schema field, in schema order, all
  // of equal length (strings as string_views, validity LSB first). Row i of
  // the batch is row `first_row + i` of the commit. Returns the violation
  // with the lowest row (ties: the first column in schema order), and how
  // many more violating values the batch has. After a violation the commit
  // is to be abandoned: keys of the failed batch may remain recorded.
  Status Validate(std::span<const ColumnData> columns, uint64_t first_row);
  Status Validate(std::initializer_list<ColumnData> columns, uint64_t first_row) {
    return Validate(std::span<const ColumnData>(columns.begin(), columns.size()), first_row);
  }

  // Forgets the keys seen so far (start of a new commit).
  void Reset();
  uint64_t rows_validated() const;

 private:
  struct Rep;
  friend class Contract;
  explicit ContractValidator(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace dp
