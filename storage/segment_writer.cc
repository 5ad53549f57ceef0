// Sequential segment writer. Byte layout: spec/format.md §"File layout",
// §"Pages", §"Column metadata blocks", §"Root footer", §"Trailer".
#include "storage/segment_writer.h"

#include <unistd.h>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <thread>

#include "format/schema/column_generated.h"
#include "format/schema/footer_generated.h"
#include "format/bitmap.h"
#include "format/checksum.h"
#include "format/codec.h"
#include "format/exceptions.h"
#include "format/sanitizers.h"
#include "format/trailer.h"
#include "format/utf8.h"


namespace dp::storage {

using format::PhysicalType;

namespace {

using format::kMaxPageBytes;
using format::kMaxPageRows;
using format::kPageHasValidity;
constexpr const char* kCreatedBy = "dpstore 0.1.0";
// Batches of fewer rows are encoded on the calling thread: handing them to
// workers costs more than it saves (AppendRow, small commits).
constexpr size_t kMinParallelRows = 4096;

size_t PadTo(size_t n, size_t a) { return (n + a - 1) / a * a; }

struct PageRecord {
  uint64_t rel_offset;  // within the chunk buffer
  uint64_t checksum;
  uint32_t num_values, null_count, stored_size, decoded_size;
  Encoding encoding;
  Codec codec;
  index::ZoneMap stats;
};

struct ChunkRecord {
  uint64_t offset = 0;
  uint64_t stored_size = 0, decoded_size = 0, plain_size = 0;
  index::ZoneMap stats;
  std::vector<PageRecord> pages;
};

}  // namespace

// Buffers the values of one column for the current page and the encoded
// pages of the current row group.
class ColumnBuilder {
 public:
  ColumnBuilder(const Field& field, const WriterOptions& options, int index)
      : field_(field), options_(options), index_(index),
        type_(format::PhysicalTypeOf(field.type.id)), width_(format::PhysicalWidth(type_)) {
    if (type_ != PhysicalType::kBytes) values_.resize(size_t(options.page_rows) * width_);
    validity_.resize(format::BitmapBytes(options.page_rows));
  }

  // Appends rows [offset, offset + n) of `col`.
  Status Append(const ColumnData& col, size_t offset, size_t n) {
    while (n > 0) {
      size_t room = options_.page_rows - count_;
      size_t k = std::min(n, room);
      if (type_ == PhysicalType::kBytes) {
        // Cut pages of variable-width data at page_bytes as well.
        size_t i = 0;
        for (; i < k; ++i) {
          const bool valid = col.validity == nullptr || format::GetBit(col.validity, offset + i);
          std::string_view s = valid ? col.strings[offset + i] : std::string_view();
          offsets_.push_back(static_cast<uint32_t>(arena_.size()));
          lengths_.push_back(static_cast<uint32_t>(s.size()));
          arena_.append(s);
          SetValid(count_ + i, valid);
          if (arena_.size() >= options_.page_bytes) { ++i; break; }
        }
        k = i;
      } else {
        const uint8_t* src = static_cast<const uint8_t*>(col.values) + offset * width_;
        uint8_t* dst = values_.data() + count_ * width_;
        if (type_ == PhysicalType::kBool) {
          for (size_t i = 0; i < k; ++i) dst[i] = src[i] != 0;
        } else {
          std::memcpy(dst, src, k * width_);
        }
        if (col.validity == nullptr) {
          SetRangeValid(count_, k);
        } else {
          format::CopyBits(col.validity, offset, k, validity_.data(), count_);
          nulls_ += k - format::CountSetBits(col.validity, offset, k);
        }
      }
      count_ += k;
      offset += k;
      n -= k;
      if (count_ == options_.page_rows ||
          (type_ == PhysicalType::kBytes && arena_.size() >= options_.page_bytes)) {
        DP_RETURN_IF_ERROR(FlushPage());
      }
    }
    return Status::OK();
  }

  Status FlushPage() {
    if (count_ == 0) return Status::OK();
    const uint32_t n = static_cast<uint32_t>(count_);
    const uint8_t* validity = nulls_ > 0 ? validity_.data() : nullptr;

    // Dense values with placeholders at null positions (previous value, or 0).
    format::PageValues pv{type_, n, nullptr, nullptr};
    if (type_ == PhysicalType::kBytes) {
      views_.resize(n);
      for (uint32_t i = 0; i < n; ++i) views_[i] = std::string_view(arena_.data() + offsets_[i], lengths_[i]);
      pv.strings = views_.data();
    } else {
      if (validity) FillNullPlaceholders(n);
      pv.values = values_.data();
    }
    analysis_.Reset(pv);

    body_.clear();
    if (validity) {
      body_.insert(body_.end(), validity_.begin(), validity_.begin() + format::BitmapBytes(n));
      // Bits past n must be zero on disk.
      if (n % 8) body_.back() &= uint8_t((1u << (n % 8)) - 1);
      body_.resize(PadTo(body_.size(), 8), 0);
    }
    format::EncodeOptions eo;
    eo.force = options_.force_encoding;
    const size_t payload_at = body_.size();
    DP_ASSIGN_OR_RETURN(Encoding enc, format::EncodeValues(pv, eo, &body_, &analysis_));
    index::ZoneMap stats = ComputeStats(pv, validity);

    // General-purpose codec on top, kept only where it pays.
    const std::vector<uint8_t>* stored = &body_;
    Codec codec = Codec::kNone;
    if (options_.codec != CodecPolicy::kNone && body_.size() >= 256) {
      Codec try_codec = options_.codec == CodecPolicy::kLz4 ? Codec::kLz4 : Codec::kZstd;
      compressed_.clear();
      DP_RETURN_IF_ERROR(format::Compress(try_codec, body_, options_.zstd_level, &compressed_));
      double limit = options_.codec == CodecPolicy::kAuto
                         ? (1.0 - options_.min_codec_saving) * double(body_.size())
                         : double(body_.size()) - 1;
      if (double(compressed_.size()) <= limit) {
        stored = &compressed_;
        codec = try_codec;
      }
    }
    // Candidates stored without a page codec, each taken where its page
    // (validity prefix + payload) is at most `factor` x the stored size of
    // the choice so far.
    const std::vector<uint8_t>* body = &body_;
    auto try_candidate = [&](double factor, auto encode, std::vector<uint8_t>* buf) -> Status {
      const double limit = factor * double(stored->size());
      if (body_.size() < 256 || limit <= double(payload_at)) return Status::OK();
      buf->assign(body_.begin(), body_.begin() + payload_at);
      DP_ASSIGN_OR_RETURN(std::optional<Encoding> e, encode(pv, uint64_t(limit) - payload_at, buf, &analysis_));
      if (e) {
        enc = *e;
        codec = Codec::kNone;
        stored = body = buf;
      }
      return Status::OK();
    };
    // Radix pages decode faster than any codec, a little slower than
    // bit-packing: they must save 3% over an uncompressed page.
    if (UseRadix()) {
      DP_RETURN_IF_ERROR(try_candidate(codec == Codec::kNone ? 0.97 : 1.0, format::EncodeRadix, &radix_));
    }
    // Byte planes (zstd inside) where they beat that by min_byte_planes_saving.
    if (UseBytePlanes()) {
      DP_RETURN_IF_ERROR(try_candidate(1.0 - options_.min_byte_planes_saving, format::EncodeBytePlanes, &planes_));
    }
    if (stored->size() > kMaxPageBytes || body->size() > kMaxPageBytes) {
      return Status::InvalidArgument("column '" + field_.name + "': a page exceeds 2 GiB; lower page_bytes");
    }

    PageRecord rec;
    chunk_buf_.resize(PadTo(chunk_buf_.size(), format::kPageAlignment), 0);
    rec.rel_offset = chunk_buf_.size();
    rec.checksum = format::Checksum(stored->data(), stored->size());
    rec.num_values = n;
    rec.null_count = static_cast<uint32_t>(nulls_);
    rec.stored_size = static_cast<uint32_t>(stored->size());
    rec.decoded_size = static_cast<uint32_t>(body->size());
    rec.encoding = enc;
    rec.codec = codec;
    rec.stats = std::move(stats);
    chunk_buf_.insert(chunk_buf_.end(), stored->begin(), stored->end());

    chunk_.stored_size += rec.stored_size;
    chunk_.decoded_size += rec.decoded_size;
    chunk_.plain_size += PlainSize(n);
    chunk_.stats.Merge(rec.stats, type_);
    chunk_.pages.push_back(std::move(rec));

    count_ = 0;
    nulls_ = 0;
    arena_.clear();
    offsets_.clear();
    lengths_.clear();
    return Status::OK();
  }

  // Writes the buffered chunk at the (64-aligned) end of `file`.
  // The last page is flushed first (FlushPage() may run before, on any
  // thread).
  Status WriteChunk(SequentialFile* file) {
    DP_RETURN_IF_ERROR(FlushPage());
    DP_RETURN_IF_ERROR(file->AppendZeros(PadTo(file->size(), format::kPageAlignment) - file->size()));
    chunk_.offset = file->size();
    DP_RETURN_IF_ERROR(file->Append(chunk_buf_));
    chunks_.push_back(std::move(chunk_));
    chunk_ = ChunkRecord();
    chunk_buf_.clear();
    return Status::OK();
  }

  // The required-feature bits (format/version.h) of the pages written so far.
  uint64_t required_features() const {
    uint64_t features = 0;
    for (const ChunkRecord& c : chunks_) {
      for (const PageRecord& p : c.pages) features |= format::RequiredFeatures(p.encoding);
    }
    return features;
  }

  // The ColumnMeta FlatBuffer of every chunk written so far.
  void BuildMeta(flatbuffers::FlatBufferBuilder* fbb) const {
    std::vector<flatbuffers::Offset<fb::ColumnChunk>> chunks;
    for (const ChunkRecord& c : chunks_) {
      std::vector<fb::PageInfo> pages;
      pages.reserve(c.pages.size());
      for (const PageRecord& p : c.pages) {
        uint32_t flags = p.stats.flags | (p.null_count > 0 ? kPageHasValidity : 0);
        pages.emplace_back(c.offset + p.rel_offset, p.checksum, p.stats.min_bits, p.stats.max_bits, p.num_values,
                           p.null_count, p.stored_size, p.decoded_size, static_cast<uint8_t>(p.encoding),
                           static_cast<uint8_t>(p.codec), static_cast<uint8_t>(flags), 0, 0);
      }
      auto pages_off = fbb->CreateVectorOfStructs(pages);
      flatbuffers::Offset<flatbuffers::Vector<uint32_t>> min_off, max_off;
      flatbuffers::Offset<flatbuffers::Vector<uint8_t>> min_data, max_data;
      if (type_ == PhysicalType::kBytes) {
        auto build = [&](bool is_min, flatbuffers::Offset<flatbuffers::Vector<uint32_t>>* offs,
                         flatbuffers::Offset<flatbuffers::Vector<uint8_t>>* data) {
          std::vector<uint32_t> o{0};
          std::string blob;
          auto add = [&](const index::ZoneMap& z) {
            blob += is_min ? z.min_bytes : z.max_bytes;
            o.push_back(static_cast<uint32_t>(blob.size()));
          };
          for (const PageRecord& p : c.pages) add(p.stats);
          add(c.stats);
          *offs = fbb->CreateVector(o);
          *data = fbb->CreateVector(reinterpret_cast<const uint8_t*>(blob.data()), blob.size());
        };
        build(true, &min_off, &min_data);
        build(false, &max_off, &max_data);
      }
      fb::Stats st(c.stats.min_bits, c.stats.max_bits, c.stats.num_values, c.stats.null_count, c.stats.flags, 0);
      chunks.push_back(fb::CreateColumnChunk(*fbb, &st, c.offset, c.stored_size, c.decoded_size, c.plain_size,
                                             pages_off, min_off, min_data, max_off, max_data));
    }
    auto chunks_off = fbb->CreateVector(chunks);
    fbb->Finish(fb::CreateColumnMeta(*fbb, static_cast<uint32_t>(index_), field_.field_id, chunks_off), "DPCM");
  }

 private:
  // Pages that a forced encoding does not apply to get the automatic choice,
  // byte planes included.
  bool UseRadix() const {
    return options_.radix_encodings &&
           (!options_.force_encoding || !format::EncodingSupports(*options_.force_encoding, type_));
  }
  bool UseBytePlanes() const {
    return (!options_.force_encoding || !format::EncodingSupports(*options_.force_encoding, type_)) &&
           options_.min_byte_planes_saving < 1 &&
           (options_.codec == CodecPolicy::kAuto || options_.codec == CodecPolicy::kZstd);
  }
  // The page's zone map. Strings without nulls: min and max over the
  // distinct values where an encoder built the page dictionary (the same
  // strings, compared once each instead of once per value).
  index::ZoneMap ComputeStats(const format::PageValues& pv, const uint8_t* validity) {
    const std::vector<uint32_t>* distinct = analysis_.distinct_positions();
    if (type_ != PhysicalType::kBytes || validity != nullptr || distinct == nullptr) {
      return index::ZoneMap::Compute(type_, pv.values, pv.strings, validity, pv.count);
    }
    distinct_views_.resize(distinct->size());
    for (size_t k = 0; k < distinct->size(); ++k) distinct_views_[k] = pv.strings[(*distinct)[k]];
    index::ZoneMap z = index::ZoneMap::Compute(type_, nullptr, distinct_views_.data(), nullptr, distinct_views_.size());
    z.num_values = pv.count;
    return z;
  }
  void SetValid(size_t i, bool valid) {
    if (valid) {
      format::SetBit(validity_.data(), i);
    } else {
      format::ClearBit(validity_.data(), i);
      ++nulls_;
    }
  }
  void SetRangeValid(size_t start, size_t n) {
    size_t i = start;
    for (; i < start + n && (i & 7); ++i) format::SetBit(validity_.data(), i);
    size_t whole = (start + n - i) / 8;
    std::memset(validity_.data() + i / 8, 0xFF, whole);
    for (i += whole * 8; i < start + n; ++i) format::SetBit(validity_.data(), i);
  }
  void FillNullPlaceholders(uint32_t n) {
    uint8_t* v = values_.data();
    std::vector<uint8_t> prev(width_, 0);
    for (uint32_t i = 0; i < n; ++i) {
      if (format::GetBit(validity_.data(), i)) {
        std::memcpy(prev.data(), v + size_t(i) * width_, width_);
      } else {
        std::memcpy(v + size_t(i) * width_, prev.data(), width_);
      }
    }
  }
  uint64_t PlainSize(uint32_t n) const {
    if (type_ == PhysicalType::kBool) return format::BitmapBytes(n);
    if (type_ == PhysicalType::kBytes) return 4ull * (n + 1) + arena_.size();
    return uint64_t(n) * width_;
  }

  const Field& field_;
  const WriterOptions& options_;
  int index_;
  PhysicalType type_;
  int width_;
  // current page
  size_t count_ = 0;
  size_t nulls_ = 0;
  std::vector<uint8_t> values_;
  std::vector<uint8_t> validity_;
  std::string arena_;
  std::vector<uint32_t> offsets_, lengths_;
  std::vector<std::string_view> views_, distinct_views_;
  format::PageAnalysis analysis_;  // shared by the candidates of a page
  std::vector<uint8_t> body_, compressed_, planes_, radix_;
  // current chunk
  ChunkRecord chunk_;
  std::vector<uint8_t> chunk_buf_;
  // sealed chunks
  std::vector<ChunkRecord> chunks_;
};

// The oneTBB arena that encodes columns concurrently.
struct ColumnWorkers {
  explicit ColumnWorkers(int threads)
      : arena(threads > 0 ? threads : tbb::task_arena::automatic) {}
  tbb::task_arena arena;
};

SegmentWriterImpl::SegmentWriterImpl(std::string path, Schema schema, WriterOptions options)
    : path_(std::move(path)), schema_(std::move(schema)), options_(std::move(options)) {}

SegmentWriterImpl::~SegmentWriterImpl() {
  if (!finished_) Abort();
}

Result<std::unique_ptr<SegmentWriterImpl>> SegmentWriterImpl::Create(std::string path, Schema schema,
                                                                     WriterOptions options) {
  if (schema.num_fields() == 0) return Status::InvalidArgument(path + ": a segment needs at least one column");
  if (options.row_group_rows == 0 || options.row_group_rows > (1ull << 32) - 1) {
    return Status::InvalidArgument(path + ": row_group_rows must be in 1..4294967295");
  }
  if (options.page_rows == 0 || options.page_rows > kMaxPageRows) {
    return Status::InvalidArgument(path + ": page_rows must be in 1.." + std::to_string(kMaxPageRows));
  }
  options.page_rows = static_cast<uint32_t>(PadTo(options.page_rows, format::kBlockSize));
  if (options.page_bytes < 1024) return Status::InvalidArgument(path + ": page_bytes must be >= 1024");
  if (options.min_codec_saving < 0 || options.min_codec_saving >= 1) {
    return Status::InvalidArgument(path + ": min_codec_saving must be in [0, 1)");
  }
  if (!(options.min_byte_planes_saving >= 0 && options.min_byte_planes_saving <= 1)) {
    return Status::InvalidArgument(path + ": min_byte_planes_saving must be in [0, 1] (1 turns byte planes off)");
  }
  if (options.threads < 0) return Status::InvalidArgument(path + ": threads must be >= 0 (0 = all hardware threads)");
  std::unique_ptr<SegmentWriterImpl> w(new SegmentWriterImpl(std::move(path), std::move(schema), std::move(options)));
  if (w->options_.threads != 1 && w->schema_.num_fields() > 1) {
    try {
      w->workers_ = std::make_unique<ColumnWorkers>(w->options_.threads);
      w->workers_->arena.initialize();
      if (w->workers_->arena.max_concurrency() <= 1) w->workers_.reset();
    } catch (const std::exception& e) {
      return Status::Internal(w->path_ + ": cannot start the column encoding threads: " + e.what());
    }
  }
  DP_ASSIGN_OR_RETURN(w->file_, SequentialFile::Create(w->path_));
  for (size_t i = 0; i < w->schema_.num_fields(); ++i) {
    w->columns_.push_back(std::make_unique<ColumnBuilder>(w->schema_.field(i), w->options_, int(i)));
  }
  uint8_t header[format::kHeaderSize];
  format::EncodeHeader(format::Header{}, header);
  DP_RETURN_IF_ERROR(w->Poison(w->file_->Append(header)));
  return w;
}

Status SegmentWriterImpl::Poison(Status s) {
  if (!s.ok() && error_.ok()) error_ = s;
  return s;
}

Status SegmentWriterImpl::ForEachColumn(size_t rows, const std::function<Status(size_t)>& fn) const {
  const size_t n = columns_.size();
  try {
    if (workers_ == nullptr || rows < kMinParallelRows) {
      for (size_t c = 0; c < n; ++c) DP_RETURN_IF_ERROR(fn(c));
      return Status::OK();
    }
    std::vector<Status> status(n);
#if DP_TSAN
    // ThreadSanitizer builds: the oneTBB library is not instrumented, so
    // TSan cannot see its scheduler's synchronization and reports its task
    // objects as races. The columns run on plain threads here instead, as
    // many as the arena would use, so that TSan checks what this writer
    // hands between threads (column state from batch to batch, statuses).
    const size_t workers = std::min<size_t>(n, size_t(workers_->arena.max_concurrency()));
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t c; (c = next.fetch_add(1)) < n;) status[c] = fn(c);
    };
    std::vector<std::thread> threads;
    try {
      for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
    } catch (...) {  // no more threads: the ones started and this one finish
    }
    work();
    for (std::thread& t : threads) t.join();
#else
    workers_->arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 1), [&](const tbb::blocked_range<size_t>& r) {
        for (size_t c = r.begin(); c != r.end(); ++c) status[c] = fn(c);
      });
    });
#endif
    for (Status& s : status) {
      if (!s.ok()) return std::move(s);
    }
    return Status::OK();
  } catch (...) {
    return dp::internal::CurrentExceptionStatus(path_ + ": encoding columns");
  }
}

Status SegmentWriterImpl::ValidateBatch(std::span<const ColumnData> columns) const {
  if (columns.size() != schema_.num_fields()) {
    return Status::InvalidArgument(path_ + ": batch has " + std::to_string(columns.size()) + " columns, schema has " +
                                   std::to_string(schema_.num_fields()));
  }
  const size_t n = columns.empty() ? 0 : columns[0].length;
  return ForEachColumn(n, [&](size_t c) { return ValidateColumn(c, columns[c], n); });
}

// The checks of column c of a batch of n rows (the length of column 0).
Status SegmentWriterImpl::ValidateColumn(size_t c, const ColumnData& col, size_t n) const {
  const Field& f = schema_.field(c);
  // The message prefix is built only when a value is rejected.
  auto where = [&] { return path_ + ": column '" + f.name + "'"; };
  if (col.length != n) {
    return Status::InvalidArgument(where() + " has " + std::to_string(col.length) + " values, column '" +
                                   schema_.field(0).name + "' has " + std::to_string(n));
  }
  if (n > 0) {
    if (f.type.is_binary_like() ? col.strings == nullptr : col.values == nullptr) {
      return Status::InvalidArgument(where() + ": no " + std::string(f.type.is_binary_like() ? "strings" : "values") +
                                     " given for type " + f.type.ToString());
    }
    if (col.validity != nullptr && !f.nullable) {
      size_t valid = format::CountSetBits(col.validity, 0, n);
      if (valid != n) {
        size_t row = 0;
        while (format::GetBit(col.validity, row)) ++row;
        return Status::InvalidArgument(where() + " is not nullable but row " + std::to_string(rows_written_ + row) +
                                       " is null");
      }
    }
    if (f.type.id == TypeId::kString) {
      for (size_t i = 0; i < n; ++i) {
        if (col.validity && !format::GetBit(col.validity, i)) continue;
        if (!format::IsValidUtf8(col.strings[i])) {
          return Status::InvalidArgument(where() + " row " + std::to_string(rows_written_ + i) +
                                         ": value is not valid UTF-8 (use a binary column for raw bytes)");
        }
      }
    }
    if (f.type.is_binary_like()) {
      for (size_t i = 0; i < n; ++i) {
        if (col.strings[i].size() >= (1u << 31) - 4096) {
          return Status::InvalidArgument(where() + " row " + std::to_string(rows_written_ + i) +
                                         ": value larger than 2 GiB");
        }
      }
    }
  }
  return Status::OK();
}

Status SegmentWriterImpl::Append(std::span<const ColumnData> columns) {
  if (!error_.ok()) return error_;
  if (finished_) return Status::InvalidArgument(path_ + ": Append after Finish");
  DP_RETURN_IF_ERROR(ValidateBatch(columns));  // a bad batch does not poison the writer
  const size_t n = columns[0].length;
  size_t done = 0;
  while (done < n) {
    size_t k = std::min<uint64_t>(n - done, options_.row_group_rows - rg_rows_);
    // Columns are independent until their chunks are written.
    DP_RETURN_IF_ERROR(Poison(ForEachColumn(k, [&](size_t c) { return columns_[c]->Append(columns[c], done, k); })));
    done += k;
    rg_rows_ += k;
    rows_written_ += k;
    if (rg_rows_ == options_.row_group_rows) DP_RETURN_IF_ERROR(Poison(FlushRowGroup()));
  }
  return Status::OK();
}

Status SegmentWriterImpl::AppendRow(std::span<const Value> row) {
  if (row.size() != schema_.num_fields()) {
    return Status::InvalidArgument(path_ + ": row has " + std::to_string(row.size()) + " values, schema has " +
                                   std::to_string(schema_.num_fields()));
  }
  std::vector<ColumnData> cols(row.size());
  std::vector<uint64_t> slots(row.size(), 0);
  std::vector<std::string_view> views(row.size());
  std::vector<uint8_t> valid(row.size(), 1);
  for (size_t c = 0; c < row.size(); ++c) {
    const Field& f = schema_.field(c);
    const Value& v = row[c];
    cols[c].length = 1;
    // The message prefix is built only when a value is rejected.
    auto bad = [&](const std::string& what) {
      return Status::InvalidArgument(path_ + ": row " + std::to_string(rows_written_) + " column '" + f.name +
                                     "': " + what);
    };
    if (v.is_null()) {
      valid[c] = 0;
      cols[c].validity = &valid[c];
    }
    if (f.type.is_binary_like()) {
      if (!v.is_null() && !v.is_bytes()) return bad("expected a Bytes value");
      views[c] = v.is_bytes() ? std::string_view(v.as_bytes()) : std::string_view();
      cols[c].strings = &views[c];
      continue;
    }
    cols[c].values = &slots[c];
    if (v.is_null()) continue;
    void* dst = &slots[c];
    auto store_int = [&](auto tag) -> Status {
      using T = decltype(tag);
      if (v.is_int()) {
        int64_t x = v.as_int();
        if (x < int64_t(std::numeric_limits<T>::min()) ||
            (x > 0 && uint64_t(x) > uint64_t(std::numeric_limits<T>::max()))) {
          return bad(std::to_string(x) + " out of range for " + f.type.ToString());
        }
        T t = static_cast<T>(x);
        std::memcpy(dst, &t, sizeof(T));
      } else if (v.is_uint()) {
        uint64_t x = v.as_uint();
        if (x > uint64_t(std::numeric_limits<T>::max())) {
          return bad(std::to_string(x) + " out of range for " + f.type.ToString());
        }
        T t = static_cast<T>(x);
        std::memcpy(dst, &t, sizeof(T));
      } else {
        return bad("expected an integer value for " + f.type.ToString());
      }
      return Status::OK();
    };
    switch (f.type.id) {
      case TypeId::kBool:
        if (!v.is_bool()) return bad("expected a Bool value");
        slots[c] = v.as_bool();
        break;
      case TypeId::kInt8: DP_RETURN_IF_ERROR(store_int(int8_t{})); break;
      case TypeId::kInt16: DP_RETURN_IF_ERROR(store_int(int16_t{})); break;
      case TypeId::kInt32:
      case TypeId::kDate32: DP_RETURN_IF_ERROR(store_int(int32_t{})); break;
      case TypeId::kInt64:
      case TypeId::kTimestamp: DP_RETURN_IF_ERROR(store_int(int64_t{})); break;
      case TypeId::kUInt8: DP_RETURN_IF_ERROR(store_int(uint8_t{})); break;
      case TypeId::kUInt16: DP_RETURN_IF_ERROR(store_int(uint16_t{})); break;
      case TypeId::kUInt32: DP_RETURN_IF_ERROR(store_int(uint32_t{})); break;
      case TypeId::kUInt64: DP_RETURN_IF_ERROR(store_int(uint64_t{})); break;
      case TypeId::kFloat32:
      case TypeId::kFloat64: {
        double d;
        if (v.is_double()) d = v.as_double();
        else if (v.is_int()) d = double(v.as_int());
        else if (v.is_uint()) d = double(v.as_uint());
        else return bad("expected a Double value");
        if (f.type.id == TypeId::kFloat32) {
          float x = static_cast<float>(d);
          std::memcpy(dst, &x, 4);
        } else {
          std::memcpy(dst, &d, 8);
        }
        break;
      }
      default: return Status::Internal(path_ + ": column '" + f.name + "': unhandled type " + f.type.ToString());
    }
  }
  return Append(cols);
}

Status SegmentWriterImpl::FlushRowGroup() {
  if (rg_rows_ == 0) return Status::OK();
  DP_RETURN_IF_ERROR(file_->AppendZeros(PadTo(file_->size(), format::kPageAlignment) - file_->size()));
  RowGroupRecord rg{rows_written_ - rg_rows_, rg_rows_, file_->size(), 0};
  // The last pages concurrently, then the chunks in column order.
  DP_RETURN_IF_ERROR(ForEachColumn(rg_rows_, [&](size_t c) { return columns_[c]->FlushPage(); }));
  for (auto& c : columns_) DP_RETURN_IF_ERROR(c->WriteChunk(file_.get()));
  rg.length = file_->size() - rg.offset;
  row_groups_.push_back(rg);
  rg_rows_ = 0;
  return Status::OK();
}

Status SegmentWriterImpl::WriteFooter() {
  // Column metadata blocks, each 8-aligned.
  std::vector<fb::ColumnRef> refs;
  flatbuffers::FlatBufferBuilder fbb(4096);
  for (auto& c : columns_) {
    fbb.Clear();
    c->BuildMeta(&fbb);
    DP_RETURN_IF_ERROR(file_->AppendZeros(PadTo(file_->size(), format::kMetadataAlignment) - file_->size()));
    uint64_t off = file_->size();
    std::span<const uint8_t> block(fbb.GetBufferPointer(), fbb.GetSize());
    refs.emplace_back(off, format::Checksum(block), static_cast<uint32_t>(block.size()), 0);
    DP_RETURN_IF_ERROR(file_->Append(block));
  }

  // Root footer: schema (columnar), row groups, column refs, metadata.
  fbb.Clear();
  std::vector<fb::FieldInfo> infos;
  std::vector<uint32_t> name_offsets{0}, doc_offsets{0};
  std::string names, docs;
  for (const Field& f : schema_.fields()) {
    uint8_t flags = (f.nullable ? 1 : 0) | (f.type.id == TypeId::kTimestamp && f.type.utc ? 2 : 0);
    uint8_t unit = f.type.id == TypeId::kTimestamp ? static_cast<uint8_t>(f.type.unit) : 0;
    infos.emplace_back(f.field_id, static_cast<uint8_t>(f.type.id), unit, flags, 0);
    names += f.name;
    name_offsets.push_back(static_cast<uint32_t>(names.size()));
    docs += f.doc;
    doc_offsets.push_back(static_cast<uint32_t>(docs.size()));
  }
  auto as_bytes = [&](const std::string& s) {
    return fbb.CreateVector(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  auto fields_off = fbb.CreateVectorOfStructs(infos);
  auto no = fbb.CreateVector(name_offsets);
  auto nb = as_bytes(names);
  auto d_o = fbb.CreateVector(doc_offsets);
  auto db = as_bytes(docs);
  auto schema_off = fb::CreateSchema(fbb, fields_off, no, nb, d_o, db);
  std::vector<fb::RowGroupInfo> rgs;
  for (const auto& r : row_groups_) rgs.emplace_back(r.first_row, r.num_rows, r.offset, r.length);
  auto rgs_off = fbb.CreateVectorOfStructs(rgs);
  auto refs_off = fbb.CreateVectorOfStructs(refs);
  std::vector<flatbuffers::Offset<fb::KeyValue>> kvs;
  for (const KeyValue& kv : options_.metadata) {
    kvs.push_back(fb::CreateKeyValue(fbb, fbb.CreateString(kv.key), fbb.CreateString(kv.value)));
  }
  auto kvs_off = fbb.CreateVector(kvs);
  auto created = fbb.CreateString(kCreatedBy);
  fbb.Finish(fb::CreateFooter(fbb, schema_off, rows_written_, rgs_off, refs_off, kvs_off, created), "DPCF");

  DP_RETURN_IF_ERROR(file_->AppendZeros(PadTo(file_->size(), format::kMetadataAlignment) - file_->size()));
  std::span<const uint8_t> footer(fbb.GetBufferPointer(), fbb.GetSize());
  DP_RETURN_IF_ERROR(file_->Append(footer));

  format::Trailer t;
  t.footer_length = footer.size();
  for (const auto& c : columns_) t.required_features |= c->required_features();
  uint8_t trailer[format::kTrailerSize];
  format::EncodeTrailer(t, trailer);
  format::StreamingChecksum sum;
  sum.Update(footer.data(), footer.size());
  sum.Update(trailer, format::kTrailerChecksummedPrefix);
  t.checksum = sum.Digest();
  format::EncodeTrailer(t, trailer);
  return file_->Append(trailer);
}

Status SegmentWriterImpl::Finish() {
  if (!error_.ok()) return error_;
  if (finished_) return Status::InvalidArgument(path_ + ": Finish called twice");
  for (const KeyValue& kv : options_.metadata) {
    size_t same = std::count_if(options_.metadata.begin(), options_.metadata.end(),
                                [&](const KeyValue& o) { return o.key == kv.key; });
    if (same > 1) return Status::InvalidArgument(path_ + ": metadata key '" + kv.key + "' given twice");
  }
  DP_RETURN_IF_ERROR(Poison(FlushRowGroup()));
  DP_RETURN_IF_ERROR(Poison(WriteFooter()));
  if (options_.sync) DP_RETURN_IF_ERROR(Poison(file_->Sync()));
  DP_RETURN_IF_ERROR(Poison(file_->Close()));
  bytes_final_ = file_->size();
  file_.reset();
  columns_.clear();
  finished_ = true;
  return Status::OK();
}

void SegmentWriterImpl::Abort() {
  if (finished_) return;
  if (file_) {
    file_->Close().IgnoreError();
    file_.reset();
    ::unlink(path_.c_str());
  }
  finished_ = true;
  if (error_.ok()) error_ = Status::InvalidArgument(path_ + ": writer was aborted");
}

}  // namespace dp::storage
