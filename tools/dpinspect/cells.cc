#include "tools/dpinspect/cells.h"

#include <charconv>
#include <cmath>

namespace dp::tools::inspect {

namespace {

bool IsPlainInteger(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64: return true;
    default: return false;
  }
}

template <typename T>
T Load(const Block& b, uint32_t i) {
  return b.as<T>()[i];
}

}  // namespace

std::string DisplayText(std::string_view text, size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && chars == max_chars) {
      out += "…";
      return out;
    }
    if (starts_char) ++chars;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string DisplayStat(const std::optional<Value>& v, bool exact, const DataType& type, size_t max_chars) {
  if (!v) return "";
  std::string text = DisplayText(v->ToString(type), max_chars);
  if (!exact && !text.ends_with("…")) text += "…";
  return text;
}

void WriteJsonValue(JsonWriter& j, const Value& v, const DataType& type) {
  if (v.is_null()) {
    j.Null();
  } else if (v.is_bool()) {
    j.Bool(v.as_bool());
  } else if (v.is_int()) {
    if (type.id == TypeId::kTimestamp || type.id == TypeId::kDate32) {
      j.String(v.ToString(type));
    } else {
      j.Int(v.as_int());
    }
  } else if (v.is_uint()) {
    j.UInt(v.as_uint());
  } else if (v.is_double()) {
    if (std::isfinite(v.as_double())) {
      j.Number(v.ToString(type));  // float32 in its own shortest form
    } else {
      j.Double(v.as_double());
    }
  } else {
    j.String(v.ToString(type));
  }
}

void WriteJsonStats(JsonWriter& j, const ColumnStats& s, const DataType& type) {
  j.Key("num_values").UInt(s.num_values).Key("null_count").UInt(s.null_count);
  for (const auto& [key, value] : {std::pair{"min", &s.min}, std::pair{"max", &s.max}}) {
    j.Key(key);
    if (*value) {
      WriteJsonValue(j, **value, type);
    } else {
      j.Null();
    }
  }
  j.Key("min_exact").Bool(s.min_exact).Key("max_exact").Bool(s.max_exact);
  if (type.is_float()) j.Key("has_nan").Bool(s.has_nan);
}

void AppendCsvField(std::string* out, std::string_view text) {
  if (!text.empty() && text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Value BlockValue(const DataType& type, const Block& b, uint32_t i) {
  if (b.is_null(i)) return Value::Null();
  switch (type.id) {
    case TypeId::kBool: return Value::Bool(Load<uint8_t>(b, i) != 0);
    case TypeId::kInt8: return Value::Int(Load<int8_t>(b, i));
    case TypeId::kInt16: return Value::Int(Load<int16_t>(b, i));
    case TypeId::kInt32:
    case TypeId::kDate32: return Value::Int(Load<int32_t>(b, i));
    case TypeId::kInt64:
    case TypeId::kTimestamp: return Value::Int(Load<int64_t>(b, i));
    case TypeId::kUInt8: return Value::UInt(Load<uint8_t>(b, i));
    case TypeId::kUInt16: return Value::UInt(Load<uint16_t>(b, i));
    case TypeId::kUInt32: return Value::UInt(Load<uint32_t>(b, i));
    case TypeId::kUInt64: return Value::UInt(Load<uint64_t>(b, i));
    case TypeId::kFloat32: return Value::Double(Load<float>(b, i));
    case TypeId::kFloat64: return Value::Double(Load<double>(b, i));
    case TypeId::kString:
    case TypeId::kBinary: return Value::Bytes(std::string(b.strings[i]));
  }
  return Value::Null();
}

void AppendCsvCell(std::string* out, const DataType& type, const Block& b, uint32_t i) {
  if (b.is_null(i)) return;
  if (type.id == TypeId::kString) {
    AppendCsvField(out, b.strings[i]);
    return;
  }
  // Every other type prints without commas, quotes or line breaks.
  const Value v = BlockValue(type, b, i);
  if (IsPlainInteger(type.id)) {
    char buf[24];
    auto r = v.is_int() ? std::to_chars(buf, buf + sizeof(buf), v.as_int())
                        : std::to_chars(buf, buf + sizeof(buf), v.as_uint());
    out->append(buf, r.ptr);
    return;
  }
  out->append(v.ToString(type));
}

void WriteJsonCell(JsonWriter& j, const DataType& type, const Block& b, uint32_t i) {
  if (type.id == TypeId::kString && !b.is_null(i)) {
    j.String(b.strings[i]);
    return;
  }
  WriteJsonValue(j, BlockValue(type, b, i), type);
}

}  // namespace dp::tools::inspect
