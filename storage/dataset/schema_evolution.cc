#include "storage/dataset/schema_evolution.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace dp::internal {
namespace {

// Rank within a family: {signed: 1..4 for 8..64 bits}, {unsigned: 1..4}.
int IntBits(TypeId t) {
  switch (t) {
    case TypeId::kInt8: case TypeId::kUInt8: return 8;
    case TypeId::kInt16: case TypeId::kUInt16: return 16;
    case TypeId::kInt32: case TypeId::kUInt32: return 32;
    case TypeId::kInt64: case TypeId::kUInt64: return 64;
    default: return 0;
  }
}
bool IsSigned(TypeId t) {
  return t == TypeId::kInt8 || t == TypeId::kInt16 || t == TypeId::kInt32 || t == TypeId::kInt64;
}

}  // namespace

bool IsWidening(const DataType& from, const DataType& to) {
  if (from.id == TypeId::kFloat32 && to.id == TypeId::kFloat64) return true;
  const int fb = IntBits(from.id), tb = IntBits(to.id);
  if (fb == 0 || tb == 0 || tb <= fb) return false;
  return IsSigned(to.id) || !IsSigned(from.id);  // signed->unsigned never widens
}

SemVer Bump(SemVer v, ChangeClass c) {
  switch (c) {
    case ChangeClass::kNone: return v;
    case ChangeClass::kPatch: return {v.major, v.minor, v.patch + 1};
    case ChangeClass::kMinor: return {v.major, v.minor + 1, 0};
    case ChangeClass::kMajor: return {v.major + 1, 0, 0};
  }
  return v;
}

Result<SchemaDiff> DiffSchema(const Schema& old, uint32_t last_field_id, std::vector<Field> requested,
                              const std::string& event_time_column, bool description_changed) {
  SchemaDiff d;
  d.last_field_id = last_field_id;
  std::unordered_map<uint32_t, size_t> old_by_id;
  for (size_t i = 0; i < old.num_fields(); ++i) old_by_id[old.field(i).field_id] = i;
  std::unordered_set<uint32_t> used;
  for (Field& f : requested) {
    if (f.field_id == 0) {
      const int i = old.FieldIndex(f.name);
      f.field_id = i >= 0 ? old.field(static_cast<size_t>(i)).field_id : ++d.last_field_id;
    } else if (!old_by_id.count(f.field_id)) {
      return Status::InvalidArgument("schema change: field '" + f.name + "' names field id " +
                                     std::to_string(f.field_id) +
                                     ", which is not a field of the current schema (ids are never reused; use 0 "
                                     "for a new field)");
    }
    if (!used.insert(f.field_id).second) {
      return Status::InvalidArgument("schema change: field id " + std::to_string(f.field_id) + " ('" + f.name +
                                     "') appears twice");
    }
  }
  auto bump = [&](ChangeClass c) { d.change = std::max(d.change, c); };
  auto breaking = [&](std::string what) {
    bump(ChangeClass::kMajor);
    d.breaking.push_back(std::move(what));
  };
  for (const Field& f : requested) {
    auto it = old_by_id.find(f.field_id);
    if (it == old_by_id.end()) {
      if (f.nullable) bump(ChangeClass::kMinor);
      else breaking("adds non-nullable field '" + f.name + "' (older segments have no values for it)");
      continue;
    }
    const Field& o = old.field(it->second);
    if (o.name != f.name) breaking("renames field '" + o.name + "' to '" + f.name + "'");
    if (!(o.type == f.type)) {
      if (o.name == event_time_column) {
        return Status::InvalidArgument("schema change: the event-time column '" + o.name + "' cannot change type");
      }
      if (IsWidening(o.type, f.type)) bump(ChangeClass::kMinor);
      else breaking("changes the type of '" + o.name + "' from " + o.type.ToString() + " to " + f.type.ToString());
    }
    if (o.nullable != f.nullable) {
      breaking("makes field '" + o.name + "' " + (f.nullable ? "nullable" : "non-nullable"));
    }
    if (o.doc != f.doc) bump(ChangeClass::kPatch);
    if (it->second != static_cast<size_t>(&f - requested.data())) bump(ChangeClass::kPatch);  // reordered
  }
  for (const Field& o : old.fields()) {
    if (used.count(o.field_id)) continue;
    if (o.name == event_time_column) {
      return Status::InvalidArgument("schema change: the event-time column '" + o.name + "' cannot be removed");
    }
    breaking("removes field '" + o.name + "' (id " + std::to_string(o.field_id) + ")");
  }
  if (description_changed) bump(ChangeClass::kPatch);
  if (!event_time_column.empty()) {
    bool found = false;
    for (const Field& f : requested) found = found || (f.name == event_time_column && f.type.id == TypeId::kTimestamp);
    if (!found) {
      return Status::InvalidArgument("schema change: the event-time column '" + event_time_column +
                                     "' must stay a timestamp field with that name");
    }
  }
  DP_ASSIGN_OR_RETURN(d.schema, Schema::Make(std::move(requested)));
  return d;
}

}  // namespace dp::internal
