// Aggregation pushed into the scan (dp::RunAggregate): per-morsel partial
// states (group table + aggregate arrays) merged into the result in morsel
// order, so that float sums do not depend on the thread count.
#pragma once

#include "dp/scan.h"

namespace dp::internal::scan {

Result<AggregateResult> RunAggregate(const ScanSource& source, const ScanSpec& spec, const AggregateSpec& agg);

// Start of the bucket holding `v` (a count of `unit` since the epoch, or
// days for date32), UTC; ISO weeks start on Monday.
int64_t BucketStart(int64_t v, TimeBucket b, const DataType& type);

// How worker partials of a group-by are merged: by the cost model (the
// default), or always one by one (kSerial) or always by partitions
// (kPartitioned) where that path applies (tests of both paths).
enum class MergeChoice { kModel, kSerial, kPartitioned };
void SetMergeChoice(MergeChoice c);

}  // namespace dp::internal::scan
