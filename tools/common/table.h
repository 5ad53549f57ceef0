// Plain-text tables for the tools' human-readable output: a header row, a
// dashed rule, then rows; columns padded to their widest cell, numbers
// usually right-aligned.
//
//   TextTable t({{"name", Align::kLeft}, {"rows", Align::kRight}});
//   t.AddRow({"orders", "1000"});
//   std::string out;
//   t.Render(&out);
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dp::tools {

enum class Align { kLeft, kRight };

struct TableColumn {
  std::string title;
  Align align = Align::kLeft;
};

class TextTable {
 public:
  explicit TextTable(std::vector<TableColumn> columns) : columns_(std::move(columns)) {}

  // REQUIRES: cells.size() == number of columns.
  void AddRow(std::vector<std::string> cells);
  size_t num_rows() const { return rows_.size(); }

  // Appends the table; `indent` spaces precede every line.
  void Render(std::string* out, size_t indent = 0) const;

 private:
  std::vector<TableColumn> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace dp::tools
