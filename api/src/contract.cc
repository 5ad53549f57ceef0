#include "dp/contract.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "format/exceptions.h"
#include "storage/contract/contract.h"
#include "storage/contract/yaml_doc.h"

namespace dp {

struct Contract::Rep {
  std::shared_ptr<const storage::ContractSpec> spec;
};

struct ContractValidator::Rep {
  std::unique_ptr<storage::ContractValidatorImpl> impl;
};

Contract::Contract(std::shared_ptr<const Rep> rep) : rep_(std::move(rep)) {}
Contract::~Contract() = default;

Result<Contract> Contract::Parse(std::string_view text, std::string source_name) {
  return internal::Guard("Contract::Parse", [&]() -> Result<Contract> {
    DP_ASSIGN_OR_RETURN(auto spec, storage::ParseContract(text, std::move(source_name)));
    auto rep = std::make_shared<Rep>();
    rep->spec = std::move(spec);
    return Contract(std::move(rep));
  });
}

Result<Contract> Contract::ReadFile(const std::string& path) {
  return internal::Guard("Contract::ReadFile", [&]() -> Result<Contract> {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      const int err = errno;
      const std::string why = std::strerror(err);
      if (err == ENOENT) return Status::NotFound(path + ": cannot open contract: " + why);
      return Status::IOError(path + ": cannot open contract: " + why);
    }
    // Read at most one byte past the limit, so an oversized file is refused
    // by ParseYaml without reading all of it.
    const size_t limit = storage::YamlLimits{}.max_bytes + 1;
    std::string text;
    char buf[64 * 1024];
    size_t got;
    while (text.size() < limit && (got = std::fread(buf, 1, std::min(sizeof(buf), limit - text.size()), f)) > 0) {
      text.append(buf, got);
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return Status::IOError(path + ": cannot read contract");
    return Parse(text, path);
  });
}

const std::string& Contract::source_name() const { return rep_->spec->source; }
const std::string& Contract::text() const { return rep_->spec->text; }
uint64_t Contract::checksum() const { return rep_->spec->checksum; }
const ContractProduct& Contract::product() const { return rep_->spec->product; }
const ContractDataset& Contract::dataset() const { return rep_->spec->dataset; }
const Schema& Contract::schema() const { return rep_->spec->schema; }
const std::vector<FieldRules>& Contract::rules() const { return rep_->spec->rules; }

Result<std::unique_ptr<ContractValidator>> Contract::NewValidator() const {
  return internal::Guard("Contract::NewValidator", [&]() -> Result<std::unique_ptr<ContractValidator>> {
    auto rep = std::make_unique<ContractValidator::Rep>();
    rep->impl = std::make_unique<storage::ContractValidatorImpl>(rep_->spec);
    return std::unique_ptr<ContractValidator>(new ContractValidator(std::move(rep)));
  });
}

ContractValidator::ContractValidator(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
ContractValidator::~ContractValidator() = default;

Status ContractValidator::Validate(std::span<const ColumnData> columns, uint64_t first_row) {
  return internal::Guard("ContractValidator::Validate", [&] { return rep_->impl->Validate(columns, first_row); });
}
void ContractValidator::Reset() { rep_->impl->Reset(); }
uint64_t ContractValidator::rows_validated() const { return rep_->impl->rows_validated(); }

}  // namespace dp
