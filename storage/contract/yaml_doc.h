// A bounded YAML document tree built from libyaml's event parser, for
// human-written contract files (spec/contract.md §"YAML subset").
//
// Only what a contract needs is kept: scalars (with their text and whether
// they were written plain, i.e. unquoted), sequences and mappings with
// scalar keys, each with its 1-based line and column. Everything that could
// turn a small file into a large amount of work is refused or bounded:
// document size, nesting depth, node count, scalar length; anchors, aliases
// and tags are refused; duplicate mapping keys are refused; a second
// document in the stream is refused; input must be valid UTF-8.
//
//   DP_ASSIGN_OR_RETURN(YamlNode root, ParseYaml(text, "orders.yaml"));
//   if (const YamlNode* p = root.Find("product")) ...
//
// Every error is InvalidArgument "<source>:<line>:<column>: <what>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"

namespace dp::storage {

struct YamlMark {
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based, in characters
};

struct YamlLimits {
  size_t max_bytes = 1 << 20;        // whole document
  size_t max_depth = 32;             // nested sequences/mappings
  size_t max_nodes = 100'000;        // scalars + sequences + mappings
  size_t max_scalar_bytes = 64 * 1024 + 1024;
};

struct YamlNode {
  enum class Kind : uint8_t { kScalar, kSequence, kMapping };

  Kind kind = Kind::kScalar;
  YamlMark mark;
  std::string value;  // kScalar: the text
  bool plain = true;  // kScalar: written without quotes (so `null`, `true`, `12` may be typed)
  // kSequence: the items. kMapping: the values, parallel to keys/key_marks.
  std::vector<YamlNode> items;
  std::vector<std::string> keys;
  std::vector<YamlMark> key_marks;

  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_mapping() const { return kind == Kind::kMapping; }
  // A plain `null`, `~` or empty scalar.
  bool is_null() const;
  // Mapping lookup; nullptr when absent (or not a mapping).
  const YamlNode* Find(std::string_view key) const;
  std::string_view KindName() const;  // "a scalar", "a list", "a mapping"
};

// `s` in double quotes for a message, cut after 60 bytes with "...".
std::string QuotedText(std::string_view s);

// "<source>:<line>:<column>: <message>" as InvalidArgument.
Status YamlError(std::string_view source, YamlMark mark, std::string_view message);

// Parses one YAML document. An empty stream yields a null scalar.
Result<YamlNode> ParseYaml(std::string_view text, std::string_view source, const YamlLimits& limits = {});

}  // namespace dp::storage
