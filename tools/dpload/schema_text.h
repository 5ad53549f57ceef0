// The schema text format dpload reads with --schema: what Schema::ToString
// prints, one field per line:
//
//   # order events
//   order_id: int64 not null -- Order the item belongs to.
//   ts: timestamp[us, UTC] not null
//   note: string
//
// "name: type", then optionally "not null", then optionally " -- doc".
// Blank lines and lines starting with '#' are ignored. Errors name the file
// and line.
#pragma once

#include <string>
#include <string_view>

#include "dp/result.h"
#include "dp/types.h"

namespace dp::tools::dpload {

Result<Schema> ParseSchemaText(std::string_view text, const std::string& name);
Result<Schema> ReadSchemaFile(const std::string& path);

}  // namespace dp::tools::dpload
