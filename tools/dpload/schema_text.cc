#include "tools/dpload/schema_text.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace dp::tools::dpload {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Schema> ParseSchemaText(std::string_view text, const std::string& name) {
  std::vector<Field> fields;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = name + ":" + std::to_string(line_no) + ": ";
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(where + "expected 'name: type [not null] [-- doc]', got '" + std::string(line) + "'");
    }
    Field f;
    f.name = std::string(Trim(line.substr(0, colon)));
    std::string_view rest = line.substr(colon + 2);
    if (const size_t dash = rest.find(" -- "); dash != std::string_view::npos) {
      f.doc = std::string(Trim(rest.substr(dash + 4)));
      rest = rest.substr(0, dash);
    }
    rest = Trim(rest);
    constexpr std::string_view kNotNull = "not null";
    if (rest.size() >= kNotNull.size() && rest.substr(rest.size() - kNotNull.size()) == kNotNull) {
      f.nullable = false;
      rest = Trim(rest.substr(0, rest.size() - kNotNull.size()));
    }
    Result<DataType> type = DataType::Parse(rest);
    if (!type.ok()) return type.status().WithContext(where + "field '" + f.name + "'");
    f.type = *type;
    fields.push_back(std::move(f));
  }
  if (fields.empty()) return Status::InvalidArgument(name + ": the schema has no fields");
  Result<Schema> schema = Schema::Make(std::move(fields));
  if (!schema.ok()) return schema.status().WithContext(name);
  return schema;
}

Result<Schema> ReadSchemaFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the schema file");
  std::stringstream s;
  s << in.rdbuf();
  return ParseSchemaText(s.str(), path);
}

}  // namespace dp::tools::dpload
