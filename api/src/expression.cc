// The text form of scan predicates: see api/include/dp/expression.h for the
// grammar. A hand-written tokenizer + recursive-descent parser with explicit
// limits, because the text comes from strangers (request parameters).
#include "dp/expression.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dp {
namespace {

constexpr size_t kMaxTextBytes = 64 * 1024;
constexpr int kMaxDepth = 64;
constexpr size_t kMaxInValues = 100'000;

enum class Tok : uint8_t { kEnd, kIdent, kQuotedIdent, kString, kNumber, kOp, kLParen, kRParen, kComma };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier / unescaped string / number / operator
  size_t column = 0; // 1-based character offset in the expression
};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

bool EqualsKeyword(const Token& t, std::string_view keyword) {
  if (t.kind != Tok::kIdent || t.text.size() != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != keyword[i]) return false;
  }
  return true;
}

std::string Quote(std::string_view s) {
  constexpr size_t kShown = 48;
  std::string out = "'" + std::string(s.substr(0, kShown));
  if (s.size() > kShown) out += "...";
  return out + "'";
}

// Levenshtein distance, for "did you mean" (names are short and few).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

class Parser {
 public:
  Parser(std::string_view text, const Schema& schema) : text_(text), schema_(schema) {}

  Result<Predicate> Run() {
    if (text_.size() > kMaxTextBytes) {
      return Status::InvalidArgument("where: the expression is " + std::to_string(text_.size()) +
                                     " bytes; the limit is " + std::to_string(kMaxTextBytes));
    }
    DP_RETURN_IF_ERROR(Tokenize());
    DP_ASSIGN_OR_RETURN(Predicate p, ParseOr(0));
    if (Peek().kind != Tok::kEnd) return Error(Peek(), "expected AND, OR or the end of the expression");
    return p;
  }

 private:
  Status Error(size_t column, const std::string& what) const {
    return Status::InvalidArgument("where: column " + std::to_string(column) + ": " + what);
  }
  Status Error(const Token& at, const std::string& what) const {
    const std::string near = at.kind == Tok::kEnd ? "at the end" : "near " + Quote(text_.substr(at.column - 1, 24));
    return Error(at.column, what + " (" + near + ")");
  }

  Status Tokenize() {
    size_t i = 0;
    while (true) {
      while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
      Token t;
      t.column = i + 1;
      if (i == text_.size()) {
        tokens_.push_back(std::move(t));
        return Status::OK();
      }
      const char c = text_[i];
      if (IsIdentStart(c)) {
        const size_t start = i;
        while (i < text_.size() && IsIdentChar(text_[i])) ++i;
        t.kind = Tok::kIdent;
        t.text = std::string(text_.substr(start, i - start));
      } else if (c == '"' || c == '`' || c == '\'') {
        // Quoted identifier ("..." or `...`) or string literal ('...'); a
        // doubled quote inside stands for one.
        t.kind = c == '\'' ? Tok::kString : Tok::kQuotedIdent;
        ++i;
        while (true) {
          if (i == text_.size()) return Error(t.column, "unterminated " + std::string(c == '\'' ? "string" : "name") +
                                                           " (missing closing " + std::string(1, c) + ")");
          if (text_[i] == c) {
            if (i + 1 < text_.size() && text_[i + 1] == c) {
              t.text.push_back(c);
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          t.text.push_back(text_[i++]);
        }
      } else if ((c >= '0' && c <= '9') || c == '.' ||
                 ((c == '-' || c == '+') && i + 1 < text_.size() &&
                  ((text_[i + 1] >= '0' && text_[i + 1] <= '9') || text_[i + 1] == '.'))) {
        const size_t start = i++;
        while (i < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[i])) || text_[i] == '.' ||
                                    ((text_[i] == '-' || text_[i] == '+') && (text_[i - 1] == 'e' || text_[i - 1] == 'E')))) {
          ++i;
        }
        t.kind = Tok::kNumber;
        t.text = std::string(text_.substr(start, i - start));
      } else if (c == '(' || c == ')' || c == ',') {
        t.kind = c == '(' ? Tok::kLParen : c == ')' ? Tok::kRParen : Tok::kComma;
        t.text = std::string(1, c);
        ++i;
      } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        t.kind = Tok::kOp;
        t.text = std::string(1, c);
        ++i;
        if (i < text_.size() && (text_[i] == '=' || (c == '<' && text_[i] == '>'))) t.text.push_back(text_[i++]);
        if (t.text == "!") return Error(t.column, "'!' must be followed by '=' (use NOT for negation)");
      } else {
        return Error(t.column, "unexpected character " + Quote(text_.substr(i, 1)));
      }
      tokens_.push_back(std::move(t));
    }
  }

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool TakeKeyword(std::string_view keyword) {
    if (!EqualsKeyword(Peek(), keyword)) return false;
    ++pos_;
    return true;
  }

  Result<Predicate> ParseOr(int depth) {
    std::vector<Predicate> terms;
    DP_ASSIGN_OR_RETURN(Predicate first, ParseAnd(depth));
    terms.push_back(std::move(first));
    while (TakeKeyword("OR")) {
      DP_ASSIGN_OR_RETURN(Predicate next, ParseAnd(depth));
      terms.push_back(std::move(next));
    }
    return terms.size() == 1 ? std::move(terms[0]) : Predicate::Or(std::move(terms));
  }

  Result<Predicate> ParseAnd(int depth) {
    std::vector<Predicate> terms;
    DP_ASSIGN_OR_RETURN(Predicate first, ParseUnary(depth));
    terms.push_back(std::move(first));
    while (TakeKeyword("AND")) {
      DP_ASSIGN_OR_RETURN(Predicate next, ParseUnary(depth));
      terms.push_back(std::move(next));
    }
    return terms.size() == 1 ? std::move(terms[0]) : Predicate::And(std::move(terms));
  }

  Result<Predicate> ParseUnary(int depth) {
    if (depth >= kMaxDepth) return Error(Peek(), "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (TakeKeyword("NOT")) {
      DP_ASSIGN_OR_RETURN(Predicate inner, ParseUnary(depth + 1));
      return Predicate::Not(std::move(inner));
    }
    if (Peek().kind == Tok::kLParen) {
      Take();
      DP_ASSIGN_OR_RETURN(Predicate inner, ParseOr(depth + 1));
      if (Peek().kind != Tok::kRParen) return Error(Peek(), "expected ')'");
      Take();
      return inner;
    }
    return ParseCondition();
  }

  Result<const Field*> ParseColumn() {
    const Token& t = Peek();
    if (t.kind != Tok::kIdent && t.kind != Tok::kQuotedIdent) return Error(t, "expected a column name");
    Take();
    const int index = schema_.FieldIndex(t.text);
    if (index >= 0) return &schema_.field(size_t(index));
    std::string what = "unknown column " + Quote(t.text);
    const Field* best = nullptr;
    size_t best_distance = 3;  // suggest only close names
    for (const Field& f : schema_.fields()) {
      const size_t d = EditDistance(t.text, f.name);
      if (d < best_distance) best = &f, best_distance = d;
    }
    if (best != nullptr) {
      what += " (did you mean " + Quote(best->name) + "?)";
    } else {
      what += "; columns are:";
      for (size_t i = 0; i < schema_.num_fields() && i < 32; ++i) what += " " + schema_.field(i).name;
      if (schema_.num_fields() > 32) what += " ...";
    }
    return Error(t.column, what);
  }

  // One literal, converted to the column's type.
  Result<Value> ParseLiteral(const Field& field) {
    const Token& t = Take();
    const DataType& type = field.type;
    auto mismatch = [&](const std::string& expected) {
      return Error(t, "column " + Quote(field.name) + " is " + type.ToString() + ": expected " + expected);
    };
    if (EqualsKeyword(t, "NULL")) return Error(t, "compare with NULL using IS NULL / IS NOT NULL");
    if (t.kind == Tok::kEnd || t.kind == Tok::kOp || t.kind == Tok::kLParen || t.kind == Tok::kRParen ||
        t.kind == Tok::kComma) {
      return Error(t, "expected a value for column " + Quote(field.name));
    }
    switch (type.id) {
      case TypeId::kBool:
        if (EqualsKeyword(t, "TRUE")) return Value::Bool(true);
        if (EqualsKeyword(t, "FALSE")) return Value::Bool(false);
        return mismatch("TRUE or FALSE");
      case TypeId::kString:
      case TypeId::kBinary:
        if (t.kind != Tok::kString) return mismatch("a quoted string such as 'DE'");
        return Value::Bytes(t.text);
      case TypeId::kFloat32:
      case TypeId::kFloat64: {
        if (t.kind != Tok::kNumber) return mismatch("a number");
        double v = 0;
        const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(),
                                               v, std::chars_format::general);
        if (ec != std::errc() || end != t.text.data() + t.text.size()) {
          // from_chars does not take a leading '+'.
          if (t.text[0] == '+' && t.text.size() > 1) {
            const auto r = std::from_chars(t.text.data() + 1, t.text.data() + t.text.size(), v);
            if (r.ec == std::errc() && r.ptr == t.text.data() + t.text.size()) return Value::Double(v);
          }
          return Error(t, Quote(t.text) + " is not a number");
        }
        return Value::Double(v);
      }
      case TypeId::kTimestamp:
        if (t.kind == Tok::kString) {
          auto v = ParseTimestamp(t.text, type.unit);
          if (!v.ok()) return Error(t, "column " + Quote(field.name) + ": " + v.status().message());
          return Value::Int(*v);
        }
        if (t.kind != Tok::kNumber) return mismatch("an RFC 3339 time such as '2024-04-01T00:00:00Z'");
        return ParseInteger(t, field);
      case TypeId::kDate32:
        if (t.kind == Tok::kString) {
          auto v = ParseDate32(t.text);
          if (!v.ok()) return Error(t, "column " + Quote(field.name) + ": " + v.status().message());
          return Value::Int(*v);
        }
        if (t.kind != Tok::kNumber) return mismatch("a date such as '2024-04-01'");
        return ParseInteger(t, field);
      default:
        if (t.kind != Tok::kNumber) return mismatch("an integer");
        return ParseInteger(t, field);
    }
  }

  Result<Value> ParseInteger(const Token& t, const Field& field) {
    std::string_view digits = t.text;
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    if (!digits.empty() && digits[0] != '-') {
      uint64_t u = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), u);
      if (ec == std::errc() && end == digits.data() + digits.size()) {
        return u <= uint64_t(std::numeric_limits<int64_t>::max()) ? Value::Int(int64_t(u)) : Value::UInt(u);
      }
      if (ec == std::errc::result_out_of_range) return Error(t, Quote(t.text) + " is larger than any 64-bit integer");
    } else {
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc() && end == digits.data() + digits.size()) return Value::Int(v);
      if (ec == std::errc::result_out_of_range) return Error(t, Quote(t.text) + " is smaller than any 64-bit integer");
    }
    return Error(t, "column " + Quote(field.name) + " is " + field.type.ToString() + ": " + Quote(t.text) +
                        " is not an integer");
  }

  Result<Predicate> ParseCondition() {
    DP_ASSIGN_OR_RETURN(const Field* field, ParseColumn());
    const std::string& name = field->name;
    const Token& t = Peek();
    if (t.kind == Tok::kOp) {
      const std::string op = Take().text;
      DP_ASSIGN_OR_RETURN(Value v, ParseLiteral(*field));
      if (op == "=" || op == "==") return Predicate::Eq(name, std::move(v));
      if (op == "!=" || op == "<>") return Predicate::Ne(name, std::move(v));
      if (op == "<") return Predicate::Lt(name, std::move(v));
      if (op == "<=") return Predicate::Le(name, std::move(v));
      if (op == ">") return Predicate::Gt(name, std::move(v));
      return Predicate::Ge(name, std::move(v));  // ">="
    }
    if (TakeKeyword("IS")) {
      const bool negated = TakeKeyword("NOT");
      if (!TakeKeyword("NULL")) return Error(Peek(), "expected NULL after IS" + std::string(negated ? " NOT" : ""));
      return negated ? Predicate::IsNotNull(name) : Predicate::IsNull(name);
    }
    if (TakeKeyword("STARTS")) {
      if (!TakeKeyword("WITH")) return Error(Peek(), "expected WITH after STARTS");
      return ParsePrefix(*field, /*negated=*/false, /*like=*/false);
    }
    const bool negated = TakeKeyword("NOT");
    Predicate p;
    if (TakeKeyword("BETWEEN")) {
      DP_ASSIGN_OR_RETURN(Value lo, ParseLiteral(*field));
      if (!TakeKeyword("AND")) return Error(Peek(), "expected AND between the BETWEEN bounds");
      DP_ASSIGN_OR_RETURN(Value hi, ParseLiteral(*field));
      p = Predicate::Between(name, std::move(lo), std::move(hi));
    } else if (TakeKeyword("IN")) {
      if (Peek().kind != Tok::kLParen) return Error(Peek(), "expected '(' after IN");
      Take();
      std::vector<Value> values;
      while (true) {
        if (values.size() == kMaxInValues) {
          return Error(Peek(), "more than " + std::to_string(kMaxInValues) + " values in IN (...)");
        }
        DP_ASSIGN_OR_RETURN(Value v, ParseLiteral(*field));
        values.push_back(std::move(v));
        if (Peek().kind == Tok::kComma) {
          Take();
          continue;
        }
        if (Peek().kind != Tok::kRParen) return Error(Peek(), "expected ',' or ')' in the IN list");
        Take();
        break;
      }
      p = Predicate::In(name, std::move(values));
    } else if (TakeKeyword("LIKE")) {
      return ParsePrefix(*field, negated, /*like=*/true);
    } else {
      return Error(Peek(), "expected a comparison (=, !=, <, <=, >, >=), BETWEEN, IN, IS [NOT] NULL, "
                           "STARTS WITH or LIKE after column " + Quote(name));
    }
    return negated ? Predicate::Not(std::move(p)) : p;
  }

  // STARTS WITH 'abc' (negated == false, no wildcard) or [NOT] LIKE 'abc%'.
  Result<Predicate> ParsePrefix(const Field& field, bool negated, bool like) {
    const Token& t = Take();
    if (!field.type.is_binary_like()) {
      return Error(t, "column " + Quote(field.name) + " is " + field.type.ToString() +
                          ": prefix matching needs a string or binary column");
    }
    if (t.kind != Tok::kString) return Error(t, "expected a quoted string pattern");
    std::string prefix = t.text;
    if (like) {
      if (prefix.empty() || prefix.back() != '%' ||
          prefix.find_first_of("%_") != prefix.size() - 1) {
        return Error(t, "only prefix patterns such as 'abc%' are supported by LIKE (no other % or _)");
      }
      prefix.pop_back();
    }
    Predicate p = Predicate::StartsWith(field.name, std::move(prefix));
    return negated ? Predicate::Not(std::move(p)) : p;
  }

  std::string_view text_;
  const Schema& schema_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Result<Predicate> ParsePredicate(std::string_view text, const Schema& schema) {
  return Parser(text, schema).Run();
}

}  // namespace dp
