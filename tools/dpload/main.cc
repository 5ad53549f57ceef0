// dpload — ingests CSV and JSON Lines into dpstore: into a versioned dataset
// of a mesh (`--into dp://PRODUCT/DATASET`, validated by the dataset's
// contract) or into one new segment file (`--segment OUT.dpc`).
// Run `dpload --help` for the options, the rules and the exit codes.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "dp/address.h"
#include "dp/contract.h"
#include "dp/dataset.h"
#include "dp/segment.h"
#include "tools/common/args.h"
#include "tools/dpload/load.h"
#include "tools/dpload/schema_text.h"

namespace dp::tools::dpload {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConflict = 3;

constexpr OptionSpec kOptions[] = {
    {"into", "dp://P/D", "load into dataset D of product P (a new version of it)"},
    {"root", "DIR", "mesh root holding the dataset (default: $DP_MESH_ROOT; as in dpinspect)"},
    {"contract", "FILE.yaml", "validate every row against this contract (spec/contract.md)"},
    {"create", "", "create the mesh root, product and dataset from the contract if absent"},
    {"replace", "", "the load replaces the dataset's content (snapshots datasets)"},
    {"force", "", "with --replace on an events dataset: really drop its rows"},
    {"as-of", "TIME", "with --replace: the RFC 3339 time the content describes (default: now)"},
    {"message", "M", "commit message (default: 'dpload append|replace of INPUT...')"},
    {"committer", "C", "who commits (default: $USER@host)"},
    {"segment", "OUT.dpc", "instead: write the rows to a new segment file (refuses to overwrite)"},
    {"schema", "FILE", "--segment: schema as text, one 'name: type [not null] [-- doc]' per line"},
    {"schema-from", "FILE.dpc", "--segment: take the schema of an existing segment"},
    {"format", "F", "input format: csv or jsonl (default csv)"},
    {"header", "", "CSV: the first record names the columns (default)"},
    {"no-header", "", "CSV: no header; columns are the schema's fields in order"},
    {"delimiter", "C", "CSV field delimiter: one byte, or 'tab' (default ',')"},
    {"ignore-unknown", "", "skip CSV header columns / JSON keys that are not in the schema"},
    {"threads", "N", "1: parse and write on one thread; 2: write (and validate) on a second thread (default 2)"},
    {"max-line-bytes", "N", "longest record accepted (default 64M)"},
    {"batch-rows", "N", "rows per batch handed to the writer (default 65536)"},
    {"buffer-bytes", "N", "read buffer size (default 1M)"},
    {"quiet", "", "no progress bar and no summary line"},
    {"help", "", "show this help"},
};

std::string Usage() {
  return "usage: dpload --into dp://PRODUCT/DATASET [--root DIR] [--contract FILE.yaml] [--create]\n"
         "              [--replace [--as-of TIME] [--force]] [--message M] [--committer C]\n"
         "              [--format csv|jsonl] [CSV options] INPUT...\n"
         "       dpload (--schema FILE | --schema-from FILE.dpc) --segment OUT.dpc\n"
         "              [--format csv|jsonl] [CSV options] INPUT...\n"
         "\n"
         "Reads every INPUT (a file, or - for standard input) in order. All rows become\n"
         "one new version of the dataset (--into), or one new segment file (--segment).\n"
         "Nothing is committed unless every input is valid and every row keeps the\n"
         "contract: on the first error the load is rolled back (no new version, no\n"
         "segment file left behind) and the error names file:line:column (bad input) or\n"
         "the file, line, load row, column, value and contract rule (a violation).\n"
         "A progress bar is shown on stderr when it is a terminal; a summary line\n"
         "(rows, inputs, version, semver, time, rows/s) follows unless --quiet.\n"
         "\n"
         "options:\n" +
         FormatOptions(kOptions) +
         "\n"
         "datasets (--into): the mesh root is --root or $DP_MESH_ROOT. The schema comes\n"
         "from the contract; the dataset's current schema must have the same field ids,\n"
         "names and types, else the load is refused with the differences (dpload never\n"
         "changes a schema: that is an API operation, Dataset::EvolveSchema). The\n"
         "contract's product and dataset names must be those of --into.\n"
         "  --create   makes the product (name, domain, owner, description, tags and\n"
         "             freshness from the contract's product: section) and the dataset\n"
         "             (kind and event-time column from its dataset: section) when they\n"
         "             do not exist, then loads; existing ones are just loaded into.\n"
         "             Without it a missing product or dataset is an error. What it\n"
         "             created stays if the load then fails (the dataset at version 0).\n"
         "  --contract is required with --create. For an existing dataset it may be left\n"
         "             out: the rows are then read with the dataset's schema and only\n"
         "             checked against it (types, nullability), not against any contract;\n"
         "             with it, the new version records the contract's checksum.\n"
         "  events datasets: each load appends (a load of no rows commits nothing).\n"
         "             --replace drops every existing row and keeps only this load; it\n"
         "             is refused unless --force is also given.\n"
         "  snapshots datasets: each load replaces the content and must say so with\n"
         "             --replace; --as-of TIME records the time the content describes.\n"
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
         "exit codes: 0 ok (or nothing to append); 1 bad input data, a contract\n"
         "violation, a contract that does not fit the dataset, a missing dataset, or a\n"
         "read/write failure; 2 usage error, including an operation the dataset's kind\n"
         "does not allow (append to snapshots, --replace on events without --force);\n"
         "3 the commit lost to concurrent commits (e.g. a schema change) after its\n"
         "retries: nothing was committed, run the load again\n";
}

struct Config {
  ReaderOptions reader;
  std::vector<std::string> inputs;
  bool quiet = false;
  // --segment mode.
  std::string segment_path;
  Schema schema;
  WriterOptions writer;
  // --into mode.
  std::optional<Address> into;
  std::string mesh_root;
  std::string contract_path;  // empty: none
  bool create = false;
  bool replace = false;
  bool force = false;
  std::optional<int64_t> as_of_us;
  std::string message;
  std::string committer;
};

constexpr std::string_view kDatasetOnly[] = {"root", "contract", "create", "replace", "force",
                                             "as-of", "message", "committer"};
constexpr std::string_view kSegmentOnly[] = {"segment", "schema", "schema-from"};

std::string DefaultCommitter() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::string c = user != nullptr && *user != '\0' ? user : "dpload";
  if (host[0] != '\0') c += std::string("@") + host;
  return c;
}

std::string DefaultMessage(bool replace, const std::vector<std::string>& inputs) {
  std::string m = std::string("dpload ") + (replace ? "replace" : "append") + " of";
  for (size_t i = 0; i < inputs.size() && i < 3; ++i) m += " " + (inputs[i] == "-" ? "<stdin>" : inputs[i]);
  if (inputs.size() > 3) m += " and " + std::to_string(inputs.size() - 3) + " more";
  return m;
}

Status ParseIntoOptions(const ParsedArgs& args, Config* c) {
  for (std::string_view o : kSegmentOnly) {
    if (args.Has(o)) {
      return Status::InvalidArgument("--" + std::string(o) +
                                     " is for --segment loads; a dataset load takes its schema from the contract "
                                     "or the dataset");
    }
  }
  const std::string into(*args.Value("into"));
  if (!into.starts_with("dp://")) {
    return Status::InvalidArgument("--into takes a dataset address dp://PRODUCT/DATASET (with --root DIR), not '" +
                                   into + "'");
  }
  DP_ASSIGN_OR_RETURN(Address a, Address::Parse(into));
  if (a.selector != Address::Selector::kLatest) {
    return Status::InvalidArgument("--into " + into + ": a load makes a new version; drop the '@' selector");
  }
  c->into = std::move(a);
  if (auto m = args.Value("root")) {
    c->mesh_root = std::string(*m);
  } else if (const char* env = std::getenv("DP_MESH_ROOT"); env != nullptr && *env != '\0') {
    c->mesh_root = env;
  } else {
    return Status::InvalidArgument("--into " + into + ": say which mesh root holds it with --root DIR (or set "
                                   "DP_MESH_ROOT)");
  }
  if (auto f = args.Value("contract")) c->contract_path = std::string(*f);
  c->create = args.Has("create");
  if (c->create && c->contract_path.empty()) {
    return Status::InvalidArgument("--create needs --contract FILE.yaml (the product and dataset come from it)");
  }
  c->replace = args.Has("replace");
  c->force = args.Has("force");
  if (c->force && !c->replace) return Status::InvalidArgument("--force only applies to --replace");
  if (auto t = args.Value("as-of")) {
    if (!c->replace) return Status::InvalidArgument("--as-of only applies to --replace (snapshots datasets)");
    Result<int64_t> us = ParseRfc3339(*t);
    if (!us.ok()) return Status::InvalidArgument("--as-of: " + us.status().message());
    c->as_of_us = *us;
  }
  c->message = args.Value("message") ? std::string(*args.Value("message")) : DefaultMessage(c->replace, c->inputs);
  c->committer = args.Value("committer") ? std::string(*args.Value("committer")) : DefaultCommitter();
  return Status::OK();
}

// Usage errors are InvalidArgument; a schema that cannot be read is another code.
Result<Config> ParseConfig(const std::vector<std::string>& argv, Status* setup_error) {
  DP_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(argv, kOptions));
  Config c;
  if (args.Has("into") == args.Has("segment")) {
    return Status::InvalidArgument("give exactly one of --into dp://PRODUCT/DATASET and --segment OUT.dpc");
  }
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

  if (args.Has("into")) {
    DP_RETURN_IF_ERROR(ParseIntoOptions(args, &c));
    return c;
  }
  for (std::string_view o : kDatasetOnly) {
    if (args.Has(o)) return Status::InvalidArgument("--" + std::string(o) + " is for dataset loads (--into)");
  }
  if (args.Has("schema") == args.Has("schema-from")) {
    return Status::InvalidArgument("--segment needs exactly one of --schema FILE and --schema-from FILE.dpc");
  }
  c.segment_path = std::string(*args.Value("segment"));
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

int Fail(const Status& s) {
  std::cerr << "dpload: " << s.ToString() << "\n";
  return kExitFailed;
}

int UsageError(const std::string& message) {
  std::cerr << "dpload: " << message << "\n(run dpload --help for usage)\n";
  return kExitUsage;
}

// ---------------------------------------------------------------- --segment

int RunSegment(const Config& c) {
  Result<std::unique_ptr<SegmentSink>> sink = SegmentSink::Create(c.segment_path, c.schema, c.writer);
  if (!sink.ok()) return Fail(sink.status());
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

// ---------------------------------------------------------------- --into

Result<DatasetKind> KindOf(const Contract& contract) {
  const std::string& k = contract.dataset().kind;
  if (k == "events") return DatasetKind::kEvents;
  if (k == "snapshots") return DatasetKind::kSnapshots;
  return Status::InvalidArgument(contract.source_name() + ": unknown dataset kind '" + k + "'");
}

// Opens the dataset; empty when it (or its product, or the mesh root) does
// not exist and --create was given, else NotFound suggesting --create.
Result<std::optional<Dataset>> OpenExisting(const Config& c) {
  const Address& a = *c.into;
  const std::string hint = " (pass --create --contract FILE.yaml to create it from its contract)";
  Result<Mesh> mesh = Mesh::Open(c.mesh_root);
  if (!mesh.ok()) {
    if (!mesh.status().IsNotFound()) return mesh.status();
    if (c.create) return std::optional<Dataset>();
    return Status::NotFound(mesh.status().message() + hint);
  }
  Result<Dataset> ds = mesh->OpenDataset(a.product, a.dataset);
  if (ds.ok()) return std::optional<Dataset>(std::move(*ds));
  if (!ds.status().IsNotFound()) return ds.status();
  if (c.create) return std::optional<Dataset>();
  return Status::NotFound("dp://" + a.product + "/" + a.dataset + ": " + ds.status().message() + hint);
}

// Makes whatever of the mesh root, product and dataset is missing, from the
// contract. Racing another creator is fine: AlreadyExists means someone else
// made it, so it is opened.
Result<Dataset> Create(const Config& c, const Contract& contract, DatasetKind kind) {
  const Address& a = *c.into;
  DP_ASSIGN_OR_RETURN(Mesh mesh, Mesh::Open(c.mesh_root, /*create=*/true));
  Result<Product> product = mesh.OpenProduct(a.product);
  if (!product.ok() && product.status().IsNotFound()) {
    const ContractProduct& p = contract.product();
    product = mesh.CreateProduct({.name = p.name,
                                  .domain = p.domain,
                                  .owner = p.owner,
                                  .description = p.description,
                                  .tags = p.tags,
                                  .freshness_sla_seconds = p.freshness_seconds});
    if (!product.ok() && product.status().code() == StatusCode::kAlreadyExists) product = mesh.OpenProduct(a.product);
  }
  if (!product.ok()) return product.status();
  const ContractDataset& d = contract.dataset();
  Result<Dataset> ds = product->CreateDataset(
      {.name = d.name, .kind = kind, .event_time_column = d.event_time, .description = d.description},
      contract.schema());
  if (!ds.ok() && ds.status().code() == StatusCode::kAlreadyExists) ds = product->OpenDataset(a.dataset);
  return ds;
}

int RunDataset(const Config& c) {
  const Address& a = *c.into;
  const std::string address = "dp://" + a.product + "/" + a.dataset;
  std::optional<Contract> contract;
  if (!c.contract_path.empty()) {
    Result<Contract> r = Contract::ReadFile(c.contract_path);
    if (!r.ok()) return Fail(r.status());
    contract = std::move(*r);
    if (contract->product().name != a.product || contract->dataset().name != a.dataset) {
      return Fail(Status::InvalidArgument("contract " + c.contract_path + " describes dp://" +
                                          contract->product().name + "/" + contract->dataset().name + ", not " +
                                          address));
    }
  }
  Result<std::optional<Dataset>> existing = OpenExisting(c);
  if (!existing.ok()) return Fail(existing.status());
  SnapshotPtr latest;  // null: the dataset is created below
  if (*existing) {
    Result<SnapshotPtr> l = (*existing)->Latest();
    if (!l.ok()) return Fail(l.status());
    latest = *l;
    if (contract) {
      if (Status s = CheckContractFits(*latest, *contract, address); !s.ok()) return Fail(s);
    }
  }
  DatasetKind kind = DatasetKind::kEvents;
  if (latest) {
    kind = latest->dataset().kind;
  } else {
    Result<DatasetKind> k = KindOf(*contract);  // --create implies --contract
    if (!k.ok()) return Fail(k.status());
    kind = *k;
  }
  // The operation must fit the kind (checked before anything is created).
  const bool snapshots = kind == DatasetKind::kSnapshots;
  if (snapshots && !c.replace) {
    return UsageError(address + " is a snapshots dataset: each load replaces its content, so say --replace (and "
                                "--as-of TIME for the time the content describes)");
  }
  if (!snapshots && c.replace && !c.force) {
    const std::string drop = latest ? std::to_string(latest->info().num_rows) + " rows of version " +
                                          std::to_string(latest->info().version)
                                    : std::string("rows");
    return UsageError(address + " is an events dataset (append-only facts): --replace would drop its " + drop +
                      "; loads append by default. Add --force if dropping them is what you mean");
  }
  if (!snapshots && c.as_of_us) {
    return UsageError("--as-of applies to snapshots datasets; " + address + " is an events dataset");
  }
  std::optional<Dataset> ds = std::move(*existing);
  if (!ds) {
    Result<Dataset> created = Create(c, *contract, kind);
    if (!created.ok()) return Fail(created.status());
    ds = std::move(*created);
  }
  TransactionSink::Options o;
  o.operation = c.replace ? Operation::kReplace : Operation::kAppend;
  o.contract = contract ? &*contract : nullptr;
  o.transaction.as_of_us = c.as_of_us;
  // A replace that loses to a concurrent commit replaces whatever is latest
  // then (appends always rebase).
  o.transaction.retry_on_conflict = c.replace;
  o.message = c.message;
  o.committer = c.committer;
  o.what = address;
  Result<std::unique_ptr<TransactionSink>> sink = TransactionSink::Begin(*ds, std::move(o));
  if (!sink.ok()) return Fail(sink.status());

  Progress progress(!c.quiet && ::isatty(STDERR_FILENO));
  std::vector<uint64_t> first_rows;
  const Schema& schema = (*sink)->schema();
  Result<LoadStats> stats = LoadInputs(c.inputs, schema, c.reader, sink->get(), &progress, &first_rows);
  if (!stats.ok()) {
    Status s = stats.status();
    const TransactionSink& t = **sink;
    if (t.violation_row() && s.message() == t.violation().message()) {
      Result<RowOrigin> origin = LocateRow(c.inputs, first_rows, *t.violation_row(), schema, c.reader);
      if (origin.ok()) s = DescribeViolation(s, *origin, *t.violation_row());
    }
    std::cerr << "dpload: " << s.ToString() << "\n";
    std::cerr << "dpload: nothing was committed to " << address << "\n";
    return s.code() == StatusCode::kConflict ? kExitConflict : kExitFailed;
  }
  const std::optional<VersionInfo>& v = (*sink)->committed();
  if (c.quiet) return kExitOk;
  const double secs = std::max(stats->seconds, 1e-9);
  const std::string inputs = std::to_string(c.inputs.size()) + (c.inputs.size() == 1 ? " input" : " inputs");
  if (!v) {
    std::fprintf(stderr, "dpload: no rows in %s; nothing to append to %s\n", inputs.c_str(), address.c_str());
    return kExitOk;
  }
  std::fprintf(stderr,
               "dpload: %llu rows from %s (%sB) -> %s version %llu (semver %s, %s%s) in %.2f s (%s rows/s)\n",
               static_cast<unsigned long long>(stats->rows), inputs.c_str(),
               HumanCount(static_cast<double>(stats->bytes)).c_str(), address.c_str(),
               static_cast<unsigned long long>(v->version), v->semver.ToString().c_str(),
               std::string(OperationName(v->operation)).c_str(), contract ? ", contract checked" : ", no contract",
               secs, HumanCount(static_cast<double>(stats->rows) / secs).c_str());
  return kExitOk;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a == "--help" || a == "-h") {
      std::cout << Usage();
      return kExitOk;
    }
  }
  Status setup;
  Result<Config> config = ParseConfig(args, &setup);
  if (!config.ok()) return UsageError(config.status().message());
  if (!setup.ok()) return Fail(setup);
  return config->into ? RunDataset(*config) : RunSegment(*config);
}

}  // namespace
}  // namespace dp::tools::dpload

int main(int argc, char** argv) { return dp::tools::dpload::Main(argc, argv); }
