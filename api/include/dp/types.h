// Logical types, fields, schemas and single values.
//
// A Schema is an ordered list of Fields; each Field has a stable field id
// (assigned from 1 when left 0), a name, a DataType, a nullability flag and a
// free-text doc. Timestamps are int64 counts of `unit` since the Unix epoch;
// `utc` says whether they denote UTC instants (true) or wall-clock times.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dp/result.h"

namespace dp {

// on-disk: stored in the schema of every segment. Append only; never renumber.
enum class TypeId : uint8_t {
  kBool = 0,
  kInt8 = 1,
  kInt16 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kUInt8 = 5,
  kUInt16 = 6,
  kUInt32 = 7,
  kUInt64 = 8,
  kFloat32 = 9,
  kFloat64 = 10,
  kTimestamp = 11,  // int64 in `unit`
  kDate32 = 12,     // int32 days since 1970-01-01
  kString = 13,     // UTF-8
  kBinary = 14,
};
inline constexpr uint8_t kMaxTypeId = 14;

// on-disk: append only.
enum class TimeUnit : uint8_t { kSecond = 0, kMilli = 1, kMicro = 2, kNano = 3 };

struct DataType {
  TypeId id = TypeId::kInt64;
  TimeUnit unit = TimeUnit::kMicro;  // kTimestamp only
  bool utc = true;                   // kTimestamp only

  static DataType Bool() { return {TypeId::kBool}; }
  static DataType Int8() { return {TypeId::kInt8}; }
  static DataType Int16() { return {TypeId::kInt16}; }
  static DataType Int32() { return {TypeId::kInt32}; }
  static DataType Int64() { return {TypeId::kInt64}; }
  static DataType UInt8() { return {TypeId::kUInt8}; }
  static DataType UInt16() { return {TypeId::kUInt16}; }
  static DataType UInt32() { return {TypeId::kUInt32}; }
  static DataType UInt64() { return {TypeId::kUInt64}; }
  static DataType Float32() { return {TypeId::kFloat32}; }
  static DataType Float64() { return {TypeId::kFloat64}; }
  static DataType Timestamp(TimeUnit unit, bool utc = true) { return {TypeId::kTimestamp, unit, utc}; }
  static DataType Date32() { return {TypeId::kDate32}; }
  static DataType String() { return {TypeId::kString}; }
  static DataType Binary() { return {TypeId::kBinary}; }

  bool is_integer() const;        // int*, uint*, timestamp, date32
  bool is_signed_integer() const; // int*, timestamp, date32
  bool is_float() const { return id == TypeId::kFloat32 || id == TypeId::kFloat64; }
  bool is_binary_like() const { return id == TypeId::kString || id == TypeId::kBinary; }
  // Bytes per value in memory (bool: 1, one uint8_t 0/1 per value); 0 for string/binary.
  int byte_width() const;

  // "int64", "timestamp[us, UTC]", "string", ...
  std::string ToString() const;
  // Parses what ToString() prints (and short forms: "timestamp[us]" = UTC).
  static Result<DataType> Parse(std::string_view text);

  friend bool operator==(const DataType& a, const DataType& b) {
    if (a.id != b.id) return false;
    return a.id != TypeId::kTimestamp || (a.unit == b.unit && a.utc == b.utc);
  }
};

std::string_view TimeUnitSuffix(TimeUnit unit);  // "s", "ms", "us", "ns"

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
  std::string doc;
  uint32_t field_id = 0;  // 0: assigned by Schema::Make (position + 1)
};

struct KeyValue {
  std::string key;
  std::string value;
  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

class Schema {
 public:
  Schema() = default;

  // Validates names (non-empty, valid UTF-8, <= kMaxNameBytes, unique), docs
  // (<= kMaxDocBytes), field ids (unique; 0 gets assigned) and types.
  static Result<Schema> Make(std::vector<Field> fields);

  static constexpr size_t kMaxNameBytes = 256;
  static constexpr size_t kMaxDocBytes = 64 * 1024;
  static constexpr size_t kMaxFields = 65536;

  const std::vector<Field>& fields() const { return fields_; }
  size_t num_fields() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  // -1 when absent.
  int FieldIndex(std::string_view name) const;

  std::string ToString() const;  // one "name: type [not null] -- doc" per line

 private:
  std::vector<Field> fields_;
};

// A single value, used for row-at-a-time helpers, statistics and printing.
// Integers of every width travel as int64 (signed types, timestamp, date32)
// or uint64 (unsigned types); floats as double; string and binary as bytes.
class Value {
 public:
  using Storage = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool v) { return Value(Storage(v)); }
  static Value Int(int64_t v) { return Value(Storage(v)); }
  static Value UInt(uint64_t v) { return Value(Storage(v)); }
  static Value Double(double v) { return Value(Storage(v)); }
  static Value Bytes(std::string v) { return Value(Storage(std::move(v))); }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_uint() const { return std::holds_alternative<uint64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_bytes() const { return std::holds_alternative<std::string>(v_); }
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  uint64_t as_uint() const { return std::get<uint64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_bytes() const { return std::get<std::string>(v_); }
  const Storage& storage() const { return v_; }

  // Renders the value as the given type would print it: timestamps as
  // ISO 8601 ("2024-01-02T03:04:05.123456Z"), date32 as "2024-01-02",
  // binary as hex, strings as-is; null as "null".
  std::string ToString(const DataType& type) const;

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  explicit Value(Storage v) : v_(std::move(v)) {}
  Storage v_;
};

// Formats an epoch count in `unit` as ISO 8601 with the unit's precision
// ("…T…Z" when utc). Works for the full int64 range (proleptic Gregorian).
std::string FormatTimestamp(int64_t value, TimeUnit unit, bool utc);
std::string FormatDate32(int32_t days);

// Parses an RFC 3339 time into counts of `unit` since 1970-01-01T00:00:00Z:
// "2024-01-31T12:00:00Z", "2024-01-31 12:00:00.25+02:00", "2024-01-31t12:00:00z",
// or a bare date "2024-01-31" (midnight UTC). A time without an offset is
// UTC. Fractional digits beyond the unit must be zeros; a leap second (:60)
// reads as :59. InvalidArgument says what is wrong with the text.
Result<int64_t> ParseTimestamp(std::string_view text, TimeUnit unit);
// "YYYY-MM-DD" -> days since 1970-01-01.
Result<int32_t> ParseDate32(std::string_view text);

}  // namespace dp
