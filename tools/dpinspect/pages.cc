// dpinspect pages: every column chunk and page of the selected columns, with
// its placement, encoding, codec, sizes and statistics.
#include <string>

#include "tools/common/json_writer.h"
#include "tools/common/table.h"
#include "tools/dpinspect/cells.h"
#include "tools/dpinspect/commands.h"

namespace dp::tools::inspect {

namespace {

constexpr size_t kStatChars = 28;  // fits an ISO timestamp in microseconds

}  // namespace

int RunPages(const Invocation& inv) {
  int code = kExitOk;
  std::shared_ptr<Segment> seg = OpenOrFail(inv.path, &code);
  if (!seg) return code;
  Result<std::vector<int>> columns = SelectColumns(*seg, inv.args);
  if (!columns.ok()) return Fail(kExitUsage, columns.status().message());
  const bool json = inv.args.Has("json");

  std::string text;
  JsonWriter j(&text, /*pretty=*/true);
  if (json) j.BeginObject().Key("path").String(seg->path()).Key("columns").BeginArray();
  for (int c : *columns) {
    const Field& f = seg->schema().field(static_cast<size_t>(c));
    TextTable t({{"rg", Align::kRight},
                 {"page", Align::kRight},
                 {"first_row", Align::kRight},
                 {"values", Align::kRight},
                 {"nulls", Align::kRight},
                 {"encoding", Align::kLeft},
                 {"codec", Align::kLeft},
                 {"stored", Align::kRight},
                 {"decoded", Align::kRight},
                 {"min", Align::kLeft},
                 {"max", Align::kLeft}});
    uint64_t pages = 0, stored = 0, decoded = 0, plain = 0;
    if (json) {
      j.BeginObject().Key("index").Int(c).Key("name").String(f.name).Key("type").String(f.type.ToString());
      j.Key("chunks").BeginArray();
    }
    for (int g = 0; g < seg->num_row_groups(); ++g) {
      Result<ColumnChunkMeta> chunk = seg->column_chunk(c, g);
      if (!chunk.ok()) return Fail(kExitDataProblem, chunk.status().ToString());
      pages += chunk->pages.size();
      stored += chunk->stored_size;
      decoded += chunk->decoded_size;
      plain += chunk->plain_size;
      if (json) {
        j.BeginObject().Key("row_group").Int(g).Key("offset").UInt(chunk->offset);
        j.Key("stored_bytes").UInt(chunk->stored_size).Key("decoded_bytes").UInt(chunk->decoded_size);
        j.Key("plain_bytes").UInt(chunk->plain_size);
        WriteJsonStats(j, chunk->stats, f.type);
        j.Key("pages").BeginArray();
      }
      for (const PageMeta& p : chunk->pages) {
        if (json) {
          j.BeginObject().Key("page").UInt(p.index).Key("first_row").UInt(p.first_row);
          j.Key("offset").UInt(p.offset);
          j.Key("encoding").String(EncodingName(p.encoding)).Key("codec").String(CodecName(p.codec));
          j.Key("stored_bytes").UInt(p.stored_size).Key("decoded_bytes").UInt(p.decoded_size);
          j.Key("checksum").UInt(p.checksum);
          WriteJsonStats(j, p.stats, f.type);
          j.EndObject();
        } else {
          t.AddRow({std::to_string(g), std::to_string(p.index), std::to_string(p.first_row),
                    std::to_string(p.stats.num_values), std::to_string(p.stats.null_count),
                    std::string(EncodingName(p.encoding)), std::string(CodecName(p.codec)),
                    std::to_string(p.stored_size), std::to_string(p.decoded_size),
                    DisplayStat(p.stats.min, p.stats.min_exact, f.type, kStatChars),
                    DisplayStat(p.stats.max, p.stats.max_exact, f.type, kStatChars)});
        }
      }
      if (json) j.EndArray().EndObject();
    }
    if (json) {
      j.EndArray().EndObject();
    } else {
      text += "column " + std::to_string(c) + " '" + DisplayText(f.name, 64) + "' " + f.type.ToString() + ": " +
              std::to_string(seg->num_row_groups()) + " chunk(s), " + std::to_string(pages) + " page(s), stored " +
              std::to_string(stored) + " B, decoded " + std::to_string(decoded) + " B, plain " +
              std::to_string(plain) + " B\n";
      t.Render(&text, 2);
      text += '\n';
    }
  }
  if (json) {
    j.EndArray().EndObject();
    text += '\n';
  }
  inv.out->Append(text);
  return Finish(inv.out, kExitOk);
}

}  // namespace dp::tools::inspect
