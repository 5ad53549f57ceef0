// How dpinspect renders values: in text tables, as CSV fields and as JSON.
//
// Text and CSV use Value::ToString (timestamps ISO 8601, date32 as
// YYYY-MM-DD, binary as hex, floats in shortest round-trip form). JSON keeps
// numbers as numbers; timestamps, dates and binary become strings; NaN and
// infinities become the strings "NaN", "Infinity", "-Infinity".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dp/segment.h"
#include "dp/types.h"
#include "tools/common/json_writer.h"

namespace dp::tools::inspect {

// For a table cell: control characters escaped (\n, \t, \xNN), cut to
// `max_chars` code points with a trailing "…".
std::string DisplayText(std::string_view text, size_t max_chars);

// A statistic for a table cell: "" when absent; a bound that is not exact
// (a truncated string) is marked with a trailing "…" as well.
std::string DisplayStat(const std::optional<Value>& v, bool exact, const DataType& type, size_t max_chars);

void WriteJsonValue(JsonWriter& j, const Value& v, const DataType& type);
// Members num_values, null_count, min, max (null when absent), min_exact,
// max_exact and, for float columns, has_nan; inside an open object.
void WriteJsonStats(JsonWriter& j, const ColumnStats& s, const DataType& type);

// Appends `text` as one CSV field (RFC 4180): quoted when it contains a
// comma, quote, CR or LF, or is empty (so that "" differs from null).
void AppendCsvField(std::string* out, std::string_view text);

// The value at row `i` of a decoded block of a column of type `type`.
Value BlockValue(const DataType& type, const Block& block, uint32_t i);

// Row `i` of `block` as a CSV field (null: empty, unquoted) / a JSON value.
void AppendCsvCell(std::string* out, const DataType& type, const Block& block, uint32_t i);
void WriteJsonCell(JsonWriter& j, const DataType& type, const Block& block, uint32_t i);

}  // namespace dp::tools::inspect
