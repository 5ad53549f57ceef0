// Versions of a dataset: spec/layout.md §"Reading a version", §"Finding the
// latest", §"Commit protocol", §"Time travel", §"Tags", §"Retention",
// §"Garbage collection".
#include "storage/dataset/dataset_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "index/zone_map.h"
#include "storage/dataset/files.h"

namespace dp {

std::string_view DatasetKindName(DatasetKind k) {
  return k == DatasetKind::kEvents ? "events" : k == DatasetKind::kSnapshots ? "snapshots" : "unknown";
}

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kCreate: return "create";
    case Operation::kAppend: return "append";
    case Operation::kReplace: return "replace";
    case Operation::kCompact: return "compact";
    case Operation::kSchemaChange: return "schema_change";
  }
  return "unknown";
}

std::string SemVer::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace dp

namespace dp::internal {
namespace {

constexpr uint64_t kMaxVersion = 99'999'999'999'999'999ull;  // fits 20 digits with room

std::string VersionName(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020" PRIu64 ".dpv", v);
  return buf;
}

// "<20 digits>.dpv" -> version.
std::optional<uint64_t> ParseVersionName(std::string_view n) {
  if (n.size() != 24 || n.substr(20) != ".dpv") return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (n[i] < '0' || n[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(n[i] - '0');
  }
  return v;
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

ColumnStats SummaryStats(const fb::ColumnSummary* c) {
  index::ZoneMap z;
  z.num_values = c->num_values();
  z.null_count = c->null_count();
  z.flags = c->flags();
  z.min_bits = c->min_bits();
  z.max_bits = c->max_bits();
  if (c->min_bytes()) z.min_bytes.assign(reinterpret_cast<const char*>(c->min_bytes()->data()), c->min_bytes()->size());
  if (c->max_bytes()) z.max_bytes.assign(reinterpret_cast<const char*>(c->max_bytes()->data()), c->max_bytes()->size());
  DataType t;
  t.id = static_cast<TypeId>(c->type());
  ColumnStats s;
  s.num_values = z.num_values;
  s.null_count = z.null_count;
  s.has_nan = z.flags & index::kStatsHasNaN;
  if (z.has_min_max()) {
    s.min = z.MinValue(t);
    s.min_exact = z.flags & index::kStatsMinExact;
    s.max_exact = z.flags & index::kStatsMaxExact;
    // As in a segment's own stats: an inexact, empty string max has no bound.
    if (!(t.is_binary_like() && z.max_bytes.empty() && !s.max_exact)) s.max = z.MaxValue(t);
  }
  return s;
}

}  // namespace

// ---- State ----------------------------------------------------------------

std::string SnapshotState::SegmentPath(size_t i) const {
  return dir + "/_segments/" + segments[i]->id()->str() + ".dpc";
}

uint32_t SnapshotState::EventTimeFieldId() const {
  const int i = schema.FieldIndex(dataset.event_time_column);
  return dataset.event_time_column.empty() || i < 0 ? 0 : schema.field(static_cast<size_t>(i)).field_id;
}

VersionInfo ToVersionInfo(const fb::Manifest* m) {
  VersionInfo v;
  v.version = m->version();
  if (m->has_parent()) v.parent = m->parent();
  v.commit_time_us = m->commit_time_us();
  v.operation = static_cast<Operation>(m->operation());
  v.semver = {m->semver_major(), m->semver_minor(), m->semver_patch()};
  v.message = Str(m->message());
  v.committer = Str(m->committer());
  v.num_rows = m->num_rows();
  v.num_segments = m->num_segments();
  v.num_bytes = m->num_bytes();
  if (m->has_as_of()) v.as_of_us = m->as_of_us();
  if (m->has_contract()) v.contract_checksum = m->contract_checksum();
  return v;
}

SegmentInfo ToSegmentInfo(const SnapshotState& s, size_t i) {
  const fb::SegmentEntry* e = s.segments[i];
  SegmentInfo info;
  info.id = e->id()->str();
  info.path = s.SegmentPath(i);
  info.num_rows = e->num_rows();
  info.file_size = e->file_size();
  info.added_in = e->added_in();
  if (e->has_event_time()) {
    info.event_time_min = e->event_time_min();
    info.event_time_max = e->event_time_max();
  }
  if (e->columns()) {
    for (const fb::ColumnSummary* c : *e->columns()) {
      ColumnSummary cs;
      cs.field_id = c->field_id();
      cs.type.id = static_cast<TypeId>(c->type());
      cs.stats = SummaryStats(c);
      info.columns.push_back(std::move(cs));
    }
  }
  return info;
}

// ---- Create / open --------------------------------------------------------

std::string DatasetStore::ManifestPath(uint64_t v) const { return versions_dir() + "/" + VersionName(v); }

Result<std::shared_ptr<DatasetStore>> DatasetStore::Create(const std::string& product, const std::string& dir,
                                                           const DatasetInfo& info, const Schema& schema) {
  DP_RETURN_IF_ERROR(ValidateName(info.name, "dataset"));
  if (schema.num_fields() == 0) return Status::InvalidArgument("dataset '" + info.name + "': schema has no fields");
  if (info.kind == DatasetKind::kEvents) {
    const int i = schema.FieldIndex(info.event_time_column);
    if (info.event_time_column.empty() || i < 0 ||
        schema.field(static_cast<size_t>(i)).type.id != TypeId::kTimestamp) {
      return Status::InvalidArgument("dataset '" + info.name + "': an events dataset needs an event-time column "
                                     "that is a timestamp field of the schema (got '" + info.event_time_column + "')");
    }
  } else if (!info.event_time_column.empty()) {
    return Status::InvalidArgument("dataset '" + info.name + "': a snapshots dataset has no event-time column");
  }
  auto store = std::make_shared<DatasetStore>(product, info.name, dir);
  DP_RETURN_IF_ERROR(MakeDirectory(dir));
  for (const std::string& d : {store->versions_dir(), store->segments_dir(), store->tags_dir()}) {
    DP_RETURN_IF_ERROR(MakeDirectory(d));
  }
  if (auto latest = store->FindLatest(); latest.ok()) {
    return Status::AlreadyExists("dataset '" + product + "/" + info.name + "' already exists (" + dir + ")");
  } else if (!latest.status().IsNotFound()) {
    return latest.status();
  }
  format::ManifestRecord m;
  m.full = true;
  m.commit_time_us = NowMicros();
  m.operation = fb::Operation::Create;
  m.kind = static_cast<fb::DatasetKind>(info.kind);
  m.event_time_column = info.event_time_column;
  m.description = info.description;
  m.schema = schema;
  for (const Field& f : schema.fields()) m.last_field_id = std::max(m.last_field_id, f.field_id);
  m.message = "create";
  const std::vector<uint8_t> bytes = format::EncodeManifest(m);
  Status s = PublishFile(store->versions_dir(), VersionName(0), bytes);
  if (s.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("dataset '" + product + "/" + info.name + "' already exists (" + dir + ")");
  }
  DP_RETURN_IF_ERROR(s);
  DP_RETURN_IF_ERROR(SyncDir(dir));
  WriteHintFile(store->versions_dir(), "_latest", "0\n");
  return store;
}

Result<std::shared_ptr<DatasetStore>> DatasetStore::Open(const std::string& product, const std::string& name,
                                                         const std::string& dir) {
  DP_RETURN_IF_ERROR(ValidateName(name, "dataset"));
  auto store = std::make_shared<DatasetStore>(product, name, dir);
  auto latest = store->FindLatest();
  if (!latest.ok()) {
    if (latest.status().IsNotFound()) {
      return Status::NotFound("dataset '" + product + "/" + name + "' does not exist (" + dir + ")");
    }
    return latest.status();
  }
  return store;
}

// ---- Finding versions -----------------------------------------------------

Result<uint64_t> DatasetStore::FindLatest() const {
  std::optional<uint64_t> start;
  if (auto hint = ReadWholeFile(versions_dir() + "/_latest", 64); hint.ok()) {
    uint64_t v = 0;
    size_t n = 0;
    for (uint8_t c : *hint) {
      if (c < '0' || c > '9' || ++n > 19) break;
      v = v * 10 + (c - '0');
    }
    if (n > 0) {
      DP_ASSIGN_OR_RETURN(bool exists, FileExists(ManifestPath(v)));
      if (exists) start = v;
    }
  }
  if (!start) {
    DP_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(versions_dir()));
    for (const std::string& n : names) {
      if (auto v = ParseVersionName(n); v && (!start || *v > *start)) start = v;
    }
    if (!start) return Status::NotFound(dir_ + ": dataset has no versions");
  }
  uint64_t v = *start;
  while (v < kMaxVersion) {
    DP_ASSIGN_OR_RETURN(bool next, FileExists(ManifestPath(v + 1)));
    if (!next) break;
    ++v;
  }
  return v;
}

Result<uint64_t> DatasetStore::FindOldestFile() const {
  DP_ASSIGN_OR_RETURN(uint64_t hi, FindLatest());
  // Manifest files are contiguous: binary search on existence.
  uint64_t lo = 0;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    DP_ASSIGN_OR_RETURN(bool exists, FileExists(ManifestPath(mid)));
    if (exists) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

Result<uint64_t> DatasetStore::FindOldest() const {
  DP_ASSIGN_OR_RETURN(uint64_t first, FindOldestFile());
  DP_ASSIGN_OR_RETURN(uint64_t latest, FindLatest());
  // Files are contiguous from `first`, so version v is openable iff its base
  // is >= first. Bases never decrease, so the first openable version is at
  // most one checkpoint interval up.
  for (uint64_t v = first; v <= latest; ++v) {
    auto f = ReadManifest(v);
    if (!f.ok() && f.status().IsNotFound()) continue;  // expired meanwhile
    if (!f.ok()) return f.status();
    if ((*f)->m->base_version() >= first) return v;
  }
  return latest;  // every file expired while we looked: the latest is the answer
}

Result<std::shared_ptr<const ManifestFile>> DatasetStore::ReadManifest(uint64_t v) const {
  const std::string path = ManifestPath(v);
  auto bytes = ReadWholeFile(path, format::kMaxMetaBody + format::kMetaHeaderSize + format::kMetaTrailerSize);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) {
      return Status::NotFound("dataset '" + product_ + "/" + name_ + "' has no version " + std::to_string(v) +
                              " (never written, or expired) (" + path + ")");
    }
    return bytes.status();
  }
  auto file = std::make_shared<ManifestFile>();
  file->bytes = std::move(*bytes);
  DP_ASSIGN_OR_RETURN(file->m, format::ParseManifest(file->bytes, path));
  if (file->m->version() != v) {
    return Status::Corruption(path + ": manifest says version " + std::to_string(file->m->version()));
  }
  return std::shared_ptr<const ManifestFile>(std::move(file));
}

Result<std::shared_ptr<const SnapshotState>> DatasetStore::Load(uint64_t v) const {
  DP_ASSIGN_OR_RETURN(auto top, ReadManifest(v));
  const fb::Manifest* m = top->m;
  auto st = std::make_shared<SnapshotState>();
  st->product = product_;
  st->dir = dir_;
  st->dataset.name = name_;
  st->dataset.kind = static_cast<DatasetKind>(m->dataset()->kind());
  st->dataset.event_time_column = Str(m->dataset()->event_time_column());
  st->dataset.description = Str(m->dataset()->description());
  st->info = ToVersionInfo(m);
  st->last_field_id = m->last_field_id();
  st->base_version = m->base_version();
  DP_ASSIGN_OR_RETURN(st->schema, format::ManifestSchema(m, ManifestPath(v)));

  const uint64_t base = m->base_version();
  if (v - base > kMaxReplayChain) {
    return Status::Corruption(ManifestPath(v) + ": replay chain of " + std::to_string(v - base) + " versions");
  }
  // Read base .. v-1 (v is already read), then replay.
  std::vector<std::shared_ptr<const ManifestFile>> chain;
  chain.reserve(v - base + 1);
  for (uint64_t x = base; x < v; ++x) {
    auto f = ReadManifest(x);
    if (!f.ok()) {
      if (!f.status().IsNotFound()) return f.status();
      // Expiry removes versions oldest first (spec/layout.md §"Retention"):
      // a chain member gone with no older manifest left means a concurrent
      // expiry is removing v too (it is below the cut), not that the dataset
      // is damaged. A gap above an older manifest is damage.
      DP_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(versions_dir()));
      const bool older_left = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
        const std::optional<uint64_t> y = ParseVersionName(n);
        return y && *y < x;
      });
      if (!older_left) {
        return Status::NotFound("dataset '" + product_ + "/" + name_ + "' version " + std::to_string(v) +
                                " was expired while it was being opened (version " + std::to_string(x) +
                                " of its replay chain is gone) (" + ManifestPath(v) + ")");
      }
      return Status::Corruption(ManifestPath(v) + ": replays from version " + std::to_string(base) + " but version " +
                                std::to_string(x) + " is missing");
    }
    chain.push_back(std::move(*f));
  }
  chain.push_back(top);
  if (!chain.front()->m->full()) {
    return Status::Corruption(ManifestPath(base) + ": base version of " + std::to_string(v) + " is not a full manifest");
  }
  std::vector<const fb::SegmentEntry*>& live = st->segments;
  std::unordered_map<std::string_view, size_t> index;  // built lazily for removals
  bool indexed = false;
  int64_t prev_time = INT64_MIN;
  uint64_t total_rows = 0;
  for (size_t k = 0; k < chain.size(); ++k) {
    const fb::Manifest* x = chain[k]->m;
    const std::string where = ManifestPath(x->version());
    if (k > 0 && (x->full() || x->base_version() != base)) {
      return Status::Corruption(where + ": inside the replay chain of version " + std::to_string(v) +
                                " but not a delta on base " + std::to_string(base));
    }
    if (x->commit_time_us() < prev_time) {
      return Status::Corruption(where + ": commit time goes backwards from the parent's");
    }
    prev_time = x->commit_time_us();
    if (x->removed() && x->removed()->size() > 0) {
      if (!indexed) {
        for (size_t i = 0; i < live.size(); ++i) index.emplace(live[i]->id()->string_view(), i);
        indexed = true;
      }
      std::vector<bool> drop(live.size(), false);
      for (const flatbuffers::String* id : *x->removed()) {
        auto it = index.find(id->string_view());
        if (it == index.end() || drop[it->second]) {
          return Status::Corruption(where + ": removes segment " + id->str() + " which is not live");
        }
        drop[it->second] = true;
      }
      size_t w = 0;
      for (size_t i = 0; i < live.size(); ++i) {
        if (!drop[i]) live[w++] = live[i];
      }
      live.resize(w);
      index.clear();
      for (size_t i = 0; i < live.size(); ++i) index.emplace(live[i]->id()->string_view(), i);
    }
    if (x->added()) {
      for (const fb::SegmentEntry* e : *x->added()) {
        if (indexed) {
          if (!index.emplace(e->id()->string_view(), live.size()).second) {
            return Status::Corruption(where + ": adds segment " + e->id()->str() + " which is already live");
          }
        }
        live.push_back(e);
      }
    }
  }
  if (!indexed && live.size() > 1) {  // duplicate ids are corruption even without removals
    std::unordered_set<std::string_view> ids;
    ids.reserve(live.size());
    for (const fb::SegmentEntry* e : live) {
      if (!ids.insert(e->id()->string_view()).second) {
        return Status::Corruption(ManifestPath(v) + ": segment " + e->id()->str() + " is live twice");
      }
    }
  }
  for (const fb::SegmentEntry* e : live) total_rows += e->num_rows();
  if (live.size() != m->num_segments() || total_rows != m->num_rows()) {
    return Status::Corruption(ManifestPath(v) + ": totals (" + std::to_string(m->num_segments()) + " segments, " +
                              std::to_string(m->num_rows()) + " rows) do not match the replayed live set (" +
                              std::to_string(live.size()) + " segments, " + std::to_string(total_rows) + " rows)");
  }
  st->files = std::move(chain);
  return std::shared_ptr<const SnapshotState>(std::move(st));
}

Result<std::shared_ptr<const SnapshotState>> DatasetStore::LoadLatest() const {
  // A concurrent expiry can remove the version we found; try again then.
  for (int attempt = 0;; ++attempt) {
    DP_ASSIGN_OR_RETURN(uint64_t v, FindLatest());
    auto st = Load(v);
    if (st.ok() || attempt >= 3 || !st.status().IsNotFound()) return st;
  }
}

Result<std::optional<uint64_t>> DatasetStore::SearchTime(int64_t time_us, uint64_t lo, uint64_t hi) const {
  std::optional<uint64_t> best;
  while (lo <= hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    auto f = ReadManifest(mid);
    bool too_old;
    if (f.ok()) {
      too_old = (*f)->m->commit_time_us() <= time_us;
    } else if (f.status().IsNotFound()) {
      too_old = true;  // expired meanwhile: it was older
    } else {
      return f.status();
    }
    if (too_old) {
      if (f.ok()) best = mid;
      lo = mid + 1;
    } else {
      if (mid == 0) break;
      hi = mid - 1;
    }
  }
  return best;
}

Result<std::shared_ptr<const SnapshotState>> DatasetStore::LoadAsOf(int64_t time_us) const {
  DP_ASSIGN_OR_RETURN(uint64_t oldest, FindOldest());
  DP_ASSIGN_OR_RETURN(uint64_t latest, FindLatest());
  DP_ASSIGN_OR_RETURN(std::optional<uint64_t> v, SearchTime(time_us, oldest, latest));
  if (!v) {
    return Status::NotFound("dataset '" + product_ + "/" + name_ + "' has no version committed at or before " +
                            FormatRfc3339(time_us) + " (oldest retained version is " + std::to_string(oldest) + ")");
  }
  return Load(*v);
}

Result<std::vector<VersionInfo>> DatasetStore::Versions() const {
  DP_ASSIGN_OR_RETURN(uint64_t oldest, FindOldest());
  DP_ASSIGN_OR_RETURN(uint64_t latest, FindLatest());
  std::vector<VersionInfo> out;
  for (uint64_t v = oldest; v <= latest; ++v) {
    auto f = ReadManifest(v);
    if (!f.ok() && f.status().IsNotFound()) continue;  // expired while listing
    if (!f.ok()) return f.status();
    out.push_back(ToVersionInfo((*f)->m));
  }
  return out;
}

// ---- Tags -----------------------------------------------------------------

Result<TagInfo> DatasetStore::ReadTag(std::string_view tag) const {
  DP_RETURN_IF_ERROR(ValidateTagName(tag));
  const std::string path = tags_dir() + "/" + std::string(tag);
  auto bytes = ReadWholeFile(path, 1u << 24);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) {
      return Status::NotFound("dataset '" + product_ + "/" + name_ + "' has no tag '" + std::string(tag) + "'");
    }
    return bytes.status();
  }
  DP_ASSIGN_OR_RETURN(const fb::Tag* t, format::ParseTag(*bytes, path));
  if (t->name()->string_view() != tag) return Status::Corruption(path + ": tag file names tag '" + t->name()->str() + "'");
  return TagInfo{t->name()->str(), t->version(), t->created_us(), Str(t->message())};
}

Result<std::shared_ptr<const SnapshotState>> DatasetStore::LoadTag(std::string_view tag) const {
  DP_ASSIGN_OR_RETURN(TagInfo t, ReadTag(tag));
  return Load(t.version);
}

Result<std::vector<TagInfo>> DatasetStore::Tags() const {
  DP_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(tags_dir()));
  std::sort(names.begin(), names.end());
  std::vector<TagInfo> out;
  for (const std::string& n : names) {
    if (!ValidateTagName(n).ok()) continue;  // temp files
    auto t = ReadTag(n);
    if (!t.ok() && t.status().IsNotFound()) continue;  // deleted while listing
    if (!t.ok()) return t.status();
    out.push_back(std::move(*t));
  }
  return out;
}

Status DatasetStore::CreateTag(std::string_view tag, uint64_t version, std::string_view message) const {
  DP_RETURN_IF_ERROR(ValidateTagName(tag));
  DP_RETURN_IF_ERROR(ReadManifest(version).status());
  format::TagRecord r{std::string(tag), version, NowMicros(), std::string(message)};
  Status s = PublishFile(tags_dir(), std::string(tag), format::EncodeTag(r));
  if (s.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("dataset '" + product_ + "/" + name_ + "' already has a tag '" + std::string(tag) +
                                 "' (delete it first)");
  }
  return s;
}

Status DatasetStore::DeleteTag(std::string_view tag) const {
  DP_RETURN_IF_ERROR(ReadTag(tag).status());
  DP_RETURN_IF_ERROR(RemoveFile(tags_dir() + "/" + std::string(tag)));
  return SyncDir(tags_dir());
}

// ---- Commit ---------------------------------------------------------------

Result<VersionInfo> DatasetStore::Commit(const CommitPlan& plan, bool* published) const {
  *published = false;
  std::mt19937_64 rng(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    // Expiry never removes a version whose successor is younger than its
    // grace period (> max_attempt_us), so an attempt that links within
    // max_attempt_us of reading its parent cannot take a name that expiry
    // freed (the ABA that would publish a version below a gap).
    const int64_t deadline = plan.max_attempt_us > 0 ? NowMicros() + plan.max_attempt_us : INT64_MAX;
    DP_ASSIGN_OR_RETURN(auto parent, LoadLatest());
    const uint64_t pv = parent->info.version;
    const bool rebases = plan.op == Operation::kAppend || plan.op == Operation::kCompact || plan.retry_on_conflict;
    if (pv != plan.begin_version && !rebases) {
      return Status::Conflict("dataset '" + product_ + "/" + name_ + "': version " + std::to_string(pv) +
                              " was committed after this " + std::string(OperationName(plan.op)) + " began on version " +
                              std::to_string(plan.begin_version) + "; retry (or set retry_on_conflict)");
    }
    format::ManifestRecord m;
    m.version = pv + 1;
    m.parent = pv;
    m.commit_time_us = std::max(NowMicros(), parent->info.commit_time_us);
    m.operation = static_cast<fb::Operation>(plan.op);
    m.kind = static_cast<fb::DatasetKind>(parent->dataset.kind);
    m.event_time_column = parent->dataset.event_time_column;
    m.description = parent->dataset.description;
    m.schema = parent->schema;
    m.last_field_id = parent->last_field_id;
    m.semver[0] = parent->info.semver.major;
    m.semver[1] = parent->info.semver.minor;
    m.semver[2] = parent->info.semver.patch;
    m.message = plan.message;
    m.committer = plan.committer;
    m.as_of_us = plan.as_of_us;
    m.contract_checksum = plan.contract_checksum;
    DP_RETURN_IF_ERROR(plan.build(*parent, &m));
    for (format::SegmentRecord& s : m.fresh) s.added_in = m.version;

    // Live set after this version: parent's minus removed, plus fresh.
    std::unordered_set<std::string_view> removed(m.removed.begin(), m.removed.end());
    std::vector<const fb::SegmentEntry*> kept;
    if (!m.full) {
      for (const fb::SegmentEntry* e : parent->segments) {
        if (!removed.count(e->id()->string_view())) kept.push_back(e);
      }
      if (kept.size() + removed.size() != parent->segments.size()) {
        return Status::Conflict("dataset '" + product_ + "/" + name_ + "': a segment to remove is no longer live in version " +
                                std::to_string(pv));
      }
    }
    m.num_rows = m.num_segments = m.num_bytes = 0;
    for (const fb::SegmentEntry* e : kept) {
      m.num_rows += e->num_rows();
      m.num_bytes += e->file_size();
    }
    for (const format::SegmentRecord& s : m.fresh) {
      m.num_rows += s.num_rows;
      m.num_bytes += s.file_size;
    }
    m.num_segments = kept.size() + m.fresh.size();
    if (!m.full && m.version - parent->base_version >= kCheckpointInterval) {
      m.full = true;
      m.carried = std::move(kept);
      m.removed.clear();
    }
    m.base_version = m.full ? m.version : parent->base_version;

    const std::vector<uint8_t> bytes = format::EncodeManifest(m);
    bool linked = false;
    Status s = PublishFile(versions_dir(), VersionName(m.version), bytes, &linked, deadline);
    if (linked) *published = true;
    if (s.ok()) {
      WriteHintFile(versions_dir(), "_latest", std::to_string(m.version) + "\n");
      DP_ASSIGN_OR_RETURN(auto mine, ReadManifest(m.version));
      return ToVersionInfo(mine->m);
    }
    if (s.code() == StatusCode::kConflict) {  // ran past its deadline: nothing published, try again
      if (attempt + 1 >= plan.max_retries) return s;
      continue;
    }
    if (s.code() != StatusCode::kAlreadyExists) return s;
    if (!rebases || attempt + 1 >= plan.max_retries) {
      return Status::Conflict("dataset '" + product_ + "/" + name_ + "': another writer published version " +
                              std::to_string(m.version) + " first" +
                              (rebases ? " (gave up after " + std::to_string(attempt + 1) + " attempts)" : ""));
    }
    const int64_t cap_us = std::min<int64_t>(50'000, int64_t{100} << std::min(attempt, 9));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % static_cast<uint64_t>(cap_us)));
  }
}

// ---- Retention and GC -----------------------------------------------------

Result<uint64_t> DatasetStore::ExpireVersions(const RetentionOptions& o) const {
  if (!o.keep_last && !o.keep_age_us) {
    return Status::InvalidArgument("ExpireVersions: set keep_last and/or keep_age_us");
  }
  DP_ASSIGN_OR_RETURN(uint64_t latest, FindLatest());
  DP_ASSIGN_OR_RETURN(uint64_t oldest, FindOldest());
  uint64_t keep_from = latest;
  if (o.keep_last) {
    const uint64_t n = std::max<uint64_t>(*o.keep_last, 1);
    keep_from = std::min(keep_from, latest + 1 >= n ? latest + 1 - n : 0);
  }
  if (o.keep_age_us) {
    const int64_t cutoff = o.now_us.value_or(NowMicros()) - *o.keep_age_us;
    DP_ASSIGN_OR_RETURN(std::optional<uint64_t> last_old, SearchTime(cutoff, oldest, latest));
    keep_from = std::min(keep_from, last_old ? *last_old + 1 : oldest);
  }
  DP_ASSIGN_OR_RETURN(std::vector<TagInfo> tags, Tags());
  for (const TagInfo& t : tags) {
    if (t.version >= oldest) keep_from = std::min(keep_from, t.version);
  }
  keep_from = std::max(keep_from, oldest);
  DP_ASSIGN_OR_RETURN(auto keep, ReadManifest(keep_from));
  uint64_t cut = keep->m->base_version();  // keep_from must stay openable
  // Fence against commits in flight: remove v only if v + 1 was committed
  // at least grace_period_us ago (commit times never decrease, so it is
  // enough that the cut itself is that old). Else cut at an older
  // checkpoint (cuts must be full manifests), or nowhere.
  const int64_t fence = o.now_us.value_or(NowMicros()) - o.grace_period_us;
  while (cut > oldest) {
    DP_ASSIGN_OR_RETURN(auto c, ReadManifest(cut));
    if (c->m->commit_time_us() <= fence) break;
    DP_ASSIGN_OR_RETURN(auto before, ReadManifest(cut - 1));
    cut = std::max(before->m->base_version(), oldest);
  }
  WriteHintFile(versions_dir(), "_latest", std::to_string(latest) + "\n");
  // From the oldest file: this also removes what a crashed expiry left behind.
  DP_ASSIGN_OR_RETURN(uint64_t first_file, FindOldestFile());
  uint64_t removed = 0;
  for (uint64_t v = first_file; v < cut; ++v) {  // oldest first: the files stay contiguous
    DP_RETURN_IF_ERROR(RemoveFile(ManifestPath(v)));
    ++removed;
  }
  if (removed) DP_RETURN_IF_ERROR(SyncDir(versions_dir()));
  return removed;
}

Result<GcReport> DatasetStore::CollectGarbage(const GcOptions& o) const {
  const int64_t now = o.now_us.value_or(NowMicros());
  // 1. List first: anything committed meanwhile is referenced in step 2.
  DP_ASSIGN_OR_RETURN(std::vector<std::string> seg_names, ListDirectory(segments_dir()));
  DP_ASSIGN_OR_RETURN(std::vector<std::string> version_names, ListDirectory(versions_dir()));
  DP_ASSIGN_OR_RETURN(std::vector<std::string> tag_names, ListDirectory(tags_dir()));
  // 2. Referenced = live(oldest) + added by every later retained version.
  DP_ASSIGN_OR_RETURN(uint64_t oldest, FindOldest());
  DP_ASSIGN_OR_RETURN(uint64_t latest, FindLatest());
  std::unordered_set<std::string> referenced;
  DP_ASSIGN_OR_RETURN(auto first, Load(oldest));
  for (const fb::SegmentEntry* e : first->segments) referenced.insert(e->id()->str());
  for (uint64_t v = oldest + 1; v <= latest; ++v) {
    DP_ASSIGN_OR_RETURN(auto f, ReadManifest(v));
    if (f->m->added()) {
      for (const fb::SegmentEntry* e : *f->m->added()) referenced.insert(e->id()->str());
    }
  }
  GcReport report;
  report.segments_referenced = referenced.size();
  auto old_enough = [&](const std::string& path, uint64_t* size) -> Result<bool> {
    auto ts = FileTimeAndSize(path);
    if (!ts.ok()) return ts.status().IsNotFound() ? Result<bool>(false) : Result<bool>(ts.status());
    if (size) *size = ts->second;
    return now - ts->first >= o.grace_period_us;
  };
  // 3. Delete.
  bool seg_changed = false;
  for (const std::string& n : seg_names) {
    const std::string path = segments_dir() + "/" + n;
    const bool is_segment = n.size() == 36 && n.substr(32) == ".dpc" && format::IsSegmentId(n.substr(0, 32));
    if (!is_segment || referenced.count(n.substr(0, 32))) continue;
    uint64_t size = 0;
    DP_ASSIGN_OR_RETURN(bool old, old_enough(path, &size));
    if (!old) continue;
    DP_RETURN_IF_ERROR(RemoveFile(path));
    ++report.segments_deleted;
    report.bytes_deleted += size;
    seg_changed = true;
  }
  if (seg_changed) DP_RETURN_IF_ERROR(SyncDir(segments_dir()));
  auto drop_temps = [&](const std::string& dir, const std::vector<std::string>& names) -> Status {
    bool changed = false;
    for (const std::string& n : names) {
      if (n.rfind(".tmp-", 0) != 0) continue;
      DP_ASSIGN_OR_RETURN(bool old, old_enough(dir + "/" + n, nullptr));
      if (!old) continue;
      DP_RETURN_IF_ERROR(RemoveFile(dir + "/" + n));
      ++report.temp_files_deleted;
      changed = true;
    }
    return changed ? SyncDir(dir) : Status::OK();
  };
  DP_RETURN_IF_ERROR(drop_temps(versions_dir(), version_names));
  DP_RETURN_IF_ERROR(drop_temps(tags_dir(), tag_names));
  // Manifests below the oldest openable version: left by an expiry that
  // crashed midway (their replay base is gone), oldest first.
  DP_ASSIGN_OR_RETURN(uint64_t first_file, FindOldestFile());
  for (uint64_t v = first_file; v < oldest; ++v) {
    DP_RETURN_IF_ERROR(RemoveFile(ManifestPath(v)));
    ++report.manifests_deleted;
  }
  if (report.manifests_deleted) DP_RETURN_IF_ERROR(SyncDir(versions_dir()));
  return report;
}

}  // namespace dp::internal
