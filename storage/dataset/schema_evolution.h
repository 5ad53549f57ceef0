// Schema evolution by stable field ids and the semantic version derived from
// the diff (spec/layout.md §"Schema evolution").
#pragma once

#include <string>
#include <vector>

#include "dp/dataset.h"

namespace dp::internal {

enum class ChangeClass : uint8_t { kNone = 0, kPatch = 1, kMinor = 2, kMajor = 3 };

struct SchemaDiff {
  ChangeClass change = ChangeClass::kNone;
  std::vector<std::string> breaking;  // one line per MAJOR change
  Schema schema;                      // the new schema, ids resolved
  uint32_t last_field_id = 0;
};

// `requested`: fields with id 0 take the id of the same-named field of `old`
// or a new id; explicit ids must be ids of `old`. InvalidArgument for
// impossible requests (unknown id, duplicate, event-time column removed or
// retyped). `description_changed` counts as a PATCH.
Result<SchemaDiff> DiffSchema(const Schema& old, uint32_t last_field_id, std::vector<Field> requested,
                              const std::string& event_time_column, bool description_changed);

SemVer Bump(SemVer v, ChangeClass c);
// int8->int16->int32->int64, uintN->uint(M>N) and int(M>N), float32->float64.
bool IsWidening(const DataType& from, const DataType& to);

}  // namespace dp::internal
