// Command-line parsing shared by the dpstore tools.
//
// Grammar: positional arguments and options may come in any order. An option
// is `--name VALUE`, `--name=VALUE` or a flag (`--json`); `-h` means
// `--help`; after `--` every argument is positional. Each option may be given
// once. Every error is InvalidArgument and names the offending argument, so a
// tool can print it as a usage error (exit code 2).
//
//   static constexpr OptionSpec kOpts[] = {{"rows", "N", "rows to generate"},
//                                          {"json", "", "print JSON"}};
//   DP_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(argv_tail, kOpts));
//   DP_ASSIGN_OR_RETURN(uint64_t rows, args.GetUInt("rows", 1000, 1, 1ull << 40));
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dp/result.h"

namespace dp::tools {

struct OptionSpec {
  std::string_view name;        // without the leading "--"
  std::string_view value_name;  // "" for a flag, else shown in help ("N")
  std::string_view help;
  bool takes_value() const { return !value_name.empty(); }
};

class ParsedArgs {
 public:
  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(std::string_view name) const;
  // The option's value; nullopt when it was not given (or is a flag).
  std::optional<std::string_view> Value(std::string_view name) const;
  // The value as an unsigned integer in [min, max]; `fallback` when absent.
  Result<uint64_t> GetUInt(std::string_view name, uint64_t fallback, uint64_t min, uint64_t max) const;
  // The value, which must be one of `choices`; `fallback` when absent.
  Result<std::string> GetChoice(std::string_view name, std::string_view fallback,
                                std::span<const std::string_view> choices) const;

  void AddPositional(std::string arg) { positional_.push_back(std::move(arg)); }
  void AddOption(std::string name, std::optional<std::string> value) {
    options_.emplace_back(std::move(name), std::move(value));
  }

 private:
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::optional<std::string>>> options_;
};

// `args` excludes the program name (and the command name, if any).
Result<ParsedArgs> ParseArgs(std::span<const std::string> args, std::span<const OptionSpec> specs);

// Parses a decimal unsigned integer ("1000000"; "_" digit separators and the
// suffixes k, M, G = 10^3, 10^6, 10^9 are accepted); `what` names it in errors.
Result<uint64_t> ParseUInt(std::string_view what, std::string_view text);

// Splits "a,b,c" into {"a", "b", "c"}; an empty item is an error.
Result<std::vector<std::string>> ParseList(std::string_view what, std::string_view text);

// Two-column help text: "  --name VALUE   help", one line per option.
std::string FormatOptions(std::span<const OptionSpec> specs);

}  // namespace dp::tools
