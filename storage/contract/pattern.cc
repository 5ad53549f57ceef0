// Linear-time pattern matcher: parse -> AST -> Thompson NFA -> Pike VM.
// Syntax and guarantees: pattern.h and spec/contract.md §"Patterns".

#include "storage/contract/pattern.h"

#include <limits>
#include <utility>

namespace dp::storage {

namespace {

constexpr uint32_t kInfinite = std::numeric_limits<uint32_t>::max();

// Decodes one code point at s[*i] and advances; a byte that does not start a
// well-formed sequence decodes as U+FFFD and advances by one.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  const size_t len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = b0 & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += len;
  return cp;
}

}  // namespace

bool Pattern::CharClass::Contains(uint32_t cp) const {
  bool in;
  if (cp < 128) {
    in = (ascii[cp >> 6] >> (cp & 63)) & 1;
  } else {
    in = false;
    for (const Range& r : ranges) in |= cp >= r.lo && cp <= r.hi;
  }
  return in != negated;
}

// Recursive-descent parser producing an AST, then the NFA program. Nesting
// depth is bounded by kMaxPatternBytes (each level consumes a '(').
class PatternCompiler {
 public:
  explicit PatternCompiler(std::string_view text) : text_(text) {}

  Status Run(Pattern* out) {
    out->text_ = std::string(text_);
    out_ = out;
    Node root;
    // A leading '^' and a trailing unescaped '$' are accepted: matches are always anchored.
    if (!text_.empty() && text_.front() == '^') pos_ = 1;
    if (text_.size() > pos_ && text_.back() == '$' && !EscapedAt(text_.size() - 1)) end_ = text_.size() - 1;
    else end_ = text_.size();
    DP_RETURN_IF_ERROR(ParseAlternation(&root));
    if (pos_ < end_) return Error("unmatched ')'");
    DP_RETURN_IF_ERROR(Emit(root));
    DP_RETURN_IF_ERROR(Push({Pattern::Op::kMatch}));
    return Status::OK();
  }

 private:
  struct Node {
    enum class Kind : uint8_t { kEmpty, kClass, kConcat, kAlternation, kRepeat };
    Kind kind = Kind::kEmpty;
    uint32_t cls = 0;
    uint32_t min = 0, max = 0;
    std::vector<Node> kids;
  };

  bool EscapedAt(size_t i) const {
    size_t backslashes = 0;
    while (i > backslashes && text_[i - 1 - backslashes] == '\\') ++backslashes;
    return backslashes % 2 == 1;
  }

  Status Error(std::string_view what) const {
    return Status::InvalidArgument("pattern error at character " + std::to_string(pos_ + 1) + ": " +
                                   std::string(what));
  }
  bool AtEnd() const { return pos_ >= end_; }
  char Peek() const { return text_[pos_]; }

  Status ParseAlternation(Node* out) {
    Node first;
    DP_RETURN_IF_ERROR(ParseConcat(&first));
    if (AtEnd() || Peek() != '|') {
      *out = std::move(first);
      return Status::OK();
    }
    out->kind = Node::Kind::kAlternation;
    out->kids.push_back(std::move(first));
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      Node next;
      DP_RETURN_IF_ERROR(ParseConcat(&next));
      out->kids.push_back(std::move(next));
    }
    return Status::OK();
  }

  Status ParseConcat(Node* out) {
    out->kind = Node::Kind::kConcat;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      Node atom;
      DP_RETURN_IF_ERROR(ParseAtom(&atom));
      DP_RETURN_IF_ERROR(ParseQuantifiers(&atom));
      out->kids.push_back(std::move(atom));
    }
    return Status::OK();
  }

  Status ParseQuantifiers(Node* atom) {
    while (!AtEnd()) {
      uint32_t min, max;
      const char c = Peek();
      if (c == '*') {
        min = 0, max = kInfinite;
        ++pos_;
      } else if (c == '+') {
        min = 1, max = kInfinite;
        ++pos_;
      } else if (c == '?') {
        min = 0, max = 1;
        ++pos_;
      } else if (c == '{') {
        ++pos_;
        DP_RETURN_IF_ERROR(ParseCount(&min));
        max = min;
        if (!AtEnd() && Peek() == ',') {
          ++pos_;
          max = kInfinite;
          if (!AtEnd() && Peek() != '}') DP_RETURN_IF_ERROR(ParseCount(&max));
        }
        if (AtEnd() || Peek() != '}') return Error("expected '}' to close a {n,m} repeat");
        ++pos_;
        if (max < min) return Error("repeat {n,m} with m < n");
      } else {
        return Status::OK();
      }
      Node rep;
      rep.kind = Node::Kind::kRepeat;
      rep.min = min;
      rep.max = max;
      rep.kids.push_back(std::move(*atom));
      *atom = std::move(rep);
    }
    return Status::OK();
  }

  Status ParseCount(uint32_t* out) {
    uint32_t v = 0;
    size_t digits = 0;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
      v = v * 10 + static_cast<uint32_t>(Peek() - '0');
      ++pos_;
      if (++digits > 4 || v > Pattern::kMaxRepeat) {
        return Error("repeat count above " + std::to_string(Pattern::kMaxRepeat));
      }
    }
    if (digits == 0) return Error("expected a number in {n,m}");
    *out = v;
    return Status::OK();
  }

  Status ParseAtom(Node* out) {
    const char c = Peek();
    out->kind = Node::Kind::kClass;
    Pattern::CharClass cls;
    switch (c) {
      case '(': {
        ++pos_;
        if (!AtEnd() && Peek() == '?') return Error("'(?' groups are not supported");
        DP_RETURN_IF_ERROR(ParseAlternation(out));
        if (AtEnd() || Peek() != ')') return Error("missing ')'");
        ++pos_;
        return Status::OK();
      }
      case '[': DP_RETURN_IF_ERROR(ParseClass(&cls)); break;
      case '.':
        ++pos_;
        cls.negated = true;  // the empty set, negated
        break;
      case '\\': DP_RETURN_IF_ERROR(ParseEscape(&cls)); break;
      case '*':
      case '+':
      case '?':
      case '{': return Error(std::string("'") + c + "' has nothing to repeat");
      case '^':
      case '$': return Error("'^' and '$' are only allowed at the start and end (patterns always match the whole value)");
      default: {
        const uint32_t cp = NextCodePoint(text_, &pos_);
        AddRange(&cls, cp, cp);
      }
    }
    out->cls = static_cast<uint32_t>(out_->classes_.size());
    out_->classes_.push_back(std::move(cls));
    return Status::OK();
  }

  static void AddRange(Pattern::CharClass* cls, uint32_t lo, uint32_t hi) {
    for (uint32_t cp = lo; cp <= hi && cp < 128; ++cp) cls->ascii[cp >> 6] |= uint64_t{1} << (cp & 63);
    if (hi >= 128) cls->ranges.push_back({std::max<uint32_t>(lo, 128), hi});
  }

  // \d \w \s into `cls`; false for any other letter.
  static bool AddShorthand(Pattern::CharClass* cls, char e) {
    switch (e) {
      case 'd': AddRange(cls, '0', '9'); return true;
      case 'w':
        AddRange(cls, '0', '9');
        AddRange(cls, 'a', 'z');
        AddRange(cls, 'A', 'Z');
        AddRange(cls, '_', '_');
        return true;
      case 's':
        AddRange(cls, ' ', ' ');
        AddRange(cls, '\t', '\r');
        return true;
      default: return false;
    }
  }

  // After a backslash: a shorthand (added to `cls`, *single = kInfinite) or
  // one escaped code point (*single). \D \W \S negate `cls`, so they are
  // only allowed outside [...] (in_class false).
  Status ParseEscapeInto(Pattern::CharClass* cls, uint32_t* single, bool in_class) {
    ++pos_;  // '\'
    if (pos_ >= text_.size()) return Error("pattern ends with '\\'");
    const char e = text_[pos_++];
    *single = kInfinite;
    if (AddShorthand(cls, e)) return Status::OK();
    if (e == 'D' || e == 'W' || e == 'S') {
      if (in_class) return Error(std::string("'\\") + e + "' is not supported inside [...]");
      AddShorthand(cls, static_cast<char>(e - 'A' + 'a'));
      cls->negated = true;
      return Status::OK();
    }
    if (e == 'n') {
      *single = '\n';
      return Status::OK();
    }
    if (e == 't') {
      *single = '\t';
      return Status::OK();
    }
    const auto u = static_cast<unsigned char>(e);
    if (u < 128 && !((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'))) {
      *single = u;
      return Status::OK();
    }
    --pos_;
    return Error(std::string("unknown escape '\\") + e +
                 "' (supported: \\d \\w \\s \\D \\W \\S \\n \\t, and \\ before punctuation)");
  }

  Status ParseEscape(Pattern::CharClass* cls) {
    uint32_t single;
    DP_RETURN_IF_ERROR(ParseEscapeInto(cls, &single, /*in_class=*/false));
    if (single != kInfinite) AddRange(cls, single, single);
    return Status::OK();
  }

  Status ParseClass(Pattern::CharClass* cls) {
    const size_t open = pos_++;
    if (!AtEnd() && Peek() == '^') {
      cls->negated = true;
      ++pos_;
    }
    bool first = true;
    while (true) {
      if (pos_ >= text_.size()) {
        pos_ = open;
        return Error("missing ']'");
      }
      if (Peek() == ']' && !first) break;
      first = false;
      uint32_t lo;
      if (Peek() == '\\') {
        DP_RETURN_IF_ERROR(ParseEscapeInto(cls, &lo, /*in_class=*/true));
        if (lo == kInfinite) continue;  // a shorthand such as \d
      } else {
        lo = NextCodePoint(text_, &pos_);
      }
      uint32_t hi = lo;
      if (pos_ + 1 < text_.size() && Peek() == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        if (Peek() == '\\') {
          DP_RETURN_IF_ERROR(ParseEscapeInto(cls, &hi, /*in_class=*/true));
          if (hi == kInfinite) return Error("a class shorthand cannot end a range");
        } else {
          hi = NextCodePoint(text_, &pos_);
        }
        if (hi < lo) return Error("range out of order in [...]");
      }
      AddRange(cls, lo, hi);
    }
    ++pos_;  // ']'
    return Status::OK();
  }

  Status Push(Pattern::Inst inst) {
    if (out_->program_.size() >= Pattern::kMaxProgram) {
      return Status::InvalidArgument("pattern is too large once repeats are expanded (limit " +
                                     std::to_string(Pattern::kMaxProgram) + " instructions)");
    }
    out_->program_.push_back(inst);
    return Status::OK();
  }
  uint32_t Here() const { return static_cast<uint32_t>(out_->program_.size()); }

  Status Emit(const Node& n) {
    using Op = Pattern::Op;
    switch (n.kind) {
      case Node::Kind::kEmpty: return Status::OK();
      case Node::Kind::kClass: return Push({Op::kChar, n.cls});
      case Node::Kind::kConcat:
        for (const Node& k : n.kids) DP_RETURN_IF_ERROR(Emit(k));
        return Status::OK();
      case Node::Kind::kAlternation: {
        // split L1, next; L1: a; jmp end; next: split L2, next2; ... last: z; end:
        std::vector<uint32_t> jumps;
        for (size_t i = 0; i < n.kids.size(); ++i) {
          uint32_t split = 0;
          const bool last = i + 1 == n.kids.size();
          if (!last) {
            split = Here();
            DP_RETURN_IF_ERROR(Push({Op::kSplit, Here() + 1, 0}));
          }
          DP_RETURN_IF_ERROR(Emit(n.kids[i]));
          if (!last) {
            jumps.push_back(Here());
            DP_RETURN_IF_ERROR(Push({Op::kJmp, 0}));
            out_->program_[split].y = Here();
          }
        }
        for (uint32_t j : jumps) out_->program_[j].x = Here();
        return Status::OK();
      }
      case Node::Kind::kRepeat: {
        const Node& e = n.kids[0];
        for (uint32_t i = 0; i < n.min; ++i) DP_RETURN_IF_ERROR(Emit(e));
        if (n.max == kInfinite) {
          const uint32_t loop = Here();
          DP_RETURN_IF_ERROR(Push({Op::kSplit, loop + 1, 0}));
          DP_RETURN_IF_ERROR(Emit(e));
          DP_RETURN_IF_ERROR(Push({Op::kJmp, loop}));
          out_->program_[loop].y = Here();
          return Status::OK();
        }
        // (e(e(e)?)?)? for max - min optional copies.
        std::vector<uint32_t> splits;
        for (uint32_t i = n.min; i < n.max; ++i) {
          splits.push_back(Here());
          DP_RETURN_IF_ERROR(Push({Op::kSplit, Here() + 1, 0}));
          DP_RETURN_IF_ERROR(Emit(e));
        }
        for (uint32_t s : splits) out_->program_[s].y = Here();
        return Status::OK();
      }
    }
    return Status::OK();
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t end_ = 0;
  Pattern* out_ = nullptr;
};

Result<Pattern> Pattern::Compile(std::string_view text) {
  if (text.size() > kMaxPatternBytes) {
    return Status::InvalidArgument("pattern is " + std::to_string(text.size()) + " bytes; the limit is " +
                                   std::to_string(kMaxPatternBytes));
  }
  Pattern p;
  PatternCompiler c(text);
  DP_RETURN_IF_ERROR(c.Run(&p));
  p.mark_.assign(p.program_.size(), 0);
  p.BuildClosures();
  return p;
}

void Pattern::AddThread(std::vector<uint32_t>& list, uint32_t pc) const {
  stack_.clear();
  stack_.push_back(pc);
  while (!stack_.empty()) {
    const uint32_t at = stack_.back();
    stack_.pop_back();
    if (mark_[at] == generation_) continue;
    mark_[at] = generation_;
    const Inst& inst = program_[at];
    switch (inst.op) {
      case Op::kJmp: stack_.push_back(inst.x); break;
      case Op::kSplit:
        stack_.push_back(inst.y);
        stack_.push_back(inst.x);
        break;
      case Op::kChar:
      case Op::kMatch: list.push_back(at); break;
    }
  }
}

void Pattern::BuildClosures() {
  if (program_.size() > 64) return;
  use_dfa_ = true;
  closure_.assign(program_.size(), 0);
  for (uint32_t pc = 0; pc < program_.size(); ++pc) {
    std::vector<uint32_t> list;
    ++generation_;
    AddThread(list, pc);
    for (uint32_t t : list) closure_[pc] |= uint64_t{1} << t;
    if (program_[pc].op == Op::kMatch) match_mask_ |= uint64_t{1} << pc;
  }
  DfaState(closure_[0]);  // state 0: the start
}

int32_t Pattern::DfaState(uint64_t mask) const {
  for (size_t s = 0; s < dfa_masks_.size(); ++s) {
    if (dfa_masks_[s] == mask) return static_cast<int32_t>(s);
  }
  if (dfa_masks_.size() >= kMaxDfaStates) return -1;
  dfa_masks_.push_back(mask);
  dfa_next_.resize(dfa_masks_.size() * 128, -1);
  return static_cast<int32_t>(dfa_masks_.size() - 1);
}

int32_t Pattern::DfaStep(int32_t state, uint8_t b) const {
  const int32_t known = dfa_next_[static_cast<size_t>(state) * 128 + b];
  if (known >= 0) return known;
  uint64_t mask = dfa_masks_[static_cast<size_t>(state)], out = 0;
  while (mask != 0) {
    const uint32_t pc = static_cast<uint32_t>(__builtin_ctzll(mask));
    mask &= mask - 1;
    const Inst& inst = program_[pc];
    if (inst.op == Op::kChar && classes_[inst.x].Contains(b)) out |= closure_[pc + 1];
  }
  const int32_t s = DfaState(out);
  if (s >= 0) dfa_next_[static_cast<size_t>(state) * 128 + b] = s;
  return s;
}

bool Pattern::Matches(std::string_view value) const {
  if (!use_dfa_) return NfaMatches(value);
  int32_t s = 0;
  for (char c : value) {
    const auto b = static_cast<uint8_t>(c);
    if (b >= 128) return NfaMatches(value);
    s = DfaStep(s, b);
    if (s < 0) return NfaMatches(value);
    if (dfa_masks_[static_cast<size_t>(s)] == 0) return false;  // dead state
  }
  return (dfa_masks_[static_cast<size_t>(s)] & match_mask_) != 0;
}

bool Pattern::NfaMatches(std::string_view value) const {
  if (program_.empty()) return false;
  current_.clear();
  if (++generation_ == 0) {  // wrapped: reset the marks
    std::fill(mark_.begin(), mark_.end(), 0);
    generation_ = 1;
  }
  AddThread(current_, 0);
  size_t i = 0;
  while (i < value.size() && !current_.empty()) {
    const uint32_t cp = NextCodePoint(value, &i);
    next_.clear();
    if (++generation_ == 0) {
      std::fill(mark_.begin(), mark_.end(), 0);
      generation_ = 1;
    }
    for (uint32_t pc : current_) {
      const Inst& inst = program_[pc];
      if (inst.op == Op::kChar && classes_[inst.x].Contains(cp)) AddThread(next_, pc + 1);
    }
    current_.swap(next_);
  }
  if (i < value.size()) return false;
  for (uint32_t pc : current_) {
    if (program_[pc].op == Op::kMatch) return true;
  }
  return false;
}

}  // namespace dp::storage
