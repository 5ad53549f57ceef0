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
constexpr OptionSpec kRoot = {"root", "DIR", "mesh root for dp:// addresses (default: $DP_MESH_ROOT)"};
constexpr OptionSpec kColumns = {"columns", "a,b,...", "only these columns, in this order (default: all)"};

constexpr OptionSpec kSummaryOptions[] = {kRoot, kJson, kHelp};
constexpr OptionSpec kSchemaOptions[] = {kRoot, kJson, kHelp};
constexpr OptionSpec kVersionsOptions[] = {kRoot, kJson, kHelp};
constexpr OptionSpec kDiffOptions[] = {kRoot, kJson, kHelp};
constexpr OptionSpec kPagesOptions[] = {kColumns, kJson, kHelp};
constexpr OptionSpec kVerifyOptions[] = {kRoot, kJson, kHelp};
constexpr OptionSpec kCatOptions[] = {
    kColumns,
    {"limit", "N", "print at most N rows (default: all)"},
    {"format", "F", "csv (header line; null = empty field) or jsonl (null = null); default csv"},
    kHelp,
};

constexpr OptionSpec kStatsOptions[] = {
    {"from", "TIME", "only rows at or after TIME (RFC 3339, e.g. 2024-04-01 or 2024-04-01T12:00:00Z)"},
    {"to", "TIME", "only rows before TIME (exclusive)"},
    {"time-column", "COL", "the event-time column for --from/--to and time: buckets (default: the first timestamp)"},
    {"where", "EXPR", "filter, e.g. \"country = 'DE' AND quantity IN (1, 2)\" (see --help)"},
    {"group-by", "KEYS", "comma-separated columns and/or one time:minute|hour|day|week|month bucket"},
    {"agg", "LIST", "count, count:COL, sum:COL, min:COL, max:COL, avg:COL, approx_distinct:COL,\n"
                    "                      distinct:COL (default: count)"},
    {"threads", "N", "worker threads (default 0 = all cores); results do not depend on it"},
    {"skip-corrupt", "", "leave out segments that fail to open or verify (each is checked in full\n"
                         "                      first), name them on stderr, answer from the rest, exit 1"},
    kRoot,
    kJson,
    {"csv", "", "print CSV instead of a table"},
    kHelp,
};

struct Command {
  std::string_view name;
  std::string_view synopsis;
  std::string_view description;
  std::span<const OptionSpec> options;
  int (*run)(const Invocation&);
  size_t targets = 1;  // positional TARGET arguments
};

constexpr Command kCommands[] = {
    {"summary", "dpinspect [summary] TARGET [--json]",
     "A segment FILE: file-level facts (format version, rows, row groups, sizes, compression\n"
     "ratio, bytes/row, created_by, metadata) and per-column type, nulls, sizes and min/max.\n"
     "A mesh ROOT or PRODUCT directory: the catalog (each product, owner, dataset, kind, latest\n"
     "version, schema version, rows, size, last commit, freshness against the product's SLA).\n"
     "A DATASET version: its address, kind, version, commit, rows, segments, event-time range.",
     kSummaryOptions, RunSummary},
    {"schema", "dpinspect schema FILE|DATASET[@v] [--json]",
     "Fields: index/id, name, type, nullable, doc. For a dataset version also the history of its\n"
     "semantic schema version (which version introduced each MAJOR.MINOR.PATCH).",
     kSchemaOptions, RunSchema},
    {"versions", "dpinspect versions DATASET [--json]",
     "The timeline of a dataset: every retained version with commit time, operation, schema\n"
     "version, rows, segments, size, committer, tags and message.",
     kVersionsOptions, RunVersions},
    {"diff", "dpinspect diff DATASET@A DATASET@B [--json]",
     "What changed between two versions: fields added/removed/renamed/retyped (by field id),\n"
     "schema version, rows, and segments added/removed.",
     kDiffOptions, RunDiff, 2},
    {"pages", "dpinspect pages FILE [--columns a,b] [--json]",
     "Every column chunk and page: row group, page, first row, values, nulls, encoding, codec,\n"
     "stored/decoded bytes, min, max.",
     kPagesOptions, RunPages},
    {"verify", "dpinspect verify FILE|DATASET[@v] [--json]",
     "Checks every byte (checksums, metadata, page structure, statistics, padding) and prints\n"
     "each issue found; for a dataset version, every segment it references (and the row counts\n"
     "its manifests promise). Exit 0 if intact, 1 otherwise.",
     kVerifyOptions, RunVerify},
    {"cat", "dpinspect cat FILE [--columns a,b] [--limit N] [--format csv|jsonl]",
     "Prints rows as CSV (RFC 4180 quoting) or JSON Lines, streaming row group by row group.\n"
     "Timestamps print as ISO 8601.",
     kCatOptions, RunCat},
    {"stats", "dpinspect stats TARGET [--from T1] [--to T2] [--where EXPR] [--group-by COL|time:day]\n"
              "                 [--agg sum:COL,count,avg:COL] [--json|--csv]",
     "Aggregates computed inside the scan: the `stats/` endpoint of a data product, offline.\n"
     "Row groups and pages that cannot match --from/--to/--where are skipped using their\n"
     "statistics; the last line says how much was read.\n"
     "\n"
     "--where grammar: comparisons (= != < <= > >=), BETWEEN a AND b, IN (a, b), IS [NOT] NULL,\n"
     "STARTS WITH 'x', LIKE 'x%', combined with AND, OR, NOT and parentheses. Strings in single\n"
     "quotes; times as RFC 3339 strings ('2024-04-01T00:00:00Z').\n"
     "\n"
     "example:\n"
     "  dpinspect stats orders.dpc --from 2024-04-01 --to 2024-07-01 --where \"country = 'DE'\" \\\n"
     "      --group-by time:day --agg count,sum:price_usd_cents",
     kStatsOptions, RunStats},
};

constexpr std::string_view kExitCodes =
    "exit codes:\n"
    "  0  success\n"
    "  1  data problem: unreadable or corrupt file, verification failed, write error\n"
    "  2  usage error: unknown command, option or column; missing or bad argument\n";

std::string TopLevelHelp() {
  std::string out =
      "usage: dpinspect [COMMAND] TARGET [OPTIONS]\n"
      "\n"
      "Read-only inspection of dpstore data. Without a command, prints the summary.\n"
      "Run 'dpinspect COMMAND --help' for a command's options.\n"
      "\n"
      "TARGET is one of:\n"
      "  FILE.dpc                            a segment file\n"
      "  ROOT                                a mesh root directory (the catalog)\n"
      "  ROOT/PRODUCT                        one product\n"
      "  ROOT/PRODUCT/DATASET[@SEL]          a dataset version; SEL is a version number, an\n"
      "                                      RFC 3339 time (as of) or a tag; default: latest\n"
      "  dp://PRODUCT/DATASET[@SEL]          the same by address, with --root ROOT or $DP_MESH_ROOT\n"
      "\n"
      "commands:\n";
  for (const Command& c : kCommands) out += "  " + std::string(c.synopsis) + "\n";
  out += "\noptions:\n  --json       JSON output\n  --root DIR   mesh root for dp:// addresses\n  -h, --help   show help\n\n";
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
  if (args.empty()) return UsageError("missing TARGET", "dpinspect --help");
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
  if (files.size() < cmd->targets) return UsageError(files.empty() ? "missing TARGET" : "missing second TARGET", hint);
  if (files.size() > cmd->targets) {
    if (!named) {
      std::string names;
      for (const Command& c : kCommands) names += (names.empty() ? "" : ", ") + std::string(c.name);
      return UsageError("unknown command '" + files[0] + "' (commands: " + names + ")", "dpinspect --help");
    }
    return UsageError("unexpected argument '" + files[cmd->targets] + "'", hint);
  }
  std::unique_ptr<OutputFile> out = OutputFile::Stdout();
  return cmd->run(Invocation{files[0], std::move(*parsed), out.get()});
}

}  // namespace
}  // namespace dp::tools::inspect

int main(int argc, char** argv) { return dp::tools::inspect::Main(argc, argv); }
