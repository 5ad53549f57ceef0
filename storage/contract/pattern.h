// A small regular-expression matcher with a linear-time guarantee, for the
// `pattern` rule of contracts (spec/contract.md §"Patterns").
//
// Syntax (a subset of POSIX ERE / RE2): literals; `.`; classes `[a-z0-9_]`,
// `[^...]`; escapes `\d \w \s \D \W \S` and `\` before any punctuation;
// groups `( )`; alternation `|`; quantifiers `* + ? {n} {n,} {n,m}`
// (n, m <= 1000). No backreferences, lookaround or lazy quantifiers. A
// pattern always matches the WHOLE value; a leading `^` and trailing `$` are
// allowed and change nothing. Matching works on Unicode code points.
//
// The pattern is compiled to a Thompson NFA (at most kMaxProgram
// instructions) and run as a Pike VM without captures: time
// O(len(value) * program size), memory O(program size), whatever the input.
// Programs of at most 64 instructions also get a lazily built DFA over ASCII
// bytes (at most kMaxDfaStates states, then the NFA is used): one table
// lookup per byte; a value with a non-ASCII byte runs on the NFA.
//
//   DP_ASSIGN_OR_RETURN(Pattern p, Pattern::Compile("[A-Z]{2}"));
//   bool ok = p.Matches("DE");
//
// Thread safety: Matches() uses scratch space inside the object; use one
// copy per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"

namespace dp::storage {

class Pattern {
 public:
  static constexpr size_t kMaxPatternBytes = 1024;
  static constexpr size_t kMaxProgram = 10'000;
  static constexpr uint32_t kMaxRepeat = 1000;
  static constexpr size_t kMaxDfaStates = 256;

  // InvalidArgument "... at character N: what" on a syntax error.
  static Result<Pattern> Compile(std::string_view text);

  bool Matches(std::string_view value) const;
  const std::string& text() const { return text_; }

 private:
  struct Range {
    uint32_t lo, hi;
  };
  struct CharClass {
    uint64_t ascii[2] = {0, 0};  // code points < 128
    std::vector<Range> ranges;   // code points >= 128
    bool negated = false;
    bool Contains(uint32_t cp) const;
  };
  enum class Op : uint8_t { kChar, kSplit, kJmp, kMatch };
  struct Inst {
    Op op;
    uint32_t x = 0;  // kChar: class index; kSplit/kJmp: target
    uint32_t y = 0;  // kSplit: second target
  };
  friend class PatternCompiler;

  void AddThread(std::vector<uint32_t>& list, uint32_t pc) const;
  bool NfaMatches(std::string_view value) const;
  void BuildClosures();
  // DFA state reached from `state` on ASCII byte b; -1 when the DFA is full.
  int32_t DfaStep(int32_t state, uint8_t b) const;
  int32_t DfaState(uint64_t mask) const;

  std::string text_;
  std::vector<CharClass> classes_;
  std::vector<Inst> program_;
  // Scratch for Matches(): two thread lists, a visited mark per instruction.
  mutable std::vector<uint32_t> current_, next_, stack_;
  mutable std::vector<uint32_t> mark_;
  mutable uint32_t generation_ = 0;
  // DFA (program of <= 64 instructions): per instruction, the kChar/kMatch
  // instructions reachable from it without consuming input, as a bit mask.
  bool use_dfa_ = false;
  std::vector<uint64_t> closure_;
  uint64_t match_mask_ = 0;
  mutable std::vector<uint64_t> dfa_masks_;   // state -> NFA instruction set
  mutable std::vector<int32_t> dfa_next_;     // state * 128 + byte -> state, -1 unknown
};

}  // namespace dp::storage
