// dp::Predicate: the immutable predicate tree of the public scan API
// (api/include/dp/scan.h). Compiled into leaves by storage/scan/plan.cc.
#include <utility>

#include "dp/scan.h"

namespace dp {

struct Predicate::Node {
  Kind kind = Kind::kTrue;
  std::string column;
  std::vector<Value> values;
  std::vector<Predicate> children;
};

namespace {

std::shared_ptr<const Predicate::Node> Shared(Predicate::Node n) {
  return std::make_shared<const Predicate::Node>(std::move(n));
}

const char* OpText(Predicate::Kind k) {
  switch (k) {
    case Predicate::Kind::kEq: return " = ";
    case Predicate::Kind::kNe: return " != ";
    case Predicate::Kind::kLt: return " < ";
    case Predicate::Kind::kLe: return " <= ";
    case Predicate::Kind::kGt: return " > ";
    case Predicate::Kind::kGe: return " >= ";
    default: return " ? ";
  }
}

std::string Literal(const Value& v) {
  if (v.is_bytes()) return "'" + v.as_bytes() + "'";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_uint()) return std::to_string(v.as_uint());
  if (v.is_double()) return Value(v).ToString(DataType::Float64());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return "null";
}

}  // namespace

Predicate::Predicate() : node_(Shared(Node{})) {}
Predicate::Predicate(std::shared_ptr<const Node> node) : node_(std::move(node)) {}

Predicate Predicate::True() { return Predicate(); }

#define DP_PREDICATE_CMP(Name, K)                                  \
  Predicate Predicate::Name(std::string column, Value v) {         \
    return Predicate(Shared(Node{K, std::move(column), {std::move(v)}, {}})); \
  }
DP_PREDICATE_CMP(Eq, Kind::kEq)
DP_PREDICATE_CMP(Ne, Kind::kNe)
DP_PREDICATE_CMP(Lt, Kind::kLt)
DP_PREDICATE_CMP(Le, Kind::kLe)
DP_PREDICATE_CMP(Gt, Kind::kGt)
DP_PREDICATE_CMP(Ge, Kind::kGe)
#undef DP_PREDICATE_CMP

Predicate Predicate::Between(std::string column, Value lo, Value hi) {
  return Predicate(Shared(Node{Kind::kBetween, std::move(column), {std::move(lo), std::move(hi)}, {}}));
}
Predicate Predicate::In(std::string column, std::vector<Value> values) {
  return Predicate(Shared(Node{Kind::kIn, std::move(column), std::move(values), {}}));
}
Predicate Predicate::IsNull(std::string column) {
  return Predicate(Shared(Node{Kind::kIsNull, std::move(column), {}, {}}));
}
Predicate Predicate::IsNotNull(std::string column) {
  return Predicate(Shared(Node{Kind::kIsNotNull, std::move(column), {}, {}}));
}
Predicate Predicate::StartsWith(std::string column, std::string prefix) {
  return Predicate(Shared(Node{Kind::kStartsWith, std::move(column), {Value::Bytes(std::move(prefix))}, {}}));
}
Predicate Predicate::And(std::vector<Predicate> children) {
  return Predicate(Shared(Node{Kind::kAnd, {}, {}, std::move(children)}));
}
Predicate Predicate::Or(std::vector<Predicate> children) {
  return Predicate(Shared(Node{Kind::kOr, {}, {}, std::move(children)}));
}
Predicate Predicate::Not(Predicate child) {
  return Predicate(Shared(Node{Kind::kNot, {}, {}, {std::move(child)}}));
}

Predicate::Kind Predicate::kind() const { return node_->kind; }
const std::string& Predicate::column() const { return node_->column; }
const std::vector<Value>& Predicate::values() const { return node_->values; }
const std::vector<Predicate>& Predicate::children() const { return node_->children; }

std::string Predicate::ToString() const {
  const Node& n = *node_;
  switch (n.kind) {
    case Kind::kTrue: return "true";
    case Kind::kEq: case Kind::kNe: case Kind::kLt: case Kind::kLe: case Kind::kGt: case Kind::kGe:
      return n.column + OpText(n.kind) + Literal(n.values.at(0));
    case Kind::kBetween:
      return n.column + " BETWEEN " + Literal(n.values.at(0)) + " AND " + Literal(n.values.at(1));
    case Kind::kIn: {
      std::string s = n.column + " IN (";
      for (size_t i = 0; i < n.values.size(); ++i) s += (i ? ", " : "") + Literal(n.values[i]);
      return s + ")";
    }
    case Kind::kIsNull: return n.column + " IS NULL";
    case Kind::kIsNotNull: return n.column + " IS NOT NULL";
    case Kind::kStartsWith: return n.column + " STARTS WITH " + Literal(n.values.at(0));
    case Kind::kAnd:
    case Kind::kOr: {
      if (n.children.empty()) return n.kind == Kind::kAnd ? "true" : "false";
      std::string s = "(";
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i) s += n.kind == Kind::kAnd ? " AND " : " OR ";
        s += n.children[i].ToString();
      }
      return s + ")";
    }
    case Kind::kNot: return "NOT " + n.children.at(0).ToString();
  }
  return "?";
}

}  // namespace dp
