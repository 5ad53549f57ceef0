// Contract parsing: YAML tree (yaml_doc.h) -> ContractSpec. Every accepted
// key, default and check is listed in spec/contract.md; keep both in step.

#include "storage/contract/contract.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "format/checksum.h"
#include "storage/contract/yaml_doc.h"

namespace dp::storage {

namespace {

constexpr size_t kMaxNameBytes = 64;     // product and dataset names
constexpr size_t kMaxTextBytes = Schema::kMaxDocBytes;
constexpr size_t kMaxListItems = 10'000;  // enum values, tags, key columns
constexpr int kContractVersion = 1;

std::string JoinNames(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Signed/unsigned range of an integer type (timestamps: int64, date32: int32).
struct IntRange {
  int64_t lo;
  int64_t hi;
  uint64_t uhi;
};
IntRange RangeOf(const DataType& t) {
  switch (t.id) {
    case TypeId::kInt8: return {INT8_MIN, INT8_MAX, 0};
    case TypeId::kInt16: return {INT16_MIN, INT16_MAX, 0};
    case TypeId::kInt32:
    case TypeId::kDate32: return {INT32_MIN, INT32_MAX, 0};
    case TypeId::kUInt8: return {0, 0, UINT8_MAX};
    case TypeId::kUInt16: return {0, 0, UINT16_MAX};
    case TypeId::kUInt32: return {0, 0, UINT32_MAX};
    case TypeId::kUInt64: return {0, 0, UINT64_MAX};
    default: return {INT64_MIN, INT64_MAX, 0};
  }
}

bool IsIntegerEnumType(const DataType& t) {
  return t.is_integer() && t.id != TypeId::kTimestamp && t.id != TypeId::kDate32;
}

// Walks the YAML tree, producing errors that point at the offending node.
class ContractParser {
 public:
  ContractParser(std::string_view source, ContractSpec* spec) : source_(source), spec_(spec) {}

  Status Run(const YamlNode& root) {
    if (root.is_null()) return YamlError(source_, root.mark, "the contract is empty");
    if (!root.is_mapping()) {
      return Err(root, "a contract is a mapping with keys product, dataset and fields; found " +
                           std::string(root.KindName()));
    }
    DP_RETURN_IF_ERROR(CheckKeys(root, "the contract", {"contract", "product", "dataset", "fields"}));
    if (const YamlNode* v = root.Find("contract")) {
      int64_t version;
      if (!v->is_scalar() || !ParseNumber(v->value, &version) || version != kContractVersion) {
        return Err(*v, "unsupported contract version " + QuotedText(v->value) + " (this build reads version " +
                           std::to_string(kContractVersion) + ")");
      }
    }
    DP_ASSIGN_OR_RETURN(const YamlNode* product, Required(root, "product", "the contract"));
    DP_RETURN_IF_ERROR(ParseProduct(*product));
    DP_ASSIGN_OR_RETURN(const YamlNode* fields, Required(root, "fields", "the contract"));
    DP_RETURN_IF_ERROR(ParseFields(*fields));
    DP_ASSIGN_OR_RETURN(const YamlNode* dataset, Required(root, "dataset", "the contract"));
    return ParseDataset(*dataset);
  }

 private:
  Status Err(const YamlNode& n, std::string_view what) const { return YamlError(source_, n.mark, what); }

  Status CheckKeys(const YamlNode& map, std::string_view where, std::initializer_list<std::string_view> allowed) {
    for (size_t i = 0; i < map.keys.size(); ++i) {
      bool known = false;
      for (std::string_view a : allowed) known |= map.keys[i] == a;
      if (!known) {
        std::string hint;
        if (map.keys[i] == "required") hint = " (write nullable: false for a required field)";
        return YamlError(source_, map.key_marks[i],
                         "unknown key " + QuotedText(map.keys[i]) + " in " + std::string(where) + hint +
                             "; allowed keys: " + JoinNames(allowed));
      }
    }
    return Status::OK();
  }

  Result<const YamlNode*> Mapping(const YamlNode& n, std::string_view what) const {
    if (!n.is_mapping()) return Err(n, std::string(what) + " must be a mapping, not " + std::string(n.KindName()));
    return &n;
  }

  // The value of `key`, which must be present and not null.
  Result<const YamlNode*> Required(const YamlNode& map, std::string_view key, std::string_view where) const {
    const YamlNode* v = map.Find(key);
    if (v == nullptr || v->is_null()) {
      return Err(map, std::string(where) + " has no " + std::string(key) + " (required)");
    }
    return v;
  }

  Result<std::string> Text(const YamlNode& n, std::string_view key, size_t max_bytes = kMaxTextBytes) const {
    if (!n.is_scalar()) {
      return Err(n, std::string(key) + " must be a single value, not " + std::string(n.KindName()));
    }
    if (n.value.size() > max_bytes) {
      return Err(n, std::string(key) + " is " + std::to_string(n.value.size()) + " bytes; the limit is " +
                        std::to_string(max_bytes));
    }
    return n.value;
  }

  // Optional text: empty when absent or null.
  Result<std::string> OptionalText(const YamlNode& map, std::string_view key) const {
    const YamlNode* v = map.Find(key);
    if (v == nullptr || v->is_null()) return std::string();
    return Text(*v, key);
  }

  Result<std::string> Name(const YamlNode& map, std::string_view key, std::string_view where) const {
    DP_ASSIGN_OR_RETURN(const YamlNode* v, Required(map, key, where));
    DP_ASSIGN_OR_RETURN(std::string s, Text(*v, key));
    if (!ValidName(s)) {
      return Err(*v, std::string(where) + " name " + QuotedText(s) +
                         " is not valid: use 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit");
    }
    return s;
  }

  Result<bool> Bool(const YamlNode& n, std::string_view key) const {
    if (n.is_scalar() && n.plain && n.value == "true") return true;
    if (n.is_scalar() && n.plain && n.value == "false") return false;
    return Err(n, std::string(key) + " must be true or false, not " +
                      (n.is_scalar() ? QuotedText(n.value) : std::string(n.KindName())));
  }

  Result<std::vector<std::string>> TextList(const YamlNode& n, std::string_view key) const {
    if (!n.is_sequence()) {
      return Err(n, std::string(key) + " must be a list such as [a, b], not " + std::string(n.KindName()));
    }
    if (n.items.size() > kMaxListItems) {
      return Err(n, std::string(key) + " has more than " + std::to_string(kMaxListItems) + " items");
    }
    std::vector<std::string> out;
    for (const YamlNode& item : n.items) {
      DP_ASSIGN_OR_RETURN(std::string s, Text(item, std::string(key) + " item"));
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<std::vector<std::string>> OptionalTextList(const YamlNode& map, std::string_view key) const {
    const YamlNode* v = map.Find(key);
    if (v == nullptr || v->is_null()) return std::vector<std::string>{};
    return TextList(*v, key);
  }

  Status ParseProduct(const YamlNode& n) {
    DP_RETURN_IF_ERROR(Mapping(n, "product").status());
    DP_RETURN_IF_ERROR(
        CheckKeys(n, "product", {"name", "domain", "owner", "description", "tags", "freshness"}));
    ContractProduct& p = spec_->product;
    DP_ASSIGN_OR_RETURN(p.name, Name(n, "name", "product"));
    DP_ASSIGN_OR_RETURN(const YamlNode* owner, Required(n, "owner", "product"));
    DP_ASSIGN_OR_RETURN(p.owner, Text(*owner, "owner"));
    DP_ASSIGN_OR_RETURN(p.domain, OptionalText(n, "domain"));
    DP_ASSIGN_OR_RETURN(p.description, OptionalText(n, "description"));
    DP_ASSIGN_OR_RETURN(p.tags, OptionalTextList(n, "tags"));
    if (const YamlNode* f = n.Find("freshness"); f != nullptr && !f->is_null()) {
      DP_ASSIGN_OR_RETURN(std::string text, Text(*f, "freshness"));
      std::string why;
      if (!ParseDuration(text, &p.freshness_seconds, &why)) return Err(*f, "freshness " + QuotedText(text) + ": " + why);
    }
    return Status::OK();
  }

  Status ParseDataset(const YamlNode& n) {
    DP_RETURN_IF_ERROR(Mapping(n, "dataset").status());
    DP_RETURN_IF_ERROR(CheckKeys(n, "dataset", {"name", "kind", "event_time", "description", "key"}));
    ContractDataset& d = spec_->dataset;
    DP_ASSIGN_OR_RETURN(d.name, Name(n, "name", "dataset"));
    DP_ASSIGN_OR_RETURN(const YamlNode* kind, Required(n, "kind", "dataset"));
    DP_ASSIGN_OR_RETURN(d.kind, Text(*kind, "kind"));
    if (d.kind != "events" && d.kind != "snapshots") {
      return Err(*kind, "dataset kind " + QuotedText(d.kind) + " is not one of events, snapshots");
    }
    DP_ASSIGN_OR_RETURN(d.description, OptionalText(n, "description"));
    const YamlNode* et = n.Find("event_time");
    if (d.kind == "snapshots") {
      if (et != nullptr && !et->is_null()) {
        return Err(*et, "event_time applies to events datasets only (this dataset is snapshots)");
      }
    } else {
      DP_ASSIGN_OR_RETURN(et, Required(n, "event_time", "an events dataset"));
      DP_ASSIGN_OR_RETURN(d.event_time, Text(*et, "event_time"));
      const int idx = spec_->schema.FieldIndex(d.event_time);
      if (idx < 0) return Err(*et, "event_time column " + QuotedText(d.event_time) + " is not among the fields");
      const Field& f = spec_->schema.field(static_cast<size_t>(idx));
      if (f.type.id != TypeId::kTimestamp && f.type.id != TypeId::kDate32) {
        return Err(*et, "event_time column " + QuotedText(d.event_time) + " has type " + f.type.ToString() +
                            "; it must be a timestamp or date32");
      }
      if (f.nullable) {
        return Err(*et, "event_time column " + QuotedText(d.event_time) +
                            " must be declared nullable: false (every event has a time)");
      }
    }
    if (const YamlNode* key = n.Find("key"); key != nullptr && !key->is_null()) {
      DP_ASSIGN_OR_RETURN(d.key, TextList(*key, "key"));
      if (d.key.empty()) return Err(*key, "key must name at least one column");
      spec_->key_line = key->mark.line;
      for (size_t i = 0; i < d.key.size(); ++i) {
        const int idx = spec_->schema.FieldIndex(d.key[i]);
        if (idx < 0) return Err(key->items[i], "key column " + QuotedText(d.key[i]) + " is not among the fields");
        for (size_t k : spec_->key_columns) {
          if (k == static_cast<size_t>(idx)) return Err(key->items[i], "key column " + QuotedText(d.key[i]) + " is listed twice");
        }
        if (spec_->schema.field(static_cast<size_t>(idx)).type.is_float()) {
          return Err(key->items[i], "key column " + QuotedText(d.key[i]) + " is a float; keys must be exact types");
        }
        spec_->key_columns.push_back(static_cast<size_t>(idx));
      }
    }
    return Status::OK();
  }

  Status ParseFields(const YamlNode& n) {
    if (!n.is_sequence()) {
      return Err(n, "fields must be a list of fields (each starting with '- name: ...'), not " +
                        std::string(n.KindName()));
    }
    if (n.items.empty()) return Err(n, "fields is empty; a contract declares at least one field");
    if (n.items.size() > Schema::kMaxFields) return Err(n, "too many fields");
    std::vector<Field> fields;
    std::unordered_map<std::string, uint32_t> name_line;
    std::unordered_map<uint32_t, std::pair<std::string, uint32_t>> id_owner;
    for (size_t i = 0; i < n.items.size(); ++i) {
      const YamlNode& f = n.items[i];
      Field field;
      FieldRules rules;
      FieldSpec fs;
      DP_RETURN_IF_ERROR(ParseField(f, i, &field, &rules, &fs));
      if (auto [it, inserted] = name_line.emplace(field.name, f.mark.line); !inserted) {
        return Err(*f.Find("name"),
                   "field " + QuotedText(field.name) + " is declared twice (first at line " + std::to_string(it->second) + ")");
      }
      if (auto [it, inserted] = id_owner.emplace(field.field_id, std::make_pair(field.name, f.mark.line)); !inserted) {
        const YamlNode* id = f.Find("id");
        return Err(id != nullptr ? *id : f,
                   "field id " + std::to_string(field.field_id) + " of " + QuotedText(field.name) +
                       (id != nullptr ? "" : " (the default: position + 1)") + " is already used by " +
                       QuotedText(it->second.first) + " at line " + std::to_string(it->second.second) +
                       "; give the fields distinct ids");
      }
      fields.push_back(std::move(field));
      spec_->rules.push_back(std::move(rules));
      spec_->fields.push_back(std::move(fs));
    }
    auto schema = Schema::Make(std::move(fields));
    if (!schema.ok()) return Status::InvalidArgument(std::string(source_) + ": " + schema.status().message());
    spec_->schema = std::move(schema).value();
    return Status::OK();
  }

  Status ParseField(const YamlNode& f, size_t position, Field* field, FieldRules* rules, FieldSpec* fs) {
    if (!f.is_mapping()) {
      return Err(f, "each field is a mapping such as {name: x, type: int64}, not " + std::string(f.KindName()));
    }
    DP_RETURN_IF_ERROR(CheckKeys(f, "a field",
                                 {"name", "type", "id", "doc", "nullable", "enum", "min", "max", "pattern",
                                  "max_length", "unique", "classification", "tags"}));
    DP_ASSIGN_OR_RETURN(const YamlNode* name, Required(f, "name", "a field"));
    DP_ASSIGN_OR_RETURN(field->name, Text(*name, "name", Schema::kMaxNameBytes));
    if (field->name.empty()) return Err(*name, "a field name is empty");
    const std::string where = "field " + QuotedText(field->name);
    rules->name = field->name;
    rules->line = f.mark.line;

    DP_ASSIGN_OR_RETURN(const YamlNode* type, Required(f, "type", where));
    DP_ASSIGN_OR_RETURN(std::string type_text, Text(*type, "type"));
    auto parsed = DataType::Parse(type_text);
    if (!parsed.ok()) return Err(*type, where + ": " + parsed.status().message());
    field->type = fs->type = *parsed;
    const DataType& t = field->type;

    field->field_id = static_cast<uint32_t>(position + 1);
    if (const YamlNode* id = f.Find("id"); id != nullptr && !id->is_null()) {
      uint64_t v;
      if (!id->is_scalar() || !ParseNumber(id->value, &v) || v == 0 || v > UINT32_MAX) {
        return Err(*id, where + ": id must be an integer in 1..4294967295");
      }
      field->field_id = static_cast<uint32_t>(v);
    }
    DP_ASSIGN_OR_RETURN(field->doc, OptionalText(f, "doc"));
    fs->nullable_line = f.mark.line;
    if (const YamlNode* v = f.Find("nullable"); v != nullptr && !v->is_null()) {
      DP_ASSIGN_OR_RETURN(field->nullable, Bool(*v, "nullable"));
      fs->nullable_line = v->mark.line;
    }
    fs->nullable = field->nullable;

    if (const YamlNode* v = f.Find("enum"); v != nullptr && !v->is_null()) {
      DP_RETURN_IF_ERROR(ParseEnum(*v, where, rules, fs));
    }
    for (const bool is_min : {true, false}) {
      const YamlNode* v = f.Find(is_min ? "min" : "max");
      if (v == nullptr || v->is_null()) continue;
      DP_RETURN_IF_ERROR(ParseBound(*v, where, is_min, rules, fs));
    }
    if (fs->has_min && fs->has_max) {
      const bool inverted = t.is_float()              ? fs->dmin > fs->dmax
                            : t.is_signed_integer()   ? fs->imin > fs->imax
                                                      : fs->umin > fs->umax;
      if (inverted) return Err(*f.Find("max"), where + ": max is below min");
    }
    if (const YamlNode* v = f.Find("pattern"); v != nullptr && !v->is_null()) {
      if (t.id != TypeId::kString) return Err(*v, where + ": pattern applies to string fields only (type is " + t.ToString() + ")");
      DP_ASSIGN_OR_RETURN(rules->pattern, Text(*v, "pattern"));
      auto p = Pattern::Compile(rules->pattern);
      if (!p.ok()) return Err(*v, where + ": " + p.status().message());
      fs->pattern = std::move(p).value();
      fs->pattern_line = v->mark.line;
    }
    if (const YamlNode* v = f.Find("max_length"); v != nullptr && !v->is_null()) {
      if (t.id != TypeId::kString && t.id != TypeId::kBinary) {
        return Err(*v, where + ": max_length applies to string and binary fields only (type is " + t.ToString() + ")");
      }
      uint64_t len;
      if (!v->is_scalar() || !ParseNumber(v->value, &len)) return Err(*v, where + ": max_length must be a non-negative integer");
      rules->max_length = fs->max_length = len;
      fs->max_length_line = v->mark.line;
    }
    if (const YamlNode* v = f.Find("unique"); v != nullptr && !v->is_null()) {
      DP_ASSIGN_OR_RETURN(rules->unique, Bool(*v, "unique"));
      if (rules->unique && t.is_float()) return Err(*v, where + ": unique is not supported for float fields");
      if (rules->unique) fs->unique_line = v->mark.line;
    }
    if (const YamlNode* v = f.Find("classification"); v != nullptr && !v->is_null()) {
      DP_ASSIGN_OR_RETURN(std::string c, Text(*v, "classification"));
      bool found = false;
      for (uint8_t k = 0; k <= static_cast<uint8_t>(Classification::kSensitive); ++k) {
        if (ClassificationName(static_cast<Classification>(k)) == c) {
          rules->classification = static_cast<Classification>(k);
          found = true;
        }
      }
      if (!found) {
        return Err(*v, where + ": classification " + QuotedText(c) + " is not one of none, public, internal, pii, sensitive");
      }
    }
    DP_ASSIGN_OR_RETURN(rules->tags, OptionalTextList(f, "tags"));
    return Status::OK();
  }

  Status ParseEnum(const YamlNode& v, const std::string& where, FieldRules* rules, FieldSpec* fs) {
    const DataType& t = fs->type;
    if (t.id != TypeId::kString && !IsIntegerEnumType(t)) {
      return Err(v, where + ": enum applies to string and integer fields only (type is " + t.ToString() + ")");
    }
    DP_ASSIGN_OR_RETURN(rules->enum_values, TextList(v, "enum"));
    if (rules->enum_values.empty()) return Err(v, where + ": enum is empty");
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < rules->enum_values.size(); ++i) {
      const std::string& s = rules->enum_values[i];
      if (!seen.insert(s).second) return Err(v.items[i], where + ": enum value " + QuotedText(s) + " is listed twice");
      if (t.id == TypeId::kString) {
        fs->enum_strings.push_back(s);
        continue;
      }
      const IntRange r = RangeOf(t);
      if (t.is_signed_integer()) {
        int64_t x;
        if (!ParseNumber(s, &x) || x < r.lo || x > r.hi) {
          return Err(v.items[i], where + ": enum value " + QuotedText(s) + " is not a " + t.ToString() + " integer");
        }
        fs->enum_signed.push_back(x);
      } else {
        uint64_t x;
        if (!ParseNumber(s, &x) || x > r.uhi) {
          return Err(v.items[i], where + ": enum value " + QuotedText(s) + " is not a " + t.ToString() + " integer");
        }
        fs->enum_unsigned.push_back(x);
      }
    }
    fs->enum_line = v.mark.line;
    return Status::OK();
  }

  Status ParseBound(const YamlNode& v, const std::string& where, bool is_min, FieldRules* rules, FieldSpec* fs) {
    const DataType& t = fs->type;
    const std::string key = is_min ? "min" : "max";
    if (!t.is_integer() && !t.is_float()) {
      return Err(v, where + ": " + key + " applies to numeric, timestamp and date32 fields only (type is " +
                        t.ToString() + ")");
    }
    if (!v.is_scalar()) return Err(v, where + ": " + key + " must be a single value");
    const std::string& s = v.value;
    Value value;
    if (t.is_float()) {
      double d;
      if (!ParseNumber(s, &d) || std::isnan(d)) return Err(v, where + ": " + key + " " + QuotedText(s) + " is not a number");
      (is_min ? fs->dmin : fs->dmax) = d;
      value = Value::Double(d);
    } else if (t.is_signed_integer()) {
      int64_t x;
      const IntRange r = RangeOf(t);
      if (ParseNumber(s, &x)) {
        if (x < r.lo || x > r.hi) return Err(v, where + ": " + key + " " + s + " does not fit " + t.ToString());
      } else if (t.id == TypeId::kTimestamp) {
        auto ts = ParseTimestamp(s, t.unit);
        if (!ts.ok()) {
          return Err(v, where + ": " + key + " is neither an integer nor an RFC 3339 time: " + ts.status().message());
        }
        x = *ts;
      } else if (t.id == TypeId::kDate32) {
        auto day = ParseDate32(s);
        if (!day.ok()) {
          return Err(v, where + ": " + key + " is neither an integer nor a date: " + day.status().message());
        }
        x = *day;
      } else {
        return Err(v, where + ": " + key + " " + QuotedText(s) + " is not an integer");
      }
      (is_min ? fs->imin : fs->imax) = x;
      value = Value::Int(x);
    } else {
      uint64_t x;
      if (!ParseNumber(s, &x) || x > RangeOf(t).uhi) {
        return Err(v, where + ": " + key + " " + QuotedText(s) + " is not a " + t.ToString() + " integer");
      }
      (is_min ? fs->umin : fs->umax) = x;
      value = Value::UInt(x);
    }
    (is_min ? fs->has_min : fs->has_max) = true;
    (is_min ? fs->min_line : fs->max_line) = v.mark.line;
    (is_min ? rules->min : rules->max) = std::move(value);
    return Status::OK();
  }

  std::string_view source_;
  ContractSpec* spec_;
};

}  // namespace

bool ParseDuration(std::string_view text, int64_t* seconds, std::string* why) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
    if (n > (uint64_t{1} << 40)) {
      *why = "too large";
      return false;
    }
    ++i;
  }
  if (i == 0 || i + 1 != text.size()) {
    *why = "expected a number and a unit, such as 30s, 15m, 1h, 1d or 2w";
    return false;
  }
  int64_t unit;
  switch (text[i]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: *why = "unknown unit '" + std::string(1, text[i]) + "' (use s, m, h, d or w)"; return false;
  }
  if (n == 0) {
    *why = "must be greater than zero";
    return false;
  }
  *seconds = static_cast<int64_t>(n) * unit;
  return true;
}

Result<std::shared_ptr<const ContractSpec>> ParseContract(std::string_view text, std::string source) {
  auto spec = std::make_shared<ContractSpec>();
  spec->source = std::move(source);
  DP_ASSIGN_OR_RETURN(YamlNode root, ParseYaml(text, spec->source));
  ContractParser parser(spec->source, spec.get());
  DP_RETURN_IF_ERROR(parser.Run(root));
  spec->text = std::string(text);
  spec->checksum = format::Checksum(text.data(), text.size());
  return std::shared_ptr<const ContractSpec>(std::move(spec));
}

}  // namespace dp::storage

namespace dp {

std::string_view ClassificationName(Classification c) {
  switch (c) {
    case Classification::kNone: return "none";
    case Classification::kPublic: return "public";
    case Classification::kInternal: return "internal";
    case Classification::kPii: return "pii";
    case Classification::kSensitive: return "sensitive";
  }
  return "unknown";
}

}  // namespace dp
