#include "tools/dpload/batch.h"

#include <algorithm>

#include "tools/dpload/convert.h"

namespace dp::tools::dpload {

BatchBuilder::BatchBuilder(const Schema& schema, size_t capacity, size_t max_arena_bytes)
    : schema_(&schema), capacity_(std::max<size_t>(capacity, 1)), max_arena_bytes_(max_arena_bytes) {
  columns_.resize(schema.num_fields());
  data_.resize(schema.num_fields());
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    const DataType& t = schema.field(i).type;
    c.is_string = t.is_binary_like();
    c.width = t.byte_width();
    if (c.is_string) {
      c.spans.resize(capacity_);
      c.views.resize(capacity_);
    } else {
      c.values = std::make_unique<uint8_t[]>(capacity_ * static_cast<size_t>(c.width));
    }
    c.validity.assign(capacity_ / 8 + 1, 0xFF);
  }
}

void BatchBuilder::GrowArena(size_t need) {
  const size_t cap = std::max({arena_capacity_ * 2, arena_size_ + need, size_t{1} << 16});
  auto bigger = std::make_unique<char[]>(cap);
  if (arena_size_ > 0) std::memcpy(bigger.get(), arena_.get(), arena_size_);
  arena_ = std::move(bigger);
  arena_capacity_ = cap;
}

std::span<const ColumnData> BatchBuilder::Columns() {
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    ColumnData& d = data_[i];
    d = ColumnData{};
    d.length = rows_;
    d.validity = c.null_count > 0 ? c.validity.data() : nullptr;
    if (c.is_string) {
      const char* base = arena_.get();
      for (size_t r = 0; r < rows_; ++r) c.views[r] = std::string_view(base + c.spans[r].offset, c.spans[r].length);
      d.strings = c.views.data();
    } else {
      d.values = c.values.get();
    }
  }
  return data_;
}

void BatchBuilder::Reset() {
  for (Column& c : columns_) {
    if (c.null_count > 0) std::fill(c.validity.begin(), c.validity.end(), uint8_t{0xFF});
    c.null_count = 0;
  }
  rows_ = 0;
  arena_size_ = 0;
}

namespace {

// Parses with `parse(T*)` and stores the value in the current row.
template <typename T, typename Parse>
bool Store(BatchBuilder* b, size_t col, Parse&& parse) {
  T v;
  if (!parse(&v)) return false;
  b->Set<T>(col, v);
  return true;
}

template <typename T>
bool StoreInteger(BatchBuilder* b, size_t col, std::string_view text, std::string* why) {
  return Store<T>(b, col, [&](T* v) { return ParseInteger<T>(text, v, why); });
}

}  // namespace

bool StoreText(BatchBuilder* b, size_t col, std::string_view text, bool ascii, std::string* why,
               size_t* error_offset) {
  *error_offset = 0;
  const DataType& type = b->schema().field(col).type;
  switch (type.id) {
    case TypeId::kString: {
      if (!ascii && !IsAscii(text.data(), text.size())) {
        const size_t ok = Utf8ValidPrefix(text);
        if (ok != text.size()) {
          *error_offset = ok;
          *why = "invalid UTF-8 (byte 0x";
          static constexpr char kHex[] = "0123456789abcdef";
          const auto c = static_cast<unsigned char>(text[ok]);
          *why += kHex[c >> 4];
          *why += kHex[c & 15];
          *why += " at offset " + std::to_string(ok) + " of the value)";
          return false;
        }
      }
      b->SetString(col, text);
      return true;
    }
    case TypeId::kBinary: {
      char* out = b->BeginString(text.size() / 2);
      if (!ParseHex(text, out, why)) return false;
      b->EndString(col, text.size() / 2);
      return true;
    }
    case TypeId::kBool: return Store<uint8_t>(b, col, [&](uint8_t* v) { return ParseBool(text, v, why); });
    case TypeId::kInt8: return StoreInteger<int8_t>(b, col, text, why);
    case TypeId::kInt16: return StoreInteger<int16_t>(b, col, text, why);
    case TypeId::kInt32: return StoreInteger<int32_t>(b, col, text, why);
    case TypeId::kInt64: return StoreInteger<int64_t>(b, col, text, why);
    case TypeId::kUInt8: return StoreInteger<uint8_t>(b, col, text, why);
    case TypeId::kUInt16: return StoreInteger<uint16_t>(b, col, text, why);
    case TypeId::kUInt32: return StoreInteger<uint32_t>(b, col, text, why);
    case TypeId::kUInt64: return StoreInteger<uint64_t>(b, col, text, why);
    case TypeId::kFloat32: return Store<float>(b, col, [&](float* v) { return ParseFloat32(text, v, why); });
    case TypeId::kFloat64: return Store<double>(b, col, [&](double* v) { return ParseFloat64(text, v, why); });
    case TypeId::kTimestamp:
      return Store<int64_t>(b, col, [&](int64_t* v) { return ParseTimestamp(text, type.unit, type.utc, v, why); });
    case TypeId::kDate32: return Store<int32_t>(b, col, [&](int32_t* v) { return ParseDate32(text, v, why); });
  }
  *why = "unsupported column type " + type.ToString();
  return false;
}

}  // namespace dp::tools::dpload
