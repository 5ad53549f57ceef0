// dpinspect over data products: the catalog of a mesh root or product, a
// dataset version's summary, its version timeline, its schema with semantic
// version history, the diff of two versions, and verification of a version.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "tools/common/json_writer.h"
#include "tools/common/table.h"
#include "tools/dpinspect/cells.h"
#include "tools/dpinspect/commands.h"
#include "tools/dpinspect/target.h"

namespace dp::tools::inspect {
namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Commit times to the second in tables ("2024-03-01T12:00:00Z").
std::string Time(int64_t us) {
  return FormatTimestamp(us / 1'000'000 - (us % 1'000'000 < 0 ? 1 : 0), TimeUnit::kSecond, true);
}

// "3h12m", "2d4h", "45s".
std::string Duration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
  if (d > 0) return std::to_string(d) + "d" + (h ? std::to_string(h) + "h" : "");
  if (h > 0) return std::to_string(h) + "h" + (m ? std::to_string(m) + "m" : "");
  if (m > 0) return std::to_string(m) + "m" + (s ? std::to_string(s) + "s" : "");
  return std::to_string(s) + "s";
}

std::string Bytes(uint64_t n) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[u]);
  return buf;
}

// "ok (due in 2h)" / "STALE by 3h" / "-" (no SLA).
std::string Freshness(int64_t sla_seconds, int64_t last_commit_us, int64_t now_us) {
  if (sla_seconds <= 0) return "-";
  const int64_t age = (now_us - last_commit_us) / 1'000'000;
  if (age <= sla_seconds) return "ok (due in " + Duration(sla_seconds - age) + ")";
  return "STALE by " + Duration(age - sla_seconds);
}

Result<Target> ResolveOrUsage(const Invocation& inv, std::string_view text, int* code) {
  Result<Target> t = ResolveTarget(text, inv.args.Value("root").value_or(""));
  if (!t.ok()) {
    *code = t.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitDataProblem;
    Fail(*code, t.status().ToString());
  }
  return t;
}

// ---- catalog ---------------------------------------------------------------

struct CatalogRow {
  ProductInfo product;
  std::string dataset;
  DatasetKind kind = DatasetKind::kEvents;
  std::optional<VersionInfo> latest;
  std::string error;  // the dataset could not be read
};

Result<std::vector<CatalogRow>> Catalog(const Mesh& mesh, std::optional<std::string> only_product) {
  std::vector<std::string> products;
  if (only_product) {
    products.push_back(*only_product);
  } else {
    DP_ASSIGN_OR_RETURN(products, mesh.ListProducts());
  }
  std::vector<CatalogRow> rows;
  for (const std::string& name : products) {
    DP_ASSIGN_OR_RETURN(Product product, mesh.OpenProduct(name));
    DP_ASSIGN_OR_RETURN(std::vector<std::string> datasets, product.ListDatasets());
    if (datasets.empty()) rows.push_back({product.info(), "", DatasetKind::kEvents, std::nullopt, ""});
    for (const std::string& ds : datasets) {
      CatalogRow row{product.info(), ds, DatasetKind::kEvents, std::nullopt, ""};
      Result<Dataset> dataset = product.OpenDataset(ds);
      Result<SnapshotPtr> latest = dataset.ok() ? dataset->Latest() : Result<SnapshotPtr>(dataset.status());
      if (latest.ok()) {
        row.kind = (*latest)->dataset().kind;
        row.latest = (*latest)->info();
      } else {
        row.error = latest.status().ToString();  // one broken dataset does not hide the others
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

int RunCatalog(const Invocation& inv, const Target& t) {
  std::optional<std::string> only;
  if (t.kind == Target::Kind::kProduct) only = t.product->info().name;
  Result<std::vector<CatalogRow>> rows = Catalog(*t.mesh, only);
  if (!rows.ok()) return Fail(kExitDataProblem, rows.status().ToString());
  const int64_t now = NowUs();
  std::string out;
  bool broken = false;
  if (inv.args.Has("json")) {
    JsonWriter j(&out, true);
    j.BeginObject().Key("root").String(t.mesh->root()).Key("datasets").BeginArray();
    for (const CatalogRow& r : *rows) {
      j.BeginObject().Key("product").String(r.product.name).Key("domain").String(r.product.domain);
      j.Key("owner").String(r.product.owner).Key("description").String(r.product.description);
      j.Key("freshness_sla_seconds").Int(r.product.freshness_sla_seconds);
      j.Key("dataset");
      r.dataset.empty() ? j.Null() : j.String(r.dataset);
      if (r.latest) {
        j.Key("kind").String(DatasetKindName(r.kind)).Key("version").UInt(r.latest->version);
        j.Key("semver").String(r.latest->semver.ToString()).Key("rows").UInt(r.latest->num_rows);
        j.Key("bytes").UInt(r.latest->num_bytes).Key("segments").UInt(r.latest->num_segments);
        j.Key("last_commit").String(FormatTimestamp(r.latest->commit_time_us, TimeUnit::kMicro, true));
        const bool stale = r.product.freshness_sla_seconds > 0 &&
                           (now - r.latest->commit_time_us) / 1'000'000 > r.product.freshness_sla_seconds;
        j.Key("stale").Bool(stale);
      }
      if (!r.error.empty()) j.Key("error").String(r.error), broken = true;
      j.EndObject();
    }
    j.EndArray().EndObject();
    out.push_back('\n');
  } else {
    TextTable table({{"product", Align::kLeft}, {"owner", Align::kLeft}, {"dataset", Align::kLeft},
                     {"kind", Align::kLeft}, {"version", Align::kRight}, {"schema", Align::kLeft},
                     {"rows", Align::kRight}, {"size", Align::kRight}, {"last commit", Align::kLeft},
                     {"freshness", Align::kLeft}});
    for (const CatalogRow& r : *rows) {
      if (!r.error.empty()) {
        broken = true;
        table.AddRow({r.product.name, r.product.owner, r.dataset, "?", "?", "?", "?", "?", "?", "UNREADABLE"});
        continue;
      }
      if (!r.latest) {
        table.AddRow({r.product.name, r.product.owner, "(no datasets)", "", "", "", "", "", "", ""});
        continue;
      }
      table.AddRow({r.product.name, r.product.owner, r.dataset, std::string(DatasetKindName(r.kind)),
                    std::to_string(r.latest->version), r.latest->semver.ToString(), std::to_string(r.latest->num_rows),
                    Bytes(r.latest->num_bytes), Time(r.latest->commit_time_us),
                    Freshness(r.product.freshness_sla_seconds, r.latest->commit_time_us, now)});
    }
    out += "mesh root " + t.mesh->root() + "\n\n";
    table.Render(&out);
    for (const CatalogRow& r : *rows) {
      if (!r.error.empty()) out += "\n" + r.product.name + "/" + r.dataset + ": " + r.error;
    }
    if (broken) out += "\n";
  }
  inv.out->Append(out);
  return Finish(inv.out, broken ? kExitDataProblem : kExitOk);
}

// ---- one dataset version ---------------------------------------------------

std::string VersionLabel(const Snapshot& s) {
  return "dp://" + s.product() + "/" + s.dataset().name + "@" + std::to_string(s.info().version);
}

int RunDatasetSummary(const Invocation& inv, const Target& t) {
  const Snapshot& s = *t.snapshot;
  const VersionInfo& v = s.info();
  std::optional<int64_t> tmin, tmax;
  for (size_t i = 0; i < s.num_segments(); ++i) {
    const SegmentInfo seg = s.segment(i);
    if (seg.event_time_min) tmin = std::min(tmin.value_or(*seg.event_time_min), *seg.event_time_min);
    if (seg.event_time_max) tmax = std::max(tmax.value_or(*seg.event_time_max), *seg.event_time_max);
  }
  std::string out;
  const DataType time_type = [&] {
    const int c = s.schema().FieldIndex(s.dataset().event_time_column);
    return c >= 0 ? s.schema().field(size_t(c)).type : DataType::Timestamp(TimeUnit::kMicro);
  }();
  if (inv.args.Has("json")) {
    JsonWriter j(&out, true);
    j.BeginObject().Key("address").String(VersionLabel(s)).Key("product").String(s.product());
    j.Key("dataset").String(s.dataset().name).Key("kind").String(DatasetKindName(s.dataset().kind));
    j.Key("description").String(s.dataset().description);
    j.Key("event_time_column").String(s.dataset().event_time_column);
    j.Key("version").UInt(v.version).Key("semver").String(v.semver.ToString());
    j.Key("operation").String(OperationName(v.operation));
    j.Key("commit_time").String(FormatTimestamp(v.commit_time_us, TimeUnit::kMicro, true));
    j.Key("committer").String(v.committer).Key("message").String(v.message);
    j.Key("rows").UInt(v.num_rows).Key("segments").UInt(v.num_segments).Key("bytes").UInt(v.num_bytes);
    j.Key("event_time_min");
    tmin ? j.String(Value::Int(*tmin).ToString(time_type)) : j.Null();
    j.Key("event_time_max");
    tmax ? j.String(Value::Int(*tmax).ToString(time_type)) : j.Null();
    j.Key("fields").UInt(s.schema().num_fields());
    j.EndObject();
    out.push_back('\n');
  } else {
    std::vector<std::pair<std::string, std::string>> kv = {
        {"address", VersionLabel(s)},
        {"kind", std::string(DatasetKindName(s.dataset().kind)) +
                     (s.dataset().event_time_column.empty() ? "" : " (event time: " + s.dataset().event_time_column + ")")},
        {"description", s.dataset().description},
        {"version", std::to_string(v.version) + " (" + std::string(OperationName(v.operation)) + ")"},
        {"schema", std::to_string(s.schema().num_fields()) + " fields, semver " + v.semver.ToString()},
        {"committed", FormatTimestamp(v.commit_time_us, TimeUnit::kMicro, true) + " by " + v.committer},
        {"message", v.message},
        {"rows", std::to_string(v.num_rows)},
        {"segments", std::to_string(v.num_segments) + " (" + Bytes(v.num_bytes) + ")"},
        {"event time", tmin ? Value::Int(*tmin).ToString(time_type) + " .. " + Value::Int(*tmax).ToString(time_type) : "-"},
    };
    size_t width = 0;
    for (const auto& [k, _] : kv) width = std::max(width, k.size());
    for (const auto& [k, val] : kv) out += k + std::string(width - k.size() + 2, ' ') + val + "\n";
  }
  inv.out->Append(out);
  return Finish(inv.out, kExitOk);
}

}  // namespace

bool IsCollectionTarget(std::string_view text) {
  if (text.starts_with("dp://")) return true;
  std::error_code ec;
  std::string path(text);
  const size_t at = path.rfind('@');
  if (at != std::string::npos && path.find('/', at) == std::string::npos) path.resize(at);
  return std::filesystem::is_directory(path, ec);
}

int RunCollectionSummary(const Invocation& inv) {
  int code = kExitOk;
  Result<Target> t = ResolveOrUsage(inv, inv.path, &code);
  if (!t.ok()) return code;
  if (t->kind == Target::Kind::kDataset) return RunDatasetSummary(inv, *t);
  return RunCatalog(inv, *t);
}

std::optional<ScanTarget> OpenScanTargetOrFail(const Invocation& inv, int* exit_code) {
  Result<Target> t = ResolveOrUsage(inv, inv.path, exit_code);
  if (!t.ok()) return std::nullopt;
  Result<ScanSource> source = Status::InvalidArgument("'" + inv.path + "' is a mesh root or product; name a dataset");
  ScanTarget out;
  if (t->kind == Target::Kind::kDataset) {
    source = ScanSource::FromSnapshot(t->snapshot);
    out.time_column = t->snapshot->dataset().event_time_column;
  } else if (t->kind == Target::Kind::kSegment) {
    source = ScanSource::FromSegments({t->segment});
    for (const Field& f : t->segment->schema().fields()) {
      if (f.type.id == TypeId::kTimestamp) {
        out.time_column = f.name;
        break;
      }
    }
  }
  if (!source.ok()) {
    *exit_code = Fail(source.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitDataProblem,
                      source.status().ToString());
    return std::nullopt;
  }
  out.source = std::move(*source);
  return out;
}

int RunVersions(const Invocation& inv) {
  int code = kExitOk;
  Result<Target> t = ResolveOrUsage(inv, inv.path, &code);
  if (!t.ok()) return code;
  if (t->kind != Target::Kind::kDataset) return Fail(kExitUsage, "versions: '" + inv.path + "' is not a dataset");
  Result<std::vector<VersionInfo>> versions = t->dataset->Versions();
  if (!versions.ok()) return Fail(kExitDataProblem, versions.status().ToString());
  Result<std::vector<TagInfo>> tags = t->dataset->Tags();
  if (!tags.ok()) return Fail(kExitDataProblem, tags.status().ToString());
  std::map<uint64_t, std::string> tag_names;
  for (const TagInfo& tag : *tags) tag_names[tag.version] += (tag_names[tag.version].empty() ? "" : ",") + tag.name;
  std::string out;
  if (inv.args.Has("json")) {
    JsonWriter j(&out, true);
    j.BeginArray();
    for (const VersionInfo& v : *versions) {
      j.BeginObject().Key("version").UInt(v.version).Key("parent");
      v.parent ? j.UInt(*v.parent) : j.Null();
      j.Key("commit_time").String(FormatTimestamp(v.commit_time_us, TimeUnit::kMicro, true));
      j.Key("operation").String(OperationName(v.operation)).Key("semver").String(v.semver.ToString());
      j.Key("rows").UInt(v.num_rows).Key("segments").UInt(v.num_segments).Key("bytes").UInt(v.num_bytes);
      j.Key("committer").String(v.committer).Key("message").String(v.message);
      j.Key("tags").BeginArray();
      for (const TagInfo& tag : *tags) {
        if (tag.version == v.version) j.String(tag.name);
      }
      j.EndArray().EndObject();
    }
    j.EndArray();
    out.push_back('\n');
  } else {
    TextTable table({{"version", Align::kRight}, {"committed", Align::kLeft}, {"operation", Align::kLeft},
                     {"schema", Align::kLeft}, {"rows", Align::kRight}, {"segments", Align::kRight},
                     {"size", Align::kRight}, {"committer", Align::kLeft}, {"tags", Align::kLeft},
                     {"message", Align::kLeft}});
    for (const VersionInfo& v : *versions) {
      table.AddRow({std::to_string(v.version), Time(v.commit_time_us), std::string(OperationName(v.operation)),
                    v.semver.ToString(), std::to_string(v.num_rows), std::to_string(v.num_segments),
                    Bytes(v.num_bytes), DisplayText(v.committer, 24), tag_names[v.version],
                    DisplayText(v.message, 48)});
    }
    table.Render(&out);
  }
  inv.out->Append(out);
  return Finish(inv.out, kExitOk);
}

int RunDatasetSchema(const Invocation& inv) {
  int code = kExitOk;
  Result<Target> t = ResolveOrUsage(inv, inv.path, &code);
  if (!t.ok()) return code;
  if (t->kind != Target::Kind::kDataset) return Fail(kExitUsage, "schema: '" + inv.path + "' is not a dataset");
  const Snapshot& s = *t->snapshot;
  Result<std::vector<VersionInfo>> versions = t->dataset->Versions();
  if (!versions.ok()) return Fail(kExitDataProblem, versions.status().ToString());
  // Semantic-version history up to the selected version: each change of semver.
  std::vector<const VersionInfo*> history;
  for (const VersionInfo& v : *versions) {
    if (v.version > s.info().version) break;
    if (history.empty() || !(history.back()->semver == v.semver)) history.push_back(&v);
  }
  std::string out;
  if (inv.args.Has("json")) {
    JsonWriter j(&out, true);
    j.BeginObject().Key("address").String(VersionLabel(s)).Key("semver").String(s.semver().ToString());
    j.Key("fields").BeginArray();
    for (const Field& f : s.schema().fields()) {
      j.BeginObject().Key("id").UInt(f.field_id).Key("name").String(f.name).Key("type").String(f.type.ToString());
      j.Key("nullable").Bool(f.nullable).Key("doc").String(f.doc).EndObject();
    }
    j.EndArray().Key("history").BeginArray();
    for (const VersionInfo* v : history) {
      j.BeginObject().Key("semver").String(v->semver.ToString()).Key("version").UInt(v->version);
      j.Key("operation").String(OperationName(v->operation));
      j.Key("commit_time").String(FormatTimestamp(v->commit_time_us, TimeUnit::kMicro, true));
      j.Key("message").String(v->message).EndObject();
    }
    j.EndArray().EndObject();
    out.push_back('\n');
  } else {
    out += VersionLabel(s) + "  schema " + s.semver().ToString() + "\n\n";
    TextTable fields({{"id", Align::kRight}, {"name", Align::kLeft}, {"type", Align::kLeft},
                      {"nullable", Align::kLeft}, {"doc", Align::kLeft}});
    for (const Field& f : s.schema().fields()) {
      fields.AddRow({std::to_string(f.field_id), DisplayText(f.name, 64), f.type.ToString(), f.nullable ? "yes" : "no",
                     DisplayText(f.doc, 80)});
    }
    fields.Render(&out);
    out += "\nsemantic version history (retained versions):\n";
    TextTable hist({{"semver", Align::kLeft}, {"since version", Align::kRight}, {"committed", Align::kLeft},
                    {"operation", Align::kLeft}, {"message", Align::kLeft}});
    for (const VersionInfo* v : history) {
      hist.AddRow({v->semver.ToString(), std::to_string(v->version), Time(v->commit_time_us),
                   std::string(OperationName(v->operation)), DisplayText(v->message, 60)});
    }
    hist.Render(&out, 2);
  }
  inv.out->Append(out);
  return Finish(inv.out, kExitOk);
}

int RunDiff(const Invocation& inv) {
  if (inv.args.positional().size() != 2) {
    return Fail(kExitUsage, "diff needs two versions: dpinspect diff DATASET@A DATASET@B");
  }
  int code = kExitOk;
  Result<Target> a = ResolveOrUsage(inv, inv.args.positional()[0], &code);
  if (!a.ok()) return code;
  Result<Target> b = ResolveOrUsage(inv, inv.args.positional()[1], &code);
  if (!b.ok()) return code;
  if (a->kind != Target::Kind::kDataset || b->kind != Target::Kind::kDataset) {
    return Fail(kExitUsage, "diff: both arguments must be dataset versions");
  }
  const Snapshot& sa = *a->snapshot;
  const Snapshot& sb = *b->snapshot;
  // Schema: by field id.
  std::map<uint32_t, const Field*> fa, fb;
  for (const Field& f : sa.schema().fields()) fa[f.field_id] = &f;
  for (const Field& f : sb.schema().fields()) fb[f.field_id] = &f;
  std::vector<std::string> changes;
  for (const auto& [id, f] : fa) {
    auto it = fb.find(id);
    if (it == fb.end()) {
      changes.push_back("- removed field " + std::to_string(id) + " '" + f->name + "' " + f->type.ToString());
      continue;
    }
    const Field* g = it->second;
    if (f->name != g->name) changes.push_back("~ field " + std::to_string(id) + " renamed '" + f->name + "' -> '" + g->name + "'");
    if (!(f->type == g->type)) changes.push_back("~ field " + std::to_string(id) + " '" + g->name + "' type " + f->type.ToString() + " -> " + g->type.ToString());
    if (f->nullable != g->nullable) changes.push_back("~ field " + std::to_string(id) + " '" + g->name + "' " + (g->nullable ? "now nullable" : "now not null"));
    if (f->doc != g->doc) changes.push_back("~ field " + std::to_string(id) + " '" + g->name + "' doc changed");
  }
  for (const auto& [id, g] : fb) {
    if (!fa.count(id)) changes.push_back("+ added field " + std::to_string(id) + " '" + g->name + "' " + g->type.ToString() + (g->nullable ? "" : " not null"));
  }
  std::set<std::string> ida, idb;
  for (size_t i = 0; i < sa.num_segments(); ++i) ida.insert(sa.segment(i).id);
  for (size_t i = 0; i < sb.num_segments(); ++i) idb.insert(sb.segment(i).id);
  uint64_t added_rows = 0, removed_rows = 0, added = 0, removed = 0;
  for (size_t i = 0; i < sb.num_segments(); ++i) {
    if (!ida.count(sb.segment(i).id)) ++added, added_rows += sb.segment(i).num_rows;
  }
  for (size_t i = 0; i < sa.num_segments(); ++i) {
    if (!idb.count(sa.segment(i).id)) ++removed, removed_rows += sa.segment(i).num_rows;
  }
  const int64_t row_delta = int64_t(sb.info().num_rows) - int64_t(sa.info().num_rows);
  std::string out;
  if (inv.args.Has("json")) {
    JsonWriter j(&out, true);
    j.BeginObject().Key("from").String(VersionLabel(sa)).Key("to").String(VersionLabel(sb));
    j.Key("semver_from").String(sa.semver().ToString()).Key("semver_to").String(sb.semver().ToString());
    j.Key("schema_changes").BeginArray();
    for (const std::string& c : changes) j.String(c);
    j.EndArray();
    j.Key("rows_from").UInt(sa.info().num_rows).Key("rows_to").UInt(sb.info().num_rows).Key("rows_delta").Int(row_delta);
    j.Key("segments_added").UInt(added).Key("rows_in_added_segments").UInt(added_rows);
    j.Key("segments_removed").UInt(removed).Key("rows_in_removed_segments").UInt(removed_rows);
    j.EndObject();
    out.push_back('\n');
  } else {
    out += VersionLabel(sa) + " -> " + VersionLabel(sb) + "\n";
    out += "schema   " + sa.semver().ToString() + " -> " + sb.semver().ToString() +
           (changes.empty() ? " (no field changes)\n" : "\n");
    for (const std::string& c : changes) out += "  " + c + "\n";
    out += "rows     " + std::to_string(sa.info().num_rows) + " -> " + std::to_string(sb.info().num_rows) + " (" +
           (row_delta >= 0 ? "+" : "") + std::to_string(row_delta) + ")\n";
    out += "segments " + std::to_string(sa.num_segments()) + " -> " + std::to_string(sb.num_segments()) + ": +" +
           std::to_string(added) + " (" + std::to_string(added_rows) + " rows), -" + std::to_string(removed) + " (" +
           std::to_string(removed_rows) + " rows)\n";
  }
  inv.out->Append(out);
  return Finish(inv.out, kExitOk);
}

int RunDatasetVerify(const Invocation& inv) {
  int code = kExitOk;
  Result<Target> t = ResolveOrUsage(inv, inv.path, &code);
  if (!t.ok()) return code;
  if (t->kind != Target::Kind::kDataset) return Fail(kExitUsage, "verify: '" + inv.path + "' is not a dataset version");
  const Snapshot& s = *t->snapshot;
  // Each segment on its own, so that one bad file does not hide the others.
  std::vector<std::pair<std::string, std::string>> problems;
  uint64_t bytes = 0;
  for (size_t i = 0; i < s.num_segments(); ++i) {
    const std::string path = s.segment_path(i);
    Result<std::shared_ptr<Segment>> seg = s.OpenSegment(i);
    if (!seg.ok()) {
      problems.emplace_back(path, seg.status().ToString());
      continue;
    }
    if ((*seg)->num_rows() != s.segment(i).num_rows) {
      problems.emplace_back(path, "has " + std::to_string((*seg)->num_rows()) + " rows; the manifest says " +
                                      std::to_string(s.segment(i).num_rows));
    }
    const VerifyReport report = (*seg)->Verify();
    for (const VerifyIssue& issue : report.issues) problems.emplace_back(path, issue.what);
    bytes += s.segment(i).file_size;
  }
  std::string out;
  if (inv.args.Has("json")) {
    JsonWriter j(&out, true);
    j.BeginObject().Key("address").String(VersionLabel(s)).Key("ok").Bool(problems.empty());
    j.Key("segments").UInt(s.num_segments()).Key("bytes").UInt(bytes).Key("issues").BeginArray();
    for (const auto& [file, what] : problems) j.BeginObject().Key("file").String(file).Key("what").String(what).EndObject();
    j.EndArray().EndObject();
    out.push_back('\n');
  } else {
    for (const auto& [file, what] : problems) out += file + ": " + what + "\n";
    out += VersionLabel(s) + ": " + (problems.empty() ? "OK" : "FAILED") + " (" + std::to_string(s.num_segments()) +
           " segments, " + Bytes(bytes) + " checked" +
           (problems.empty() ? "" : ", " + std::to_string(problems.size()) + " issues") + ")\n";
  }
  inv.out->Append(out);
  return Finish(inv.out, problems.empty() ? kExitOk : kExitDataProblem);
}

}  // namespace dp::tools::inspect
