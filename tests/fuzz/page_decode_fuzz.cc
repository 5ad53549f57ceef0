// Fuzz target: every page decoder on its own, over hostile payloads.
//
// Input layout (little endian): byte 0 = dp::Encoding id, byte 1 =
// format::PhysicalType, bytes 2..5 = value count, the rest = the payload.
// Decodes the payload three ways (streaming blocks, skipping then reading,
// all at once); a decoder must return Corruption or values, never read or
// write outside its buffers. The skipping pass also asks PeekBounds of
// every block and aborts if decoded values break bounds it claimed.
//
// Then every other form a scan takes a page in (dictionary codes, sparse
// exceptions, rle runs, selected values, and for for_bitpack the packed sum
// and range kernels the cursor runs on raw blocks) is checked against the
// values Next() gave: a form may fail, never hand out other values.
#include <algorithm>
#include <cstdio>
#include <string>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "format/bitpack.h"
#include "format/encoding.h"
#include "format/encoding/internal.h"

namespace {

using dp::format::PhysicalType;

constexpr uint32_t kMaxCount = 1u << 17;  // keeps each input fast; the bound logic is the same

void Stream(dp::Encoding e, PhysicalType t, std::span<const uint8_t> payload, uint32_t count,
            bool skip_first) {
  auto decoder = dp::format::PageDecoder::Make(e, t, payload, count);
  if (!decoder.ok()) return;
  alignas(64) static uint64_t scratch[dp::format::kBlockSize];
  static std::string_view strings[dp::format::kBlockSize];
  int64_t lo = 0, hi = 0;
  if (skip_first && (*decoder)->remaining() > 0) {
    const uint32_t n = std::min<uint32_t>(dp::format::kBlockSize, (*decoder)->remaining());
    (void)(*decoder)->PeekBounds(&lo, &hi);  // its sum is reused by the Skip
    if (!(*decoder)->Skip(n).ok()) return;
  }
  const int width = dp::format::PhysicalWidth(t);
  uint64_t sink = 0;
  while ((*decoder)->remaining() > 0) {
    const bool known = skip_first && (*decoder)->PeekBounds(&lo, &hi);
    uint32_t n = 0;
    auto values = (*decoder)->Next(scratch, strings, &n);
    if (!values.ok()) return;
    if (known) {  // claimed: lo <= v[0] <= ... <= v[n-1] == hi
      auto check = [&](auto tag) {
        using T = decltype(tag);
        const T* v = static_cast<const T*>(*values);
        int64_t prev = lo;
        for (uint32_t i = 0; i < n; ++i) {
          if (int64_t(v[i]) < prev) std::abort();
          prev = int64_t(v[i]);
        }
        if (n > 0 && prev != hi) std::abort();
      };
      if (t == PhysicalType::kI64) check(int64_t{});
      else if (t == PhysicalType::kI32) check(int32_t{});
      else std::abort();  // bounds are only claimed for i32 and i64
    }
    if (t == PhysicalType::kBytes) {
      for (uint32_t i = 0; i < n; ++i) sink += strings[i].size() ? uint8_t(strings[i].back()) : 0;
    } else if (n > 0) {
      // Touch the last byte handed out: ASan catches a pointer past the page.
      sink += static_cast<const uint8_t*>(*values)[size_t(n) * width - 1];
    }
  }
  volatile uint64_t keep = sink;
  (void)keep;
}


[[noreturn]] void Disagree(const char* form) {
  std::fprintf(stderr, "page_decode_fuzz: %s disagrees with Next()\n", form);
  std::abort();
}

// Every value of the page as Next() gives it; ok false if it fails.
struct Reference {
  bool ok = false;
  int width = 0;
  std::vector<uint8_t> fixed;        // count * width bytes
  std::vector<std::string> strings;  // kBytes
  bool Same(uint64_t i, const void* values, const std::string_view* views, uint64_t k) const {
    if (width == 0) return strings[i] == views[k];
    return std::memcmp(fixed.data() + i * width, static_cast<const uint8_t*>(values) + k * width, width) == 0;
  }
};

Reference Decode(dp::Encoding e, PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  Reference r;
  r.width = dp::format::PhysicalWidth(t);
  auto decoder = dp::format::PageDecoder::Make(e, t, payload, count);
  if (!decoder.ok()) return r;
  alignas(64) static uint64_t scratch[dp::format::kBlockSize];
  static std::string_view strings[dp::format::kBlockSize];
  while ((*decoder)->remaining() > 0) {
    uint32_t n = 0;
    auto values = (*decoder)->Next(scratch, strings, &n);
    if (!values.ok()) return r;
    if (r.width == 0) {
      const auto* v = static_cast<const std::string_view*>(*values);
      for (uint32_t i = 0; i < n; ++i) r.strings.emplace_back(v[i]);
    } else {
      const auto* v = static_cast<const uint8_t*>(*values);
      r.fixed.insert(r.fixed.end(), v, v + size_t(n) * r.width);
    }
  }
  r.ok = true;
  return r;
}

using Decoder = std::unique_ptr<dp::format::PageDecoder>;

// NextCodes: each code names a dictionary entry, and that entry is the value.
void Codes(Decoder d, const Reference& ref) {
  const auto dict = d->dictionary();
  if (dict.size == 0) return;
  uint64_t at = 0;
  while (d->remaining() > 0) {
    uint32_t n = 0;
    auto codes = d->NextCodes(&n);
    if (!codes.ok()) return;
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t c = (*codes)[i];
      if (c >= dict.size) Disagree("NextCodes (a code past the dictionary)");
      if (ref.ok && !ref.Same(at + i, dict.values, dict.strings, c)) Disagree("NextCodes");
    }
    at += n;
  }
}

// NextSparse: the dominant code everywhere but at increasing exception
// offsets, whose codes differ from it.
void Sparse(Decoder d, const Reference& ref) {
  const auto dict = d->dictionary();
  if (!d->sparse() || dict.size == 0) return;
  std::vector<uint32_t> codes(dp::format::kBlockSize);
  uint64_t at = 0;
  while (d->remaining() > 0) {
    uint32_t n = 0;
    auto s = d->NextSparse(&n);
    if (!s.ok()) return;
    if (s->dominant >= dict.size || s->exceptions > n) Disagree("NextSparse (dominant or exception count)");
    for (uint32_t k = 0; k < s->exceptions; ++k) {
      if (s->offsets[k] >= n || (k > 0 && s->offsets[k] <= s->offsets[k - 1]) || s->codes[k] >= dict.size ||
          s->codes[k] == s->dominant) {
        Disagree("NextSparse (exception offsets or codes)");
      }
    }
    s->Expand(n, codes.data());
    for (uint32_t i = 0; ref.ok && i < n; ++i) {
      if (!ref.Same(at + i, dict.values, dict.strings, codes[i])) Disagree("NextSparse");
    }
    at += n;
  }
}

// NextRuns: runs of at least one value that cover the block.
void Runs(Decoder d, const Reference& ref) {
  if (!d->runs()) return;
  uint64_t at = 0;
  while (d->remaining() > 0) {
    uint32_t n = 0;
    auto r = d->NextRuns(&n);
    if (!r.ok()) return;
    uint64_t covered = 0;
    for (uint32_t k = 0; k < r->count; ++k) {
      if (r->lengths[k] == 0) Disagree("NextRuns (an empty run)");
      for (uint32_t j = 0; ref.ok && j < r->lengths[k] && covered + j < n; ++j) {
        if (!ref.Same(at + covered + j, r->values, nullptr, k)) Disagree("NextRuns");
      }
      covered += r->lengths[k];
    }
    if (covered != n) Disagree("NextRuns (lengths do not sum to the block)");
    at += n;
  }
}

// NextSelected: every `step`th value of each block.
void Selected(Decoder d, const Reference& ref, uint32_t step) {
  if (ref.width == 0) return;
  alignas(64) static uint64_t scratch[dp::format::kBlockSize];
  static std::string_view strings[dp::format::kBlockSize];
  std::vector<uint32_t> sel;
  std::vector<uint8_t> out(size_t(dp::format::kBlockSize) * 8);
  uint64_t at = 0;
  while (d->remaining() > 0) {
    const uint32_t block = std::min<uint32_t>(dp::format::kBlockSize, d->remaining());
    sel.clear();
    for (uint32_t i = at % 3; i < block; i += step) sel.push_back(i);
    uint32_t n = 0;
    if (d->NextSelected(sel.data(), uint32_t(sel.size()), out.data(), &n)) {
      if (n != block) Disagree("NextSelected (block size)");
      for (size_t k = 0; ref.ok && k < sel.size(); ++k) {
        if (!ref.Same(at + sel[k], out.data(), nullptr, k)) Disagree("NextSelected");
      }
    } else if (!d->Next(scratch, strings, &n).ok()) {
      return;
    }
    at += n;
  }
}

// The cursor's kernels on raw for_bitpack blocks (ColumnCursor::ForBlockSum
// and ForBlockInRange): where a page's values cannot wrap, value = base +
// packed, so the packed sum and range tests are those of the values.
template <typename W>
void ForKernels(PhysicalType t, std::span<const uint8_t> payload, uint32_t count, const Reference& ref, W lo,
                W span) {
  auto page = dp::format::internal::ParseForPage(t, payload, count);
  if (!page.ok() || !ref.ok) return;
  __extension__ using I128 = __int128;
  const bool is_signed = dp::format::IsSignedPhysical(t);
  const int width = ref.width;
  const I128 base = is_signed ? (sizeof(W) == 8 ? I128(int64_t(page->base)) : I128(int32_t(uint32_t(page->base))))
                              : I128(W(page->base));
  const I128 type_max = is_signed ? (I128(1) << (8 * width - 1)) - 1 : (I128(1) << (8 * width)) - 1;
  const I128 type_min = is_signed ? -(I128(1) << (8 * width - 1)) : 0;
  if (base < type_min || base + ((I128(1) << page->width) - 1) > type_max) return;  // decoded instead
  auto value = [&](uint64_t i) -> I128 {
    uint64_t bits = 0;
    std::memcpy(&bits, ref.fixed.data() + i * width, width);
    if (is_signed && width < 8 && (bits >> (8 * width - 1)) != 0) bits |= ~uint64_t{0} << (8 * width);
    return is_signed ? I128(int64_t(bits)) : I128(bits);
  };
  alignas(64) W words[dp::format::kBlockSize];
  alignas(64) uint8_t in_range[dp::format::kBlockSize];
  for (uint32_t b = 0; (uint64_t{b} + 1) * dp::format::kBlockSize <= count; ++b) {
    std::memcpy(words, page->blocks + uint64_t{b} * 128 * page->width, 128 * page->width);
    I128 sum = 0;
    for (uint32_t i = 0; i < dp::format::kBlockSize; ++i) sum += value(uint64_t{b} * dp::format::kBlockSize + i);
    if (page->width <= 53 &&
        base * dp::format::kBlockSize + I128(dp::format::UnpackSum1024(words, page->width)) != sum) {
      Disagree("UnpackSum1024 of a for_bitpack block");
    }
    dp::format::UnpackInRange1024(words, page->width, lo, span, in_range);
    for (uint32_t i = 0; i < dp::format::kBlockSize; ++i) {
      const W packed = W(value(uint64_t{b} * dp::format::kBlockSize + i) - base);
      if (in_range[i] != uint8_t(W(packed - lo) <= span)) Disagree("UnpackInRange1024 of a for_bitpack block");
    }
  }
}

void Forms(dp::Encoding e, PhysicalType t, std::span<const uint8_t> payload, uint32_t count, uint64_t knobs) {
  const Reference ref = Decode(e, t, payload, count);
  auto make = [&]() -> Decoder {
    auto d = dp::format::PageDecoder::Make(e, t, payload, count);
    return d.ok() ? std::move(d).value() : nullptr;
  };
  if (Decoder d = make()) Codes(std::move(d), ref);
  if (Decoder d = make()) Sparse(std::move(d), ref);
  if (Decoder d = make()) Runs(std::move(d), ref);
  // Dense selections (decoders mostly decline them) and sparse ones (1 in
  // 32 or fewer: for_bitpack and for_planes read those values one by one).
  const uint32_t step = (knobs & 0x80) != 0 ? 1 + uint32_t(knobs & 7) : 33 + uint32_t(knobs & 63);
  if (Decoder d = make()) Selected(std::move(d), ref, step);
  if (e == dp::Encoding::kForBitpack && dp::format::IsIntegerPhysical(t)) {
    // Bounds of the range test from the input, small ones most often.
    const uint64_t lo = (knobs >> 8) & 0xffff, span = (knobs >> 24) & 0xffff;
    if (dp::format::PhysicalWidth(t) <= 4) {
      ForKernels<uint32_t>(t, payload, count, ref, uint32_t(lo), uint32_t(span));
    } else {
      const bool wide = (knobs >> 40) & 1;  // past 32 bits: the unpack-then-compare path
      ForKernels<uint64_t>(t, payload, count, ref, wide ? lo << 32 : lo, wide ? ~uint64_t{0} >> 1 : span);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 6) return 0;
  const auto e = static_cast<dp::Encoding>(data[0]);
  const auto t = static_cast<PhysicalType>(data[1] % (uint8_t(PhysicalType::kBytes) + 1));
  uint32_t count;
  std::memcpy(&count, data + 2, 4);
  count %= kMaxCount + 1;
  const std::span<const uint8_t> payload(data + 6, size - 6);
  Stream(e, t, payload, count, false);
  Stream(e, t, payload, count, true);
  // Knobs of the form checks: from the input's last bytes (the payload's
  // too: a decoder ignores bytes past what it reads or rejects them).
  uint64_t knobs = 0;
  std::memcpy(&knobs, data + size - std::min<size_t>(size, 8), std::min<size_t>(size, 8));
  Forms(e, t, payload, count, knobs);
  if (t == PhysicalType::kBytes) {
    std::vector<std::string_view> out(count);
    (void)dp::format::DecodeAll(e, t, payload, count, nullptr, out.data());
  } else {
    std::vector<uint8_t> out(size_t(count) * dp::format::PhysicalWidth(t) + 1);
    (void)dp::format::DecodeAll(e, t, payload, count, out.data(), nullptr);
  }
  return 0;
}
