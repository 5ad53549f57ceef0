// Mesh roots and products on disk (spec/layout.md §"Directory layout",
// §"Product metadata").
#pragma once

#include <string>
#include <vector>

#include "dp/dataset.h"

namespace dp::internal {

// Creates <root>/<name>/ and publishes _product.dpm (AlreadyExists if it exists).
Status CreateProduct(const std::string& root, ProductInfo* info);
// NotFound if the product does not exist; Corruption if its metadata is bad.
Result<ProductInfo> ReadProduct(const std::string& root, std::string_view name);
// Valid names of subdirectories that hold `marker` (sorted).
Result<std::vector<std::string>> ListChildren(const std::string& dir, const std::string& marker);

}  // namespace dp::internal
