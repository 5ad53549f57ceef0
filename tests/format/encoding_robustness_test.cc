// Decoders facing hostile bytes (spec/format.md §"Encodings": every size,
// offset, width and padding byte is validated): every truncation and every
// single-byte change of valid payloads must decode to some values or fail
// with Corruption, never crash or read outside the payload (run this under
// -DDP_SANITIZE=address,undefined to check the second half).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "format/encoding.h"
#include "tests/format/page_util.h"

namespace dp::format {
namespace {

using testing::FixedPage;
using testing::kAllEncodings;
using testing::Page;
using testing::StringPage;

// Pages small enough to mutate exhaustively; each exercises one encoding's
// structure (several blocks, runs, a dictionary, a partial last block).
std::vector<Page> SamplePages() {
  std::mt19937_64 rng(21);
  std::vector<Page> pages;
  std::vector<int32_t> i32(1500);
  for (auto& x : i32) x = int32_t(rng() % 5000) - 100;
  pages.push_back(FixedPage(PhysicalType::kI32, i32));
  std::vector<int64_t> i64(1100);
  int64_t t = 1'000'000;
  for (auto& x : i64) x = t += int64_t(rng() % 9);
  pages.push_back(FixedPage(PhysicalType::kI64, i64));
  std::vector<uint8_t> u8(40);
  for (size_t i = 0; i < u8.size(); ++i) u8[i] = uint8_t(i / 7 * 3);
  pages.push_back(FixedPage(PhysicalType::kU8, u8));
  pages.push_back(FixedPage<double>(PhysicalType::kF64, {1.5, -0.0, 1.5, 2.5, 2.5, 2.5, 1.5}));
  pages.push_back(FixedPage<uint8_t>(PhysicalType::kBool, {1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1}));
  pages.push_back(FixedPage(PhysicalType::kI16, std::vector<int16_t>(1030, -5)));
  pages.push_back(StringPage({"alpha", "", "beta", "alpha", "alpha", "gamma", ""}));
  pages.push_back(StringPage(std::vector<std::string>(9, "same")));
  return pages;
}

// Decodes `payload` (copied to a buffer of exactly its size, so a sanitizer
// sees any read past it) through DecodeAll and through Next/Skip.
Status TryDecode(Encoding e, const Page& page, const std::vector<uint8_t>& bytes) {
  const std::unique_ptr<uint8_t[]> exact(new uint8_t[bytes.size() + (bytes.empty() ? 1 : 0)]);
  std::copy(bytes.begin(), bytes.end(), exact.get());
  const std::span<const uint8_t> payload(exact.get(), bytes.size());
  std::vector<uint64_t> values(page.count + 1);
  std::vector<std::string_view> strings(page.count + 1);
  DP_RETURN_IF_ERROR(DecodeAll(e, page.type, payload, page.count, values.data(), strings.data()));
  auto decoder = PageDecoder::Make(e, page.type, payload, page.count);
  if (!decoder.ok()) return Status::Internal("DecodeAll succeeded where Make fails: " + decoder.status().ToString());
  alignas(64) uint8_t scratch[kBlockSize * 8];
  std::string_view views[kBlockSize];
  DP_RETURN_IF_ERROR((*decoder)->Skip(std::min(kBlockSize, page.count)));
  while ((*decoder)->remaining() > 0) {
    uint32_t n = 0;
    DP_ASSIGN_OR_RETURN(const void* got, (*decoder)->Next(scratch, views, &n));
    if (got == nullptr || n == 0) return Status::Internal("Next returned nothing before the end");
  }
  return Status::OK();
}

TEST(EncodingRobustness, TruncationsAndByteChanges) {
  size_t payloads = 0, mutations = 0, still_ok = 0;
  for (const Page& page : SamplePages()) {
    for (Encoding e : kAllEncodings) {
      if (!EncodingSupports(e, page.type)) continue;
      if (!testing::ForcedEncodingApplies(e, page)) continue;
      std::vector<uint8_t> payload;
      ASSERT_TRUE(EncodeWith(e, page.View(), &payload).ok());
      const std::string what = std::string(PhysicalTypeName(page.type)) + " x" + std::to_string(page.count) +
                               " encoding " + std::to_string(int(e));
      ASSERT_TRUE(TryDecode(e, page, payload).ok()) << what;
      ++payloads;
      // The payload size is exact: every shorter one is Corruption, and so
      // is one extra byte.
      for (size_t keep = 0; keep < payload.size(); ++keep) {
        const Status s = TryDecode(e, page, std::vector<uint8_t>(payload.begin(), payload.begin() + keep));
        ASSERT_TRUE(s.IsCorruption()) << what << " cut to " << keep << ": " << s.ToString();
      }
      std::vector<uint8_t> longer = payload;
      longer.push_back(0);
      ASSERT_TRUE(TryDecode(e, page, longer).IsCorruption()) << what;
      for (size_t i = 0; i < payload.size(); ++i) {
        for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
          std::vector<uint8_t> bad = payload;
          bad[i] ^= flip;
          const Status s = TryDecode(e, page, bad);
          ASSERT_TRUE(s.ok() || s.IsCorruption()) << what << " byte " << i << " ^ " << int(flip) << ": "
                                                  << s.ToString();
          ++mutations;
          still_ok += s.ok();
        }
      }
    }
  }
  EXPECT_GE(payloads, 30u);
  RecordProperty("mutations", std::to_string(mutations));
  RecordProperty("mutations_decoding_ok", std::to_string(still_ok));
}

TEST(EncodingRobustness, HugeDeclaredSizesAreCorruption) {
  // Header fields claiming far more than the payload holds.
  const std::vector<uint8_t> rle = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
  EXPECT_TRUE(DecodeAll(Encoding::kRle, PhysicalType::kI64, rle, 100, nullptr, nullptr).IsCorruption());
  const std::vector<uint8_t> dict = {0xFF, 0xFF, 0xFF, 0xFF, 32, 0, 0, 0};
  std::vector<std::string_view> views(100);
  EXPECT_TRUE(DecodeAll(Encoding::kDictionary, PhysicalType::kBytes, dict, 100, nullptr, views.data()).IsCorruption());
  const std::vector<uint8_t> constant = {0xFF, 0xFF, 0xFF, 0xFF, 'a', 0, 0, 0};
  EXPECT_TRUE(
      DecodeAll(Encoding::kConstant, PhysicalType::kBytes, constant, 100, nullptr, views.data()).IsCorruption());
  std::vector<uint8_t> plain_bytes(16, 0);
  plain_bytes[4] = 0xFF;  // offsets[1] far past the data
  EXPECT_TRUE(DecodeAll(Encoding::kPlain, PhysicalType::kBytes, plain_bytes, 1, nullptr, views.data()).IsCorruption());
  std::vector<uint8_t> for_header(16, 0);
  for_header[8] = 33;  // width above 32 for a 32-bit word
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForBitpack, PhysicalType::kI32, for_header, 1).status().IsCorruption());
  // A page count near 2^32 must not overflow the size arithmetic.
  for_header[8] = 1;
  EXPECT_TRUE(PageDecoder::Make(Encoding::kForBitpack, PhysicalType::kU32, for_header, UINT32_MAX)
                  .status()
                  .IsCorruption());
}

}  // namespace
}  // namespace dp::format
