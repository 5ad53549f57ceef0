// CSV reader (RFC 4180 plus LF line ends and a configurable delimiter); the
// rules are in reader.h. Each record is parsed in two steps: find the field
// boundaries (stopping, without side effects, when the record runs past the
// buffered bytes), then convert each field into the batch.
#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/dpload/convert.h"
#include "tools/dpload/reader.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dp::tools::dpload {

namespace {

struct FieldSpan {
  const char* begin;  // first byte of the field (the opening quote if quoted)
  const char* end;    // past the last content byte (before the closing quote)
  bool quoted;
  bool escaped;       // holds "" pairs
};

class CsvReader {
 public:
  CsvReader(InputStream* in, const ReaderOptions& o, Emitter* em)
      : in_(in), o_(o), em_(em), buf_(in, o.read_buffer_bytes, o.max_line_bytes) {
    std::memset(special_, 0, sizeof(special_));
    for (unsigned char c : {static_cast<unsigned char>(o.delimiter), static_cast<unsigned char>('\n'),
                            static_cast<unsigned char>('\r'), static_cast<unsigned char>('"')}) {
      special_[c] = true;
    }
  }

  Status Run();

 private:
  // Bit i set: p[i] is the delimiter, '"', CR or LF (64 bytes from p; the
  // buffer's padding makes reading past the data safe).
  uint64_t Classify(const char* p) const;
  // The first delimiter, quote, CR or LF at or after p (the '\n' sentinel at
  // the end of the data stops it). Blocks of 64 bytes are classified once and
  // reused by the following fields until the buffer changes.
  const char* NextSpecial(const char* p) {
    if (block_ == nullptr || p < block_ || p - block_ >= 64) {
      block_ = p;
      mask_ = Classify(p);
    }
    uint64_t m = mask_ & (~uint64_t{0} << (p - block_));
    while (m == 0) {
      block_ += 64;
      mask_ = Classify(block_);
      m = mask_;
    }
    return block_ + __builtin_ctzll(m);
  }

  enum class Scan { kRecord, kIncomplete };

  Result<Scan> ScanRecord(const char* p, const char* end, const char** next);
  Status Header();
  Status ConvertRecord();
  Status ErrorAt(const char* at, const std::string& what) const;
  std::string_view Unescape(const FieldSpan& f);
  std::string FieldLabel(size_t col) const;

  InputStream* in_;
  const ReaderOptions& o_;
  Emitter* em_;
  ReadBuffer buf_;
  bool special_[256];
  const char* block_ = nullptr;  // start of the classified block (nullptr: none)
  uint64_t mask_ = 0;

  std::vector<FieldSpan> fields_;
  const char* rec_begin_ = nullptr;
  const char* rec_end_ = nullptr;  // past the content, before the line end
  uint64_t line_ = 1;              // line of rec_begin_
  bool rec_multiline_ = false;     // a quoted field holds a line break

  bool have_header_ = false;
  std::vector<int> col_map_;       // CSV column -> schema field, -1 skip
  std::vector<size_t> missing_;    // schema fields absent from the header
  size_t expected_fields_ = 0;
  std::string scratch_;
  std::string why_;
};

Status CsvReader::ErrorAt(const char* at, const std::string& what) const {
  uint64_t line = line_;
  const char* line_begin = rec_begin_;
  for (const char* p = rec_begin_; p < at; ++p) {
    if (*p == '\n') {
      ++line;
      line_begin = p + 1;
    }
  }
  return Status::InvalidArgument(Where(in_->name(), line, static_cast<uint64_t>(at - line_begin) + 1) + what);
}

std::string CsvReader::FieldLabel(size_t col) const {
  const Field& f = em_->schema().field(col);
  return "field '" + f.name + "' (" + f.type.ToString() + ")";
}

// Finds the fields of the record at p. kIncomplete: the record (or its line
// end) runs past `end` and more input may follow; nothing was consumed.
Result<CsvReader::Scan> CsvReader::ScanRecord(const char* p, const char* end, const char** next) {
  const char delim = o_.delimiter;
  const bool eof = buf_.eof();
  fields_.clear();
  rec_begin_ = p;
  rec_multiline_ = false;
  while (true) {
    const char* start = p;
    if (p < end && *p == '"') {
      const char* q = p + 1;
      bool escaped = false;
      const char* close;
      while (true) {
        close = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end - q)));
        if (close == nullptr) {
          if (!eof) return Scan::kIncomplete;
          rec_end_ = end;
          return ErrorAt(start, "unterminated quoted field (the closing '\"' is missing)");
        }
        if (close + 1 == end && !eof) return Scan::kIncomplete;
        if (close + 1 < end && close[1] == '"') {
          escaped = true;
          q = close + 2;
          continue;
        }
        break;
      }
      if (!rec_multiline_ && std::memchr(p + 1, '\n', static_cast<size_t>(close - p - 1)) != nullptr) {
        rec_multiline_ = true;
      }
      fields_.push_back({start, close, true, escaped});
      p = close + 1;
      if (p == end) {  // eof (checked above)
        rec_end_ = p;
        *next = p;
        return Scan::kRecord;
      }
      const char c = *p;
      if (c == delim) {
        ++p;
        continue;
      }
      if (c != '\n' && c != '\r') {
        rec_end_ = p;
        return ErrorAt(p, std::string("unexpected character '") + c +
                              "' after a closing quote (a quoted field must end at a delimiter or line end)");
      }
    } else {
      p = NextSpecial(p);  // data()[size()] is a '\n' sentinel
      if (p == end) {
        if (!eof) return Scan::kIncomplete;
        fields_.push_back({start, p, false, false});
        rec_end_ = p;
        *next = p;
        return Scan::kRecord;
      }
      fields_.push_back({start, p, false, false});
      const char c = *p;
      if (c == delim) {
        ++p;
        continue;
      }
      if (c == '"') {
        rec_end_ = p;
        return ErrorAt(p, "'\"' inside an unquoted field (quote the whole field and double the quote)");
      }
    }
    // A line end: LF or CRLF.
    rec_end_ = p;
    if (*p == '\r') {
      if (p + 1 == end && !eof) return Scan::kIncomplete;
      if (p + 1 == end || p[1] != '\n') return ErrorAt(p, "carriage return not followed by a line feed");
      ++p;
    }
    *next = p + 1;
    return Scan::kRecord;
  }
}

uint64_t CsvReader::Classify(const char* p) const {
#if defined(__SSE2__)
  const __m128i delim = _mm_set1_epi8(o_.delimiter);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, delim), _mm_cmpeq_epi8(x, quote)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)));
    mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(hit))) << (16 * i);
  }
  return mask;
#else
  uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) mask |= static_cast<uint64_t>(special_[static_cast<unsigned char>(p[i])]) << i;
  return mask;
#endif
}

std::string_view CsvReader::Unescape(const FieldSpan& f) {
  const char* b = f.begin + 1;
  if (!f.escaped) return {b, static_cast<size_t>(f.end - b)};
  scratch_.clear();
  for (const char* p = b; p < f.end; ++p) {
    scratch_ += *p;
    if (*p == '"') ++p;  // the second quote of a pair
  }
  return scratch_;
}

Status CsvReader::Header() {
  const Schema& schema = em_->schema();
  std::unordered_map<std::string_view, size_t> by_name;
  for (size_t i = 0; i < schema.num_fields(); ++i) by_name.emplace(schema.field(i).name, i);
  std::vector<bool> seen(schema.num_fields(), false);
  col_map_.assign(fields_.size(), -1);
  for (size_t i = 0; i < fields_.size(); ++i) {
    const FieldSpan& f = fields_[i];
    const std::string name(f.quoted ? Unescape(f) : std::string_view(f.begin, static_cast<size_t>(f.end - f.begin)));
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      if (o_.ignore_unknown) continue;
      return ErrorAt(f.begin, "header column '" + name +
                                  "' is not a field of the schema (use --ignore-unknown to skip such columns)");
    }
    if (seen[it->second]) return ErrorAt(f.begin, "header names column '" + name + "' twice");
    seen[it->second] = true;
    col_map_[i] = static_cast<int>(it->second);
  }
  for (size_t i = 0; i < schema.num_fields(); ++i) {
    if (seen[i]) continue;
    if (!schema.field(i).nullable) {
      return ErrorAt(rec_begin_, "the header has no column for not-null field '" + schema.field(i).name + "'");
    }
    missing_.push_back(i);
  }
  expected_fields_ = fields_.size();
  return Status::OK();
}

Status CsvReader::ConvertRecord() {
  if (fields_.size() != expected_fields_) {
    const char* at = fields_.size() > expected_fields_ ? fields_[expected_fields_].begin : rec_end_;
    return ErrorAt(at, "record has " + std::to_string(fields_.size()) + " fields, expected " +
                           std::to_string(expected_fields_));
  }
  const bool ascii = IsAscii(rec_begin_, static_cast<size_t>(rec_end_ - rec_begin_));
  BatchBuilder* batch = em_->batch();
  const Schema& schema = em_->schema();
  for (size_t i = 0; i < fields_.size(); ++i) {
    const int c = col_map_[i];
    if (c < 0) continue;
    const auto col = static_cast<size_t>(c);
    const FieldSpan& f = fields_[i];
    const bool empty = f.quoted ? f.end == f.begin + 1 : f.end == f.begin;
    if (empty && (!f.quoted || !schema.field(col).type.is_binary_like())) {
      if (!schema.field(col).nullable) return ErrorAt(f.begin, FieldLabel(col) + " is not null but the field is empty");
      batch->SetNull(col);
      continue;
    }
    const std::string_view text = f.quoted ? Unescape(f) : std::string_view(f.begin, static_cast<size_t>(f.end - f.begin));
    size_t offset;
    if (!StoreText(batch, col, text, ascii, &why_, &offset)) {
      const char* at = f.escaped ? f.begin : f.begin + (f.quoted ? 1 : 0) + offset;
      return ErrorAt(at, FieldLabel(col) + ": " + why_);
    }
  }
  for (size_t col : missing_) batch->SetNull(col);
  return em_->FinishRow(line_);
}

Status CsvReader::Run() {
  const Schema& schema = em_->schema();
  if (!o_.header) {
    have_header_ = true;
    expected_fields_ = schema.num_fields();
    col_map_.resize(schema.num_fields());
    for (size_t i = 0; i < col_map_.size(); ++i) col_map_[i] = static_cast<int>(i);
  }
  buf_.set_sentinel('\n');
  DP_ASSIGN_OR_RETURN(size_t pos, buf_.ByteOrderMark());
  while (true) {
    const char* data = buf_.data();
    const char* end = data + buf_.size();
    if (data + pos == end) {
      if (buf_.eof()) break;
    } else {
      const char* next = nullptr;
      DP_ASSIGN_OR_RETURN(Scan scan, ScanRecord(data + pos, end, &next));
      if (scan == Scan::kRecord) {
        if (static_cast<size_t>(rec_end_ - rec_begin_) > o_.max_line_bytes) {
          return ErrorAt(rec_begin_, TooLong("record", o_.max_line_bytes));
        }
        const bool blank = rec_end_ == rec_begin_ && expected_fields_ != 1;
        if (!have_header_) {
          DP_RETURN_IF_ERROR(Header());
          have_header_ = true;
        } else if (!blank) {
          DP_RETURN_IF_ERROR(ConvertRecord());
        }
        line_ += 1;
        if (rec_multiline_) line_ += static_cast<uint64_t>(std::count(rec_begin_, rec_end_, '\n'));
        pos = static_cast<size_t>(next - data);
        continue;
      }
    }
    // Need more bytes: keep the unfinished record and read behind it.
    block_ = nullptr;  // the bytes move
    DP_RETURN_IF_ERROR(RefillForRecord(&buf_, pos, line_, "record"));
    pos = 0;
  }
  return Status::OK();
}

}  // namespace

Status ReadCsv(InputStream* in, const ReaderOptions& options, Emitter* emitter) {
  CsvReader reader(in, options, emitter);
  return reader.Run();
}

}  // namespace dp::tools::dpload
