// Aggregation pushed into the scan. Each morsel (a fixed row range) builds a
// partial: its groups (a hash table over up to 5 key words, or a direct
// array for one dictionary-coded string key) and one state array per
// aggregate. Partials are merged into the result in morsel order, so the
// result never depends on the thread count.
#include "storage/scan/aggregate.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "format/encoding/internal.h"
#include "storage/scan/exec.h"
#include "storage/scan/hash.h"
#include "storage/scan/huge_pages.h"

namespace dp::internal::scan {

using format::kBlockSize;
using format::PhysicalType;
using format::internal::VisitFixed;

uint64_t HashBytes(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

namespace {

constexpr uint64_t kMaxBitmapSpan = uint64_t{1} << 22;  // exact distinct of small integer ranges

// 64-bit key of a value: the value (integers), canonical bits (floats: one
// zero, one NaN).
template <typename T>
uint64_t KeyBits(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    double d = double(v);
    if (d == 0) d = 0;
    if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
    return std::bit_cast<uint64_t>(d);
  } else if constexpr (std::is_signed_v<T>) {
    return uint64_t(int64_t(v));
  } else {
    return uint64_t(v);
  }
}

// ---- interned strings ----

class StringPool {
 public:
  uint32_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    strings_.emplace_back(s);
    const auto id = uint32_t(strings_.size() - 1);
    ids_.emplace(strings_.back(), id);
    return id;
  }
  const std::string& Get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  std::deque<std::string> strings_;  // stable addresses: the map's keys view them
  std::unordered_map<std::string_view, uint32_t> ids_;
};

// ---- groups ----

// Groups by key words: an open-addressing table of 16-byte slots (group +
// 1, a tag of 24 hash bits and the null bits, and the first key word), so
// that a probe of a one-column key touches nothing but its slot, and one of
// more columns the key row of a group only when tag and first word agree.
// Key rows hold the key words and the null bits. High-cardinality keys miss
// the cache on every probe; the batch lookup hashes a window first and
// prefetches slots a few rows ahead, so that the misses of different rows
// overlap.
class GroupTable {
 public:
  explicit GroupTable(int nkeys) : nkeys_(nkeys), row_(size_t(nkeys) + 1) { slots_.assign(64, Slot{}); }

  // Empties the table; a small one keeps its memory for the next morsel.
  void Clear() {
    if (slots_.size() > kKeptSlots || slots_.empty()) {
      Slots(64).swap(slots_);
      Words().swap(keys_);
    } else {
      std::fill(slots_.begin(), slots_.end(), Slot{});
      keys_.clear();
    }
    size_ = 0;
  }
  static constexpr size_t kKeptSlots = 4096;

  uint32_t FindOrInsert(const uint64_t* w, uint8_t nulls) { return FindOrInsertHashed(w, nulls, Hash(w, nulls)); }

  // gid[i] = the group of (words[k][i] for k < nkeys, nulls[i]), i < m.
  // Rows equal to the previous one (runs of a key) reuse its group.
  void FindOrInsertBatch(const uint64_t (*words)[kBlockSize], const uint8_t* nulls, uint32_t m, uint32_t* gid) {
    uint64_t key[AggregateSpec::kMaxGroupColumns + 1];
    // Rows equal to the previous one are marked (hash 0 is never looked
    // at for them) and not hashed: time buckets, clustered keys.
    for (uint32_t i = 0; i < m; ++i) {
      bool same = i > 0 && nulls[i] == nulls[i - 1];
      for (int k = 0; k < nkeys_; ++k) same &= words[k][i] == words[k][i - (i > 0)];
      same_[i] = same;
      if (same) continue;
      uint64_t h = 0x9E3779B97F4A7C15ull * (nulls[i] + 1);
      for (int k = 0; k < nkeys_; ++k) h = Mix64(h ^ words[k][i]) + uint64_t(k);
      hashes_[i] = Mix64(h);
    }
    constexpr uint32_t kAhead = 12;
    for (uint32_t i = 0; i < std::min(m, kAhead); ++i) {
      if (!same_[i]) Prefetch(hashes_[i]);
    }
    for (uint32_t i = 0; i < m; ++i) {
      if (i + kAhead < m && !same_[i + kAhead]) Prefetch(hashes_[i + kAhead]);
      if (same_[i]) {
        gid[i] = gid[i - 1];
        continue;
      }
      for (int k = 0; k < nkeys_; ++k) key[k] = words[k][i];
      gid[i] = FindOrInsertHashed(key, nulls[i], hashes_[i]);
    }
  }

  // Makes room for `groups` groups without growing.
  void Reserve(size_t groups) {
    size_t slots = slots_.size();
    while (groups * 2 > slots) slots *= 2;
    if (slots != slots_.size()) Rehash(slots);
    keys_.reserve(groups * row_);
  }
  // For Merge: the hash of another table's key row, a prefetch of its home
  // slot, and its group here.
  uint64_t RowHash(const uint64_t* row) const { return Hash(row, uint8_t(row[nkeys_])); }
  void Prefetch(uint64_t h) const { scan::Prefetch(&slots_[h & (slots_.size() - 1)]); }
  uint32_t FindOrInsertRow(const uint64_t* row, uint64_t h) { return FindOrInsertHashed(row, uint8_t(row[nkeys_]), h); }
  // Whether another table's key row is a group here.
  bool ContainsRow(const uint64_t* row) const {
    return slots_[FindSlot(row, uint8_t(row[nkeys_]), RowHash(row))].group1 != 0;
  }

  // For PartitionedMerge: room for `groups` key rows of row_words() words,
  // written by the caller. The table is not indexed after this: it holds
  // the rows of a finished total, which nothing probes.
  uint64_t* AssignRows(size_t groups) {
    Slots().swap(slots_);
    keys_.resize(groups * row_);
    size_ = groups;
    return keys_.data();
  }
  size_t row_words() const { return row_; }
  // Moves the key row of group g to dest[g] (a permutation), through
  // `spare` (which gets the old rows' buffer back); not indexed after this
  // either (AssignRows).
  void PermuteRows(const uint32_t* dest, std::vector<uint64_t, HugePageAllocator<uint64_t>>& spare) {
    spare.resize(keys_.size());
    for (size_t g = 0; g < size_; ++g) std::copy_n(key(uint32_t(g)), row_, spare.data() + size_t{dest[g]} * row_);
    keys_.swap(spare);
    Slots().swap(slots_);
  }

  size_t size() const { return size_; }
  const uint64_t* key(uint32_t g) const { return keys_.data() + size_t{g} * row_; }
  uint8_t nulls(uint32_t g) const { return uint8_t(keys_[size_t{g} * row_ + size_t(nkeys_)]); }
  uint64_t bytes() const { return slots_.size() * sizeof(Slot) + keys_.size() * 8; }

 private:
  struct Slot {
    uint32_t group1 = 0;  // group + 1; 0 = empty
    uint32_t tag = 0;     // hash bits 40..63, then the null bits
    uint64_t first = 0;   // key word 0 (0 without key columns)
  };
  static uint32_t Tag(uint64_t h, uint8_t nulls) { return uint32_t(h >> 40) | (uint32_t{nulls} << 24); }

  // The slot of the group (w, nulls) whose hash is h, or the empty slot
  // where it would go.
  size_t FindSlot(const uint64_t* w, uint8_t nulls, uint64_t h) const {
    assert(!slots_.empty() && "probe of a table made by AssignRows");
    const size_t mask = slots_.size() - 1;
    const uint32_t tag = Tag(h, nulls);
    const uint64_t first = nkeys_ > 0 ? w[0] : 0;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot slot = slots_[i];
      if (slot.group1 == 0) return i;
      if (slot.tag != tag || slot.first != first) continue;
      if (nkeys_ <= 1) return i;  // the null bits and the one key word agree
      if (std::equal(w + 1, w + nkeys_, key(slot.group1 - 1) + 1)) return i;
    }
  }
  uint32_t FindOrInsertHashed(const uint64_t* w, uint8_t nulls, uint64_t h) {
    const size_t i = FindSlot(w, nulls, h);
    if (slots_[i].group1 != 0) return slots_[i].group1 - 1;
    const auto g = uint32_t(size_);
    keys_.insert(keys_.end(), w, w + nkeys_);
    keys_.push_back(nulls);
    ++size_;
    slots_[i] = Slot{g + 1, Tag(h, nulls), nkeys_ > 0 ? w[0] : 0};
    if (size_ * 2 > slots_.size()) Grow();
    return g;
  }
  uint64_t Hash(const uint64_t* w, uint8_t nulls) const {
    uint64_t h = 0x9E3779B97F4A7C15ull * (nulls + 1);
    for (int k = 0; k < nkeys_; ++k) h = Mix64(h ^ w[k]) + uint64_t(k);
    return Mix64(h);
  }
  void Grow() { Rehash(slots_.size() * 2); }
  // Rebuilds the slots from the key rows in group order: the rows are read
  // in sequence, the slots written behind a prefetch.
  void Rehash(size_t slots) {
    slots_.assign(slots, Slot{});
    const size_t mask = slots - 1;
    constexpr size_t kAhead = 8;
    uint64_t ahead[kAhead];
    for (size_t g = 0; g < std::min(size_, kAhead); ++g) {
      ahead[g] = RowHash(key(uint32_t(g)));
      scan::Prefetch<true>(&slots_[ahead[g] & mask]);
    }
    for (size_t g = 0; g < size_; ++g) {
      const uint64_t h = ahead[g % kAhead];
      if (g + kAhead < size_) {
        ahead[g % kAhead] = RowHash(key(uint32_t(g + kAhead)));
        scan::Prefetch<true>(&slots_[ahead[g % kAhead] & mask]);
      }
      const uint64_t* row = key(uint32_t(g));
      size_t i = h & mask;
      while (slots_[i].group1 != 0) i = (i + 1) & mask;
      slots_[i] = Slot{uint32_t(g + 1), Tag(h, uint8_t(row[nkeys_])), nkeys_ > 0 ? row[0] : 0};
    }
  }
  int nkeys_;
  size_t row_;  // key words + the null bits
  size_t size_ = 0;
  using Words = std::vector<uint64_t, HugePageAllocator<uint64_t>>;
  using Slots = std::vector<Slot, HugePageAllocator<Slot>>;
  Words keys_;
  Slots slots_;
  alignas(64) uint64_t hashes_[kBlockSize];
  bool same_[kBlockSize];
};

// ---- plan ----

struct KeyPlan {
  int field = 0;
  TimeBucket bucket = TimeBucket::kNone;  // kNone: the column's value
  Domain domain = Domain::kSigned;
  PhysicalType pt = PhysicalType::kI64;
  DataType type;  // of the key column in the result
  std::string name;
};

struct AggPlan {
  AggregateKind kind = AggregateKind::kCount;
  int field = -1;
  Domain domain = Domain::kSigned;
  PhysicalType pt = PhysicalType::kI64;
  DataType out_type;
  std::string name;
  bool bitmap = false;  // exact distinct as a bitmap of [base, base + span)
  int64_t base = 0;
  uint64_t span = 0;
};

// Aggregates whose count is rows minus nulls: in a morsel's partial they
// count only the nulls, and Partial::rows the rows (one increment per row
// for all of them together).
bool CountsRows(AggregateKind k) {
  return k == AggregateKind::kCount || k == AggregateKind::kCountValid || k == AggregateKind::kSum ||
         k == AggregateKind::kAvg;
}

// Per-group arrays: indexed by group id in the order of the rows, so
// randomly at high cardinality (huge_pages.h).
template <typename T>
using GroupVector = std::vector<T, HugePageAllocator<T>>;

struct AggState {
  // Non-null values (min/max: whether one was seen); for CountsRows() kinds
  // in a morsel's partial (Partial::counts_nulls) the null ones.
  GroupVector<int64_t> count;
  GroupVector<Int128> isum;
  // Integer sums accumulate in 64 bits while a bound proves they cannot
  // overflow (|partial| <= the bounds reserved since the last flush), and
  // are added into isum by Flush64(). Wrapping arithmetic: a bound from
  // lying statistics gives a wrong sum, never undefined behaviour.
  GroupVector<uint64_t> isum64;
  uint64_t room64 = kRoom64;
  static constexpr uint64_t kRoom64 = uint64_t{1} << 62;

  // Reserves room for `m` values of magnitude <= `bound` in the 64-bit
  // partials; false when they must go to isum directly (bound too large to
  // be worth flushing for).
  bool Reserve64(uint64_t bound, uint32_t m) {
    // Flushes cost O(groups): at most one per 64 * groups / 1024 windows.
    if (bound > (kRoom64 >> 6) / kBlockSize / std::max<size_t>(1, isum64.size() / kBlockSize)) return false;
    const uint64_t need = bound * m;
    if (need > room64) Flush64();
    room64 -= need;
    return true;
  }
  void Flush64() {
    for (size_t g = 0; g < isum64.size(); ++g) {
      isum[g] += int64_t(isum64[g]);
      isum64[g] = 0;
    }
    room64 = kRoom64;
  }

  // Float sums of a dictionary-coded column count (group, code) pairs of
  // the current page and fold them into fsum (group by group, code by code:
  // an order fixed by the data, not by the threads) when the page changes
  // and at the end of the morsel: one increment per row instead of a value
  // lookup and a float add.
  static constexpr size_t kMaxCodeCounts = size_t{1} << 16;  // groups x entries
  std::vector<uint32_t> code_counts;  // [group * entries + code]
  std::vector<double> code_values;    // the page's entries
  uint64_t code_serial = UINT64_MAX;  // the page they belong to
  void FoldCodes() {
    const size_t d = code_values.size();
    if (d == 0) return;
    const size_t groups = code_counts.size() / d;
    for (size_t g = 0; g < groups; ++g) {
      uint32_t* h = code_counts.data() + g * d;
      for (size_t c = 0; c < d; ++c) {
        if (h[c] == 0) continue;
        fsum[g] += double(h[c]) * code_values[c];
        h[c] = 0;
      }
    }
    code_serial = UINT64_MAX;
  }
  GroupVector<double> fsum;
  GroupVector<int64_t> imm;    // min/max, signed domain
  GroupVector<uint64_t> umm;   // unsigned/bool
  GroupVector<double> fmm;     // float
  std::vector<std::string> smm;
  std::vector<std::unique_ptr<U64Set>> sets;
  std::vector<std::unique_ptr<std::unordered_set<std::string>>> ssets;
  std::vector<std::unique_ptr<Hll>> hll;
  std::vector<uint64_t> bitmap;

  // Calls f(v) for each array indexed by group that holds a state (empty
  // ones included): not isum64, which Flush64 empties into isum, nor the
  // per-page code counts.
  template <typename F>
  void ForEachGroupArray(F&& f) {
    f(count), f(isum), f(fsum), f(imm), f(umm), f(fmm), f(smm), f(sets), f(ssets), f(hll);
  }
  template <typename F>
  void ForEachGroupArray(F&& f) const {
    f(count), f(isum), f(fsum), f(imm), f(umm), f(fmm), f(smm), f(sets), f(ssets), f(hll);
  }

  void Resize(const AggPlan& a, size_t n) {
    count.resize(n, 0);
    switch (a.kind) {
      case AggregateKind::kSum:
      case AggregateKind::kAvg:
        if (a.domain == Domain::kFloat) {
          fsum.resize(n, 0.0);
        } else {
          isum.resize(n, 0);
          isum64.resize(n, 0);
        }
        break;
      case AggregateKind::kMin:
      case AggregateKind::kMax:
        if (a.domain == Domain::kSigned) imm.resize(n, 0);
        else if (a.domain == Domain::kFloat) fmm.resize(n, 0.0);
        else if (a.domain == Domain::kBytes) smm.resize(n);
        else umm.resize(n, 0);
        break;
      case AggregateKind::kDistinct:
        if (a.bitmap) {
          if (bitmap.empty()) bitmap.assign((a.span + 63) / 64, 0);
        } else if (a.domain == Domain::kBytes) {
          while (ssets.size() < n) ssets.push_back(std::make_unique<std::unordered_set<std::string>>());
        } else {
          while (sets.size() < n) sets.push_back(std::make_unique<U64Set>());
        }
        break;
      case AggregateKind::kApproxDistinct:
        while (hll.size() < n) hll.push_back(std::make_unique<Hll>());
        break;
      default: break;
    }
  }
  uint64_t bytes() const {
    uint64_t b = count.size() * 8 + isum.size() * 16 + isum64.size() * 8 + fsum.size() * 8 + imm.size() * 8 +
                 umm.size() * 8 + fmm.size() * 8 + smm.size() * 32 + bitmap.size() * 8 + hll.size() * Hll::kM +
                 code_counts.size() * 4 + code_values.size() * 8;
    for (const auto& s : sets) b += s->bytes();
    for (const auto& s : ssets) b += s->size() * 48;
    return b;
  }
};

struct Query {
  Plan plan;
  std::vector<KeyPlan> keys;
  std::vector<AggPlan> aggs;
  bool direct_key = false;  // one string key: group = interned id (direct array)
  uint64_t budget = 1ull << 30;
};

// A morsel's (or the final) partial result.
struct Partial {
  explicit Partial(const Query& q, bool morsel = false)
      : groups(int(q.keys.size())), aggs(q.aggs.size()), counts_nulls(morsel) {}
  GroupTable groups;
  StringPool strings;
  std::vector<uint32_t> direct;  // direct_key: interned id -> group + 1
  uint32_t null_group = 0;       // direct_key: group of null + 1
  std::vector<AggState> aggs;
  Counters counters;
  // Filled by MorselAggregator: selected rows per group, and CountsRows()
  // aggregates count nulls (see AggState::count). Merged totals: false.
  bool counts_nulls = false;
  GroupVector<int64_t> rows;
  // Merge's memo of this partial's string ids in `merged_into`'s pool
  // (kNoId: not looked up yet): a partial that serves many morsels keeps
  // its pool (see Reset), and each of its strings is interned into the
  // total once rather than once per morsel.
  static constexpr uint32_t kNoId = UINT32_MAX;
  const Partial* merged_into = nullptr;
  std::vector<uint32_t> merged_ids;

  // Empties the partial for another morsel. Its string pool stays while it
  // is small (a few thousand strings: the key dictionaries of a
  // low-cardinality column, interned again at every morsel otherwise), and
  // the ids it gave stay valid; a large one is dropped with the memo, so
  // that a partial of a high-cardinality key does not hold every string
  // it has seen.
  void Reset(const Query& q) {
    groups.Clear();
    if (strings.size() > kKeptStrings) {
      strings = StringPool();
      merged_into = nullptr;
      merged_ids.clear();
    }
    direct.clear();
    null_group = 0;
    aggs.clear();
    aggs.resize(q.aggs.size());
    counters = Counters();
    rows.clear();
  }
  static constexpr size_t kKeptStrings = 4096;

  void Grow(const Query& q) {
    for (size_t a = 0; a < aggs.size(); ++a) aggs[a].Resize(q.aggs[a], groups.size());
    if (counts_nulls) rows.resize(groups.size(), 0);
  }
  // Adds the 64-bit integer sums into the exact ones (AggState::Flush64).
  void Flush64() {
    for (AggState& s : aggs) s.Flush64();
  }
  // Turns a morsel partial into total form, in place (what Merge into an
  // empty total would give, without re-inserting every group).
  void ToTotal(const Query& q) {
    Flush64();
    if (!counts_nulls) return;
    for (size_t a = 0; a < aggs.size(); ++a) {
      if (!CountsRows(q.aggs[a].kind)) continue;  // Count is the stored count
      for (uint32_t g = 0; g < aggs[a].count.size(); ++g) aggs[a].count[g] = Count(q, a, g);
    }
    counts_nulls = false;
    GroupVector<int64_t>().swap(rows);
  }
  // Moves group g to dest[g] (a permutation) in the key rows and in every
  // per-group array; the table is not indexed after this (PermuteRows).
  void Permute(const uint32_t* dest) {
    const size_t n = groups.size();
    // Each array is written into a spare one of its type, and its old
    // buffer becomes the spare for the next array of that type: a few
    // allocations (with their page faults) for all the arrays.
    std::tuple<GroupVector<uint64_t>, GroupVector<int64_t>, GroupVector<Int128>, GroupVector<double>> spare;
    groups.PermuteRows(dest, std::get<GroupVector<uint64_t>>(spare));
    auto permute = [&](auto& v) {
      using V = std::remove_reference_t<decltype(v)>;
      if (v.size() != n) return;  // not a per-group array of this partial
      V fresh;
      V* out = &fresh;
      if constexpr (std::is_same_v<V, GroupVector<uint64_t>> || std::is_same_v<V, GroupVector<int64_t>> ||
                    std::is_same_v<V, GroupVector<Int128>> || std::is_same_v<V, GroupVector<double>>) {
        out = &std::get<V>(spare);
      }
      out->resize(n);
      for (size_t g = 0; g < n; ++g) (*out)[dest[g]] = std::move(v[g]);
      v.swap(*out);
    };
    permute(rows);
    for (AggState& s : aggs) s.ForEachGroupArray(permute);  // isum64: zeros after Flush64
  }
  // The count of aggregate a (AggState::count, in total form) of group g.
  int64_t Count(const Query& q, size_t a, uint32_t g) const {
    const int64_t c = aggs[a].count[g];
    return counts_nulls && CountsRows(q.aggs[a].kind) ? rows[g] - c : c;
  }
};

// ---- time buckets ----

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Howard Hinnant's civil-from-days / days-from-civil (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = int64_t(yoe) + era * 400 + (*m <= 2);
}
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

int64_t UnitsPerSecond(const DataType& t) {
  switch (t.unit) {
    case TimeUnit::kSecond: return 1;
    case TimeUnit::kMilli: return 1000;
    case TimeUnit::kMicro: return 1000000;
    case TimeUnit::kNano: return 1000000000;
  }
  return 1;
}

int64_t Saturate(Int128 v) {
  return int64_t(std::clamp<Int128>(v, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()));
}

// Caches the last bucket: sorted time columns hit it almost always.
struct BucketCache {
  int64_t lo = 1, hi = 0, start = 0;  // [lo, hi) -> start
};

int64_t CachedBucket(int64_t v, TimeBucket b, const DataType& t, BucketCache* c) {
  if (v >= c->lo && v < c->hi) return c->start;
  const int64_t start = BucketStart(v, b, t);
  // The bucket's end: the next bucket's start.
  const bool date = t.id == TypeId::kDate32;
  const int64_t day = date ? 1 : 86400 * UnitsPerSecond(t);
  Int128 end;
  switch (b) {
    case TimeBucket::kMinute: end = Int128(start) + 60 * UnitsPerSecond(t); break;
    case TimeBucket::kHour: end = Int128(start) + 3600 * UnitsPerSecond(t); break;
    case TimeBucket::kDay: end = Int128(start) + day; break;
    case TimeBucket::kWeek: end = Int128(start) + 7 * Int128(day); break;
    default: {
      int64_t y;
      unsigned m;
      CivilFromDays(FloorDiv(start, day), &y, &m);
      end = Int128(DaysFromCivil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1)) * day;
      break;
    }
  }
  c->lo = start;
  c->hi = Saturate(end);
  c->start = start;
  if (!(v >= c->lo && v < c->hi)) c->hi = c->lo;  // saturated edge: no caching
  return start;
}

// ---- per-window update ----

struct Window {
  uint32_t n = 0;               // rows in the window
  uint32_t m = 0;               // selected rows
  const uint32_t* sel = nullptr;  // selected row offsets
  const uint32_t* gid = nullptr;  // their groups
  bool one = false;             // every gid the same (gid[0])
  bool all = false;             // every row selected, and one
};

// The order of float min/max: < with -0.0 below +0.0, so that which zero
// comes out does not depend on the order values (and thread partials) are
// seen in.
inline bool FloatBefore(double a, double b) { return a < b || (a == b && std::signbit(a) && !std::signbit(b)); }

// Bits whose OR over values bounds their magnitudes: v for unsigned values,
// v ^ sign for signed ones (|v| - 1 when negative).
template <typename T>
uint64_t MagnitudeBits(T v) {
  if constexpr (std::is_signed_v<T>) return uint64_t(int64_t(v) ^ (int64_t(v) >> 63));
  else return uint64_t(v);
}
// A bound on |v| over the window's selected values, for 64-bit partial
// sums: the OR of their magnitude bits, doubled. Over all n values when
// most are selected (a branch-free pass that vectorizes), else over the m
// selected ones.
template <typename T>
uint64_t MagnitudeBound(const T* v, uint32_t n, const uint32_t* sel, uint32_t m) {
  uint64_t bits = 0;
  if (m * 4 >= n) {
    for (uint32_t i = 0; i < n; ++i) bits |= MagnitudeBits(v[i]);
  } else {
    for (uint32_t i = 0; i < m; ++i) bits |= MagnitudeBits(v[sel[i]]);
  }
  return bits >= (uint64_t{1} << 62) ? UINT64_MAX : (bits << 1) | 1;
}

// `bound`: a bound on |v| over the page (its statistics), or UINT64_MAX.
template <typename T>
void UpdateNumeric(const AggPlan& a, AggState& s, const T* v, const uint8_t* valid, const Window& w,
                   uint64_t bound) {
  const uint32_t* __restrict sel = w.sel;
  const uint32_t* __restrict gid = w.gid;
  const uint32_t m = w.m;
  auto ok = [&](uint32_t r) { return valid == nullptr || valid[r]; };
  switch (a.kind) {
    case AggregateKind::kCountValid:
      // Counts nulls (CountsRows).
      if (valid != nullptr) {
        for (uint32_t i = 0; i < m; ++i) s.count[gid[i]] += valid[sel[i]] ^ 1;
      }
      return;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      if (valid == nullptr) {
        // The common case, without a validity test per row; no count (the
        // group's rows are counted once for every aggregate).
        if constexpr (std::is_floating_point_v<T>) {
          double* sum = s.fsum.data();
          for (uint32_t i = 0; i < m; ++i) sum[gid[i]] += double(v[sel[i]]);
        } else if (s.Reserve64(bound != UINT64_MAX ? bound : MagnitudeBound(v, w.n, sel, m), m)) {
          uint64_t* __restrict sum = s.isum64.data();
          if (w.one) {  // one group: a sum in a register, not a store per row
            uint64_t total = 0;
            for (uint32_t i = 0; i < m; ++i) total += uint64_t(int64_t(v[sel[i]]));
            sum[gid[0]] += total;
          } else if (m == w.n) {  // every row selected: sel is the identity
            for (uint32_t i = 0; i < m; ++i) sum[gid[i]] += uint64_t(int64_t(v[i]));
          } else {
            for (uint32_t i = 0; i < m; ++i) sum[gid[i]] += uint64_t(int64_t(v[sel[i]]));
          }
        } else {
          Int128* sum = s.isum.data();
          for (uint32_t i = 0; i < m; ++i) sum[gid[i]] += v[sel[i]];
        }
        return;
      }
      for (uint32_t i = 0; i < m; ++i) {
        const uint32_t r = sel[i];
        if (!ok(r)) {
          s.count[gid[i]] += 1;  // a null (CountsRows)
        } else if constexpr (std::is_floating_point_v<T>) {
          s.fsum[gid[i]] += double(v[r]);
        } else {
          s.isum[gid[i]] += v[r];
        }
      }
      return;
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      const bool is_min = a.kind == AggregateKind::kMin;
      for (uint32_t i = 0; i < w.m; ++i) {
        const uint32_t r = sel[i];
        if (!ok(r)) continue;
        const uint32_t g = gid[i];
        if constexpr (std::is_floating_point_v<T>) {
          const double x = double(v[r]);
          if (std::isnan(x)) continue;
          if (s.count[g] == 0 || (is_min ? FloatBefore(x, s.fmm[g]) : FloatBefore(s.fmm[g], x))) s.fmm[g] = x;
        } else if constexpr (std::is_signed_v<T>) {
          const int64_t x = v[r];
          if (s.count[g] == 0 || (is_min ? x < s.imm[g] : x > s.imm[g])) s.imm[g] = x;
        } else {
          const uint64_t x = v[r];
          if (s.count[g] == 0 || (is_min ? x < s.umm[g] : x > s.umm[g])) s.umm[g] = x;
        }
        s.count[g] += 1;
      }
      return;
    }
    case AggregateKind::kApproxDistinct:
      for (uint32_t i = 0; i < w.m; ++i) {
        const uint32_t r = sel[i];
        if (ok(r)) s.hll[gid[i]]->Add(Mix64(KeyBits(v[r])));
      }
      return;
    case AggregateKind::kDistinct:
      if (a.bitmap) {
        uint64_t* bits = s.bitmap.data();
        for (uint32_t i = 0; i < w.m; ++i) {
          const uint32_t r = sel[i];
          if (!ok(r)) continue;
          const uint64_t off = uint64_t(int64_t(v[r]) - a.base);
          if (off < a.span) bits[off >> 6] |= uint64_t{1} << (off & 63);
        }
      } else {
        for (uint32_t i = 0; i < w.m; ++i) {
          const uint32_t r = sel[i];
          if (ok(r)) s.sets[gid[i]]->Insert(KeyBits(v[r]));
        }
      }
      return;
    case AggregateKind::kCount: return;
  }
}

void UpdateBytes(const AggPlan& a, AggState& s, const std::string_view* v, const uint8_t* valid, const Window& w) {
  auto ok = [&](uint32_t r) { return valid == nullptr || valid[r]; };
  for (uint32_t i = 0; i < w.m; ++i) {
    const uint32_t r = w.sel[i];
    if (!ok(r)) continue;
    const uint32_t g = w.gid[i];
    switch (a.kind) {
      case AggregateKind::kMin:
      case AggregateKind::kMax:
        if (s.count[g] == 0 || (a.kind == AggregateKind::kMin ? v[r] < s.smm[g] : v[r] > s.smm[g])) {
          s.smm[g].assign(v[r]);
        }
        s.count[g] += 1;
        break;
      case AggregateKind::kApproxDistinct: s.hll[g]->Add(HashBytes(v[r])); break;
      case AggregateKind::kDistinct: s.ssets[g]->emplace(v[r]); break;
      default: break;
    }
  }
}

// The sum of n <= 1024 integers in 128 bits, vectorizable: values split in
// halves that cannot overflow a lane over 1024 values (32-bit values in
// 16-bit halves summed in 32-bit lanes, which SSE2 adds without widening).
// Not inlined: inside the (large) window handler GCC left the loop scalar.
template <typename T>
[[gnu::noinline]] Int128 BlockSum(const T* __restrict v, uint32_t n) {
  if constexpr (sizeof(T) < 8) {
    using U = std::conditional_t<std::is_signed_v<T>, int32_t, uint32_t>;
    U hi = 0, lo = 0;  // |hi| <= 2^15 * 1024, lo < 2^16 * 1024
    for (uint32_t i = 0; i < n; ++i) {
      const U x = U(v[i]);
      hi += x >> 16;
      lo += x & 0xFFFF;
    }
    return Int128(int64_t(hi)) * 65536 + Int128(int64_t(lo));
  } else if constexpr (std::is_signed_v<T>) {
    int64_t hi = 0;
    uint64_t lo = 0;
    for (uint32_t i = 0; i < n; ++i) {
      hi += v[i] >> 32;
      lo += uint64_t(v[i]) & 0xFFFFFFFFu;
    }
    return (Int128(hi) << 32) + Int128(lo);
  } else {
    uint64_t hi = 0, lo = 0;
    for (uint32_t i = 0; i < n; ++i) {
      hi += v[i] >> 32;
      lo += v[i] & 0xFFFFFFFFu;
    }
    return (Int128(hi) << 32) + Int128(lo);
  }
}

// Float sum over a whole window in a fixed order (8 lanes, then the lanes
// in order): the same for any thread count.
template <typename T>
double BlockSumFloat(const T* v, uint32_t n) {
  double lane[8] = {};
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) lane[k] += double(v[i + k]);
  }
  for (; i < n; ++i) lane[i & 7] += double(v[i]);
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

// ---- the morsel runner ----

// The dictionary entries of a float column's current page, as doubles.
void EntriesAsDoubles(ColumnCursor& c, std::vector<double>* out) {
  const void* e = c.TargetEntries();
  const size_t d = c.dictionary().size;
  out->resize(d);
  for (size_t k = 0; k < d; ++k) {
    (*out)[k] = c.type().id == TypeId::kFloat32 ? double(static_cast<const float*>(e)[k])
                                                : static_cast<const double*>(e)[k];
  }
}

class MorselAggregator {
 public:
  MorselAggregator(const Query& q, const OpenPart& part, const Morsel& m, Partial* out)
      : q_(q), out_(out), exec_(q.plan, part, m, &out->counters) {
    key_tables_.resize(q.keys.size());
    bucket_cache_.resize(q.keys.size());
    if (q.keys.empty()) {
      out_->groups.FindOrInsert(nullptr, 0);
      out_->Grow(q);
      std::fill_n(gid_, kBlockSize, 0u);  // one group: never written again
    }
    PlanFused();
    count_only_ = q.keys.empty() && std::all_of(q.aggs.begin(), q.aggs.end(), [](const AggPlan& a) {
                    return a.kind == AggregateKind::kCount;
                  });
  }

  Status Run() {
    DP_RETURN_IF_ERROR(
        exec_.Run([&](uint64_t row, uint32_t n, const uint8_t* mask) { return OnWindow(row, n, mask); }));
    FoldFused();
    // Code counts belong to a page; the 64-bit sums stay until Merge or
    // ToTotal (Partial::Flush64): a worker's partial of a million groups
    // is not swept at every morsel.
    for (AggState& s : out_->aggs) s.FoldCodes();
    return Status::OK();
  }

 private:
  Status OnWindow(uint64_t, uint32_t n, const uint8_t* mask) {
    if (fused_.eligible) {
      DP_ASSIGN_OR_RETURN(bool done, FusedWindow(n, mask));
      if (done) return Status::OK();
    }
    if (count_only_) {  // count(*) alone, no keys: the number of rows is all it needs
      out_->rows[0] += exec_.window_selected();
      return Status::OK();
    }
    Window w;
    w.n = n;
    // All rows: the identity, not written out per window.
    const uint32_t m = mask == nullptr ? n : SelectRows(mask, n, sel_);
    w.m = m;
    w.sel = mask == nullptr ? kIdentityRows.rows : sel_;
    if (q_.keys.empty()) {
      w.one = true;  // gid_: all 0, from the constructor
    } else {
      DP_ASSIGN_OR_RETURN(w.one, ComputeGroups(n, m, w.sel));
    }
    w.all = w.one && mask == nullptr;
    w.gid = gid_;
    int64_t* __restrict rows = out_->rows.data();
    if (w.one) {
      rows[gid_[0]] += m;
    } else {
      for (uint32_t i = 0; i < m; ++i) rows[gid_[i]] += 1;
    }
    for (size_t a = 0; a < q_.aggs.size(); ++a) DP_RETURN_IF_ERROR(Update(q_.aggs[a], out_->aggs[a], w));
    return Status::OK();
  }

  // The bucket of every value of the block of c (a time key), where its
  // page proves the values never decrease and the first and last share a
  // bucket (buckets are intervals): no value is decoded.
  Result<std::optional<int64_t>> BlockBucket(ColumnCursor& c, const KeyPlan& kp, size_t k) {
    int64_t lo, hi;
    DP_ASSIGN_OR_RETURN(bool known, c.Bounds(&lo, &hi));
    if (!known) return std::nullopt;
    const DataType& type = q_.plan.schema.field(kp.field).type;
    const int64_t first = CachedBucket(lo, kp.bucket, type, &bucket_cache_[k]);
    if (CachedBucket(hi, kp.bucket, type, &bucket_cache_[k]) != first) return std::nullopt;
    return first;
  }

  // `sel`: the m selected rows of the window. True when they all fall in
  // one group (gid_[i] == gid_[0]) and the updates may take that for given.
  Result<bool> ComputeGroups(uint32_t n, uint32_t m, const uint32_t* sel) {
    const size_t nk = q_.keys.size();
    if (q_.direct_key) {
      // One dictionary-coded key without nulls: a per-page table from code
      // to group, so that each row costs one lookup.
      ColumnCursor& c = exec_.cursor(q_.keys[0].field);
      DP_ASSIGN_OR_RETURN(const uint8_t* valid, c.Validity(n));
      DP_ASSIGN_OR_RETURN(bool has_codes, c.HasCodes());
      if (valid == nullptr && has_codes) {
        KeyTable& t = key_tables_[0];
        const auto d = c.dictionary();
        if (t.group_serial != c.page_serial()) {
          t.groups.assign(d.size, 0);  // group + 1, made when a row first selects the entry
          t.group_serial = c.page_serial();
        }
        DP_ASSIGN_OR_RETURN(const uint32_t* codes, c.Codes());
        uint32_t* groups = t.groups.data();
        bool grew = false;
        for (uint32_t i = 0; i < m; ++i) {
          const uint32_t code = codes[sel[i]];
          if (groups[code] == 0) {
            const uint64_t id = out_->strings.Intern(d.strings[code]);
            groups[code] = out_->groups.FindOrInsert(&id, 0) + 1;
            grew = true;
          }
          gid_[i] = groups[code] - 1;
        }
        if (grew) out_->Grow(q_);
        return false;
      }
    }
    std::fill_n(nulls_, m, uint8_t{0});
    bool any_null = false;
    uint32_t constant = 0;  // keys with one word for all rows (bit k)
    for (size_t k = 0; k < nk; ++k) {
      const KeyPlan& kp = q_.keys[k];
      ColumnCursor& c = exec_.cursor(kp.field);
      DP_ASSIGN_OR_RETURN(const uint8_t* valid, c.Validity(n));
      uint64_t* words = words_[k];
      if (valid != nullptr) {
        any_null = true;
        for (uint32_t i = 0; i < m; ++i) nulls_[i] |= uint8_t((valid[sel[i]] ^ 1) << k);
      }
      std::optional<int64_t> bucket;
      if (kp.bucket != TimeBucket::kNone && valid == nullptr) {
        DP_ASSIGN_OR_RETURN(bucket, BlockBucket(c, kp, k));
      }
      if (bucket) {
        std::fill_n(words, m, uint64_t(*bucket));
        constant |= 1u << k;
      } else if (kp.domain == Domain::kBytes && kp.bucket == TimeBucket::kNone) {
        DP_ASSIGN_OR_RETURN(bool has_codes, c.HasCodes());
        if (has_codes) {
          KeyTable& t = key_tables_[k];
          if (t.serial != c.page_serial()) {
            const auto d = c.dictionary();
            t.ids.resize(d.size);
            for (uint32_t e = 0; e < d.size; ++e) t.ids[e] = out_->strings.Intern(d.strings[e]);
            t.serial = c.page_serial();
          }
          DP_ASSIGN_OR_RETURN(const uint32_t* codes, c.Codes());
          const uint32_t* ids = t.ids.data();
          for (uint32_t i = 0; i < m; ++i) words[i] = ids[codes[sel[i]]];
        } else {
          DP_ASSIGN_OR_RETURN(const std::string_view* s, c.Strings());
          for (uint32_t i = 0; i < m; ++i) words[i] = out_->strings.Intern(s[sel[i]]);
        }
      } else {
        DP_ASSIGN_OR_RETURN(const void* v, c.Values());
        VisitFixed(kp.pt, [&](auto tag) {
          using T = decltype(tag);
          const T* p = static_cast<const T*>(v);
          if (kp.bucket != TimeBucket::kNone) {
            if constexpr (std::is_integral_v<T>) {
              const DataType& type = q_.plan.schema.field(kp.field).type;
              for (uint32_t i = 0; i < m; ++i) {
                words[i] = uint64_t(CachedBucket(int64_t(p[sel[i]]), kp.bucket, type, &bucket_cache_[k]));
              }
            }
          } else {
            for (uint32_t i = 0; i < m; ++i) words[i] = KeyBits(p[sel[i]]);
          }
        });
      }
      for (uint32_t i = 0; i < m; ++i) {
        if (nulls_[i] & (1u << k)) words[i] = 0;
      }
    }
    Partial& p = *out_;
    if (!any_null && constant == (1u << nk) - 1) {  // one key row: one lookup
      uint64_t key[AggregateSpec::kMaxGroupColumns + 1];
      for (size_t k = 0; k < nk; ++k) key[k] = words_[k][0];
      const uint32_t g = p.groups.FindOrInsert(key, 0);
      std::fill_n(gid_, m, g);
      p.Grow(q_);
      return true;
    }
    if (q_.direct_key) {
      for (uint32_t i = 0; i < m; ++i) {
        uint32_t* slot;
        if (nulls_[i]) {
          slot = &p.null_group;
        } else {
          if (words_[0][i] >= p.direct.size()) p.direct.resize(p.strings.size(), 0);
          slot = &p.direct[words_[0][i]];
        }
        if (*slot == 0) {
          const uint64_t w0 = nulls_[i] ? 0 : words_[0][i];
          *slot = p.groups.FindOrInsert(&w0, nulls_[i]) + 1;
        }
        gid_[i] = *slot - 1;
      }
    } else {
      p.groups.FindOrInsertBatch(words_, nulls_, m, gid_);
    }
    p.Grow(q_);
    return false;
  }

  Status Update(const AggPlan& a, AggState& s, const Window& w) {
    if (a.kind == AggregateKind::kCount) return Status::OK();  // Partial::rows
    ColumnCursor& c = exec_.cursor(a.field);
    DP_ASSIGN_OR_RETURN(const uint8_t* valid, c.Validity(w.n));
    if (a.kind == AggregateKind::kCountValid && (valid == nullptr || a.domain == Domain::kBytes)) {
      // Counts nulls (CountsRows).
      if (valid != nullptr) {
        for (uint32_t i = 0; i < w.m; ++i) s.count[w.gid[i]] += valid[w.sel[i]] ^ 1;
      }
      return Status::OK();
    }
    if (a.domain == Domain::kBytes) {
      DP_ASSIGN_OR_RETURN(const std::string_view* v, c.Strings());
      UpdateBytes(a, s, v, valid, w);
      return Status::OK();
    }
    if (a.domain == Domain::kFloat && (a.kind == AggregateKind::kSum || a.kind == AggregateKind::kAvg) &&
        valid == nullptr) {
      DP_ASSIGN_OR_RETURN(bool done, UpdateFloatSumByCodes(c, s, w));
      if (done) return Status::OK();
    }
    if (w.all && valid == nullptr) {
      // Whole window, no nulls, one group (g): block kernels.
      const uint32_t g = w.gid[0];
      DP_ASSIGN_OR_RETURN(const format::PageDecoder::Runs* runs, c.Runs(w.n));
      if (runs != nullptr && UpdateRuns(a, s, *runs, w)) return Status::OK();
      if ((a.kind == AggregateKind::kSum || a.kind == AggregateKind::kAvg)) {
        if (a.domain != Domain::kFloat) {
          Int128 sum = 0;
          DP_ASSIGN_OR_RETURN(bool fused, c.ForBlockSum(w.n, &sum));
          if (!fused) {
            DP_ASSIGN_OR_RETURN(const void* v, c.Values());
            VisitFixed(a.pt, [&](auto tag) {
              using T = decltype(tag);
              if constexpr (std::is_integral_v<T>) sum = BlockSum(static_cast<const T*>(v), w.n);
            });
          }
          s.isum[g] += sum;
        } else {
          DP_ASSIGN_OR_RETURN(const void* v, c.Values());
          s.fsum[g] += a.pt == PhysicalType::kF32 ? BlockSumFloat(static_cast<const float*>(v), w.n)
                                                  : BlockSumFloat(static_cast<const double*>(v), w.n);
        }
        return Status::OK();
      }
    }
    DP_ASSIGN_OR_RETURN(const void* v, c.Values());
    const uint64_t bound = a.kind == AggregateKind::kSum || a.kind == AggregateKind::kAvg ? c.PageMagnitudeBound()
                                                                                          : UINT64_MAX;
    VisitFixed(a.pt, [&](auto tag) {
      using T = decltype(tag);
      UpdateNumeric<T>(a, s, static_cast<const T*>(v), valid, w, bound);
    });
    return Status::OK();
  }

  // The runs of a whole window of one group without nulls (w.all): an
  // integer sum adds value x length per run; min, max and the distinct
  // counts see each run's value once (a value seen again changes none of
  // them). False for what runs do not settle (float sums: their order of
  // additions is fixed by the rows, and count(col)).
  bool UpdateRuns(const AggPlan& a, AggState& s, const format::PageDecoder::Runs& runs, const Window& w) {
    const uint32_t g = w.gid[0];
    switch (a.kind) {
      case AggregateKind::kSum:
      case AggregateKind::kAvg:
        if (a.domain == Domain::kFloat) return false;
        VisitFixed(a.pt, [&](auto tag) {
          using T = decltype(tag);
          if constexpr (std::is_integral_v<T>) {
            const T* v = static_cast<const T*>(runs.values);
            Int128 sum = 0;
            for (uint32_t k = 0; k < runs.count; ++k) sum += Int128(v[k]) * runs.lengths[k];
            s.isum[g] += sum;
          }
        });
        return true;
      case AggregateKind::kMin:
      case AggregateKind::kMax:
      case AggregateKind::kDistinct:
      case AggregateKind::kApproxDistinct: {
        Window each = w;  // the run values as the rows of one group
        each.n = each.m = runs.count;
        each.sel = kIdentityRows.rows;
        VisitFixed(a.pt, [&](auto tag) {
          using T = decltype(tag);
          UpdateNumeric<T>(a, s, static_cast<const T*>(runs.values), nullptr, each, UINT64_MAX);
        });
        return true;
      }
      default: return false;
    }
  }

  // See AggState::code_counts. False: the page has no codes, or groups x
  // entries is too large to count.
  Result<bool> UpdateFloatSumByCodes(ColumnCursor& c, AggState& s, const Window& w) {
    DP_ASSIGN_OR_RETURN(bool has_codes, c.HasCodes());
    if (!has_codes) return false;
    const size_t d = c.dictionary().size;
    const size_t cells = s.count.size() * d;
    if (cells > AggState::kMaxCodeCounts) return false;
    if (s.code_serial != c.page_serial()) {
      s.FoldCodes();
      EntriesAsDoubles(c, &s.code_values);
      s.code_serial = c.page_serial();
      s.code_counts.assign(cells, 0);
    } else if (s.code_counts.size() < cells) {
      s.code_counts.resize(cells, 0);  // new groups
    }
    uint32_t* __restrict counts = s.code_counts.data();
    const uint32_t* __restrict gid = w.gid;
    const uint32_t dd = uint32_t(d), m = w.m;
    if (w.all) {  // one group, every row: a page of one dominant code costs its exceptions
      DP_ASSIGN_OR_RETURN(const format::PageDecoder::SparseCodes* sparse, c.Sparse(w.n));
      if (sparse != nullptr) {
        uint32_t* __restrict row = counts + size_t(gid[0]) * dd;
        row[sparse->dominant] += w.n - sparse->exceptions;
        for (uint32_t k = 0; k < sparse->exceptions; ++k) row[sparse->codes[k]] += 1;
        return true;
      }
    }
    DP_ASSIGN_OR_RETURN(const uint32_t* codes, c.Codes());
    if (m == w.n) {
      for (uint32_t i = 0; i < m; ++i) counts[gid[i] * dd + codes[i]] += 1;
    } else {
      for (uint32_t i = 0; i < m; ++i) counts[gid[i] * dd + codes[w.sel[i]]] += 1;
    }
    return true;
  }

  // ---- fused windows ----
  //
  // One dictionary-coded string key and nothing but count, count(col),
  // sum and avg over at most one integer column and one dictionary-coded
  // float column, none with nulls in the window: each row costs one
  // read-modify-write of a cell [key code][float code] that packs the row
  // count (low kCountBits bits) and the integer column's sum (the bits
  // above, two's complement, exact while |sum| < kSumRoom: see room). Cells are
  // folded into the groups when either page changes, before the room runs
  // out and at the end of the morsel; windows that do not qualify take the
  // general path, which adds into the same group states.
  static constexpr int kCountBits = 20;
  static constexpr uint64_t kCountMask = (uint64_t{1} << kCountBits) - 1;
  static constexpr uint64_t kSumRoom = uint64_t{1} << (63 - kCountBits);
  static constexpr uint64_t kMaxFusedCells = uint64_t{1} << 14;
  static constexpr uint32_t kNoGroup = UINT32_MAX;

  struct Fused {
    bool eligible = false;
    int int_field = -1, float_field = -1;
    PhysicalType int_pt = PhysicalType::kI64;
    std::vector<int> plain_fields;  // count(col) over other columns: checked for nulls only
    uint64_t key_serial = UINT64_MAX, float_serial = UINT64_MAX;
    uint32_t df = 1;                  // float codes per key code (1: no float column)
    std::vector<uint32_t> key_ids;    // key code -> interned string, of key_serial's page
    std::vector<uint32_t> key_groups; // key code -> group in the partial, kNoGroup until a fold makes it
    std::vector<uint64_t> key_rows;   // scratch of FoldFused, per key code: rows,
    std::vector<int64_t> key_sums;    // the integer column's sum
    std::vector<double> key_fsums;    // and the float column's
    std::vector<double> float_values; // float code -> value, of float_serial's page
    std::vector<uint64_t> cells;      // [key code * df + float code]
    std::vector<uint64_t> lanes;      // [lane * key codes + key code], see KeyRows
    uint32_t lane_code = 0;           // the float code the rows in lanes count as
    std::vector<uint32_t> moved;      // [MovedLanes(cells)][key code * df + float code]: rows in lanes of another code
    std::vector<double> next_floats;  // scratch: the float entries of a new page
    bool lanes_dirty = false;
    uint64_t rows = 0;                // added to the cells since the last fold
    uint64_t room = kSumRoom;         // for |integer sum| over the cells
    bool dirty = false;
  };

  void PlanFused() {
    Fused& f = fused_;
    if (!q_.direct_key) return;
    for (const AggPlan& a : q_.aggs) {
      if (a.kind == AggregateKind::kCount) continue;
      const bool sum = a.kind == AggregateKind::kSum || a.kind == AggregateKind::kAvg;
      if (!sum && a.kind != AggregateKind::kCountValid) return;
      int* slot = nullptr;
      if (sum && a.domain == Domain::kFloat) {
        slot = &f.float_field;
      } else if (sum && (a.domain == Domain::kSigned || a.domain == Domain::kUnsigned) &&
                 format::IsIntegerPhysical(a.pt)) {
        slot = &f.int_field;
      } else if (sum) {
        return;
      }
      if (slot == nullptr) {
        f.plain_fields.push_back(a.field);
      } else if (*slot < 0 || *slot == a.field) {
        *slot = a.field;
        if (slot == &f.int_field) f.int_pt = a.pt;
      } else {
        return;  // a second column of the kind
      }
    }
    f.eligible = true;
  }

  // Whether the window was taken (see Fused).
  Result<bool> FusedWindow(uint32_t n, const uint8_t* mask) {
    Fused& f = fused_;
    ColumnCursor& kc = exec_.cursor(q_.keys[0].field);
    DP_ASSIGN_OR_RETURN(const uint8_t* kvalid, kc.Validity(n));
    if (kvalid != nullptr) return false;
    DP_ASSIGN_OR_RETURN(bool key_codes, kc.HasCodes());
    if (!key_codes) return false;
    for (int field : f.plain_fields) {
      DP_ASSIGN_OR_RETURN(const uint8_t* valid, exec_.cursor(field).Validity(n));
      if (valid != nullptr) return false;
    }
    ColumnCursor* ic = f.int_field >= 0 ? &exec_.cursor(f.int_field) : nullptr;
    ColumnCursor* fc = f.float_field >= 0 ? &exec_.cursor(f.float_field) : nullptr;
    uint64_t bound = 0;
    if (ic != nullptr) {
      DP_ASSIGN_OR_RETURN(const uint8_t* valid, ic->Validity(n));
      bound = ic->PageMagnitudeBound();
      if (valid != nullptr || bound > kSumRoom / kBlockSize) return false;
    }
    uint32_t df = 1;
    if (fc != nullptr) {
      DP_ASSIGN_OR_RETURN(const uint8_t* valid, fc->Validity(n));
      if (valid != nullptr) return false;
      DP_ASSIGN_OR_RETURN(bool float_codes, fc->HasCodes());
      if (!float_codes) return false;
      df = fc->dictionary().size;
    }
    const uint32_t dk = kc.dictionary().size;
    if (uint64_t(dk) * df > kMaxFusedCells) return false;

    // A new page keeps the cells when its dictionary is the one before
    // (pages of one column chunk mostly share it): codes mean the same
    // entries, so nothing is folded, interned or cleared.
    bool same_key = kc.page_serial() == f.key_serial;
    if (!same_key) {
      same_key = SameKeys(kc.dictionary());
      f.key_serial = kc.page_serial();
    }
    bool same_float = fc == nullptr || fc->page_serial() == f.float_serial;
    if (!same_float) {
      EntriesAsDoubles(*fc, &f.next_floats);
      same_float = f.next_floats.size() == f.float_values.size() &&
                   std::memcmp(f.next_floats.data(), f.float_values.data(), f.next_floats.size() * 8) == 0;
      f.float_serial = fc->page_serial();
    }
    if (!same_key || !same_float) {
      FoldFused();  // the cells, lanes and moved counts are zero after it
      if (!same_key) {
        const auto d = kc.dictionary();
        f.key_ids.resize(dk);
        for (uint32_t e = 0; e < dk; ++e) f.key_ids[e] = out_->strings.Intern(d.strings[e]);
        f.key_groups.assign(dk, kNoGroup);
      }
      if (!same_float) f.float_values.swap(f.next_floats);
      if (f.cells.size() != size_t(dk) * df || f.df != df) {
        f.df = df;
        f.cells.assign(size_t(dk) * df, 0);
        f.lanes.assign(size_t(dk) * kLanes, 0);
        f.moved.assign(MovedLanes(f.cells.size()) * f.cells.size(), 0);
      }
    }
    const uint32_t m = mask == nullptr ? n : SelectRows(mask, n, sel_);
    if (f.rows + m > kCountMask || bound * m > f.room) FoldFused();
    f.rows += m;
    f.room -= bound * m;
    f.dirty = true;

    DP_ASSIGN_OR_RETURN(const uint32_t* kcodes, kc.Codes());
    // A float column of one dominant code: every row goes to its cell, and
    // the exceptions move one count each to theirs.
    const format::PageDecoder::SparseCodes* sparse = nullptr;
    const uint32_t* fcodes = nullptr;
    if (fc != nullptr && mask == nullptr) {
      DP_ASSIGN_OR_RETURN(sparse, fc->Sparse(n));
    }
    if (fc != nullptr && sparse == nullptr) {
      DP_ASSIGN_OR_RETURN(fcodes, fc->Codes());
    }
    const uint32_t* sel = m == n ? nullptr : sel_;
    const void* values = nullptr;
    // A whole for_bitpack block of a 64-bit column, without float codes:
    // its packed words are made in the unpacking pass (ForBlockShifted),
    // and the pass over the rows only adds them (an encoded kernel: off
    // with SetEncodedKernels(false), the decoded path its oracle).
    bool words = false;
    if (ic != nullptr && sel == nullptr && fcodes == nullptr && format::PhysicalWidth(f.int_pt) == 8 &&
        EncodedKernels()) {
      DP_ASSIGN_OR_RETURN(words, ic->ForBlockShifted(n, kCountBits, 1, packed_));
    }
    if (!words && ic != nullptr) {
      DP_ASSIGN_OR_RETURN(values, ic->Values());
    }
    uint64_t* cells = f.cells.data();
    // Rows go to cells[key code][float code], or, without float codes, to
    // lanes[row % kLanes][key code] (added to cells[key code][lane_code]).
    const uint32_t lane_code = sparse != nullptr ? sparse->dominant : 0;
    if (fcodes == nullptr) {
      if (f.lanes_dirty && f.lane_code != lane_code) FoldLanes();
      f.lane_code = lane_code;
      f.lanes_dirty = true;
    }
    auto run = [&](auto tag, auto sum) {
      using T = decltype(tag);
      const T* v = static_cast<const T*>(values);
      if (fcodes != nullptr) {
        FusedRows<T, sum()>(cells, kcodes, fcodes, df, v, sel, m);
      } else if (sel == nullptr) {
        KeyRows<T, sum(), false>(f.lanes.data(), dk, kcodes, v, sel, m);
      } else {
        KeyRows<T, sum(), true>(f.lanes.data(), dk, kcodes, v, sel, m);
      }
    };
    if (words) {  // the packed words hold count and value: the column's type plays no part
      KeyRows<uint64_t, true, false, true>(f.lanes.data(), dk, kcodes, packed_, nullptr, m);
    } else if (ic == nullptr) {
      run(uint8_t(), std::false_type());
    } else {
      VisitFixed(f.int_pt, [&](auto tag) {
        if constexpr (std::is_integral_v<decltype(tag)>) run(tag, std::true_type());
      });
    }
    if (sparse != nullptr) {
      // Counted as the dominant code by the pass over all rows; FoldLanes
      // moves them to their codes.
      auto move = MovedLanes(f.cells.size()) == 1 ? &MoveExceptions<1> : &MoveExceptions<kLanes>;
      move(f.moved.data(), size_t(dk) * df, kcodes, df, sparse->offsets, sparse->codes, sparse->exceptions);
    }
    return true;
  }

  // moved[k % kWays][key code * df + code] += 1 for each exception k:
  // cell numbers first (a pass without stores to the counts; one loop that
  // also counts ran 1.5x slower, 0.70 vs 0.47 TSC cycles a row at 1
  // exception in 5 over 2,600 cells), then the counts. Few cells (a few
  // hundred) take runs of one cell, each add waiting for the last one's
  // store (13% of the fused pass of a group-by on the AVX2 machine): there
  // the counts go to kLanes lanes of `stride` cells, as KeyRows does. Many
  // cells seldom repeat one: one lane, a quarter of the memory (2,500 cells
  // in 4 lanes took 40 KB, more than the L1).
  static uint32_t MovedLanes(size_t cells) { return cells >= 1024 ? 1 : kLanes; }
  template <uint32_t kWays>
  static void MoveExceptions(uint32_t* __restrict moved, size_t stride, const uint32_t* __restrict kcodes,
                             uint32_t df, const uint16_t* __restrict offsets, const uint32_t* __restrict codes,
                             uint32_t n) {
    alignas(64) uint32_t cell[kBlockSize];
    for (uint32_t k = 0; k < n; ++k) cell[k] = kcodes[offsets[k]] * df + codes[k];
    uint32_t k = 0;
    if constexpr (kWays == 4) {
      uint32_t* __restrict m1 = moved + stride;
      uint32_t* __restrict m2 = moved + 2 * stride;
      uint32_t* __restrict m3 = moved + 3 * stride;
      for (; k + 4 <= n; k += 4) {
        moved[cell[k]] += 1;
        m1[cell[k + 1]] += 1;
        m2[cell[k + 2]] += 1;
        m3[cell[k + 3]] += 1;
      }
    }
    for (; k < n; ++k) moved[cell[k]] += 1;
  }

  // Whether the dictionary's strings are, in order, those of key_ids.
  bool SameKeys(const format::PageDecoder::DictionaryView& d) const {
    const std::vector<uint32_t>& ids = fused_.key_ids;
    if (d.size != ids.size()) return false;
    for (uint32_t e = 0; e < d.size; ++e) {
      if (d.strings[e] != out_->strings.Get(ids[e])) return false;
    }
    return true;
  }

  // The packed count and value of row r (kSum false: the count only;
  // kWords: v holds the packed words already).
  template <typename T, bool kSum, bool kWords = false>
  static uint64_t Packed(const T* v, uint32_t r) {
    if constexpr (kWords) return v[r];
    if constexpr (kSum) return (uint64_t(int64_t(v[r])) << kCountBits) + 1;
    return 1;
  }

  // cells[key code * df + float code] += the row's packed count and value.
  template <typename T, bool kSum>
  static void FusedRows(uint64_t* __restrict cells, const uint32_t* __restrict kcodes,
                        const uint32_t* __restrict fcodes, uint32_t df, const T* __restrict v,
                        const uint32_t* __restrict sel, uint32_t m) {
    for (uint32_t i = 0; i < m; ++i) {
      const uint32_t r = sel == nullptr ? i : sel[i];
      cells[kcodes[r] * df + fcodes[r]] += Packed<T, kSum>(v, r);
    }
  }

  // lanes[(i % 4) * dk + key code] += the row's packed count and value:
  // rows close together seldom update the same word, which would make each
  // wait for the other's store.
  static constexpr uint32_t kLanes = 4;
  template <typename T, bool kSum, bool kSel, bool kWords = false>
  static void KeyRows(uint64_t* __restrict lanes, uint32_t dk, const uint32_t* __restrict kcodes,
                      const T* __restrict v, const uint32_t* __restrict sel, uint32_t m) {
    uint64_t* __restrict l0 = lanes;
    uint64_t* __restrict l1 = lanes + dk;
    uint64_t* __restrict l2 = lanes + 2 * size_t(dk);
    uint64_t* __restrict l3 = lanes + 3 * size_t(dk);
    auto at = [&](uint32_t i) { return kSel ? sel[i] : i; };
    uint32_t i = 0;
    for (; i + 4 <= m; i += 4) {
      const uint32_t r0 = at(i), r1 = at(i + 1), r2 = at(i + 2), r3 = at(i + 3);
      l0[kcodes[r0]] += Packed<T, kSum, kWords>(v, r0);
      l1[kcodes[r1]] += Packed<T, kSum, kWords>(v, r1);
      l2[kcodes[r2]] += Packed<T, kSum, kWords>(v, r2);
      l3[kcodes[r3]] += Packed<T, kSum, kWords>(v, r3);
    }
    for (; i < m; ++i) l0[kcodes[at(i)]] += Packed<T, kSum, kWords>(v, at(i));
  }

  // Adds the lanes into cells[key code][lane_code], and moves the counts
  // of the exceptions from there to their codes.
  void FoldLanes() {
    Fused& f = fused_;
    if (!f.lanes_dirty) return;
    const size_t dk = f.key_ids.size(), df = f.df;
    for (uint32_t l = 0; l < kLanes; ++l) {
      uint64_t* lane = f.lanes.data() + l * dk;
      for (size_t k = 0; k < dk; ++k) f.cells[k * df + f.lane_code] += lane[k];
      std::fill_n(lane, dk, 0);
    }
    const size_t stride = dk * df;
    for (size_t k = 0; k < dk; ++k) {
      uint64_t* __restrict c = f.cells.data() + k * df;
      uint64_t total = 0;
      for (uint32_t l = 0, lanes = MovedLanes(f.cells.size()); l < lanes; ++l) {
        uint32_t* __restrict moved = f.moved.data() + l * stride + k * df;
        for (size_t j = 0; j < df; ++j) {
          c[j] += moved[j];
          total += moved[j];
          moved[j] = 0;
        }
      }
      c[f.lane_code] -= total;
    }
    f.lanes_dirty = false;
  }

  // Adds the cells into the groups (key code order: the groups a morsel
  // makes do not depend on the thread count) and clears them.
  void FoldFused() {
    Fused& f = fused_;
    if (!f.dirty) return;
    FoldLanes();
    Partial& p = *out_;
    const uint32_t df = f.df;
    const size_t dk = f.key_ids.size();
    // One pass over the cells: per key code its rows, integer sum and
    // float sum, and the cells cleared. The groups of the key codes with
    // rows are made in key code order the first time (a fold per page
    // change and one at the end of the morsel look each up once), then
    // grown into together: one Grow per fold rather than one per new group
    // (a fold of 50 new groups spent more in the vectors' reallocations
    // than in the 2,550 cells).
    f.key_rows.resize(dk);
    f.key_sums.resize(dk);
    f.key_fsums.resize(dk);
    const double* __restrict values = f.float_values.data();
    for (size_t k = 0; k < dk; ++k) {
      uint64_t* __restrict c = f.cells.data() + k * df;
      uint64_t rows = 0;
      int64_t sum = 0;
      for (uint32_t j = 0; j < df; ++j) {
        rows += c[j] & kCountMask;
        sum += int64_t(c[j]) >> kCountBits;
      }
      // The float column's sum over the key: count x value per code, in 4
      // lanes (code % 4) added in a fixed order: one chain of dependent
      // adds would cost more than the products. Counts are < 2^20: the
      // 32-bit conversion is exact.
      double fsum = 0;
      if (f.float_field >= 0 && rows != 0) {
        double lane[4] = {0, 0, 0, 0};
        uint32_t j = 0;
        for (; j + 4 <= df; j += 4) {
          for (uint32_t l = 0; l < 4; ++l) {
            const auto count = int32_t(c[j + l] & kCountMask);
            // A zero count adds nothing, also for infinite or NaN entries.
            lane[l] += count != 0 ? double(count) * values[j + l] : 0.0;
          }
        }
        for (; j < df; ++j) {
          const auto count = int32_t(c[j] & kCountMask);
          lane[j % 4] += count != 0 ? double(count) * values[j] : 0.0;
        }
        fsum = (lane[0] + lane[1]) + (lane[2] + lane[3]);
      }
      std::fill_n(c, df, 0);
      f.key_rows[k] = rows;
      f.key_sums[k] = sum;
      f.key_fsums[k] = fsum;
      if (rows != 0 && f.key_groups[k] == kNoGroup) {
        const uint64_t id = f.key_ids[k];
        f.key_groups[k] = p.groups.FindOrInsert(&id, 0);
      }
    }
    if (p.groups.size() > p.rows.size()) p.Grow(q_);
    for (size_t k = 0; k < dk; ++k) {
      if (f.key_rows[k] == 0) continue;
      const uint32_t g = f.key_groups[k];
      p.rows[g] += int64_t(f.key_rows[k]);
      for (size_t a = 0; a < q_.aggs.size(); ++a) {
        const AggPlan& ap = q_.aggs[a];
        AggState& st = p.aggs[a];
        if (ap.kind != AggregateKind::kSum && ap.kind != AggregateKind::kAvg) continue;
        if (ap.field == f.int_field) {
          st.isum[g] += f.key_sums[k];
        } else {
          st.fsum[g] += f.key_fsums[k];
        }
      }
    }
    f.rows = 0;
    f.room = kSumRoom;
    f.dirty = false;
  }

  struct KeyTable {
    uint64_t serial = UINT64_MAX;
    std::vector<uint32_t> ids;  // code -> interned string
    uint64_t group_serial = UINT64_MAX;
    std::vector<uint32_t> groups;  // code -> group (direct_key fast path)
  };

  const Query& q_;
  Partial* out_;
  MorselExec exec_;
  std::vector<KeyTable> key_tables_;
  std::vector<BucketCache> bucket_cache_;
  Fused fused_;
  bool count_only_ = false;
  alignas(64) uint32_t sel_[kBlockSize];
  alignas(64) uint32_t gid_[kBlockSize];
  alignas(64) uint8_t nulls_[kBlockSize];
  alignas(64) uint64_t words_[AggregateSpec::kMaxGroupColumns + 1][kBlockSize];
  alignas(64) uint64_t packed_[kBlockSize];  // FusedWindow: the rows' packed words (ColumnCursor::ForBlockShifted)
};

// ---- merging ----

// `count`: src's count of group g in total form (Partial::Count).
void MergeState(const AggPlan& a, AggState& dst, uint32_t d, AggState& src, uint32_t g, int64_t count) {
  const bool had = dst.count[d] > 0;
  switch (a.kind) {
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      if (a.domain == Domain::kFloat) dst.fsum[d] += src.fsum[g];
      else dst.isum[d] += src.isum[g];
      break;
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      if (count == 0) break;
      const bool mn = a.kind == AggregateKind::kMin;
      if (a.domain == Domain::kSigned) {
        if (!had || (mn ? src.imm[g] < dst.imm[d] : src.imm[g] > dst.imm[d])) dst.imm[d] = src.imm[g];
      } else if (a.domain == Domain::kFloat) {
        if (!had || (mn ? FloatBefore(src.fmm[g], dst.fmm[d]) : FloatBefore(dst.fmm[d], src.fmm[g]))) {
          dst.fmm[d] = src.fmm[g];
        }
      } else if (a.domain == Domain::kBytes) {
        if (!had || (mn ? src.smm[g] < dst.smm[d] : src.smm[g] > dst.smm[d])) dst.smm[d] = std::move(src.smm[g]);
      } else {
        if (!had || (mn ? src.umm[g] < dst.umm[d] : src.umm[g] > dst.umm[d])) dst.umm[d] = src.umm[g];
      }
      break;
    }
    case AggregateKind::kApproxDistinct: dst.hll[d]->Merge(*src.hll[g]); break;
    case AggregateKind::kDistinct:
      if (a.bitmap) {
        for (size_t i = 0; i < dst.bitmap.size(); ++i) dst.bitmap[i] |= src.bitmap[i];
      } else if (a.domain == Domain::kBytes) {
        if (dst.ssets[d]->empty()) std::swap(dst.ssets[d], src.ssets[g]);
        else dst.ssets[d]->merge(*src.ssets[g]);
      } else if (dst.sets[d]->size() == 0) {
        std::swap(dst.sets[d], src.sets[g]);
      } else {
        src.sets[g]->ForEach([&](uint64_t k) { dst.sets[d]->Insert(k); });
      }
      break;
    default: break;
  }
  dst.count[d] += count;
}

// A total over ScanSpec::memory_budget is an error, not an allocation
// that may take the process down.
Status CheckBudget(const Query& q, const Partial& total) {
  uint64_t bytes = total.groups.bytes();
  for (const AggState& s : total.aggs) bytes += s.bytes();
  if (bytes > q.budget) {
    return Status::ResourceExhausted("aggregate: " + std::to_string(total.groups.size()) + " groups take about " +
                                     std::to_string(bytes) + " bytes, more than the memory budget of " +
                                     std::to_string(q.budget) + " (ScanSpec::memory_budget)");
  }
  return Status::OK();
}

// Whether a key column holds string ids of each partial's own pool.
bool HasStringKeys(const Query& q) {
  return std::any_of(q.keys.begin(), q.keys.end(), [](const KeyPlan& k) {
    return k.domain == Domain::kBytes && k.bucket == TimeBucket::kNone;
  });
}

Status Merge(const Query& q, Partial& dst, Partial& src) {
  src.Flush64();
  const size_t nk = q.keys.size();
  const auto groups = uint32_t(src.groups.size());
  std::vector<uint32_t> map(groups);
  dst.groups.Reserve(dst.groups.size() + groups);
  if (!HasStringKeys(q)) {
    // Key words carry over as they are: hash ahead, prefetch, insert.
    constexpr uint32_t kAhead = 8;
    std::vector<uint64_t> hashes(groups);
    for (uint32_t g = 0; g < groups; ++g) hashes[g] = dst.groups.RowHash(src.groups.key(g));
    for (uint32_t g = 0; g < std::min(groups, kAhead); ++g) dst.groups.Prefetch(hashes[g]);
    for (uint32_t g = 0; g < groups; ++g) {
      if (g + kAhead < groups) dst.groups.Prefetch(hashes[g + kAhead]);
      map[g] = dst.groups.FindOrInsertRow(src.groups.key(g), hashes[g]);
    }
  } else {
    // String keys are ids in each partial's pool: interned again, once
    // per string and partial (Partial::merged_ids).
    if (src.merged_into != &dst) {
      src.merged_into = &dst;
      src.merged_ids.clear();
    }
    if (src.merged_ids.size() < src.strings.size()) src.merged_ids.resize(src.strings.size(), Partial::kNoId);
    uint64_t key[AggregateSpec::kMaxGroupColumns + 1];
    for (uint32_t g = 0; g < groups; ++g) {
      const uint64_t* w = src.groups.key(g);
      const uint8_t nulls = src.groups.nulls(g);
      for (size_t k = 0; k < nk; ++k) {
        key[k] = w[k];
        if (q.keys[k].domain == Domain::kBytes && q.keys[k].bucket == TimeBucket::kNone && !(nulls & (1u << k))) {
          uint32_t& id = src.merged_ids[w[k]];
          if (id == Partial::kNoId) id = dst.strings.Intern(src.strings.Get(uint32_t(w[k])));
          key[k] = id;
        }
      }
      map[g] = dst.groups.FindOrInsert(key, nulls);
    }
  }
  dst.Grow(q);
  for (size_t a = 0; a < q.aggs.size(); ++a) {
    for (uint32_t g = 0; g < src.groups.size(); ++g) {
      MergeState(q.aggs[a], dst.aggs[a], map[g], src.aggs[a], g, src.Count(q, a, g));
    }
  }
  dst.counters.Add(src.counters);
  return CheckBudget(q, dst);
}

// Worker partials of a key with many groups: merged by Merge, one after the
// other into the largest, each of them inserts nearly every group again
// into a table far larger than the cache, on one thread. Here the groups of
// every partial are split by the top bits of their hash into partitions of
// about kPartitionGroups groups; one task per partition merges that
// partition's groups of all partials into a table of its own, which stays
// in the cache; and the partitions are laid out one after the other in
// `total`, whose states they then merge (disjoint groups: no locks).
constexpr size_t kPartitionGroups = 8192;
// Fewer groups than this in the largest partial: Merge is cheap enough.
constexpr size_t kPartitionedMergeGroups = 16384;

// Whether PartitionedMerge is likely faster than merging the partials into
// the largest (`base`) one by one. A cost model in units of one Merge
// insert of a new group (~35 ns on the 2-core bench VM): there, a Merge of
// a group the base already has costs ~3.7 units (its key and states are
// read from far memory), and PartitionedMerge ~3.1 units of work per group
// of every partial, spread over the workers. Which groups the base has is
// estimated from a sample of each partial's groups. With 2 workers,
// customer ids (partials that share ~90% of their groups) merge faster
// partitioned (70-110 vs 103-156 ms), order ids (disjoint) slower (147-249
// vs 39-83 ms); from a few workers on, the serial merges always lose.
std::atomic<MergeChoice> g_merge_choice{MergeChoice::kModel};

bool UsePartitionedMerge(const Query& q, const std::vector<Partial*>& parts, const Partial& base) {
  if (parts.size() < 2 || q.keys.empty() || HasStringKeys(q)) return false;
  const MergeChoice choice = g_merge_choice.load(std::memory_order_relaxed);
  if (choice != MergeChoice::kModel) return choice == MergeChoice::kPartitioned;
  if (base.groups.size() < kPartitionedMergeGroups) return false;
  constexpr uint32_t kSample = 256;
  double serial = 0, all = 0;
  for (const Partial* p : parts) {
    const size_t n = p->groups.size();
    all += double(n);
    if (p == &base || n == 0) continue;
    const uint32_t k = uint32_t(std::min<size_t>(n, kSample));
    uint32_t shared = 0;
    for (uint32_t i = 0; i < k; ++i) shared += base.groups.ContainsRow(p->groups.key(uint32_t(i * n / k)));
    serial += double(n) * (1.0 + 2.7 * shared / k);
  }
  return serial > 3.1 * all / double(parts.size());
}

Status PartitionedMerge(const Query& q, const std::vector<Partial*>& parts, int threads, Partial& total) {
  size_t largest = 0;
  for (const Partial* p : parts) largest = std::max(largest, p->groups.size());
  const int bits = std::clamp(int(std::bit_width(largest / kPartitionGroups)), 1, 12);
  const size_t np = size_t{1} << bits;
  // Each partial's groups are first moved into partition order (one
  // streaming pass per array, Partial::Permute), so that every later pass
  // reads them in sequence: groups start[p] .. start[p+1] are partition
  // p's, with their hashes, and their groups in the partition's table once
  // merged (local).
  struct Split {
    std::vector<uint32_t> start, local;
    std::vector<uint64_t> hash;
  };
  std::vector<Split> split(parts.size());
  DP_RETURN_IF_ERROR(ParallelFor(threads, parts.size(), "aggregate: partial", [&](size_t w, size_t) -> Status {
    Partial& part = *parts[w];
    part.Flush64();
    const auto n = uint32_t(part.groups.size());
    Split& s = split[w];
    std::vector<uint64_t> h(n);
    s.start.assign(np + 1, 0);
    for (uint32_t g = 0; g < n; ++g) {
      h[g] = part.groups.RowHash(part.groups.key(g));
      ++s.start[(h[g] >> (64 - bits)) + 1];
    }
    for (size_t p = 0; p < np; ++p) s.start[p + 1] += s.start[p];
    std::vector<uint32_t> at(s.start.begin(), s.start.end() - 1), dest(n);
    s.hash.resize(n);
    s.local.resize(n);
    for (uint32_t g = 0; g < n; ++g) {
      dest[g] = at[h[g] >> (64 - bits)]++;
      s.hash[dest[g]] = h[g];
    }
    part.Permute(dest.data());
    return Status::OK();
  }));
  std::vector<std::unique_ptr<GroupTable>> tables(np);
  DP_RETURN_IF_ERROR(ParallelFor(threads, np, "aggregate: partition", [&](size_t p, size_t) -> Status {
    size_t most = 0;
    for (const Split& s : split) most = std::max<size_t>(most, s.start[p + 1] - s.start[p]);
    auto t = std::make_unique<GroupTable>(int(q.keys.size()));
    t->Reserve(most);
    for (size_t w = 0; w < parts.size(); ++w) {
      Split& s = split[w];
      const GroupTable& from = parts[w]->groups;
      for (uint32_t i = s.start[p]; i < s.start[p + 1]; ++i) s.local[i] = t->FindOrInsertRow(from.key(i), s.hash[i]);
    }
    tables[p] = std::move(t);
    return Status::OK();
  }));
  std::vector<size_t> offset(np + 1, 0);
  for (size_t p = 0; p < np; ++p) offset[p + 1] = offset[p] + tables[p]->size();
  const size_t row = total.groups.row_words();
  uint64_t* rows = total.groups.AssignRows(offset[np]);
  total.Grow(q);
  DP_RETURN_IF_ERROR(CheckBudget(q, total));
  DP_RETURN_IF_ERROR(ParallelFor(threads, np, "aggregate: partition", [&](size_t p, size_t) -> Status {
    std::unique_ptr<GroupTable> t = std::move(tables[p]);
    if (t->size() > 0) std::copy_n(t->key(0), t->size() * row, rows + offset[p] * row);
    for (size_t w = 0; w < parts.size(); ++w) {
      const Split& s = split[w];
      Partial& part = *parts[w];
      for (uint32_t g = s.start[p]; g < s.start[p + 1]; ++g) {
        const auto d = uint32_t(offset[p] + s.local[g]);
        for (size_t a = 0; a < q.aggs.size(); ++a) {
          MergeState(q.aggs[a], total.aggs[a], d, part.aggs[a], g, part.Count(q, a, g));
        }
      }
    }
    return Status::OK();
  }));
  for (const Partial* p : parts) total.counters.Add(p->counters);
  return Status::OK();
}

// ---- results ----

Value KeyValue(const KeyPlan& k, const Partial& p, uint32_t g, size_t index) {
  if (p.groups.nulls(g) & (1u << index)) return Value::Null();
  const uint64_t w = p.groups.key(g)[index];
  if (k.bucket != TimeBucket::kNone) return Value::Int(int64_t(w));
  switch (k.domain) {
    case Domain::kSigned: return Value::Int(int64_t(w));
    case Domain::kUnsigned: return Value::UInt(w);
    case Domain::kBool: return Value::Bool(w != 0);
    case Domain::kFloat: return Value::Double(std::bit_cast<double>(w));
    case Domain::kBytes: return Value::Bytes(p.strings.Get(uint32_t(w)));
  }
  return Value::Null();
}

std::string Int128Text(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  UInt128 u = neg ? -(UInt128)v : (UInt128)v;
  std::string s;
  while (u > 0) {
    s.insert(s.begin(), char('0' + int(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

Result<Value> AggValue(const AggPlan& a, AggState& s, uint32_t g) {
  const int64_t n = s.count[g];
  switch (a.kind) {
    case AggregateKind::kCount:
    case AggregateKind::kCountValid: return Value::Int(n);
    case AggregateKind::kSum:
      if (n == 0) return Value::Null();
      if (a.domain == Domain::kFloat) return Value::Double(s.fsum[g]);
      if (a.domain == Domain::kUnsigned) {
        if (s.isum[g] > Int128(std::numeric_limits<uint64_t>::max())) {
          return Status::OutOfRange("aggregate " + a.name + ": the exact sum " + Int128Text(s.isum[g]) +
                                    " does not fit uint64");
        }
        return Value::UInt(uint64_t(s.isum[g]));
      }
      if (s.isum[g] > std::numeric_limits<int64_t>::max() || s.isum[g] < std::numeric_limits<int64_t>::min()) {
        return Status::OutOfRange("aggregate " + a.name + ": the exact sum " + Int128Text(s.isum[g]) +
                                  " does not fit int64");
      }
      return Value::Int(int64_t(s.isum[g]));
    case AggregateKind::kAvg:
      if (n == 0) return Value::Null();
      if (a.domain == Domain::kFloat) return Value::Double(s.fsum[g] / double(n));
      return Value::Double(double((long double)s.isum[g] / (long double)n));
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (n == 0) return Value::Null();
      switch (a.domain) {
        case Domain::kSigned: return Value::Int(s.imm[g]);
        case Domain::kUnsigned: return Value::UInt(s.umm[g]);
        case Domain::kBool: return Value::Bool(s.umm[g] != 0);
        case Domain::kFloat: return std::isnan(s.fmm[g]) ? Value::Null() : Value::Double(s.fmm[g]);
        case Domain::kBytes: return Value::Bytes(s.smm[g]);
      }
      return Value::Null();
    case AggregateKind::kApproxDistinct: return Value::Int(int64_t(s.hll[g]->Estimate()));
    case AggregateKind::kDistinct: {
      if (a.bitmap) {
        int64_t c = 0;
        for (uint64_t w : s.bitmap) c += std::popcount(w);
        return Value::Int(c);
      }
      return Value::Int(int64_t(a.domain == Domain::kBytes ? s.ssets[g]->size() : s.sets[g]->size()));
    }
  }
  return Value::Null();
}

// ---- planning ----

Result<Query> MakeQuery(const ScanSource& source, const ScanSpec& spec, const AggregateSpec& agg) {
  Query q;
  if (spec.limit) return Status::InvalidArgument("aggregate: ScanSpec::limit applies to Scanner only");
  if (agg.group_by.size() > AggregateSpec::kMaxGroupColumns) {
    return Status::InvalidArgument("aggregate: " + std::to_string(agg.group_by.size()) +
                                   " group-by columns, at most " +
                                   std::to_string(AggregateSpec::kMaxGroupColumns) + " allowed");
  }
  if (agg.aggregates.empty()) return Status::InvalidArgument("aggregate: no aggregates requested");
  DP_ASSIGN_OR_RETURN(q.plan, MakePlan(source.schema(), spec, {}));
  if (spec.memory_budget > 0) q.budget = spec.memory_budget;
  const Schema& schema = source.schema();
  for (const std::string& name : agg.group_by) {
    DP_ASSIGN_OR_RETURN(int f, ResolveField(schema, name, "group-by"));
    KeyPlan k;
    k.field = f;
    k.type = schema.field(f).type;
    k.domain = DomainOf(k.type);
    k.pt = format::PhysicalTypeOf(k.type.id);
    k.name = name;
    q.keys.push_back(k);
  }
  if (agg.bucket != TimeBucket::kNone) {
    std::string col = agg.bucket_column;
    if (col.empty() && spec.time_range) col = spec.time_range->column;
    if (col.empty()) {
      return Status::InvalidArgument("aggregate: a time bucket needs bucket_column or a time range column");
    }
    DP_ASSIGN_OR_RETURN(int f, ResolveField(schema, col, "time bucket"));
    const DataType& t = schema.field(f).type;
    if (t.id != TypeId::kTimestamp && t.id != TypeId::kDate32) {
      return Status::InvalidArgument("aggregate: time bucket column '" + col + "' is " + t.ToString() +
                                     ", not a timestamp or date32");
    }
    if (t.id == TypeId::kDate32 && (agg.bucket == TimeBucket::kMinute || agg.bucket == TimeBucket::kHour)) {
      return Status::InvalidArgument("aggregate: column '" + col + "' is a date32; buckets of a " +
                                     std::string(TimeBucketName(agg.bucket)) + " need a timestamp");
    }
    KeyPlan k;
    k.field = f;
    k.bucket = agg.bucket;
    k.type = t;
    k.domain = Domain::kSigned;
    k.pt = format::PhysicalTypeOf(t.id);
    k.name = col + ":" + std::string(TimeBucketName(agg.bucket));
    q.keys.push_back(k);
  }
  for (const Aggregate& a : agg.aggregates) {
    AggPlan p;
    p.kind = a.kind;
    const std::string kind_name(AggregateKindName(a.kind));
    if (a.kind == AggregateKind::kCount) {
      p.out_type = DataType::Int64();
      p.name = a.name.empty() ? "count" : a.name;
      q.aggs.push_back(p);
      continue;
    }
    DP_ASSIGN_OR_RETURN(p.field, ResolveField(schema, a.column, "aggregate " + kind_name));
    const DataType& t = schema.field(p.field).type;
    p.domain = DomainOf(t);
    p.pt = format::PhysicalTypeOf(t.id);
    p.name = a.name.empty() ? kind_name + "(" + a.column + ")" : a.name;
    switch (a.kind) {
      case AggregateKind::kSum:
      case AggregateKind::kAvg:
        if (p.domain == Domain::kBytes || t.id == TypeId::kTimestamp || t.id == TypeId::kDate32) {
          return Status::InvalidArgument("aggregate " + p.name + ": cannot " + kind_name + " column '" + a.column +
                                         "' of type " + t.ToString());
        }
        p.out_type = a.kind == AggregateKind::kAvg || p.domain == Domain::kFloat ? DataType::Float64()
                     : p.domain == Domain::kUnsigned                           ? DataType::UInt64()
                                                                                : DataType::Int64();
        break;
      case AggregateKind::kMin:
      case AggregateKind::kMax: p.out_type = t; break;
      default: p.out_type = DataType::Int64(); break;
    }
    q.aggs.push_back(p);
  }
  for (const KeyPlan& k : q.keys) AddNeeded(&q.plan, k.field);
  for (const AggPlan& a : q.aggs) {
    if (a.field >= 0) AddNeeded(&q.plan, a.field);
  }
  q.direct_key = q.keys.size() == 1 && q.keys[0].domain == Domain::kBytes && q.keys[0].bucket == TimeBucket::kNone;
  return q;
}

// Exact distinct of an integer column without keys over a small value
// range (from the column statistics): a bitmap instead of a hash set.
void ChooseBitmaps(Query* q, const Source& src) {
  if (!q->keys.empty()) return;
  for (AggPlan& a : q->aggs) {
    if (a.kind != AggregateKind::kDistinct || (a.domain != Domain::kSigned && a.domain != Domain::kUnsigned)) continue;
    std::optional<Int128> lo, hi;
    bool known = true;
    for (const OpenPart& p : src.parts) {
      const Binding& b = p.bindings[a.field];
      if (b.column < 0) continue;
      const Segment::Rep& rep = p.segment->rep();
      for (int g = 0; g < int(rep.row_groups.size()) && known; ++g) {
        auto ch = rep.Chunk(b.column, g);
        if (!ch.ok()) {
          known = false;
          break;
        }
        const ColumnStats s = rep.ToColumnStats(b.column, rep.ChunkStats(b.column, *ch));
        if (s.null_count == s.num_values) continue;
        if (!s.min || !s.max) {
          known = false;
          break;
        }
        const Int128 mn = s.min->is_int() ? Int128(s.min->as_int()) : Int128(s.min->as_uint());
        const Int128 mx = s.max->is_int() ? Int128(s.max->as_int()) : Int128(s.max->as_uint());
        lo = lo ? std::min(*lo, mn) : mn;
        hi = hi ? std::max(*hi, mx) : mx;
      }
    }
    if (!known || !lo || *hi - *lo >= Int128(kMaxBitmapSpan)) continue;
    if (a.domain == Domain::kUnsigned && *lo > std::numeric_limits<int64_t>::max()) continue;
    a.bitmap = true;
    a.base = int64_t(*lo);
    a.span = uint64_t(*hi - *lo + 1);
  }
}

}  // namespace

void SetMergeChoice(MergeChoice c) { g_merge_choice.store(c, std::memory_order_relaxed); }

int64_t BucketStart(int64_t v, TimeBucket b, const DataType& type) {
  const bool date = type.id == TypeId::kDate32;
  const int64_t ups = date ? 0 : UnitsPerSecond(type);
  const int64_t day_units = date ? 1 : 86400 * ups;
  switch (b) {
    case TimeBucket::kNone: return v;
    case TimeBucket::kMinute: return Saturate(Int128(FloorDiv(v, 60 * ups)) * (60 * ups));
    case TimeBucket::kHour: return Saturate(Int128(FloorDiv(v, 3600 * ups)) * (3600 * ups));
    case TimeBucket::kDay: return Saturate(Int128(FloorDiv(v, day_units)) * day_units);
    case TimeBucket::kWeek: {
      const int64_t d = FloorDiv(v, day_units);
      const int64_t monday = d - (((d + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
      return Saturate(Int128(monday) * day_units);
    }
    case TimeBucket::kMonth: {
      int64_t y;
      unsigned m;
      CivilFromDays(FloorDiv(v, day_units), &y, &m);
      return Saturate(Int128(DaysFromCivil(y, m, 1)) * day_units);
    }
  }
  return v;
}

namespace {

// Sorts pairs by key, ties in their order (the order std::sort gives
// pairs with distinct keys): least significant byte first, skipping the
// bytes every key shares. A million customer ids sort in 3 passes of
// counting and scattering instead of ~20 levels of comparisons.
void SortPairsByKey(std::vector<std::pair<uint64_t, uint32_t>>& v) {
  const size_t n = v.size();
  if (n < 1024) {
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return;
  }
  std::vector<std::array<uint32_t, 256>> hist(8);  // n < 2^32: one pair per group
  for (const auto& pr : v) {
    for (int d = 0; d < 8; ++d) ++hist[size_t(d)][(pr.first >> (8 * d)) & 0xff];
  }
  std::vector<std::pair<uint64_t, uint32_t>> tmp(n);
  auto* from = &v;
  auto* to = &tmp;
  for (int d = 0; d < 8; ++d) {
    std::array<uint32_t, 256>& h = hist[size_t(d)];
    if (h[(v[0].first >> (8 * d)) & 0xff] == n) continue;  // all keys share this byte
    uint32_t sum = 0;
    for (uint32_t& c : h) {
      const uint32_t x = c;
      c = sum;
      sum += x;
    }
    for (const auto& pr : *from) (*to)[h[(pr.first >> (8 * d)) & 0xff]++] = pr;
    std::swap(from, to);
  }
  if (from != &v) v.swap(tmp);
}

// Group ids in result order: by the keys, nulls first, then ascending in the
// key's domain (floats with NaN last, strings bytewise). Sorting ids on the
// raw key words, not rows of Values, keeps a million groups cheap.
std::vector<uint32_t> SortedGroups(const Query& q, const Partial& p) {
  std::vector<uint32_t> order(p.groups.size());
  for (uint32_t g = 0; g < order.size(); ++g) order[g] = g;
  if (q.keys.empty()) return order;
  const KeyPlan& k0 = q.keys[0];
  if (q.keys.size() == 1 && k0.domain != Domain::kFloat && k0.domain != Domain::kBytes) {
    // One integer key (many groups, typically): sort (key, group) pairs in
    // place rather than group ids through the table. Nulls first.
    const bool is_signed = k0.bucket != TimeBucket::kNone || k0.domain == Domain::kSigned;
    std::vector<std::pair<uint64_t, uint32_t>> pairs;
    pairs.reserve(order.size());
    size_t nulls = 0;
    for (uint32_t g = 0; g < order.size(); ++g) {
      if (p.groups.nulls(g) & 1u) {
        order[nulls++] = g;
      } else {
        const uint64_t w = p.groups.key(g)[0];
        pairs.emplace_back(is_signed ? w ^ (uint64_t{1} << 63) : w, g);  // signed order as unsigned
      }
    }
    SortPairsByKey(pairs);
    for (size_t i = 0; i < pairs.size(); ++i) order[nulls + i] = pairs[i].second;
    return order;
  }
  auto compare = [&](size_t k, uint32_t a, uint32_t b) -> int {
    const unsigned bit = 1u << k;
    const bool na = (p.groups.nulls(a) & bit) != 0;
    const bool nb = (p.groups.nulls(b) & bit) != 0;
    if (na != nb) return na ? -1 : 1;
    if (na) return 0;
    const uint64_t wa = p.groups.key(a)[k], wb = p.groups.key(b)[k];
    const KeyPlan& kp = q.keys[k];
    if (kp.bucket != TimeBucket::kNone || kp.domain == Domain::kSigned) {
      return int64_t(wa) < int64_t(wb) ? -1 : int64_t(wa) > int64_t(wb);
    }
    switch (kp.domain) {
      case Domain::kFloat: {
        const double x = std::bit_cast<double>(wa), y = std::bit_cast<double>(wb);
        if (std::isnan(x) != std::isnan(y)) return std::isnan(x) ? 1 : -1;  // NaN last
        if (std::isnan(x) || x == y) return 0;
        return x < y ? -1 : 1;
      }
      case Domain::kBytes: {
        const int c = std::string_view(p.strings.Get(uint32_t(wa))).compare(p.strings.Get(uint32_t(wb)));
        return c < 0 ? -1 : c > 0;
      }
      default: return wa < wb ? -1 : wa > wb;  // unsigned, bool
    }
  };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < q.keys.size(); ++k) {
      if (const int c = compare(k, a, b)) return c < 0;
    }
    return false;
  });
  return order;
}

// Result rows come in key order, so they read the group arrays at random:
// the rows a few ahead are prefetched, to overlap the misses.
void PrefetchGroup(const Query& q, const Partial& p, uint32_t g) {
  if (!q.keys.empty()) Prefetch(p.groups.key(g));
  auto at = [g](const auto& v) {
    if (g < v.size()) Prefetch(v.data() + g);
  };
  for (const AggState& s : p.aggs) s.ForEachGroupArray(at);
}

// The result table of a finished aggregation.
Result<AggregateResult> Finish(const Query& q, const Source& src, Partial& total, int threads) {
  AggregateResult out;
  for (const KeyPlan& k : q.keys) {
    out.names.push_back(k.name);
    out.types.push_back(k.type);
  }
  for (const AggPlan& a : q.aggs) {
    out.names.push_back(a.name);
    out.types.push_back(a.out_type);
  }
  out.num_keys = q.keys.size();
  // Rows are made in chunks, in parallel at high cardinality (a row is a
  // heap vector of Values: a million of them take as long as a fifth of
  // the scan). The error of the lowest chunk wins, whatever the threads.
  const std::vector<uint32_t> order = SortedGroups(q, total);
  out.rows.resize(order.size());
  constexpr size_t kChunk = 16384;
  const size_t chunks = (order.size() + kChunk - 1) / kChunk;
  std::vector<Status> errors(chunks);
  DP_RETURN_IF_ERROR(ParallelFor(threads, chunks, "aggregate: result rows, chunk", [&](size_t c, size_t) -> Status {
    const size_t end = std::min(order.size(), (c + 1) * kChunk);
    constexpr size_t kAhead = 8;
    for (size_t i = c * kChunk; i < std::min(end, c * kChunk + kAhead); ++i) PrefetchGroup(q, total, order[i]);
    for (size_t i = c * kChunk; i < end; ++i) {
      if (i + kAhead < end) PrefetchGroup(q, total, order[i + kAhead]);
      const uint32_t g = order[i];
      std::vector<Value>& row = out.rows[i];
      row.reserve(out.names.size());
      for (size_t k = 0; k < q.keys.size(); ++k) row.push_back(KeyValue(q.keys[k], total, g, k));
      for (size_t a = 0; a < q.aggs.size(); ++a) {
        Result<Value> v = AggValue(q.aggs[a], total.aggs[a], g);
        if (!v.ok()) {
          errors[c] = v.status();
          return Status::OK();
        }
        row.push_back(std::move(v).value());
      }
    }
    return Status::OK();
  }));
  for (Status& e : errors) DP_RETURN_IF_ERROR(e);
  out.stats = src.stats;
  out.stats.pages_read = total.counters.pages_read;
  out.stats.bytes_read = total.counters.bytes_read;
  out.stats.rows_scanned = total.counters.rows_scanned;
  out.stats.rows_matched = total.counters.rows_matched;
  return out;
}

}  // namespace

Result<AggregateResult> RunAggregate(const ScanSource& source, const ScanSpec& spec, const AggregateSpec& agg) {
  DP_ASSIGN_OR_RETURN(Query q, MakeQuery(source, spec, agg));
  DP_ASSIGN_OR_RETURN(Source src, OpenSource(source, q.plan, spec.skip_corrupt_parts));
  ChooseBitmaps(&q, src);

  Partial total(q);
  if (q.keys.empty()) {
    total.groups.FindOrInsert(nullptr, 0);
    total.Grow(q);
  }
  const size_t n = src.morsels.size();
  // Float sums are the only aggregates whose result depends on the order of
  // additions. Without them, each worker thread accumulates all its morsels
  // into one partial and the few thread partials are merged at the end:
  // far fewer table builds and merges for high-cardinality keys.
  const bool order_free = std::none_of(q.aggs.begin(), q.aggs.end(), [](const AggPlan& a) {
    return a.domain == Domain::kFloat && (a.kind == AggregateKind::kSum || a.kind == AggregateKind::kAvg);
  });
  if (order_free) {
    std::vector<std::unique_ptr<Partial>> local(ParallelWorkers(spec.threads, n));
    DP_RETURN_IF_ERROR(ParallelFor(spec.threads, n, "scan: morsel", [&](size_t i, size_t worker) -> Status {
      std::unique_ptr<Partial>& part = local[worker];
      if (!part) part = std::make_unique<Partial>(q, true);
      const Morsel& m = src.morsels[i];
      MorselAggregator run(q, src.parts[m.part], m, part.get());
      return run.Run();
    }));
    // The worker partial with the most groups becomes the total and the
    // others merge into it: at 1M groups, inserting all of one partial's
    // groups into an empty total cost as much as building them. Or, for
    // many groups, all merge into a new total, partition by partition.
    std::vector<Partial*> parts;
    Partial* base = nullptr;
    for (std::unique_ptr<Partial>& part : local) {
      if (!part) continue;
      parts.push_back(part.get());
      if (base == nullptr || part->groups.size() > base->groups.size()) base = part.get();
    }
    if (base == nullptr) return Finish(q, src, total, spec.threads);  // no morsel
    if (UsePartitionedMerge(q, parts, *base)) {
      DP_RETURN_IF_ERROR(PartitionedMerge(q, parts, spec.threads, total));
      local.clear();
      return Finish(q, src, total, spec.threads);
    }
    base->ToTotal(q);
    DP_RETURN_IF_ERROR(CheckBudget(q, *base));
    for (std::unique_ptr<Partial>& part : local) {
      if (part && part.get() != base) DP_RETURN_IF_ERROR(Merge(q, *base, *part));
    }
    return Finish(q, src, *base, spec.threads);
  }
  // Otherwise partials are per morsel, merged in morsel order as they become
  // ready: the same additions in the same order for any thread count.
  // Merged partials are kept in `spare` for later morsels (Partial::Reset).
  // One worker at a time merges (merge_mu); a worker that finds another
  // merging leaves its partial to it and goes on to its next morsel.
  std::vector<std::unique_ptr<Partial>> ready(n), spare;
  std::mutex mu;        // ready, spare, next
  std::mutex merge_mu;  // total
  size_t next = 0;      // morsels before it are merged
  auto take_next = [&]() -> std::unique_ptr<Partial> {
    std::lock_guard<std::mutex> lock(mu);
    return next < n ? std::move(ready[next]) : nullptr;
  };
  auto merged = [&](std::unique_ptr<Partial> part) {
    std::lock_guard<std::mutex> lock(mu);
    spare.push_back(std::move(part));
    ++next;
  };
  // Merges the ready partials that continue the merged ones.
  auto merge_run = [&]() -> Status {
    while (std::unique_ptr<Partial> part = take_next()) {
      DP_RETURN_IF_ERROR(Merge(q, total, *part));
      merged(std::move(part));
    }
    return Status::OK();
  };
  auto merge_ready = [&]() -> Status {
    for (;;) {
      std::unique_lock<std::mutex> merging(merge_mu, std::try_to_lock);
      if (!merging.owns_lock()) return Status::OK();
      DP_RETURN_IF_ERROR(merge_run());
      merging.unlock();
      // A partial that came while this worker merged was left to it.
      std::lock_guard<std::mutex> lock(mu);
      if (next >= n || !ready[next]) return Status::OK();
    }
  };
  Status st = ParallelFor(spec.threads, n, "scan: morsel", [&](size_t i, size_t) -> Status {
    std::unique_ptr<Partial> part;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!spare.empty()) {
        part = std::move(spare.back());
        spare.pop_back();
      }
    }
    if (part) {
      part->Reset(q);
    } else {
      part = std::make_unique<Partial>(q, true);
    }
    const Morsel& m = src.morsels[i];
    MorselAggregator run(q, src.parts[m.part], m, part.get());
    DP_RETURN_IF_ERROR(run.Run());
    {
      std::lock_guard<std::mutex> lock(mu);
      ready[i] = std::move(part);
    }
    return merge_ready();
  });
  DP_RETURN_IF_ERROR(st);
  // Every worker has returned; what a failed try_lock left is merged here.
  DP_RETURN_IF_ERROR(merge_run());
  if (next != n) {
    return Status::Internal("aggregate: morsel " + std::to_string(next) + " of " + std::to_string(n) +
                            " has no partial to merge");
  }
  return Finish(q, src, total, spec.threads);
}


}  // namespace dp::internal::scan
