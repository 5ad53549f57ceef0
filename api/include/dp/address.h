// dp::Address — `dp://<product>/<dataset>[@<version>|@<RFC 3339 time>|@<tag>]`
// (spec/layout.md §"Addresses"), resolved against a mesh root by
// dp::Mesh::Resolve (dataset.h).
//
//   DP_ASSIGN_OR_RETURN(dp::Address a, dp::Address::Parse("dp://orders/order_items@2024-03-01T00:00:00Z"));
//   a.selector == dp::Address::Selector::kTime;  a.time_us == 1709251200000000
//
// Also here: RFC 3339 parsing/printing of UTC microsecond instants.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dp/result.h"

namespace dp {

struct Address {
  enum class Selector : uint8_t { kLatest, kVersion, kTime, kTag };

  std::string product;
  std::string dataset;
  Selector selector = Selector::kLatest;
  uint64_t version = 0;  // kVersion
  int64_t time_us = 0;   // kTime: UTC microseconds
  std::string tag;       // kTag

  // InvalidArgument naming the address and what is wrong (scheme, names,
  // selector). Product/dataset/tag names follow spec/layout.md §"Names".
  static Result<Address> Parse(std::string_view text);
  // Canonical form; times as YYYY-MM-DDTHH:MM:SS.ffffffZ.
  std::string ToString() const;
};

// "2024-03-01T12:00:00Z", "2024-03-01T12:00:00.123+02:00" -> UTC micros.
// Fractions beyond microseconds are truncated. InvalidArgument otherwise.
Result<int64_t> ParseRfc3339(std::string_view text);
// UTC micros -> "2024-03-01T12:00:00.000000Z".
std::string FormatRfc3339(int64_t time_us);

// Name rules (spec/layout.md §"Names"); InvalidArgument naming `what` ("product",
// "dataset", "tag"), the name and the rule.
Status ValidateName(std::string_view name, std::string_view what);
Status ValidateTagName(std::string_view name);

}  // namespace dp
