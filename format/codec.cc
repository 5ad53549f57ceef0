// Page codecs: zstd and lz4 over a whole page body. Stored bytes: spec/format.md
// §"Codecs" (one zstd frame; one raw LZ4 block). Decompression produces
// exactly the declared size or fails with Corruption.
#include "format/codec.h"

#include <lz4.h>
#include <zstd.h>

#include <climits>
#include <cstring>
#include <string>

namespace dp::format {
namespace {

Status CompressZstd(std::span<const uint8_t> in, int level, std::vector<uint8_t>* out) {
  // One context per thread: ZSTD_compress() allocates and clears a fresh one
  // (hundreds of KiB) on every call, which cost more than compressing a
  // small page. The output is the same: a one-shot compression does not
  // depend on what the context compressed before.
  struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ~Context() { ZSTD_freeCCtx(cctx); }
  };
  thread_local Context ctx;
  const size_t at = out->size();
  out->resize(at + ZSTD_compressBound(in.size()));
  const size_t n = ctx.cctx != nullptr
                       ? ZSTD_compressCCtx(ctx.cctx, out->data() + at, out->size() - at, in.data(), in.size(), level)
                       : ZSTD_compress(out->data() + at, out->size() - at, in.data(), in.size(), level);
  if (ZSTD_isError(n)) {
    out->resize(at);
    return Status::Internal("zstd compression of " + std::to_string(in.size()) +
                            " bytes failed: " + ZSTD_getErrorName(n));
  }
  out->resize(at + n);
  return Status::OK();
}

Status CompressLz4(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  if (in.size() > LZ4_MAX_INPUT_SIZE) {
    return Status::InvalidArgument("lz4 cannot compress " + std::to_string(in.size()) + " bytes (limit " +
                                   std::to_string(LZ4_MAX_INPUT_SIZE) + ")");
  }
  const size_t at = out->size();
  const int bound = LZ4_compressBound(int(in.size()));
  out->resize(at + size_t(bound));
  const int n = LZ4_compress_default(reinterpret_cast<const char*>(in.data()),
                                     reinterpret_cast<char*>(out->data() + at), int(in.size()), bound);
  if (n <= 0) {
    out->resize(at);
    return Status::Internal("lz4 compression of " + std::to_string(in.size()) + " bytes failed");
  }
  out->resize(at + size_t(n));
  return Status::OK();
}

Status DecompressZstd(std::span<const uint8_t> in, std::span<uint8_t> out) {
  const size_t frame = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (ZSTD_isError(frame)) {
    return Status::Corruption(std::string("zstd stream of ") + std::to_string(in.size()) +
                              " bytes is not a valid frame: " + ZSTD_getErrorName(frame));
  }
  if (frame != in.size()) {
    return Status::Corruption("zstd stream has " + std::to_string(in.size() - frame) +
                              " bytes after its frame of " + std::to_string(frame));
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("zstd frame header is invalid");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != out.size()) {
    return Status::Corruption("zstd frame declares " + std::to_string(declared) + " bytes, the page " +
                              std::to_string(out.size()));
  }
  // One context per thread, as for compression: ZSTD_decompress() allocates
  // and initializes a fresh one per call, which cost more than inflating a
  // small page (a scan loads one page per column every 64Ki rows).
  struct Context {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ~Context() { ZSTD_freeDCtx(dctx); }
  };
  thread_local Context ctx;
  const size_t n = ctx.dctx != nullptr ? ZSTD_decompressDCtx(ctx.dctx, out.data(), out.size(), in.data(), in.size())
                                       : ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) {
    return Status::Corruption("zstd decompression to " + std::to_string(out.size()) +
                              " bytes failed: " + ZSTD_getErrorName(n));
  }
  if (n != out.size()) {
    return Status::Corruption("zstd stream holds " + std::to_string(n) + " bytes, the page " +
                              std::to_string(out.size()));
  }
  return Status::OK();
}

Status DecompressLz4(std::span<const uint8_t> in, std::span<uint8_t> out) {
  if (in.size() > INT_MAX || out.size() > INT_MAX) {
    return Status::Corruption("lz4 block of " + std::to_string(in.size()) + " bytes into " +
                              std::to_string(out.size()) + " exceeds the 2 GiB lz4 limit");
  }
  const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                    int(in.size()), int(out.size()));
  if (n < 0) {
    return Status::Corruption("lz4 block of " + std::to_string(in.size()) + " bytes is malformed or holds more than " +
                              std::to_string(out.size()) + " bytes");
  }
  if (size_t(n) != out.size()) {
    return Status::Corruption("lz4 block holds " + std::to_string(n) + " bytes, the page " +
                              std::to_string(out.size()));
  }
  return Status::OK();
}

}  // namespace

Status Compress(Codec codec, std::span<const uint8_t> in, int level, std::vector<uint8_t>* out) {
  switch (codec) {
    case Codec::kNone:
      out->insert(out->end(), in.begin(), in.end());
      return Status::OK();
    case Codec::kZstd: return CompressZstd(in, level, out);
    case Codec::kLz4: return CompressLz4(in, out);
  }
  return Status::InvalidArgument("unknown codec id " + std::to_string(static_cast<int>(codec)));
}

Status Decompress(Codec codec, std::span<const uint8_t> in, std::span<uint8_t> out) {
  switch (codec) {
    case Codec::kNone:
      if (in.size() != out.size()) {
        return Status::Corruption("uncompressed page holds " + std::to_string(in.size()) + " bytes, expected " +
                                  std::to_string(out.size()));
      }
      if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
      return Status::OK();
    case Codec::kZstd: return DecompressZstd(in, out);
    case Codec::kLz4: return DecompressLz4(in, out);
  }
  return Status::Corruption("unknown codec id " + std::to_string(static_cast<int>(codec)));
}

}  // namespace dp::format

namespace dp {

// Declared in dp/writer.h.
std::string_view CodecName(Codec c) {
  switch (c) {
    case Codec::kNone: return "none";
    case Codec::kZstd: return "zstd";
    case Codec::kLz4: return "lz4";
  }
  return "unknown";
}

}  // namespace dp
