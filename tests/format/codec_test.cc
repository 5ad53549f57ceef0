// Page codecs (spec/format.md §"Codecs"): round trips, and Corruption for
// malformed streams and for streams that do not hold exactly the page size.
#include "format/codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace dp::format {
namespace {

std::vector<uint8_t> Compressible(size_t n) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(11);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i % 97 < 60 ? 'a' + i % 7 : rng());
  return v;
}

std::vector<uint8_t> Compressed(Codec codec, const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(Compress(codec, in, 3, &out).ok());
  return out;
}

class CodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecTest, RoundTrips) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{65536}, size_t{1} << 20}) {
    const std::vector<uint8_t> in = Compressible(n);
    std::vector<uint8_t> stored = {0xEE};  // Compress appends
    ASSERT_TRUE(Compress(GetParam(), in, 1, &stored).ok());
    ASSERT_EQ(stored[0], 0xEE);
    std::vector<uint8_t> back(n);
    const Status s = Decompress(GetParam(), std::span(stored).subspan(1), back);
    ASSERT_TRUE(s.ok()) << n << ": " << s.ToString();
    ASSERT_EQ(back, in) << n;
  }
}

TEST_P(CodecTest, WrongDeclaredSizeIsCorruption) {
  const std::vector<uint8_t> in = Compressible(5000);
  const std::vector<uint8_t> stored = Compressed(GetParam(), in);
  for (size_t n : {size_t{0}, size_t{4999}, size_t{5001}, size_t{10000}}) {
    std::vector<uint8_t> out(n);
    const Status s = Decompress(GetParam(), stored, out);
    EXPECT_TRUE(s.IsCorruption()) << n << ": " << s.ToString();
  }
}

// A zip bomb: a tiny stream that inflates to 16 MiB, declared as a 4 KiB
// page. Decompression writes at most the declared size and reports the lie.
TEST_P(CodecTest, ZipBombIsBoundedByTheDeclaredSize) {
  const std::vector<uint8_t> zeros(16u << 20, 0);
  const std::vector<uint8_t> stored = Compressed(GetParam(), zeros);
  if (GetParam() != Codec::kNone) {
    ASSERT_LT(stored.size(), 100'000u);
  }
  std::vector<uint8_t> out(4096 + 64, 0xAB);
  const Status s = Decompress(GetParam(), stored, std::span(out).first(4096));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  for (size_t i = 4096; i < out.size(); ++i) ASSERT_EQ(out[i], 0xAB) << "wrote past the declared size at " << i;
}

TEST_P(CodecTest, TruncatedStreamIsCorruption) {
  const std::vector<uint8_t> in = Compressible(5000);
  const std::vector<uint8_t> stored = Compressed(GetParam(), in);
  for (size_t keep = 0; keep < stored.size(); ++keep) {
    std::vector<uint8_t> out(in.size());
    const Status s = Decompress(GetParam(), std::span(stored).first(keep), out);
    ASSERT_TRUE(s.IsCorruption()) << "kept " << keep << " of " << stored.size() << ": " << s.ToString();
  }
}

TEST_P(CodecTest, FlippedBytesNeverEscapeTheBuffer) {
  // A flip may still decode (no content checksum: the page checksum catches
  // it); it must never write past the page or report a wrong size as OK.
  const std::vector<uint8_t> in = Compressible(3000);
  const std::vector<uint8_t> stored = Compressed(GetParam(), in);
  for (size_t i = 0; i < stored.size(); ++i) {
    std::vector<uint8_t> bad = stored;
    bad[i] ^= 0x5A;
    std::vector<uint8_t> out(in.size() + 64, 0xCD);
    const Status s = Decompress(GetParam(), bad, std::span(out).first(in.size()));
    ASSERT_TRUE(s.ok() || s.IsCorruption()) << i << ": " << s.ToString();
    for (size_t k = in.size(); k < out.size(); ++k) ASSERT_EQ(out[k], 0xCD) << "byte " << i << " wrote past the page";
  }
}

TEST_P(CodecTest, GarbageIsCorruption) {
  std::vector<uint8_t> garbage(300);
  std::mt19937 rng(5);
  for (auto& b : garbage) b = uint8_t(rng());
  std::vector<uint8_t> out(1000);
  EXPECT_TRUE(Decompress(GetParam(), garbage, out).IsCorruption());
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecTest, ::testing::Values(Codec::kNone, Codec::kZstd, Codec::kLz4),
                         [](const ::testing::TestParamInfo<Codec>& p) {
                           switch (p.param) {
                             case Codec::kNone: return std::string("none");
                             case Codec::kZstd: return std::string("zstd");
                             default: return std::string("lz4");
                           }
                         });

TEST(CodecZstd, BytesAfterTheFrameAreCorruption) {
  const std::vector<uint8_t> in = Compressible(1000);
  std::vector<uint8_t> stored = Compressed(Codec::kZstd, in);
  stored.push_back(0);
  std::vector<uint8_t> out(in.size());
  const Status s = Decompress(Codec::kZstd, stored, out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(CodecZstd, TwoFramesAreCorruption) {
  const std::vector<uint8_t> in = Compressible(1000);
  std::vector<uint8_t> stored = Compressed(Codec::kZstd, in);
  const std::vector<uint8_t> again = stored;
  stored.insert(stored.end(), again.begin(), again.end());
  std::vector<uint8_t> out(2 * in.size());
  EXPECT_TRUE(Decompress(Codec::kZstd, stored, out).IsCorruption());
}

TEST(CodecIds, UnknownCodecIsRejected) {
  const std::vector<uint8_t> in(10, 1);
  std::vector<uint8_t> out(10);
  EXPECT_TRUE(Decompress(static_cast<Codec>(9), in, out).IsCorruption());
  std::vector<uint8_t> stored;
  EXPECT_TRUE(Compress(static_cast<Codec>(9), in, 1, &stored).IsInvalidArgument());
}

}  // namespace
}  // namespace dp::format
