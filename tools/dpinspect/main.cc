// dpinspect — read-only inspection, verification and export of dpstore
// segment files. Run `dpinspect --help`.
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "tools/common/args.h"
#include "tools/common/output.h"
#include "tools/dpinspect/commands.h"

namespace dp::tools::inspect {
namespace {

constexpr OptionSpec kHelp = {"help", "", "show help for this command"};
constexpr OptionSpec kJson = {"json", "", "print machine-readable JSON"};
constexpr OptionSpec kColumns = {"columns", "a,b,...", "only these columns, in this order (default: all)"};

constexpr OptionSpec kSummaryOptions[] = {kJson, kHelp};
constexpr OptionSpec kSchemaOptions[] = {kJson, kHelp};
constexpr OptionSpec kPagesOptions[] = {kColumns, kJson, kHelp};
constexpr OptionSpec kVerifyOptions[] = {kJson, kHelp};
constexpr OptionSpec kCatOptions[] = {
    kColumns,
    {"limit", "N", "print at most N rows (default: all)"},
    {"format", "F", "csv (header line; null = empty field) or jsonl (null = null); default csv"},
    kHelp,
};

struct Command {
  std::string_view name;
  std::string_view synopsis;
  std::string_view description;
  std::span<const OptionSpec> options;
  int (*run)(const Invocation&);
};

constexpr Command kCommands[] = {
    {"summary", "dpinspect [summary] FILE [--json]",
     "File-level facts (format version, rows, row groups, sizes, compression ratio, bytes/row,\n"
     "created_by, metadata) and per-column type, nulls, sizes and min/max.",
     kSummaryOptions, RunSummary},
    {"schema", "dpinspect schema FILE [--json]", "Fields: index, id, name, type, nullable, doc.", kSchemaOptions,
     RunSchema},
    {"pages", "dpinspect pages FILE [--columns a,b] [--json]",
     "Every column chunk and page: row group, page, first row, values, nulls, encoding, codec,\n"
     "stored/decoded bytes, min, max.",
     kPagesOptions, RunPages},
    {"verify", "dpinspect verify FILE [--json]",
     "Checks every byte (checksums, metadata, page structure, statistics, padding) and prints\n"
     "each issue found. Exit 0 if the file is intact, 1 otherwise.",
     kVerifyOptions, RunVerify},
    {"cat", "dpinspect cat FILE [--columns a,b] [--limit N] [--format csv|jsonl]",
     "Prints rows as CSV (RFC 4180 quoting) or JSON Lines, streaming row group by row group.\n"
     "Timestamps print as ISO 8601.",
     kCatOptions, RunCat},
};

constexpr std::string_view kExitCodes =
    "exit codes:\n"
    "  0  success\n"
    "  1  data problem: unreadable or corrupt file, verification failed, write error\n"
    "  2  usage error: unknown command, option or column; missing or bad argument\n";

std::string TopLevelHelp() {
  std::string out =
      "usage: dpinspect [COMMAND] FILE [OPTIONS]\n"
      "\n"
      "Read-only inspection of dpstore segment files (*.dpc). Without a command, prints the\n"
      "summary. Run 'dpinspect COMMAND --help' for a command's options.\n"
      "\n"
      "commands:\n";
  for (const Command& c : kCommands) out += "  " + std::string(c.synopsis) + "\n";
  out += "\noptions:\n  --json       JSON output (summary, schema, pages, verify)\n  -h, --help   show help\n\n";
  out += kExitCodes;
  return out;
}

std::string CommandHelp(const Command& c) {
  return "usage: " + std::string(c.synopsis) + "\n\n" + std::string(c.description) + "\n\noptions:\n" +
         FormatOptions(c.options) + "\n" + std::string(kExitCodes);
}

int UsageError(std::string_view message, std::string_view help_hint) {
  std::cerr << "dpinspect: " << message << "\n(run '" << help_hint << "' for usage)\n";
  return kExitUsage;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return UsageError("missing FILE", "dpinspect --help");
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << TopLevelHelp();
    return kExitOk;
  }
  // The first argument names a command if it is one; otherwise it is the summary.
  const Command* cmd = &kCommands[0];
  bool named = false;
  for (const Command& c : kCommands) {
    if (args[0] == c.name) {
      cmd = &c;
      named = true;
      args.erase(args.begin());
      break;
    }
  }
  const std::string hint = "dpinspect " + std::string(cmd->name) + " --help";
  Result<ParsedArgs> parsed = ParseArgs(args, cmd->options);
  if (!parsed.ok()) return UsageError(parsed.status().message(), hint);
  if (parsed->Has("help")) {
    std::cout << (named ? CommandHelp(*cmd) : TopLevelHelp());
    return kExitOk;
  }
  const std::vector<std::string>& files = parsed->positional();
  if (files.empty()) return UsageError("missing FILE", hint);
  if (files.size() > 1) {
    if (!named) {
      std::string names;
      for (const Command& c : kCommands) names += (names.empty() ? "" : ", ") + std::string(c.name);
      return UsageError("unknown command '" + files[0] + "' (commands: " + names + ")", "dpinspect --help");
    }
    return UsageError("unexpected argument '" + files[1] + "' (one FILE only)", hint);
  }
  std::unique_ptr<OutputFile> out = OutputFile::Stdout();
  return cmd->run(Invocation{files[0], std::move(*parsed), out.get()});
}

}  // namespace
}  // namespace dp::tools::inspect

int main(int argc, char** argv) { return dp::tools::inspect::Main(argc, argv); }
