// LiveRecording: calls at the frontier reach the live host and are logged; after a rewind the
// same calls are answered from the log (typed input delivered again, the live host not asked);
// a call that does not match the log is a divergence naming both calls. Under a Timeline, a
// live run with typed input and host-paced idle time can be taken back and forward again onto
// exactly the states it had.
#include "replay/live_recording.h"

#include <gtest/gtest.h>

#include <cstring>

#include "../system/machine_workload.h"

namespace rwd::systest {
namespace {

using replay::LiveRecording;

// The guest side: what reached the machine.
class GuestLog final : public system::GuestInput {
 public:
  void type(std::span<const uint8_t> bytes) override { typed.append(bytes.begin(), bytes.end()); }
  void request_stop(system::MachineExit exit) override { stops.push_back(exit.reason); }
  std::string typed;
  std::vector<std::string> stops;
};

// A live host that answers differently every time it is asked, as a person and a real clock
// would: polls type "k" on every third call, idle resumes at a time that depends on the call.
class ChangingHost final : public system::MachineHost, public dev::HostInput {
 public:
  explicit ChangingHost(system::GuestInput& to) : to_(to) {}
  void poll() override {
    if (++polls % 3 == 0) {
      const std::string text = "k" + std::to_string(polls);
      to_.type(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }
  }
  uint64_t idle(uint64_t now, uint64_t deadline) override {
    ++idles;
    const uint64_t step = 1 + (idles * 7919) % 40;
    return deadline == dev::kNever ? now + 1000 + step : std::min(deadline, now + step);
  }
  uint64_t wall_clock_ns() override { return ++clock_reads * 1000; }
  void entropy(uint8_t* dst, uint64_t len) override {
    for (uint64_t i = 0; i < len; ++i) dst[i] = uint8_t(++entropy_bytes);
  }
  int polls = 0, idles = 0, clock_reads = 0, entropy_bytes = 0;

 private:
  system::GuestInput& to_;
};

struct Fixture {
  Fixture() : live(recording) { recording.attach(guest, [this] { return clock; }, live); }
  GuestLog guest;
  ChangingHost live_input{guest};  // only its HostInput half is used
  LiveRecording recording{live_input};
  ChangingHost live;
  uint64_t clock = 0;
};

TEST(LiveRecording, CallsBehindTheFrontierAreAnsweredFromTheLog) {
  Fixture f;
  uint8_t bytes[4];
  std::vector<uint64_t> answers;
  for (int i = 0; i < 6; ++i) {
    f.clock = uint64_t(i) * 100;
    f.recording.poll();
    answers.push_back(f.recording.idle(f.clock, f.clock + 50));
  }
  answers.push_back(f.recording.wall_clock_ns());
  f.recording.entropy(bytes, 4);
  EXPECT_EQ(f.guest.typed, "k3k6");
  EXPECT_EQ(f.live.polls, 6);
  EXPECT_EQ(f.recording.calls_logged(), 14u);
  EXPECT_TRUE(f.recording.at_frontier());

  std::string error;
  ASSERT_TRUE(f.recording.rewind({0}, &error)) << error;
  EXPECT_FALSE(f.recording.at_frontier());
  f.guest.typed.clear();
  std::vector<uint64_t> again;
  for (int i = 0; i < 6; ++i) {
    f.clock = uint64_t(i) * 100;
    f.recording.poll();
    again.push_back(f.recording.idle(f.clock, f.clock + 50));
  }
  again.push_back(f.recording.wall_clock_ns());
  uint8_t replayed[4];
  f.recording.entropy(replayed, 4);
  EXPECT_EQ(again, answers);
  EXPECT_EQ(0, std::memcmp(bytes, replayed, 4));
  EXPECT_EQ(f.guest.typed, "k3k6");
  EXPECT_EQ(f.live.polls, 6) << "the live host was asked again";
  EXPECT_EQ(f.live.idles, 6);
  EXPECT_EQ(f.live_input.clock_reads, 1);
  EXPECT_FALSE(f.recording.failure());

  // Past the end of the log the live host answers again, and the log grows.
  EXPECT_TRUE(f.recording.at_frontier());
  f.clock = 1000;
  f.recording.poll();
  EXPECT_EQ(f.live.polls, 7);
  EXPECT_EQ(f.recording.calls_logged(), 15u);
}

TEST(LiveRecording, RewindToTheMiddleResumesThere) {
  Fixture f;
  for (int i = 0; i < 4; ++i) {
    f.clock = uint64_t(i) * 10;
    f.recording.poll();
  }
  const std::vector<uint64_t> mark = {2};
  std::string error;
  ASSERT_TRUE(f.recording.rewind(mark, &error));
  f.guest.typed.clear();
  f.clock = 20;
  f.recording.poll();
  f.clock = 30;
  f.recording.poll();
  EXPECT_EQ(f.guest.typed, "k3");
  EXPECT_EQ(f.live.polls, 4);
  EXPECT_EQ(f.recording.mark(), std::vector<uint64_t>{4});
}

TEST(LiveRecording, AStopRequestIsDeliveredAgain) {
  Fixture f;
  class Quitter final : public system::MachineHost {
   public:
    explicit Quitter(system::GuestInput& to) : to_(to) {}
    void poll() override { to_.request_stop({0, "quit from the console"}); }
    uint64_t idle(uint64_t, uint64_t deadline) override { return deadline; }
    system::GuestInput& to_;
  } quitter(f.recording);
  f.recording.attach(f.guest, [&f] { return f.clock; }, quitter);
  f.recording.poll();
  std::string error;
  ASSERT_TRUE(f.recording.rewind({0}, &error));
  f.recording.poll();
  EXPECT_EQ(f.guest.stops, (std::vector<std::string>{"quit from the console",
                                                     "quit from the console"}));
}

TEST(LiveRecording, AMismatchedCallIsADivergenceNamingBoth) {
  Fixture f;
  f.clock = 100;
  f.recording.poll();
  std::string error;
  ASSERT_TRUE(f.recording.rewind({0}, &error));
  f.clock = 101;  // the same call at another time
  f.recording.poll();
  ASSERT_TRUE(f.recording.failure());
  EXPECT_NE(f.recording.failure()->find("poll at virtual time 101 ns where the recording has a "
                                        "poll at 100 ns"),
            std::string::npos)
      << *f.recording.failure();

  Fixture g;
  g.recording.poll();
  ASSERT_TRUE(g.recording.rewind({0}, &error));
  g.recording.idle(0, 10);
  ASSERT_TRUE(g.recording.failure());
  EXPECT_NE(g.recording.failure()->find("idle at virtual time 0 ns where the recording has a poll"),
            std::string::npos)
      << *g.recording.failure();
}

TEST(LiveRecording, AMarkBeyondTheLogIsRefused) {
  Fixture f;
  f.recording.poll();
  std::string error;
  EXPECT_FALSE(f.recording.rewind({2}, &error));
  EXPECT_FALSE(f.recording.rewind({}, &error));
  EXPECT_NE(error.find("live recording"), std::string::npos);
  EXPECT_TRUE(f.recording.rewind({1}, &error));
}

TEST(LiveRecording, CallsBeforeAttachAreNotLogged) {
  GuestLog guest;
  ChangingHost live_input{guest};
  LiveRecording recording(live_input);
  EXPECT_EQ(recording.wall_clock_ns(), 1000u);
  uint8_t b[2];
  recording.entropy(b, 2);
  EXPECT_EQ(recording.calls_logged(), 0u);
}

// A live machine under a Timeline: typed input and host-paced idle periods, then back to the
// start and forward again, on both tiers.
class LiveTimelineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LiveTimelineTest, GoingBackReExecutesOntoTheSameStates) {
  WorkloadFiles files;
  auto board = files.board(GetParam());
  system::Machine& machine = *board->machine;
  LiveRecording recording(board->input);
  ChangingHost live(recording);
  recording.attach(machine, [&machine] { return machine.virtual_time(); }, live);
  replay::TimelineOptions options;
  options.slice = 100'000;
  options.min_spacing = 150'000;
  options.max_overhead = 1.0;
  replay::Timeline timeline(machine, *board->engine, recording, nullptr, options);

  const uint64_t target = 1'500'000;
  ASSERT_EQ(timeline.seek(target, nullptr).kind, replay::TimelineStop::Kind::kArrived);
  const uint64_t hash_live = machine.state_hash(true);
  const int polls = live.polls, idles = live.idles;
  ASSERT_GT(idles, 5) << "the workload should idle";

  ASSERT_EQ(timeline.seek(1000, nullptr).kind, replay::TimelineStop::Kind::kArrived);
  ASSERT_EQ(timeline.seek(target, nullptr).kind, replay::TimelineStop::Kind::kArrived);
  EXPECT_EQ(machine.state_hash(true), hash_live);
  ASSERT_EQ(timeline.step_backward().kind, replay::TimelineStop::Kind::kArrived);
  ASSERT_EQ(timeline.step_forward().kind, replay::TimelineStop::Kind::kArrived);
  EXPECT_EQ(machine.state_hash(true), hash_live);
  EXPECT_EQ(live.polls, polls) << "re-execution asked the live host";
  EXPECT_EQ(live.idles, idles);
  EXPECT_FALSE(recording.failure());

  // Forward past the frontier: live again, to the end of the run.
  EXPECT_EQ(timeline.run_forward(nullptr).kind, replay::TimelineStop::Kind::kHistoryEnd);
  EXPECT_GT(live.idles, idles);
  EXPECT_FALSE(recording.failure());
}

INSTANTIATE_TEST_SUITE_P(Tiers, LiveTimelineTest, ::testing::Values("interp", "jit"));

}  // namespace
}  // namespace rwd::systest
