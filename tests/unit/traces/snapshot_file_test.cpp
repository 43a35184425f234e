// Snapshot files: round trip of metadata, machine state and RAM; zero pages not stored and
// equal pages stored once (seen in the file size); every truncation and many flipped bytes are
// one-line errors, never crashes; hand-made frames with bad fields are named precisely.
#include "traces/snapshot_file.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "traces/frame_file.h"
#include "traces/snapshot.capnp.h"

namespace rwd::trace {
namespace {

constexpr uint64_t kPage = kSnapshotPageBytes;

void expect_same_meta(const SnapshotMeta& a, const SnapshotMeta& b) {
  EXPECT_EQ(a.run_args, b.run_args);
  ASSERT_EQ(a.images.size(), b.images.size());
  for (size_t i = 0; i < a.images.size(); ++i) {
    EXPECT_EQ(a.images[i].role, b.images[i].role);
    EXPECT_EQ(a.images[i].path, b.images[i].path);
    EXPECT_EQ(a.images[i].size, b.images[i].size);
    EXPECT_EQ(a.images[i].xxh64, b.images[i].xxh64);
  }
  EXPECT_EQ(a.icount, b.icount);
  EXPECT_EQ(a.clock, b.clock);
  EXPECT_EQ(a.trace_event, b.trace_event);
  EXPECT_EQ(a.trace_intervals, b.trace_intervals);
  EXPECT_EQ(a.trace_header_hash, b.trace_header_hash);
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  SnapshotFileTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("rewind_snapshot_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~SnapshotFileTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::vector<uint8_t> slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  static system::MachineState sample_state() {
    system::MachineState s;
    s.icount = 123456;
    s.idle_insns = 789;
    s.next_poll_clock = 2'000'000;
    s.hart = {1, 2, 3, 4, 5};
    s.devices = {{"plic@c000000", {9, 9}}, {"uart16550@10000000", {}},
                 {"virtio-mmio@10008000", std::vector<uint8_t>(3 << 20, 0x5a)}};
    s.console_input = {'h', 'i'};
    return s;
  }
  static SnapshotMeta sample_meta() {
    SnapshotMeta m;
    m.run_args = {"-m", "64M", "-kernel", "Image"};
    m.images = {{"kernel", "Image", 1234, 0xabcdef}};
    m.icount = 123456;
    m.clock = 123456 + 789;
    m.trace_event = 42;
    m.trace_intervals = 7;
    m.trace_header_hash = 0x1122334455667788;
    return m;
  }
  // RAM with random pages here and there, some repeated.
  static std::vector<uint8_t> sample_ram(size_t bytes) {
    std::vector<uint8_t> ram(bytes, 0);
    std::mt19937_64 rng(1);
    for (size_t page = 3; page < bytes / kPage; page += 5) {
      for (size_t i = 0; i < kPage; i += 8) {
        const uint64_t v = rng();
        std::memcpy(&ram[page * kPage + i], &v, 8);
      }
    }
    for (size_t page = 4; page < bytes / kPage; page += 50) {
      std::memcpy(&ram[page * kPage], &ram[3 * kPage], kPage);
    }
    return ram;
  }

  std::filesystem::path dir_;
};

TEST_F(SnapshotFileTest, RoundTripKeepsEverything) {
  const std::vector<uint8_t> ram = sample_ram(8 << 20);
  std::string error;
  ASSERT_TRUE(write_snapshot(path("a.rws"), sample_meta(), sample_state(), ram, 0x8000'0000,
                             &error))
      << error;
  EXPECT_FALSE(std::filesystem::exists(path("a.rws.tmp")));
  const auto loaded = read_snapshot(path("a.rws"), &error);
  ASSERT_TRUE(loaded) << error;
  expect_same_meta(loaded->meta, sample_meta());
  EXPECT_EQ(loaded->state, sample_state());
  EXPECT_EQ(loaded->ram_base, 0x8000'0000u);
  EXPECT_EQ(loaded->ram_size, ram.size());
  std::vector<uint8_t> back(ram.size(), 0xee);
  ASSERT_TRUE(loaded->apply_ram(back));
  EXPECT_EQ(back, ram);
  EXPECT_FALSE(loaded->apply_ram(std::span(back).first(kPage)));

  // Without a trace position, none is read back.
  SnapshotMeta plain = sample_meta();
  plain.trace_event.reset();
  plain.trace_intervals.reset();
  plain.trace_header_hash.reset();
  ASSERT_TRUE(write_snapshot(path("b.rws"), plain, sample_state(), ram, 0x8000'0000, &error));
  expect_same_meta(read_snapshot(path("b.rws"), &error)->meta, plain);
}

TEST_F(SnapshotFileTest, ZeroPagesCostNothingAndEqualPagesAreStoredOnce) {
  std::string error;
  system::MachineState state;
  const std::vector<uint8_t> zero(64 << 20, 0);
  ASSERT_TRUE(write_snapshot(path("zero.rws"), {}, state, zero, 0, &error)) << error;
  EXPECT_LT(std::filesystem::file_size(path("zero.rws")), 1024u);
  const auto empty = read_snapshot(path("zero.rws"), &error);
  ASSERT_TRUE(empty) << error;
  EXPECT_TRUE(empty->pages.empty());

  // 2000 copies of one random page, then the same with 2000 distinct random pages.
  std::vector<uint8_t> same(16 << 20, 0), distinct(16 << 20, 0);
  std::mt19937_64 rng(2);
  for (size_t i = 0; i < same.size() / kPage && i < 2000; ++i) {
    for (size_t b = 0; b < kPage; b += 8) {
      const uint64_t v = rng();
      std::memcpy(&distinct[i * kPage + b], &v, 8);
    }
    std::memcpy(&same[i * kPage], &distinct[0], kPage);
  }
  ASSERT_TRUE(write_snapshot(path("same.rws"), {}, state, same, 0, &error)) << error;
  ASSERT_TRUE(write_snapshot(path("distinct.rws"), {}, state, distinct, 0, &error)) << error;
  EXPECT_LT(std::filesystem::file_size(path("same.rws")), 2 * kPage + 2000 * 16);
  EXPECT_GT(std::filesystem::file_size(path("distinct.rws")), 2000 * kPage);
  const auto loaded = read_snapshot(path("same.rws"), &error);
  ASSERT_TRUE(loaded) << error;
  ASSERT_EQ(loaded->pages.size(), 2000u);
  EXPECT_EQ(loaded->pages.front().second, loaded->pages.back().second);  // shared bytes
}

TEST_F(SnapshotFileTest, EveryTruncationAndFlippedByteIsAnErrorNotACrash) {
  std::string error;
  system::MachineState state = sample_state();
  state.devices[2].second.resize(5000);  // keep the file small enough to cut everywhere
  ASSERT_TRUE(write_snapshot(path("t.rws"), sample_meta(), state, sample_ram(4 << 20), 0,
                             &error));
  const std::vector<uint8_t> bytes = slurp(path("t.rws"));
  ASSERT_GT(bytes.size(), 100'000u);
  for (size_t len = 0; len < bytes.size(); len += len < 4096 ? 1 : 97) {
    std::string e;
    const auto r = read_snapshot_memory({bytes.begin(), bytes.begin() + ptrdiff_t(len)}, &e);
    ASSERT_FALSE(r) << "cut at " << len;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    if (len >= kFileHeaderBytes) EXPECT_NE(e.find("truncated at byte"), std::string::npos) << e;
  }
  for (size_t at = 0; at < bytes.size(); at += at < 4096 ? 3 : 211) {
    std::vector<uint8_t> bad = bytes;
    bad[at] ^= 0x40;
    std::string e;
    EXPECT_FALSE(read_snapshot_memory(std::move(bad), &e)) << "flip at " << at;
    EXPECT_FALSE(e.empty());
  }
}

TEST_F(SnapshotFileTest, FilesThatAreNotSnapshotsAreNamed) {
  std::string error;
  EXPECT_FALSE(read_snapshot(path("missing.rws"), &error));
  EXPECT_NE(error.find("missing.rws"), std::string::npos) << error;
  {
    std::ofstream out(path("text.rws"));
    out << "this is not a snapshot at all";
  }
  EXPECT_FALSE(read_snapshot(path("text.rws"), &error));
  EXPECT_EQ(error, path("text.rws") + ": not a Rewind snapshot");
}

// Hand-made frames: a writer that gets everything right but one field.
class CraftedSnapshot {
 public:
  explicit CraftedSnapshot(const std::string& path) {
    std::string error;
    out_ = FrameWriter::create(path, kSnapshotMagic, kSnapshotFormatVersion, &error);
  }
  void header(uint64_t ram_size, uint32_t devices = 0) {
    capnp::MallocMessageBuilder m;
    auto h = m.initRoot<snapshot_schema::SnapshotHeader>();
    h.setFormatVersion(kSnapshotFormatVersion);
    h.setRamSize(ram_size);
    h.setDeviceCount(devices);
    frame(1, m);
  }
  void pages(uint64_t first_content, unsigned contents, std::vector<std::pair<uint64_t, uint64_t>> refs,
             size_t content_size = kPage) {
    capnp::MallocMessageBuilder m;
    auto f = m.initRoot<snapshot_schema::RamPages>();
    f.setFirstContent(first_content);
    auto c = f.initContents(contents);
    for (unsigned i = 0; i < contents; ++i) c.init(i, unsigned(content_size));
    auto r = f.initPages(unsigned(refs.size()));
    for (unsigned i = 0; i < refs.size(); ++i) {
      r[i].setIndex(refs[i].first);
      r[i].setContent(refs[i].second);
    }
    frame(3, m);
  }
  void end(uint64_t pages, uint64_t contents) {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<snapshot_schema::SnapshotEnd>();
    e.setPageCount(pages);
    e.setContentCount(contents);
    frame(4, m);
    out_->close();
  }

 private:
  void frame(uint32_t kind, capnp::MessageBuilder& m) {
    auto words = capnp::messageToFlatArray(m);
    out_->write_frame(kind, {words.asBytes().begin(), words.asBytes().size()});
  }
  std::unique_ptr<FrameWriter> out_;
};

TEST_F(SnapshotFileTest, BadFieldsAreNamed) {
  auto problem = [&](auto&& build) {
    {
      CraftedSnapshot s(path("c.rws"));
      build(s);
    }
    std::string error;
    EXPECT_FALSE(read_snapshot(path("c.rws"), &error));
    return error.substr(error.find(": ") + 2);
  };
  const std::string out_of_range = problem([](CraftedSnapshot& s) {
    s.header(16 * kPage);
    s.pages(0, 1, {{4711, 0}});
    s.end(1, 1);
  });
  EXPECT_TRUE(out_of_range.starts_with("frame 1 at byte ")) << out_of_range;
  EXPECT_TRUE(out_of_range.ends_with(": page 4711 out of range")) << out_of_range;
  EXPECT_NE(problem([](CraftedSnapshot& s) {
              s.header(16 * kPage);
              s.pages(0, 1, {{3, 0}, {3, 0}});
              s.end(2, 1);
            }).find("page 3 listed twice"),
            std::string::npos);
  EXPECT_NE(problem([](CraftedSnapshot& s) {
              s.header(16 * kPage);
              s.pages(0, 1, {{3, 1}});
              s.end(1, 1);
            }).find("missing content 1"),
            std::string::npos);
  EXPECT_NE(problem([](CraftedSnapshot& s) {
              s.header(16 * kPage);
              s.pages(0, 1, {{3, 0}}, 100);
              s.end(1, 1);
            }).find("page content 0 is 100 bytes"),
            std::string::npos);
  EXPECT_NE(problem([](CraftedSnapshot& s) {
              s.header(16 * kPage + 1);
              s.end(0, 0);
            }).find("bad RAM layout"),
            std::string::npos);
  EXPECT_NE(problem([](CraftedSnapshot& s) {
              s.header(16 * kPage, 2);
              s.end(0, 0);
            }).find("0 of 2 devices"),
            std::string::npos);
  EXPECT_NE(problem([](CraftedSnapshot& s) {
              s.header(16 * kPage);
              s.pages(0, 1, {{3, 0}});
              s.end(5, 1);
            }).find("end frame counts 5 pages"),
            std::string::npos);
  EXPECT_NE(problem([](CraftedSnapshot& s) { s.header(16 * kPage); }).find("truncated at byte"),
            std::string::npos);
}

}  // namespace
}  // namespace rwd::trace
