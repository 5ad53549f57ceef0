#include "storage/scan/exec.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>
#endif

#include "format/bitpack_internal.h"  // UseAvx2Kernels
#include "format/exceptions.h"
#include "format/sanitizers.h"
#include "storage/scan/huge_pages.h"

// oneTBB is not built with ThreadSanitizer, which cannot see the handoff of
// a task to a TBB worker and would report it as a race. Under TSan,
// ParallelFor runs its workers on threads of its own instead, with the same
// handout of indexes, so that TSan checks what its callers share (DP_TSAN).

namespace dp::internal::scan {

using format::kBlockSize;
using format::PhysicalType;

namespace {

// The zone of a column chunk or page of a bound field (missing: all null).
Zone ChunkZone(const Segment::Rep& rep, const Binding& b, int rg) {
  Zone z;
  if (b.column < 0) {
    z.known = true;
    z.num_values = z.null_count = rep.row_groups[rg].num_rows;
    return z;
  }
  auto ch = rep.Chunk(b.column, rg);
  if (!ch.ok()) return z;  // unknown: the read reports the error
  return ZoneOf(rep.ToColumnStats(b.column, rep.ChunkStats(b.column, *ch)));
}

template <typename T, typename Test>
void TestLoop(const T* v, uint32_t n, bool negate, uint8_t* out, Test test) {
  const uint8_t x = negate;
  for (uint32_t i = 0; i < n; ++i) out[i] = uint8_t(test(v[i])) ^ x;
}

// Range tests [l, h]: the baseline x86-64 target has no 64-bit vector
// compare, so this loop runs scalar there for 64-bit values; an AVX2 copy
// of it vectorizes (measured: 12% of a day-bucketed quarter query was this
// loop), and takes twice the values per instruction for narrower ones.
// The portable loop is the oracle (the scan property tests run both where
// the CPU has AVX2: DP_PORTABLE_KERNELS=1 forces the portable one).
template <typename T>
[[gnu::always_inline]] inline void RangeLoop(const T* v, uint32_t n, T l, T h, uint8_t x, uint8_t* out) {
  for (uint32_t i = 0; i < n; ++i) out[i] = uint8_t((v[i] >= l) & (v[i] <= h)) ^ x;
}
#if DP_AVX2_FUNCTIONS
template <typename T>
__attribute__((target("avx2"))) void RangeLoopAvx2(const T* v, uint32_t n, T l, T h, uint8_t x, uint8_t* out) {
  RangeLoop(v, n, l, h, x, out);  // inlined and compiled for AVX2
}
#endif

template <typename T>
void RangeTest(const T* v, uint32_t n, T l, T h, bool negate, uint8_t* out) {
#if DP_AVX2_FUNCTIONS
  // Narrower types vectorize on the baseline too, at half the width.
  if (format::internal::UseAvx2Kernels()) return RangeLoopAvx2(v, n, l, h, uint8_t(negate), out);
#endif
  RangeLoop(v, n, l, h, uint8_t(negate), out);
}

// The mask bytes (0 or 1) of rows [0, 64) as bits: SSE2 (the x86-64
// baseline) moves 16 byte signs per instruction; elsewhere 8 bytes are
// gathered into a byte by one multiply (byte k lands on bit 56 + k of the
// product; the partial products do not overlap).
inline uint64_t MaskBits64(const uint8_t* mask) {
  uint64_t bits = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  for (int q = 0; q < 4; ++q) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + 16 * q));
    bits |= uint64_t(uint32_t(_mm_movemask_epi8(_mm_cmpgt_epi8(x, zero)))) << (16 * q);
  }
#else
  for (int q = 0; q < 8; ++q) {
    uint64_t w;
    std::memcpy(&w, mask + 8 * q, 8);
    bits |= ((w * 0x0102040810204080ull) >> 56) << (8 * q);
  }
#endif
  return bits;
}

// The number of set bytes (each 0 or 1) of mask[0, n): SSE2 (the x86-64
// baseline) sums 16 bytes per instruction (psadbw); the byte loop widened
// each byte to 32 bits first.
inline uint32_t CountMask(const uint8_t* mask, uint32_t n) {
  uint32_t i = 0, count = 0;
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + i)),
                                          _mm_setzero_si128()));
  }
  count = uint32_t(_mm_cvtsi128_si64(acc) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)));
#endif
  for (; i < n; ++i) count += mask[i];
  return count;
}

// The rows [i, n) one by one (fewer than 64).
inline uint32_t SelectTail(const uint8_t* mask, uint32_t i, uint32_t n, uint32_t m, uint32_t* sel) {
  for (; i < n; ++i) {
    sel[m] = i;
    m += mask[i];
  }
  return m;
}

#if DP_AVX2_FUNCTIONS
// Each byte of a word's bits: its 8 offsets (format::kBitsOfByte) widened
// and moved by the byte's first row, stored whole; the list advances by
// the count (m <= i + b, so the 8 slots end within n). Measured with
// random masks at 1 to 60% set: ~0.27 TSC cycles a row at every density;
// the portable loop took 0.44-0.72 at 12% and 1.1-1.6 at 30-60%.
__attribute__((target("avx2"))) uint32_t SelectRowsAvx2(const uint8_t* mask, uint32_t n, uint32_t* sel) {
  uint32_t m = 0, i = 0;
  const __m256i zero = _mm256_setzero_si256();
  for (; i + 64 <= n; i += 64) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + i));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + i + 32));
    const uint64_t bits = uint64_t(uint32_t(_mm256_movemask_epi8(_mm256_cmpgt_epi8(lo, zero)))) |
                          uint64_t(uint32_t(_mm256_movemask_epi8(_mm256_cmpgt_epi8(hi, zero)))) << 32;
    if (bits == 0) continue;
    for (uint32_t b = 0; b < 64; b += 8) {
      const uint32_t byte = uint32_t(bits >> b) & 0xff;
      const __m128i o = _mm_load_si128(reinterpret_cast<const __m128i*>(format::kBitsOfByte.offsets[byte]));
      const __m256i v = _mm256_add_epi32(_mm256_cvtepu16_epi32(o), _mm256_set1_epi32(int(i + b)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(sel + m), v);
      m += format::kBitsOfByte.count[byte];
    }
  }
  return SelectTail(mask, i, n, m, sel);
}
#endif

// Nulls never match a leaf (but IS NULL).
Status AndValid(const uint8_t* valid, uint32_t n, uint8_t* out) {
  if (valid != nullptr) {
    for (uint32_t i = 0; i < n; ++i) out[i] &= valid[i];
  }
  return Status::OK();
}

}  // namespace

Result<Source> OpenSource(const ScanSource& source, const Plan& plan, bool skip_corrupt) {
  Source out;
  ScanStats& st = out.stats;
  std::unordered_map<uint32_t, int> field_by_id;
  for (size_t f = 0; f < plan.schema.num_fields(); ++f) field_by_id.emplace(plan.schema.field(f).field_id, int(f));
  const size_t nf = plan.schema.num_fields();
  for (size_t p = 0; p < source.parts().size(); ++p) {
    const ScanPart& part = source.parts()[p];
    ++st.parts_total;
    if (part.summary && !part.segment) {
      const PartSummary& sum = *part.summary;
      if (sum.num_rows && *sum.num_rows == 0) {
        ++st.parts_pruned;
        continue;
      }
      std::vector<Zone> zones(nf);
      std::vector<const Zone*> ptrs(nf, nullptr);
      for (const auto& r : sum.fields) {
        auto it = field_by_id.find(r.field_id);
        if (it == field_by_id.end()) continue;
        zones[it->second] = ZoneOfSummary(r, sum.num_rows);
        ptrs[it->second] = &zones[it->second];
      }
      if (!plan.MayMatch(ptrs)) {
        ++st.parts_pruned;
        continue;
      }
    }
    OpenPart op;
    const std::string part_name = "part " + std::to_string(p) + (part.name.empty() ? "" : " (" + part.name + ")");
    if (part.segment) {
      op.segment = part.segment;
    } else if (part.open) {
      auto seg = part.open();
      if (!seg.ok()) {
        if (skip_corrupt && seg.status().code() != StatusCode::kInvalidArgument) {
          st.skipped_parts.push_back(part_name + ": " + seg.status().ToString());
          continue;
        }
        return seg.status().WithContext("scan: opening " + part_name);
      }
      op.segment = std::move(seg).value();
    }
    if (!op.segment) {
      return Status::InvalidArgument("scan: part " + std::to_string(p) + " has neither a segment nor an open function");
    }
    if (skip_corrupt) {
      const VerifyReport report = op.segment->rep().Verify();
      if (!report.ok()) {
        st.skipped_parts.push_back(part_name + ": " + report.issues.front().what +
                                   (report.issues.size() > 1
                                        ? " (and " + std::to_string(report.issues.size() - 1) + " more issues)"
                                        : ""));
        continue;
      }
    }
    const Segment::Rep& rep = op.segment->rep();
    DP_ASSIGN_OR_RETURN(op.bindings, BindSegment(plan, rep));
    for (int f : plan.needed) {
      if (op.bindings[f].column >= 0) DP_RETURN_IF_ERROR(rep.Column(op.bindings[f].column).status());
    }
    const int part_index = int(out.parts.size());
    uint64_t ordinal = 0;
    for (const RowGroupMeta& rg : rep.row_groups) {
      ++st.row_groups_total;
      st.rows_total += rg.num_rows;
      for (int f : plan.needed) {
        const Binding& b = op.bindings[f];
        if (b.column < 0) continue;
        const fb::ColumnChunk* ch = *rep.Chunk(b.column, rg.index);
        st.pages_total += ch->pages()->size();
        st.bytes_total += ch->stored_size();
      }
      std::vector<Zone> zones(nf);
      std::vector<const Zone*> ptrs(nf, nullptr);
      for (int f : plan.filter_fields) {
        zones[f] = ChunkZone(rep, op.bindings[f], rg.index);
        ptrs[f] = &zones[f];
      }
      // The part's morsel ordinals count pruned row groups too, so a row's
      // shard depends on the part's layout only (ScanSpec::shard).
      const uint64_t first_ordinal = ordinal;
      ordinal += (rg.num_rows + kMorselRows - 1) / kMorselRows;
      if (!plan.MayMatch(ptrs)) {
        ++st.row_groups_pruned;
        continue;
      }
      uint64_t j = first_ordinal;
      for (uint64_t r = rg.first_row; r < rg.first_row + rg.num_rows; r += kMorselRows, ++j) {
        if ((p + j) % plan.shard.count != plan.shard.index) continue;
        out.morsels.push_back({part_index, rg.index, r, std::min(r + kMorselRows, rg.first_row + rg.num_rows)});
      }
    }
    out.parts.push_back(std::move(op));
  }
  return out;
}

MorselExec::MorselExec(const Plan& plan, const OpenPart& part, const Morsel& morsel, Counters* counters)
    : plan_(plan), part_(part), morsel_(morsel), counters_(counters) {
  cursors_.resize(plan.schema.num_fields());
  const Segment::Rep* rep = &part.segment->rep();
  for (int f : plan.needed) {
    cursors_[f] = std::make_unique<ColumnCursor>(rep, part.bindings[f], plan.schema.field(f).type, morsel.row_group,
                                                 counters);
    // Windows that read several columns read each in short bursts (one
    // block apiece, in turn); see ColumnCursor::set_stream_pages.
    cursors_[f]->set_stream_pages(plan.needed.size() >= 2);
  }
  tables_.resize(plan.leaves.size());
}

// Row ranges of the morsel where every page of the filter columns may match,
// marked where they must match (a time range covering whole pages of a
// time-sorted column: the column is then not even decoded).
std::vector<MorselExec::Range> MorselExec::CandidateRanges() {
  std::vector<Range> out;
  if (plan_.root.kind == Node::Kind::kTrue) {
    out.push_back({morsel_.begin, morsel_.end, true});
    return out;
  }
  if (plan_.root.kind == Node::Kind::kFalse) return out;
  const Segment::Rep& rep = part_.segment->rep();
  struct PageZone {
    uint64_t begin, end;
    Zone zone;
  };
  // Per filter field: its pages overlapping the morsel, with zones.
  std::vector<std::vector<PageZone>> pages(plan_.schema.num_fields());
  std::vector<uint64_t> cuts = {morsel_.begin, morsel_.end};
  for (int f : plan_.filter_fields) {
    const Binding& b = part_.bindings[f];
    if (b.column < 0) continue;
    auto ch = rep.Chunk(b.column, morsel_.row_group);
    if (!ch.ok()) continue;
    uint64_t first = rep.row_groups[morsel_.row_group].first_row;
    for (uint32_t p = 0; p < (*ch)->pages()->size(); ++p) {
      const uint64_t end = first + (*ch)->pages()->Get(p)->num_values();
      if (end > morsel_.begin && first < morsel_.end) {
        pages[f].push_back({std::max(first, morsel_.begin), std::min(end, morsel_.end),
                            ZoneOf(rep.ToColumnStats(b.column, rep.PageStats(b.column, *ch, p)))});
        cuts.push_back(std::max(first, morsel_.begin));
      }
      first = end;
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<size_t> at(plan_.schema.num_fields(), 0);
  std::vector<const Zone*> zones(plan_.schema.num_fields(), nullptr);
  Zone missing;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const uint64_t a = cuts[i], e = cuts[i + 1];
    for (int f : plan_.filter_fields) {
      if (part_.bindings[f].column < 0) {
        missing.known = true;
        missing.num_values = missing.null_count = e - a;
        zones[f] = &missing;
        continue;
      }
      auto& pz = pages[f];
      while (at[f] < pz.size() && pz[at[f]].end <= a) ++at[f];
      zones[f] = at[f] < pz.size() ? &pz[at[f]].zone : nullptr;
    }
    if (!plan_.MayMatch(zones)) continue;
    const bool all = plan_.MustMatch(zones);
    uint64_t pass = 0, fail = 0;
    if (!all) plan_.KnownLeaves(zones, &pass, &fail);
    if (!out.empty() && out.back().end == a && out.back().all == all && out.back().pass == pass &&
        out.back().fail == fail) {
      out.back().end = e;
    } else {
      out.push_back({a, e, all, pass, fail});
    }
  }
  return out;
}

namespace {

// The test of a fixed-width leaf over n values `v` of type pt: out[i] =
// the test of v[i] (negated when the leaf is).
void TestValues(const Leaf& leaf, PhysicalType pt, const void* v, uint32_t n, uint8_t* out) {
  auto range = [&](auto tag, auto lo, auto hi) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(v);
    const T l = T(lo), h = T(hi);
    if (leaf.op == Leaf::Op::kRange) {
      RangeTest(p, n, l, h, leaf.negate, out);
    } else if (leaf.domain == Domain::kFloat) {
      TestLoop(p, n, leaf.negate, out, [&](T x) { return leaf.TestFloat(double(x)); });
    } else if (leaf.domain == Domain::kSigned) {
      TestLoop(p, n, leaf.negate, out, [&](T x) { return leaf.TestSigned(int64_t(x)); });
    } else {
      TestLoop(p, n, leaf.negate, out, [&](T x) { return leaf.TestUnsigned(uint64_t(x)); });
    }
  };
  switch (pt) {
    case PhysicalType::kI8: range(int8_t{}, leaf.ilo, leaf.ihi); break;
    case PhysicalType::kI16: range(int16_t{}, leaf.ilo, leaf.ihi); break;
    case PhysicalType::kI32: range(int32_t{}, leaf.ilo, leaf.ihi); break;
    case PhysicalType::kI64: range(int64_t{}, leaf.ilo, leaf.ihi); break;
    case PhysicalType::kBool:
    case PhysicalType::kU8: range(uint8_t{}, leaf.ulo, leaf.uhi); break;
    case PhysicalType::kU16: range(uint16_t{}, leaf.ulo, leaf.uhi); break;
    case PhysicalType::kU32: range(uint32_t{}, leaf.ulo, leaf.uhi); break;
    case PhysicalType::kU64: range(uint64_t{}, leaf.ulo, leaf.uhi); break;
    case PhysicalType::kF32: {
      // Compare in double: the bounds are doubles.
      const float* p = static_cast<const float*>(v);
      const double l = leaf.flo, h = leaf.fhi;
      if (leaf.op == Leaf::Op::kRange) {
        TestLoop(p, n, leaf.negate, out, [l, h](float x) { return (double(x) >= l) & (double(x) <= h); });
      } else {
        TestLoop(p, n, leaf.negate, out, [&](float x) { return leaf.TestFloat(double(x)); });
      }
      break;
    }
    case PhysicalType::kF64: range(double{}, leaf.flo, leaf.fhi); break;
    case PhysicalType::kBytes: break;
  }
}

}  // namespace

Status MorselExec::EvalLeaf(const Leaf& leaf, int index, uint32_t n, uint8_t* out) {
  ColumnCursor& c = *cursors_[leaf.field];
  DP_ASSIGN_OR_RETURN(const uint8_t* valid, c.Validity(n));
  if (leaf.op == Leaf::Op::kIsNull) {
    const uint8_t x = leaf.negate ? 1 : 0;
    if (valid == nullptr) std::fill_n(out, n, x);
    else for (uint32_t i = 0; i < n; ++i) out[i] = uint8_t(valid[i] ^ 1) ^ x;
    return Status::OK();
  }
  if (leaf.op == Leaf::Op::kNone) {
    std::fill_n(out, n, uint8_t(leaf.negate));
  } else if (c.missing()) {
    std::fill_n(out, n, 0);
    return Status::OK();
  } else {
    if (leaf.op == Leaf::Op::kRange && leaf.domain == Domain::kSigned) {
      // A block that never decreases lies inside or outside the range as
      // a whole unless it straddles an end: settled without decoding it.
      int64_t lo, hi;
      DP_ASSIGN_OR_RETURN(bool known, c.Bounds(&lo, &hi));
      const bool inside = known && lo >= leaf.ilo && hi <= leaf.ihi;
      if (inside || (known && (hi < leaf.ilo || lo > leaf.ihi))) {
        std::fill_n(out, n, uint8_t(inside != leaf.negate));
        return AndValid(valid, n, out);
      }
    }
    DP_ASSIGN_OR_RETURN(bool has_codes, c.HasCodes());
    if (has_codes) {
      LeafTable& t = tables_[index];
      if (t.serial != c.page_serial()) {
        const auto d = c.dictionary();
        t.truth.resize(d.size);
        if (d.strings != nullptr) {
          for (uint32_t k = 0; k < d.size; ++k) t.truth[k] = uint8_t(leaf.TestBytes(d.strings[k]) != leaf.negate);
        } else {
          const void* entries = c.TargetEntries();
          const PhysicalType pt = format::PhysicalTypeOf(c.type().id);
          for (uint32_t k = 0; k < d.size; ++k) {
            bool r = false;
            switch (leaf.domain) {
              case Domain::kSigned: {
                int64_t v = 0;
                switch (pt) {
                  case PhysicalType::kI8: v = static_cast<const int8_t*>(entries)[k]; break;
                  case PhysicalType::kI16: v = static_cast<const int16_t*>(entries)[k]; break;
                  case PhysicalType::kI32: v = static_cast<const int32_t*>(entries)[k]; break;
                  default: v = static_cast<const int64_t*>(entries)[k]; break;
                }
                r = leaf.TestSigned(v);
                break;
              }
              case Domain::kUnsigned:
              case Domain::kBool: {
                uint64_t v = 0;
                switch (pt) {
                  case PhysicalType::kU16: v = static_cast<const uint16_t*>(entries)[k]; break;
                  case PhysicalType::kU32: v = static_cast<const uint32_t*>(entries)[k]; break;
                  case PhysicalType::kU64: v = static_cast<const uint64_t*>(entries)[k]; break;
                  default: v = static_cast<const uint8_t*>(entries)[k]; break;
                }
                r = leaf.TestUnsigned(v);
                break;
              }
              case Domain::kFloat:
                r = leaf.TestFloat(pt == PhysicalType::kF32 ? double(static_cast<const float*>(entries)[k])
                                                            : static_cast<const double*>(entries)[k]);
                break;
              case Domain::kBytes: break;
            }
            t.truth[k] = uint8_t(r != leaf.negate);
          }
        }
        t.serial = c.page_serial();
        t.odd = UINT32_MAX;
        uint32_t ones = 0;
        for (uint8_t x : t.truth) ones += x;
        if (t.truth.size() >= 2 && (ones == 1 || ones + 1 == t.truth.size())) {
          t.others = ones == 1 ? 0 : 1;
          t.odd = uint32_t(std::find(t.truth.begin(), t.truth.end(), uint8_t(t.others ^ 1)) - t.truth.begin());
        }
      }
      const uint8_t* truth = t.truth.data();
      DP_ASSIGN_OR_RETURN(const format::PageDecoder::SparseCodes* sparse, c.Sparse(n));
      if (sparse != nullptr) {  // one dominant code: its truth, then the exceptions'
        std::fill_n(out, n, truth[sparse->dominant]);
        // Locals: a byte store may alias anything, and the loop would reload
        // the count and the arrays after every store (measured: a third of
        // this function's time in Q6).
        const uint32_t e = sparse->exceptions;
        const uint16_t* __restrict offsets = sparse->offsets;
        const uint32_t* __restrict codes = sparse->codes;
        for (uint32_t k = 0; k < e; ++k) out[offsets[k]] = truth[codes[k]];
      } else {
        DP_ASSIGN_OR_RETURN(const uint32_t* codes, c.Codes());
        if (t.odd != UINT32_MAX) {
          const uint32_t odd = t.odd;
          const uint8_t others = t.others;
          for (uint32_t i = 0; i < n; ++i) out[i] = uint8_t(codes[i] == odd) ^ others;
        } else {
          for (uint32_t i = 0; i < n; ++i) out[i] = truth[codes[i]];
        }
      }
    } else if (leaf.op == Leaf::Op::kRange && (leaf.domain == Domain::kSigned || leaf.domain == Domain::kUnsigned) &&
               EncodedKernels()) {
      // A whole for_bitpack block: tested packed, against bounds moved by
      // the page's base, without decoding it; else decoded below.
      const Int128 lo = leaf.domain == Domain::kSigned ? Int128(leaf.ilo) : Int128(leaf.ulo);
      const Int128 hi = leaf.domain == Domain::kSigned ? Int128(leaf.ihi) : Int128(leaf.uhi);
      DP_ASSIGN_OR_RETURN(bool packed, c.ForBlockInRange(n, lo, hi, leaf.negate, out));
      if (!packed) return EvalDecoded(leaf, c, n, out, valid);
    } else {
      return EvalDecoded(leaf, c, n, out, valid);
    }
  }
  return AndValid(valid, n, out);
}

// EvalLeaf's tests of decoded values (strings, fixed width).
Status MorselExec::EvalDecoded(const Leaf& leaf, ColumnCursor& c, uint32_t n, uint8_t* out, const uint8_t* valid) {
  if (leaf.domain == Domain::kBytes) {
    DP_ASSIGN_OR_RETURN(const std::string_view* s, c.Strings());
    for (uint32_t i = 0; i < n; ++i) out[i] = uint8_t(leaf.TestBytes(s[i]) != leaf.negate);
  } else {
    const PhysicalType pt = format::PhysicalTypeOf(c.type().id);
    DP_ASSIGN_OR_RETURN(const format::PageDecoder::Runs* runs, c.Runs(n));
    if (runs != nullptr) {
      // Run-length: each run tested once, its answer repeated.
      alignas(64) uint8_t truth[kBlockSize];
      TestValues(leaf, pt, runs->values, runs->count, truth);
      uint8_t* o = out;
      for (uint32_t k = 0; k < runs->count; ++k) o = std::fill_n(o, runs->lengths[k], truth[k]);
    } else {
      DP_ASSIGN_OR_RETURN(const void* v, c.Values());
      TestValues(leaf, pt, v, n, out);
    }
  }
  return AndValid(valid, n, out);
}

Status MorselExec::Eval(const Node& node, uint32_t n, uint8_t* out) {
  switch (node.kind) {
    case Node::Kind::kTrue: std::fill_n(out, n, 1); return Status::OK();
    case Node::Kind::kFalse: std::fill_n(out, n, 0); return Status::OK();
    case Node::Kind::kLeaf:
      if (node.leaf < 64 && ((pass_ | fail_) >> node.leaf & 1)) {
        std::fill_n(out, n, uint8_t((pass_ >> node.leaf) & 1));
        return Status::OK();
      }
      return EvalLeaf(plan_.leaves[node.leaf], node.leaf, n, out);
    case Node::Kind::kAnd:
    case Node::Kind::kOr: break;
  }
  const bool is_and = node.kind == Node::Kind::kAnd;
  DP_RETURN_IF_ERROR(Eval(node.children[0], n, out));
  if (size_t(depth_) >= scratch_.size()) scratch_.emplace_back(kBlockSize);
  uint8_t* tmp = scratch_[depth_].data();
  ++depth_;
  for (size_t c = 1; c < node.children.size(); ++c) {
    // Short-circuit per window: AND with nothing left / OR with everything
    // (mask bytes are 0 or 1: an OR / AND of the bytes, no widening sum).
    uint8_t some = 0, all = 1;
    if (is_and) {
      for (uint32_t i = 0; i < n; ++i) some |= out[i];
    } else {
      for (uint32_t i = 0; i < n; ++i) all &= out[i];
    }
    if (is_and ? some == 0 : all == 1) break;
    const Node& child = node.children[c];
    if (child.kind == Node::Kind::kLeaf && child.leaf < 64 && ((is_and ? pass_ : fail_) >> child.leaf & 1)) {
      continue;  // AND with a leaf every row passes, OR with one none does
    }
    Status s = Eval(child, n, tmp);
    if (!s.ok()) {
      --depth_;
      return s;
    }
    if (is_and) for (uint32_t i = 0; i < n; ++i) out[i] &= tmp[i];
    else for (uint32_t i = 0; i < n; ++i) out[i] |= tmp[i];
  }
  --depth_;
  return Status::OK();
}

Status MorselExec::Run(const WindowFn& on_window) {
  if (!started_) {
    ranges_ = CandidateRanges();
    started_ = true;
  }
  const bool filtered = plan_.root.kind != Node::Kind::kTrue;
  alignas(64) uint8_t mask[kBlockSize];
  for (; next_range_ < ranges_.size(); ++next_range_) {
    const Range& range = ranges_[next_range_];
    const bool evaluate = filtered && !range.all;
    pass_ = range.pass;
    fail_ = range.fail;
    const uint64_t end = range.end;
    row_ = std::max(row_, range.begin);
    while (row_ < end) {
      const uint64_t row = row_;
      uint64_t stop = std::min(end, row + kBlockSize);
      for (int f : plan_.needed) {
        DP_RETURN_IF_ERROR(cursors_[f]->Seek(row));
        stop = std::min(stop, cursors_[f]->block_end());
      }
      const uint32_t n = uint32_t(stop - row);
      counters_->rows_scanned += n;
      if (evaluate) {
        DP_RETURN_IF_ERROR(Eval(plan_.root, n, mask));
        const uint32_t selected = CountMask(mask, n);
        selected_ = selected;
        counters_->rows_matched += selected;
        if (selected > 0) DP_RETURN_IF_ERROR(on_window(row, n, selected == n ? nullptr : mask));
      } else {
        counters_->rows_matched += n;
        selected_ = n;
        DP_RETURN_IF_ERROR(on_window(row, n, nullptr));
      }
      row_ = stop;
      if (pause_) {
        pause_ = false;
        return Status::OK();
      }
    }
  }
  done_ = true;
  return Status::OK();
}

// AddressSanitizer checks only what goes through its allocator: under it,
// large blocks come from operator new too.
#if defined(__linux__) && defined(MADV_HUGEPAGE) && !DP_ASAN
void* AllocateLarge(size_t bytes) {
  // Rounded up to whole huge pages, and mapped with one huge page of slack
  // so that the block can start on a 2 MiB boundary; the slack is unmapped.
  const size_t size = (bytes + kLargeBlock - 1) & ~(kLargeBlock - 1);
  void* map = mmap(nullptr, size + kLargeBlock, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<uintptr_t>(map);
  const uintptr_t start = (base + kLargeBlock - 1) & ~uintptr_t(kLargeBlock - 1);
  if (start > base) munmap(map, start - base);
  const uintptr_t end = base + size + kLargeBlock;
  if (end > start + size) munmap(reinterpret_cast<void*>(start + size), end - (start + size));
  madvise(reinterpret_cast<void*>(start), size, MADV_HUGEPAGE);  // advice: failure leaves 4 KiB pages
  return reinterpret_cast<void*>(start);
}
void FreeLarge(void* p, size_t bytes) { munmap(p, (bytes + kLargeBlock - 1) & ~(kLargeBlock - 1)); }
bool LargeBlocksAreMapped() { return true; }
#else
bool LargeBlocksAreMapped() { return false; }
void* AllocateLarge(size_t bytes) { return ::operator new(bytes); }
void FreeLarge(void* p, size_t) { ::operator delete(p); }
#endif

namespace {
std::atomic<bool> g_encoded_kernels{true};
}  // namespace

bool EncodedKernels() { return g_encoded_kernels.load(std::memory_order_relaxed); }
void SetEncodedKernels(bool on) { g_encoded_kernels.store(on, std::memory_order_relaxed); }

int ArenaConcurrency(int threads) {
  const auto limit = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  return int(std::clamp<size_t>(size_t(std::max(threads, 1)), 1, std::max<size_t>(1, limit)));
}

size_t ParallelWorkers(int threads, size_t n) {
  if (threads == 1 || n <= 1) return 1;
#if DP_TSAN
  const size_t wanted = threads > 0 ? size_t(threads) : size_t(std::max(1u, std::thread::hardware_concurrency()));
#else
  const size_t wanted =
      size_t(threads > 0 ? ArenaConcurrency(threads) : std::max(tbb::this_task_arena::max_concurrency(), 1));
#endif
  return std::min(n, wanted);
}

Status ParallelFor(int threads, size_t n, std::string_view what, const std::function<Status(size_t, size_t)>& fn) {
  // Caught around each call, not in a task or a thread of its own: the
  // first error wins whether it was returned or thrown.
  auto call = [&fn, what](size_t i, size_t worker) -> Status {
    try {
      return fn(i, worker);
    } catch (...) {
      return CurrentExceptionStatus(std::string(what) + " " + std::to_string(i));
    }
  };
  const size_t workers = ParallelWorkers(threads, n);
  if (workers == 1) {
    for (size_t i = 0; i < n; ++i) DP_RETURN_IF_ERROR(call(i, 0));
    return Status::OK();
  }
  // Every worker takes the lowest index not yet taken, so indexes finish in
  // about their order. oneTBB's range splitting gives each worker a slice
  // of its own instead: a caller that consumes results in index order (the
  // ordered merge of RunAggregate) would then hold the results of all but
  // the first slice until the first finishes, and consume them all at the
  // end on one thread.
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  std::atomic<bool> failed{false};
  auto drain = [&](size_t worker) {
    while (!failed.load(std::memory_order_relaxed)) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      Status s = call(i, worker);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) first = std::move(s);
        return;
      }
    }
  };
  // One task per worker, the caller being worker 0; a worker that starts
  // late finds what the others left.
#if DP_TSAN
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(drain, w);
  drain(0);
  for (std::thread& t : pool) t.join();
#else
  auto body = [&] {
    tbb::task_group group;
    for (size_t w = 1; w < workers; ++w) group.run([&drain, w] { drain(w); });
    drain(0);
    group.wait();
  };
  if (threads <= 0) {
    body();
  } else {
    tbb::task_arena arena(static_cast<int>(workers));
    arena.execute(body);
  }
#endif
  return first;
}

uint32_t SelectRowsPortable(const uint8_t* mask, uint32_t n, uint32_t* sel) {
  if (mask == nullptr) {
    for (uint32_t i = 0; i < n; ++i) sel[i] = i;
    return n;
  }
  uint32_t m = 0, i = 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t bits = MaskBits64(mask + i);
    uint32_t set = 0;
    for (int b = 0; b < 8; ++b) set += format::kBitsOfByte.count[(bits >> (8 * b)) & 0xff];
    if (set < 16) {
      for (; bits != 0; bits &= bits - 1) sel[m++] = i + uint32_t(std::countr_zero(bits));
      continue;
    }
    // 8 bits at a time without a branch per row: all 8 slots written, the
    // count advanced by the bits set (m + 8 <= i + b + 8 <= n).
    for (uint32_t b = 0; b < 64; b += 8) {
      const uint32_t byte = uint32_t(bits >> b) & 0xff;
      const uint16_t* o = format::kBitsOfByte.offsets[byte];
      for (int k = 0; k < 8; ++k) sel[m + k] = i + b + o[k];
      m += format::kBitsOfByte.count[byte];
    }
  }
  return SelectTail(mask, i, n, m, sel);
}

uint32_t SelectRows(const uint8_t* mask, uint32_t n, uint32_t* sel) {
#if DP_AVX2_FUNCTIONS
  if (mask != nullptr && format::internal::UseAvx2Kernels()) return SelectRowsAvx2(mask, n, sel);
#endif
  return SelectRowsPortable(mask, n, sel);
}

}  // namespace dp::internal::scan
