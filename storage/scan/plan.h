// Scan plan: a ScanSpec bound to a target schema (columns resolved, literals
// type-checked, NOT pushed down to the leaves), per-segment column bindings
// by field id, and zone-map pruning of parts, row groups and pages.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "dp/scan.h"
#include "format/encoding.h"
#include "storage/segment_reader.h"

namespace dp::internal::scan {

// Exact integer arithmetic (sums, literal ranges); GCC/Clang, -Wpedantic-clean.
__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

// The range of an integer physical type (bool: 0..1); the int64 range for
// any other type.
void IntLimits(format::PhysicalType t, Int128* lo, Int128* hi);

// Values are compared in one of these domains (the target type's).
enum class Domain : uint8_t { kSigned, kUnsigned, kFloat, kBool, kBytes };
Domain DomainOf(const DataType& t);

// A leaf of the compiled predicate. Truth of a row: valid && (negate XOR
// test(value)), except kIsNull / kIsNotNull which look at validity only.
struct Leaf {
  enum class Op : uint8_t { kRange, kIn, kPrefix, kIsNull, kNone /* never true: NaN, empty In */ };
  Op op = Op::kRange;
  bool negate = false;
  int field = 0;  // target field index
  Domain domain = Domain::kSigned;
  // kRange: lo <= x <= hi in the domain (empty range: op kNone).
  int64_t ilo = 0, ihi = 0;
  uint64_t ulo = 0, uhi = 0;
  double flo = 0, fhi = 0;
  std::string slo, shi;  // bytes; has_slo/has_shi: bound present
  bool has_slo = false, has_shi = false;
  bool slo_open = false, shi_open = false;  // strict bounds (strings)
  // kIn: the set (ints as bits of the domain value, floats as doubles, strings).
  std::vector<int64_t> iset;   // sorted; signed/unsigned/bool (unsigned reinterpreted)
  std::vector<double> fset;    // sorted
  std::unordered_set<std::string> sset;
  std::string prefix;          // kPrefix

  // The test on one value of the domain (not negated, not null-aware).
  bool TestSigned(int64_t v) const;
  bool TestUnsigned(uint64_t v) const;
  bool TestFloat(double v) const;
  bool TestBytes(std::string_view v) const;
  bool TestValue(const Value& v) const;  // a non-null Value of the domain
};

// Compiled predicate: NOT only at leaves (as `negate`).
struct Node {
  enum class Kind : uint8_t { kTrue, kFalse, kLeaf, kAnd, kOr };
  Kind kind = Kind::kTrue;
  int leaf = -1;
  std::vector<Node> children;
};

// What a zone map says about a leaf / node over a set of rows.
struct Zone {
  uint64_t num_values = 0;
  uint64_t null_count = 0;
  std::optional<Value> min, max;  // bounds of the non-null values
  bool has_nan = false;
  bool known = false;             // false: nothing is known (missing stats)
};

struct Plan {
  Schema schema;                     // target
  std::vector<int> projection;       // target field indexes (Scanner output)
  std::vector<Leaf> leaves;
  Node root;
  std::vector<int> filter_fields;    // fields the predicate reads
  std::vector<int> needed;           // every field read (filter + projection + keys + aggregates)
  ScanSpec::Shard shard;             // validated: index < count
  std::string Describe(int field) const { return "column '" + schema.field(field).name + "'"; }

  // Whether rows with this zone per field (indexed by target field; nullptr
  // = unknown) can match. False only when no row can.
  bool MayMatch(const std::vector<const Zone*>& zones) const;
  // Whether every row with these zones matches (no nulls where the leaf
  // needs values, every value inside the test). False when unsure: then the
  // predicate is evaluated row by row.
  bool MustMatch(const std::vector<const Zone*>& zones) const;
  // Per leaf (the first 64): bit i of *pass set when the zones prove every
  // row passes leaf i, of *fail when none can; such leaves are not
  // evaluated (a time range over the pages it covers whole, ANDed with a
  // filter that must be evaluated).
  void KnownLeaves(const std::vector<const Zone*>& zones, uint64_t* pass, uint64_t* fail) const;
};

// Builds the plan; `extra` are fields other parts of the query read.
Result<Plan> MakePlan(const Schema& schema, const ScanSpec& spec, const std::vector<std::string>& projection);
Result<int> ResolveField(const Schema& schema, std::string_view name, std::string_view what);
void AddNeeded(Plan* plan, int field);

// A target field bound in one segment.
struct Binding {
  int column = -1;  // segment column; -1: missing (all null)
  DataType seg_type;
  bool widen = false;  // segment type narrower than the target type
};
// Resolves every needed field by field id; InvalidArgument when a type
// cannot be read as the target type.
Result<std::vector<Binding>> BindSegment(const Plan& plan, const Segment::Rep& rep);

Zone ZoneOf(const ColumnStats& s);
Zone ZoneOfSummary(const PartSummary::FieldRange& r, std::optional<uint64_t> rows);

int CompareValues(const Value& a, const Value& b);  // ints/uints/doubles across kinds, bytes bytewise

}  // namespace dp::internal::scan
