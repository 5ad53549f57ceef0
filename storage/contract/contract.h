// Contracts: YAML tree -> checked, compiled representation (ContractSpec),
// and the validator that checks batches against it. The grammar and every
// rule's meaning are in spec/contract.md; the public face is dp/contract.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dp/contract.h"
#include "dp/result.h"
#include "dp/types.h"
#include "dp/writer.h"
#include "storage/contract/pattern.h"

namespace dp::storage {

// One field's rules in the form the validator uses. Bounds are held in the
// field's family: i* for signed integers/timestamps/date32, u* for unsigned,
// d* for floats. A *_line is the contract line of that rule (0 = no rule).
struct FieldSpec {
  DataType type;
  bool nullable = true;
  uint32_t nullable_line = 0;  // the `nullable: false` line, or the field's line
  uint32_t enum_line = 0, min_line = 0, max_line = 0, pattern_line = 0, max_length_line = 0, unique_line = 0;
  bool has_min = false, has_max = false;
  int64_t imin = 0, imax = 0;
  uint64_t umin = 0, umax = 0;
  double dmin = 0, dmax = 0;
  std::vector<std::string> enum_strings;
  std::vector<int64_t> enum_signed;
  std::vector<uint64_t> enum_unsigned;
  std::optional<Pattern> pattern;
  uint64_t max_length = 0;
};

struct ContractSpec {
  std::string source;
  std::string text;
  uint64_t checksum = 0;
  ContractProduct product;
  ContractDataset dataset;
  uint32_t key_line = 0;
  std::vector<size_t> key_columns;  // schema indexes of dataset.key
  Schema schema;
  std::vector<FieldRules> rules;   // public view, one per field
  std::vector<FieldSpec> fields;   // compiled, one per field
};

// Parses and checks a contract. Errors: InvalidArgument "<source>:<line>:<column>: ...".
Result<std::shared_ptr<const ContractSpec>> ParseContract(std::string_view text, std::string source);

// "1h", "15m", "30s", "1d", "2w" -> seconds.
bool ParseDuration(std::string_view text, int64_t* seconds, std::string* why);

// Checks batches of one commit against a contract (dp::ContractValidator's
// implementation; see dp/contract.h for the contract of Validate()).
class ContractValidatorImpl {
 public:
  explicit ContractValidatorImpl(std::shared_ptr<const ContractSpec> spec);
  ~ContractValidatorImpl();

  Status Validate(std::span<const ColumnData> columns, uint64_t first_row);
  void Reset();
  uint64_t rows_validated() const { return rows_validated_; }

 private:
  struct State;
  std::shared_ptr<const ContractSpec> spec_;
  std::unique_ptr<State> state_;
  uint64_t rows_validated_ = 0;
};

}  // namespace dp::storage
