// Helpers shared by the storage tests: temp dirs, random typed columns.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "dp/segment.h"
#include "dp/writer.h"

namespace dp::testing {

inline std::string StatusText(const Status& s) { return s.ToString(); }
template <typename T>
std::string StatusText(const Result<T>& r) { return r.status().ToString(); }

#define ASSERT_OK(expr)                                                   \
  do {                                                                    \
    auto&& dp_s_ = (expr);                                                \
    ASSERT_TRUE(dp_s_.ok()) << ::dp::testing::StatusText(dp_s_);          \
  } while (0)

class TempDir {
 public:
  TempDir() {
    // Prefer memory-backed /dev/shm: corruption tests write thousands of files.
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                  : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "dptest-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
inline void WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// One column of test data kept as Values (the oracle) plus the typed buffers
// a ColumnData points into.
struct TestColumn {
  DataType type;
  std::vector<Value> expected;
  std::vector<uint8_t> validity;
  std::vector<uint8_t> raw;  // fixed width
  std::vector<std::string> owned;
  std::vector<std::string_view> views;
  bool has_nulls = false;

  ColumnData Data() const {
    ColumnData d;
    d.length = expected.size();
    d.validity = has_nulls ? validity.data() : nullptr;
    if (type.is_binary_like()) d.strings = views.data();
    else d.values = raw.data();
    return d;
  }
};

// Builds a column from Values (nulls allowed).
inline TestColumn MakeColumn(DataType type, std::vector<Value> values) {
  TestColumn col;
  col.type = type;
  col.expected = std::move(values);
  const size_t n = col.expected.size();
  col.validity.assign((n + 7) / 8 + 1, 0);
  const int w = type.byte_width();
  col.raw.assign(n * std::max(w, 1) + 8, 0);
  col.owned.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Value& v = col.expected[i];
    if (v.is_null()) {
      col.has_nulls = true;
      continue;
    }
    col.validity[i / 8] |= uint8_t(1u << (i % 8));
    uint8_t* dst = col.raw.data() + i * std::max(w, 1);
    switch (type.id) {
      case TypeId::kBool: *dst = v.as_bool(); break;
      case TypeId::kInt8: { int8_t x = int8_t(v.as_int()); std::memcpy(dst, &x, 1); break; }
      case TypeId::kInt16: { int16_t x = int16_t(v.as_int()); std::memcpy(dst, &x, 2); break; }
      case TypeId::kInt32:
      case TypeId::kDate32: { int32_t x = int32_t(v.as_int()); std::memcpy(dst, &x, 4); break; }
      case TypeId::kInt64:
      case TypeId::kTimestamp: { int64_t x = v.as_int(); std::memcpy(dst, &x, 8); break; }
      case TypeId::kUInt8: { uint8_t x = uint8_t(v.as_uint()); std::memcpy(dst, &x, 1); break; }
      case TypeId::kUInt16: { uint16_t x = uint16_t(v.as_uint()); std::memcpy(dst, &x, 2); break; }
      case TypeId::kUInt32: { uint32_t x = uint32_t(v.as_uint()); std::memcpy(dst, &x, 4); break; }
      case TypeId::kUInt64: { uint64_t x = v.as_uint(); std::memcpy(dst, &x, 8); break; }
      case TypeId::kFloat32: { float x = float(v.as_double()); std::memcpy(dst, &x, 4); break; }
      case TypeId::kFloat64: { double x = v.as_double(); std::memcpy(dst, &x, 8); break; }
      case TypeId::kString:
      case TypeId::kBinary: col.owned[i] = v.as_bytes(); break;
    }
  }
  for (size_t i = 0; i < n; ++i) col.views.emplace_back(col.owned[i]);
  return col;
}

// Bit-exact comparison (NaN payloads and -0.0 included).
inline bool SameValue(const Value& a, const Value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.as_double(), y = b.as_double();
    return std::memcmp(&x, &y, 8) == 0;
  }
  return a == b;
}

inline Value RandomValue(const DataType& t, std::mt19937_64& rng) {
  switch (t.id) {
    case TypeId::kBool: return Value::Bool(rng() & 1);
    case TypeId::kInt8: return Value::Int(int8_t(rng()));
    case TypeId::kInt16: return Value::Int(int16_t(rng()));
    case TypeId::kInt32:
    case TypeId::kDate32: return Value::Int(int32_t(rng()));
    case TypeId::kInt64:
    case TypeId::kTimestamp: return Value::Int(int64_t(rng()));
    case TypeId::kUInt8: return Value::UInt(uint8_t(rng()));
    case TypeId::kUInt16: return Value::UInt(uint16_t(rng()));
    case TypeId::kUInt32: return Value::UInt(uint32_t(rng()));
    case TypeId::kUInt64: return Value::UInt(rng());
    case TypeId::kFloat32: return Value::Double(double(float(int32_t(rng()) / 1024.0)));
    case TypeId::kFloat64: return Value::Double(int64_t(rng()) / 7.0);
    case TypeId::kString:
    case TypeId::kBinary: {
      std::string s(rng() % 20, 'a');
      for (char& c : s) c = char('a' + rng() % 26);
      return Value::Bytes(s);
    }
  }
  return Value::Null();
}

inline std::vector<DataType> AllTypes() {
  return {DataType::Bool(),    DataType::Int8(),    DataType::Int16(),  DataType::Int32(),
          DataType::Int64(),   DataType::UInt8(),   DataType::UInt16(), DataType::UInt32(),
          DataType::UInt64(),  DataType::Float32(), DataType::Float64(),
          DataType::Timestamp(TimeUnit::kMicro),    DataType::Timestamp(TimeUnit::kNano, false),
          DataType::Date32(),  DataType::String(),  DataType::Binary()};
}

}  // namespace dp::testing
