// dp::Mesh, Product, Dataset, Snapshot, Transaction: wrappers over
// storage/dataset/ (spec/layout.md), plus the parts that decode column data
// (reading old segments under a newer schema, compaction), which need the
// segment reader API.
#include "dp/dataset.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>

#include "format/exceptions.h"
#include "storage/dataset/dataset_store.h"
#include "storage/dataset/files.h"
#include "storage/dataset/product.h"
#include "storage/dataset/schema_evolution.h"
#include "storage/dataset/transaction.h"

namespace dp {

using internal::Guard;

// ---- Column helpers -------------------------------------------------------

namespace {

template <typename F>
bool VisitNumeric(TypeId t, F&& f) {
  switch (t) {
    case TypeId::kInt8: f(int8_t{}); return true;
    case TypeId::kInt16: f(int16_t{}); return true;
    case TypeId::kInt32: f(int32_t{}); return true;
    case TypeId::kInt64: f(int64_t{}); return true;
    case TypeId::kUInt8: f(uint8_t{}); return true;
    case TypeId::kUInt16: f(uint16_t{}); return true;
    case TypeId::kUInt32: f(uint32_t{}); return true;
    case TypeId::kUInt64: f(uint64_t{}); return true;
    case TypeId::kFloat32: f(float{}); return true;
    case TypeId::kFloat64: f(double{}); return true;
    default: return false;
  }
}

ColumnVector AllNull(const DataType& type, size_t n) {
  ColumnVector v(type, n);
  v.mutable_data().assign(n * static_cast<size_t>(std::max(type.byte_width(), 0)), std::byte{0});
  if (type.is_binary_like()) v.mutable_strings().assign(n, std::string_view());
  v.mutable_validity().assign((n + 7) / 8, 0);
  v.set_null_count(n);
  return v;
}

// Widens integers / float32 (IsWidening); validity is kept.
ColumnVector Widen(const ColumnVector& src, const DataType& to) {
  ColumnVector out(to, src.length());
  out.mutable_validity().assign(src.validity().begin(), src.validity().end());
  out.set_null_count(src.null_count());
  VisitNumeric(src.type().id, [&](auto from_tag) {
    using From = decltype(from_tag);
    VisitNumeric(to.id, [&](auto to_tag) {
      using To = decltype(to_tag);
      auto in = src.values<From>();
      out.mutable_data().resize(in.size() * sizeof(To));
      To* o = reinterpret_cast<To*>(out.mutable_data().data());
      for (size_t i = 0; i < in.size(); ++i) o[i] = static_cast<To>(in[i]);
    });
  });
  return out;
}

ColumnData AsColumnData(const ColumnVector& v) {
  ColumnData d;
  d.length = v.length();
  d.validity = v.validity().empty() ? nullptr : v.validity().data();
  if (v.type().is_binary_like()) d.strings = v.strings().data();
  else d.values = v.values<uint8_t>().data();
  return d;
}

// Rows of several parts, in `order` (part, row), as one vector.
ColumnVector Gather(const DataType& type, const std::vector<ColumnVector>& parts,
                    const std::vector<std::pair<uint32_t, uint32_t>>& order) {
  const size_t n = order.size();
  ColumnVector out(type, n);
  bool any_null = false;
  for (const ColumnVector& p : parts) any_null = any_null || p.null_count() > 0;
  uint64_t nulls = 0;
  if (any_null) {
    out.mutable_validity().assign((n + 7) / 8, 0);
    for (size_t i = 0; i < n; ++i) {
      if (parts[order[i].first].is_null(order[i].second)) ++nulls;
      else out.mutable_validity()[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
    }
  }
  out.set_null_count(nulls);
  if (type.is_binary_like()) {
    size_t bytes = 0;
    for (const auto& [p, r] : order) bytes += parts[p].strings()[r].size();
    std::vector<char>& arena = out.mutable_arena();
    arena.reserve(bytes);
    std::vector<std::pair<size_t, size_t>> spans(n);
    for (size_t i = 0; i < n; ++i) {
      std::string_view sv = parts[order[i].first].strings()[order[i].second];
      spans[i] = {arena.size(), sv.size()};
      arena.insert(arena.end(), sv.begin(), sv.end());
    }
    auto& views = out.mutable_strings();
    views.resize(n);
    for (size_t i = 0; i < n; ++i) views[i] = std::string_view(arena.data() + spans[i].first, spans[i].second);
    return out;
  }
  const size_t w = static_cast<size_t>(type.byte_width());
  out.mutable_data().resize(n * w);
  std::byte* dst = out.mutable_data().data();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* src = parts[order[i].first].values<uint8_t>().data() + size_t{order[i].second} * w;
    std::memcpy(dst + i * w, src, w);
  }
  return out;
}

}  // namespace

// ---- Snapshot -------------------------------------------------------------

struct Snapshot::Cache {
  std::mutex mu;
  std::vector<std::shared_ptr<Segment>> segments;  // guarded by mu
};

Snapshot::Snapshot(std::shared_ptr<const internal::SnapshotState> state)
    : state_(std::move(state)), cache_(std::make_unique<Cache>()) {
  cache_->segments.resize(state_->segments.size());
}
Snapshot::~Snapshot() = default;

const std::string& Snapshot::product() const { return state_->product; }
const DatasetInfo& Snapshot::dataset() const { return state_->dataset; }
const VersionInfo& Snapshot::info() const { return state_->info; }
const Schema& Snapshot::schema() const { return state_->schema; }
size_t Snapshot::num_segments() const { return state_->segments.size(); }
SegmentInfo Snapshot::segment(size_t i) const { return internal::ToSegmentInfo(*state_, i); }
std::string Snapshot::segment_path(size_t i) const { return state_->SegmentPath(i); }

Result<std::shared_ptr<Segment>> Snapshot::OpenSegment(size_t i) const {
  if (i >= num_segments()) {
    return Status::OutOfRange("segment index " + std::to_string(i) + " >= " + std::to_string(num_segments()));
  }
  {
    std::lock_guard<std::mutex> lock(cache_->mu);
    if (cache_->segments[i]) return cache_->segments[i];
  }
  const std::string path = state_->SegmentPath(i);
  auto seg = Segment::Open(path);
  if (!seg.ok()) {
    if (seg.status().IsNotFound() || seg.status().IsIOError()) {
      return Status(seg.status().code(), "version " + std::to_string(info().version) + " of '" + product() + "/" +
                                             dataset().name + "' references a segment that cannot be opened: " +
                                             seg.status().message());
    }
    return seg.status();
  }
  const fb::SegmentEntry* e = state_->segments[i];
  if ((*seg)->num_rows() != e->num_rows() || (*seg)->file_size() != e->file_size()) {
    return Status::Corruption(path + ": has " + std::to_string((*seg)->num_rows()) + " rows / " +
                              std::to_string((*seg)->file_size()) + " bytes, the manifest of version " +
                              std::to_string(info().version) + " says " + std::to_string(e->num_rows()) + " / " +
                              std::to_string(e->file_size()));
  }
  std::lock_guard<std::mutex> lock(cache_->mu);
  if (!cache_->segments[i]) cache_->segments[i] = *seg;
  return cache_->segments[i];
}

Result<ColumnVector> Snapshot::ReadColumn(size_t i, uint32_t field_id) const {
  return Guard("Snapshot::ReadColumn", [&]() -> Result<ColumnVector> {
    const Field* target = nullptr;
    for (const Field& f : schema().fields()) {
      if (f.field_id == field_id) target = &f;
    }
    if (!target) {
      return Status::NotFound("field id " + std::to_string(field_id) + " is not in the schema of version " +
                              std::to_string(info().version));
    }
    DP_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg, OpenSegment(i));
    int col = -1;
    for (size_t c = 0; c < seg->schema().num_fields(); ++c) {
      if (seg->schema().field(c).field_id == field_id) col = static_cast<int>(c);
    }
    if (col < 0) return AllNull(target->type, seg->num_rows());
    const DataType& have = seg->schema().field(static_cast<size_t>(col)).type;
    DP_ASSIGN_OR_RETURN(ColumnVector v, seg->ReadColumn(col));
    if (have == target->type) return v;
    if (internal::IsWidening(have, target->type)) return Widen(v, target->type);
    return Status::NotSupported(seg->path() + ": column '" + seg->schema().field(static_cast<size_t>(col)).name +
                                "' (field id " + std::to_string(field_id) + ") is stored as " + have.ToString() +
                                "; the schema of version " + std::to_string(info().version) + " says " +
                                target->type.ToString() + ", which is not a widening");
  });
}

Status Snapshot::Verify() const {
  return Guard("Snapshot::Verify", [&]() -> Status {
    for (size_t i = 0; i < num_segments(); ++i) {
      DP_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg, OpenSegment(i));
      VerifyReport r = seg->Verify();
      if (!r.ok()) {
        return Status::Corruption(seg->path() + ": " + r.issues.front().what + " (" + std::to_string(r.issues.size()) +
                                  " issue(s); version " + std::to_string(info().version) + ")");
      }
    }
    return Status::OK();
  });
}

// ---- Transaction ----------------------------------------------------------

Transaction::Transaction(std::unique_ptr<internal::TransactionImpl> impl) : impl_(std::move(impl)) {}
Transaction::~Transaction() = default;

Status Transaction::Append(std::span<const ColumnData> columns) {
  return Guard("Transaction::Append", [&] { return impl_->Append(columns); });
}
std::string Transaction::NewSegmentPath() { return impl_->NewSegmentPath(); }
Status Transaction::AddSegment(const std::string& path) {
  return Guard("Transaction::AddSegment", [&] { return impl_->AddSegment(path); });
}
Result<VersionInfo> Transaction::Commit(std::string_view message, std::string_view committer) {
  return Guard("Transaction::Commit", [&] { return impl_->Commit(message, committer); });
}
void Transaction::Abort() { impl_->Abort(); }
const Schema& Transaction::schema() const { return impl_->schema(); }
uint64_t Transaction::rows_appended() const { return impl_->rows_appended(); }

// ---- Dataset --------------------------------------------------------------

Dataset::Dataset(std::shared_ptr<internal::DatasetStore> store) : store_(std::move(store)) {}
const std::string& Dataset::path() const { return store_->dir(); }
const std::string& Dataset::product() const { return store_->product(); }
const std::string& Dataset::name() const { return store_->name(); }

Result<SnapshotPtr> Dataset::Wrap(Result<std::shared_ptr<const internal::SnapshotState>> state) const {
  if (!state.ok()) return state.status();
  return SnapshotPtr(new Snapshot(std::move(*state)));
}

Result<SnapshotPtr> Dataset::Latest() const {
  return Guard("Dataset::Latest", [&] { return Wrap(store_->LoadLatest()); });
}
Result<SnapshotPtr> Dataset::At(uint64_t version) const {
  return Guard("Dataset::At", [&] { return Wrap(store_->Load(version)); });
}
Result<SnapshotPtr> Dataset::AsOf(int64_t time_us) const {
  return Guard("Dataset::AsOf", [&] { return Wrap(store_->LoadAsOf(time_us)); });
}
Result<SnapshotPtr> Dataset::AtTag(std::string_view tag) const {
  return Guard("Dataset::AtTag", [&] { return Wrap(store_->LoadTag(tag)); });
}
Result<std::vector<VersionInfo>> Dataset::Versions() const {
  return Guard("Dataset::Versions", [&] { return store_->Versions(); });
}
Result<std::vector<TagInfo>> Dataset::Tags() const {
  return Guard("Dataset::Tags", [&] { return store_->Tags(); });
}
Status Dataset::CreateTag(std::string_view tag, uint64_t version, std::string_view message) {
  return Guard("Dataset::CreateTag", [&] { return store_->CreateTag(tag, version, message); });
}
Status Dataset::DeleteTag(std::string_view tag) {
  return Guard("Dataset::DeleteTag", [&] { return store_->DeleteTag(tag); });
}
Result<uint64_t> Dataset::ExpireVersions(RetentionOptions options) {
  return Guard("Dataset::ExpireVersions", [&] { return store_->ExpireVersions(options); });
}
Result<GcReport> Dataset::CollectGarbage(GcOptions options) {
  return Guard("Dataset::CollectGarbage", [&] { return store_->CollectGarbage(options); });
}

Result<std::unique_ptr<Transaction>> Dataset::Begin(Operation op, TransactionOptions options) const {
  return Guard("Dataset::Begin", [&]() -> Result<std::unique_ptr<Transaction>> {
    DP_ASSIGN_OR_RETURN(auto base, store_->LoadLatest());
    const bool events = base->dataset.kind == DatasetKind::kEvents;
    if (op != Operation::kReplace && !(op == Operation::kAppend && events)) {
      return Status::InvalidArgument("dataset '" + product() + "/" + name() + "' (" +
                                     std::string(DatasetKindName(base->dataset.kind)) + "): Begin(" +
                                     std::string(OperationName(op)) + ") is not allowed; use " +
                                     (events ? "append or replace" : "replace") +
                                     " (schema changes: EvolveSchema; compaction: Compact)");
    }
    if (options.max_segment_rows == 0) return Status::InvalidArgument("max_segment_rows must be > 0");
    auto impl = std::make_unique<internal::TransactionImpl>(store_, std::move(base), op, std::move(options));
    return std::unique_ptr<Transaction>(new Transaction(std::move(impl)));
  });
}

Result<VersionInfo> Dataset::EvolveSchema(std::vector<Field> fields, SchemaChangeOptions options) {
  return Guard("Dataset::EvolveSchema", [&]() -> Result<VersionInfo> {
    DP_ASSIGN_OR_RETURN(auto base, store_->LoadLatest());
    internal::CommitPlan plan;
    plan.op = Operation::kSchemaChange;
    plan.begin_version = base->info.version;
    plan.retry_on_conflict = options.retry_on_conflict;
    plan.message = options.message;
    plan.committer = options.committer;
    const std::string where = "dataset '" + product() + "/" + name() + "'";
    plan.build = [&](const internal::SnapshotState& parent, format::ManifestRecord* m) -> Status {
      const bool desc = options.description && *options.description != parent.dataset.description;
      DP_ASSIGN_OR_RETURN(internal::SchemaDiff d, internal::DiffSchema(parent.schema, parent.last_field_id, fields,
                                                                       parent.dataset.event_time_column, desc));
      if (d.change == internal::ChangeClass::kNone) {
        return Status::InvalidArgument(where + ": the requested schema is identical to version " +
                                       std::to_string(parent.info.version) + "'s; nothing to commit");
      }
      if (d.change == internal::ChangeClass::kMajor && !options.allow_major) {
        std::string list;
        for (const std::string& b : d.breaking) list += (list.empty() ? "" : "; ") + b;
        return Status::InvalidArgument(where + ": breaking schema change (" + list +
                                       ") needs a MAJOR version bump: set SchemaChangeOptions::allow_major");
      }
      m->schema = std::move(d.schema);
      m->last_field_id = d.last_field_id;
      const SemVer next = internal::Bump(parent.info.semver, d.change);
      m->semver[0] = next.major;
      m->semver[1] = next.minor;
      m->semver[2] = next.patch;
      if (desc) m->description = *options.description;
      return Status::OK();
    };
    bool published = false;
    return store_->Commit(plan, &published);
  });
}

Result<VersionInfo> Dataset::Compact(CompactionOptions options) {
  return Guard("Dataset::Compact", [&]() -> Result<VersionInfo> {
    DP_ASSIGN_OR_RETURN(SnapshotPtr snap, Latest());
    if (snap->dataset().kind != DatasetKind::kEvents) {
      return Status::InvalidArgument("dataset '" + product() + "/" + name() +
                                     "': compaction applies to events datasets only");
    }
    const uint64_t target = std::max<uint64_t>(options.target_rows_per_segment, 1);
    const internal::SnapshotState& st = snap->state();
    // Small segments in event-time order, grouped greedily up to `target` rows.
    std::vector<size_t> small;
    for (size_t i = 0; i < st.segments.size(); ++i) {
      if (st.segments[i]->num_rows() < target) small.push_back(i);
    }
    std::stable_sort(small.begin(), small.end(), [&](size_t a, size_t b) {
      const fb::SegmentEntry *x = st.segments[a], *y = st.segments[b];
      const int64_t kx = x->has_event_time() ? x->event_time_min() : std::numeric_limits<int64_t>::min();
      const int64_t ky = y->has_event_time() ? y->event_time_min() : std::numeric_limits<int64_t>::min();
      return kx < ky;
    });
    std::vector<std::vector<size_t>> groups;
    std::vector<size_t> cur;
    uint64_t cur_rows = 0;
    for (size_t i : small) {
      const uint64_t r = st.segments[i]->num_rows();
      if (!cur.empty() && cur_rows + r > target) {
        if (cur.size() >= 2) groups.push_back(cur);
        cur.clear();
        cur_rows = 0;
      }
      cur.push_back(i);
      cur_rows += r;
    }
    if (cur.size() >= 2) groups.push_back(cur);
    if (groups.empty()) return snap->info();

    TransactionOptions topt;
    topt.writer = options.writer;
    topt.max_commit_attempt_us = options.max_commit_attempt_us;
    topt.max_segment_rows = std::numeric_limits<uint64_t>::max();
    internal::TransactionImpl txn(store_, snap->state_, Operation::kCompact, std::move(topt));
    const Schema& schema = snap->schema();
    const int et = schema.FieldIndex(snap->dataset().event_time_column);
    std::vector<std::string> removed;
    for (const std::vector<size_t>& g : groups) {
      std::vector<std::vector<ColumnVector>> parts(schema.num_fields());
      for (size_t i : g) {
        removed.push_back(st.segments[i]->id()->str());
        for (size_t f = 0; f < schema.num_fields(); ++f) {
          DP_ASSIGN_OR_RETURN(ColumnVector v, snap->ReadColumn(i, schema.field(f).field_id));
          parts[f].push_back(std::move(v));
        }
      }
      std::vector<std::pair<uint32_t, uint32_t>> order;
      for (uint32_t p = 0; p < g.size(); ++p) {
        for (uint32_t r = 0; r < parts[0][p].length(); ++r) order.emplace_back(p, r);
      }
      if (et >= 0) {  // stable sort by event time, nulls first
        const auto& ev = parts[static_cast<size_t>(et)];
        auto key = [&](const std::pair<uint32_t, uint32_t>& x) {
          return ev[x.first].is_null(x.second) ? std::numeric_limits<int64_t>::min()
                                                : ev[x.first].values<int64_t>()[x.second];
        };
        std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
      }
      std::vector<ColumnVector> out;
      std::vector<ColumnData> cols;
      out.reserve(schema.num_fields());
      for (size_t f = 0; f < schema.num_fields(); ++f) out.push_back(Gather(schema.field(f).type, parts[f], order));
      for (const ColumnVector& v : out) cols.push_back(AsColumnData(v));
      DP_RETURN_IF_ERROR(txn.Append(cols));
      DP_RETURN_IF_ERROR(txn.Roll());
    }
    txn.RemoveOnCommit(std::move(removed));
    const std::string msg = "compact " + std::to_string(txn.rows_appended()) + " rows of " +
                            std::to_string(std::accumulate(groups.begin(), groups.end(), size_t{0},
                                                           [](size_t a, const auto& g) { return a + g.size(); })) +
                            " segments into " + std::to_string(groups.size());
    return txn.Commit(msg, options.committer);
  });
}

// ---- Product and Mesh -----------------------------------------------------

Result<Dataset> Product::CreateDataset(const DatasetInfo& info, const Schema& schema) const {
  return Guard("Product::CreateDataset", [&]() -> Result<Dataset> {
    DP_RETURN_IF_ERROR(ValidateName(info.name, "dataset"));
    DP_ASSIGN_OR_RETURN(auto store,
                        internal::DatasetStore::Create(info_.name, path_ + "/" + info.name, info, schema));
    return Dataset(std::move(store));
  });
}

Result<Dataset> Product::OpenDataset(std::string_view name) const {
  return Guard("Product::OpenDataset", [&]() -> Result<Dataset> {
    DP_RETURN_IF_ERROR(ValidateName(name, "dataset"));
    DP_ASSIGN_OR_RETURN(auto store, internal::DatasetStore::Open(info_.name, std::string(name),
                                                                 path_ + "/" + std::string(name)));
    return Dataset(std::move(store));
  });
}

Result<std::vector<std::string>> Product::ListDatasets() const {
  return Guard("Product::ListDatasets", [&] { return internal::ListChildren(path_, "_versions"); });
}

Result<Mesh> Mesh::Open(std::string root, bool create) {
  return Guard("Mesh::Open", [&]() -> Result<Mesh> {
    if (root.empty()) return Status::InvalidArgument("mesh root path is empty");
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (create) DP_RETURN_IF_ERROR(internal::MakeDirectory(root));
    auto list = internal::ListDirectory(root);
    if (!list.ok()) {
      return list.status().IsNotFound() ? Status::NotFound("mesh root " + root + " does not exist") : list.status();
    }
    return Mesh(std::move(root));
  });
}

Result<Product> Mesh::CreateProduct(ProductInfo info) const {
  return Guard("Mesh::CreateProduct", [&]() -> Result<Product> {
    DP_RETURN_IF_ERROR(internal::CreateProduct(root_, &info));
    const std::string dir = root_ + "/" + info.name;
    return Product(dir, std::move(info));
  });
}

Result<Product> Mesh::OpenProduct(std::string_view name) const {
  return Guard("Mesh::OpenProduct", [&]() -> Result<Product> {
    DP_ASSIGN_OR_RETURN(ProductInfo info, internal::ReadProduct(root_, name));
    return Product(root_ + "/" + std::string(name), std::move(info));
  });
}

Result<std::vector<std::string>> Mesh::ListProducts() const {
  return Guard("Mesh::ListProducts", [&] { return internal::ListChildren(root_, "_product.dpm"); });
}

Result<Dataset> Mesh::OpenDataset(std::string_view product, std::string_view dataset) const {
  DP_ASSIGN_OR_RETURN(Product p, OpenProduct(product));
  return p.OpenDataset(dataset);
}

Result<SnapshotPtr> Mesh::Resolve(const Address& a) const {
  DP_ASSIGN_OR_RETURN(Dataset d, OpenDataset(a.product, a.dataset));
  switch (a.selector) {
    case Address::Selector::kLatest: return d.Latest();
    case Address::Selector::kVersion: return d.At(a.version);
    case Address::Selector::kTime: return d.AsOf(a.time_us);
    case Address::Selector::kTag: return d.AtTag(a.tag);
  }
  return Status::InvalidArgument("address: unknown selector");
}

Result<SnapshotPtr> Mesh::Resolve(std::string_view address) const {
  DP_ASSIGN_OR_RETURN(Address a, Address::Parse(address));
  return Resolve(a);
}

}  // namespace dp
