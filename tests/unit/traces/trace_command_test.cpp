// `rewind trace info|dump` output on a sample trace, and its answers to bad files and usage.
#include "trace/trace_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/traces/sample_trace.h"

namespace rwd::trace {
namespace {

struct Result {
  int status;
  std::string out, err;
};

std::string slurp(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

Result run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  Result r;
  r.status = trace_main(int(argv.size()), argv.data(), out, err);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

class TraceCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("rwd-trace-cmd-" + std::to_string(getpid()) + ".rwd"))
                .string();
    write(true);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void write(bool finish) {
    std::string error;
    auto w = TraceWriter::create(path_, testing::sample_header(), &error);
    ASSERT_TRUE(w) << error;
    for (const Event& e : testing::sample_events(2)) ASSERT_TRUE(w->append(e));
    ASSERT_TRUE(finish ? w->finish() : w->flush());
  }
  std::string path_;
};

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST_F(TraceCommand, Info) {
  const Result r = run({"info", path_});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(contains(r.out, "format version: 1\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "recorder:       rewind 0.1, tier jit (test)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "run args:       -kernel Image -append \"console=ttyS0 quiet\" -m 256M\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "hash interval:  1000 instructions\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  kernel   Image  4096 bytes  xxh64 0123456789abcdef\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "chunks:         3 (from the index)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "events:         12\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "clock span:     10 .. 12007\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  entropy                 2  80 bytes of data\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  end                     1  0 bytes of data\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "status:         complete\n")) << r.out;
}

TEST_F(TraceCommand, InfoOfUnfinishedTrace) {
  write(false);
  const Result r = run({"info", path_});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "chunks:         3 (by a scan: no index)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "status:         truncated: trace is cut off after chunk 2")) << r.out;
}

TEST_F(TraceCommand, Dump) {
  const Result r = run({"dump", path_});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "       0 clock=10 icount=10 wall-clock unix-ns=1700000000000000000\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, " entropy 00254a6f94b9de03284d7297bce1062b... (40 bytes)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, " console-input \"ls\\n\\x1b\\\"\\\\\\x7f\"\n")) << r.out;
  EXPECT_TRUE(contains(r.out, " idle until=5100 typed=\"y\"\n")) << r.out;
  EXPECT_TRUE(contains(r.out, " state-hash hash=9e3779b97f4a7c15\n")) << r.out;
  EXPECT_TRUE(contains(r.out, " stop exit=3 reason=\"quit from the console\"\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "      11 clock=12007 icount=2007 end hash=0000000000abcdef exit=0 "
                              "reason=power-off\n"))
      << r.out;
  const Result limited = run({"dump", path_, "--limit", "2"});
  EXPECT_EQ(limited.status, 0);
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 2);
}

TEST_F(TraceCommand, RawChunkIsTheUncompressedMessage) {
  const Result r = run({"dump", path_, "--raw-chunk", "1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.size() % 8, 0u);
  EXPECT_GT(r.out.size(), 64u);
  const Result missing = run({"dump", path_, "--raw-chunk", "3"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err, "rewind: " + path_ + ": chunk 3 does not exist (the trace has 3 chunks)\n");
}

TEST_F(TraceCommand, BadFilesGiveOneLine) {
  const Result missing = run({"info", path_ + ".nope"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err, "rewind: " + path_ + ".nope: no such file\n");
  {
    std::ofstream f(path_, std::ios::binary);
    f << "this is not a trace";
  }
  const Result text = run({"dump", path_});
  EXPECT_EQ(text.status, 1);
  EXPECT_EQ(text.err, "rewind: " + path_ + ": not a Rewind trace\n");
}

TEST_F(TraceCommand, CorruptChunkFailsAfterTheGoodEvents) {
  std::string error;
  std::vector<ChunkInfo> chunks;
  {
    auto reader = TraceReader::open(path_, &error);
    ASSERT_TRUE(reader) << error;
    chunks = reader->chunks(&error);
  }
  {
    std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(long(chunks[1].offset + kFrameHeaderBytes + 2));
    f.put('\x55');
  }
  const Result r = run({"dump", path_});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), long(chunks[1].first_event));
  EXPECT_EQ(r.err, "rewind: " + path_ + ": chunk 1 at byte " + std::to_string(chunks[1].offset) +
                       " is corrupt (checksum mismatch)\n");
  EXPECT_EQ(run({"info", path_}).status, 1);
}

TEST_F(TraceCommand, Usage) {
  for (auto args : std::vector<std::vector<std::string>>{
           {}, {"frob", path_}, {"info"}, {"dump", path_, "--limit"},
           {"dump", path_, "--limit", "x"}, {"info", path_, "--limit", "3"}, {"info", path_, path_}}) {
    const Result r = run(args);
    EXPECT_EQ(r.status, 2) << (args.empty() ? "" : args[0]);
    EXPECT_TRUE(contains(r.err, "usage: rewind trace info FILE")) << r.err;
  }
  EXPECT_EQ(run({"--help"}).status, 0);
}

}  // namespace
}  // namespace rwd::trace
