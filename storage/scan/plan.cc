// Binding a ScanSpec to a schema, predicate compilation (NOT pushed down to
// the leaves, literals type-checked and turned into ranges of the column's
// domain) and zone-map pruning.
#include "storage/scan/plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

// Names of the public scan enums (declared in dp/scan.h); defined here so
// the storage layer does not depend on the api library.
namespace dp {

std::string_view AggregateKindName(AggregateKind k) {
  switch (k) {
    case AggregateKind::kCount: return "count";
    case AggregateKind::kCountValid: return "count";
    case AggregateKind::kSum: return "sum";
    case AggregateKind::kMin: return "min";
    case AggregateKind::kMax: return "max";
    case AggregateKind::kAvg: return "avg";
    case AggregateKind::kApproxDistinct: return "approx_distinct";
    case AggregateKind::kDistinct: return "distinct";
  }
  return "?";
}

std::string_view TimeBucketName(TimeBucket b) {
  switch (b) {
    case TimeBucket::kNone: return "";
    case TimeBucket::kMinute: return "minute";
    case TimeBucket::kHour: return "hour";
    case TimeBucket::kDay: return "day";
    case TimeBucket::kWeek: return "week";
    case TimeBucket::kMonth: return "month";
  }
  return "";
}

Result<TimeBucket> ParseTimeBucket(std::string_view name) {
  for (TimeBucket b : {TimeBucket::kMinute, TimeBucket::kHour, TimeBucket::kDay, TimeBucket::kWeek,
                       TimeBucket::kMonth}) {
    if (name == TimeBucketName(b)) return b;
  }
  return Status::InvalidArgument("unknown time bucket '" + std::string(name) +
                                 "' (expected minute, hour, day, week or month)");
}

}  // namespace dp

namespace dp::internal::scan {

namespace {

using K = Predicate::Kind;

std::string LiteralText(const Value& v) {
  if (v.is_bytes()) return "'" + v.as_bytes() + "'";
  if (v.is_int()) return std::to_string(v.as_int()) + " (int)";
  if (v.is_uint()) return std::to_string(v.as_uint()) + " (uint)";
  if (v.is_double()) return v.ToString(DataType::Float64()) + " (double)";
  if (v.is_bool()) return v.as_bool() ? "true (bool)" : "false (bool)";
  return "null";
}

class Compiler {
 public:
  Compiler(const Schema& schema, Plan* plan) : schema_(schema), plan_(plan) {}

  Result<Node> Compile(const Predicate& p, bool negated) {
    switch (p.kind()) {
      case K::kTrue: return Node{negated ? Node::Kind::kFalse : Node::Kind::kTrue};
      case K::kNot:
        if (p.children().size() != 1) return Status::InvalidArgument("scan predicate: NOT needs one operand");
        return Compile(p.children()[0], !negated);
      case K::kAnd:
      case K::kOr: {
        // De Morgan: NOT (a AND b) = NOT a OR NOT b.
        const bool is_and = (p.kind() == K::kAnd) != negated;
        Node n{is_and ? Node::Kind::kAnd : Node::Kind::kOr};
        for (const Predicate& c : p.children()) {
          DP_ASSIGN_OR_RETURN(Node child, Compile(c, negated));
          const bool neutral = child.kind == (is_and ? Node::Kind::kTrue : Node::Kind::kFalse);
          const bool absorbing = child.kind == (is_and ? Node::Kind::kFalse : Node::Kind::kTrue);
          if (absorbing) return Node{child.kind};
          if (!neutral) n.children.push_back(std::move(child));
        }
        if (n.children.empty()) return Node{is_and ? Node::Kind::kTrue : Node::Kind::kFalse};
        if (n.children.size() == 1) return std::move(n.children[0]);
        return n;
      }
      default: break;
    }
    DP_ASSIGN_OR_RETURN(Leaf leaf, CompileLeaf(p));
    leaf.negate = leaf.negate != negated;
    return AddLeaf(std::move(leaf));
  }

  Node AddLeaf(Leaf leaf) {
    if (std::find(plan_->filter_fields.begin(), plan_->filter_fields.end(), leaf.field) == plan_->filter_fields.end()) {
      plan_->filter_fields.push_back(leaf.field);
    }
    plan_->leaves.push_back(std::move(leaf));
    return Node{Node::Kind::kLeaf, int(plan_->leaves.size() - 1), {}};
  }

  // The range leaf lo <= x <= hi over an integer-like column (time range).
  Leaf IntRange(int field, Int128 lo, Int128 hi) {
    Leaf leaf;
    leaf.field = field;
    leaf.domain = DomainOf(schema_.field(field).type);
    SetIntRange(&leaf, lo, hi);
    return leaf;
  }

 private:
  Status BadLiteral(const Field& f, const Value& v, std::string_view why) {
    return Status::InvalidArgument("scan predicate on column '" + f.name + "' (" + f.type.ToString() +
                                   "): literal " + LiteralText(v) + " " + std::string(why));
  }

  void SetIntRange(Leaf* leaf, Int128 lo, Int128 hi) {
    Int128 tlo, thi;
    IntLimits(format::PhysicalTypeOf(schema_.field(leaf->field).type.id), &tlo, &thi);
    lo = std::max(lo, tlo);
    hi = std::min(hi, thi);
    if (lo > hi) {
      leaf->op = Leaf::Op::kNone;
      return;
    }
    leaf->op = Leaf::Op::kRange;
    leaf->ilo = int64_t(lo);
    leaf->ihi = int64_t(hi);
    leaf->ulo = uint64_t(lo);
    leaf->uhi = uint64_t(hi);
  }

  // Integer literal as a 128-bit number; error for other kinds.
  Result<Int128> IntLiteral(const Field& f, const Value& v) {
    if (v.is_int()) return Int128(v.as_int());
    if (v.is_uint()) return Int128(v.as_uint());
    if (v.is_bool() && f.type.id == TypeId::kBool) return Int128(v.as_bool());
    return BadLiteral(f, v, f.type.id == TypeId::kBool ? "is not a bool" : "is not an integer");
  }
  Result<double> FloatLiteral(const Field& f, const Value& v) {
    if (v.is_double()) return v.as_double();
    if (v.is_int()) return double(v.as_int());
    if (v.is_uint()) return double(v.as_uint());
    return BadLiteral(f, v, "is not a number");
  }
  Result<std::string> BytesLiteral(const Field& f, const Value& v) {
    if (v.is_bytes()) return v.as_bytes();
    return BadLiteral(f, v, "is not a string");
  }

  Result<Leaf> CompileLeaf(const Predicate& p) {
    DP_ASSIGN_OR_RETURN(int field, ResolveField(schema_, p.column(), "predicate"));
    const Field& f = schema_.field(field);
    Leaf leaf;
    leaf.field = field;
    leaf.domain = DomainOf(f.type);
    const auto& vals = p.values();
    const size_t want = p.kind() == K::kBetween ? 2 : (p.kind() == K::kIn || p.kind() == K::kIsNull ||
                                                        p.kind() == K::kIsNotNull) ? vals.size() : 1;
    if (vals.size() != want) {
      return Status::InvalidArgument("scan predicate on column '" + f.name + "': " + std::to_string(vals.size()) +
                                     " literals given, " + std::to_string(want) + " expected");
    }
    for (const Value& v : vals) {
      if (v.is_null()) {
        return Status::InvalidArgument("scan predicate on column '" + f.name +
                                       "': null literal (comparisons with null are never true; use IsNull)");
      }
    }
    if (p.kind() == K::kIsNull || p.kind() == K::kIsNotNull) {
      leaf.op = Leaf::Op::kIsNull;
      leaf.negate = p.kind() == K::kIsNotNull;
      return leaf;
    }
    if (p.kind() == K::kStartsWith) {
      if (leaf.domain != Domain::kBytes) return BadLiteral(f, vals[0], "cannot be a prefix of a non-string column");
      DP_ASSIGN_OR_RETURN(leaf.prefix, BytesLiteral(f, vals[0]));
      leaf.op = Leaf::Op::kPrefix;
      return leaf;
    }
    if (p.kind() == K::kIn) return CompileIn(f, std::move(leaf), vals);
    K kind = p.kind();
    if (kind == K::kNe) {
      kind = K::kEq;
      leaf.negate = true;
    }
    switch (leaf.domain) {
      case Domain::kSigned:
      case Domain::kUnsigned:
      case Domain::kBool: {
        DP_ASSIGN_OR_RETURN(Int128 a, IntLiteral(f, vals[0]));
        Int128 lo = std::numeric_limits<int64_t>::min(), hi = Int128(std::numeric_limits<uint64_t>::max());
        lo -= 1;  // below every value of every type
        switch (kind) {
          case K::kEq: lo = hi = a; break;
          case K::kLt: hi = a - 1; break;
          case K::kLe: hi = a; break;
          case K::kGt: lo = a + 1; break;
          case K::kGe: lo = a; break;
          case K::kBetween: {
            DP_ASSIGN_OR_RETURN(Int128 b, IntLiteral(f, vals[1]));
            lo = a;
            hi = b;
            break;
          }
          default: return Status::Internal("scan: unexpected predicate kind");
        }
        SetIntRange(&leaf, lo, hi);
        return leaf;
      }
      case Domain::kFloat: {
        DP_ASSIGN_OR_RETURN(double a, FloatLiteral(f, vals[0]));
        constexpr double kInf = std::numeric_limits<double>::infinity();
        double lo = -kInf, hi = kInf;
        bool none = std::isnan(a);
        switch (kind) {
          case K::kEq: lo = hi = a; break;
          case K::kLt: hi = std::nextafter(a, -kInf); none |= a == -kInf; break;
          case K::kLe: hi = a; break;
          case K::kGt: lo = std::nextafter(a, kInf); none |= a == kInf; break;
          case K::kGe: lo = a; break;
          case K::kBetween: {
            DP_ASSIGN_OR_RETURN(double b, FloatLiteral(f, vals[1]));
            lo = a;
            hi = b;
            none |= std::isnan(b) || a > b;
            break;
          }
          default: return Status::Internal("scan: unexpected predicate kind");
        }
        leaf.op = none ? Leaf::Op::kNone : Leaf::Op::kRange;
        leaf.flo = lo;
        leaf.fhi = hi;
        return leaf;
      }
      case Domain::kBytes: {
        DP_ASSIGN_OR_RETURN(std::string a, BytesLiteral(f, vals[0]));
        leaf.op = Leaf::Op::kRange;
        switch (kind) {
          case K::kEq: leaf.slo = leaf.shi = a; leaf.has_slo = leaf.has_shi = true; break;
          case K::kLt: leaf.shi = a; leaf.has_shi = true; leaf.shi_open = true; break;
          case K::kLe: leaf.shi = a; leaf.has_shi = true; break;
          case K::kGt: leaf.slo = a; leaf.has_slo = true; leaf.slo_open = true; break;
          case K::kGe: leaf.slo = a; leaf.has_slo = true; break;
          case K::kBetween: {
            DP_ASSIGN_OR_RETURN(leaf.shi, BytesLiteral(f, vals[1]));
            leaf.slo = a;
            leaf.has_slo = leaf.has_shi = true;
            if (leaf.slo > leaf.shi) leaf.op = Leaf::Op::kNone;
            break;
          }
          default: return Status::Internal("scan: unexpected predicate kind");
        }
        return leaf;
      }
    }
    return Status::Internal("scan: unexpected domain");
  }

  Result<Leaf> CompileIn(const Field& f, Leaf leaf, const std::vector<Value>& vals) {
    leaf.op = Leaf::Op::kIn;
    Int128 tlo, thi;
    IntLimits(format::PhysicalTypeOf(f.type.id), &tlo, &thi);
    for (const Value& v : vals) {
      switch (leaf.domain) {
        case Domain::kSigned:
        case Domain::kUnsigned:
        case Domain::kBool: {
          DP_ASSIGN_OR_RETURN(Int128 a, IntLiteral(f, v));
          if (a >= tlo && a <= thi) leaf.iset.push_back(int64_t(uint64_t(a)));
          break;
        }
        case Domain::kFloat: {
          DP_ASSIGN_OR_RETURN(double a, FloatLiteral(f, v));
          if (!std::isnan(a)) leaf.fset.push_back(a);
          break;
        }
        case Domain::kBytes: {
          DP_ASSIGN_OR_RETURN(std::string a, BytesLiteral(f, v));
          leaf.sset.insert(std::move(a));
          break;
        }
      }
    }
    std::sort(leaf.iset.begin(), leaf.iset.end());
    std::sort(leaf.fset.begin(), leaf.fset.end());
    if (leaf.iset.empty() && leaf.fset.empty() && leaf.sset.empty()) leaf.op = Leaf::Op::kNone;
    return leaf;
  }

  const Schema& schema_;
  Plan* plan_;
};

// ---- zone maps ----

// Whether some value in [z.min, z.max] may pass (want = true) or fail
// (want = false) the leaf's test.
bool SomeMay(const Leaf& leaf, const Zone& z, bool want) {
  const Value& mn = *z.min;
  const Value& mx = *z.max;
  switch (leaf.op) {
    case Leaf::Op::kNone: return !want;
    case Leaf::Op::kIsNull: return true;  // handled by the caller
    case Leaf::Op::kIn: {
      if (!want) return !(CompareValues(mn, mx) == 0 && leaf.TestValue(mn) && !z.has_nan);
      if (leaf.domain == Domain::kBytes) {
        for (const std::string& s : leaf.sset) {
          const Value v = Value::Bytes(s);
          if (CompareValues(v, mn) >= 0 && CompareValues(v, mx) <= 0) return true;
        }
        return false;
      }
      if (leaf.domain == Domain::kFloat) {
        for (double d : leaf.fset) {
          if (CompareValues(Value::Double(d), mn) >= 0 && CompareValues(Value::Double(d), mx) <= 0) return true;
        }
        return false;
      }
      for (int64_t i : leaf.iset) {
        const Value v = leaf.domain == Domain::kSigned ? Value::Int(i) : Value::UInt(uint64_t(i));
        if (CompareValues(v, mn) >= 0 && CompareValues(v, mx) <= 0) return true;
      }
      return false;
    }
    case Leaf::Op::kPrefix: {
      if (!want) return true;
      const Value p = Value::Bytes(leaf.prefix);
      if (CompareValues(mx, p) < 0) return false;
      // Strings with the prefix are below the prefix with its last non-0xFF byte incremented.
      std::string up = leaf.prefix;
      while (!up.empty() && uint8_t(up.back()) == 0xFF) up.pop_back();
      if (up.empty()) return true;
      up.back() = char(uint8_t(up.back()) + 1);
      return CompareValues(mn, Value::Bytes(up)) < 0;
    }
    case Leaf::Op::kRange: break;
  }
  // Range bounds as Values of the domain.
  std::optional<Value> lo, hi;
  bool lo_open = false, hi_open = false;
  switch (leaf.domain) {
    case Domain::kSigned: lo = Value::Int(leaf.ilo); hi = Value::Int(leaf.ihi); break;
    case Domain::kUnsigned:
    case Domain::kBool: lo = Value::UInt(leaf.ulo); hi = Value::UInt(leaf.uhi); break;
    case Domain::kFloat: lo = Value::Double(leaf.flo); hi = Value::Double(leaf.fhi); break;
    case Domain::kBytes:
      if (leaf.has_slo) lo = Value::Bytes(leaf.slo);
      if (leaf.has_shi) hi = Value::Bytes(leaf.shi);
      lo_open = leaf.slo_open;
      hi_open = leaf.shi_open;
      break;
  }
  auto above_lo = [&](const Value& v) { return !lo || (lo_open ? CompareValues(v, *lo) > 0 : CompareValues(v, *lo) >= 0); };
  auto below_hi = [&](const Value& v) { return !hi || (hi_open ? CompareValues(v, *hi) < 0 : CompareValues(v, *hi) <= 0); };
  if (want) {
    // [mn, mx] intersects the range.
    if (hi && (hi_open ? CompareValues(mn, *hi) >= 0 : CompareValues(mn, *hi) > 0)) return false;
    if (lo && (lo_open ? CompareValues(mx, *lo) <= 0 : CompareValues(mx, *lo) < 0)) return false;
    return true;
  }
  // Some value outside the range: unless [mn, mx] is inside it.
  if (z.has_nan) return true;
  return !(above_lo(mn) && below_hi(mx));
}

bool LeafMayMatch(const Leaf& leaf, const Zone* z) {
  if (z == nullptr || !z->known) return true;
  const uint64_t valid = z->num_values - std::min(z->num_values, z->null_count);
  if (leaf.op == Leaf::Op::kIsNull) return leaf.negate ? valid > 0 : z->null_count > 0;
  if (valid == 0) return false;
  if (!z->min || !z->max) return true;
  return SomeMay(leaf, *z, !leaf.negate);
}

// A predicate node's answer from its leaves' answers: AND of all children,
// OR of any (MayMatch and MustMatch both combine leaves this way).
template <typename LeafFn>
bool NodeHolds(const Plan& plan, const Node& n, const std::vector<const Zone*>& zones, LeafFn leaf_fn) {
  switch (n.kind) {
    case Node::Kind::kTrue: return true;
    case Node::Kind::kFalse: return false;
    case Node::Kind::kLeaf: {
      const Leaf& leaf = plan.leaves[n.leaf];
      return leaf_fn(leaf, size_t(leaf.field) < zones.size() ? zones[leaf.field] : nullptr);
    }
    case Node::Kind::kAnd:
      for (const Node& c : n.children) {
        if (!NodeHolds(plan, c, zones, leaf_fn)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const Node& c : n.children) {
        if (NodeHolds(plan, c, zones, leaf_fn)) return true;
      }
      return false;
  }
  return true;
}

// Every row passes the leaf: min/max are bounds (spec/format.md
// §"Statistics"), so "no value may fail" is decided on them alone.
bool LeafMustMatch(const Leaf& leaf, const Zone* z) {
  if (z == nullptr || !z->known || z->num_values == 0) return false;
  if (leaf.op == Leaf::Op::kIsNull) return leaf.negate ? z->null_count == 0 : z->null_count == z->num_values;
  if (z->null_count > 0 || !z->min || !z->max) return false;
  // Truth is negate XOR test: all pass iff no value may give the other answer.
  return !SomeMay(leaf, *z, /*want=*/leaf.negate);
}

int Sign(long double d) { return d < 0 ? -1 : d > 0 ? 1 : 0; }

}  // namespace

void IntLimits(format::PhysicalType t, Int128* lo, Int128* hi) {
  using format::PhysicalType;
  switch (t) {
    case PhysicalType::kI8: *lo = INT8_MIN; *hi = INT8_MAX; return;
    case PhysicalType::kI16: *lo = INT16_MIN; *hi = INT16_MAX; return;
    case PhysicalType::kI32: *lo = INT32_MIN; *hi = INT32_MAX; return;
    case PhysicalType::kU8: *lo = 0; *hi = UINT8_MAX; return;
    case PhysicalType::kU16: *lo = 0; *hi = UINT16_MAX; return;
    case PhysicalType::kU32: *lo = 0; *hi = UINT32_MAX; return;
    case PhysicalType::kU64: *lo = 0; *hi = UINT64_MAX; return;
    case PhysicalType::kBool: *lo = 0; *hi = 1; return;
    default: *lo = INT64_MIN; *hi = INT64_MAX; return;
  }
}

Domain DomainOf(const DataType& t) {
  if (t.id == TypeId::kBool) return Domain::kBool;
  if (t.is_float()) return Domain::kFloat;
  if (t.is_binary_like()) return Domain::kBytes;
  return t.is_signed_integer() ? Domain::kSigned : Domain::kUnsigned;
}

bool Leaf::TestSigned(int64_t v) const {
  if (op == Op::kRange) return v >= ilo && v <= ihi;
  if (op == Op::kIn) return std::binary_search(iset.begin(), iset.end(), v);
  return false;
}
bool Leaf::TestUnsigned(uint64_t v) const {
  if (op == Op::kRange) return v >= ulo && v <= uhi;
  if (op == Op::kIn) return std::binary_search(iset.begin(), iset.end(), int64_t(v));
  return false;
}
bool Leaf::TestFloat(double v) const {
  if (op == Op::kRange) return v >= flo && v <= fhi;
  if (op == Op::kIn) return !std::isnan(v) && std::binary_search(fset.begin(), fset.end(), v);
  return false;
}
bool Leaf::TestBytes(std::string_view v) const {
  switch (op) {
    case Op::kRange: {
      if (has_slo) {
        const int c = v.compare(slo);
        if (slo_open ? c <= 0 : c < 0) return false;
      }
      if (has_shi) {
        const int c = v.compare(shi);
        if (shi_open ? c >= 0 : c > 0) return false;
      }
      return true;
    }
    case Op::kIn: return sset.count(std::string(v)) > 0;
    case Op::kPrefix: return v.substr(0, prefix.size()) == prefix;
    default: return false;
  }
}
bool Leaf::TestValue(const Value& v) const {
  if (v.is_bytes()) return TestBytes(v.as_bytes());
  if (v.is_double()) return TestFloat(v.as_double());
  if (v.is_bool()) return TestUnsigned(v.as_bool());
  if (domain == Domain::kSigned) return v.is_int() ? TestSigned(v.as_int()) : TestSigned(int64_t(v.as_uint()));
  return v.is_uint() ? TestUnsigned(v.as_uint()) : TestUnsigned(uint64_t(v.as_int()));
}

int CompareValues(const Value& a, const Value& b) {
  if (a.is_bytes() || b.is_bytes()) {
    if (!a.is_bytes() || !b.is_bytes()) return a.is_bytes() ? 1 : -1;
    const int c = a.as_bytes().compare(b.as_bytes());
    return c < 0 ? -1 : c > 0;
  }
  auto as_int = [](const Value& v, Int128* out) {
    if (v.is_int()) *out = v.as_int();
    else if (v.is_uint()) *out = v.as_uint();
    else if (v.is_bool()) *out = v.as_bool();
    else return false;
    return true;
  };
  Int128 x, y;
  if (as_int(a, &x) && as_int(b, &y)) return x < y ? -1 : x > y;
  auto as_ld = [](const Value& v) -> long double {
    if (v.is_double()) return v.as_double();
    if (v.is_int()) return v.as_int();
    if (v.is_uint()) return v.as_uint();
    if (v.is_bool()) return v.as_bool();
    return 0;
  };
  return Sign(as_ld(a) - as_ld(b));
}

Result<int> ResolveField(const Schema& schema, std::string_view name, std::string_view what) {
  const int f = schema.FieldIndex(name);
  if (f >= 0) return f;
  std::string names;
  for (size_t i = 0; i < schema.num_fields() && i < 32; ++i) names += (i ? ", " : "") + schema.field(i).name;
  return Status::InvalidArgument("scan " + std::string(what) + ": no column named '" + std::string(name) +
                                 "' (columns: " + names + ")");
}

void AddNeeded(Plan* plan, int field) {
  if (std::find(plan->needed.begin(), plan->needed.end(), field) == plan->needed.end()) plan->needed.push_back(field);
}

bool Plan::MayMatch(const std::vector<const Zone*>& zones) const { return NodeHolds(*this, root, zones, LeafMayMatch); }
bool Plan::MustMatch(const std::vector<const Zone*>& zones) const {
  return NodeHolds(*this, root, zones, LeafMustMatch);
}
void Plan::KnownLeaves(const std::vector<const Zone*>& zones, uint64_t* pass, uint64_t* fail) const {
  *pass = *fail = 0;
  for (size_t i = 0; i < std::min<size_t>(leaves.size(), 64); ++i) {
    const Leaf& leaf = leaves[i];
    const Zone* z = size_t(leaf.field) < zones.size() ? zones[leaf.field] : nullptr;
    if (LeafMustMatch(leaf, z)) *pass |= uint64_t{1} << i;
    else if (!LeafMayMatch(leaf, z)) *fail |= uint64_t{1} << i;
  }
}

Result<Plan> MakePlan(const Schema& schema, const ScanSpec& spec, const std::vector<std::string>& projection) {
  Plan plan;
  plan.schema = schema;
  if (spec.shard.count == 0 || spec.shard.index >= spec.shard.count) {
    return Status::InvalidArgument("scan: shard " + std::to_string(spec.shard.index) + " of " +
                                   std::to_string(spec.shard.count) +
                                   " does not exist (shards are numbered 0 .. count - 1, count >= 1)");
  }
  plan.shard = spec.shard;
  for (const std::string& name : projection) {
    DP_ASSIGN_OR_RETURN(int f, ResolveField(schema, name, "projection"));
    plan.projection.push_back(f);
  }
  Compiler compiler(schema, &plan);
  DP_ASSIGN_OR_RETURN(Node root, compiler.Compile(spec.predicate, false));
  if (spec.time_range) {
    const TimeRange& tr = *spec.time_range;
    DP_ASSIGN_OR_RETURN(int f, ResolveField(schema, tr.column, "time range"));
    const DataType& t = schema.field(f).type;
    if (!t.is_signed_integer()) {
      return Status::InvalidArgument("scan time range: column '" + tr.column + "' is " + t.ToString() +
                                     ", not a timestamp, date32 or signed integer");
    }
    if (tr.from || tr.to) {
      const Int128 lo = tr.from ? Int128(*tr.from) : Int128(INT64_MIN);
      const Int128 hi = tr.to ? Int128(*tr.to) - 1 : Int128(INT64_MAX);
      Node range = compiler.AddLeaf(compiler.IntRange(f, lo, hi));
      if (root.kind == Node::Kind::kTrue) {
        root = std::move(range);
      } else if (root.kind != Node::Kind::kFalse) {
        Node both{Node::Kind::kAnd};
        both.children.push_back(std::move(range));  // the time range first: the cheapest to prune
        both.children.push_back(std::move(root));
        root = std::move(both);
      }
    }
  }
  plan.root = std::move(root);
  for (int f : plan.filter_fields) AddNeeded(&plan, f);
  for (int f : plan.projection) AddNeeded(&plan, f);
  return plan;
}

namespace {

// Whether a segment column of type `s` reads as target type `t` (same or widened).
bool Widens(const DataType& s, const DataType& t) {
  const int sw = s.byte_width(), tw = t.byte_width();
  if (s.id == TypeId::kFloat32 && t.id == TypeId::kFloat64) return true;
  auto plain_int = [](const DataType& d) {
    return d.is_integer() && d.id != TypeId::kTimestamp && d.id != TypeId::kDate32;
  };
  if (!plain_int(s) || !plain_int(t) || sw >= tw) return false;
  return !s.is_signed_integer() || t.is_signed_integer();  // signed never widens to unsigned
}

}  // namespace

Result<std::vector<Binding>> BindSegment(const Plan& plan, const Segment::Rep& rep) {
  std::unordered_map<uint32_t, int> by_id;
  for (int c = 0; c < rep.num_columns(); ++c) by_id.emplace(rep.FieldId(c), c);
  std::vector<Binding> out(plan.schema.num_fields());
  for (int f : plan.needed) {
    const Field& field = plan.schema.field(f);
    auto it = by_id.find(field.field_id);
    if (it == by_id.end()) continue;  // missing: all null
    Binding& b = out[f];
    b.column = it->second;
    b.seg_type = rep.FieldType(b.column);
    if (b.seg_type == field.type) continue;
    if (!Widens(b.seg_type, field.type)) {
      return Status::InvalidArgument(rep.Where(b.column) + " (field id " + std::to_string(field.field_id) +
                                     ") is " + b.seg_type.ToString() + ", which cannot be read as " +
                                     field.type.ToString() + " (target column '" + field.name + "')");
    }
    b.widen = true;
  }
  return out;
}

Zone ZoneOf(const ColumnStats& s) {
  Zone z;
  z.known = true;
  z.num_values = s.num_values;
  z.null_count = s.null_count;
  z.min = s.min;
  z.max = s.max;
  z.has_nan = s.has_nan;
  return z;
}

Zone ZoneOfSummary(const PartSummary::FieldRange& r, std::optional<uint64_t> rows) {
  Zone z;
  z.known = rows.has_value() && r.null_count.has_value();
  z.num_values = rows.value_or(0);
  z.null_count = r.null_count.value_or(0);
  if (r.min && r.max && !r.min->is_null() && !r.max->is_null()) {
    z.known = true;
    if (!rows || !r.null_count) {
      // Without counts: some non-null value exists, nulls unknown.
      z.num_values = 2;
      z.null_count = 1;
    }
    z.min = r.min;
    z.max = r.max;
    z.has_nan = r.min->is_double() || r.max->is_double();  // NaN unknown: assume possible
  }
  return z;
}

}  // namespace dp::internal::scan
