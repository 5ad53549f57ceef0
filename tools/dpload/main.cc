// dpload — ingests CSV and JSON Lines into dpstore. Run `dpload --help`.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dp/segment.h"
#include "tools/common/args.h"
#include "tools/dpload/load.h"
#include "tools/dpload/schema_text.h"

namespace dp::tools::dpload {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr OptionSpec kOptions[] = {
    {"schema", "FILE", "schema as text, one 'name: type [not null] [-- doc]' per line"},
    {"schema-from", "FILE.dpc", "take the schema of an existing segment"},
    {"format", "F", "input format: csv or jsonl (default csv)"},
    {"header", "", "CSV: the first record names the columns (default)"},
    {"no-header", "", "CSV: no header; columns are the schema's fields in order"},
    {"delimiter", "C", "CSV field delimiter: one byte, or 'tab' (default ',')"},
    {"ignore-unknown", "", "skip CSV header columns / JSON keys that are not in the schema"},
    {"segment", "OUT.dpc", "write the rows to a new segment file (refuses to overwrite)"},
    {"threads", "N", "1: parse and write on one thread; 2: write on a second thread (default 2)"},
    {"max-line-bytes", "N", "longest record accepted (default 64M)"},
    {"batch-rows", "N", "rows per batch handed to the writer (default 65536)"},
    {"buffer-bytes", "N", "read buffer size (default 1M)"},
    {"quiet", "", "no progress bar and no summary line"},
    {"help", "", "show this help"},
};

std::string Usage() {
  return "usage: dpload (--schema FILE | --schema-from FILE.dpc) [--format csv|jsonl]\n"
         "              [--header | --no-header] [--delimiter C] --segment OUT.dpc INPUT...\n"
         "\n"
         "Reads every INPUT (a file, or - for standard input) in order and writes all\n"
         "rows to one new segment. Nothing is written unless every input is valid: on\n"
         "the first error the output is removed and the error names file:line:column.\n"
         "A progress bar is shown on stderr when it is a terminal.\n"
         "\n"
         "options:\n" +
         FormatOptions(kOptions) +
         "\n"
         "CSV (RFC 4180): LF or CRLF line ends; \"quoted\" fields may hold delimiters,\n"
         "line breaks and doubled quotes (\"\"). An empty field is null; a quoted empty\n"
         "field \"\" is the empty string for string/binary columns. Header columns match\n"
         "schema fields by name, in any order; fields missing from the header are null.\n"
         "\n"
         "JSON Lines: one object per line; keys match field names; a missing key is\n"
         "null; unknown keys are an error unless --ignore-unknown; nested objects and\n"
         "arrays are an error. Strings are converted like CSV fields (\"42\" fits an int).\n"
         "\n"
         "values: integers are range-checked for the column; floats also take nan/inf;\n"
         "bool is true/false/1/0; date32 is YYYY-MM-DD or days since 1970-01-01;\n"
         "timestamps are RFC 3339 (YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM], 'T' or ' ') or an\n"
         "integer count of the column's unit; a zoneless time in a UTC column is UTC;\n"
         "fractional digits finer than the unit must be 0; binary is hex; strings must\n"
         "be valid UTF-8.\n"
         "\n"
         "exit codes: 0 ok, 1 bad input data or a read/write failure, 2 usage error\n";
}

struct Config {
  Schema schema;
  ReaderOptions reader;
  WriterOptions writer;
  std::string segment_path;
  std::vector<std::string> inputs;
  bool quiet = false;
};

// Usage errors are InvalidArgument; a schema that cannot be read is another code.
Result<Config> ParseConfig(const std::vector<std::string>& argv, Status* setup_error) {
  DP_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(argv, kOptions));
  Config c;
  if (args.Has("schema") == args.Has("schema-from")) {
    return Status::InvalidArgument("give exactly one of --schema FILE and --schema-from FILE.dpc");
  }
  if (!args.Has("segment")) return Status::InvalidArgument("missing required option --segment OUT.dpc");
  c.segment_path = std::string(*args.Value("segment"));
  if (args.positional().empty()) return Status::InvalidArgument("no INPUT given (use - for standard input)");
  c.inputs = args.positional();
  static constexpr std::string_view kFormats[] = {"csv", "jsonl"};
  DP_ASSIGN_OR_RETURN(std::string format, args.GetChoice("format", "csv", kFormats));
  c.reader.format = format == "csv" ? InputFormat::kCsv : InputFormat::kJsonLines;
  if (args.Has("header") && args.Has("no-header")) {
    return Status::InvalidArgument("--header and --no-header contradict each other");
  }
  c.reader.header = !args.Has("no-header");
  if (auto d = args.Value("delimiter")) {
    if (*d == "tab" || *d == "\\t") {
      c.reader.delimiter = '\t';
    } else if (d->size() == 1) {
      c.reader.delimiter = (*d)[0];
    } else {
      return Status::InvalidArgument("--delimiter must be one byte or 'tab', got '" + std::string(*d) + "'");
    }
  }
  if (c.reader.format == InputFormat::kJsonLines && (args.Has("delimiter") || args.Has("no-header"))) {
    return Status::InvalidArgument("--delimiter and --no-header apply to --format csv only");
  }
  c.reader.ignore_unknown = args.Has("ignore-unknown");
  DP_ASSIGN_OR_RETURN(uint64_t threads, args.GetUInt("threads", 2, 1, 2));
  c.reader.writer_thread = threads == 2;
  DP_ASSIGN_OR_RETURN(c.reader.max_line_bytes, args.GetUInt("max-line-bytes", c.reader.max_line_bytes, 1, 1ull << 32));
  DP_ASSIGN_OR_RETURN(c.reader.batch_rows, args.GetUInt("batch-rows", c.reader.batch_rows, 1, 1u << 24));
  DP_ASSIGN_OR_RETURN(c.reader.read_buffer_bytes,
                      args.GetUInt("buffer-bytes", c.reader.read_buffer_bytes, 1, 1ull << 32));
  DP_RETURN_IF_ERROR(ValidateOptions(c.reader));
  c.quiet = args.Has("quiet");
  // The schema: failures here are input errors (exit 1), not usage errors.
  if (args.Has("schema")) {
    Result<Schema> s = ReadSchemaFile(std::string(*args.Value("schema")));
    if (!s.ok()) *setup_error = s.status();
    else c.schema = std::move(*s);
  } else {
    Result<std::shared_ptr<Segment>> seg = Segment::Open(std::string(*args.Value("schema-from")));
    if (!seg.ok()) *setup_error = seg.status();
    else c.schema = (*seg)->schema();
  }
  return c;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << Usage();
      return kExitOk;
    }
  }
  Status setup;
  Result<Config> config = ParseConfig(args, &setup);
  if (!config.ok()) {
    std::cerr << "dpload: " << config.status().message() << "\n(run dpload --help for usage)\n";
    return kExitUsage;
  }
  if (!setup.ok()) {
    std::cerr << "dpload: " << setup.ToString() << "\n";
    return kExitFailed;
  }
  Config& c = *config;
  Result<std::unique_ptr<SegmentSink>> sink = SegmentSink::Create(c.segment_path, c.schema, c.writer);
  if (!sink.ok()) {
    std::cerr << "dpload: " << sink.status().ToString() << "\n";
    return kExitFailed;
  }
  Progress progress(!c.quiet && ::isatty(STDERR_FILENO));
  Result<LoadStats> stats = LoadInputs(c.inputs, c.schema, c.reader, sink->get(), &progress);
  if (!stats.ok()) {
    std::cerr << "dpload: " << stats.status().ToString() << "\n";
    std::cerr << "dpload: nothing was written\n";
    return kExitFailed;
  }
  if (!c.quiet) {
    const double secs = std::max(stats->seconds, 1e-9);
    std::fprintf(stderr, "dpload: %llu rows (%sB of input) -> %s in %.2f s (%s rows/s, %sB/s)\n",
                 static_cast<unsigned long long>(stats->rows), HumanCount(static_cast<double>(stats->bytes)).c_str(),
                 c.segment_path.c_str(), secs, HumanCount(static_cast<double>(stats->rows) / secs).c_str(),
                 HumanCount(static_cast<double>(stats->bytes) / secs).c_str());
  }
  return kExitOk;
}

}  // namespace
}  // namespace dp::tools::dpload

int main(int argc, char** argv) { return dp::tools::dpload::Main(argc, argv); }
