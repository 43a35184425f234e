// Timeline: stepping and continuing backwards lands on exactly the states a plain forward run
// passes through (compared by full state hash against a reference machine), breakpoints and
// watchpoints are found backwards at their last hit, the start and end of the history are
// reported, and re-executed console output is not shown twice.
#include "replay/timeline.h"

#include <gtest/gtest.h>

#include "../system/machine_workload.h"
#include "no_input_history.h"

namespace rwd::systest {
namespace {

using replay::Timeline;
using replay::TimelineOptions;
using replay::TimelineStop;
using replay::TimePoint;
using Kind = TimelineStop::Kind;

class TimelineTest : public ::testing::TestWithParam<std::string> {
 protected:
  TimelineTest() { workload(&labels_); }

  void SetUp() override {
    board_ = files_.board(GetParam());
    history_ = std::make_unique<NoInputHistory>(board_->host);
    use_watch_report(TimelineOptions::WatchReport::kAfterTravel);
  }

  // A fresh timeline over the board (still at the start) reporting watch stops this way.
  void use_watch_report(TimelineOptions::WatchReport report) {
    TimelineOptions options;
    options.slice = 100'000;
    options.min_spacing = 150'000;
    options.max_overhead = 1.0;  // checkpoint at every chance: exercises restores
    options.near_distance = 20'000;
    options.watch_report = report;
    timeline_.reset();
    timeline_ = std::make_unique<Timeline>(*board_->machine, *board_->engine, *history_, nullptr,
                                           options);
  }

  // The state hash a fresh machine has after a plain run to `icount`.
  uint64_t reference_hash(uint64_t icount) {
    auto ref = files_.board(GetParam());
    EXPECT_FALSE(ref->machine->run_until(*ref->engine, ref->host, icount));
    return ref->machine->state_hash(true);
  }
  uint64_t hash() { return board_->machine->state_hash(true); }
  uint64_t icount() { return board_->machine->instructions_retired(); }
  uint64_t pc() { return board_->machine->hart().cpu().pc; }
  TimelineStop seek(uint64_t n) { return timeline_->seek(n, nullptr); }

  WorkloadLabels labels_;
  WorkloadFiles files_;
  std::unique_ptr<Board> board_;
  std::unique_ptr<NoInputHistory> history_;
  std::unique_ptr<Timeline> timeline_;
};

TEST_P(TimelineTest, StepBackwardLandsOnTheStatesOfAForwardRun) {
  ASSERT_EQ(seek(600'000).kind, Kind::kArrived);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(timeline_->step_backward().kind, Kind::kArrived);
    EXPECT_EQ(icount(), 600'000u - i);
    EXPECT_EQ(hash(), reference_hash(600'000 - i)) << i;
  }
  // And forward again, one instruction.
  ASSERT_EQ(timeline_->step_forward().kind, Kind::kArrived);
  EXPECT_EQ(hash(), reference_hash(599'996));
  // Far back, then far forward.
  ASSERT_EQ(seek(12'345).kind, Kind::kArrived);
  EXPECT_EQ(hash(), reference_hash(12'345));
  ASSERT_EQ(seek(1'000'000).kind, Kind::kArrived);
  EXPECT_EQ(hash(), reference_hash(1'000'000));
  EXPECT_GT(timeline_->stats().restores, 0u);
  EXPECT_GT(timeline_->stats().checkpoints, 2u);
}

TEST_P(TimelineTest, ReverseContinueStopsAtTheLastBreakpointHitBeforeNow) {
  // The icounts at which the loop head is reached, from a forward run.
  auto ref = files_.board(GetParam());
  ref->machine->debug_traps().add_breakpoint(labels_.loop);
  ref->machine->breakpoint_changed(*ref->engine, labels_.loop);
  std::vector<uint64_t> hits;
  while (ref->machine->instructions_retired() < 400'000) {
    system::RunStop r = ref->machine->run_debug(*ref->engine, ref->host, 400'000);
    if (r.kind != system::RunStop::Kind::kBreakpoint) break;
    hits.push_back(ref->machine->instructions_retired());
    ref->machine->debug_traps().set_stepping_over(labels_.loop);
    ref->machine->run_debug(*ref->engine, ref->host, ref->machine->instructions_retired() + 1);
    ref->machine->debug_traps().set_stepping_over(std::nullopt);
  }
  ASSERT_GT(hits.size(), 10u);

  ASSERT_EQ(seek(400'000).kind, Kind::kArrived);
  timeline_->set_breakpoint(labels_.loop, true);
  for (size_t k = 1; k <= 3; ++k) {
    ASSERT_EQ(timeline_->run_backward(nullptr).kind, Kind::kBreakpoint);
    EXPECT_EQ(icount(), hits[hits.size() - k]);
    EXPECT_EQ(pc(), labels_.loop);
    EXPECT_EQ(timeline_->now().breakpoint_stop, 1u);
  }
  // Forward from a breakpoint goes on to the next hit, not the same one.
  ASSERT_EQ(timeline_->run_forward(nullptr).kind, Kind::kBreakpoint);
  EXPECT_EQ(icount(), hits[hits.size() - 2]);
  // Backwards past every hit: the start of the history.
  timeline_->set_breakpoint(labels_.loop, false);
  ASSERT_EQ(timeline_->run_backward(nullptr).kind, Kind::kHistoryBegin);
  EXPECT_EQ(icount(), 0u);
  EXPECT_EQ(timeline_->step_backward().kind, Kind::kHistoryBegin);
  EXPECT_EQ(hash(), reference_hash(0));
}

TEST_P(TimelineTest, ReverseWatchpointStopsBeforeTheStoreWithTheOldValue) {
  ASSERT_EQ(seek(700'000).kind, Kind::kArrived);
  const uint64_t slot = labels_.data_base + 5 * 32;  // written when i % 2048 == 5
  uint64_t now_value = 0;
  board_->machine->debug_read(slot, {reinterpret_cast<uint8_t*>(&now_value), 8});
  timeline_->set_watchpoint({slot, 8, system::WatchKind::kWrite}, true);
  const TimelineStop stop = timeline_->run_backward(nullptr);
  ASSERT_EQ(stop.kind, Kind::kWatchpoint);
  EXPECT_EQ(stop.watch.address, slot);
  EXPECT_EQ(pc(), labels_.store);
  uint64_t before = 0;
  board_->machine->debug_read(slot, {reinterpret_cast<uint8_t*>(&before), 8});
  EXPECT_NE(before, now_value);  // not yet written
  const uint64_t at = icount();
  EXPECT_EQ(hash(), reference_hash(at));
  // Forward: the store happens and the watchpoint reports it right after.
  ASSERT_EQ(timeline_->run_forward(nullptr).kind, Kind::kWatchpoint);
  EXPECT_EQ(icount(), at + 1);
  uint64_t after = 0;
  board_->machine->debug_read(slot, {reinterpret_cast<uint8_t*>(&after), 8});
  EXPECT_EQ(after, now_value);
}

// gdb's convention for RISC-V: stops come before the access in the direction of travel, and
// gdb steps the accessing instruction itself.
TEST_P(TimelineTest, WatchStopsBeforeTheAccessInTheDirectionOfTravel) {
  use_watch_report(TimelineOptions::WatchReport::kBeforeTravel);
  Timeline& timeline = *timeline_;
  const uint64_t slot = labels_.data_base + 5 * 32;
  auto value = [&] {
    uint64_t v = 0;
    board_->machine->debug_read(slot, {reinterpret_cast<uint8_t*>(&v), 8});
    return v;
  };
  timeline.set_watchpoint({slot, 8, system::WatchKind::kWrite}, true);
  // Forwards: stopped on the store, not yet executed.
  ASSERT_EQ(timeline.run_forward(nullptr).kind, Kind::kWatchpoint);
  EXPECT_EQ(pc(), labels_.store);
  const uint64_t at = icount();
  EXPECT_EQ(hash(), reference_hash(at));
  const uint64_t old_value = value();
  // Stepping runs the store without stopping for it again.
  ASSERT_EQ(timeline.step_forward().kind, Kind::kArrived);
  EXPECT_EQ(icount(), at + 1);
  EXPECT_NE(value(), old_value);
  // Arriving on the store otherwise (a seek) and continuing stops for it: no resume there.
  ASSERT_EQ(timeline.seek(at, nullptr).kind, Kind::kArrived);
  ASSERT_EQ(timeline.run_forward(nullptr).kind, Kind::kWatchpoint);
  EXPECT_EQ(icount(), at);
  EXPECT_EQ(value(), old_value);
}

TEST_P(TimelineTest, BeforeTravelWatchStopsResumeAndReverse) {
  use_watch_report(TimelineOptions::WatchReport::kBeforeTravel);
  Timeline& timeline = *timeline_;
  const uint64_t slot = labels_.data_base + 5 * 32;
  timeline.set_watchpoint({slot, 8, system::WatchKind::kWrite}, true);
  ASSERT_EQ(timeline.run_forward(nullptr).kind, Kind::kWatchpoint);
  const uint64_t first = icount();
  // Continuing from the stop runs the store and stops before the next one (2048 iterations on).
  ASSERT_EQ(timeline.run_forward(nullptr).kind, Kind::kWatchpoint);
  const uint64_t second = icount();
  EXPECT_GT(second, first + 2048);
  EXPECT_EQ(pc(), labels_.store);
  // Backwards: the last store before now is the first one; the stop is right after it.
  ASSERT_EQ(timeline.run_backward(nullptr).kind, Kind::kWatchpoint);
  EXPECT_EQ(icount(), first + 1);
  EXPECT_EQ(hash(), reference_hash(first + 1));
  // One step back is the store itself (what gdb does next), and from there the previous
  // store is out of reach: the start of the history.
  ASSERT_EQ(timeline.step_backward().kind, Kind::kArrived);
  EXPECT_EQ(icount(), first);
  EXPECT_EQ(timeline.run_backward(nullptr).kind, Kind::kHistoryBegin);
}

TEST_P(TimelineTest, LastWriteFindsTheStoreAndIgnoresBreakpoints) {
  ASSERT_EQ(seek(500'000).kind, Kind::kArrived);
  timeline_->set_breakpoint(labels_.loop, true);
  const uint64_t slot = labels_.data_base + 9 * 32;
  const TimelineStop stop = timeline_->last_write(slot + 2, 1, nullptr);
  ASSERT_EQ(stop.kind, Kind::kWatchpoint);
  EXPECT_EQ(pc(), labels_.store);
  // That store wrote the slot for iteration i with i % 2048 == 9: a2 holds i.
  EXPECT_EQ(board_->machine->hart().cpu().x[12] % 2048, 9u);
  // The debugger's own watchpoints are back as they were (none), the breakpoint still works.
  EXPECT_TRUE(board_->machine->debug_traps().watchpoints().empty());
  EXPECT_EQ(timeline_->run_forward(nullptr).kind, Kind::kBreakpoint);
}

TEST_P(TimelineTest, TheEndOfTheRunIsTheEndOfTheHistory) {
  auto b = files_.board(GetParam());
  NoInputHistory history(b->host);
  Timeline t(*b->machine, *b->engine, history, nullptr, {});
  ASSERT_EQ(t.run_forward(nullptr).kind, Kind::kHistoryEnd);
  EXPECT_TRUE(t.ended());
  EXPECT_EQ(t.exit().code, 0);
  const uint64_t end = b->machine->instructions_retired();
  EXPECT_EQ(t.run_forward(nullptr).kind, Kind::kHistoryEnd);
  ASSERT_EQ(t.step_backward().kind, Kind::kArrived);
  EXPECT_EQ(b->machine->instructions_retired(), end - 1);
  EXPECT_FALSE(t.ended());
  ASSERT_EQ(t.step_forward().kind, Kind::kHistoryEnd);
}

TEST_P(TimelineTest, InterruptStopsAForwardRun) {
  int calls = 0;
  const TimelineStop stop = timeline_->run_forward([&] { return ++calls == 3; });
  EXPECT_EQ(stop.kind, Kind::kInterrupted);
  EXPECT_EQ(icount(), 300'000u);  // three slices
}

INSTANTIATE_TEST_SUITE_P(Tiers, TimelineTest, ::testing::Values("interp", "jit"));

TEST(ConsoleGate, ShowsEachByteOnceAlongTheHistory) {
  StringSink out;
  replay::ConsoleGate gate(out);
  for (char c : std::string("abc")) gate.put(uint8_t(c));
  gate.rewind_to(1);
  for (char c : std::string("bcde")) gate.put(uint8_t(c));
  EXPECT_EQ(out.bytes, "abcde");
  EXPECT_EQ(gate.written(), 5u);
}

}  // namespace
}  // namespace rwd::systest
