// Text -> typed value conversion for dpload's CSV and JSON Lines readers.
//
// Every function takes the field's text (already unquoted/unescaped) and
// writes the value or returns false with a short reason in *why ("month 13
// is out of range"); the reader adds file:line:column and the field name.
// No function allocates on success.
//
// Accepted spellings (documented in `dpload --help`):
//   integers   decimal, optional sign: -12, +7 (range-checked for the column)
//   floats     decimal or exponent form, nan, inf, -inf
//   bool       true/false, True/False, TRUE/FALSE, 1/0
//   date32     YYYY-MM-DD, or an integer count of days since 1970-01-01
//   timestamp  RFC 3339: YYYY-MM-DD[T| ]HH:MM:SS[.f{1,9}][Z|+HH:MM|-HH:MM],
//              or YYYY-MM-DD (midnight), or an integer count of the column's
//              unit. UTC columns read a zoneless time as UTC; local
//              (wall-clock) columns refuse a zone suffix. Fractional digits
//              beyond the unit must be zeros (no silent truncation).
//   binary     hex digits, two per byte (what dpinspect prints)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dp/types.h"

namespace dp::tools::dpload {

// Integer types (int8..uint64). Out of range names the type's limits.
template <typename T>
bool ParseInteger(std::string_view text, T* out, std::string* why);
bool ParseFloat64(std::string_view text, double* out, std::string* why);
bool ParseFloat32(std::string_view text, float* out, std::string* why);
bool ParseBool(std::string_view text, uint8_t* out, std::string* why);
bool ParseDate32(std::string_view text, int32_t* out, std::string* why);
bool ParseTimestamp(std::string_view text, TimeUnit unit, bool utc, int64_t* out, std::string* why);

// Hex digits -> bytes at `out` (room for text.size() / 2 bytes).
bool ParseHex(std::string_view text, char* out, std::string* why);

// Days since 1970-01-01 of a proleptic Gregorian date. REQUIRES: valid date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// Length of the longest prefix of `s` that is well-formed UTF-8 (Unicode
// Table 3-7); s.size() when all of it is. The readers use it to point at the
// first bad byte.
size_t Utf8ValidPrefix(std::string_view s);

// True iff no byte has its high bit set (8 bytes at a time).
bool IsAscii(const char* p, size_t n);

}  // namespace dp::tools::dpload
