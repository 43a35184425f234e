// The input layer end to end on small bare-metal machines: a run recorded through the
// Recorder (with a scripted "live" host typing, idling short and reading the RTC) replays
// through the Replayer to the same console bytes, instruction count and state hash on both
// tiers; a changed input is caught at the interval it lands in; a cut-off trace replays up to
// its last whole chunk; a stop from the console replays as the same stop.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "priv/csr.h"
#include "record/recorder.h"
#include "replay/replayer.h"
#include "system/machine.h"
#include "../system/system_test_support.h"
#include "traces/trace_file.h"

namespace rwd::systest {
namespace {

using namespace rv;  // NOLINT: the encoders read like assembly
namespace csr = priv::csr;

constexpr int32_t kFinisher = 0x10'0000, kUart = 0x1000'0000, kRtc = 0x10'1000;
constexpr int32_t kMtimecmp = 0x200'4000;
constexpr uint64_t kHashInterval = system::Machine::kPollInterval;

// The live host's side, scripted: no terminal, no real time.
class FakeLiveInput final : public dev::HostInput {
 public:
  uint64_t wall_clock_ns() override { return wall_clock; }
  void entropy(uint8_t* dst, uint64_t len) override {
    for (uint64_t i = 0; i < len; ++i) dst[i] = uint8_t(i * 13 + 5);
  }
  uint64_t wall_clock = 1'700'000'123'456'789'000ull;
};

class ScriptedHost final : public system::MachineHost {
 public:
  void poll() override {
    ++polls;
    if (auto it = typing.find(polls); it != typing.end()) {
      input->type({reinterpret_cast<const uint8_t*>(it->second.data()), it->second.size()});
    }
    if (polls == stop_at_poll) input->request_stop({7, "quit from the console"});
    if (polls > 200) input->request_stop({99, "test timeout"});
  }
  uint64_t idle(uint64_t now, uint64_t deadline) override {
    ++idles;
    if (deadline == dev::kNever) {
      input->request_stop({98, "idle without a deadline"});
      return now + 1;
    }
    if (idles == 1) {
      const std::string typed = "i";
      input->type({reinterpret_cast<const uint8_t*>(typed.data()), typed.size()});
      return now + (deadline - now) / 3;  // "input arrived" early
    }
    return deadline;
  }
  system::GuestInput* input = nullptr;
  std::map<int, std::string> typing;  // poll number -> bytes typed there
  int stop_at_poll = -1;
  int polls = 0, idles = 0;
};

class CollectingSink final : public dev::ByteSink {
 public:
  void put(uint8_t byte) override { bytes.push_back(char(byte)); }
  std::string bytes;
};

struct Outcome {
  system::MachineExit exit;
  std::string output;
  uint64_t retired = 0, clock = 0, hash = 0;
  replay::ReplayOutcome replay = replay::ReplayOutcome::kRunning;
  std::string message;
};

std::unique_ptr<ExecutionEngine> make_engine(const std::string& tier, Translator& translator) {
  if (tier == "jit") return std::make_unique<jit::JitEngine>(translator);
  return std::make_unique<Interpreter>(translator);
}

// Reads the RTC (so the wall clock matters), waits once in WFI for a timer (so idle time
// matters), then echoes UART input until 'q' and powers off.
Program echo_program() {
  Program p(kRamBase);
  p.li(s1, kRtc).emit(lw(a2, s1, 0));  // TIME_LOW
  p.li(t0, kMtimecmp).li(t1, 3000).emit(sd(t1, t0, 0));
  p.li(t1, 1 << priv::irq::kMTI).emit(csrrw(zero, csr::kMie, t1));
  p.emit(wfi());
  p.li(t0, kUart).li(s0, 'q');
  const uint64_t loop = p.here();
  // Mostly plain instructions between UART reads, as a guest doing work between polls.
  p.li(a1, 2000);
  p.emit(addi(a1, a1, -1));
  p.emit(bne(a1, zero, -4));
  p.emit(lbu(t1, t0, 5));  // LSR
  p.emit(andi(t1, t1, 1));
  p.emit(beq(t1, zero, int32_t(loop - p.here())));
  p.emit(lbu(t2, t0, 0));  // RBR
  p.emit(add(a2, a2, t2));
  p.emit(sb(t2, t0, 0));  // echo
  p.emit(bne(t2, s0, int32_t(loop - p.here())));
  p.li(t0, kFinisher).li(t1, 0x5555).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
  return p;
}

class RecordReplayTest : public ::testing::Test {
 protected:
  RecordReplayTest() {
    static std::atomic<int> counter{0};
    const auto dir = std::filesystem::temp_directory_path();
    const std::string stem =
        "rewind_rr_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    kernel_path_ = (dir / (stem + ".bin")).string();
    trace_path_ = (dir / (stem + ".rwd")).string();
    const std::vector<uint8_t> bytes = echo_program().bytes();
    std::ofstream out(kernel_path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  ~RecordReplayTest() override {
    std::error_code ec;
    std::filesystem::remove(kernel_path_, ec);
    std::filesystem::remove(trace_path_, ec);
  }

  machine::MachineConfig config() const {
    machine::MachineConfig c;
    c.bios = "none";
    c.kernel = kernel_path_;
    c.ram_bytes = 32 * machine::kMiB;
    return c;
  }

  Outcome record(const std::string& tier, ScriptedHost& live) {
    trace::TraceHeader header;
    header.hash_interval = kHashInterval;
    std::string error;
    auto writer = trace::TraceWriter::create(trace_path_, header, &error);
    EXPECT_NE(writer, nullptr) << error;
    FakeLiveInput live_input;
    record::Recorder recorder(*writer, live_input, kHashInterval);
    CollectingSink console;
    auto m = system::Machine::create(config(), recorder, console, &error);
    EXPECT_NE(m, nullptr) << error;
    live.input = &recorder;
    recorder.attach(*m, live);
    Translator translator;
    auto engine = make_engine(tier, translator);
    Outcome o;
    o.exit = m->run(*engine, recorder);
    EXPECT_TRUE(recorder.finish(o.exit)) << recorder.error();
    o.output = console.bytes;
    o.retired = m->instructions_retired();
    o.clock = m->clock();
    o.hash = m->state_hash(true);
    return o;
  }

  Outcome replay(const std::string& tier) {
    std::string error;
    auto reader = trace::TraceReader::open(trace_path_, &error);
    EXPECT_NE(reader, nullptr) << error;
    if (!reader) return {};
    replay::Replayer replayer(*reader);
    CollectingSink console;
    auto m = system::Machine::create(config(), replayer, console, &error);
    EXPECT_NE(m, nullptr) << error;
    replayer.attach(*m);
    Translator translator;
    auto engine = make_engine(tier, translator);
    Outcome o;
    o.exit = m->run(*engine, replayer);
    replayer.finish(o.exit);
    o.output = console.bytes;
    o.retired = m->instructions_retired();
    o.clock = m->clock();
    o.hash = m->state_hash(true);
    o.replay = replayer.outcome();
    o.message = replayer.message();
    return o;
  }

  // Rewrites the trace through `edit` (a whole new file with valid checksums).
  template <typename Edit>
  void rewrite_trace(Edit edit) {
    std::string error;
    auto reader = trace::TraceReader::open(trace_path_, &error);
    ASSERT_NE(reader, nullptr) << error;
    std::vector<trace::Event> events;
    trace::Event e;
    while (reader->next(&e)) events.push_back(e);
    const trace::TraceHeader header = reader->header();
    reader.reset();
    edit(events);
    auto writer = trace::TraceWriter::create(trace_path_, header, &error);
    ASSERT_NE(writer, nullptr) << error;
    for (const trace::Event& ev : events) ASSERT_TRUE(writer->append(ev));
    ASSERT_TRUE(writer->finish());
  }

  std::string kernel_path_, trace_path_;
};

ScriptedHost typing_host() {
  ScriptedHost h;
  h.typing = {{3, "hello"}, {4, ", "}, {6, "world"}, {9, "q"}};
  return h;
}

TEST_F(RecordReplayTest, ReplaysToTheSameBytesAndHashOnBothTiers) {
  for (const std::string recorded_on : {"interp", "jit"}) {
    ScriptedHost live = typing_host();
    const Outcome rec = record(recorded_on, live);
    ASSERT_EQ(rec.exit.code, 0) << rec.exit.reason;
    ASSERT_EQ(rec.output, "ihello, worldq");
    for (const std::string tier : {"interp", "jit"}) {
      SCOPED_TRACE(recorded_on + " -> " + tier);
      const Outcome rep = replay(tier);
      EXPECT_EQ(rep.replay, replay::ReplayOutcome::kMatched) << rep.message;
      EXPECT_EQ(rep.output, rec.output);
      EXPECT_EQ(rep.retired, rec.retired);
      EXPECT_EQ(rep.clock, rec.clock);
      EXPECT_EQ(rep.hash, rec.hash);
      EXPECT_EQ(rep.exit.code, rec.exit.code);
    }
  }
}

TEST_F(RecordReplayTest, TheRecordedWallClockReachesTheGuestOnReplay) {
  ScriptedHost live = typing_host();
  const Outcome rec = record("jit", live);
  // A replay whose RTC read a different time would end with a different a2 register.
  const Outcome rep = replay("interp");
  EXPECT_EQ(rep.replay, replay::ReplayOutcome::kMatched) << rep.message;
  EXPECT_EQ(rep.hash, rec.hash);
}

TEST_F(RecordReplayTest, AChangedInputIsCaughtAtTheIntervalItLandsIn) {
  ScriptedHost live = typing_host();
  record("jit", live);
  uint64_t hashes_before = 0;
  rewrite_trace([&](std::vector<trace::Event>& events) {
    for (trace::Event& e : events) {
      if (e.kind == trace::EventKind::kStateHash) ++hashes_before;
      if (e.kind == trace::EventKind::kConsoleInput && e.data.size() == 5 && e.data[0] == 'w') {
        e.data[0] = 'W';
        return;
      }
    }
    FAIL() << "no \"world\" event in the trace";
  });
  const Outcome rep = replay("jit");
  EXPECT_EQ(rep.replay, replay::ReplayOutcome::kDiverged);
  EXPECT_NE(rep.message.find("interval " + std::to_string(hashes_before + 1) + " "),
            std::string::npos)
      << rep.message;
  EXPECT_EQ(rep.exit.code, 1);
}

TEST_F(RecordReplayTest, AMissingEventIsCaught) {
  ScriptedHost live = typing_host();
  record("interp", live);
  rewrite_trace([](std::vector<trace::Event>& events) {
    std::erase_if(events, [](const trace::Event& e) {
      return e.kind == trace::EventKind::kConsoleInput && e.data == std::vector<uint8_t>{',', ' '};
    });
  });
  const Outcome rep = replay("interp");
  EXPECT_EQ(rep.replay, replay::ReplayOutcome::kDiverged) << rep.message;
}

TEST_F(RecordReplayTest, ACutOffTraceReplaysUpToItsLastWholeChunk) {
  ScriptedHost live = typing_host();
  record("jit", live);
  const auto size = std::filesystem::file_size(trace_path_);
  // Cut inside the final frames: the index and end frames and part of the last chunk go.
  std::filesystem::resize_file(trace_path_, size * 2 / 3);
  const Outcome rep = replay("jit");
  EXPECT_EQ(rep.replay, replay::ReplayOutcome::kTruncated) << rep.message;
  EXPECT_NE(rep.message.find("last complete chunk"), std::string::npos) << rep.message;
  EXPECT_LT(rep.retired, 20'000'000u);
}

TEST_F(RecordReplayTest, AStopFromTheConsoleReplaysAsTheSameStop) {
  ScriptedHost live = typing_host();
  live.stop_at_poll = 5;
  const Outcome rec = record("interp", live);
  ASSERT_EQ(rec.exit.code, 7);
  const Outcome rep = replay("jit");
  EXPECT_EQ(rep.replay, replay::ReplayOutcome::kMatched) << rep.message;
  EXPECT_EQ(rep.exit.code, 7);
  EXPECT_EQ(rep.exit.reason, "quit from the console");
  EXPECT_EQ(rep.hash, rec.hash);
  EXPECT_EQ(rep.output, rec.output);
}

}  // namespace
}  // namespace rwd::systest
