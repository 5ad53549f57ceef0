// Tests of the shared CLI helpers: argument parsing, JSON writing, text
// tables and buffered output with hand-rolled number formatting.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tools/common/args.h"
#include "tools/common/json_writer.h"
#include "tools/common/output.h"
#include "tools/common/table.h"

namespace dp::tools {
namespace {

constexpr OptionSpec kSpecs[] = {
    {"rows", "N", "rows"},
    {"json", "", "json output"},
    {"help", "", "help"},
};

Result<ParsedArgs> Parse(std::vector<std::string> args) { return ParseArgs(args, kSpecs); }

TEST(ArgsTest, MixesPositionalsOptionsAndFlags) {
  auto a = Parse({"cmd", "--rows", "10", "file", "--json"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->positional(), (std::vector<std::string>{"cmd", "file"}));
  EXPECT_EQ(a->Value("rows"), "10");
  EXPECT_TRUE(a->Has("json"));
  EXPECT_FALSE(a->Has("help"));
  EXPECT_EQ(a->Value("json"), std::nullopt);
}

TEST(ArgsTest, InlineValueShortHelpAndDoubleDash) {
  auto a = Parse({"--rows=5", "-h", "--", "--json", "-x"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->Value("rows"), "5");
  EXPECT_TRUE(a->Has("help"));
  EXPECT_FALSE(a->Has("json"));
  EXPECT_EQ(a->positional(), (std::vector<std::string>{"--json", "-x"}));
}

TEST(ArgsTest, ErrorsNameTheArgument) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"-x"}, "unknown option '-x'"},
      {{"--rows"}, "option '--rows' needs a value (N)"},
      {{"--rows", "1", "--rows", "2"}, "option '--rows' given twice"},
      {{"--json=yes"}, "option '--json' takes no value"},
  };
  for (const Case& c : cases) {
    auto a = Parse(c.args);
    ASSERT_FALSE(a.ok()) << c.message;
    EXPECT_TRUE(a.status().IsInvalidArgument());
    EXPECT_EQ(a.status().message(), c.message);
  }
}

TEST(ArgsTest, GetUIntChecksRangeAndFallsBack) {
  auto a = Parse({"--rows", "2k"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a->GetUInt("rows", 0, 1, 5000), 2000u);
  EXPECT_EQ(*a->GetUInt("json", 7, 0, 10), 7u);  // a flag has no value: fallback
  auto out_of_range = a->GetUInt("rows", 0, 1, 100);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.status().message(), "--rows must be between 1 and 100, got 2k");
}

TEST(ArgsTest, GetChoiceListsTheChoices) {
  static constexpr std::string_view kChoices[] = {"csv", "jsonl"};
  constexpr OptionSpec kFormat[] = {{"format", "F", ""}};
  std::vector<std::string> argv = {"--format", "xml"};
  auto a = ParseArgs(argv, kFormat);
  ASSERT_TRUE(a.ok());
  auto c = a->GetChoice("format", "csv", kChoices);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "--format must be one of csv|jsonl, got 'xml'");
  auto none = ParseArgs(std::vector<std::string>{}, kFormat);
  EXPECT_EQ(*none->GetChoice("format", "csv", kChoices), "csv");
}

TEST(ArgsTest, ParseUInt) {
  EXPECT_EQ(*ParseUInt("n", "0"), 0u);
  EXPECT_EQ(*ParseUInt("n", "1_000_000"), 1000000u);
  EXPECT_EQ(*ParseUInt("n", "10M"), 10000000u);
  EXPECT_EQ(*ParseUInt("n", "3G"), 3000000000u);
  EXPECT_EQ(*ParseUInt("n", "18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "-1", "1.5", "abc", "12x", "_1", "1_", "M", "18446744073709551616", "20000000000G"}) {
    auto r = ParseUInt("--rows", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--rows: "), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("'" + std::string(bad) + "'"), std::string::npos);
  }
}

TEST(ArgsTest, ParseList) {
  EXPECT_EQ(*ParseList("--columns", "a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(*ParseList("--columns", "a,bb,c"), (std::vector<std::string>{"a", "bb", "c"}));
  for (const char* bad : {"", ",", "a,", ",a", "a,,b"}) {
    auto r = ParseList("--columns", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "--columns: empty item in list '" + std::string(bad) + "'");
  }
}

TEST(ArgsTest, FormatOptionsAlignsHelp) {
  EXPECT_EQ(FormatOptions(kSpecs),
            "  --rows N     rows\n"
            "  --json       json output\n"
            "  -h, --help   help\n");
}

std::string Escaped(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonWriterTest, EscapesStrings) {
  EXPECT_EQ(Escaped("plain"), "\"plain\"");
  EXPECT_EQ(Escaped("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Escaped("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Escaped(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(Escaped(std::string("nul\0!", 5)), "\"nul\\u0000!\"");
  // Valid UTF-8 passes through (2, 3 and 4 byte sequences).
  EXPECT_EQ(Escaped("é€😀"), "\"é€😀\"");
  // Invalid UTF-8 becomes U+FFFD, byte by byte: lone continuation, truncated
  // sequence, overlong encoding, surrogate, beyond U+10FFFF.
  EXPECT_EQ(Escaped("\x80"), "\"\\ufffd\"");
  EXPECT_EQ(Escaped("a\xE2\x82"), "\"a\\ufffd\\ufffd\"");
  EXPECT_EQ(Escaped("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(Escaped("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(Escaped("\xF4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST(JsonWriterTest, CompactNesting) {
  std::string out;
  JsonWriter j(&out);
  j.BeginObject();
  j.Key("a").Int(-1).Key("b").UInt(UINT64_MAX).Key("c").Double(0.5).Key("d").Bool(true).Key("e").Null();
  j.Key("list").BeginArray().String("x").BeginObject().EndObject().BeginArray().EndArray().Number("1e3").EndArray();
  j.Key("nan").Double(std::numeric_limits<double>::quiet_NaN());
  j.Key("inf").Double(-std::numeric_limits<double>::infinity());
  j.EndObject();
  EXPECT_EQ(out,
            "{\"a\":-1,\"b\":18446744073709551615,\"c\":0.5,\"d\":true,\"e\":null,"
            "\"list\":[\"x\",{},[],1e3],\"nan\":\"NaN\",\"inf\":\"-Infinity\"}");
}

TEST(JsonWriterTest, PrettyIndentsTwoSpaces) {
  std::string out;
  JsonWriter j(&out, /*pretty=*/true);
  j.BeginObject().Key("k").BeginArray().Int(1).Int(2).EndArray().Key("o").BeginObject().EndObject().EndObject();
  EXPECT_EQ(out, "{\n  \"k\": [\n    1,\n    2\n  ],\n  \"o\": {}\n}");
}

TEST(TextTableTest, PadsAndAligns) {
  TextTable t({{"name", Align::kLeft}, {"n", Align::kRight}, {"note", Align::kLeft}});
  t.AddRow({"ab", "1", "x"});
  t.AddRow({"é", "1000", ""});
  EXPECT_EQ(t.num_rows(), 2u);
  std::string out;
  t.Render(&out, 1);
  EXPECT_EQ(out,
            " name     n  note\n"
            " ----  ----  ----\n"
            " ab       1  x\n"
            " é     1000\n");
}

std::string Formatted(uint64_t v) {
  char buf[32];
  return std::string(buf, FormatUInt(buf, v));
}
std::string FormattedSigned(int64_t v) {
  char buf[32];
  return std::string(buf, FormatInt(buf, v));
}

TEST(NumberFormatTest, MatchesToString) {
  const uint64_t kValues[] = {0, 7, 9, 10, 99, 100, 101, 999, 1000, 65536, 1234567890123,
                              10000000000000000000ull, UINT64_MAX};
  for (uint64_t v : kValues) {
    EXPECT_EQ(Formatted(v), std::to_string(v));
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{-10}, int64_t{42}, INT64_MAX, INT64_MIN}) {
    EXPECT_EQ(FormattedSigned(v), std::to_string(v));
  }
  // Every power of ten and its neighbours (digit-count boundaries).
  for (uint64_t p = 1; p <= 1000000000000000000ull; p *= 10) {
    for (uint64_t v : {p - 1, p, p + 1}) EXPECT_EQ(Formatted(v), std::to_string(v));
  }
  char buf[16];
  EXPECT_EQ(std::string(buf, FormatZeroPadded(buf, 7, 2)), "07");
  EXPECT_EQ(std::string(buf, FormatZeroPadded(buf, 123, 6)), "000123");
  EXPECT_EQ(std::string(buf, FormatZeroPadded(buf, 2024, 4)), "2024");
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/outfile_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(OutputFileTest, WritesEverythingAcrossBufferBoundaries) {
  const std::string path = dir_ + "/out.txt";
  auto out = OutputFile::Create(path);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::string expected;
  const std::string big(OutputFile::kBufferSize + 123, 'z');  // larger than the buffer
  for (int i = 0; i < 200000; ++i) {
    char* p = (*out)->Reserve(32);
    p = FormatUInt(p, static_cast<uint64_t>(i));
    *p++ = '\n';
    (*out)->Commit(p);
    expected += std::to_string(i) + "\n";
    if (i % 50000 == 0) {
      (*out)->Append(big);
      expected += big;
    }
    (*out)->Append(',');
    expected += ',';
  }
  EXPECT_EQ((*out)->bytes_written(), expected.size());
  ASSERT_TRUE((*out)->Close().ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_EQ(got.str(), expected);
}

TEST_F(OutputFileTest, NeverOverwrites) {
  const std::string path = dir_ + "/exists.txt";
  std::ofstream(path) << "keep";
  auto out = OutputFile::Create(path);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(out.status().message().find(path), std::string::npos);
  auto missing_dir = OutputFile::Create(dir_ + "/no/such/dir.txt");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_TRUE(missing_dir.status().IsIOError());
}

TEST_F(OutputFileTest, WriteErrorsAreReported) {
  // /dev/full accepts open() but fails every write with ENOSPC.
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  const int fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  const int saved = ::dup(STDOUT_FILENO);
  ASSERT_GE(::dup2(fd, STDOUT_FILENO), 0);
  auto out = OutputFile::Stdout();
  out->Append("x");
  Status s = out->Flush();
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.message().find("<stdout>: write failed"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace dp::tools
