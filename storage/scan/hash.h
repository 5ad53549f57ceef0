// Hashing helpers of the scan core: a 64-bit mixer, an open-addressing set
// of 64-bit keys (exact distinct counts) and HyperLogLog (approximate).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dp::internal::scan {

// A bijective 64-bit mixer (MurmurHash3's finalizer).
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// A prefetch of the cache line at p (kWrite: for a store). The empty asm
// makes the caller impure: GCC otherwise judged a helper made only of
// __builtin_prefetch free of effects and dropped its calls (the result
// rows of Finish were built with no prefetch at all).
template <bool kWrite = false>
inline void Prefetch(const void* p) {
  __builtin_prefetch(p, kWrite ? 1 : 0);
  asm volatile("" : : "r"(p));
}

uint64_t HashBytes(std::string_view s);

// Open addressing with linear probing, grows at 1/2 load. Keys are any
// 64-bit values (the all-ones key is tracked aside).
class U64Set {
 public:
  U64Set() { Rehash(64); }
  void Insert(uint64_t key) {
    if (key == kEmpty) {
      has_empty_key_ = true;
      return;
    }
    for (size_t i = Mix64(key) >> shift_;; i = (i + 1) & mask_) {
      if (slots_[i] == key) return;
      if (slots_[i] == kEmpty) {
        slots_[i] = key;
        if (++size_ * 2 > slots_.size()) Rehash(slots_.size() * 2);
        return;
      }
    }
  }
  uint64_t size() const { return size_ + has_empty_key_; }
  uint64_t bytes() const { return slots_.size() * 8; }
  template <typename F>
  void ForEach(F f) const {
    for (uint64_t k : slots_) {
      if (k != kEmpty) f(k);
    }
    if (has_empty_key_) f(kEmpty);
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  void Rehash(size_t capacity) {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    size_ = 0;
    for (uint64_t k : old) {
      if (k == kEmpty) continue;
      size_t i = Mix64(k) >> shift_;
      while (slots_[i] != kEmpty) i = (i + 1) & mask_;
      slots_[i] = k;
      ++size_;
    }
  }
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  int shift_ = 0;
  uint64_t size_ = 0;
  bool has_empty_key_ = false;
};

// HyperLogLog with 2^14 registers: standard error 1.04 / sqrt(16384) ~ 0.81%;
// linear counting below 2.5 * 2^14.
class Hll {
 public:
  static constexpr int kP = 14;
  static constexpr uint32_t kM = 1u << kP;
  Hll() : reg_(kM, 0) {}
  void Add(uint64_t hash) {
    const uint32_t idx = uint32_t(hash >> (64 - kP));
    const uint64_t rest = (hash << kP) | (uint64_t{1} << (kP - 1));  // guard bit bounds the rank
    const uint8_t rank = uint8_t(std::countl_zero(rest) + 1);
    if (rank > reg_[idx]) reg_[idx] = rank;
  }
  void Merge(const Hll& o) {
    for (uint32_t i = 0; i < kM; ++i) reg_[i] = reg_[i] > o.reg_[i] ? reg_[i] : o.reg_[i];
  }
  uint64_t Estimate() const {
    double sum = 0;
    uint32_t zeros = 0;
    for (uint8_t r : reg_) {
      sum += std::ldexp(1.0, -int(r));
      zeros += r == 0;
    }
    const double m = kM;
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);
    return uint64_t(std::llround(e));
  }

 private:
  std::vector<uint8_t> reg_;
};

}  // namespace dp::internal::scan
