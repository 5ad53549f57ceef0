// Names, RFC 3339 instants and dp:// addresses (spec/layout.md §"Names",
// §"Addresses"). Declared in api/include/dp/address.h.
#include "dp/address.h"

#include <cstdio>

#include "dp/types.h"

namespace dp {
namespace {

constexpr size_t kMaxNameBytes = 64;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

Status CheckName(std::string_view name, std::string_view what, bool allow_dot) {
  const char* rule = allow_dot ? "[a-z0-9][a-z0-9._-]*, at most 64 bytes" : "[a-z0-9][a-z0-9_-]*, at most 64 bytes";
  bool ok = !name.empty() && name.size() <= kMaxNameBytes && IsLowerAlnum(name[0]);
  for (size_t i = 1; ok && i < name.size(); ++i) {
    const char c = name[i];
    ok = IsLowerAlnum(c) || c == '_' || c == '-' || (allow_dot && c == '.');
  }
  if (ok) return Status::OK();
  return Status::InvalidArgument(std::string(what) + " name '" + Printable(name) + "' is invalid: names must match " +
                                 rule + " (no '/', '..', uppercase, NUL or empty names)");
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Status ValidateName(std::string_view name, std::string_view what) { return CheckName(name, what, false); }
Status ValidateTagName(std::string_view name) { return CheckName(name, "tag", true); }

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("time '" + Printable(s) + "' is not RFC 3339 (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM)): " +
                                   why);
  };
  int year, mon, day, hh, mm, ss;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mon) || s[7] != '-' ||
      !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &hh) || s[13] != ':' ||
      !Digits(s, 14, 2, &mm) || s[16] != ':' || !Digits(s, 17, 2, &ss)) {
    return bad("malformed date or time");
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon < 1 || mon > 12 || day < 1 || day > kDays[mon - 1] + (mon == 2 && leap)) return bad("no such date");
  if (hh > 23 || mm > 59 || ss > 59) return bad("hour, minute or second out of range (leap seconds are not accepted)");
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) micros = micros * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return bad("fraction must have 1 to 9 digits");
    for (size_t i = n; i < 6; ++i) micros *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om) ||
        oh > 23 || om > 59) {
      return bad("malformed UTC offset");
    }
    offset_s = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad("missing 'Z' or UTC offset");
  }
  if (pos != s.size()) return bad("trailing characters");
  const int64_t secs = DaysFromCivil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  return secs * 1'000'000 + micros;
}

std::string FormatRfc3339(int64_t time_us) { return FormatTimestamp(time_us, TimeUnit::kMicro, true); }

Result<Address> Address::Parse(std::string_view text) {
  constexpr std::string_view kScheme = "dp://";
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("address '" + Printable(text) + "': " + why +
                                   " (expected dp://<product>/<dataset>[@<version>|@<RFC 3339 time>|@<tag>])");
  };
  if (text.substr(0, kScheme.size()) != kScheme) return bad("must start with dp://");
  std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("missing '/<dataset>'");
  Address a;
  std::string_view product = rest.substr(0, slash);
  std::string_view dataset = rest.substr(slash + 1);
  std::string_view sel;
  const size_t at = dataset.find('@');
  if (at != std::string_view::npos) {
    sel = dataset.substr(at + 1);
    dataset = dataset.substr(0, at);
    if (sel.empty()) return bad("empty selector after '@'");
  }
  if (Status s = ValidateName(product, "product"); !s.ok()) return bad(s.message());
  if (Status s = ValidateName(dataset, "dataset"); !s.ok()) return bad(s.message());
  a.product = std::string(product);
  a.dataset = std::string(dataset);
  if (sel.empty()) return a;
  bool all_digits = true;
  for (char c : sel) all_digits = all_digits && c >= '0' && c <= '9';
  if (all_digits) {
    if (sel.size() > 19) return bad("version number too large");
    a.selector = Selector::kVersion;
    for (char c : sel) a.version = a.version * 10 + static_cast<uint64_t>(c - '0');
    return a;
  }
  if (sel.size() >= 19 && sel[4] == '-' && (sel[10] == 'T' || sel[10] == 't')) {
    auto t = ParseRfc3339(sel);
    if (!t.ok()) return bad(t.status().message());
    a.selector = Selector::kTime;
    a.time_us = *t;
    return a;
  }
  if (Status s = ValidateTagName(sel); !s.ok()) return bad(s.message());
  a.selector = Selector::kTag;
  a.tag = std::string(sel);
  return a;
}

std::string Address::ToString() const {
  std::string s = "dp://" + product + "/" + dataset;
  switch (selector) {
    case Selector::kLatest: break;
    case Selector::kVersion: s += "@" + std::to_string(version); break;
    case Selector::kTime: s += "@" + FormatRfc3339(time_us); break;
    case Selector::kTag: s += "@" + tag; break;
  }
  return s;
}

}  // namespace dp
