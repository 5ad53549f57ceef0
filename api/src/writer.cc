#include "dp/writer.h"

#include "format/exceptions.h"
#include "storage/segment_writer.h"

namespace dp {

struct SegmentWriter::Rep {
  std::unique_ptr<storage::SegmentWriterImpl> impl;
};

SegmentWriter::SegmentWriter(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
SegmentWriter::~SegmentWriter() = default;

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(std::string path, Schema schema, WriterOptions options) {
  return internal::Guard("SegmentWriter::Create", [&]() -> Result<std::unique_ptr<SegmentWriter>> {
    DP_ASSIGN_OR_RETURN(auto impl, storage::SegmentWriterImpl::Create(std::move(path), std::move(schema),
                                                                      std::move(options)));
    auto rep = std::make_unique<Rep>();
    rep->impl = std::move(impl);
    return std::unique_ptr<SegmentWriter>(new SegmentWriter(std::move(rep)));
  });
}

Status SegmentWriter::Append(std::span<const ColumnData> columns) {
  return internal::Guard("SegmentWriter::Append", [&] { return rep_->impl->Append(columns); });
}
Status SegmentWriter::AppendRow(std::span<const Value> row) {
  return internal::Guard("SegmentWriter::AppendRow", [&] { return rep_->impl->AppendRow(row); });
}
Status SegmentWriter::Finish() {
  return internal::Guard("SegmentWriter::Finish", [&] { return rep_->impl->Finish(); });
}
void SegmentWriter::Abort() { rep_->impl->Abort(); }
uint64_t SegmentWriter::rows_written() const { return rep_->impl->rows_written(); }
const Schema& SegmentWriter::schema() const { return rep_->impl->schema(); }
const std::string& SegmentWriter::path() const { return rep_->impl->path(); }
uint64_t SegmentWriter::bytes_written() const { return rep_->impl->bytes_written(); }

}  // namespace dp
