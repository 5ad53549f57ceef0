// dpinspect summary, schema and verify, and the helpers every command shares.
#include "tools/dpinspect/commands.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "tools/common/json_writer.h"
#include "tools/common/table.h"
#include "tools/dpinspect/cells.h"

namespace dp::tools::inspect {

namespace {

constexpr size_t kStatChars = 32;  // min/max cells in text tables

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// "12.3 MiB"
std::string HumanBytes(uint64_t n) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? std::to_string(n) + " B" : Fixed(v, 1) + " " + kUnits[u];
}

double Ratio(uint64_t plain, uint64_t stored) {
  return stored == 0 ? 0.0 : static_cast<double>(plain) / static_cast<double>(stored);
}

std::string VersionString(FormatVersion v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

// "key   value" lines with the keys padded to one width.
void AppendKeyValues(std::string* out, const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  for (const auto& [key, value] : rows) {
    out->append(key).append(width - key.size() + 2, ' ').append(value).push_back('\n');
  }
}

struct ColumnTotals {
  uint64_t stored = 0;
  uint64_t decoded = 0;
  uint64_t plain = 0;
  ColumnStats stats;
};

Result<ColumnTotals> Totals(const Segment& seg, int c) {
  ColumnTotals t;
  for (int g = 0; g < seg.num_row_groups(); ++g) {
    DP_ASSIGN_OR_RETURN(ColumnChunkMeta chunk, seg.column_chunk(c, g));
    t.stored += chunk.stored_size;
    t.decoded += chunk.decoded_size;
    t.plain += chunk.plain_size;
  }
  DP_ASSIGN_OR_RETURN(t.stats, seg.column_stats(c));
  return t;
}

}  // namespace

int Fail(int exit_code, std::string_view message) {
  std::cerr << "dpinspect: " << message << "\n";
  return exit_code;
}

std::shared_ptr<Segment> OpenOrFail(const std::string& path, int* exit_code) {
  Result<std::shared_ptr<Segment>> seg = Segment::Open(path);
  if (!seg.ok()) {
    *exit_code = Fail(kExitDataProblem, seg.status().ToString());
    return nullptr;
  }
  return *seg;
}

Result<std::vector<int>> SelectColumns(const Segment& seg, const ParsedArgs& args) {
  std::vector<int> out;
  std::optional<std::string_view> list = args.Value("columns");
  if (!list) {
    for (int c = 0; c < seg.num_columns(); ++c) out.push_back(c);
    return out;
  }
  DP_ASSIGN_OR_RETURN(std::vector<std::string> names, ParseList("--columns", *list));
  for (const std::string& name : names) {
    const int c = seg.ColumnIndex(name);
    if (c < 0) {
      std::string known;
      for (const Field& f : seg.schema().fields()) known += (known.empty() ? "" : ", ") + f.name;
      return Status::InvalidArgument("unknown column '" + name + "' in --columns (" + seg.path() +
                                     " has: " + known + ")");
    }
    if (std::find(out.begin(), out.end(), c) != out.end()) {
      return Status::InvalidArgument("column '" + name + "' is listed twice in --columns");
    }
    out.push_back(c);
  }
  return out;
}

int Finish(OutputFile* out, int exit_code) {
  Status s = out->Flush();
  if (!s.ok()) return Fail(kExitDataProblem, s.ToString());
  return exit_code;
}

int RunSummary(const Invocation& inv) {
  if (IsCollectionTarget(inv.path)) return RunCollectionSummary(inv);
  int code = kExitOk;
  std::shared_ptr<Segment> seg = OpenOrFail(inv.path, &code);
  if (!seg) return code;
  const Schema& schema = seg->schema();
  std::vector<ColumnTotals> cols;
  uint64_t stored = 0, plain = 0;
  for (int c = 0; c < seg->num_columns(); ++c) {
    Result<ColumnTotals> t = Totals(*seg, c);
    if (!t.ok()) return Fail(kExitDataProblem, t.status().ToString());
    stored += t->stored;
    plain += t->plain;
    cols.push_back(std::move(*t));
  }
  const double bytes_per_row =
      seg->num_rows() == 0 ? 0.0 : static_cast<double>(seg->file_size()) / static_cast<double>(seg->num_rows());

  std::string text;
  if (inv.args.Has("json")) {
    JsonWriter j(&text, /*pretty=*/true);
    j.BeginObject();
    j.Key("path").String(seg->path());
    j.Key("format_version").String(VersionString(seg->format_version()));
    j.Key("num_rows").UInt(seg->num_rows());
    j.Key("num_row_groups").Int(seg->num_row_groups());
    j.Key("num_columns").Int(seg->num_columns());
    j.Key("file_size").UInt(seg->file_size());
    j.Key("stored_bytes").UInt(stored);
    j.Key("plain_bytes").UInt(plain);
    j.Key("compression_ratio").Double(Ratio(plain, stored));
    j.Key("bytes_per_row").Double(bytes_per_row);
    j.Key("created_by").String(seg->created_by());
    j.Key("metadata").BeginObject();
    for (const KeyValue& kv : seg->metadata()) j.Key(kv.key).String(kv.value);
    j.EndObject();
    j.Key("columns").BeginArray();
    for (int c = 0; c < seg->num_columns(); ++c) {
      const Field& f = schema.field(static_cast<size_t>(c));
      j.BeginObject();
      j.Key("index").Int(c).Key("name").String(f.name).Key("type").String(f.type.ToString());
      j.Key("stored_bytes").UInt(cols[c].stored).Key("decoded_bytes").UInt(cols[c].decoded);
      j.Key("plain_bytes").UInt(cols[c].plain);
      j.Key("compression_ratio").Double(Ratio(cols[c].plain, cols[c].stored));
      WriteJsonStats(j, cols[c].stats, f.type);
      j.EndObject();
    }
    j.EndArray();
    j.EndObject();
    text += '\n';
  } else {
    std::vector<std::pair<std::string, std::string>> kv = {
        {"path", seg->path()},
        {"format version", VersionString(seg->format_version())},
        {"rows", std::to_string(seg->num_rows())},
        {"row groups", std::to_string(seg->num_row_groups())},
        {"columns", std::to_string(seg->num_columns())},
        {"file size", std::to_string(seg->file_size()) + " bytes (" + HumanBytes(seg->file_size()) + ")"},
        {"stored", std::to_string(stored) + " bytes in pages (" + HumanBytes(stored) + ")"},
        {"plain", std::to_string(plain) + " bytes uncompressed (" + HumanBytes(plain) + ")"},
        {"compression", Fixed(Ratio(plain, stored), 2) + "x (plain / stored)"},
        {"bytes/row", Fixed(bytes_per_row, 2)},
        {"created by", seg->created_by()},
    };
    const std::vector<KeyValue> metadata = seg->metadata();
    if (metadata.empty()) kv.emplace_back("metadata", "(none)");
    for (size_t i = 0; i < metadata.size(); ++i) {
      kv.emplace_back(i == 0 ? "metadata" : "",
                      DisplayText(metadata[i].key, 64) + " = " + DisplayText(metadata[i].value, 200));
    }
    AppendKeyValues(&text, kv);
    text += '\n';
    TextTable t({{"#", Align::kRight},
                 {"column", Align::kLeft},
                 {"type", Align::kLeft},
                 {"nulls", Align::kRight},
                 {"stored", Align::kRight},
                 {"plain", Align::kRight},
                 {"ratio", Align::kRight},
                 {"min", Align::kLeft},
                 {"max", Align::kLeft}});
    for (int c = 0; c < seg->num_columns(); ++c) {
      const Field& f = schema.field(static_cast<size_t>(c));
      const ColumnStats& s = cols[c].stats;
      t.AddRow({std::to_string(c), DisplayText(f.name, 40), f.type.ToString(), std::to_string(s.null_count),
                std::to_string(cols[c].stored), std::to_string(cols[c].plain),
                Fixed(Ratio(cols[c].plain, cols[c].stored), 2) + "x",
                DisplayStat(s.min, s.min_exact, f.type, kStatChars),
                DisplayStat(s.max, s.max_exact, f.type, kStatChars)});
    }
    t.Render(&text);
  }
  inv.out->Append(text);
  return Finish(inv.out, kExitOk);
}

int RunSchema(const Invocation& inv) {
  if (IsCollectionTarget(inv.path)) return RunDatasetSchema(inv);
  int code = kExitOk;
  std::shared_ptr<Segment> seg = OpenOrFail(inv.path, &code);
  if (!seg) return code;
  const Schema& schema = seg->schema();
  std::string text;
  if (inv.args.Has("json")) {
    JsonWriter j(&text, /*pretty=*/true);
    j.BeginObject().Key("path").String(seg->path()).Key("fields").BeginArray();
    for (size_t i = 0; i < schema.num_fields(); ++i) {
      const Field& f = schema.field(i);
      j.BeginObject();
      j.Key("index").UInt(i).Key("id").UInt(f.field_id).Key("name").String(f.name);
      j.Key("type").String(f.type.ToString()).Key("nullable").Bool(f.nullable).Key("doc").String(f.doc);
      j.EndObject();
    }
    j.EndArray().EndObject();
    text += '\n';
  } else {
    TextTable t({{"#", Align::kRight},
                 {"id", Align::kRight},
                 {"name", Align::kLeft},
                 {"type", Align::kLeft},
                 {"nullable", Align::kLeft},
                 {"doc", Align::kLeft}});
    for (size_t i = 0; i < schema.num_fields(); ++i) {
      const Field& f = schema.field(i);
      t.AddRow({std::to_string(i), std::to_string(f.field_id), DisplayText(f.name, 64), f.type.ToString(),
                f.nullable ? "yes" : "no", DisplayText(f.doc, 4096)});
    }
    t.Render(&text);
  }
  inv.out->Append(text);
  return Finish(inv.out, kExitOk);
}

int RunVerify(const Invocation& inv) {
  if (IsCollectionTarget(inv.path)) return RunDatasetVerify(inv);
  const bool json = inv.args.Has("json");
  std::string text;
  Result<std::shared_ptr<Segment>> seg = Segment::Open(inv.path);
  if (!seg.ok()) {
    // Still answer in JSON for scripts, then report on stderr like every error.
    if (json) {
      JsonWriter j(&text, /*pretty=*/true);
      j.BeginObject().Key("path").String(inv.path).Key("ok").Bool(false);
      j.Key("opened").Bool(false).Key("issues").BeginArray().String(seg.status().ToString()).EndArray();
      j.EndObject();
      text += '\n';
      inv.out->Append(text);
      inv.out->Flush().IgnoreError();  // exit 1 either way
    }
    return Fail(kExitDataProblem, seg.status().ToString());
  }
  const VerifyReport report = (*seg)->Verify();
  if (json) {
    JsonWriter j(&text, /*pretty=*/true);
    j.BeginObject().Key("path").String(inv.path).Key("ok").Bool(report.ok()).Key("opened").Bool(true);
    j.Key("pages_checked").UInt(report.pages_checked).Key("bytes_checked").UInt(report.bytes_checked);
    j.Key("issues").BeginArray();
    for (const VerifyIssue& issue : report.issues) j.String(issue.what);
    j.EndArray().EndObject();
    text += '\n';
  } else {
    for (const VerifyIssue& issue : report.issues) text += "issue: " + issue.what + "\n";
    text += inv.path + (report.ok() ? ": OK" : ": FAILED, " + std::to_string(report.issues.size()) + " issue(s)") +
            " (" + std::to_string(report.pages_checked) + " pages, " + std::to_string(report.bytes_checked) +
            " bytes checked)\n";
  }
  inv.out->Append(text);
  const int code = Finish(inv.out, kExitOk);
  if (!report.ok()) {
    return Fail(kExitDataProblem, inv.path + ": verification failed with " + std::to_string(report.issues.size()) +
                                      " issue(s)");
  }
  return code;
}

}  // namespace dp::tools::inspect
