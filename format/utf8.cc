#include "format/utf8.h"

#include <cstdint>
#include <cstring>

namespace dp::format {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

// Whether the n <= 16 bytes at p are all ASCII, in two overlapping loads (no
// loop, no call): most keys, codes and names a writer validates are short.
bool IsShortAscii(const unsigned char* p, size_t n) {
  if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
    return ((a | b) & kHighBits) == 0;
  }
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return ((a | b) & 0x80808080u) == 0;
  }
  if (n == 0) return true;
  return ((p[0] | p[n / 2] | p[n - 1]) & 0x80) == 0;  // n <= 3: every byte
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  if (s.size() <= 16 && IsShortAscii(p, s.size())) return true;
  const unsigned char* const end = p + s.size();
  while (p < end) {
    // Fast path: skip whole 8-byte words of ASCII.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & kHighBits) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Lead byte → sequence length and the allowed range of the 2nd byte
    // (the narrowed ranges exclude overlongs, surrogates and > U+10FFFF).
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;  // continuation byte as lead, C0/C1 (overlong), F5..FF
    }
    if (end - p < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int k = 2; k < len; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
    }
    p += len;
  }
  return true;
}

}  // namespace dp::format
