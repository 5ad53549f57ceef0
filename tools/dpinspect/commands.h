// dpinspect's commands. Each one writes its result to stdout (text, or JSON
// with --json), its errors to stderr prefixed "dpinspect: ", and returns the
// process exit code.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dp/result.h"
#include "dp/scan.h"
#include "dp/segment.h"
#include "tools/common/args.h"
#include "tools/common/output.h"

namespace dp::tools::inspect {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDataProblem = 1;  // corruption, verify failure, unreadable file
inline constexpr int kExitUsage = 2;        // unknown command/option/column, missing argument

struct Invocation {
  std::string path;  // the segment file
  ParsedArgs args;   // the command's options
  OutputFile* out;   // stdout
};

int RunSummary(const Invocation& inv);
int RunSchema(const Invocation& inv);
int RunPages(const Invocation& inv);
int RunVerify(const Invocation& inv);
int RunCat(const Invocation& inv);
int RunStats(const Invocation& inv);

// Data products (catalog.cc): TARGET is a mesh root, product, dataset
// version (path[@v|@time|@tag] or dp:// address with --root).
bool IsCollectionTarget(std::string_view target);  // anything but a segment file
int RunCollectionSummary(const Invocation& inv);
int RunVersions(const Invocation& inv);
int RunDatasetSchema(const Invocation& inv);
int RunDiff(const Invocation& inv);
int RunDatasetVerify(const Invocation& inv);

// Prints "dpinspect: <message>" to stderr; returns `exit_code`.
int Fail(int exit_code, std::string_view message);

// Opens the segment; on failure prints the error and sets *exit_code.
std::shared_ptr<Segment> OpenOrFail(const std::string& path, int* exit_code);

// What a scan reads for inv.path: a segment file or a dataset version, and
// the default event-time column (a dataset's declared one; for a segment
// its first timestamp column, or empty). On failure prints the error and
// sets *exit_code.
struct ScanTarget {
  ScanSource source;
  std::string time_column;
};
std::optional<ScanTarget> OpenScanTargetOrFail(const Invocation& inv, int* exit_code);

// The columns named by --columns (all when absent), in the order given.
// InvalidArgument names an unknown or repeated column.
Result<std::vector<int>> SelectColumns(const Segment& seg, const ParsedArgs& args);

// Flushes stdout; a failed write is a data problem (exit 1).
int Finish(OutputFile* out, int exit_code);

}  // namespace dp::tools::inspect
