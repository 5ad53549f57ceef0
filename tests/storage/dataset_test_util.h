// Helpers shared by the dataset tests: a small events schema, batches whose
// ids identify them, and reading every id of a snapshot back.
#pragma once

#include <string>
#include <vector>

#include "dp/dataset.h"
#include "tests/storage/test_util.h"

namespace dp::testing {

// id int64 not null | ts timestamp[us] not null | name string | qty int32
inline Schema EventsSchema() {
  return *Schema::Make({{"id", DataType::Int64(), false, "row id"},
                        {"ts", DataType::Timestamp(TimeUnit::kMicro), false, "event time"},
                        {"name", DataType::String(), true, ""},
                        {"qty", DataType::Int32(), true, ""}});
}

// Rows with ids [first, first + n); ts descending within the batch so that
// compaction has something to sort; every 7th name and qty null.
struct Batch {
  std::vector<int64_t> ids, ts;
  std::vector<std::string> names;
  std::vector<std::string_view> views;
  std::vector<int32_t> qty;
  std::vector<uint8_t> validity;
  std::vector<ColumnData> cols;

  Batch(int64_t first, size_t n, int64_t ts_base = 1'700'000'000'000'000) {
    validity.assign(n / 8 + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      ids.push_back(first + static_cast<int64_t>(i));
      ts.push_back(ts_base + static_cast<int64_t>(n - i) * 1000);
      names.push_back("n" + std::to_string(first + static_cast<int64_t>(i)));
      qty.push_back(static_cast<int32_t>(i));
      if ((first + static_cast<int64_t>(i)) % 7 != 0) validity[i / 8] |= uint8_t(1u << (i % 8));
    }
    for (const std::string& s : names) views.emplace_back(s);
    cols = {ColumnData::Of<int64_t>(ids), ColumnData::Of<int64_t>(ts),
            ColumnData::Strings(views, validity.data()), ColumnData::Of<int32_t>(qty, validity.data())};
  }
};

inline Result<VersionInfo> AppendBatch(const Dataset& ds, int64_t first, size_t n, TransactionOptions o = {}) {
  DP_ASSIGN_OR_RETURN(auto txn, ds.Begin(Operation::kAppend, std::move(o)));
  Batch b(first, n);
  DP_RETURN_IF_ERROR(txn->Append(b.cols));
  return txn->Commit("append " + std::to_string(first), "test");
}

// A mesh at `root` with product "p" and events dataset "events" (event time "ts").
inline Result<Dataset> MakeEventsDataset(const std::string& root) {
  DP_ASSIGN_OR_RETURN(Mesh m, Mesh::Open(root, true));
  DP_ASSIGN_OR_RETURN(Product p, m.CreateProduct({.name = "p"}));
  return p.CreateDataset({.name = "events", .kind = DatasetKind::kEvents, .event_time_column = "ts"}, EventsSchema());
}

// Every value of field `field_id` (as int64) across the snapshot's segments.
inline std::vector<int64_t> ReadInts(const Snapshot& s, uint32_t field_id) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < s.num_segments(); ++i) {
    auto col = s.ReadColumn(i, field_id);
    EXPECT_TRUE(col.ok()) << col.status().ToString();
    if (!col.ok()) continue;
    for (size_t r = 0; r < col->length(); ++r) out.push_back(col->GetValue(r).as_int());
  }
  return out;
}

}  // namespace dp::testing
