// YAML event stream -> bounded YamlNode tree. See yaml_doc.h and
// spec/contract.md §"YAML subset" for what is accepted and refused.

#include "storage/contract/yaml_doc.h"

#include <yaml.h>

#include <unordered_map>
#include <utility>

#include "format/utf8.h"

namespace dp::storage {

namespace {

// Position of byte `offset` of `text`, counting characters (not bytes) in
// the column like libyaml does.
YamlMark MarkAt(std::string_view text, size_t offset) {
  YamlMark m{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++m.line;
      m.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++m.column;
    }
  }
  return m;
}

// Offset of the first byte that does not start a well-formed UTF-8
// sequence, or npos.
size_t FirstInvalidUtf8(std::string_view text) {
  if (format::IsValidUtf8(text)) return std::string_view::npos;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > text.size() || !format::IsValidUtf8(text.substr(i, len))) return i;
    i += len;
  }
  return std::string_view::npos;
}

YamlMark ToMark(const yaml_mark_t& m) {
  return {static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
}

class Builder {
 public:
  Builder(std::string_view source, const YamlLimits& limits) : source_(source), limits_(limits) {}

  Status Scalar(const yaml_event_t& ev) {
    const YamlMark mark = ToMark(ev.start_mark);
    const auto& s = ev.data.scalar;
    DP_RETURN_IF_ERROR(RefuseAnchorAndTag(mark, s.anchor, s.tag));
    if (s.length > limits_.max_scalar_bytes) {
      return YamlError(source_, mark,
                       "value is " + std::to_string(s.length) + " bytes long; the limit is " +
                           std::to_string(limits_.max_scalar_bytes) + " bytes");
    }
    DP_RETURN_IF_ERROR(CountNode(mark));
    YamlNode n;
    n.kind = YamlNode::Kind::kScalar;
    n.mark = mark;
    n.value.assign(reinterpret_cast<const char*>(s.value), s.length);
    n.plain = s.style == YAML_PLAIN_SCALAR_STYLE;
    return Attach(std::move(n));
  }

  Status Start(const yaml_event_t& ev, YamlNode::Kind kind) {
    const YamlMark mark = ToMark(ev.start_mark);
    const bool seq = kind == YamlNode::Kind::kSequence;
    DP_RETURN_IF_ERROR(RefuseAnchorAndTag(mark, seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor,
                                          seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag));
    if (!stack_.empty() && stack_.back().node.is_mapping() && stack_.back().key_next) {
      return YamlError(source_, mark, "a mapping key must be a plain value, not a list or mapping");
    }
    if (stack_.size() + 1 > limits_.max_depth) {
      return YamlError(source_, mark,
                       "nesting is deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    DP_RETURN_IF_ERROR(CountNode(mark));
    Frame f;
    f.node.kind = kind;
    f.node.mark = mark;
    stack_.push_back(std::move(f));
    return Status::OK();
  }

  Status End() {
    YamlNode n = std::move(stack_.back().node);
    stack_.pop_back();
    return Attach(std::move(n));
  }

  Status DocumentStart(const yaml_event_t& ev) {
    if (++documents_ > 1) {
      return YamlError(source_, ToMark(ev.start_mark), "a contract is one YAML document; found a second one");
    }
    return Status::OK();
  }

  Status Alias(const yaml_event_t& ev) {
    return YamlError(source_, ToMark(ev.start_mark),
                     "aliases (*" + std::string(reinterpret_cast<const char*>(ev.data.alias.anchor)) +
                         ") are not supported in contracts; write the value out");
  }

  YamlNode TakeRoot() {
    if (root_.mark.line == 0) root_.mark = {1, 1};  // empty stream: a null at the start
    return std::move(root_);
  }

 private:
  struct Frame {
    YamlNode node;
    bool key_next = true;
    std::string key;
    YamlMark key_mark;
    std::unordered_map<std::string, YamlMark> seen;
  };

  Status RefuseAnchorAndTag(YamlMark mark, const yaml_char_t* anchor, const yaml_char_t* tag) {
    if (anchor != nullptr) {
      return YamlError(source_, mark,
                       "anchors (&" + std::string(reinterpret_cast<const char*>(anchor)) +
                           ") are not supported in contracts");
    }
    if (tag != nullptr) {
      return YamlError(source_, mark,
                       "tags (" + std::string(reinterpret_cast<const char*>(tag)) +
                           ") are not supported in contracts; quote a value to make it a string");
    }
    return Status::OK();
  }

  Status CountNode(YamlMark mark) {
    if (++nodes_ > limits_.max_nodes) {
      return YamlError(source_, mark, "document has more than " + std::to_string(limits_.max_nodes) + " values");
    }
    return Status::OK();
  }

  Status Attach(YamlNode n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return Status::OK();
    }
    Frame& f = stack_.back();
    if (f.node.is_sequence()) {
      f.node.items.push_back(std::move(n));
      return Status::OK();
    }
    if (f.key_next) {
      auto [it, inserted] = f.seen.emplace(n.value, n.mark);
      if (!inserted) {
        return YamlError(source_, n.mark,
                         "duplicate key " + QuotedText(n.value) + " (first at line " + std::to_string(it->second.line) +
                             ")");
      }
      f.key = std::move(n.value);
      f.key_mark = n.mark;
      f.key_next = false;
      return Status::OK();
    }
    f.node.keys.push_back(std::move(f.key));
    f.node.key_marks.push_back(f.key_mark);
    f.node.items.push_back(std::move(n));
    f.key_next = true;
    return Status::OK();
  }

  std::string_view source_;
  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  YamlNode root_;
  size_t nodes_ = 0;
  int documents_ = 0;
};

// RAII for the two libyaml objects.
struct Parser {
  yaml_parser_t p;
  Parser() { yaml_parser_initialize(&p); }
  ~Parser() { yaml_parser_delete(&p); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};
struct Event {
  yaml_event_t e;
  bool live = false;
  ~Event() { Reset(); }
  void Reset() {
    if (live) yaml_event_delete(&e);
    live = false;
  }
};

Status ParserError(std::string_view source, std::string_view text, const yaml_parser_t& p) {
  std::string what = p.problem != nullptr ? p.problem : "malformed YAML";
  YamlMark mark = ToMark(p.problem_mark);
  if (p.error == YAML_READER_ERROR) {
    mark = MarkAt(text, p.problem_offset);
    if (p.problem_value != -1) what += " (byte 0x" + [&] {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto v = static_cast<unsigned>(p.problem_value);
      return std::string{kHex[(v >> 4) & 15], kHex[v & 15]};
    }() + ")";
  } else if (p.context != nullptr) {
    const YamlMark cm = ToMark(p.context_mark);
    what += " " + std::string(p.context) + " that starts at line " + std::to_string(cm.line) + ", column " +
            std::to_string(cm.column);
  }
  return YamlError(source, mark, "invalid YAML: " + what);
}

}  // namespace

std::string QuotedText(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

bool YamlNode::is_null() const {
  return kind == Kind::kScalar && plain && (value.empty() || value == "null" || value == "~" || value == "Null" ||
                                            value == "NULL");
}

const YamlNode* YamlNode::Find(std::string_view key) const {
  if (kind != Kind::kMapping) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &items[i];
  }
  return nullptr;
}

std::string_view YamlNode::KindName() const {
  switch (kind) {
    case Kind::kScalar: return "a single value";
    case Kind::kSequence: return "a list";
    case Kind::kMapping: return "a mapping";
  }
  return "?";
}

Status YamlError(std::string_view source, YamlMark mark, std::string_view message) {
  return Status::InvalidArgument(std::string(source) + ":" + std::to_string(mark.line) + ":" +
                                 std::to_string(mark.column) + ": " + std::string(message));
}

Result<YamlNode> ParseYaml(std::string_view text, std::string_view source, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::InvalidArgument(std::string(source) + ": file is " + std::to_string(text.size()) +
                                   " bytes; contracts are limited to " + std::to_string(limits.max_bytes) +
                                   " bytes");
  }
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    return YamlError(source, MarkAt(text, bad), "invalid UTF-8 (contracts are UTF-8 text)");
  }
  Parser parser;
  yaml_parser_set_input_string(&parser.p, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_parser_set_encoding(&parser.p, YAML_UTF8_ENCODING);
  Builder builder(source, limits);
  Event ev;
  while (true) {
    if (!yaml_parser_parse(&parser.p, &ev.e)) return ParserError(source, text, parser.p);
    ev.live = true;
    Status st;
    switch (ev.e.type) {
      case YAML_STREAM_END_EVENT: return builder.TakeRoot();
      case YAML_DOCUMENT_START_EVENT: st = builder.DocumentStart(ev.e); break;
      case YAML_SCALAR_EVENT: st = builder.Scalar(ev.e); break;
      case YAML_SEQUENCE_START_EVENT: st = builder.Start(ev.e, YamlNode::Kind::kSequence); break;
      case YAML_MAPPING_START_EVENT: st = builder.Start(ev.e, YamlNode::Kind::kMapping); break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: st = builder.End(); break;
      case YAML_ALIAS_EVENT: st = builder.Alias(ev.e); break;
      default: break;  // stream start, document end, no event
    }
    DP_RETURN_IF_ERROR(st);
    ev.Reset();
  }
}

}  // namespace dp::storage
