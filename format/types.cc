// DataType, Schema and Value: validation and text rendering. The type ids and
// time units persisted in segments are listed in spec/format.md §"Types".

#include "dp/types.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iterator>
#include <limits>
#include <unordered_map>

#include "format/utf8.h"

namespace dp {

namespace {

struct TypeName {
  TypeId id;
  std::string_view name;
};

// Order follows TypeId; kTypeNames[i].id == TypeId(i).
constexpr TypeName kTypeNames[] = {
    {TypeId::kBool, "bool"},        {TypeId::kInt8, "int8"},        {TypeId::kInt16, "int16"},
    {TypeId::kInt32, "int32"},      {TypeId::kInt64, "int64"},      {TypeId::kUInt8, "uint8"},
    {TypeId::kUInt16, "uint16"},    {TypeId::kUInt32, "uint32"},    {TypeId::kUInt64, "uint64"},
    {TypeId::kFloat32, "float32"},  {TypeId::kFloat64, "float64"},  {TypeId::kTimestamp, "timestamp"},
    {TypeId::kDate32, "date32"},    {TypeId::kString, "string"},    {TypeId::kBinary, "binary"},
};
static_assert(std::size(kTypeNames) == kMaxTypeId + 1, "one name per TypeId");
static_assert(
    [] {
      for (size_t i = 0; i < std::size(kTypeNames); ++i) {
        if (static_cast<size_t>(kTypeNames[i].id) != i) return false;
      }
      return true;
    }(),
    "kTypeNames is indexed by TypeId");

constexpr uint8_t kMaxTimeUnit = static_cast<uint8_t>(TimeUnit::kNano);

bool ValidTypeId(TypeId id) { return static_cast<uint8_t>(id) <= kMaxTypeId; }

// a = quotient * b + remainder with remainder in [0, b); b > 0. Never forms
// quotient * b, which can overflow for a near INT64_MIN.
struct FloorDivided {
  int64_t quotient;
  int64_t remainder;
};
FloorDivided FloorDivMod(int64_t a, int64_t b) {
  FloorDivided r{a / b, a % b};
  if (r.remainder < 0) {
    r.remainder += b;
    --r.quotient;
  }
  return r;
}

struct CivilDate {
  int64_t year;  // astronomical numbering: year 0 is 1 BCE
  unsigned month;
  unsigned day;
};

// Proleptic Gregorian date of `days` since 1970-01-01. Works in 400-year eras
// of 146097 days counted from 0000-03-01, so that the leap day ends a year.
// Exact for |days| < 2^62 (timestamps reach at most ~1.1e14 days).
CivilDate CivilFromDays(int64_t days) {
  constexpr int64_t kDaysPerEra = 146097;
  constexpr int64_t kEpochShift = 719468;  // days from 0000-03-01 to 1970-01-01
  const int64_t z = days + kEpochShift;
  const auto [era, day_of_era] = FloorDivMod(z, kDaysPerEra);  // day_of_era in [0, 146096]
  // Years in the era, skipping the leap days of every 4th/100th/400th year.
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March .. 11 = February
  const unsigned day = static_cast<unsigned>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const unsigned month = static_cast<unsigned>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

// "YYYY-MM-DD"; years outside [0, 9999] get a sign and as many digits as
// needed (ISO 8601 expanded representation), e.g. "-0001-12-31", "+10000-01-01".
void AppendDate(std::string& out, int64_t days) {
  const CivilDate d = CivilFromDays(days);
  char buf[48];
  int n;
  if (d.year >= 0 && d.year <= 9999) {
    n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(d.year), d.month, d.day);
  } else {
    n = std::snprintf(buf, sizeof(buf), "%+05lld-%02u-%02u", static_cast<long long>(d.year), d.month, d.day);
  }
  out.append(buf, static_cast<size_t>(n));
}

int64_t UnitsPerSecond(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return 1;
    case TimeUnit::kMilli: return 1'000;
    case TimeUnit::kMicro: return 1'000'000;
    case TimeUnit::kNano: return 1'000'000'000;
  }
  return 1;
}

int FractionDigits(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return 0;
    case TimeUnit::kMilli: return 3;
    case TimeUnit::kMicro: return 6;
    case TimeUnit::kNano: return 9;
  }
  return 0;
}

template <typename T>
void AppendShortest(std::string& out, T v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

void AppendHex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.reserve(out.size() + 2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
}

// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of
// CivilFromDays). REQUIRES: 1 <= month <= 12.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const auto [era, year_of_era] = FloorDivMod(year, 400);
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;  // 0 = March
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Reads exactly `n` decimal digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, size_t n, int64_t* value) {
  if (text.size() - *pos < n) return false;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = text[*pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

bool ReadChar(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// "YYYY-MM-DD" at text[*pos] -> days since the epoch; "" on success, else why not.
std::string ReadDate(std::string_view text, size_t* pos, int64_t* days) {
  int64_t y, m, d;
  if (!ReadDigits(text, pos, 4, &y) || !ReadChar(text, pos, '-') || !ReadDigits(text, pos, 2, &m) ||
      !ReadChar(text, pos, '-') || !ReadDigits(text, pos, 2, &d)) {
    return "expected a date YYYY-MM-DD";
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, unsigned(m))) {
    return "no such date (month 01-12, day within the month)";
  }
  *days = DaysFromCivil(y, unsigned(m), unsigned(d));
  return {};
}

Status TimeTextError(std::string_view text, std::string_view why) {
  constexpr size_t kShown = 64;
  std::string shown(text.substr(0, kShown));
  if (text.size() > kShown) shown += "...";
  return Status::InvalidArgument("'" + shown + "' is not a valid time: " + std::string(why));
}

std::string FieldLabel(size_t index, const Field& f, bool name_printable) {
  std::string s = "field " + std::to_string(index);
  if (name_printable) s += " ('" + f.name + "')";
  return s;
}

}  // namespace

bool DataType::is_integer() const {
  switch (id) {
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32: case TypeId::kUInt64:
    case TypeId::kTimestamp: case TypeId::kDate32:
      return true;
    default:
      return false;
  }
}

bool DataType::is_signed_integer() const {
  switch (id) {
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kTimestamp: case TypeId::kDate32:
      return true;
    default:
      return false;
  }
}

int DataType::byte_width() const {
  switch (id) {
    case TypeId::kBool: case TypeId::kInt8: case TypeId::kUInt8:
      return 1;
    case TypeId::kInt16: case TypeId::kUInt16:
      return 2;
    case TypeId::kInt32: case TypeId::kUInt32: case TypeId::kFloat32: case TypeId::kDate32:
      return 4;
    case TypeId::kInt64: case TypeId::kUInt64: case TypeId::kFloat64: case TypeId::kTimestamp:
      return 8;
    case TypeId::kString: case TypeId::kBinary:
      return 0;
  }
  return 0;
}

std::string_view TimeUnitSuffix(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return "s";
    case TimeUnit::kMilli: return "ms";
    case TimeUnit::kMicro: return "us";
    case TimeUnit::kNano: return "ns";
  }
  return "?";
}

std::string DataType::ToString() const {
  if (!ValidTypeId(id)) return "invalid-type(" + std::to_string(static_cast<unsigned>(id)) + ")";
  std::string s(kTypeNames[static_cast<uint8_t>(id)].name);
  if (id == TypeId::kTimestamp) {
    s += '[';
    s += TimeUnitSuffix(unit);
    s += utc ? ", UTC]" : ", local]";
  }
  return s;
}

Result<DataType> DataType::Parse(std::string_view text) {
  constexpr std::string_view kTimestamp = "timestamp";
  if (text.size() > kTimestamp.size() && text.substr(0, kTimestamp.size()) == kTimestamp &&
      text[kTimestamp.size()] == '[') {
    auto bad = [&](std::string_view why) {
      return Status::InvalidArgument("cannot parse data type '" + std::string(text) + "': " + std::string(why) +
                                     " (expected timestamp[s|ms|us|ns] or timestamp[<unit>, UTC|local])");
    };
    if (text.back() != ']') return bad("missing closing ']'");
    std::string_view inner = text.substr(kTimestamp.size() + 1, text.size() - kTimestamp.size() - 2);
    std::string_view unit_text = inner;
    bool utc = true;
    if (size_t comma = inner.find(','); comma != std::string_view::npos) {
      unit_text = inner.substr(0, comma);
      std::string_view zone = inner.substr(comma + 1);
      while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
      if (zone == "UTC") {
        utc = true;
      } else if (zone == "local") {
        utc = false;
      } else {
        return bad("unknown time zone '" + std::string(zone) + "'");
      }
    }
    for (uint8_t u = 0; u <= kMaxTimeUnit; ++u) {
      if (unit_text == TimeUnitSuffix(static_cast<TimeUnit>(u))) return Timestamp(static_cast<TimeUnit>(u), utc);
    }
    return bad("unknown time unit '" + std::string(unit_text) + "'");
  }
  for (const TypeName& t : kTypeNames) {
    if (t.name == text && t.id != TypeId::kTimestamp) {  // a timestamp needs its unit
      DataType type;
      type.id = t.id;
      return type;
    }
  }
  std::string expected;
  for (const TypeName& t : kTypeNames) {
    if (!expected.empty()) expected += ", ";
    expected += t.id == TypeId::kTimestamp ? "timestamp[s|ms|us|ns] (UTC), timestamp[<unit>, local]" : t.name;
  }
  return Status::InvalidArgument("unknown data type '" + std::string(text) + "' (expected one of " + expected + ")");
}

Result<Schema> Schema::Make(std::vector<Field> fields) {
  if (fields.size() > kMaxFields) {
    return Status::InvalidArgument("schema has " + std::to_string(fields.size()) + " fields, more than the limit of " +
                                   std::to_string(kMaxFields));
  }
  std::unordered_map<std::string_view, size_t> by_name;
  std::unordered_map<uint32_t, size_t> by_id;
  by_name.reserve(fields.size());
  by_id.reserve(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    Field& f = fields[i];
    if (f.name.empty()) return Status::InvalidArgument(FieldLabel(i, f, false) + ": name is empty");
    if (!format::IsValidUtf8(f.name)) return Status::InvalidArgument(FieldLabel(i, f, false) + ": name is not valid UTF-8");
    if (f.name.size() > kMaxNameBytes) {
      return Status::InvalidArgument(FieldLabel(i, f, false) + ": name is " + std::to_string(f.name.size()) +
                                     " bytes, more than the limit of " + std::to_string(kMaxNameBytes));
    }
    const std::string label = FieldLabel(i, f, true);
    if (auto [it, inserted] = by_name.emplace(f.name, i); !inserted) {
      return Status::InvalidArgument(label + ": duplicate name, also used by field " + std::to_string(it->second));
    }
    if (f.doc.size() > kMaxDocBytes) {
      return Status::InvalidArgument(label + ": doc is " + std::to_string(f.doc.size()) +
                                     " bytes, more than the limit of " + std::to_string(kMaxDocBytes));
    }
    if (!ValidTypeId(f.type.id)) {
      return Status::InvalidArgument(label + ": invalid type id " + std::to_string(static_cast<unsigned>(f.type.id)) +
                                     " (the largest known is " + std::to_string(kMaxTypeId) + ")");
    }
    if (f.type.id == TypeId::kTimestamp) {
      if (static_cast<uint8_t>(f.type.unit) > kMaxTimeUnit) {
        return Status::InvalidArgument(label + ": invalid time unit " +
                                       std::to_string(static_cast<unsigned>(f.type.unit)) +
                                       " (expected 0=s, 1=ms, 2=us or 3=ns)");
      }
    } else {
      // unit/utc mean nothing for other types; keep them canonical.
      f.type.unit = DataType{}.unit;
      f.type.utc = DataType{}.utc;
    }
    if (f.field_id != 0) {
      if (auto [it, inserted] = by_id.emplace(f.field_id, i); !inserted) {
        return Status::InvalidArgument(label + ": field id " + std::to_string(f.field_id) +
                                       " is already used by field " + std::to_string(it->second));
      }
    }
  }
  // Unassigned ids take, in field order, the smallest id >= 1 nobody uses:
  // position + 1 when no field sets an id explicitly.
  uint32_t next = 1;
  for (Field& f : fields) {
    if (f.field_id != 0) continue;
    while (by_id.contains(next)) ++next;
    f.field_id = next++;
  }
  Schema schema;
  schema.fields_ = std::move(fields);
  return schema;
}

int Schema::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Schema::ToString() const {
  std::string s;
  for (const Field& f : fields_) {
    s += f.name;
    s += ": ";
    s += f.type.ToString();
    if (!f.nullable) s += " not null";
    if (!f.doc.empty()) {
      s += " -- ";
      s += f.doc;
    }
    s += '\n';
  }
  return s;
}

std::string FormatTimestamp(int64_t value, TimeUnit unit, bool utc) {
  const auto [seconds, fraction] = FloorDivMod(value, UnitsPerSecond(unit));
  const auto [days, second_of_day] = FloorDivMod(seconds, 86400);
  std::string s;
  AppendDate(s, days);
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "T%02d:%02d:%02d", static_cast<int>(second_of_day / 3600),
                        static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60));
  s.append(buf, static_cast<size_t>(n));
  if (int digits = FractionDigits(unit); digits > 0) {
    n = std::snprintf(buf, sizeof(buf), ".%0*lld", digits, static_cast<long long>(fraction));
    s.append(buf, static_cast<size_t>(n));
  }
  if (utc) s += 'Z';
  return s;
}

Result<int64_t> ParseTimestamp(std::string_view text, TimeUnit unit) {
  size_t pos = 0;
  int64_t days = 0;
  if (std::string why = ReadDate(text, &pos, &days); !why.empty()) return TimeTextError(text, why);
  int64_t hh = 0, mm = 0, ss = 0, fraction = 0, offset_seconds = 0;
  const int64_t per_second = UnitsPerSecond(unit);
  if (pos < text.size()) {
    const char sep = text[pos++];
    if (sep != 'T' && sep != 't' && sep != ' ') return TimeTextError(text, "expected 'T' or ' ' after the date");
    if (!ReadDigits(text, &pos, 2, &hh) || !ReadChar(text, &pos, ':') || !ReadDigits(text, &pos, 2, &mm) ||
        !ReadChar(text, &pos, ':') || !ReadDigits(text, &pos, 2, &ss)) {
      return TimeTextError(text, "expected a time of day HH:MM:SS after the date");
    }
    if (hh > 23 || mm > 59 || ss > 60) return TimeTextError(text, "hour, minute or second out of range");
    ss = std::min<int64_t>(ss, 59);  // a leap second stays within its minute
    if (ReadChar(text, &pos, '.')) {
      size_t digits = 0;
      for (int64_t scale = per_second; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
        const int64_t digit = text[pos] - '0';
        if (scale >= 10) {
          scale /= 10;
          fraction += digit * scale;
        } else if (digit != 0) {
          return TimeTextError(text, "more fractional digits than timestamp[" + std::string(TimeUnitSuffix(unit)) +
                                         "] holds");
        }
      }
      if (digits == 0) return TimeTextError(text, "expected digits after '.'");
    }
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int64_t sign = text[pos++] == '-' ? -1 : 1;
      int64_t oh, om;
      if (!ReadDigits(text, &pos, 2, &oh) || !ReadChar(text, &pos, ':') || !ReadDigits(text, &pos, 2, &om) ||
          oh > 23 || om > 59) {
        return TimeTextError(text, "expected a UTC offset such as Z, +02:00 or -05:30");
      }
      offset_seconds = sign * (oh * 3600 + om * 60);
    }
  }
  if (pos != text.size()) return TimeTextError(text, "unexpected text after the time");
  const int64_t seconds = days * 86400 + hh * 3600 + mm * 60 + ss - offset_seconds;
  int64_t units, value;
  if (__builtin_mul_overflow(seconds, per_second, &units) || __builtin_add_overflow(units, fraction, &value)) {
    return TimeTextError(text, "outside the range of timestamp[" + std::string(TimeUnitSuffix(unit)) + "]");
  }
  return value;
}

Result<int32_t> ParseDate32(std::string_view text) {
  size_t pos = 0;
  int64_t days = 0;
  if (std::string why = ReadDate(text, &pos, &days); !why.empty()) return TimeTextError(text, why);
  if (pos != text.size()) return TimeTextError(text, "unexpected text after the date");
  return static_cast<int32_t>(days);  // 4-digit years always fit
}

std::string FormatDate32(int32_t days) {
  std::string s;
  AppendDate(s, days);
  return s;
}

std::string Value::ToString(const DataType& type) const {
  std::string s;
  if (is_null()) return "null";
  if (is_bool()) return as_bool() ? "true" : "false";
  if (is_int()) {
    const int64_t v = as_int();
    if (type.id == TypeId::kTimestamp) return FormatTimestamp(v, type.unit, type.utc);
    if (type.id == TypeId::kDate32 && v >= std::numeric_limits<int32_t>::min() &&
        v <= std::numeric_limits<int32_t>::max()) {
      return FormatDate32(static_cast<int32_t>(v));
    }
    return std::to_string(v);
  }
  if (is_uint()) return std::to_string(as_uint());
  if (is_double()) {
    const double d = as_double();
    const float f = static_cast<float>(d);
    // A float32 value widened to double prints in float's shortest form ("0.1", not "0.100000001").
    if (type.id == TypeId::kFloat32 && (static_cast<double>(f) == d || d != d)) {
      AppendShortest(s, f);
    } else {
      AppendShortest(s, d);
    }
    return s;
  }
  if (type.id == TypeId::kBinary) {
    AppendHex(s, as_bytes());
    return s;
  }
  return as_bytes();
}

}  // namespace dp
