// Fuzz target: contract text (YAML subset / JSON, spec/contract.md) is hostile
// input. Contract::Parse must refuse anything malformed with a message; a
// contract it accepts must give a validator that checks batches of every
// type without crashing: all nulls, all zeros, then mixed extremes (type
// bounds, the contract's own enum values, invalid UTF-8, long strings) over
// more than one 64-row block, twice through one validator so unique and key
// rules see repeats. With DP_FUZZ_VERBOSE set, each input's parse status is
// printed (to check that the seeds parse).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dp/contract.h"

namespace {

constexpr size_t kRows = 70;  // one full 64-row block and a partial one

// The buffers of one column of a test batch.
struct Column {
  std::vector<uint64_t> words;  // fixed width: kRows values at the type's width
  std::vector<std::string> owned;
  std::vector<std::string_view> views;
  std::vector<uint8_t> validity;
};

enum class Fill { kNulls, kZeros, kMixed };

// A value of `t` for row r of a kMixed batch: zero, the type's bounds, +-1.
uint64_t MixedBits(const dp::DataType& t, size_t r) {
  switch (r % 5) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~uint64_t{0};  // -1 / the largest unsigned / a NaN for floats
    default: break;
  }
  const bool hi = r % 5 == 4;
  switch (t.id) {
    case dp::TypeId::kFloat32: {
      const float f = hi ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::max();
      uint32_t b;
      std::memcpy(&b, &f, 4);
      return b;
    }
    case dp::TypeId::kFloat64: {
      const double d = hi ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::infinity();
      uint64_t b;
      std::memcpy(&b, &d, 8);
      return b;
    }
    case dp::TypeId::kBool: return hi ? 1 : 0;
    default: {
      const int w = t.byte_width();
      const uint64_t sign = uint64_t{1} << (8 * w - 1);
      return t.is_signed_integer() ? (hi ? sign - 1 : sign) : (hi ? ~uint64_t{0} : 0);
    }
  }
}

std::string MixedString(const dp::FieldRules& rules, size_t r) {
  switch (r % 6) {
    case 0: return "";
    case 1: return rules.enum_values.empty() ? "x" : rules.enum_values[r % rules.enum_values.size()];
    case 2: return "\xff\xfe\xc3";  // invalid UTF-8
    case 3: return std::string(300, char('a' + r % 26));
    case 4: return "category_0" + std::to_string(r % 10);
    default: return "\xc3\xa9t\xc3\xa9";
  }
}

void Build(const dp::Contract& c, Fill fill, std::vector<Column>* cols, std::vector<dp::ColumnData>* data) {
  const dp::Schema& schema = c.schema();
  cols->assign(schema.num_fields(), Column{});
  data->clear();
  for (size_t f = 0; f < schema.num_fields(); ++f) {
    const dp::DataType& t = schema.field(f).type;
    Column& col = (*cols)[f];
    col.validity.assign((kRows + 7) / 8, 0);
    for (size_t r = 0; r < kRows; ++r) {
      const bool valid = fill == Fill::kZeros || (fill == Fill::kMixed && r % 7 != 3);
      if (valid) col.validity[r / 8] |= uint8_t(1u << (r % 8));
    }
    dp::ColumnData d;
    d.length = kRows;
    d.validity = fill == Fill::kZeros ? nullptr : col.validity.data();
    if (t.is_binary_like()) {
      for (size_t r = 0; r < kRows; ++r) {
        col.owned.push_back(fill == Fill::kMixed ? MixedString(c.rules()[f], r) : std::string());
      }
      for (const std::string& s : col.owned) col.views.emplace_back(s);
      d.strings = col.views.data();
    } else {
      const size_t w = size_t(t.byte_width());
      col.words.assign((kRows * w + 7) / 8, 0);
      if (fill == Fill::kMixed) {
        for (size_t r = 0; r < kRows; ++r) {
          const uint64_t bits = MixedBits(t, r);
          std::memcpy(reinterpret_cast<uint8_t*>(col.words.data()) + r * w, &bits, w);
        }
      }
      d.values = col.words.data();
    }
    data->push_back(d);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 20) + 16) return 0;
  auto contract = dp::Contract::Parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  static const bool verbose = std::getenv("DP_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s\n", contract.status().ToString().c_str());
  if (!contract.ok()) return 0;
  const dp::Contract& c = *contract;
  (void)c.schema().ToString();
  (void)c.checksum();
  if (c.rules().size() != c.schema().num_fields()) __builtin_trap();
  auto validator = c.NewValidator();
  if (!validator.ok()) return 0;
  std::vector<Column> cols;
  std::vector<dp::ColumnData> batch;
  uint64_t first_row = 0;
  for (int round = 0; round < 2; ++round) {
    for (Fill fill : {Fill::kNulls, Fill::kZeros, Fill::kMixed}) {
      Build(c, fill, &cols, &batch);
      (void)(*validator)->Validate(batch, first_row);
      first_row += kRows;
    }
    (*validator)->Reset();
  }
  return 0;
}
