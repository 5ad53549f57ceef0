#include "dp/segment.h"

#include <cassert>
#include <cstring>

#include "format/bitmap.h"
#include "format/exceptions.h"
#include "storage/segment_reader.h"

namespace dp {

using format::PhysicalType;

// ---- ColumnVector ---------------------------------------------------------

ColumnVector::ColumnVector(DataType type, size_t length) : type_(type), length_(length) {}

ColumnVector::ColumnVector(const ColumnVector& other)
    : type_(other.type_), length_(other.length_), null_count_(other.null_count_), data_(other.data_),
      validity_(other.validity_), arena_(other.arena_) {
  strings_.reserve(other.strings_.size());
  for (std::string_view v : other.strings_) {
    strings_.emplace_back(v.empty() ? nullptr : arena_.data() + (v.data() - other.arena_.data()), v.size());
  }
}

ColumnVector& ColumnVector::operator=(const ColumnVector& other) {
  if (this != &other) *this = ColumnVector(other);
  return *this;
}

Value ColumnVector::GetValue(size_t i) const {
  if (is_null(i)) return Value::Null();
  const std::byte* p = data_.data();
  auto get = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof(v), sizeof(v));
    return v;
  };
  switch (type_.id) {
    case TypeId::kBool: return Value::Bool(get(uint8_t{}) != 0);
    case TypeId::kInt8: return Value::Int(get(int8_t{}));
    case TypeId::kInt16: return Value::Int(get(int16_t{}));
    case TypeId::kInt32:
    case TypeId::kDate32: return Value::Int(get(int32_t{}));
    case TypeId::kInt64:
    case TypeId::kTimestamp: return Value::Int(get(int64_t{}));
    case TypeId::kUInt8: return Value::UInt(get(uint8_t{}));
    case TypeId::kUInt16: return Value::UInt(get(uint16_t{}));
    case TypeId::kUInt32: return Value::UInt(get(uint32_t{}));
    case TypeId::kUInt64: return Value::UInt(get(uint64_t{}));
    case TypeId::kFloat32: return Value::Double(get(float{}));
    case TypeId::kFloat64: return Value::Double(get(double{}));
    case TypeId::kString:
    case TypeId::kBinary: return Value::Bytes(std::string(strings_[i]));
  }
  return Value::Null();
}

namespace {

// Decodes row groups [rg_begin, rg_end) of column c into one vector.
Result<ColumnVector> ReadRange(const Segment::Rep& rep, int c, int rg_begin, int rg_end) {
  DP_RETURN_IF_ERROR(rep.Column(c).status());
  uint64_t rows = 0, nulls = 0;
  for (int g = rg_begin; g < rg_end; ++g) {
    DP_ASSIGN_OR_RETURN(const fb::ColumnChunk* ch, rep.Chunk(c, g));
    rows += rep.row_groups[g].num_rows;
    nulls += ch->stats()->null_count();
  }
  const DataType type = rep.FieldType(c);
  const PhysicalType pt = rep.Physical(c);
  const int width = format::PhysicalWidth(pt);
  ColumnVector out(type, rows);
  out.set_null_count(nulls);
  if (pt != PhysicalType::kBytes) out.mutable_data().resize(rows * width);
  if (nulls > 0) out.mutable_validity().assign(format::BitmapBytes(rows), 0xFF);
  std::vector<std::pair<uint64_t, uint32_t>> spans;  // strings: (arena offset, length)
  std::vector<std::string_view> views;
  storage::AlignedBuffer scratch;
  uint64_t row = 0;
  for (int g = rg_begin; g < rg_end; ++g) {
    const fb::ColumnChunk* ch = *rep.Chunk(c, g);
    for (uint32_t p = 0; p < ch->pages()->size(); ++p) {
      const fb::PageInfo* pi = ch->pages()->Get(p);
      const uint32_t n = pi->num_values();
      DP_ASSIGN_OR_RETURN(Segment::Rep::PageBody body, rep.LoadPage(c, g, p, &scratch));
      if (body.validity) format::CopyBits(body.validity, 0, n, out.mutable_validity().data(), row);
      void* dst = pt == PhysicalType::kBytes ? nullptr : out.mutable_data().data() + row * width;
      if (pt == PhysicalType::kBytes) views.resize(n);
      Status s = format::DecodeAll(static_cast<Encoding>(pi->encoding()), pt, body.payload, n, dst, views.data());
      if (!s.ok()) return s.WithContext(rep.Where(c, g, int(p)));
      if (pt == PhysicalType::kBytes) {
        std::vector<char>& arena = out.mutable_arena();
        for (uint32_t i = 0; i < n; ++i) {
          spans.emplace_back(arena.size(), static_cast<uint32_t>(views[i].size()));
          arena.insert(arena.end(), views[i].begin(), views[i].end());
        }
      }
      row += n;
    }
  }
  if (pt == PhysicalType::kBytes) {
    auto& sv = out.mutable_strings();
    sv.reserve(spans.size());
    const std::vector<char>& arena = out.mutable_arena();
    for (auto [off, len] : spans) sv.emplace_back(arena.data() + off, len);
  }
  return out;
}

class BlockReaderImpl final : public BlockReader {
 public:
  BlockReaderImpl(const Segment::Rep& rep, int c, int rg_begin, int rg_end)
      : rep_(rep), c_(c), rg_(rg_begin), rg_end_(rg_end), pt_(rep.Physical(c)) {
    values_ = scratch_values_.Reserve(format::kBlockSize * 8);
  }

  Result<bool> Next(Block* block) override {
    while (decoder_ == nullptr || decoder_->remaining() == 0) {
      if (decoder_ != nullptr) {
        page_first_row_ += decoder_->count();
        ++page_;
        decoder_.reset();
      }
      if (rg_ >= rg_end_) return false;
      DP_ASSIGN_OR_RETURN(const fb::ColumnChunk* ch, rep_.Chunk(c_, rg_));
      if (page_ >= ch->pages()->size()) {
        ++rg_;
        page_ = 0;
        continue;
      }
      if (page_ == 0) page_first_row_ = rep_.row_groups[rg_].first_row;
      const fb::PageInfo* pi = ch->pages()->Get(page_);
      DP_ASSIGN_OR_RETURN(body_, rep_.LoadPage(c_, rg_, page_, &scratch_body_));
      auto dec = format::PageDecoder::Make(static_cast<Encoding>(pi->encoding()), pt_, body_.payload,
                                           pi->num_values());
      if (!dec.ok()) return dec.status().WithContext(rep_.Where(c_, rg_, int(page_)));
      decoder_ = std::move(dec).value();
    }
    const uint32_t pos = decoder_->count() - decoder_->remaining();
    uint32_t n = 0;
    auto values = decoder_->Next(values_, strings_, &n);
    if (!values.ok()) return values.status().WithContext(rep_.Where(c_, rg_, int(page_)));
    block->first_row = page_first_row_ + pos;
    block->length = n;
    block->values = pt_ == PhysicalType::kBytes ? nullptr : *values;
    block->strings = pt_ == PhysicalType::kBytes ? strings_ : nullptr;
    block->validity = body_.validity ? body_.validity + pos / 8 : nullptr;
    return true;
  }

 private:
  const Segment::Rep& rep_;
  int c_;
  int rg_;
  int rg_end_;
  PhysicalType pt_;
  uint32_t page_ = 0;
  uint64_t page_first_row_ = 0;
  Segment::Rep::PageBody body_;
  std::unique_ptr<format::PageDecoder> decoder_;
  storage::AlignedBuffer scratch_body_, scratch_values_;
  void* values_;
  std::string_view strings_[format::kBlockSize];
};

}  // namespace

// ---- Segment --------------------------------------------------------------

Segment::Segment(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Segment::~Segment() = default;

Result<std::shared_ptr<Segment>> Segment::Open(const std::string& path, OpenOptions options) {
  return internal::Guard("Segment::Open", [&]() -> Result<std::shared_ptr<Segment>> {
    DP_ASSIGN_OR_RETURN(auto rep, Rep::Open(path, options));
    return std::shared_ptr<Segment>(new Segment(std::move(rep)));
  });
}

const std::string& Segment::path() const { return rep_->path; }
uint64_t Segment::file_size() const { return rep_->bytes.size(); }
FormatVersion Segment::format_version() const { return {rep_->version.major, rep_->version.minor}; }
uint64_t Segment::num_rows() const { return rep_->footer->num_rows(); }
int Segment::num_row_groups() const { return static_cast<int>(rep_->row_groups.size()); }
int Segment::num_columns() const { return rep_->num_columns(); }
const Schema& Segment::schema() const { return rep_->schema(); }
int Segment::ColumnIndex(std::string_view name) const { return rep_->ColumnIndex(name); }

Result<int> Segment::FindColumn(std::string_view name) const {
  int c = rep_->ColumnIndex(name);
  if (c < 0) return Status::NotFound(rep_->path + ": no column named '" + std::string(name) + "'");
  return c;
}

std::vector<KeyValue> Segment::metadata() const {
  std::vector<KeyValue> out;
  if (const auto* kvs = rep_->footer->metadata()) {
    for (const fb::KeyValue* kv : *kvs) out.push_back({kv->key()->str(), kv->value()->str()});
  }
  return out;
}

std::string Segment::created_by() const {
  return rep_->footer->created_by() ? rep_->footer->created_by()->str() : std::string();
}

RowGroupMeta Segment::row_group(int index) const {
  assert(index >= 0 && index < num_row_groups());
  if (index < 0 || index >= num_row_groups()) return RowGroupMeta{-1};  // REQUIRES violated
  return rep_->row_groups[index];
}

Result<ColumnChunkMeta> Segment::column_chunk(int column, int row_group) const {
  return internal::Guard("Segment::column_chunk", [&]() -> Result<ColumnChunkMeta> {
    DP_ASSIGN_OR_RETURN(const fb::ColumnChunk* ch, rep_->Chunk(column, row_group));
    ColumnChunkMeta m;
    m.column = column;
    m.row_group = row_group;
    m.offset = ch->offset();
    m.stored_size = ch->stored_size();
    m.decoded_size = ch->decoded_size();
    m.plain_size = ch->plain_size();
    m.stats = rep_->ToColumnStats(column, rep_->ChunkStats(column, ch));
    uint64_t first = rep_->row_groups[row_group].first_row;
    for (uint32_t p = 0; p < ch->pages()->size(); ++p) {
      const fb::PageInfo* pi = ch->pages()->Get(p);
      PageMeta pm;
      pm.index = p;
      pm.first_row = first;
      pm.offset = pi->offset();
      pm.stored_size = pi->stored_size();
      pm.decoded_size = pi->decoded_size();
      pm.encoding = static_cast<Encoding>(pi->encoding());
      pm.codec = static_cast<Codec>(pi->codec());
      pm.checksum = pi->checksum();
      pm.stats = rep_->ToColumnStats(column, rep_->PageStats(column, ch, p));
      first += pi->num_values();
      m.pages.push_back(std::move(pm));
    }
    return m;
  });
}

Result<ColumnStats> Segment::column_stats(int column) const {
  return internal::Guard("Segment::column_stats", [&]() -> Result<ColumnStats> {
    DP_RETURN_IF_ERROR(rep_->Column(column).status());
    index::ZoneMap all;
    for (int g = 0; g < num_row_groups(); ++g) {
      all.Merge(rep_->ChunkStats(column, *rep_->Chunk(column, g)), rep_->Physical(column));
    }
    return rep_->ToColumnStats(column, all);
  });
}

Result<ColumnVector> Segment::ReadColumn(int column, int row_group) const {
  return internal::Guard("Segment::ReadColumn", [&]() -> Result<ColumnVector> {
    DP_RETURN_IF_ERROR(rep_->Chunk(column, row_group).status());
    return ReadRange(*rep_, column, row_group, row_group + 1);
  });
}

Result<ColumnVector> Segment::ReadColumn(int column) const {
  return internal::Guard("Segment::ReadColumn", [&]() -> Result<ColumnVector> {
    return ReadRange(*rep_, column, 0, num_row_groups());
  });
}

Result<ColumnVector> Segment::ReadColumn(std::string_view name) const {
  DP_ASSIGN_OR_RETURN(int c, FindColumn(name));
  return ReadColumn(c);
}

Result<std::unique_ptr<BlockReader>> Segment::ReadBlocks(int column, int row_group) const {
  return internal::Guard("Segment::ReadBlocks", [&]() -> Result<std::unique_ptr<BlockReader>> {
    DP_RETURN_IF_ERROR(rep_->Column(column).status());
    int begin = 0, end = num_row_groups();
    if (row_group >= 0) {
      DP_RETURN_IF_ERROR(rep_->Chunk(column, row_group).status());
      begin = row_group;
      end = row_group + 1;
    }
    return std::unique_ptr<BlockReader>(new BlockReaderImpl(*rep_, column, begin, end));
  });
}

VerifyReport Segment::Verify() const {
  try {
    return rep_->Verify();
  } catch (const std::exception& e) {
    VerifyReport r;
    r.issues.push_back({rep_->path + ": verification aborted: " + e.what()});
    return r;
  }
}

}  // namespace dp
