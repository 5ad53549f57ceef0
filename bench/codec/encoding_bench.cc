// Page encodings (format/encoding.h): encode and decode speed and size per
// encoding on representative data, and the fused decode+sum over a
// bit-packed int64 column against a plain sum of the same values (the
// memory-bandwidth baseline).
//
//   build-enc/bench_codec/encoding_bench --benchmark_filter=Sum
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "format/bitpack.h"
#include "format/codec.h"
#include "format/encoding.h"

namespace dp::format {
namespace {

constexpr uint32_t kPageValues = 65536;

// A page of one data set, with storage.
struct Dataset {
  const char* name;
  Encoding expected;
  PhysicalType type;
  std::vector<uint64_t> storage;
  std::vector<std::string> owned;
  std::vector<std::string_view> strings;
  PageValues View() const { return {type, kPageValues, storage.data(), strings.data()}; }
};

template <typename T>
Dataset Fixed(const char* name, Encoding expected, PhysicalType t, const std::vector<T>& v) {
  Dataset d{name, expected, t, {}, {}, {}};
  d.storage.resize((v.size() * sizeof(T) + 7) / 8);
  std::memcpy(d.storage.data(), v.data(), v.size() * sizeof(T));
  return d;
}

const std::vector<Dataset>& Datasets() {
  static const std::vector<Dataset> sets = [] {
    std::mt19937_64 rng(42);
    std::vector<Dataset> out;
    std::vector<int32_t> u16(kPageValues);
    for (auto& x : u16) x = int32_t(rng() % 65536);
    out.push_back(Fixed("for_uniform_16bit_i32", Encoding::kForBitpack, PhysicalType::kI32, u16));
    std::vector<int64_t> ts(kPageValues);
    int64_t t = 1'700'000'000'000'000;
    for (auto& x : ts) x = t += 1000 + int64_t(rng() % 16);
    out.push_back(Fixed("delta_sorted_timestamps_i64", Encoding::kDeltaBitpack, PhysicalType::kI64, ts));
    std::vector<int32_t> runs;
    while (runs.size() < kPageValues) runs.insert(runs.end(), 100 + rng() % 800, int32_t(rng()));
    runs.resize(kPageValues);
    out.push_back(Fixed("rle_runs_i32", Encoding::kRle, PhysicalType::kI32, runs));
    std::vector<double> f64(kPageValues);
    for (auto& x : f64) x = double(rng()) / 7.0;
    out.push_back(Fixed("plain_random_f64", Encoding::kPlain, PhysicalType::kF64, f64));
    std::vector<double> prices(kPageValues);
    for (auto& x : prices) x = 0.99 + double(rng() % 200);
    out.push_back(Fixed("dict_200_prices_f64", Encoding::kDictionary, PhysicalType::kF64, prices));
    Dataset s{"dict_50_category_strings", Encoding::kDictionary, PhysicalType::kBytes, {}, {}, {}};
    for (uint32_t i = 0; i < kPageValues; ++i) s.owned.push_back("category-" + std::to_string(rng() % 50));
    for (const auto& str : s.owned) s.strings.emplace_back(str);
    out.push_back(std::move(s));
    Dataset u{"plain_unique_strings", Encoding::kPlain, PhysicalType::kBytes, {}, {}, {}};
    for (uint32_t i = 0; i < kPageValues; ++i) u.owned.push_back("user-" + std::to_string(rng()));
    for (const auto& str : u.owned) u.strings.emplace_back(str);
    out.push_back(std::move(u));
    return out;
  }();
  return sets;
}

// Automatic choice + encoding of one page (what the writer pays per page).
void BM_Encode(benchmark::State& state) {
  const Dataset& d = Datasets()[size_t(state.range(0))];
  std::vector<uint8_t> out;
  Encoding chosen = Encoding::kPlain;
  for (auto _ : state) {
    out.clear();
    auto e = EncodeValues(d.View(), {}, &out);
    if (!e.ok()) {
      state.SkipWithError(e.status().ToString().c_str());
      return;
    }
    chosen = *e;
    benchmark::DoNotOptimize(out.data());
  }
  if (chosen != d.expected) state.SkipWithError("automatic choice differs from the expected encoding");
  state.SetItemsProcessed(int64_t(state.iterations()) * kPageValues);
  state.counters["bytes_per_value"] = double(out.size()) / kPageValues;
  state.SetLabel(d.name);
}

void BM_Decode(benchmark::State& state) {
  const Dataset& d = Datasets()[size_t(state.range(0))];
  std::vector<uint8_t> payload;
  if (!EncodeWith(d.expected, d.View(), &payload).ok()) {
    state.SkipWithError("encoding failed");
    return;
  }
  std::vector<uint64_t> values(kPageValues);
  std::vector<std::string_view> strings(kPageValues);
  for (auto _ : state) {
    const Status s = DecodeAll(d.expected, d.type, payload, kPageValues, values.data(), strings.data());
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(values.data());
    benchmark::DoNotOptimize(strings.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kPageValues);
  state.counters["bytes_per_value"] = double(payload.size()) / kPageValues;
  state.SetLabel(d.name);
}

void AllDatasets(benchmark::internal::Benchmark* b) {
  for (size_t i = 0; i < Datasets().size(); ++i) b->Arg(int64_t(i));
}
BENCHMARK(BM_Encode)->Apply(AllDatasets);
BENCHMARK(BM_Decode)->Apply(AllDatasets);

// ---- byte planes vs bit-packing on order-event pages ------------------------
// Pages like the dpgen order data, stored as the writer stores them: the
// classic encoding with the page codec where the writer keeps one, against
// the byte-plane encoding (no page codec; zstd inside). A decode iteration is
// what a reader pays per page: codec, then the decoder over every value.

struct OrderPage {
  const char* name;
  Encoding classic;
  Codec classic_codec;
  Encoding planes;
  Dataset data;
};

const std::vector<OrderPage>& OrderPages() {
  static const std::vector<OrderPage> pages = [] {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<OrderPage> out;
    std::vector<int64_t> customer(kPageValues);
    for (auto& x : customer) x = int64_t(1e6 * u(rng) * u(rng) * u(rng));
    out.push_back({"customer_id_cubed", Encoding::kForBitpack, Codec::kNone, Encoding::kForPlanes,
                   Fixed("", Encoding::kForBitpack, PhysicalType::kI64, customer)});
    std::exponential_distribution<double> gap(1 / 6.3e6);
    std::vector<int64_t> ts(kPageValues);
    int64_t t = 1'700'000'000'000'000;
    for (auto& x : ts) x = t += int64_t(gap(rng));
    out.push_back({"ts_exponential_gaps", Encoding::kDeltaBitpack, Codec::kNone, Encoding::kDeltaPlanes,
                   Fixed("", Encoding::kDeltaBitpack, PhysicalType::kI64, ts)});
    std::vector<double> discount(kPageValues);
    for (auto& x : discount) x = rng() % 5 == 0 ? double(1 + rng() % 50) / 100 : 0.0;
    out.push_back({"discount_80pct_zero", Encoding::kDictionary, Codec::kZstd, Encoding::kDictionaryPlanes,
                   Fixed("", Encoding::kDictionary, PhysicalType::kF64, discount)});
    OrderPage cat{"category_50_strings", Encoding::kDictionary, Codec::kNone, Encoding::kDictionaryPlanes,
                  Dataset{"", Encoding::kDictionary, PhysicalType::kBytes, {}, {}, {}}};
    for (uint32_t i = 0; i < kPageValues; ++i) cat.data.owned.push_back("category-" + std::to_string(rng() % 50));
    for (const auto& str : cat.data.owned) cat.data.strings.emplace_back(str);
    out.push_back(std::move(cat));
    return out;
  }();
  return pages;
}

// range(0): the page; range(1): 0 classic, 1 byte planes.
void BM_DecodeOrderPage(benchmark::State& state) {
  const OrderPage& p = OrderPages()[size_t(state.range(0))];
  const bool planes = state.range(1) == 1;
  const Encoding e = planes ? p.planes : p.classic;
  const Codec codec = planes ? Codec::kNone : p.classic_codec;
  std::vector<uint8_t> body, stored;
  if (!EncodeWith(e, p.data.View(), &body).ok() || !Compress(codec, body, 1, &stored).ok()) {
    state.SkipWithError("encoding failed");
    return;
  }
  std::vector<uint8_t> decoded(body.size());
  std::vector<uint64_t> values(kPageValues);
  std::vector<std::string_view> strings(kPageValues);
  for (auto _ : state) {
    Status s = Decompress(codec, stored, decoded);
    if (s.ok()) s = DecodeAll(e, p.data.type, decoded, kPageValues, values.data(), strings.data());
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(values.data());
    benchmark::DoNotOptimize(strings.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kPageValues);
  state.counters["bytes_per_value"] = double(stored.size()) / kPageValues;
  state.SetLabel(std::string(p.name) + " " + std::string(EncodingName(e)) + "+" + std::string(CodecName(codec)));
}

void OrderPageArgs(benchmark::internal::Benchmark* b) {
  for (size_t i = 0; i < OrderPages().size(); ++i) {
    b->Args({int64_t(i), 0});
    b->Args({int64_t(i), 1});
  }
}
BENCHMARK(BM_DecodeOrderPage)->Apply(OrderPageArgs);

// ---- fused decode + sum over a 16M-value int64 column ------------------------

constexpr size_t kColumnValues = size_t{16} << 20;
constexpr int64_t kBase = 1'000'000'007;

// The column as FOR blocks (base kBase, `width` bits) and as plain int64.
struct Column {
  uint32_t width;
  std::vector<uint64_t> packed;
  std::vector<int64_t> plain;
};

const Column& ColumnOf(uint32_t width) {
  static std::vector<Column> columns;
  for (const Column& c : columns) {
    if (c.width == width) return c;
  }
  Column c{width, std::vector<uint64_t>(kColumnValues / 1024 * 16 * width), std::vector<int64_t>(kColumnValues)};
  std::mt19937_64 rng(width);
  std::vector<uint64_t> block(1024);
  for (size_t b = 0; b < kColumnValues / 1024; ++b) {
    for (size_t i = 0; i < 1024; ++i) {
      block[i] = rng() & ((uint64_t{1} << width) - 1);
      c.plain[b * 1024 + i] = kBase + int64_t(block[i]);
    }
    Pack1024(block.data(), width, c.packed.data() + b * 16 * width);
  }
  columns.push_back(std::move(c));
  return columns.back();
}

void BM_PlainSum(benchmark::State& state) {
  const Column& c = ColumnOf(uint32_t(state.range(0)));
  for (auto _ : state) {
    int64_t sum = 0;
    for (int64_t v : c.plain) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kColumnValues));
  state.counters["bytes_per_value"] = 8;
}

void BM_FusedUnpackSum(benchmark::State& state) {
  const uint32_t width = uint32_t(state.range(0));
  const Column& c = ColumnOf(width);
  int64_t check = 0;
  for (int64_t v : c.plain) check += v;
  for (auto _ : state) {
    uint64_t sum = 0;
    for (size_t b = 0; b < kColumnValues / 1024; ++b) sum += UnpackSum1024(c.packed.data() + b * 16 * width, width);
    const auto total = int64_t(sum + uint64_t{kColumnValues} * uint64_t(kBase));
    if (total != check) state.SkipWithError("fused sum differs from the plain sum");
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kColumnValues));
  state.counters["bytes_per_value"] = width / 8.0;
  state.SetLabel(BitpackVariant());
}

// Unfused: decode each block (with its base) to a buffer, then sum it.
void BM_UnpackForThenSum(benchmark::State& state) {
  const uint32_t width = uint32_t(state.range(0));
  const Column& c = ColumnOf(width);
  alignas(64) uint64_t buf[1024];
  for (auto _ : state) {
    uint64_t sum = 0;
    for (size_t b = 0; b < kColumnValues / 1024; ++b) {
      UnpackFor1024(c.packed.data() + b * 16 * width, width, uint64_t(kBase), buf);
      for (uint64_t v : buf) sum += v;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kColumnValues));
  state.counters["bytes_per_value"] = width / 8.0;
  state.SetLabel(BitpackVariant());
}

BENCHMARK(BM_PlainSum)->ArgName("width")->Arg(4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FusedUnpackSum)->ArgName("width")->Arg(4)->Arg(10)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UnpackForThenSum)->ArgName("width")->Arg(4)->Arg(10)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dp::format

BENCHMARK_MAIN();
