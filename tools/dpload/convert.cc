#include "tools/dpload/convert.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

namespace dp::tools::dpload {

namespace {

template <typename T>
std::string_view IntTypeName() {
  if constexpr (std::is_same_v<T, int8_t>) return "int8";
  if constexpr (std::is_same_v<T, int16_t>) return "int16";
  if constexpr (std::is_same_v<T, int32_t>) return "int32";
  if constexpr (std::is_same_v<T, int64_t>) return "int64";
  if constexpr (std::is_same_v<T, uint8_t>) return "uint8";
  if constexpr (std::is_same_v<T, uint16_t>) return "uint16";
  if constexpr (std::is_same_v<T, uint32_t>) return "uint32";
  if constexpr (std::is_same_v<T, uint64_t>) return "uint64";
}

bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Reads exactly `n` digits at p[0..n).
bool Digits(const char* p, int n, unsigned* out) {
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    if (!IsDigit(p[i])) return false;
    v = v * 10 + static_cast<unsigned>(p[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
}

bool Fail(std::string* why, std::string reason) {
  *why = std::move(reason);
  return false;
}

// "YYYY-MM-DD" at the start of `t` (exactly 10 bytes) -> days.
bool ParseDatePart(std::string_view t, int64_t* days, std::string* why) {
  unsigned year, month, day;
  if (t.size() < 10 || !Digits(t.data(), 4, &year) || t[4] != '-' || !Digits(t.data() + 5, 2, &month) ||
      t[7] != '-' || !Digits(t.data() + 8, 2, &day)) {
    return Fail(why, "expected a date YYYY-MM-DD");
  }
  if (month < 1 || month > 12) return Fail(why, "month " + std::to_string(month) + " is out of range 1..12");
  if (day < 1 || day > DaysInMonth(year, month)) {
    return Fail(why, "day " + std::to_string(day) + " is out of range for " + std::string(t.substr(0, 7)));
  }
  *days = DaysFromCivil(year, month, day);
  return true;
}

// True when the text is an optionally signed run of digits (an epoch count).
bool LooksLikeInteger(std::string_view t) {
  size_t i = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i) {
    if (!IsDigit(t[i])) return false;
  }
  return true;
}

constexpr int64_t kUnitsPerSecond[] = {1, 1'000, 1'000'000, 1'000'000'000};
constexpr int kUnitDigits[] = {0, 3, 6, 9};

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Shifts the year to start in March so the leap day is last; then whole
  // 400-year eras (146,097 days each) plus the day of the era.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);              // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         // [0, 146096]
  return era * 146'097 + static_cast<int64_t>(doe) - 719'468;
}

template <typename T>
bool ParseInteger(std::string_view text, T* out, std::string* why) {
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') {
    ++b;
    if (b != e && *b == '-') return Fail(why, "'" + std::string(text) + "' is not a valid integer");
  }
  auto [p, ec] = std::from_chars(b, e, *out);
  if (ec == std::errc::result_out_of_range) {
    return Fail(why, "'" + std::string(text) + "' is out of range for " + std::string(IntTypeName<T>()) + " (" +
                         std::to_string(std::numeric_limits<T>::min()) + ".." +
                         std::to_string(std::numeric_limits<T>::max()) + ")");
  }
  if (ec != std::errc() || p != e || b == e) {
    return Fail(why, "'" + std::string(text) + "' is not a valid integer");
  }
  return true;
}

template bool ParseInteger<int8_t>(std::string_view, int8_t*, std::string*);
template bool ParseInteger<int16_t>(std::string_view, int16_t*, std::string*);
template bool ParseInteger<int32_t>(std::string_view, int32_t*, std::string*);
template bool ParseInteger<int64_t>(std::string_view, int64_t*, std::string*);
template bool ParseInteger<uint8_t>(std::string_view, uint8_t*, std::string*);
template bool ParseInteger<uint16_t>(std::string_view, uint16_t*, std::string*);
template bool ParseInteger<uint32_t>(std::string_view, uint32_t*, std::string*);
template bool ParseInteger<uint64_t>(std::string_view, uint64_t*, std::string*);

namespace {

template <typename F>
bool ParseFloatT(std::string_view text, F* out, std::string* why, std::string_view type) {
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, *out);
  if (ec == std::errc::result_out_of_range) {
    return Fail(why, "'" + std::string(text) + "' is out of range for " + std::string(type));
  }
  if (ec != std::errc() || p != e || b == e) return Fail(why, "'" + std::string(text) + "' is not a valid number");
  return true;
}

}  // namespace

bool ParseFloat64(std::string_view text, double* out, std::string* why) {
  // Fast path for plain decimals "-ddd.ddd" with at most 15 digits: the
  // digits and the power of ten are exact doubles, so one division gives the
  // correctly rounded value (Clinger). Everything else goes to from_chars.
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const size_t n = text.size();
  size_t i = n > 0 && text[0] == '-' ? 1 : 0;
  if (n - i > 0 && n - i <= 16) {
    uint64_t digits = 0;
    int ndigits = 0, frac = -1;
    for (; i < n; ++i) {
      const char c = text[i];
      if (IsDigit(c)) {
        digits = digits * 10 + static_cast<uint64_t>(c - '0');
        ++ndigits;
        if (frac >= 0) ++frac;
      } else if (c == '.' && frac < 0) {
        frac = 0;
      } else {
        break;
      }
    }
    if (i == n && ndigits > 0 && ndigits <= 15 && frac != 0) {
      double v = static_cast<double>(digits);
      if (frac > 0) v /= kPow10[frac];
      *out = text[0] == '-' ? -v : v;
      return true;
    }
  }
  return ParseFloatT(text, out, why, "float64");
}
bool ParseFloat32(std::string_view text, float* out, std::string* why) {
  return ParseFloatT(text, out, why, "float32");
}

bool ParseBool(std::string_view t, uint8_t* out, std::string* why) {
  if (t == "true" || t == "1" || t == "True" || t == "TRUE") {
    *out = 1;
    return true;
  }
  if (t == "false" || t == "0" || t == "False" || t == "FALSE") {
    *out = 0;
    return true;
  }
  return Fail(why, "'" + std::string(t) + "' is not a bool (expected true, false, 1 or 0)");
}

bool ParseDate32(std::string_view t, int32_t* out, std::string* why) {
  if (LooksLikeInteger(t)) return ParseInteger(t, out, why);
  int64_t days;
  if (!ParseDatePart(t, &days, why)) return Fail(why, "'" + std::string(t) + "': " + *why);
  if (t.size() != 10) return Fail(why, "'" + std::string(t) + "': unexpected text after the date YYYY-MM-DD");
  *out = static_cast<int32_t>(days);  // years 0000..9999 always fit
  return true;
}

bool ParseTimestamp(std::string_view t, TimeUnit unit, bool utc, int64_t* out, std::string* why) {
  if (LooksLikeInteger(t)) return ParseInteger(t, out, why);
  auto bad = [&](std::string reason) { return Fail(why, "'" + std::string(t) + "': " + reason); };
  int64_t days;
  if (!ParseDatePart(t, &days, why)) {
    return bad(*why + " or an integer (expected RFC 3339 YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM])");
  }
  int64_t seconds = days * 86'400;
  int64_t fraction = 0;  // in the column's unit
  size_t i = 10;
  if (i < t.size()) {
    if (t[i] != 'T' && t[i] != 't' && t[i] != ' ') return bad("expected 'T' or ' ' after the date");
    unsigned hh, mm, ss;
    if (t.size() < i + 9 || !Digits(&t[i + 1], 2, &hh) || t[i + 3] != ':' || !Digits(&t[i + 4], 2, &mm) ||
        t[i + 6] != ':' || !Digits(&t[i + 7], 2, &ss)) {
      return bad("expected a time HH:MM:SS after the date");
    }
    if (hh > 23) return bad("hour " + std::to_string(hh) + " is out of range 0..23");
    if (mm > 59) return bad("minute " + std::to_string(mm) + " is out of range 0..59");
    if (ss > 59) return bad("second " + std::to_string(ss) + " is out of range 0..59 (leap seconds are not supported)");
    seconds += hh * 3600 + mm * 60 + ss;
    i += 9;
    if (i < t.size() && t[i] == '.') {
      ++i;
      const size_t start = i;
      const int keep = kUnitDigits[static_cast<int>(unit)];
      int n = 0;
      for (; i < t.size() && IsDigit(t[i]); ++i, ++n) {
        if (n < keep) {
          fraction = fraction * 10 + (t[i] - '0');
        } else if (t[i] != '0') {
          return bad("more fractional digits than timestamp[" + std::string(TimeUnitSuffix(unit)) +
                     "] holds (they would be lost)");
        }
      }
      if (i == start) return bad("expected digits after '.'");
      if (n > 9) return bad("more than 9 fractional digits");
      for (; n < keep; ++n) fraction *= 10;
    }
    if (i < t.size()) {
      const char z = t[i];
      if (z == 'Z' || z == 'z') {
        ++i;
      } else if (z == '+' || z == '-') {
        unsigned oh, om;
        if (t.size() < i + 6 || !Digits(&t[i + 1], 2, &oh) || t[i + 3] != ':' || !Digits(&t[i + 4], 2, &om)) {
          return bad("expected a zone offset +HH:MM or -HH:MM");
        }
        if (oh > 23 || om > 59) return bad("zone offset out of range");
        const int64_t off = oh * 3600 + om * 60;
        seconds += z == '+' ? -off : off;
        i += 6;
      } else {
        return bad("unexpected text after the time");
      }
      if (!utc) return bad("a local (wall-clock) timestamp column takes no zone suffix");
      if (i != t.size()) return bad("unexpected text after the zone");
    }
  }
  // Before 1970 with a fraction, (seconds + 1) * units - (units - fraction)
  // reaches INT64_MIN without overflowing on the way.
  const int64_t units = kUnitsPerSecond[static_cast<int>(unit)];
  if (seconds < 0 && fraction > 0) {
    ++seconds;
    fraction -= units;
  }
  int64_t v;
  if (__builtin_mul_overflow(seconds, units, &v) || __builtin_add_overflow(v, fraction, &v)) {
    return bad("out of range for timestamp[" + std::string(TimeUnitSuffix(unit)) + "]");
  }
  *out = v;
  return true;
}

bool ParseHex(std::string_view t, char* out, std::string* why) {
  if (t.size() % 2 != 0) return Fail(why, "odd number of hex digits (" + std::to_string(t.size()) + ")");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < t.size(); i += 2) {
    const int hi = nibble(t[i]);
    const int lo = nibble(t[i + 1]);
    if (hi < 0 || lo < 0) {
      return Fail(why, "'" + std::string(t.substr(i + (hi >= 0), 1)) + "' at offset " +
                           std::to_string(i + (hi >= 0)) + " is not a hex digit (binary columns take hex)");
    }
    out[i / 2] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

bool IsAscii(const char* p, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  return (acc & kHigh) == 0;
}

size_t Utf8ValidPrefix(std::string_view s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // > U+10FFFF
    } else {
      return i;
    }
    if (n - i < len || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return n;
}

}  // namespace dp::tools::dpload
