#include "tools/dpload/sink.h"

namespace dp::tools::dpload {

Result<std::unique_ptr<SegmentSink>> SegmentSink::Create(const std::string& path, const Schema& schema,
                                                         WriterOptions options) {
  DP_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(path, schema, std::move(options)));
  return std::unique_ptr<SegmentSink>(new SegmentSink(std::move(writer)));
}

Status SegmentSink::Append(std::span<const ColumnData> cols, uint64_t /*first_row*/) {
  return writer_->Append(cols);
}

Status SegmentSink::Finish() { return writer_->Finish(); }

void SegmentSink::Abort() { writer_->Abort(); }

}  // namespace dp::tools::dpload
