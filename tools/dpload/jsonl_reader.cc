// JSON Lines reader (RFC 8259 values, one object per line); the rules are in
// reader.h. A line is found first (memchr for '\n'), then parsed entirely
// inside the buffer, so values never straddle a refill.
#include <charconv>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/dpload/convert.h"
#include "tools/dpload/reader.h"

namespace dp::tools::dpload {

namespace {

// Nesting accepted inside ignored values (unknown keys) before giving up.
constexpr int kMaxSkipDepth = 64;

class JsonlReader {
 public:
  JsonlReader(InputStream* in, const ReaderOptions& o, Emitter* em)
      : in_(in), o_(o), em_(em), buf_(in, o.read_buffer_bytes, o.max_line_bytes) {
    const Schema& schema = em->schema();
    seen_.assign(schema.num_fields(), 0);
    for (size_t i = 0; i < schema.num_fields(); ++i) by_name_.emplace(schema.field(i).name, i);
  }

  Status Run();

 private:
  Status ParseLine(const char* p, const char* end);
  Status ErrorAt(const char* at, const std::string& what) const {
    return Status::InvalidArgument(Where(in_->name(), line_, static_cast<uint64_t>(at - line_begin_) + 1) + what);
  }
  std::string FieldLabel(size_t col) const {
    const Field& f = em_->schema().field(col);
    return "field '" + f.name + "' (" + f.type.ToString() + ")";
  }
  // Parses the string whose opening quote is at *p; on return *p is past the
  // closing quote. The text is a view of the line when it has no escapes,
  // else of `out`. *ascii: no byte >= 0x80.
  Status ParseString(const char** p, const char* end, std::string* out, std::string_view* text, bool* ascii);
  Status SkipValue(const char** p, const char* end, int depth);
  int FindField(std::string_view key);

  InputStream* in_;
  const ReaderOptions& o_;
  Emitter* em_;
  ReadBuffer buf_;
  std::unordered_map<std::string_view, size_t> by_name_;
  std::vector<uint64_t> seen_;  // per field: the row number + 1 that set it
  uint64_t row_mark_ = 0;
  int last_col_ = -1;
  uint64_t line_ = 1;
  const char* line_begin_ = nullptr;
  std::string key_buf_, value_buf_, why_;
};

void SkipSpace(const char** p, const char* end) {
  while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r')) ++*p;
}

int JsonlReader::FindField(std::string_view key) {
  // Keys usually come in the same order on every line: try the next field first.
  const Schema& schema = em_->schema();
  const auto guess = static_cast<size_t>(last_col_ + 1);
  if (guess < schema.num_fields() && schema.field(guess).name == key) return last_col_ = static_cast<int>(guess);
  auto it = by_name_.find(key);
  if (it == by_name_.end()) return -1;
  return last_col_ = static_cast<int>(it->second);
}

Status JsonlReader::ParseString(const char** pp, const char* end, std::string* out, std::string_view* text,
                                bool* ascii) {
  const char* const open = *pp;
  const char* p = open + 1;
  const char* run = p;  // start of the bytes not yet copied to *out
  bool escaped = false;
  unsigned char high = 0;
  auto append_utf8 = [&](uint32_t cp) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    high = 0x80;
  };
  auto hex4 = [&](const char* at, uint32_t* v) {
    if (end - at < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = at[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      *v = *v << 4 | static_cast<uint32_t>(d);
    }
    return true;
  };
  while (true) {
    while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) {
      high |= static_cast<unsigned char>(*p);
      ++p;
    }
    if (p == end) return ErrorAt(open, "unterminated string (the closing '\"' is missing on this line)");
    if (*p == '"') break;
    if (*p != '\\') return ErrorAt(p, "control character in a string (escape it as \\u00XX)");
    if (!escaped) {
      out->clear();
      escaped = true;
    }
    out->append(run, static_cast<size_t>(p - run));
    if (p + 1 == end) return ErrorAt(p, "unterminated escape sequence");
    const char e = p[1];
    p += 2;
    switch (e) {
      case '"': *out += '"'; break;
      case '\\': *out += '\\'; break;
      case '/': *out += '/'; break;
      case 'b': *out += '\b'; break;
      case 'f': *out += '\f'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      case 't': *out += '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(p, &cp)) return ErrorAt(p - 2, "\\u must be followed by 4 hex digits");
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            return ErrorAt(p - 6, "unpaired UTF-16 high surrogate \\u" + std::string(p - 4, 4));
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return ErrorAt(p - 6, "unpaired UTF-16 low surrogate \\u" + std::string(p - 4, 4));
        }
        append_utf8(cp);
        break;
      }
      default:
        return ErrorAt(p - 2, std::string("invalid escape '\\") + e + "'");
    }
    run = p;
  }
  if (escaped) {
    out->append(run, static_cast<size_t>(p - run));
    *text = *out;
  } else {
    *text = std::string_view(open + 1, static_cast<size_t>(p - open - 1));
  }
  *ascii = high < 0x80;
  *pp = p + 1;
  return Status::OK();
}

// Literal words and numbers end at a delimiter of the JSON grammar.
const char* ScanToken(const char* p, const char* end) {
  while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\r' && *p != ':') ++p;
  return p;
}

bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    const size_t s = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > s;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

Status JsonlReader::SkipValue(const char** p, const char* end, int depth) {
  if (depth > kMaxSkipDepth) return ErrorAt(*p, "nesting deeper than " + std::to_string(kMaxSkipDepth));
  SkipSpace(p, end);
  if (*p == end) return ErrorAt(*p, "expected a value");
  const char c = **p;
  if (c == '"') {
    std::string_view text;
    bool ascii;
    return ParseString(p, end, &value_buf_, &text, &ascii);
  }
  if (c == '{' || c == '[') {
    const char close = c == '{' ? '}' : ']';
    ++*p;
    SkipSpace(p, end);
    if (*p < end && **p == close) {
      ++*p;
      return Status::OK();
    }
    while (true) {
      if (c == '{') {
        SkipSpace(p, end);
        if (*p == end || **p != '"') return ErrorAt(*p, "expected a key string");
        std::string_view key;
        bool ascii;
        DP_RETURN_IF_ERROR(ParseString(p, end, &key_buf_, &key, &ascii));
        SkipSpace(p, end);
        if (*p == end || **p != ':') return ErrorAt(*p, "expected ':' after a key");
        ++*p;
      }
      DP_RETURN_IF_ERROR(SkipValue(p, end, depth + 1));
      SkipSpace(p, end);
      if (*p < end && **p == ',') {
        ++*p;
        continue;
      }
      if (*p < end && **p == close) {
        ++*p;
        return Status::OK();
      }
      return ErrorAt(*p, std::string("expected ',' or '") + close + "'");
    }
  }
  const char* t = ScanToken(*p, end);
  const std::string_view tok(*p, static_cast<size_t>(t - *p));
  if (tok != "true" && tok != "false" && tok != "null" && !IsJsonNumber(tok)) {
    return ErrorAt(*p, "invalid JSON value '" + std::string(tok.substr(0, 40)) + "'");
  }
  *p = t;
  return Status::OK();
}

Status JsonlReader::ParseLine(const char* p, const char* end) {
  const Schema& schema = em_->schema();
  BatchBuilder* batch = em_->batch();
  const uint64_t mark = ++row_mark_;
  last_col_ = -1;
  if (*p != '{') return ErrorAt(p, "expected a JSON object '{' (one object per line)");
  ++p;
  SkipSpace(&p, end);
  if (p < end && *p == '}') {
    ++p;
  } else {
    while (true) {
      SkipSpace(&p, end);
      if (p == end || *p != '"') return ErrorAt(p, "expected a key string");
      const char* key_at = p;
      std::string_view key;
      bool ascii;
      DP_RETURN_IF_ERROR(ParseString(&p, end, &key_buf_, &key, &ascii));
      SkipSpace(&p, end);
      if (p == end || *p != ':') return ErrorAt(p, "expected ':' after key");
      ++p;
      SkipSpace(&p, end);
      if (p == end) return ErrorAt(p, "expected a value");
      const int c = FindField(key);
      if (c < 0) {
        if (!o_.ignore_unknown) {
          return ErrorAt(key_at, "key '" + std::string(key) +
                                     "' is not a field of the schema (use --ignore-unknown to skip such keys)");
        }
        DP_RETURN_IF_ERROR(SkipValue(&p, end, 0));
      } else {
        const auto col = static_cast<size_t>(c);
        if (seen_[col] == mark) return ErrorAt(key_at, "duplicate key '" + std::string(key) + "'");
        seen_[col] = mark;
        const DataType& type = schema.field(col).type;
        const char* value_at = p;
        const char v = *p;
        std::string_view text;
        bool text_ascii = true;
        if (v == '"') {
          DP_RETURN_IF_ERROR(ParseString(&p, end, &value_buf_, &text, &text_ascii));
        } else if (v == '{' || v == '[') {
          return ErrorAt(p, FieldLabel(col) + ": nested " + (v == '{' ? "objects" : "arrays") +
                                " are not supported (flatten the value into its own column)");
        } else {
          const char* t = ScanToken(p, end);
          text = std::string_view(p, static_cast<size_t>(t - p));
          p = t;
          if (text == "null") {
            if (!schema.field(col).nullable) return ErrorAt(value_at, FieldLabel(col) + " is not null but the value is null");
            batch->SetNull(col);
            text = {};
            value_at = nullptr;
          } else if (text == "true" || text == "false") {
            if (type.id != TypeId::kBool) {
              return ErrorAt(value_at, FieldLabel(col) + ": a JSON " + std::string(text) + " only fits a bool column");
            }
          } else if (!IsJsonNumber(text)) {
            return ErrorAt(value_at, "invalid JSON value '" + std::string(text.substr(0, 40)) + "'");
          } else if (type.is_binary_like() || type.id == TypeId::kBool) {
            return ErrorAt(value_at, FieldLabel(col) + ": a JSON number does not fit this column (expected a " +
                                         (type.id == TypeId::kBool ? "true/false" : "string") + ")");
          }
        }
        if (value_at != nullptr) {
          size_t offset;
          if (!StoreText(batch, col, text, text_ascii, &why_, &offset)) {
            return ErrorAt(value_at, FieldLabel(col) + ": " + why_);
          }
        }
      }
      SkipSpace(&p, end);
      if (p < end && *p == ',') {
        ++p;
        continue;
      }
      if (p < end && *p == '}') {
        ++p;
        break;
      }
      return ErrorAt(p, "expected ',' or '}' after a value");
    }
  }
  SkipSpace(&p, end);
  if (p != end) return ErrorAt(p, "unexpected text after the object (one object per line)");
  for (size_t col = 0; col < seen_.size(); ++col) {
    if (seen_[col] == mark) continue;
    if (!schema.field(col).nullable) {
      return ErrorAt(end, "missing key for not-null " + FieldLabel(col));
    }
    batch->SetNull(col);
  }
  return em_->FinishRow(line_);
}

Status JsonlReader::Run() {
  buf_.set_sentinel('\n');
  DP_ASSIGN_OR_RETURN(size_t pos, buf_.ByteOrderMark());
  while (true) {
    const char* data = buf_.data();
    const char* end = data + buf_.size();
    const char* p = data + pos;
    if (p == end && buf_.eof()) break;
    if (p < end) {
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl != nullptr || buf_.eof()) {
        const char* line_end = nl != nullptr ? nl : end;
        line_begin_ = p;
        if (static_cast<size_t>(line_end - p) > o_.max_line_bytes) {
          return ErrorAt(p, TooLong("line", o_.max_line_bytes));
        }
        const char* q = p;
        SkipSpace(&q, line_end);
        if (q != line_end) DP_RETURN_IF_ERROR(ParseLine(q, line_end));
        ++line_;
        pos = static_cast<size_t>((nl != nullptr ? nl + 1 : end) - data);
        continue;
      }
    }
    DP_RETURN_IF_ERROR(RefillForRecord(&buf_, pos, line_, "line"));
    pos = 0;
  }
  return Status::OK();
}

}  // namespace

Status ReadJsonLines(InputStream* in, const ReaderOptions& options, Emitter* emitter) {
  JsonlReader reader(in, options, emitter);
  return reader.Run();
}

}  // namespace dp::tools::dpload
