// End-to-end tests of the dpgen and dpinspect binaries: exit codes, output
// formats and agreement between the generator's CSV and the segment read back.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dp/dataset.h"
#include "dp/segment.h"

namespace {

namespace fs = std::filesystem;

const std::string kDpgen = DP_DPGEN_PATH;
const std::string kDpinspect = DP_DPINSPECT_PATH;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

std::vector<std::string> Split(const std::string& line, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream s(line);
  for (std::string f; std::getline(s, f, sep);) out.push_back(f);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

std::string Quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A minimal RFC 8259 syntax checker: true iff `text` is exactly one JSON
// value (plus surrounding whitespace).
class JsonChecker {
 public:
  static bool Valid(const std::string& text) {
    JsonChecker c(text);
    return c.Value() && (c.Skip(), c.pos_ == text.size());
  }

 private:
  explicit JsonChecker(const std::string& t) : t_(t) {}
  void Skip() {
    while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < t_.size() && t_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool Literal(const char* word) {
    const std::string w(word);
    if (t_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  bool String() {
    if (!Eat('"')) return false;
    while (pos_ < t_.size()) {
      const unsigned char c = static_cast<unsigned char>(t_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (pos_ >= t_.size()) return false;
        const char e = t_[pos_++];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (pos_ >= t_.size() || !std::isxdigit(static_cast<unsigned char>(t_[pos_++]))) return false;
          }
        } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool Number() {
    static const std::regex kNumber(R"(^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
    std::smatch m;
    const std::string rest = t_.substr(pos_, 64);
    if (!std::regex_search(rest, m, kNumber) || m.length(0) == 0) return false;
    pos_ += static_cast<size_t>(m.length(0));
    return true;
  }
  bool Value() {
    Skip();
    if (pos_ >= t_.size()) return false;
    const char c = t_[pos_];
    if (c == '{') {
      ++pos_;
      if (Eat('}')) return true;
      do {
        Skip();
        if (!String() || !Eat(':') || !Value()) return false;
      } while (Eat(','));
      return Eat('}');
    }
    if (c == '[') {
      ++pos_;
      if (Eat(']')) return true;
      do {
        if (!Value()) return false;
      } while (Eat(','));
      return Eat(']');
    }
    if (c == '"') return String();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return Number();
  }

  const std::string& t_;
  size_t pos_ = 0;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class ToolsCliTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kRows = 100000;

  // One 100k-row data set (segment + CSV, several row groups) for the suite.
  static void SetUpTestSuite() {
    std::string tmpl = ::testing::TempDir() + "/tools_cli_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = new std::string(tmpl);
    RunResult r = Run(kDpgen, {"orders", "--rows", std::to_string(kRows), "--seed", "42", "--segment",
                               Path("orders.dpc"), "--csv", Path("orders.csv"), "--row-group-rows", "40000",
                               "--page-rows", "8192"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  static RunResult Run(const std::string& binary, const std::vector<std::string>& args) {
    static int counter = 0;
    const std::string out = Path("stdout." + std::to_string(counter));
    const std::string err = Path("stderr." + std::to_string(counter++));
    std::string cmd = Quote(binary);
    for (const std::string& a : args) cmd += " " + Quote(a);
    cmd += " >" + Quote(out) + " 2>" + Quote(err);
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    fs::remove(out);
    fs::remove(err);
    return r;
  }
  static RunResult Inspect(const std::vector<std::string>& args) { return Run(kDpinspect, args); }

  static std::string* dir_;
};

std::string* ToolsCliTest::dir_ = nullptr;

// ---- dpgen -------------------------------------------------------------------

TEST_F(ToolsCliTest, DpgenIsDeterministic) {
  auto gen = [&](const std::string& name, const std::string& seed) {
    RunResult r = Run(kDpgen, {"orders", "--rows", "20000", "--seed", seed, "--segment", Path(name + ".dpc"),
                               "--csv", Path(name + ".csv"), "--row-group-rows", "8000"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("20000 rows"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("rows/s"), std::string::npos) << r.err;
  };
  gen("a", "7");
  gen("b", "7");
  gen("c", "8");
  const std::string a = ReadFile(Path("a.dpc"));
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == ReadFile(Path("b.dpc"))) << "same rows and seed gave different segments";
  EXPECT_TRUE(ReadFile(Path("a.csv")) == ReadFile(Path("b.csv"))) << "same rows and seed gave different CSV";
  EXPECT_FALSE(a == ReadFile(Path("c.dpc")));
  EXPECT_FALSE(ReadFile(Path("a.csv")) == ReadFile(Path("c.csv")));
}

TEST_F(ToolsCliTest, DpgenCsvFormatAndDistributions) {
  const std::vector<std::string> lines = Lines(ReadFile(Path("orders.csv")));
  ASSERT_EQ(lines.size(), kRows + 1);
  EXPECT_EQ(lines[0], "order_id,customer_id,event_type,ts,product_id,category,quantity,price_usd_cents,discount,country");
  const std::regex ts_format(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6})");
  const std::regex discount_format(R"(0\.\d\d)");
  std::map<std::string, int> events;
  int zero_discounts = 0;
  std::string prev_ts;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> f = Split(lines[i]);
    ASSERT_EQ(f.size(), 10u) << lines[i];
    ASSERT_EQ(std::stoll(f[0]), static_cast<long long>((i - 1) / 3 + 1000000)) << lines[i];
    ++events[f[2]];
    ASSERT_TRUE(std::regex_match(f[3], ts_format)) << lines[i];
    ASSERT_GT(f[3], prev_ts) << "timestamps must increase: " << lines[i];
    prev_ts = f[3];
    const int quantity = std::stoi(f[6]);
    ASSERT_GE(quantity, 1);
    ASSERT_LE(quantity, 10);
    ASSERT_TRUE(std::regex_match(f[8], discount_format)) << lines[i];
    ASSERT_LE(f[8], "0.50");
    zero_discounts += f[8] == "0.00";
    ASSERT_EQ(f[9].size(), 2u);
  }
  EXPECT_EQ(Split(lines[1])[3], "2023-11-14 22:13:20.000000");
  EXPECT_EQ(prev_ts.substr(0, 7), "2025-11");  // two years of 365 days later
  EXPECT_EQ(events.size(), 3u);
  EXPECT_NEAR(events["ORDER_PLACED"] / double(kRows), 0.80, 0.01);
  EXPECT_NEAR(events["ORDER_UPDATED"] / double(kRows), 0.15, 0.01);
  EXPECT_NEAR(events["ORDER_CANCELLED"] / double(kRows), 0.05, 0.01);
  EXPECT_NEAR(zero_discounts / double(kRows), 0.80, 0.01);
}

TEST_F(ToolsCliTest, DpgenUsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"customers", "--rows", "10", "--seed", "1", "--csv", Path("x.csv")},
      {"orders", "--seed", "1", "--csv", Path("x.csv")},
      {"orders", "--rows", "10", "--csv", Path("x.csv")},
      {"orders", "--rows", "10", "--seed", "1"},
      {"orders", "--rows", "ten", "--seed", "1", "--csv", Path("x.csv")},
      {"orders", "--rows", "10", "--seed", "1", "--csv", Path("x.csv"), "--codec", "gzip"},
      {"orders", "--rows", "10", "--seed", "1", "--csv", Path("x.csv"), "--bogus"},
      {"orders", "--rows", "10", "--seed", "1", "--csv", Path("x.csv"), "--page-rows"},
  };
  for (const auto& args : bad) {
    RunResult r = Run(kDpgen, args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("dpgen: ", 0), 0u) << r.err;
    EXPECT_FALSE(fs::exists(Path("x.csv")));
  }
  RunResult help = Run(kDpgen, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"usage: dpgen orders", "--rows", "--seed", "--segment", "--csv", "--row-group-rows",
                           "--page-rows", "--codec", "exit codes"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
  }
}

TEST_F(ToolsCliTest, DpgenRefusesToOverwriteAndLeavesNoPartialOutput) {
  RunResult r = Run(kDpgen, {"orders", "--rows", "10", "--seed", "1", "--segment", Path("new.dpc"), "--csv",
                             Path("orders.csv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Path("orders.csv")), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(Path("new.dpc")));
  EXPECT_EQ(Lines(ReadFile(Path("orders.csv"))).size(), kRows + 1);  // untouched
}

TEST_F(ToolsCliTest, DpgenCodecOptionIsApplied) {
  RunResult r = Run(kDpgen, {"orders", "--rows", "5000", "--seed", "1", "--segment", Path("plain.dpc"), "--codec",
                             "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  RunResult pages = Inspect({"pages", Path("plain.dpc"), "--json"});
  ASSERT_EQ(pages.exit_code, 0) << pages.err;
  EXPECT_EQ(pages.out.find("\"codec\": \"zstd\""), std::string::npos);
  EXPECT_EQ(pages.out.find("\"codec\": \"lz4\""), std::string::npos);
  EXPECT_NE(pages.out.find("\"codec\": \"none\""), std::string::npos);
}

// ---- dpinspect: read-only commands ----------------------------------------------

TEST_F(ToolsCliTest, Summary) {
  RunResult r = Inspect({Path("orders.dpc")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const std::string& want : {std::string("rows            100000\n"), std::string("row groups      3\n"),
                                  std::string("columns         10\n"), std::string("format version"),
                                  std::string("compression"), std::string("bytes/row"), std::string("created by"),
                                  std::string("generator.seed = 42"), std::string("price_usd_cents")}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  EXPECT_EQ(Inspect({"summary", Path("orders.dpc")}).out, r.out);

  RunResult j = Inspect({Path("orders.dpc"), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
  for (const char* key : {"\"num_rows\": 100000", "\"num_row_groups\": 3", "\"num_columns\": 10",
                          "\"format_version\"", "\"file_size\"", "\"stored_bytes\"", "\"plain_bytes\"",
                          "\"compression_ratio\"", "\"bytes_per_row\"", "\"created_by\"", "\"generator.seed\": \"42\"",
                          "\"generator.rows\": \"100000\"", "\"generator\": \"dpgen orders\"",
                          "\"min\": \"2023-11-14T22:13:20.000000Z\""}) {
    EXPECT_NE(j.out.find(key), std::string::npos) << key;
  }
}

TEST_F(ToolsCliTest, Schema) {
  RunResult r = Inspect({"schema", Path("orders.dpc")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 12u) << r.out;  // header, rule, 10 fields
  EXPECT_NE(lines[5].find("ts"), std::string::npos);
  EXPECT_NE(lines[5].find("timestamp[us, UTC]"), std::string::npos);
  EXPECT_NE(lines[5].find("exponential gaps"), std::string::npos);

  RunResult j = Inspect({"schema", Path("orders.dpc"), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
  for (const char* key : {"\"fields\"", "\"index\": 9", "\"id\": 10", "\"name\": \"country\"",
                          "\"type\": \"float64\"", "\"nullable\": false", "\"doc\": \"Units ordered"}) {
    EXPECT_NE(j.out.find(key), std::string::npos) << key;
  }
}

TEST_F(ToolsCliTest, Pages) {
  RunResult r = Inspect({"pages", Path("orders.dpc"), "--columns", "quantity,ts"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t quantity = r.out.find("column 6 'quantity' int32: 3 chunk(s)");
  const size_t ts = r.out.find("column 3 'ts' timestamp[us, UTC]: 3 chunk(s)");
  ASSERT_NE(quantity, std::string::npos) << r.out;
  ASSERT_NE(ts, std::string::npos) << r.out;
  EXPECT_LT(quantity, ts);  // in the order asked for
  EXPECT_EQ(r.out.find("'country'"), std::string::npos);
  for (const char* col : {"rg", "page", "first_row", "values", "nulls", "encoding", "codec", "stored", "decoded",
                          "min", "max"}) {
    EXPECT_NE(r.out.find(col), std::string::npos) << col;
  }
  // 100000 rows in row groups of 40000 and pages of 8192: the last page of
  // row group 1 starts at row 40000 + 4 * 8192 = 72768.
  EXPECT_NE(r.out.find(" 72768 "), std::string::npos) << r.out;

  RunResult j = Inspect({"pages", Path("orders.dpc"), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(JsonChecker::Valid(j.out));
  for (const char* key : {"\"columns\"", "\"chunks\"", "\"pages\"", "\"row_group\": 2", "\"first_row\": 72768",
                          "\"encoding\"", "\"codec\"", "\"stored_bytes\"", "\"decoded_bytes\"", "\"null_count\": 0",
                          "\"num_values\": 8192", "\"name\": \"country\""}) {
    EXPECT_NE(j.out.find(key), std::string::npos) << key;
  }
}

TEST_F(ToolsCliTest, UnknownColumnIsAUsageError) {
  for (const std::string cmd : {"pages", "cat"}) {
    RunResult r = Inspect({cmd, Path("orders.dpc"), "--columns", "ts,price"});
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_EQ(r.err.rfind("dpinspect: unknown column 'price'", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  RunResult twice = Inspect({"cat", Path("orders.dpc"), "--columns", "ts,ts"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("'ts' is listed twice"), std::string::npos) << twice.err;
}

// ---- dpinspect verify ---------------------------------------------------------

TEST_F(ToolsCliTest, VerifyIntactFile) {
  RunResult r = Inspect({"verify", Path("orders.dpc")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": OK ("), std::string::npos) << r.out;
  RunResult j = Inspect({"verify", Path("orders.dpc"), "--json"});
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
  EXPECT_NE(j.out.find("\"ok\": true"), std::string::npos);
  EXPECT_NE(j.out.find("\"issues\": []"), std::string::npos);
  EXPECT_NE(j.out.find("\"pages_checked\""), std::string::npos);
}

TEST_F(ToolsCliTest, VerifyFindsAFlippedByteInAPage) {
  const std::string damaged = Path("damaged.dpc");
  fs::copy_file(Path("orders.dpc"), damaged);
  uint64_t offset = 0;
  {
    auto seg = dp::Segment::Open(damaged);
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    auto chunk = (*seg)->column_chunk(1, 1);  // customer_id, row group 1
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
    ASSERT_GE(chunk->pages.size(), 2u);
    offset = chunk->pages[1].offset + chunk->pages[1].stored_size / 2;
  }
  std::string bytes = ReadFile(damaged);
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
  std::ofstream(damaged, std::ios::binary | std::ios::trunc) << bytes;

  RunResult r = Inspect({"verify", damaged});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("issue: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("customer_id"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.rfind("dpinspect: ", 0), 0u) << r.err;

  RunResult j = Inspect({"verify", damaged, "--json"});
  EXPECT_EQ(j.exit_code, 1);
  EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
  EXPECT_NE(j.out.find("\"ok\": false"), std::string::npos);

  // Reading the damaged page is a data problem too; untouched columns still read.
  RunResult cat = Inspect({"cat", damaged, "--columns", "customer_id"});
  EXPECT_EQ(cat.exit_code, 1);
  EXPECT_NE(cat.err.find("dpinspect: Corruption"), std::string::npos) << cat.err;
  EXPECT_EQ(Inspect({"cat", damaged, "--columns", "order_id", "--limit", "3"}).exit_code, 0);
}

TEST_F(ToolsCliTest, UnreadableFilesExitOne) {
  std::ofstream(Path("garbage.dpc")) << "this is not a segment file at all, just some text bytes";
  std::string truncated = ReadFile(Path("orders.dpc"));
  truncated.resize(truncated.size() - 10);
  std::ofstream(Path("truncated.dpc"), std::ios::binary) << truncated;
  for (const std::string& file : {Path("garbage.dpc"), Path("truncated.dpc"), Path("missing.dpc")}) {
    for (const std::string cmd : {"summary", "schema", "pages", "verify", "cat"}) {
      RunResult r = Inspect({cmd, file});
      EXPECT_EQ(r.exit_code, 1) << cmd << " " << file << ": " << r.err;
      EXPECT_EQ(r.err.rfind("dpinspect: ", 0), 0u) << r.err;
      EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    }
    RunResult j = Inspect({"verify", file, "--json"});
    EXPECT_EQ(j.exit_code, 1);
    EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
    EXPECT_NE(j.out.find("\"opened\": false"), std::string::npos);
  }
}

// ---- dpinspect cat ------------------------------------------------------------

TEST_F(ToolsCliTest, CatAgreesWithTheGeneratorsCsv) {
  RunResult r = Inspect({"cat", Path("orders.dpc")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> got = Lines(r.out);
  const std::vector<std::string> csv = Lines(ReadFile(Path("orders.csv")));
  ASSERT_EQ(got.size(), kRows + 1);
  EXPECT_EQ(got[0], csv[0]);
  for (size_t i = 1; i < got.size(); ++i) {
    const std::vector<std::string> g = Split(got[i]), c = Split(csv[i]);
    ASSERT_EQ(g.size(), 10u) << got[i];
    std::string ts = c[3];
    ts[10] = 'T';
    ts += 'Z';
    ASSERT_EQ(g[3], ts) << "row " << i - 1;
    ASSERT_DOUBLE_EQ(std::stod(g[8]), std::stod(c[8])) << "row " << i - 1;
    for (int k : {0, 1, 2, 4, 5, 6, 7, 9}) ASSERT_EQ(g[k], c[k]) << "row " << i - 1 << " column " << k;
  }
}

TEST_F(ToolsCliTest, CatLimitColumnsAndJsonl) {
  RunResult r = Inspect({"cat", Path("orders.dpc"), "--limit", "5", "--columns", "country,quantity"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0], "country,quantity");
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_TRUE(std::regex_match(lines[i], std::regex("[A-Z]{2},([1-9]|10)"))) << lines[i];
  }
  EXPECT_EQ(Lines(Inspect({"cat", Path("orders.dpc"), "--limit", "0"}).out).size(), 1u);  // header only
  EXPECT_EQ(Lines(Inspect({"cat", Path("orders.dpc"), "--limit", "1000000"}).out).size(), kRows + 1);

  RunResult j = Inspect({"cat", Path("orders.dpc"), "--format", "jsonl", "--limit", "3"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const std::vector<std::string> rows = Lines(j.out);
  ASSERT_EQ(rows.size(), 3u);
  for (const std::string& row : rows) {
    EXPECT_TRUE(JsonChecker::Valid(row)) << row;
    for (const char* key : {"\"order_id\":1000000,", "\"event_type\":\"ORDER_", "\"ts\":\"2023-11-14T22:",
                            "\"discount\":", "\"country\":\""}) {
      EXPECT_NE(row.find(key), std::string::npos) << key << " in " << row;
    }
  }
  // Rows across a row-group boundary (40000) come out in order.
  RunResult tail = Inspect({"cat", Path("orders.dpc"), "--columns", "order_id", "--limit", "40002"});
  const std::vector<std::string> ids = Lines(tail.out);
  ASSERT_EQ(ids.size(), 40003u);
  EXPECT_EQ(ids[40000], std::to_string(39999 / 3 + 1000000));
  EXPECT_EQ(ids[40002], std::to_string(40001 / 3 + 1000000));
}

// ---- dpinspect usage ----------------------------------------------------------

TEST_F(ToolsCliTest, UsageErrorsExitTwo) {
  const std::string file = Path("orders.dpc");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "missing TARGET"},
      {{"cat"}, "missing TARGET"},
      {{"frobnicate", file}, "unknown command 'frobnicate'"},
      {{file, "--bogus"}, "unknown option '--bogus'"},
      {{"cat", file, "--json"}, "unknown option '--json'"},
      {{"cat", file, "--limit"}, "option '--limit' needs a value"},
      {{"cat", file, "--limit", "many"}, "--limit: expected a non-negative integer"},
      {{"cat", file, "--format", "xml"}, "--format must be one of csv|jsonl"},
      {{"pages", file, "--columns", ""}, "--columns: empty item"},
      {{"schema", file, file}, "unexpected argument"},
  };
  for (const auto& [args, message] : cases) {
    RunResult r = Inspect(args);
    EXPECT_EQ(r.exit_code, 2) << message;
    EXPECT_EQ(r.err.rfind("dpinspect: " + message, 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(ToolsCliTest, Help) {
  for (const std::string flag : {"--help", "-h"}) {
    RunResult r = Inspect({flag});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* word : {"usage: dpinspect", "schema", "pages", "verify", "cat", "--json", "exit codes",
                             "0  success", "1  data problem", "2  usage error"}) {
      EXPECT_NE(r.out.find(word), std::string::npos) << word;
    }
  }
  RunResult cat = Inspect({"cat", "--help"});
  EXPECT_EQ(cat.exit_code, 0);
  for (const char* word : {"usage: dpinspect cat FILE", "--columns", "--limit", "--format", "exit codes"}) {
    EXPECT_NE(cat.out.find(word), std::string::npos) << word;
  }
  RunResult verify = Inspect({"verify", "-h"});
  EXPECT_EQ(verify.exit_code, 0);
  EXPECT_NE(verify.out.find("usage: dpinspect verify FILE"), std::string::npos);
}

// ---- dpinspect over a mesh: catalog, versions, schema, diff, verify, stats --

// A mesh with product "orders" (owner team-orders, freshness 1 h) holding the
// events dataset "items": version 0 create, 1..3 appends of 100 rows each
// (country cycles DE/FR/US, price = id), 4 adds a nullable column "note"
// (semver 1.1.0), tag "release-1" on version 3.
class MeshCliTest : public ToolsCliTest {
 protected:
  static void SetUpTestSuite() {
    ToolsCliTest::SetUpTestSuite();
    root_ = new std::string(Path("mesh"));
    auto mesh = dp::Mesh::Open(*root_, true);
    ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
    auto product = mesh->CreateProduct({.name = "orders", .domain = "sales", .owner = "team-orders",
                                        .description = "orders of the shop", .freshness_sla_seconds = 3600});
    ASSERT_TRUE(product.ok()) << product.status().ToString();
    auto schema = dp::Schema::Make({{"id", dp::DataType::Int64(), false, "item id"},
                                    {"ts", dp::DataType::Timestamp(dp::TimeUnit::kMicro), false, "event time"},
                                    {"country", dp::DataType::String(), false, "ISO 3166 alpha-2"},
                                    {"price", dp::DataType::Int64(), false, "cents"}});
    ASSERT_TRUE(schema.ok());
    auto ds = product->CreateDataset({.name = "items", .kind = dp::DatasetKind::kEvents, .event_time_column = "ts"},
                                     *schema);
    ASSERT_TRUE(ds.ok()) << ds.status().ToString();
    static const std::string_view kCountries[] = {"DE", "FR", "US"};
    for (int64_t b = 0; b < 3; ++b) {
      std::vector<int64_t> ids, ts;
      std::vector<std::string_view> countries;
      for (int64_t i = b * 100; i < (b + 1) * 100; ++i) {
        ids.push_back(i);
        ts.push_back(1'717'200'000'000'000 + i * 3'600'000'000);  // 2024-06-01 + i hours
        countries.push_back(kCountries[i % 3]);
      }
      auto txn = ds->Begin(dp::Operation::kAppend);
      ASSERT_TRUE(txn.ok());
      ASSERT_TRUE((*txn)->Append({dp::ColumnData::Of<int64_t>(ids), dp::ColumnData::Of<int64_t>(ts),
                                  dp::ColumnData::Strings(countries), dp::ColumnData::Of<int64_t>(ids)})
                      .ok());
      ASSERT_TRUE((*txn)->Commit("load " + std::to_string(b), "loader@test").ok());
    }
    ASSERT_TRUE(ds->CreateTag("release-1", 3, "first release").ok());
    std::vector<dp::Field> fields = schema->fields();
    fields.push_back({"note", dp::DataType::String(), true, "free text"});
    auto v = ds->EvolveSchema(fields, {.message = "add note", .committer = "me"});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  static void TearDownTestSuite() {
    delete root_;
    ToolsCliTest::TearDownTestSuite();
  }
  static std::string Root() { return *root_; }
  static std::string* root_;
};

std::string* MeshCliTest::root_ = nullptr;

TEST_F(MeshCliTest, Catalog) {
  RunResult r = Inspect({Root()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_GE(lines.size(), 5u) << r.out;
  const std::vector<std::string> want = {"orders", "team-orders", "items", "events", "4", "1.1.0", "300"};
  std::stringstream row(lines[4]);
  for (const std::string& w : want) {
    std::string cell;
    row >> cell;
    EXPECT_EQ(cell, w) << lines[4];
  }
  EXPECT_NE(lines[4].find("ok (due in"), std::string::npos) << lines[4];
  RunResult j = Inspect({Root(), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
  for (const char* key : {"\"product\": \"orders\"", "\"domain\": \"sales\"", "\"owner\": \"team-orders\"",
                          "\"freshness_sla_seconds\": 3600", "\"version\": 4", "\"semver\": \"1.1.0\"",
                          "\"rows\": 300", "\"segments\": 3", "\"stale\": false"}) {
    EXPECT_NE(j.out.find(key), std::string::npos) << key << "\n" << j.out;
  }
  // A product directory lists its datasets the same way.
  RunResult p = Inspect({Root() + "/orders"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("items"), std::string::npos) << p.out;
}

TEST_F(MeshCliTest, Versions) {
  RunResult v = Inspect({"versions", "dp://orders/items", "--root", Root()});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  const std::vector<std::string> lines = Lines(v.out);
  ASSERT_EQ(lines.size(), 7u) << v.out;  // header, rule, versions 0..4
  const char* ops[] = {"create", "append", "append", "append", "schema_change"};
  const char* semvers[] = {"1.0.0", "1.0.0", "1.0.0", "1.0.0", "1.1.0"};
  const char* rows[] = {"0", "100", "200", "300", "300"};
  for (int i = 0; i < 5; ++i) {
    std::stringstream row(lines[2 + i]);
    std::string version, when, op, semver, n;
    row >> version >> when >> op >> semver >> n;
    EXPECT_EQ(version, std::to_string(i));
    EXPECT_EQ(op, ops[i]);
    EXPECT_EQ(semver, semvers[i]);
    EXPECT_EQ(n, rows[i]);
  }
  EXPECT_NE(lines[5].find("release-1"), std::string::npos) << lines[5];
  EXPECT_NE(lines[6].find("add note"), std::string::npos) << lines[6];
  // By path, and as JSON.
  RunResult j = Inspect({"versions", Root() + "/orders/items", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(JsonChecker::Valid(j.out)) << j.out;
  EXPECT_NE(j.out.find("\"committer\": \"loader@test\""), std::string::npos) << j.out;
}

TEST_F(MeshCliTest, SchemaAtATagAndItsHistory) {
  RunResult s = Inspect({"schema", Root() + "/orders/items@release-1"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("dp://orders/items@3  schema 1.0.0"), std::string::npos) << s.out;
  EXPECT_EQ(s.out.find("note"), std::string::npos) << s.out;
  RunResult latest = Inspect({"schema", "dp://orders/items", "--root", Root()});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_NE(latest.out.find("dp://orders/items@4  schema 1.1.0"), std::string::npos) << latest.out;
  EXPECT_NE(latest.out.find(" 5  note     string              yes       free text"), std::string::npos) << latest.out;
  EXPECT_NE(latest.out.find("1.1.0               4"), std::string::npos) << latest.out;
}

TEST_F(MeshCliTest, Diff) {
  RunResult d = Inspect({"diff", "dp://orders/items@1", "dp://orders/items@4", "--root", Root()});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  for (const char* want : {"schema   1.0.0 -> 1.1.0", "+ added field 5 'note' string", "rows     100 -> 300 (+200)",
                           "segments 1 -> 3: +2 (200 rows), -0 (0 rows)"}) {
    EXPECT_NE(d.out.find(want), std::string::npos) << want << "\n" << d.out;
  }
}

TEST_F(MeshCliTest, StatsByAddressAgreeWithTheData) {
  RunResult st = Inspect({"stats", "dp://orders/items", "--root", Root(), "--group-by", "country", "--agg",
                          "count,sum:price", "--csv"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  // ids 0..299, country i % 3, price = id.
  EXPECT_EQ(st.out, "country,count,sum(price)\nDE,100,14850\nFR,100,14950\nUS,100,15050\n");
  // Time travel: as of tag release-1 is the same rows; @1 has 100.
  RunResult v1 = Inspect({"stats", "dp://orders/items@1", "--root", Root(), "--agg", "count", "--csv"});
  ASSERT_EQ(v1.exit_code, 0) << v1.err;
  EXPECT_EQ(v1.out, "count\n100\n");
  // Event-time window: hours 24..47 of 2024-06-01.. = ids 24..47.
  RunResult w = Inspect({"stats", "dp://orders/items", "--root", Root(), "--from", "2024-06-02T00:00:00Z", "--to",
                         "2024-06-03", "--agg", "count,min:id,max:id", "--csv"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, "count,min(id),max(id)\n24,24,47\n");
}

TEST_F(MeshCliTest, BadAddressesAreClearErrors) {
  RunResult missing = Inspect({"versions", "dp://orders/nope", "--root", Root()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("dataset 'orders/nope' does not exist"), std::string::npos) << missing.err;
  RunResult escape = Inspect({"versions", "dp://../etc", "--root", Root()});
  EXPECT_EQ(escape.exit_code, 2);
  EXPECT_NE(escape.err.find("product name '..' is invalid"), std::string::npos) << escape.err;
  RunResult no_root = Run("/usr/bin/env", {"-u", "DP_MESH_ROOT", kDpinspect, "versions", "dp://orders/items"});
  EXPECT_EQ(no_root.exit_code, 2);
  EXPECT_NE(no_root.err.find("--root"), std::string::npos) << no_root.err;
  RunResult bad_version = Inspect({"schema", "dp://orders/items@99", "--root", Root()});
  EXPECT_EQ(bad_version.exit_code, 1);
  EXPECT_NE(bad_version.err.find("99"), std::string::npos) << bad_version.err;
}

// verify over a dataset version names the damaged segment; stats fails on
// it, or answers from the rest with --skip-corrupt (exit 1, named on stderr).
TEST_F(MeshCliTest, VerifyAndSkipCorruptOnADamagedCopy) {
  const std::string copy = Path("mesh-damaged");
  fs::copy(Root(), copy, fs::copy_options::recursive);
  RunResult ok = Inspect({"verify", "dp://orders/items", "--root", copy});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("dp://orders/items@4: OK (3 segments"), std::string::npos) << ok.out;
  // Damage the segment holding ids 100..199 (added by version 2).
  auto ds = dp::Mesh::Open(copy)->OpenDataset("orders", "items");
  ASSERT_TRUE(ds.ok());
  auto v2 = ds->At(2);
  ASSERT_TRUE(v2.ok());
  std::string victim;
  for (size_t i = 0; i < (*v2)->num_segments(); ++i) {
    if ((*v2)->segment(i).added_in == 2) victim = (*v2)->segment_path(i);
  }
  ASSERT_FALSE(victim.empty());
  fs::permissions(victim, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = ReadFile(victim);
  bytes[bytes.size() / 3] ^= 0x20;
  std::ofstream(victim, std::ios::binary | std::ios::trunc) << bytes;

  RunResult bad = Inspect({"verify", "dp://orders/items", "--root", copy});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE((bad.out + bad.err).find(fs::path(victim).filename().string()), std::string::npos) << bad.out << bad.err;
  // Reading every column meets the damage wherever it is.
  RunResult strict = Inspect({"stats", "dp://orders/items", "--root", copy, "--agg",
                              "count,sum:price,sum:id,count:country,max:ts", "--csv"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  EXPECT_NE(strict.err.find(fs::path(victim).filename().string()), std::string::npos) << strict.err;
  RunResult tolerant = Inspect(
      {"stats", "dp://orders/items", "--root", copy, "--agg", "count,sum:price", "--csv", "--skip-corrupt"});
  EXPECT_EQ(tolerant.exit_code, 1);
  EXPECT_EQ(tolerant.out, "count,sum(price)\n200,29900\n");  // ids 0..99 and 200..299
  EXPECT_NE(tolerant.err.find("skipped corrupt"), std::string::npos) << tolerant.err;
  EXPECT_NE(tolerant.err.find(fs::path(victim).filename().string()), std::string::npos) << tolerant.err;
}

}  // namespace
