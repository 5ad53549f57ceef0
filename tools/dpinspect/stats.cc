// dpinspect stats: the `stats/` endpoint of a data product, offline.
// Aggregates pushed into the scan (dp/scan.h), with a time range, a --where
// expression (dp/expression.h) and group-by columns / a time bucket.
#include <cctype>
#include <charconv>
#include <optional>

#include "dp/expression.h"
#include "dp/scan.h"
#include "tools/common/json_writer.h"
#include "tools/common/table.h"
#include "tools/dpinspect/cells.h"
#include "tools/dpinspect/commands.h"

namespace dp::tools::inspect {
namespace {

// "sum:price" -> Aggregate; "count" alone is count(*).
Result<Aggregate> ParseAggregate(std::string_view item) {
  const size_t colon = item.find(':');
  const std::string_view fn = item.substr(0, colon);
  const std::string column = colon == std::string_view::npos ? "" : std::string(item.substr(colon + 1));
  struct Known {
    std::string_view name;
    AggregateKind kind;
  };
  static constexpr Known kKnown[] = {
      {"count", AggregateKind::kCount},         {"sum", AggregateKind::kSum},
      {"min", AggregateKind::kMin},             {"max", AggregateKind::kMax},
      {"avg", AggregateKind::kAvg},             {"approx_distinct", AggregateKind::kApproxDistinct},
      {"distinct", AggregateKind::kDistinct},
  };
  for (const Known& k : kKnown) {
    if (fn != k.name) continue;
    if (k.kind == AggregateKind::kCount) {
      return column.empty() ? Aggregate::Count() : Aggregate::CountValid(column);
    }
    if (column.empty()) {
      return Status::InvalidArgument("--agg: '" + std::string(item) + "' needs a column: " + std::string(fn) +
                                     ":COLUMN");
    }
    return Aggregate{k.kind, column, ""};
  }
  return Status::InvalidArgument("--agg: unknown aggregate '" + std::string(fn) +
                                 "' (count, count:COL, sum, min, max, avg, approx_distinct, distinct)");
}

// A time bound: RFC 3339 text, or an integer count of the column's unit.
Result<int64_t> ParseBound(std::string_view option, std::string_view text, const DataType& type) {
  if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-') &&
      text.find_first_of("-:T ", 1) == std::string_view::npos) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size()) return v;
  }
  if (type.id == TypeId::kDate32) {
    auto d = ParseDate32(text);
    if (!d.ok()) return Status::InvalidArgument("--" + std::string(option) + ": " + d.status().message());
    return int64_t{*d};
  }
  auto t = ParseTimestamp(text, type.id == TypeId::kTimestamp ? type.unit : TimeUnit::kMicro);
  if (!t.ok()) return Status::InvalidArgument("--" + std::string(option) + ": " + t.status().message());
  return *t;
}

// The time column: --time-column, else the target's event-time column.
Result<const Field*> TimeColumn(const Schema& schema, const ParsedArgs& args, const std::string& fallback) {
  const std::string name(args.Value("time-column").value_or(fallback));
  if (name.empty()) return nullptr;
  const int i = schema.FieldIndex(name);
  if (i < 0) return Status::InvalidArgument("--time-column: no column '" + name + "'");
  return &schema.field(size_t(i));
}

struct StatsRequest {
  ScanSpec scan;
  AggregateSpec agg;
  std::string format;  // table | json | csv
};

Result<StatsRequest> BuildRequest(const ScanTarget& target, const ParsedArgs& args) {
  StatsRequest r;
  const Schema& schema = target.source.schema();
  DP_ASSIGN_OR_RETURN(const Field* time, TimeColumn(schema, args, target.time_column));
  const bool wants_time = args.Has("from") || args.Has("to");
  if (wants_time || args.Has("time-column")) {
    if (time == nullptr) return Status::InvalidArgument("--from/--to: the data has no timestamp column; name one with --time-column");
    TimeRange range{time->name, std::nullopt, std::nullopt};
    if (auto from = args.Value("from")) { DP_ASSIGN_OR_RETURN(range.from, ParseBound("from", *from, time->type)); }
    if (auto to = args.Value("to")) { DP_ASSIGN_OR_RETURN(range.to, ParseBound("to", *to, time->type)); }
    if (range.from && range.to && *range.from > *range.to) {
      return Status::InvalidArgument("--from is after --to");
    }
    r.scan.time_range = std::move(range);
  }
  if (auto where = args.Value("where")) { DP_ASSIGN_OR_RETURN(r.scan.predicate, ParsePredicate(*where, schema)); }
  if (auto group = args.Value("group-by")) {
    DP_ASSIGN_OR_RETURN(std::vector<std::string> keys, ParseList("--group-by", *group));
    for (std::string& key : keys) {
      if (key.starts_with("time:")) {
        if (r.agg.bucket != TimeBucket::kNone) return Status::InvalidArgument("--group-by: more than one time: bucket");
        auto bucket = ParseTimeBucket(std::string_view(key).substr(5));
        if (!bucket.ok()) return Status::InvalidArgument("--group-by: " + bucket.status().message());
        if (time == nullptr) return Status::InvalidArgument("--group-by " + key + ": the data has no timestamp column");
        r.agg.bucket = *bucket;
        r.agg.bucket_column = time->name;
      } else {
        r.agg.group_by.push_back(std::move(key));
      }
    }
  }
  DP_ASSIGN_OR_RETURN(std::vector<std::string> items, ParseList("--agg", args.Value("agg").value_or("count")));
  for (const std::string& item : items) {
    DP_ASSIGN_OR_RETURN(Aggregate a, ParseAggregate(item));
    r.agg.aggregates.push_back(std::move(a));
  }
  DP_ASSIGN_OR_RETURN(uint64_t threads, args.GetUInt("threads", 0, 0, 1024));
  r.scan.threads = int(threads);
  r.scan.skip_corrupt_parts = args.Has("skip-corrupt");
  r.format = args.Has("json") ? "json" : args.Has("csv") ? "csv" : "table";
  if (args.Has("json") && args.Has("csv")) return Status::InvalidArgument("--json and --csv exclude each other");
  return r;
}

void RenderTable(const AggregateResult& res, std::string* out) {
  std::vector<TableColumn> columns;
  for (size_t c = 0; c < res.names.size(); ++c) {
    const bool numeric = c >= res.num_keys || res.types[c].is_integer() || res.types[c].is_float();
    columns.push_back({res.names[c], numeric && res.types[c].id != TypeId::kTimestamp ? Align::kRight : Align::kLeft});
  }
  TextTable table(std::move(columns));
  for (const auto& row : res.rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) cells.push_back(DisplayText(row[c].ToString(res.types[c]), 64));
    table.AddRow(std::move(cells));
  }
  table.Render(out);
  out->append("\n").append(std::to_string(res.rows.size())).append(res.rows.size() == 1 ? " row; " : " rows; ");
  out->append(res.stats.ToString()).append("\n");
}

void RenderCsv(const AggregateResult& res, std::string* out) {
  for (size_t c = 0; c < res.names.size(); ++c) {
    if (c) out->push_back(',');
    AppendCsvField(out, res.names[c]);
  }
  out->push_back('\n');
  for (const auto& row : res.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out->push_back(',');
      if (!row[c].is_null()) AppendCsvField(out, row[c].ToString(res.types[c]));
    }
    out->push_back('\n');
  }
}

void WriteScanStats(JsonWriter& j, const ScanStats& s) {
  j.BeginObject();
  j.Key("parts_total").UInt(s.parts_total).Key("parts_pruned").UInt(s.parts_pruned);
  j.Key("row_groups_total").UInt(s.row_groups_total).Key("row_groups_pruned").UInt(s.row_groups_pruned);
  j.Key("pages_total").UInt(s.pages_total).Key("pages_read").UInt(s.pages_read);
  j.Key("bytes_total").UInt(s.bytes_total).Key("bytes_read").UInt(s.bytes_read);
  j.Key("rows_total").UInt(s.rows_total).Key("rows_scanned").UInt(s.rows_scanned);
  j.Key("rows_matched").UInt(s.rows_matched);
  j.Key("skipped_parts").BeginArray();
  for (const std::string& p : s.skipped_parts) j.String(p);
  j.EndArray();
  j.EndObject();
}

void RenderJson(const AggregateResult& res, const std::string& target, std::string* out) {
  JsonWriter j(out, /*pretty=*/true);
  j.BeginObject().Key("target").String(target);
  j.Key("columns").BeginArray();
  for (size_t c = 0; c < res.names.size(); ++c) {
    j.BeginObject().Key("name").String(res.names[c]).Key("type").String(res.types[c].ToString());
    j.Key("key").Bool(c < res.num_keys).EndObject();
  }
  j.EndArray().Key("rows").BeginArray();
  for (const auto& row : res.rows) {
    j.BeginObject();
    for (size_t c = 0; c < row.size(); ++c) {
      j.Key(res.names[c]);
      WriteJsonValue(j, row[c], res.types[c]);
    }
    j.EndObject();
  }
  j.EndArray().Key("scan");
  WriteScanStats(j, res.stats);
  j.EndObject();
  out->push_back('\n');
}

}  // namespace

int RunStats(const Invocation& inv) {
  int exit_code = kExitOk;
  std::optional<ScanTarget> target = OpenScanTargetOrFail(inv, &exit_code);
  if (!target) return exit_code;
  Result<StatsRequest> request = BuildRequest(*target, inv.args);
  if (!request.ok()) return Fail(kExitUsage, request.status().message());
  Result<AggregateResult> result = RunAggregate(target->source, request->scan, request->agg);
  if (!result.ok()) {
    const bool usage = result.status().code() == StatusCode::kInvalidArgument;
    return Fail(usage ? kExitUsage : kExitDataProblem, result.status().ToString());
  }
  std::string text;
  if (request->format == "json") {
    RenderJson(*result, inv.path, &text);
  } else if (request->format == "csv") {
    RenderCsv(*result, &text);
  } else {
    RenderTable(*result, &text);
  }
  inv.out->Append(text);
  // --skip-corrupt: the answer covers the intact parts only; say which were
  // left out and exit 1 so that scripts notice the damage.
  for (const std::string& p : result->stats.skipped_parts) Fail(kExitDataProblem, "skipped corrupt " + p);
  return Finish(inv.out, result->stats.skipped_parts.empty() ? kExitOk : kExitDataProblem);
}

}  // namespace dp::tools::inspect
