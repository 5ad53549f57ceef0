// dictionary (4): page-local dictionary + bit-packed codes, fixed-width
// types except bool, and strings/binary. Layout: spec/format.md
// §"Encodings" / "dictionary (4)" and §"Bit-packed blocks".
// Inlined: short keys hash much faster without a library call per value.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "format/encoding/internal.h"

namespace dp::format::internal {
namespace {

constexpr Encoding kE = Encoding::kDictionary;
constexpr uint32_t kEmpty = UINT32_MAX;

// Open-addressing table from key to code; grows at half load.
template <typename Key>
class CodeTable {
 public:
  CodeTable() { Resize(1024); }

  // The table uses the top bits of Mix(key) as the home slot.
  static uint64_t Mix(Key key) { return uint64_t{key} * 0x9E3779B97F4A7C15ull; }

  // The code of the key equal to `key` (hash `h`), or kEmpty after storing
  // `code` for it. `same(code)` tells whether the entry `code` equals key.
  template <typename Same>
  uint32_t FindOrInsert(Key key, uint64_t h, uint32_t code, Same same) {
    for (size_t i = h >> shift_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.code == kEmpty) {
        s = Slot{key, code};
        if (++size_ * 2 > slots_.size()) Resize(slots_.size() * 2);
        return kEmpty;
      }
      if (s.key == key && same(s.code)) return s.code;
    }
  }

 private:
  struct Slot {
    Key key;
    uint32_t code;
  };

  void Resize(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{Key{}, kEmpty});
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (const Slot& s : old) {
      if (s.code == kEmpty) continue;
      size_t i = Mix(s.key) >> shift_;
      while (slots_[i].code != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
  int shift_ = 0;
};

// Whether to stop building at value i, about to add entry `next`.
bool GiveUp(DictionaryLimits limits, uint32_t i, uint32_t next) {
  return next == limits.max_size || (limits.probe && i < kDictionaryProbe && next >= kDictionaryProbe / 2);
}

template <typename B>
bool BuildFixed(const B* v, uint32_t count, DictionaryLimits limits, Dictionary* dict) {
  CodeTable<B> table;
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0 && v[i] == v[i - 1]) {
      dict->codes[i] = dict->codes[i - 1];
      continue;
    }
    const uint32_t next = uint32_t(dict->first.size());
    const uint32_t code = table.FindOrInsert(v[i], CodeTable<B>::Mix(v[i]), next, [](uint32_t) { return true; });
    if (code != kEmpty) {
      dict->codes[i] = code;
      continue;
    }
    if (GiveUp(limits, i, next)) return false;
    dict->first.push_back(i);
    dict->codes[i] = next;
  }
  dict->entry_bytes = dict->first.size() * sizeof(B);
  return true;
}

bool BuildStrings(const std::string_view* s, uint32_t count, DictionaryLimits limits, Dictionary* dict) {
  // Keys are the 64-bit hashes; equal hashes are confirmed on the bytes.
  CodeTable<uint64_t> table;
  std::vector<std::string_view> entries;
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < count; ++i) {
    // A repeat of the previous value (runs of a dominant value) needs no hash.
    if (i > 0 && EqualBytes(s[i], s[i - 1])) {
      dict->codes[i] = dict->codes[i - 1];
      continue;
    }
    const uint64_t h = XXH3_64bits(s[i].data(), s[i].size());
    const auto next = uint32_t(entries.size());
    const uint32_t code = table.FindOrInsert(h, CodeTable<uint64_t>::Mix(h), next,
                                             [&](uint32_t c) { return EqualBytes(entries[c], s[i]); });
    if (code != kEmpty) {
      dict->codes[i] = code;
      continue;
    }
    if (GiveUp(limits, i, next)) return false;
    entries.push_back(s[i]);
    dict->first.push_back(i);
    dict->codes[i] = next;
    bytes += s[i].size();
  }
  dict->entry_bytes = 4 * (dict->first.size() + 1) + bytes;
  return true;
}

// Unpacks a block of codes and checks each is below the dictionary size.
class CodeReader {
 public:
  CodeReader(PackedBlocks<uint32_t> blocks, uint32_t dict_size, PhysicalType t, uint32_t count)
      : blocks_(blocks), dict_size_(dict_size), type_(t), count_(count) {}

  Result<const uint32_t*> Read(uint32_t position, uint32_t n) {
    Unpack1024(blocks_.Block(position / kBlockSize, copy_), blocks_.width(), codes_);
    if (!AllBelow(codes_, n, dict_size_)) {
      const uint32_t* bad = std::find_if(codes_, codes_ + n, [&](uint32_t c) { return c >= dict_size_; });
      return PageCorruption(kE, type_, count_,
                            "code " + std::to_string(*bad) + " of value " + std::to_string(position + (bad - codes_)) +
                                " is not below the dictionary size " + std::to_string(dict_size_));
    }
    return static_cast<const uint32_t*>(codes_);
  }

 private:
  PackedBlocks<uint32_t> blocks_;
  uint32_t dict_size_;
  PhysicalType type_;
  uint32_t count_;
  alignas(64) uint32_t copy_[kBlockSize];
  alignas(64) uint32_t codes_[kBlockSize];
};

// Entry: B (fixed width) or std::string_view.
template <typename Entry>
class DictionaryDecoder final : public DictionaryDecoderBase<DictionaryDecoder<Entry>, Entry> {
  using Base = DictionaryDecoderBase<DictionaryDecoder<Entry>, Entry>;

 public:
  DictionaryDecoder(std::vector<Entry> entries, PackedBlocks<uint32_t> codes, PhysicalType t, uint32_t count)
      : Base(std::move(entries), count), codes_(codes, uint32_t(this->entries_.size()), t, count) {}

  Result<const uint32_t*> CodesAt(uint32_t position, uint32_t n) { return codes_.Read(position, n); }

 private:
  CodeReader codes_;
};

// Puts the entries in ascending order of `less` (on value positions) and
// renumbers the codes: pages of a column chunk with the same distinct
// values then carry the same dictionary, whatever order the values came
// in, and a reader that keeps state per code (a fused group-by) need not
// fold it at every page (spec/format.md, dictionary (4), writer policy).
template <typename Less>
void SortEntries(Dictionary* dict, Less less) {
  std::vector<uint32_t>& first = dict->first;
  const auto d = uint32_t(first.size());
  bool sorted = true;
  for (uint32_t k = 1; k < d && sorted; ++k) sorted = less(first[k - 1], first[k]);
  if (sorted) return;
  std::vector<uint32_t> order(d);
  for (uint32_t k = 0; k < d; ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return less(first[a], first[b]); });
  std::vector<uint32_t> rank(d), sorted_first(d);
  for (uint32_t r = 0; r < d; ++r) {
    rank[order[r]] = r;
    sorted_first[r] = first[order[r]];
  }
  first.swap(sorted_first);
  for (uint32_t& c : dict->codes) c = rank[c];
}

}  // namespace

bool BuildDictionary(const PageValues& in, DictionaryLimits limits, Dictionary* dict) {
  dict->codes.resize(in.count);
  dict->first.clear();
  if (in.type == PhysicalType::kBytes) {
    if (!BuildStrings(in.strings, in.count, limits, dict)) return false;
    SortEntries(dict, [&](uint32_t a, uint32_t b) { return in.strings[a] < in.strings[b]; });
    return true;
  }
  return VisitBits(in.type, [&](auto b) {
    using B = decltype(b);
    const auto* v = static_cast<const B*>(in.values);
    if (!BuildFixed(v, in.count, limits, dict)) return false;
    SortEntries(dict, [&](uint32_t x, uint32_t y) { return v[x] < v[y]; });  // by bit pattern
    return true;
  });
}

Status AppendDictionaryHead(const PageValues& in, const Dictionary& dict, uint32_t width_byte,
                            std::vector<uint8_t>* out) {
  const auto size = uint32_t(dict.first.size());
  const size_t start = out->size();
  Append<uint32_t>(out, size);
  Append<uint32_t>(out, width_byte);  // u8 + 3 zero bytes
  if (in.type == PhysicalType::kBytes) {
    DP_RETURN_IF_ERROR(AppendStringTable(size, [&](uint32_t k) { return in.strings[dict.first[k]]; }, out));
  } else {
    VisitBits(in.type, [&](auto b) {
      using B = decltype(b);
      const auto* v = static_cast<const B*>(in.values);
      for (uint32_t k = 0; k < size; ++k) Append<B>(out, v[dict.first[k]]);
    });
  }
  PadTo8(out, start);
  return Status::OK();
}

Status EncodeDictionary(const PageValues& in, const Dictionary& dict, std::vector<uint8_t>* out) {
  const uint32_t code_width = CodeWidth(dict.first.size());
  DP_RETURN_IF_ERROR(AppendDictionaryHead(in, dict, code_width, out));
  AppendPackedBlocks<uint32_t>(
      in.count, code_width,
      [&](uint32_t begin, uint32_t n, uint32_t* words) { std::copy_n(dict.codes.data() + begin, n, words); }, out);
  return Status::OK();
}

Result<DictionaryHead> ParseDictionaryHead(Encoding e, PhysicalType t, uint32_t count,
                                           std::span<const uint8_t> payload, uint32_t size) {
  const std::span<const uint8_t> rest = payload.subspan(kDictionaryHeaderSize);
  DictionaryHead head;
  uint64_t entry_bytes = 0;
  if (t == PhysicalType::kBytes) {
    DP_ASSIGN_OR_RETURN(head.strings, ParseStringTable(rest, size, e, count));
    entry_bytes = head.strings.bytes;
  } else {
    entry_bytes = uint64_t{size} * PhysicalWidth(t);
    if (rest.size() < entry_bytes) {
      return PageCorruption(e, t, count,
                            "payload is " + std::to_string(payload.size()) + " bytes, too short for " +
                                std::to_string(size) + " dictionary entries");
    }
    head.entries = rest.data();
  }
  head.codes_at = DictionaryCodesOffset(entry_bytes);
  if (payload.size() < head.codes_at) {
    return PageCorruption(e, t, count, "payload ends inside the padding after the dictionary");
  }
  if (!IsZero(rest.data() + entry_bytes, head.codes_at - kDictionaryHeaderSize - entry_bytes)) {
    return PageCorruption(e, t, count, "padding after the dictionary is not zero");
  }
  return head;
}

DecoderResult MakeDictionaryDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  if (payload.size() < kDictionaryHeaderSize) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 8-byte header");
  }
  const uint32_t size = Load<uint32_t>(payload.data());
  const uint32_t code_width = payload[4];
  if (!IsZero(payload.data() + 5, 3)) return PageCorruption(kE, t, count, "header bytes 5..7 are not zero");
  if (size == 0) return PageCorruption(kE, t, count, "dictionary size is 0");
  if (code_width != CodeWidth(size)) {
    return PageCorruption(kE, t, count,
                          "code width " + std::to_string(code_width) + " is not ceil(log2(" + std::to_string(size) +
                              ")) = " + std::to_string(CodeWidth(size)));
  }
  const std::span<const uint8_t> rest = payload.subspan(kDictionaryHeaderSize);
  uint64_t entry_bytes = 0;
  StringTable strings;
  if (t == PhysicalType::kBytes) {
    DP_ASSIGN_OR_RETURN(strings, ParseStringTable(rest, size, kE, count));
    entry_bytes = strings.bytes;
  } else {
    entry_bytes = uint64_t{size} * PhysicalWidth(t);
  }
  DP_RETURN_IF_ERROR(CheckPayloadSize(kE, t, count, payload.size(), DictionarySize(size, entry_bytes, count)));
  const uint64_t codes_at = DictionaryCodesOffset(entry_bytes);
  if (!IsZero(rest.data() + entry_bytes, codes_at - kDictionaryHeaderSize - entry_bytes)) {
    return PageCorruption(kE, t, count, "padding after the dictionary is not zero");
  }
  const PackedBlocks<uint32_t> codes(payload.data() + codes_at, code_width);
  DP_RETURN_IF_ERROR(CheckPackedTail(codes, count, kE, t));
  DictionaryHead head;
  head.strings = strings;
  head.entries = rest.data();
  return WithDictionaryEntries(t, head, size, [&](auto entries) -> DecoderResult {
    using Entry = typename decltype(entries)::value_type;
    return std::unique_ptr<PageDecoder>(new DictionaryDecoder<Entry>(std::move(entries), codes, t, count));
  });
}

}  // namespace dp::format::internal
