// ScanSource::FromSnapshot: a dataset version as a scan source (dp/scan.h).
#include "dp/dataset.h"
#include "dp/scan.h"

namespace dp {

Result<ScanSource> ScanSource::FromSnapshot(std::shared_ptr<const Snapshot> snapshot) {
  if (snapshot == nullptr) return Status::InvalidArgument("ScanSource::FromSnapshot: null snapshot");
  std::vector<ScanPart> parts;
  parts.reserve(snapshot->num_segments());
  for (size_t i = 0; i < snapshot->num_segments(); ++i) {
    const SegmentInfo info = snapshot->segment(i);
    PartSummary summary;
    summary.num_rows = info.num_rows;
    summary.fields.reserve(info.columns.size());
    // Inexact (truncated string) statistics are still bounds: fine for pruning.
    for (const ColumnSummary& c : info.columns) {
      summary.fields.push_back({c.field_id, c.stats.min, c.stats.max, c.stats.null_count});
    }
    ScanPart part;
    part.name = snapshot->segment_path(i);
    part.summary = std::move(summary);
    // The lambda owns a reference: the snapshot (and its segment cache)
    // lives as long as any copy of the source.
    part.open = [snapshot, i]() -> Result<std::shared_ptr<const Segment>> {
      DP_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg, snapshot->OpenSegment(i));
      return std::shared_ptr<const Segment>(std::move(seg));
    };
    parts.push_back(std::move(part));
  }
  return ScanSource(snapshot->schema(), std::move(parts));
}

}  // namespace dp
