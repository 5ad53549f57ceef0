// dpinspect cat: the rows of a segment as CSV (with a header) or JSON Lines.
//
// Streams: one BlockReader per selected column walks the row groups in
// order, so memory stays at a block (<= 1024 values) per column whatever the
// file size, and --limit stops decoding early. Blocks of different columns
// need not line up (string pages may be cut by size), so each column keeps
// its own position and rows are emitted in runs common to all of them.
#include <algorithm>
#include <string>

#include "tools/common/json_writer.h"
#include "tools/dpinspect/cells.h"
#include "tools/dpinspect/commands.h"

namespace dp::tools::inspect {

namespace {

struct Cursor {
  int column = 0;
  DataType type;
  std::string name;
  std::unique_ptr<BlockReader> reader;
  Block block;
  uint32_t pos = 0;  // next row within `block`
};

}  // namespace

int RunCat(const Invocation& inv) {
  int code = kExitOk;
  std::shared_ptr<Segment> seg = OpenOrFail(inv.path, &code);
  if (!seg) return code;
  Result<std::vector<int>> columns = SelectColumns(*seg, inv.args);
  if (!columns.ok()) return Fail(kExitUsage, columns.status().message());
  Result<uint64_t> limit = inv.args.GetUInt("limit", UINT64_MAX, 0, UINT64_MAX);
  if (!limit.ok()) return Fail(kExitUsage, limit.status().message());
  static constexpr std::string_view kFormats[] = {"csv", "jsonl"};
  Result<std::string> format = inv.args.GetChoice("format", "csv", kFormats);
  if (!format.ok()) return Fail(kExitUsage, format.status().message());
  const bool jsonl = *format == "jsonl";

  std::vector<Cursor> cursors;
  for (int c : *columns) {
    Cursor cur;
    cur.column = c;
    cur.type = seg->schema().field(static_cast<size_t>(c)).type;
    cur.name = seg->schema().field(static_cast<size_t>(c)).name;
    Result<std::unique_ptr<BlockReader>> reader = seg->ReadBlocks(c);
    if (!reader.ok()) return Fail(kExitDataProblem, reader.status().ToString());
    cur.reader = std::move(*reader);
    cursors.push_back(std::move(cur));
  }

  std::string line;
  if (!jsonl) {
    for (size_t k = 0; k < cursors.size(); ++k) {
      if (k > 0) line += ',';
      AppendCsvField(&line, cursors[k].name);
    }
    line += '\n';
    inv.out->Append(line);
  }

  uint64_t left = std::min(*limit, seg->num_rows());
  uint64_t row = 0;
  while (left > 0) {
    uint64_t run = left;
    for (Cursor& cur : cursors) {
      if (cur.pos == cur.block.length) {
        Result<bool> more = cur.reader->Next(&cur.block);
        if (!more.ok()) return Fail(kExitDataProblem, more.status().ToString());
        if (!*more || cur.block.length == 0) {
          return Fail(kExitDataProblem, "Corruption: " + inv.path + ": column '" + cur.name + "' ends at row " +
                                            std::to_string(row) + " of " + std::to_string(seg->num_rows()));
        }
        cur.pos = 0;
      }
      run = std::min<uint64_t>(run, cur.block.length - cur.pos);
    }
    for (uint64_t r = 0; r < run; ++r) {
      line.clear();
      if (jsonl) {
        JsonWriter j(&line);
        j.BeginObject();
        for (const Cursor& cur : cursors) {
          j.Key(cur.name);
          WriteJsonCell(j, cur.type, cur.block, cur.pos + static_cast<uint32_t>(r));
        }
        j.EndObject();
      } else {
        for (size_t k = 0; k < cursors.size(); ++k) {
          if (k > 0) line += ',';
          AppendCsvCell(&line, cursors[k].type, cursors[k].block, cursors[k].pos + static_cast<uint32_t>(r));
        }
      }
      line += '\n';
      inv.out->Append(line);
    }
    for (Cursor& cur : cursors) cur.pos += static_cast<uint32_t>(run);
    row += run;
    left -= run;
  }
  return Finish(inv.out, kExitOk);
}

}  // namespace dp::tools::inspect
