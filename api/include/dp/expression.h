// dp::ParsePredicate — the text form of a scan predicate, for people and
// for request parameters (`dpinspect stats --where`, a data-product server's
// `?where=`). The result is an ordinary dp::Predicate (dp/scan.h).
//
//   auto p = dp::ParsePredicate(
//       "country = 'DE' AND ts >= '2024-04-01' AND quantity IN (1, 2, 3)", schema);
//
// Grammar (keywords are case-insensitive):
//   expr       := or
//   or         := and ('OR' and)*
//   and        := unary ('AND' unary)*
//   unary      := 'NOT' unary | '(' expr ')' | condition
//   condition  := column op literal              op: = == != <> < <= > >=
//               | column ['NOT'] 'BETWEEN' literal 'AND' literal
//               | column ['NOT'] 'IN' '(' literal (',' literal)* ')'
//               | column 'IS' ['NOT'] 'NULL'
//               | column 'STARTS' 'WITH' string
//               | column ['NOT'] 'LIKE' 'prefix%'   (prefix patterns only)
//   column     := [A-Za-z_][A-Za-z0-9_]* | "any name" | `any name`
//   literal    := number | 'string' ('' inside is one quote) | TRUE | FALSE
// Literals take the column's type: integers for integer columns (a number
// with a fraction is an error), any number for float columns, TRUE/FALSE for
// bool, strings for string/binary; for timestamp columns an RFC 3339 string
// ('2024-04-01', '2024-04-01T12:00:00Z', '...+02:00') or an integer count of
// the column's unit; for date32 'YYYY-MM-DD' or an integer day number.
//
// Errors are InvalidArgument with the 1-based character column of the
// problem and what was expected, e.g.
//   "where: column 9: unknown column 'cuntry' (did you mean 'country'?)".
// Limits (hostile input): 64 KiB of text, nesting depth 64, 100,000 IN values.
#pragma once

#include <string_view>

#include "dp/result.h"
#include "dp/scan.h"
#include "dp/types.h"

namespace dp {

Result<Predicate> ParsePredicate(std::string_view text, const Schema& schema);

}  // namespace dp
