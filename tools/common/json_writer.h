// A small streaming JSON writer (RFC 8259) for the tools' --json output.
//
// It tracks nesting to place commas and (optionally) indentation; keys and
// strings are escaped: '"', '\\' and control characters, and any byte
// sequence that is not valid UTF-8 becomes U+FFFD, so the output is always
// valid JSON. Non-finite doubles (JSON has none) are written as the strings
// "NaN", "Infinity" and "-Infinity".
//
//   std::string out;
//   JsonWriter j(&out, /*pretty=*/true);
//   j.BeginObject().Key("rows").UInt(3).Key("path").String("a.dpc").EndObject();
//
// REQUIRES: calls form one well-nested value (a Key before each object member).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dp::tools {

// Appends `s` as a quoted, escaped JSON string.
void AppendJsonString(std::string* out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out, bool pretty = false) : out_(out), pretty_(pretty) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  JsonWriter& UInt(uint64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // A number already formatted (e.g. a float32 in its shortest form).
  // REQUIRES: `literal` is a valid JSON number.
  JsonWriter& Number(std::string_view literal);

 private:
  void BeforeValue();
  void NewLine();

  struct Level {
    bool empty = true;
  };
  std::string* out_;
  bool pretty_;
  bool after_key_ = false;
  std::vector<Level> stack_;
};

}  // namespace dp::tools
