// for_planes (6), delta_planes (7), dictionary_planes (8): the unsigned
// residuals of a page (value - base, delta - min_delta, or dictionary code)
// split into byte planes (byte k of every residual stored contiguously), each
// plane kept raw or as one zstd frame. Bit-packing hides the skew of the high
// bits from a general codec (values straddle bytes); byte planes expose it, so
// zstd's entropy coder brings a skewed plane near its entropy while uniform
// low planes stay raw and decode at memcpy speed.
// Layout: spec/format.md §"Encodings" / "Byte planes (6, 7, 8)". Files that
// use them set the required feature kFeatureBytePlanes (format/version.h).
#include <zstd.h>

#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "format/bitpack_internal.h"  // UseAvx2Kernels
#include "format/codec.h"
#include "format/encoding/internal.h"
#include "format/trailer.h"  // kMaxPageRows

namespace dp::format::internal {
namespace {

constexpr uint64_t kPlaneDescriptorSize = 8;  // u32 stored size | u8 mode | 3 zero
constexpr uint8_t kPlaneRaw = 0;
constexpr uint8_t kPlaneZstd = 1;
constexpr int kPlaneZstdLevel = 1;  // entropy coding is what pays; higher levels find few more matches
constexpr uint32_t kMaxPlanes = 8;
// A plane is zstd-compressed only where that saves 1/kPlaneMinSaving of it:
// entropy decoding runs at ~1.4 GB/s (0.7 ns per value and plane), a raw
// plane at memory speed. 1/64 kept zstd on the event times' third byte for
// a 4% saving: 0.7 ns per row of every range scan for 0.3 bits per row.
constexpr uint64_t kPlaneMinSaving = 8;

// acc[i] = Σ_k plane[k][pos + i] << 8k for i < n. The portable loop; the
// AVX2 copy widens 4 or 8 bytes per instruction where the baseline target
// (SSE2) needs shuffle chains for 64-bit words (dispatch: UseAvx2Kernels()).
// always_inline: the body is compiled once per caller's target (a
// default-target function may be inlined into an AVX2 one).
template <typename W, uint32_t K>
[[gnu::always_inline]] inline void GatherPlanes(const uint8_t* const* plane, uint32_t pos, uint32_t n,
                                                W* __restrict acc) {
  const uint8_t* __restrict p[K];
  for (uint32_t k = 0; k < K; ++k) p[k] = plane[k] + pos;
  for (uint32_t i = 0; i < n; ++i) {
    W v = 0;
    for (uint32_t k = 0; k < K; ++k) v |= W(p[k][i]) << (8 * k);
    acc[i] = v;
  }
}
#if DP_AVX2_FUNCTIONS
template <typename W, uint32_t K>
__attribute__((target("avx2"))) void GatherPlanesAvx2(const uint8_t* const* plane, uint32_t pos, uint32_t n,
                                                      W* __restrict acc) {
  GatherPlanes<W, K>(plane, pos, n, acc);
}
#endif

// Bytes of residual needed for `width` bits.
uint32_t PlanesFor(uint32_t width) { return (width + 7) / 8; }

// ---- writing ---------------------------------------------------------------

// Bits per value of the last plane: the fewest of 1, 2, 4, 8 that hold its
// largest byte. Narrow ones are packed 8/b values per byte, so that the
// entropy coder sees pairs (quads, octets) of small symbols.
uint32_t TopPlaneBits(uint32_t max_byte) {
  const auto w = uint32_t(std::bit_width(max_byte));
  return w <= 1 ? 1 : w <= 2 ? 2 : w <= 4 ? 4 : 8;
}
uint64_t PackedPlaneBytes(uint32_t count, uint32_t bits) { return (uint64_t{count} * bits + 7) / 8; }

// The order-0 entropy of each plane of a page as it will be stored (before
// zstd), in bytes; a plane that would not shrink by 1/kPlaneMinSaving is
// stored raw (not worth a zstd pass to write or to read). Computed from
// histograms alone: FillPlanes() materializes the planes of the transform
// that is kept.
struct PlaneEstimate {
  uint32_t num = 0;       // planes
  uint32_t top_bits = 8;  // bits per value of the last plane
  bool compress[kMaxPlanes] = {};
  uint64_t total = 0;  // estimated size of the whole plane section
};

// hist[b] = how many residuals have byte k equal to b. Four tables, so that
// runs of one byte value (most high planes) do not serialize on one counter.
void CountPlane(const uint64_t* u, uint32_t count, uint32_t k, uint32_t* hist) {
  uint32_t h[4][256] = {};
  const uint32_t shift = 8 * k;
  uint32_t i = 0;
  for (; i + 4 <= count; i += 4) {
    ++h[0][uint8_t(u[i] >> shift)];
    ++h[1][uint8_t(u[i + 1] >> shift)];
    ++h[2][uint8_t(u[i + 2] >> shift)];
    ++h[3][uint8_t(u[i + 3] >> shift)];
  }
  for (; i < count; ++i) ++h[0][uint8_t(u[i] >> shift)];
  for (uint32_t b = 0; b < 256; ++b) hist[b] = h[0][b] + h[1][b] + h[2][b] + h[3][b];
}

// The same for plane k packed `bits` (< 8) per value: byte j holds values
// j * 8/bits .. (j + 1) * 8/bits - 1, LSB first (as FillPlanes packs them).
void CountPackedPlane(const uint64_t* u, uint32_t count, uint32_t k, uint32_t bits, uint32_t* hist) {
  uint32_t h[2][256] = {};
  const uint32_t shift = 8 * k;
  const uint32_t per = 8 / bits;
  const uint32_t whole = count / per;
  for (uint32_t j = 0; j < whole; ++j) {
    uint32_t b = 0;
    for (uint32_t t = 0; t < per; ++t) b |= uint32_t(uint8_t(u[j * per + t] >> shift)) << (t * bits);
    ++h[j & 1][b];
  }
  if (whole * per < count) {
    uint32_t b = 0;
    for (uint32_t i = whole * per; i < count; ++i) b |= uint32_t(uint8_t(u[i] >> shift)) << ((i - whole * per) * bits);
    ++h[0][b];
  }
  for (uint32_t b = 0; b < 256; ++b) hist[b] = h[0][b] + h[1][b];
}

PlaneEstimate EstimatePlanes(const uint64_t* u, uint32_t count, uint32_t num) {
  PlaneEstimate est;
  est.num = num;
  est.total = num * kPlaneDescriptorSize;
  if (num == 0) return est;
  // Bits used by any residual: the last plane's largest byte.
  uint64_t any = 0;
  for (uint32_t i = 0; i < count; ++i) any |= u[i];
  est.top_bits = TopPlaneBits(uint32_t(uint8_t(any >> (8 * (num - 1)))));
  for (uint32_t k = 0; k < num; ++k) {
    uint32_t hist[256];
    uint64_t size = count;
    if (k + 1 == num && est.top_bits < 8) {
      CountPackedPlane(u, count, k, est.top_bits, hist);
      size = PackedPlaneBytes(count, est.top_bits);
    } else {
      CountPlane(u, count, k, hist);
    }
    double bits = 0;
    const double n = double(size);
    for (uint32_t c : hist) {
      if (c) bits -= c * std::log2(c / n);
    }
    // Huffman tables and frame headers: a few hundred bytes at most.
    const uint64_t coded = uint64_t(bits / 8) + 128;
    est.compress[k] = kPlaneMinSaving * coded < (kPlaneMinSaving - 1) * size;
    est.total += est.compress[k] ? coded : size;
  }
  return est;
}

// The planes of `est` as they are stored before zstd (the last one packed
// est.top_bits per value). `planes` keeps its buffers from page to page.
void FillPlanes(const uint64_t* u, uint32_t count, const PlaneEstimate& est,
                std::vector<std::vector<uint8_t>>* planes) {
  planes->resize(est.num);
  for (uint32_t k = 0; k < est.num; ++k) {
    std::vector<uint8_t>& plane = (*planes)[k];
    const uint32_t shift = 8 * k;
    if (k + 1 == est.num && est.top_bits < 8) {
      const uint32_t bits = est.top_bits;
      plane.assign(PackedPlaneBytes(count, bits), 0);
      for (uint32_t i = 0; i < count; ++i) plane[i * bits / 8] |= uint8_t(uint8_t(u[i] >> shift) << (i * bits % 8));
    } else {
      plane.resize(count);
      uint8_t* p = plane.data();
      for (uint32_t i = 0; i < count; ++i) p[i] = uint8_t(u[i] >> shift);
    }
  }
}

// Appends the plane section: descriptors, then the planes end to end, then
// zero bytes up to a multiple of 8 from `payload_start`.
Status AppendPlanes(const PlaneEstimate& est, const std::vector<std::vector<uint8_t>>& planes, size_t payload_start,
                    std::vector<uint8_t>* out) {
  const uint32_t num = est.num;
  const size_t descriptors = out->size();
  out->resize(descriptors + num * kPlaneDescriptorSize, 0);
  for (uint32_t k = 0; k < num; ++k) {
    const std::vector<uint8_t>& plane = planes[k];
    const size_t at = out->size();
    uint8_t mode = kPlaneRaw;
    if (est.compress[k]) {
      DP_RETURN_IF_ERROR(Compress(Codec::kZstd, plane, kPlaneZstdLevel, out));
      // Keep the frame only where it pays: raw planes decode much faster.
      if (kPlaneMinSaving * (out->size() - at) < (kPlaneMinSaving - 1) * plane.size()) {
        mode = kPlaneZstd;
      } else {
        out->resize(at);
      }
    }
    if (mode == kPlaneRaw) AppendBytes(out, plane.data(), plane.size());
    const auto size = uint32_t(out->size() - at);
    uint8_t* d = out->data() + descriptors + k * kPlaneDescriptorSize;
    std::memcpy(d, &size, 4);
    d[4] = mode;
    d[5] = uint8_t(k + 1 == num ? est.top_bits : 8);
  }
  PadTo8(out, payload_start);
  return Status::OK();
}

template <typename T>
void ForResiduals(const T* v, uint32_t count, uint64_t base, std::vector<uint64_t>* u) {
  using W = WordOf<T>;
  u->resize(count);
  for (uint32_t i = 0; i < count; ++i) (*u)[i] = W(ToWord(v[i]) - W(base));
}

template <typename T>
void DeltaResiduals(const T* v, uint32_t count, uint64_t min_delta, std::vector<uint64_t>* u) {
  using W = WordOf<T>;
  u->resize(count);
  (*u)[0] = 0;
  for (uint32_t i = 1; i < count; ++i) (*u)[i] = W(W(ToWord(v[i]) - ToWord(v[i - 1])) - W(min_delta));
}

void IntegerResiduals(const PageValues& in, Encoding e, const IntegerStats& s, std::vector<uint64_t>* u) {
  VisitInteger(in.type, [&](auto t) {
    using T = decltype(t);
    const auto* v = static_cast<const T*>(in.values);
    if (e == Encoding::kForPlanes) {
      ForResiduals(v, in.count, s.min, u);
    } else {
      DeltaResiduals(v, in.count, s.min_delta, u);
    }
  });
}

uint32_t DeltaWidth(const IntegerStats& s) {
  uint32_t w = 0;
  for (uint8_t b : s.delta_widths) w = std::max<uint32_t>(w, b);
  return w;
}

// The payload of residuals u[0..in.count) and their estimate; `scratch`
// holds the planes.
Status EncodeIntegerPlanes(Encoding e, const PageValues& in, const IntegerStats& s, const uint64_t* u,
                           const PlaneEstimate& est, std::vector<std::vector<uint8_t>>* scratch,
                           std::vector<uint8_t>* out) {
  const uint32_t planes = est.num;
  FillPlanes(u, in.count, est, scratch);
  const size_t start = out->size();
  if (e == Encoding::kForPlanes) {
    Append<uint64_t>(out, s.min);
    Append<uint64_t>(out, planes);  // u8 planes + 7 zero bytes
  } else {
    Append<uint64_t>(out, VisitInteger(in.type, [&](auto t) -> uint64_t {
                       using T = decltype(t);
                       return ToWord(static_cast<const T*>(in.values)[0]);
                     }));
    Append<uint64_t>(out, s.min_delta);
    Append<uint64_t>(out, planes);  // u8 planes + 7 zero bytes
  }
  return AppendPlanes(est, *scratch, start, out);
}

// The same for the codes u[0..in.count) of `dict`.
Status EncodeDictionaryPlanesWith(const PageValues& in, const Dictionary& dict, const uint64_t* u,
                                  const PlaneEstimate& est, std::vector<std::vector<uint8_t>>* scratch,
                                  std::vector<uint8_t>* out) {
  FillPlanes(u, in.count, est, scratch);
  const size_t start = out->size();
  DP_RETURN_IF_ERROR(AppendDictionaryHead(in, dict, est.num, out));
  return AppendPlanes(est, *scratch, start, out);
}

uint32_t DictionaryPlanes(const Dictionary& dict) { return PlanesFor(CodeWidth(dict.first.size())); }

// ---- reading ---------------------------------------------------------------

// Decoded planes of a page live in buffers recycled through a small pool
// per thread: a buffer per page from malloc (up to 8 x 1 MiB) made glibc
// grow and trim the heap on every page, page faults included, a tenth of
// a range scan's time. A buffer may return to another thread's pool.
class PlaneBuffer {
 public:
  PlaneBuffer() = default;
  explicit PlaneBuffer(size_t n) {
    Pool& pool = ThreadPool();
    for (size_t k = 0; k < pool.size(); ++k) {
      if (pool[k].second >= n) {
        data_ = std::move(pool[k].first);
        capacity_ = pool[k].second;
        pool.erase(pool.begin() + std::ptrdiff_t(k));
        return;
      }
    }
    data_.reset(new uint8_t[n]);
    capacity_ = n;
  }
  PlaneBuffer(PlaneBuffer&&) = default;
  PlaneBuffer& operator=(PlaneBuffer&& o) noexcept {
    Release();
    data_ = std::move(o.data_);
    capacity_ = o.capacity_;
    return *this;
  }
  ~PlaneBuffer() { Release(); }
  uint8_t* get() const { return data_.get(); }

 private:
  using Pool = std::vector<std::pair<std::unique_ptr<uint8_t[]>, size_t>>;
  static constexpr size_t kPoolSize = 8;
  static Pool& ThreadPool() {
    thread_local Pool pool;
    return pool;
  }
  void Release() {
    if (!data_) return;
    Pool& pool = ThreadPool();
    if (pool.size() < kPoolSize) pool.emplace_back(std::move(data_), capacity_);
    data_.reset();
  }
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

// The validated planes of a payload: raw planes point into it, zstd planes
// into `owned`.
struct Planes {
  uint32_t count = 0;
  uint32_t num = 0;
  const uint8_t* plane[kMaxPlanes] = {};
  PlaneBuffer owned;

  // acc[i] = residual of value pos + i, i < n. One pass per plane count,
  // restrict-qualified so that the byte loads do not alias the output and
  // the loop vectorizes.
  template <typename W>
  void Gather(uint32_t pos, uint32_t n, W* acc) const {
    switch (num) {
      case 0: std::fill(acc, acc + n, W{0}); return;
      case 1: return GatherK<W, 1>(pos, n, acc);
      case 2: return GatherK<W, 2>(pos, n, acc);
      case 3: return GatherK<W, 3>(pos, n, acc);
      case 4: return GatherK<W, 4>(pos, n, acc);
    }
    if constexpr (sizeof(W) == 8) {
      switch (num) {
        case 5: return GatherK<W, 5>(pos, n, acc);
        case 6: return GatherK<W, 6>(pos, n, acc);
        case 7: return GatherK<W, 7>(pos, n, acc);
        default: return GatherK<W, 8>(pos, n, acc);
      }
    }
  }

  template <typename W, uint32_t K>
  void GatherK(uint32_t pos, uint32_t n, W* __restrict acc) const {
#if DP_AVX2_FUNCTIONS
    if (UseAvx2Kernels()) return GatherPlanesAvx2<W, K>(plane, pos, n, acc);
#endif
    GatherPlanes<W, K>(plane, pos, n, acc);
  }

  // acc[k] = residual of value pos + sel[k], k < m.
  template <typename W>
  void GatherAt(uint32_t pos, const uint32_t* sel, uint32_t m, W* acc) const {
    switch (num) {
      case 0: std::fill(acc, acc + m, W{0}); return;
      case 1: return GatherAtK<W, 1>(pos, sel, m, acc);
      case 2: return GatherAtK<W, 2>(pos, sel, m, acc);
      case 3: return GatherAtK<W, 3>(pos, sel, m, acc);
      case 4: return GatherAtK<W, 4>(pos, sel, m, acc);
    }
    if constexpr (sizeof(W) == 8) {
      switch (num) {
        case 5: return GatherAtK<W, 5>(pos, sel, m, acc);
        case 6: return GatherAtK<W, 6>(pos, sel, m, acc);
        case 7: return GatherAtK<W, 7>(pos, sel, m, acc);
        default: return GatherAtK<W, 8>(pos, sel, m, acc);
      }
    }
  }

  template <typename W, uint32_t K>
  void GatherAtK(uint32_t pos, const uint32_t* sel, uint32_t m, W* __restrict acc) const {
    const uint8_t* p[K];
    for (uint32_t k = 0; k < K; ++k) p[k] = plane[k] + pos;
    for (uint32_t j = 0; j < m; ++j) {
      const uint32_t i = sel[j];
      W v = 0;
      for (uint32_t k = 0; k < K; ++k) v |= W(W{p[k][i]} << (8 * k));
      acc[j] = v;
    }
  }

  // Σ residuals of values [pos, pos + n) mod 2^64.
  uint64_t Sum(uint32_t pos, uint32_t n) const {
    uint64_t total = 0;
    for (uint32_t k = 0; k < num; ++k) total += SumBytes(plane[k] + pos, n) << (8 * k);
    return total;
  }

  // Σ p[i], i < n. SSE2 (the x86-64 baseline) adds 16 bytes per instruction
  // (psadbw against zero); GCC's own vectorization of the loop widens every
  // byte to 64 bits first, 5x slower (measured: a day-bucketed query spent
  // 28% of its time here).
  static uint64_t SumBytes(const uint8_t* p, uint32_t n) {
    uint64_t s = 0;
    uint32_t i = 0;
#if defined(__SSE2__)
    __m128i acc = _mm_setzero_si128();
    const __m128i zero = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
      acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), zero));
    }
    s = uint64_t(_mm_cvtsi128_si64(acc)) + uint64_t(_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)));
#endif
    for (; i < n; ++i) s += p[i];
    return s;
  }
};

// Decompresses one zstd plane frame into exactly `out` (rules of
// format/codec.h Decompress), with a per-thread context: a context per call
// costs more than decoding a 64 KiB plane.
Status DecompressPlane(std::span<const uint8_t> in, std::span<uint8_t> out) {
  struct Context {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ~Context() { ZSTD_freeDCtx(dctx); }
  };
  thread_local Context ctx;
  if (ctx.dctx == nullptr) return Decompress(Codec::kZstd, in, out);
  if (ZSTD_findFrameCompressedSize(in.data(), in.size()) != in.size() ||
      ZSTD_getFrameContentSize(in.data(), in.size()) != out.size()) {
    return Decompress(Codec::kZstd, in, out);  // the codec's checks name what is wrong
  }
  const size_t n = ZSTD_decompressDCtx(ctx.dctx, out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != out.size()) return Decompress(Codec::kZstd, in, out);
  return Status::OK();
}

// dst[i] = the i-th `kBits`-bit value of `packed`, LSB first.
template <uint32_t kBits>
void UnpackPlane(const uint8_t* packed, uint32_t count, uint8_t* dst) {
  constexpr uint32_t kPerByte = 8 / kBits;
  constexpr uint8_t kMask = uint8_t((1u << kBits) - 1);
  const uint32_t whole = count / kPerByte;
  for (uint32_t j = 0; j < whole; ++j) {
    for (uint32_t s = 0; s < kPerByte; ++s) dst[j * kPerByte + s] = uint8_t(packed[j] >> (s * kBits)) & kMask;
  }
  for (uint32_t i = whole * kPerByte; i < count; ++i) dst[i] = uint8_t(packed[whole] >> ((i % kPerByte) * kBits)) & kMask;
}

// Parses `num` planes at `at` (descriptors, then planes), checks the payload
// ends exactly at the next multiple of 8 with zero padding, and decompresses
// the zstd planes.
Result<std::unique_ptr<Planes>> ParsePlanes(Encoding e, PhysicalType t, std::span<const uint8_t> payload,
                                            uint64_t at, uint32_t num, uint32_t count) {
  auto planes = std::make_unique<Planes>();
  planes->count = count;
  planes->num = num;
  if (payload.size() < at + num * kPlaneDescriptorSize) {
    return PageCorruption(e, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, too short for the header and " +
                              std::to_string(num) + " plane descriptors");
  }
  uint64_t end = at + num * kPlaneDescriptorSize;
  uint32_t owned = 0;  // planes decompressed or unpacked into `owned`
  for (uint32_t k = 0; k < num; ++k) {
    const uint8_t* d = payload.data() + at + k * kPlaneDescriptorSize;
    const uint32_t size = Load<uint32_t>(d);
    const std::string plane = "plane " + std::to_string(k);
    if (!IsZero(d + 6, 2)) return PageCorruption(e, t, count, plane + ": descriptor bytes 6..7 are not zero");
    const uint32_t bits = d[5];
    const bool top = k + 1 == num;
    if (bits != 8 && !(top && (bits == 1 || bits == 2 || bits == 4))) {
      return PageCorruption(e, t, count, plane + ": " + std::to_string(bits) + " bits per value (8" +
                                             (top ? ", 4, 2 or 1" : " below the last plane") + " expected)");
    }
    const uint64_t bytes = PackedPlaneBytes(count, bits);
    if (bits != 8 || d[4] == kPlaneZstd) ++owned;
    if (d[4] == kPlaneRaw) {
      if (size != bytes) {
        return PageCorruption(e, t, count, plane + ": raw plane of " + std::to_string(size) + " bytes, expected " +
                                               std::to_string(bytes));
      }
    } else if (d[4] == kPlaneZstd) {
      if (size == 0) return PageCorruption(e, t, count, plane + ": zstd plane of 0 bytes");
    } else {
      return PageCorruption(e, t, count, plane + ": unknown plane mode " + std::to_string(d[4]));
    }
    end += size;
  }
  DP_RETURN_IF_ERROR(CheckPayloadSize(e, t, count, payload.size(), Pad8(end)));
  if (!IsZero(payload.data() + end, Pad8(end) - end)) {
    return PageCorruption(e, t, count, "padding after the last plane is not zero");
  }
  if (owned > 0) {
    if (count > kMaxPageRows) {
      return PageCorruption(e, t, count, "zstd or packed planes need a page of at most " +
                                             std::to_string(kMaxPageRows) + " values");
    }
    planes->owned = PlaneBuffer(size_t{owned} * count);
  }
  uint64_t pos = at + num * kPlaneDescriptorSize;
  uint32_t next_owned = 0;
  std::vector<uint8_t> packed;
  for (uint32_t k = 0; k < num; ++k) {
    const uint8_t* d = payload.data() + at + k * kPlaneDescriptorSize;
    const uint32_t size = Load<uint32_t>(d);
    const uint32_t bits = d[5];
    const std::span<const uint8_t> stored = payload.subspan(pos, size);
    pos += size;
    if (d[4] == kPlaneRaw && bits == 8) {
      planes->plane[k] = stored.data();
      continue;
    }
    uint8_t* dst = planes->owned.get() + size_t{next_owned++} * count;
    planes->plane[k] = dst;
    std::span<const uint8_t> plane = stored;
    if (d[4] == kPlaneZstd) {
      const uint64_t bytes = PackedPlaneBytes(count, bits);
      uint8_t* target = dst;
      if (bits != 8) {
        packed.resize(bytes);
        target = packed.data();
      }
      const Status s = DecompressPlane(stored, std::span<uint8_t>(target, bytes));
      if (!s.ok()) return PageCorruption(e, t, count, "plane " + std::to_string(k) + ": " + s.message());
      if (bits == 8) continue;
      plane = packed;
    }
    // Unpack b-bit values, LSB first; the bits after the last value are zero.
    switch (bits) {
      case 1: UnpackPlane<1>(plane.data(), count, dst); break;
      case 2: UnpackPlane<2>(plane.data(), count, dst); break;
      default: UnpackPlane<4>(plane.data(), count, dst); break;
    }
    const uint32_t used = uint32_t(uint64_t{count} * bits % 8);
    if (used != 0 && (plane.back() >> used) != 0) {
      return PageCorruption(e, t, count, "plane " + std::to_string(k) + ": bits after the last value are not zero");
    }
  }
  return planes;
}

uint32_t WordBytes(PhysicalType t) { return PhysicalWidth(t) <= 4 ? 4 : 8; }

template <typename T>
class ForPlanesDecoder final : public BlockDecoder {
  using W = WordOf<T>;

 public:
  ForPlanesDecoder(std::unique_ptr<Planes> planes, W base, uint32_t count)
      : BlockDecoder(count), planes_(std::move(planes)), base_(base) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);
    planes_->Gather(position_, *n, acc_);
    auto* out = static_cast<T*>(scratch);
    for (uint32_t i = 0; i < *n; ++i) out[i] = T(W(base_ + acc_[i]));
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

  bool NextSelected(const uint32_t* sel, uint32_t m, void* out, uint32_t* n) override {
    if (m > NextCount() / 2) return false;
    *n = NextCount();
    planes_->GatherAt(position_, sel, m, acc_);
    auto* o = static_cast<T*>(out);
    for (uint32_t k = 0; k < m; ++k) o[k] = T(W(base_ + acc_[k]));
    position_ += *n;
    return true;
  }

 private:
  std::unique_ptr<Planes> planes_;
  W base_;
  alignas(64) W acc_[kBlockSize];
};

template <typename T>
class DeltaPlanesDecoder final : public BlockDecoder {
  using W = WordOf<T>;

 public:
  DeltaPlanesDecoder(std::unique_ptr<Planes> planes, W first, W min_delta, uint32_t count)
      : BlockDecoder(count), planes_(std::move(planes)), min_delta_(min_delta), prev_(W(first - min_delta)) {}

  Result<const void*> Next(void* scratch, std::string_view*, uint32_t* n) override {
    *n = NextCount();
    if (*n == 0) return static_cast<const void*>(scratch);
    planes_->Gather(position_, *n, acc_);
    prev_ = DeltaRun(acc_, *n, prev_, min_delta_, static_cast<T*>(scratch));
    position_ += *n;
    return static_cast<const void*>(scratch);
  }

  // The running value moves by the skipped deltas: n·min_delta + Σ residuals.
  Status Skip(uint32_t n) override {
    DP_RETURN_IF_ERROR(CheckSkip(n));
    uint64_t sum;
    if (peeked_.position == position_ && peeked_.n <= n && peeked_.n > 0) {  // a block PeekBounds summed
      sum = peeked_.sum + planes_->Sum(position_ + peeked_.n, n - peeked_.n);
    } else {
      sum = planes_->Sum(position_, n);
    }
    prev_ = W(prev_ + W(n) * min_delta_ + W(sum));
    position_ += n;
    return Status::OK();
  }

  // The first value exactly (its residual from the planes) and the sum of
  // the other residuals: exact in 64 bits for <= 5 planes (< 2^18 · 2^40).
  bool PeekBounds(int64_t* lo, int64_t* hi) override {
    const uint32_t n = NextCount();
    if (n == 0 || planes_->num > 5) return false;
    uint64_t first_residual = 0;
    for (uint32_t k = 0; k < planes_->num; ++k) first_residual |= uint64_t{planes_->plane[k][position_]} << (8 * k);
    const uint64_t rest = planes_->Sum(position_ + 1, n - 1);
    peeked_ = {position_, n, first_residual + rest};
    return DeltaBlockBounds<T>(W(prev_ + min_delta_ + W(first_residual)), min_delta_, n, rest, lo, hi);
  }

 private:
  std::unique_ptr<Planes> planes_;
  W min_delta_;
  W prev_;  // the value before position_ (first - min_delta at the start)
  // The residual sum of the block PeekBounds last looked at, for Skip.
  struct {
    uint32_t position = UINT32_MAX, n = 0;
    uint64_t sum = 0;
  } peeked_;
  alignas(64) W acc_[kBlockSize];
};

// Entry: B (fixed width) or std::string_view.
template <typename Entry>
class DictionaryPlanesDecoder final : public DictionaryDecoderBase<DictionaryPlanesDecoder<Entry>, Entry> {
  using Base = DictionaryDecoderBase<DictionaryPlanesDecoder<Entry>, Entry>;

 public:
  DictionaryPlanesDecoder(std::vector<Entry> entries, std::unique_ptr<Planes> planes, PhysicalType t, uint32_t count)
      : Base(std::move(entries), count), planes_(std::move(planes)), type_(t) {}

  Result<const uint32_t*> CodesAt(uint32_t position, uint32_t n) {
    planes_->Gather(position, n, codes_);
    const uint32_t size = uint32_t(this->entries_.size());
    if (AllBelow(codes_, n, size)) return static_cast<const uint32_t*>(codes_);
    const uint32_t* bad = std::find_if(codes_, codes_ + n, [&](uint32_t c) { return c >= size; });
    return PageCorruption(Encoding::kDictionaryPlanes, type_, this->count_,
                          "code " + std::to_string(*bad) + " of value " + std::to_string(position + (bad - codes_)) +
                              " is not below the dictionary size " + std::to_string(size));
  }

 private:
  std::unique_ptr<Planes> planes_;
  PhysicalType type_;
  alignas(64) uint32_t codes_[kBlockSize];
};

// Reads the u8 plane count at `p` followed by `zeros` zero bytes.
Result<uint32_t> ParsePlaneCount(Encoding e, PhysicalType t, uint32_t count, const uint8_t* p, uint32_t zeros,
                                 uint32_t max_planes) {
  if (!IsZero(p + 1, zeros)) return PageCorruption(e, t, count, "reserved header bytes are not zero");
  if (p[0] > max_planes) {
    return PageCorruption(e, t, count,
                          std::to_string(p[0]) + " planes, more than the " + std::to_string(max_planes) +
                              " bytes of a residual");
  }
  return uint32_t{p[0]};
}

}  // namespace

// ---- encoders ----------------------------------------------------------------

Status EncodeIntegerPlanes(Encoding e, const PageValues& in, std::vector<uint8_t>* out) {
  const IntegerStats s = AnalyzeIntegers(in);
  std::vector<uint64_t> u;
  IntegerResiduals(in, e, s, &u);
  const uint32_t planes = PlanesFor(e == Encoding::kForPlanes ? s.for_width : DeltaWidth(s));
  std::vector<std::vector<uint8_t>> scratch;
  return EncodeIntegerPlanes(e, in, s, u.data(), EstimatePlanes(u.data(), in.count, planes), &scratch, out);
}

Status EncodeDictionaryPlanes(const PageValues& in, const Dictionary& dict, std::vector<uint8_t>* out) {
  const std::vector<uint64_t> u(dict.codes.begin(), dict.codes.end());
  const uint32_t planes = DictionaryPlanes(dict);
  std::vector<std::vector<uint8_t>> scratch;
  return EncodeDictionaryPlanesWith(in, dict, u.data(), EstimatePlanes(u.data(), in.count, planes), &scratch, out);
}

}  // namespace dp::format::internal

namespace dp::format {

Result<std::optional<Encoding>> EncodeBytePlanes(const PageValues& in, uint64_t limit, std::vector<uint8_t>* out,
                                                 PageAnalysis* analysis) {
  using namespace internal;
  if (in.count == 0 || in.type == PhysicalType::kBool) return std::optional<Encoding>();
  PageAnalysisState local;
  PageAnalysisState& a = StateFor(in, analysis, &local);
  std::vector<uint64_t>& u = a.residuals;
  if (IsIntegerPhysical(in.type)) {
    const IntegerStats& s = a.Integers();
    if (s.runs == 1) return std::optional<Encoding>();
    // The transform with the smaller estimate: FOR, or delta for ordered data.
    std::vector<uint64_t>& du = a.delta_residuals;
    IntegerResiduals(in, Encoding::kForPlanes, s, &u);
    IntegerResiduals(in, Encoding::kDeltaPlanes, s, &du);
    const uint32_t for_planes = PlanesFor(s.for_width), delta_planes = PlanesFor(DeltaWidth(s));
    const PlaneEstimate for_est = EstimatePlanes(u.data(), in.count, for_planes);
    const PlaneEstimate delta_est = EstimatePlanes(du.data(), in.count, delta_planes);
    const bool delta = delta_est.total + 8 < for_est.total;
    const PlaneEstimate& est = delta ? delta_est : for_est;
    if (est.total + 24 > limit) return std::optional<Encoding>();
    const Encoding e = delta ? Encoding::kDeltaPlanes : Encoding::kForPlanes;
    const size_t start = out->size();
    DP_RETURN_IF_ERROR(EncodeIntegerPlanes(e, in, s, delta ? du.data() : u.data(), est, &a.planes, out));
    if (out->size() - start > limit) {
      out->resize(start);
      return std::optional<Encoding>();
    }
    return std::optional<Encoding>(e);
  }
  // Floats and strings: dictionary codes, where a dictionary is small.
  const Dictionary* page_dict = a.PageDictionary();
  if (page_dict == nullptr) return std::optional<Encoding>();
  const Dictionary& dict = *page_dict;
  u.assign(dict.codes.begin(), dict.codes.end());
  const uint32_t planes = DictionaryPlanes(dict);
  const PlaneEstimate est = EstimatePlanes(u.data(), in.count, planes);
  if (DictionaryCodesOffset(dict.entry_bytes) + est.total > limit) return std::optional<Encoding>();
  const size_t start = out->size();
  DP_RETURN_IF_ERROR(EncodeDictionaryPlanesWith(in, dict, u.data(), est, &a.planes, out));
  if (out->size() - start > limit) {
    out->resize(start);
    return std::optional<Encoding>();
  }
  return std::optional<Encoding>(Encoding::kDictionaryPlanes);
}

namespace internal {

DecoderResult MakeForPlanesDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  constexpr Encoding kE = Encoding::kForPlanes;
  if (payload.size() < 16) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 16-byte header");
  }
  const uint64_t base = Load<uint64_t>(payload.data());
  if (WordBytes(t) == 4 && base > UINT32_MAX) {
    return PageCorruption(kE, t, count, "base " + std::to_string(base) + " does not fit the 32-bit word");
  }
  DP_ASSIGN_OR_RETURN(const uint32_t num, ParsePlaneCount(kE, t, count, payload.data() + 8, 7, WordBytes(t)));
  DP_ASSIGN_OR_RETURN(std::unique_ptr<Planes> planes, ParsePlanes(kE, t, payload, 16, num, count));
  return VisitInteger(t, [&](auto v) -> DecoderResult {
    using T = decltype(v);
    using W = WordOf<T>;
    return std::unique_ptr<PageDecoder>(new ForPlanesDecoder<T>(std::move(planes), W(base), count));
  });
}

DecoderResult MakeDeltaPlanesDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  constexpr Encoding kE = Encoding::kDeltaPlanes;
  if (payload.size() < 24) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 24-byte header");
  }
  const uint64_t first = Load<uint64_t>(payload.data());
  const uint64_t min_delta = Load<uint64_t>(payload.data() + 8);
  if (WordBytes(t) == 4 && (first > UINT32_MAX || min_delta > UINT32_MAX)) {
    return PageCorruption(kE, t, count, "first value or min_delta does not fit the 32-bit word");
  }
  DP_ASSIGN_OR_RETURN(const uint32_t num, ParsePlaneCount(kE, t, count, payload.data() + 16, 7, WordBytes(t)));
  DP_ASSIGN_OR_RETURN(std::unique_ptr<Planes> planes, ParsePlanes(kE, t, payload, 24, num, count));
  for (uint32_t k = 0; k < num; ++k) {
    if (planes->plane[k][0] != 0) {
      return PageCorruption(kE, t, count, "residual of value 0 is not zero (plane " + std::to_string(k) + ")");
    }
  }
  return VisitInteger(t, [&](auto v) -> DecoderResult {
    using T = decltype(v);
    using W = WordOf<T>;
    return std::unique_ptr<PageDecoder>(new DeltaPlanesDecoder<T>(std::move(planes), W(first), W(min_delta), count));
  });
}

DecoderResult MakeDictionaryPlanesDecoder(PhysicalType t, std::span<const uint8_t> payload, uint32_t count) {
  constexpr Encoding kE = Encoding::kDictionaryPlanes;
  if (payload.size() < kDictionaryHeaderSize) {
    return PageCorruption(kE, t, count,
                          "payload is " + std::to_string(payload.size()) + " bytes, shorter than the 8-byte header");
  }
  const uint32_t size = Load<uint32_t>(payload.data());
  if (size == 0) return PageCorruption(kE, t, count, "dictionary size is 0");
  DP_ASSIGN_OR_RETURN(const uint32_t num, ParsePlaneCount(kE, t, count, payload.data() + 4, 3, 4));
  if (num != PlanesFor(CodeWidth(size))) {
    return PageCorruption(kE, t, count,
                          std::to_string(num) + " code planes, a dictionary of " + std::to_string(size) +
                              " entries needs " + std::to_string(PlanesFor(CodeWidth(size))));
  }
  DP_ASSIGN_OR_RETURN(const DictionaryHead head, ParseDictionaryHead(kE, t, count, payload, size));
  DP_ASSIGN_OR_RETURN(std::unique_ptr<Planes> planes, ParsePlanes(kE, t, payload, head.codes_at, num, count));
  return WithDictionaryEntries(t, head, size, [&](auto entries) -> DecoderResult {
    using Entry = typename decltype(entries)::value_type;
    return std::unique_ptr<PageDecoder>(
        new DictionaryPlanesDecoder<Entry>(std::move(entries), std::move(planes), t, count));
  });
}

}  // namespace internal
}  // namespace dp::format
