#include "tools/common/table.h"

#include <algorithm>
#include <cassert>

namespace dp::tools {

namespace {

// Display width: counts UTF-8 code points, not bytes (continuation bytes
// 10xxxxxx do not start a character).
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

void TextTable::AddRow(std::vector<std::string> cells) {
  assert(cells.size() == columns_.size());
  rows_.push_back(std::move(cells));
}

void TextTable::Render(std::string* out, size_t indent) const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    width[c] = DisplayWidth(columns_[c].title);
    for (const auto& row : rows_) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  auto line = [&](auto&& cell_at) {
    std::string text(indent, ' ');
    for (size_t c = 0; c < columns_.size(); ++c) {
      std::string_view cell = cell_at(c);
      const std::string pad(width[c] - DisplayWidth(cell), ' ');
      if (c > 0) text += "  ";
      if (columns_[c].align == Align::kRight) {
        text += pad;
        text += cell;
      } else {
        text += cell;
        if (c + 1 < columns_.size()) text += pad;
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out->append(text);
    out->push_back('\n');
  };
  line([&](size_t c) -> std::string_view { return columns_[c].title; });
  std::vector<std::string> rules;
  for (size_t w : width) rules.emplace_back(w, '-');
  line([&](size_t c) -> std::string_view { return rules[c]; });
  for (const auto& row : rows_) {
    line([&](size_t c) -> std::string_view { return row[c]; });
  }
}

}  // namespace dp::tools
