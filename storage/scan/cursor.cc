#include "storage/scan/cursor.h"

#include <algorithm>
#include <cstring>

#include "format/encoding/internal.h"
#include "storage/scan/exec.h"  // EncodedKernels

namespace dp::internal::scan {

using format::kBlockSize;
using format::PhysicalType;

namespace {

using format::internal::VisitFixed;

alignas(64) const uint8_t kZeros[kBlockSize * 8] = {};
const std::string_view kEmptyStrings[kBlockSize] = {};

}  // namespace

void WidenValues(PhysicalType from, PhysicalType to, const void* in, size_t n, void* out) {
  VisitFixed(from, [&](auto f) {
    using F = decltype(f);
    VisitFixed(to, [&](auto t) {
      using T = decltype(t);
      const F* src = static_cast<const F*>(in);
      T* dst = static_cast<T*>(out);
      for (size_t i = 0; i < n; ++i) dst[i] = T(src[i]);
    });
  });
}

ColumnCursor::ColumnCursor(const Segment::Rep* rep, const Binding& binding, const DataType& target, int row_group,
                           Counters* counters)
    : rep_(rep), binding_(binding), target_(target), rg_(row_group), counters_(counters) {
  missing_ = binding.column < 0;
  target_pt_ = format::PhysicalTypeOf(target.id);
  if (missing_) return;
  seg_pt_ = format::PhysicalTypeOf(binding.seg_type.id);
  auto chunk = rep->Chunk(binding.column, row_group);
  if (!chunk.ok()) {
    // Seek() reports it; the plan validated the column before (Chunk fails
    // only on a corrupt metadata block, which BindSegment's caller checked).
    return;
  }
  chunk_ = *chunk;
  uint64_t first = rep->row_groups[row_group].first_row;
  for (const fb::PageInfo* pi : *chunk_->pages()) {
    page_first_.push_back(first);
    first += pi->num_values();
  }
  page_first_.push_back(first);
}

Status ColumnCursor::Seek(uint64_t row) {
  row_ = row;
  if (missing_) {
    block_first_ = row;
    block_end_ = row + kBlockSize;
    return Status::OK();
  }
  if (chunk_ == nullptr) return rep_->Chunk(binding_.column, rg_).status();
  if (row >= block_first_ && row < block_end_ && page_ != UINT32_MAX) return Status::OK();
  if (page_ == UINT32_MAX || row < page_first_[page_] || row >= page_first_[page_ + 1]) {
    auto it = std::upper_bound(page_first_.begin(), page_first_.end() - 1, row);
    page_ = uint32_t(it - page_first_.begin()) - 1;
  }
  block_ = uint32_t((row - page_first_[page_]) / kBlockSize);
  block_first_ = page_first_[page_] + uint64_t{block_} * kBlockSize;
  block_end_ = std::min(block_first_ + kBlockSize, page_first_[page_ + 1]);
  return Status::OK();
}

Status ColumnCursor::LoadPage() {
  const fb::PageInfo* pi = chunk_->pages()->Get(page_);
  DP_ASSIGN_OR_RETURN(body_, rep_->LoadPage(binding_.column, rg_, page_, &page_scratch_));
  DP_RETURN_IF_ERROR(MakeDecoder());
  DP_RETURN_IF_ERROR(LoadForPage());
  // A page the codec decompressed was just written to the scratch buffer:
  // it is in cache already, and a pass would read it a second time.
  if (stream_pages_ && pi->codec() == 0 && body_.payload.size() <= kStreamPageMax) {
    // A load of every cache line (prefetch instructions were measured to
    // be slower here); the sum keeps the loads.
    const uint8_t* p = body_.payload.data();
    uint64_t touched = 0;
    for (size_t i = 0; i < body_.payload.size(); i += 64) touched += p[i];
    asm volatile("" : : "r"(touched));
  }
  dict_ = decoder_->dictionary();
  transient_ = pi->codec() != 0;
  loaded_page_ = page_;
  ++page_serial_;
  decoded_block_ = gathered_block_ = UINT32_MAX;
  counters_->pages_read += 1;
  counters_->bytes_read += pi->stored_size();
  return Status::OK();
}

Status ColumnCursor::MakeDecoder() {
  const fb::PageInfo* pi = chunk_->pages()->Get(page_);
  auto dec = format::PageDecoder::Make(static_cast<Encoding>(pi->encoding()), seg_pt_, body_.payload,
                                       pi->num_values());
  if (!dec.ok()) return dec.status().WithContext(rep_->Where(binding_.column, rg_, int(page_)));
  decoder_ = std::move(dec).value();
  page_runs_ = decoder_->runs() && EncodedKernels();
  return Status::OK();
}

Status ColumnCursor::SeekDecoder() {
  if (loaded_page_ != page_) DP_RETURN_IF_ERROR(LoadPage());
  uint32_t at = decoder_->count() - decoder_->remaining();
  const uint32_t want = block_ * kBlockSize;
  if (at > want && gathered_block_ == block_) {
    // Gather() decoded part of this block and moved on; the rest of it is
    // asked for now (a window shorter than the block): start the page over.
    DP_RETURN_IF_ERROR(MakeDecoder());
    gathered_block_ = UINT32_MAX;
    at = 0;
  }
  if (at > want) return Status::Internal(rep_->Where(binding_.column, rg_, int(page_)) + ": cursor moved backwards");
  if (at < want) {
    Status s = decoder_->Skip(want - at);
    if (!s.ok()) return s.WithContext(rep_->Where(binding_.column, rg_, int(page_)));
  }
  return Status::OK();
}

Result<bool> ColumnCursor::Bounds(int64_t* lo, int64_t* hi) {
  if (missing_ || !format::IsSignedPhysical(target_pt_)) return false;
  if (loaded_page_ == page_ && decoded_block_ == block_) return false;
  DP_RETURN_IF_ERROR(SeekDecoder());
  return decoder_->PeekBounds(lo, hi);
}

Status ColumnCursor::Decode() {
  if (loaded_page_ == page_ && decoded_block_ == block_) return Status::OK();
  DP_RETURN_IF_ERROR(SeekDecoder());
  uint32_t n = 0;
  have_values_ = have_strings_ = false;
  codes_ = nullptr;
  raw_ = nullptr;
  raw_strings_ = nullptr;
  sparse_block_ = false;
  if (page_runs_) {
    auto runs = decoder_->NextRuns(&n);
    if (!runs.ok()) return runs.status().WithContext(rep_->Where(binding_.column, rg_, int(page_)));
    runs_ = *runs;
    if (binding_.widen) {  // the run values in the target type, as Values() gives them
      void* out = runs_buf_.Reserve(size_t{runs_.count} * 8 + 64);
      WidenValues(seg_pt_, target_pt_, runs_.values, runs_.count, out);
      runs_.values = out;
    }
  } else if (dict_.size > 0 && decoder_->sparse()) {
    auto sparse = decoder_->NextSparse(&n);
    if (!sparse.ok()) return sparse.status().WithContext(rep_->Where(binding_.column, rg_, int(page_)));
    sparse_ = *sparse;
    sparse_block_ = true;
  } else if (dict_.size > 0) {
    auto codes = decoder_->NextCodes(&n);
    if (!codes.ok()) return codes.status().WithContext(rep_->Where(binding_.column, rg_, int(page_)));
    codes_ = *codes;
  } else {
    void* scratch = decode_scratch_.Reserve(kBlockSize * 8);
    decode_strings_.resize(kBlockSize);
    auto v = decoder_->Next(scratch, decode_strings_.data(), &n);
    if (!v.ok()) return v.status().WithContext(rep_->Where(binding_.column, rg_, int(page_)));
    if (seg_pt_ == PhysicalType::kBytes) raw_strings_ = static_cast<const std::string_view*>(*v);
    else raw_ = *v;
  }
  decoded_block_ = block_;
  return Status::OK();
}

Result<bool> ColumnCursor::HasCodes() {
  if (missing_) return false;
  // From the page, not the block: a caller that goes on without codes
  // (a range test on packed values) must not pay for decoding the block.
  if (loaded_page_ != page_) DP_RETURN_IF_ERROR(LoadPage());
  return dict_.size > 0;
}

Result<const uint32_t*> ColumnCursor::Codes() {
  DP_RETURN_IF_ERROR(Decode());
  return BlockCodes() + (row_ - block_first_);
}

const uint32_t* ColumnCursor::BlockCodes() {
  if (codes_ == nullptr && sparse_block_) {
    auto* out = reinterpret_cast<uint32_t*>(codes_buf_.Reserve(kBlockSize * 4));
    sparse_.Expand(uint32_t(block_end_ - block_first_), out);
    codes_ = out;
  }
  return codes_;
}

Result<const format::PageDecoder::SparseCodes*> ColumnCursor::Sparse(uint32_t n) {
  if (missing_) return nullptr;
  DP_RETURN_IF_ERROR(Decode());
  if (!sparse_block_ || row_ != block_first_ || n != block_end_ - block_first_) return nullptr;
  return &sparse_;
}

Result<const format::PageDecoder::Runs*> ColumnCursor::RunsOfBlock(uint32_t n) {
  if (missing_) return nullptr;
  // Asked of the page first: a caller that goes on without runs (a sum
  // of packed values) must not pay for decoding the block.
  if (loaded_page_ != page_) DP_RETURN_IF_ERROR(LoadPage());
  if (!page_runs_) return nullptr;
  DP_RETURN_IF_ERROR(Decode());
  if (row_ != block_first_ || n != block_end_ - block_first_) return nullptr;
  return &runs_;
}

const void* ColumnCursor::TargetEntries() {
  if (!binding_.widen) return dict_.values;
  if (entries_serial_ != page_serial_) {
    void* out = entries_buf_.Reserve(size_t{dict_.size} * 8 + 64);
    WidenValues(seg_pt_, target_pt_, dict_.values, dict_.size, out);
    entries_serial_ = page_serial_;
  }
  return entries_buf_.data();
}

Result<const void*> ColumnCursor::Values() {
  const size_t off = row_ - block_first_;
  const int width = format::PhysicalWidth(target_pt_);
  if (missing_) return static_cast<const void*>(kZeros);
  DP_RETURN_IF_ERROR(Decode());
  if (!have_values_) {
    const uint32_t n = uint32_t(block_end_ - block_first_);
    if (const uint32_t* codes = BlockCodes()) {
      void* out = values_buf_.Reserve(kBlockSize * 8);
      const void* entries = TargetEntries();
      VisitFixed(target_pt_, [&](auto t) {
        using T = decltype(t);
        const T* e = static_cast<const T*>(entries);
        T* o = static_cast<T*>(out);
        for (uint32_t i = 0; i < n; ++i) o[i] = e[codes[i]];
      });
      values_ = out;
    } else if (page_runs_) {  // Decode() left the block in runs_
      void* out = values_buf_.Reserve(kBlockSize * 8);
      VisitFixed(target_pt_, [&](auto t) {
        using T = decltype(t);
        const T* v = static_cast<const T*>(runs_.values);
        T* o = static_cast<T*>(out);
        for (uint32_t k = 0; k < runs_.count; ++k) o = std::fill_n(o, runs_.lengths[k], v[k]);
      });
      values_ = out;
    } else if (binding_.widen) {
      void* out = values_buf_.Reserve(kBlockSize * 8);
      WidenValues(seg_pt_, target_pt_, raw_, n, out);
      values_ = out;
    } else {
      values_ = raw_;
    }
    have_values_ = true;
  }
  return static_cast<const void*>(static_cast<const uint8_t*>(values_) + off * width);
}

namespace {

template <typename T>
void GatherRows(const void* src, const uint32_t* sel, uint32_t m, void* dst) {
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  for (uint32_t i = 0; i < m; ++i) d[i] = s[sel[i]];
}

}  // namespace

Status ColumnCursor::Gather(const uint32_t* sel, uint32_t m, uint32_t n, void* out) {
  if (!missing_ && row_ == block_first_ && n == block_end_ - block_first_ && seg_pt_ != PhysicalType::kBytes &&
      !(loaded_page_ == page_ && decoded_block_ == block_)) {
    DP_RETURN_IF_ERROR(SeekDecoder());
    void* dst = binding_.widen ? values_buf_.Reserve(kBlockSize * 8) : out;
    uint32_t got = 0;
    if (decoder_->NextSelected(sel, m, dst, &got)) {
      if (binding_.widen) WidenValues(seg_pt_, target_pt_, dst, m, out);
      gathered_block_ = block_;
      return Status::OK();
    }
  }
  DP_ASSIGN_OR_RETURN(const void* v, Values());
  switch (format::PhysicalWidth(target_pt_)) {
    case 1: GatherRows<uint8_t>(v, sel, m, out); break;
    case 2: GatherRows<uint16_t>(v, sel, m, out); break;
    case 4: GatherRows<uint32_t>(v, sel, m, out); break;
    default: GatherRows<uint64_t>(v, sel, m, out); break;
  }
  return Status::OK();
}

Result<const std::string_view*> ColumnCursor::Strings() {
  const size_t off = row_ - block_first_;
  if (missing_) return kEmptyStrings;
  DP_RETURN_IF_ERROR(Decode());
  if (!have_strings_) {
    if (const uint32_t* codes = BlockCodes()) {
      const uint32_t n = uint32_t(block_end_ - block_first_);
      strings_buf_.resize(kBlockSize);
      for (uint32_t i = 0; i < n; ++i) strings_buf_[i] = dict_.strings[codes[i]];
      raw_strings_ = strings_buf_.data();
    }
    have_strings_ = true;
  }
  return raw_strings_ + off;
}

Result<const uint8_t*> ColumnCursor::Validity(uint32_t n) {
  if (missing_) return static_cast<const uint8_t*>(kZeros);
  if (loaded_page_ != page_) DP_RETURN_IF_ERROR(LoadPage());
  if (body_.validity == nullptr) return static_cast<const uint8_t*>(nullptr);
  const uint64_t base = row_ - page_first_[page_];
  const uint8_t* bits = body_.validity;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t b = base + i;
    validity_[i] = (bits[b >> 3] >> (b & 7)) & 1;
  }
  return static_cast<const uint8_t*>(validity_);
}

uint64_t ColumnCursor::PageMagnitudeBound() const {
  if (missing_ || chunk_ == nullptr || page_ == UINT32_MAX || !format::IsIntegerPhysical(seg_pt_)) return UINT64_MAX;
  const fb::PageInfo* pi = chunk_->pages()->Get(page_);
  if ((pi->flags() & index::kStatsHasMinMax) == 0) return UINT64_MAX;
  if (!format::IsSignedPhysical(seg_pt_)) return pi->max_bits();
  auto magnitude = [](int64_t v) { return v < 0 ? uint64_t(-(v + 1)) + 1 : uint64_t(v); };
  return std::max(magnitude(int64_t(pi->min_bits())), magnitude(int64_t(pi->max_bits())));
}

namespace {

// The words of a packed block of `width` bits, aligned for W (copied into
// `copy` when the page leaves them unaligned).
template <typename W>
const W* BlockWords(const uint8_t* block, uint32_t width, W* copy) {
  if (reinterpret_cast<uintptr_t>(block) % sizeof(W) == 0) return reinterpret_cast<const W*>(block);
  std::memcpy(copy, block, 128 * width);
  return copy;
}

// The page's base as the segment type's value.
Int128 ForBase(format::PhysicalType t, uint64_t base) {
  const bool wide = format::PhysicalWidth(t) > 4;
  if (format::IsSignedPhysical(t)) return wide ? Int128(int64_t(base)) : Int128(int32_t(uint32_t(base)));
  return wide ? Int128(base) : Int128(uint32_t(base));
}

}  // namespace

Result<std::optional<format::internal::ForPage>> ColumnCursor::WholeForBlock(uint32_t n) {
  if (missing_ || row_ != block_first_ || n != block_end_ - block_first_) return std::nullopt;
  if (loaded_page_ != page_) {
    // Other pages are not loaded for the asking.
    if (!ForKernelsApply(chunk_->pages()->Get(page_))) return std::nullopt;
    DP_RETURN_IF_ERROR(LoadPage());
  }
  return for_page_;
}

bool ColumnCursor::ForKernelsApply(const fb::PageInfo* pi) const {
  return format::IsIntegerPhysical(seg_pt_) && pi->encoding() == uint8_t(Encoding::kForBitpack) &&
         pi->null_count() == 0;
}

Status ColumnCursor::LoadForPage() {
  for_page_.reset();
  const fb::PageInfo* pi = chunk_->pages()->Get(page_);
  if (!ForKernelsApply(pi)) return Status::OK();
  // MakeDecoder validated the payload; parse the header again (cheap) to
  // reach the packed blocks.
  auto page = format::internal::ParseForPage(seg_pt_, body_.payload, pi->num_values());
  if (!page.ok()) return page.status().WithContext(rep_->Where(binding_.column, rg_, int(page_)));
  // The kernels take value = base + packed exactly; the decoder wraps in
  // the segment type. A page whose base + 2^width - 1 leaves the type (no
  // writer makes one: its base is the minimum) is decoded, so that every
  // path gives the decoder's values.
  Int128 type_min, type_max;
  IntLimits(seg_pt_, &type_min, &type_max);
  const Int128 base = ForBase(seg_pt_, page->base);
  if (base >= type_min && base + ((Int128(1) << page->width) - 1) <= type_max) for_page_ = *page;
  return Status::OK();
}

Result<bool> ColumnCursor::ForBlockSum(uint32_t n, Int128* sum) {
  DP_ASSIGN_OR_RETURN(std::optional<format::internal::ForPage> page, WholeForBlock(n));
  if (!page || page->width > 53) return false;  // 1024 packed values could overflow a u64 sum
  const uint8_t* block = PackedBlock(*page);
  uint64_t packed = 0;
  if (page->width > 0) {
    if (format::PhysicalWidth(seg_pt_) > 4) {
      alignas(64) uint64_t copy[kBlockSize];
      packed = format::UnpackSum1024(BlockWords(block, page->width, copy), page->width);
    } else {
      alignas(64) uint32_t copy[kBlockSize];
      packed = format::UnpackSum1024(BlockWords(block, page->width, copy), page->width);
    }
  }
  // Each value is base + packed exactly (WholeForBlock: nothing wraps).
  *sum = ForBase(seg_pt_, page->base) * n + Int128(packed);
  return true;
}

Result<bool> ColumnCursor::ForBlockShifted(uint32_t n, uint32_t shift, uint64_t add, uint64_t* out) {
  if (format::PhysicalWidth(seg_pt_) != 8 || binding_.widen) return false;
  DP_ASSIGN_OR_RETURN(std::optional<format::internal::ForPage> page, WholeForBlock(n));
  if (!page || page->width > 32) return false;
  // value = base + p (wrapping, as the decoder gives it): (value << shift)
  // + add = (p << shift) + ((base << shift) + add), all modulo 2^64.
  const uint8_t* block = PackedBlock(*page);
  alignas(64) uint64_t copy[kBlockSize];
  const uint64_t* words = page->width > 0 ? BlockWords(block, page->width, copy) : copy;
  format::UnpackShiftAdd1024(words, page->width, shift, (page->base << shift) + add, out);
  return true;
}

Result<bool> ColumnCursor::ForBlockInRange(uint32_t n, Int128 lo, Int128 hi, bool negate, uint8_t* out) {
  DP_ASSIGN_OR_RETURN(std::optional<format::internal::ForPage> page, WholeForBlock(n));
  if (!page) return false;
  const Int128 base = ForBase(seg_pt_, page->base);
  const Int128 top = (Int128(1) << page->width) - 1;  // the largest packed value
  // value = base + p, 0 <= p <= top: lo <= value <= hi <=> plo <= p <= phi.
  const Int128 plo = std::max<Int128>(lo - base, 0), phi = std::min<Int128>(hi - base, top);
  if (plo > phi || (plo == 0 && phi == top)) {
    std::fill_n(out, n, uint8_t((plo <= phi) != negate));
    return true;
  }
  const uint8_t* block = PackedBlock(*page);
  if (format::PhysicalWidth(seg_pt_) > 4) {
    alignas(64) uint64_t copy[kBlockSize];
    format::UnpackInRange1024(BlockWords(block, page->width, copy), page->width, uint64_t(plo),
                              uint64_t(phi - plo), out);
  } else {
    alignas(64) uint32_t copy[kBlockSize];
    format::UnpackInRange1024(BlockWords(block, page->width, copy), page->width, uint32_t(plo),
                              uint32_t(phi - plo), out);
  }
  if (negate) {
    for (uint32_t i = 0; i < n; ++i) out[i] ^= 1;
  }
  return true;
}

}  // namespace dp::internal::scan
