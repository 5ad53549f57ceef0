#include "tools/common/args.h"

#include <algorithm>

namespace dp::tools {

namespace {

const OptionSpec* FindSpec(std::span<const OptionSpec> specs, std::string_view name) {
  for (const OptionSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

bool ParsedArgs::Has(std::string_view name) const {
  return std::any_of(options_.begin(), options_.end(), [&](const auto& o) { return o.first == name; });
}

std::optional<std::string_view> ParsedArgs::Value(std::string_view name) const {
  for (const auto& [key, value] : options_) {
    if (key == name && value) return std::string_view(*value);
  }
  return std::nullopt;
}

Result<uint64_t> ParsedArgs::GetUInt(std::string_view name, uint64_t fallback, uint64_t min,
                                     uint64_t max) const {
  std::optional<std::string_view> text = Value(name);
  if (!text) return fallback;
  const std::string what = "--" + std::string(name);
  DP_ASSIGN_OR_RETURN(uint64_t v, ParseUInt(what, *text));
  if (v < min || v > max) {
    return Status::InvalidArgument(what + " must be between " + std::to_string(min) + " and " +
                                   std::to_string(max) + ", got " + std::string(*text));
  }
  return v;
}

Result<std::string> ParsedArgs::GetChoice(std::string_view name, std::string_view fallback,
                                          std::span<const std::string_view> choices) const {
  std::optional<std::string_view> text = Value(name);
  if (!text) return std::string(fallback);
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return std::string(*text);
  std::string allowed;
  for (std::string_view c : choices) allowed += (allowed.empty() ? "" : "|") + std::string(c);
  return Status::InvalidArgument("--" + std::string(name) + " must be one of " + allowed + ", got '" +
                                 std::string(*text) + "'");
}

Result<ParsedArgs> ParseArgs(std::span<const std::string> args, std::span<const OptionSpec> specs) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) out.AddPositional(args[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out.AddPositional(arg);
      continue;
    }
    std::string_view name;
    std::optional<std::string> inline_value;
    if (arg == "-h") {
      name = "help";
    } else if (arg.starts_with("--")) {
      name = std::string_view(arg).substr(2);
      if (size_t eq = name.find('='); eq != std::string_view::npos) {
        inline_value = std::string(name.substr(eq + 1));
        name = name.substr(0, eq);
      }
    } else {
      return Status::InvalidArgument("unknown option '" + arg + "'");
    }
    const OptionSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) return Status::InvalidArgument("unknown option '--" + std::string(name) + "'");
    if (out.Has(name)) return Status::InvalidArgument("option '--" + std::string(name) + "' given twice");
    if (!spec->takes_value()) {
      if (inline_value) {
        return Status::InvalidArgument("option '--" + std::string(name) + "' takes no value");
      }
      out.AddOption(std::string(name), std::nullopt);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return Status::InvalidArgument("option '--" + std::string(name) + "' needs a value (" +
                                       std::string(spec->value_name) + ")");
      }
      inline_value = args[++i];
    }
    out.AddOption(std::string(name), std::move(inline_value));
  }
  return out;
}

Result<uint64_t> ParseUInt(std::string_view what, std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(what) + ": " + std::string(why) + ", got '" +
                                   std::string(text) + "'");
  };
  uint64_t multiplier = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'k': multiplier = 1'000; break;
      case 'M': multiplier = 1'000'000; break;
      case 'G': multiplier = 1'000'000'000; break;
      default: break;
    }
    if (multiplier != 1) digits.remove_suffix(1);
  }
  if (digits.empty() || digits.front() == '_' || digits.back() == '_') {
    return bad("expected a non-negative integer");
  }
  uint64_t v = 0;
  for (char ch : digits) {
    if (ch == '_') continue;
    if (ch < '0' || ch > '9') return bad("expected a non-negative integer");
    const uint64_t d = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - d) / 10) return bad("number too large");
    v = v * 10 + d;
  }
  if (v > UINT64_MAX / multiplier) return bad("number too large");
  return v * multiplier;
}

Result<std::vector<std::string>> ParseList(std::string_view what, std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) {
      return Status::InvalidArgument(std::string(what) + ": empty item in list '" + std::string(text) + "'");
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string FormatOptions(std::span<const OptionSpec> specs) {
  std::vector<std::string> left;
  size_t width = 0;
  for (const OptionSpec& s : specs) {
    std::string l = (s.name == "help" ? "-h, --" : "--") + std::string(s.name);
    if (s.takes_value()) l += " " + std::string(s.value_name);
    width = std::max(width, l.size());
    left.push_back(std::move(l));
  }
  std::string out;
  for (size_t i = 0; i < specs.size(); ++i) {
    out += "  " + left[i] + std::string(width - left[i].size() + 3, ' ') + std::string(specs[i].help) + "\n";
  }
  return out;
}

}  // namespace dp::tools
