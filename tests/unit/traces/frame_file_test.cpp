// The frame container: round trips, and that damaged or cut-off files are reported as such —
// never a crash, never a silently wrong frame.
#include "traces/frame_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace rwd::trace {
namespace {

constexpr std::string_view kMagic = "RWDTEST1";

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("rwd-frame-" + std::to_string(getpid()) + "-" + name))
      .string();
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

struct Frame {
  uint32_t kind;
  std::vector<uint8_t> payload;
};

// Writes the frames and returns the file's bytes.
std::vector<uint8_t> write_file(const std::string& path, const std::vector<Frame>& frames,
                                uint32_t version = 1) {
  std::string error;
  auto w = FrameWriter::create(path, kMagic, version, &error);
  EXPECT_TRUE(w) << error;
  if (!w) return {};
  for (const Frame& f : frames) EXPECT_TRUE(w->write_frame(f.kind, f.payload)) << w->error();
  EXPECT_TRUE(w->close()) << w->error();
  return read_all(path);
}

// Reads frames until anything but kFrame.
FrameReader::Next read_frames(FrameReader& r, std::vector<Frame>* out) {
  for (;;) {
    Frame f;
    auto n = r.next(&f.kind, &f.payload);
    if (n != FrameReader::Next::kFrame) return n;
    out->push_back(std::move(f));
  }
}

std::vector<Frame> sample_frames() {
  std::vector<uint8_t> repetitive(5000, 'a');
  return {{1, bytes_of("header")}, {2, {}}, {7, repetitive}, {2, bytes_of("last")}};
}

TEST(FrameFile, RoundTrip) {
  const std::string path = temp_path("roundtrip");
  const auto frames = sample_frames();
  const auto bytes = write_file(path, frames, 3);
  std::string error;
  auto r = FrameReader::open(path, kMagic, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->version(), 3u);
  EXPECT_EQ(r->size(), bytes.size());
  std::vector<Frame> got;
  EXPECT_EQ(read_frames(*r, &got), FrameReader::Next::kEnd);
  ASSERT_EQ(got.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(got[i].kind, frames[i].kind);
    EXPECT_EQ(got[i].payload, frames[i].payload);
  }
  // A 5000-byte run of one letter compresses: LZ4 is really used.
  EXPECT_LT(bytes.size(), 1000u);
  std::filesystem::remove(path);
}

TEST(FrameFile, EmptyFileOfFramesAndEmptyPayloads) {
  const std::string path = temp_path("empty");
  write_file(path, {});
  std::string error;
  auto r = FrameReader::open(path, kMagic, &error);
  ASSERT_TRUE(r) << error;
  uint32_t kind;
  std::vector<uint8_t> payload{1, 2, 3};
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kEnd);

  write_file(path, {{5, {}}, {6, {}}});
  r = FrameReader::open(path, kMagic, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kFrame);
  EXPECT_EQ(kind, 5u);
  EXPECT_TRUE(payload.empty());
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kFrame);
  EXPECT_EQ(kind, 6u);
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kEnd);
  std::filesystem::remove(path);
}

TEST(FrameFile, BigPayloads) {
  const std::string path = temp_path("big");
  std::vector<uint8_t> noise(3 << 20);
  uint64_t x = 88172645463325252ull;
  for (auto& b : noise) {  // xorshift: incompressible, so the stored block is larger than raw
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = uint8_t(x);
  }
  std::vector<uint8_t> zeros(20 << 20, 0);
  write_file(path, {{2, noise}, {3, zeros}});
  std::string error;
  auto r = FrameReader::open(path, kMagic, &error);
  ASSERT_TRUE(r) << error;
  std::vector<Frame> got;
  EXPECT_EQ(read_frames(*r, &got), FrameReader::Next::kEnd);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, noise);
  EXPECT_EQ(got[1].payload, zeros);
  std::filesystem::remove(path);
}

TEST(FrameFile, RefusesPayloadOverLimit) {
  const std::string path = temp_path("limit");
  std::string error;
  auto w = FrameWriter::create(path, kMagic, 1, &error);
  ASSERT_TRUE(w) << error;
  std::vector<uint8_t> huge(size_t(kMaxFramePayload) + 1);
  EXPECT_FALSE(w->write_frame(2, huge));
  EXPECT_NE(w->error().find("limit"), std::string::npos) << w->error();
  EXPECT_FALSE(w->write_frame(2, {}));  // failures are sticky
  std::filesystem::remove(path);
}

TEST(FrameFile, SeekAndOffsets) {
  const std::string path = temp_path("seek");
  std::string error;
  auto w = FrameWriter::create(path, kMagic, 1, &error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->offset(), kFileHeaderBytes);
  std::vector<uint64_t> offsets;
  for (uint32_t i = 0; i < 5; ++i) {
    offsets.push_back(w->offset());
    ASSERT_TRUE(w->write_frame(i, bytes_of(std::string(i * 10, char('a' + i)))));
  }
  ASSERT_TRUE(w->close());
  auto r = FrameReader::open(path, kMagic, &error);
  ASSERT_TRUE(r) << error;
  uint32_t kind;
  std::vector<uint8_t> payload;
  for (int i = 4; i >= 0; --i) {
    ASSERT_TRUE(r->seek(offsets[i]));
    ASSERT_EQ(r->next(&kind, &payload), FrameReader::Next::kFrame);
    EXPECT_EQ(kind, uint32_t(i));
    EXPECT_EQ(payload.size(), size_t(i) * 10);
  }
  EXPECT_FALSE(r->seek(3));
  EXPECT_FALSE(r->seek(r->size() + 1));
  // Seeking into the middle of a frame finds no frame magic there.
  ASSERT_TRUE(r->seek(offsets[2] + 1));
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kCorrupt);
  EXPECT_NE(r->error().find("bad frame magic"), std::string::npos) << r->error();
  std::filesystem::remove(path);
}

TEST(FrameFile, TruncatedAtEveryByte) {
  const std::string path = temp_path("trunc");
  const auto frames = sample_frames();
  const auto bytes = write_file(path, frames);
  std::filesystem::remove(path);
  // Where each frame ends: a cut exactly there is a clean end, anywhere else is truncation.
  std::vector<size_t> ends;
  {
    std::string error;
    auto r = FrameReader::open_memory(bytes, kMagic, &error);
    ASSERT_TRUE(r);
    uint32_t kind;
    std::vector<uint8_t> payload;
    ends.push_back(r->offset());
    while (r->next(&kind, &payload) == FrameReader::Next::kFrame) ends.push_back(r->offset());
  }
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::vector<uint8_t> part(bytes.begin(), bytes.begin() + cut);
    std::string error;
    auto r = FrameReader::open_memory(part, kMagic, &error);
    if (cut < kFileHeaderBytes) {
      EXPECT_FALSE(r) << cut;
      EXPECT_FALSE(error.empty());
      EXPECT_EQ(error.find('\n'), std::string::npos);
      continue;
    }
    ASSERT_TRUE(r) << cut << ": " << error;
    std::vector<Frame> got;
    const auto end = read_frames(*r, &got);
    const bool at_boundary = std::find(ends.begin(), ends.end(), cut) != ends.end();
    EXPECT_EQ(end, at_boundary ? FrameReader::Next::kEnd : FrameReader::Next::kTruncated) << cut;
    if (!at_boundary) {
      EXPECT_NE(r->error().find("ends inside"), std::string::npos) << r->error();
    }
    // Every frame before the cut is intact.
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].payload, frames[i].payload);
  }
}

TEST(FrameFile, FlippedBitAnywhereIsNoticed) {
  const std::string path = temp_path("flip");
  const auto frames = sample_frames();
  const auto bytes = write_file(path, frames);
  std::filesystem::remove(path);
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto damaged = bytes;
    damaged[bit / 8] ^= uint8_t(1u << (bit % 8));
    std::string error;
    auto r = FrameReader::open_memory(damaged, kMagic, &error, {"test file", 1});
    if (!r) {
      EXPECT_FALSE(error.empty());
      continue;
    }
    std::vector<Frame> got;
    const auto end = read_frames(*r, &got);
    // A flip can make a size claim more than the file holds (truncation) — but never may it
    // go unnoticed.
    EXPECT_NE(end, FrameReader::Next::kEnd) << "bit " << bit;
    EXPECT_FALSE(r->error().empty());
    EXPECT_EQ(r->error().find('\n'), std::string::npos);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].payload, frames[i].payload);
  }
}

TEST(FrameFile, WrongMagicVersionAndMissingFile) {
  const std::string path = temp_path("magic");
  write_file(path, {{1, bytes_of("x")}}, 2);
  std::string error;
  EXPECT_FALSE(FrameReader::open(path, "RWDOTHER", &error, {"trace", 5}));
  EXPECT_EQ(error, path + ": not a Rewind trace");
  EXPECT_FALSE(FrameReader::open(path, kMagic, &error, {"trace", 1}));
  EXPECT_EQ(error, path + ": trace format version 2 is not supported (this build reads versions "
                          "up to 1)");
  EXPECT_TRUE(FrameReader::open(path, kMagic, &error, {"trace", 2})) << error;
  std::filesystem::remove(path);
  EXPECT_FALSE(FrameReader::open(path, kMagic, &error));
  EXPECT_EQ(error, path + ": no such file");
  EXPECT_FALSE(FrameReader::open("/", kMagic, &error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos);
  EXPECT_FALSE(FrameReader::open_memory({}, kMagic, &error, {"trace"}));
  EXPECT_EQ(error, "empty file, not a Rewind trace");
}

TEST(FrameFile, CorruptSizesAreRefusedBeforeAllocating) {
  const std::string path = temp_path("sizes");
  auto bytes = write_file(path, {{1, bytes_of("hello")}});
  std::filesystem::remove(path);
  auto damaged = bytes;
  damaged[kFileHeaderBytes + 8 + 3] = 0x7f;  // raw size ~2 GiB
  std::string error;
  auto r = FrameReader::open_memory(damaged, kMagic, &error);
  ASSERT_TRUE(r);
  uint32_t kind;
  std::vector<uint8_t> payload;
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kCorrupt);
  EXPECT_NE(r->error().find("exceeds"), std::string::npos) << r->error();
  EXPECT_EQ(r->error().rfind("frame 0 at byte 12", 0), 0u) << r->error();
  EXPECT_EQ(r->next(&kind, &payload), FrameReader::Next::kCorrupt);  // stays on the bad frame
}

TEST(FrameFile, DiskFullIsAnErrorNotACrash) {
  std::string error;
  EXPECT_FALSE(FrameWriter::create("/dev/full", kMagic, 1, &error));
  EXPECT_EQ(error, "/dev/full: write failed: No space left on device");
  EXPECT_FALSE(FrameWriter::create("/nonexistent-dir/x.rwd", kMagic, 1, &error));
  EXPECT_NE(error.find("cannot create"), std::string::npos);
}

// A file size limit makes write(2) fail part-way through a recording, like a disk filling up.
// Runs in a death-test child so the limit does not outlive it; the exit code says what failed.
[[noreturn]] void write_until_the_limit(const std::string& path) {
  std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = {4096, 4096};
  setrlimit(RLIMIT_FSIZE, &lim);
  std::string error;
  auto w = FrameWriter::create(path, kMagic, 1, &error);
  if (!w) std::exit(10);
  std::vector<uint8_t> noise(1000);
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = uint8_t(i * 2654435761u >> 13);
  int written = 0;
  while (w->write_frame(2, noise)) ++written;
  if (written < 2) std::exit(11);
  if (w->error().find("write failed: File too large") == std::string::npos) std::exit(12);
  if (w->write_frame(2, {})) std::exit(13);
  w->close();
  auto r = FrameReader::open(path, kMagic, &error);
  if (!r) std::exit(14);
  uint32_t kind;
  std::vector<uint8_t> payload;
  int read = 0;
  FrameReader::Next n;
  while ((n = r->next(&kind, &payload)) == FrameReader::Next::kFrame) ++read;
  if (read != written) std::exit(15);
  if (n != FrameReader::Next::kEnd && n != FrameReader::Next::kTruncated) std::exit(16);
  std::exit(0);
}

TEST(FrameFile, WriteFailureMidFileIsStickyAndLeavesReadableFrames) {
  const std::string path = temp_path("fsize");
  EXPECT_EXIT(write_until_the_limit(path), ::testing::ExitedWithCode(0), "");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rwd::trace
