// Machine::run_debug: breakpoints stop before the instruction, watchpoints right after the
// access, at the same instruction counts on every tier, and stopping (then stepping over a
// breakpoint) leaves the run exactly as it would have been without the debugger.
#include <gtest/gtest.h>

#include "machine_workload.h"

namespace rwd::systest {
namespace {

using system::RunStop;
using system::Watchpoint;
using system::WatchKind;

class DebugStopTest : public ::testing::TestWithParam<std::string> {
 protected:
  DebugStopTest() { workload(&labels_); }

  static RunStop run(Board& b, uint64_t pause = dev::kNever) {
    return b.machine->run_debug(*b.engine, b.host, pause);
  }
  // Steps over a breakpoint at pc, as the debugger does when resuming from one.
  static RunStop step_over(Board& b) {
    system::DebugTraps& traps = b.machine->debug_traps();
    traps.set_stepping_over(b.machine->hart().cpu().pc);
    const RunStop stop = run(b, b.machine->instructions_retired() + 1);
    traps.set_stepping_over(std::nullopt);
    return stop;
  }
  static uint64_t plain_end_hash(Board& b) {
    const RunStop stop = run(b);
    EXPECT_EQ(stop.kind, RunStop::Kind::kExited);
    return b.machine->state_hash(true);
  }

  WorkloadLabels labels_;
  WorkloadFiles files_;
};

TEST_P(DebugStopTest, BreakpointStopsBeforeTheInstructionEachTimeItIsReached) {
  auto b = files_.board(GetParam());
  b->machine->debug_traps().add_breakpoint(labels_.loop);
  b->machine->breakpoint_changed(*b->engine, labels_.loop);
  std::vector<uint64_t> hits;
  for (int i = 0; i < 5; ++i) {
    const RunStop stop = run(*b);
    ASSERT_EQ(stop.kind, RunStop::Kind::kBreakpoint);
    EXPECT_EQ(b->machine->hart().cpu().pc, labels_.loop);
    hits.push_back(b->machine->instructions_retired());
    ASSERT_EQ(step_over(*b).kind, RunStop::Kind::kPaused);
    EXPECT_NE(b->machine->hart().cpu().pc, labels_.loop);
  }
  // One loop iteration apart (iteration 0 also prints and waits; the rest do not).
  for (size_t i = 3; i < hits.size(); ++i) EXPECT_EQ(hits[i] - hits[i - 1], hits[2] - hits[1]);
  EXPECT_GT(hits[1] - hits[0], hits[2] - hits[1]);
  EXPECT_GT(hits[0], 0u);

  // The same counts on the other tier.
  auto other = files_.board(GetParam() == "jit" ? "interp" : "jit");
  other->machine->debug_traps().add_breakpoint(labels_.loop);
  other->machine->breakpoint_changed(*other->engine, labels_.loop);
  for (uint64_t expected : hits) {
    ASSERT_EQ(run(*other).kind, RunStop::Kind::kBreakpoint);
    EXPECT_EQ(other->machine->instructions_retired(), expected);
    step_over(*other);
  }
}

TEST_P(DebugStopTest, StoppingAndSteppingOverLeavesTheRunUnchanged) {
  auto reference = files_.board(GetParam());
  const uint64_t expected = plain_end_hash(*reference);

  auto b = files_.board(GetParam());
  system::DebugTraps& traps = b->machine->debug_traps();
  traps.add_breakpoint(labels_.store);
  b->machine->breakpoint_changed(*b->engine, labels_.store);
  traps.add_watchpoint(Watchpoint{labels_.data_base + 64, 8, WatchKind::kWrite});
  b->machine->watchpoints_changed();
  int breakpoints = 0, watches = 0;
  for (;;) {
    RunStop stop = run(*b);
    if (stop.kind == RunStop::Kind::kBreakpoint) {
      ++breakpoints;
      stop = step_over(*b);
    }
    if (stop.kind == RunStop::Kind::kWatchpoint) ++watches;
    if (stop.kind == RunStop::Kind::kExited) break;
    // Thin the breakpoint out after a while so the test stays quick.
    if (breakpoints == 300) {
      traps.remove_breakpoint(labels_.store);
      b->machine->breakpoint_changed(*b->engine, labels_.store);
    }
  }
  EXPECT_EQ(breakpoints, 300);
  // Slot 2 of 2048 is written every 2048 iterations of 120000.
  EXPECT_EQ(watches, (120'000 + 2048 - 1 - 2) / 2048);
  EXPECT_EQ(b->machine->state_hash(true), expected);
  EXPECT_EQ(b->console.bytes, reference->console.bytes);
}

TEST_P(DebugStopTest, WriteWatchpointStopsRightAfterTheStore) {
  auto b = files_.board(GetParam());
  b->machine->debug_traps().add_watchpoint(Watchpoint{labels_.data_base + 4, 2, WatchKind::kWrite});
  b->machine->watchpoints_changed();
  const RunStop stop = run(*b);
  ASSERT_EQ(stop.kind, RunStop::Kind::kWatchpoint);
  EXPECT_EQ(stop.watch.kind, WatchKind::kWrite);
  EXPECT_TRUE(stop.watch.is_write);
  EXPECT_EQ(stop.watch.address, labels_.data_base + 4);  // the first watched byte touched
  const CpuState& cpu = b->machine->hart().cpu();
  EXPECT_EQ(cpu.pc, labels_.store + 4);
  // The store has happened: memory holds a0.
  uint64_t stored = 0;
  ASSERT_EQ(b->machine->debug_read(labels_.data_base, {reinterpret_cast<uint8_t*>(&stored), 8}),
            8u);
  EXPECT_EQ(stored, cpu.x[10]);

  // Same instruction count on the other tier.
  auto other = files_.board(GetParam() == "jit" ? "interp" : "jit");
  other->machine->debug_traps().add_watchpoint(Watchpoint{labels_.data_base + 4, 2, WatchKind::kWrite});
  other->machine->watchpoints_changed();
  ASSERT_EQ(run(*other).kind, RunStop::Kind::kWatchpoint);
  EXPECT_EQ(other->machine->instructions_retired(), b->machine->instructions_retired());
}

TEST_P(DebugStopTest, ReadWatchpointOnADeviceRegisterStopsAfterTheLoad) {
  auto b = files_.board(GetParam());
  b->machine->debug_traps().add_watchpoint(Watchpoint{0x200'bff8, 8, WatchKind::kRead});
  b->machine->watchpoints_changed();
  const RunStop stop = run(*b);
  ASSERT_EQ(stop.kind, RunStop::Kind::kWatchpoint);
  EXPECT_FALSE(stop.watch.is_write);
  EXPECT_EQ(b->machine->hart().cpu().pc, labels_.mtime_load + 4);
  // A write watchpoint on the same register never fires: nothing stores to mtime.
  b->machine->debug_traps().remove_watchpoint(Watchpoint{0x200'bff8, 8, WatchKind::kRead});
  b->machine->debug_traps().add_watchpoint(Watchpoint{0x200'bff8, 8, WatchKind::kWrite});
  b->machine->watchpoints_changed();
  EXPECT_EQ(run(*b).kind, RunStop::Kind::kExited);
}

TEST_P(DebugStopTest, DisarmedTrapsDoNotStop) {
  auto b = files_.board(GetParam());
  system::DebugTraps& traps = b->machine->debug_traps();
  traps.add_breakpoint(labels_.loop);
  b->machine->breakpoint_changed(*b->engine, labels_.loop);
  traps.add_watchpoint(Watchpoint{labels_.data_base, 4096, WatchKind::kAccess});
  b->machine->watchpoints_changed();
  traps.set_armed(false);
  EXPECT_EQ(run(*b, 500'000).kind, RunStop::Kind::kPaused);
  traps.set_armed(true);
  EXPECT_EQ(run(*b).kind, RunStop::Kind::kBreakpoint);
}

// Machine::run / run_until are runs no debugger watches: traps a client left set do not stop
// them (they once made run() dereference an empty exit), and leave the result unchanged.
TEST_P(DebugStopTest, ARunWithoutADebuggerIgnoresTrapsLeftSet) {
  auto plain = files_.board(GetParam());
  const uint64_t expected = plain_end_hash(*plain);
  auto b = files_.board(GetParam());
  system::DebugTraps& traps = b->machine->debug_traps();
  traps.add_breakpoint(labels_.loop);
  b->machine->breakpoint_changed(*b->engine, labels_.loop);
  traps.add_watchpoint(Watchpoint{labels_.data_base, 4096, WatchKind::kAccess});
  b->machine->watchpoints_changed();
  EXPECT_EQ(b->machine->run(*b->engine, b->host).code, 0);
  EXPECT_EQ(b->machine->state_hash(true), expected);
  EXPECT_TRUE(traps.armed());
}

TEST_P(DebugStopTest, DebuggerMemoryAccessFollowsTheHartAndSkipsDevices) {
  auto b = files_.board(GetParam());
  uint32_t word = 0;
  ASSERT_EQ(b->machine->debug_read(labels_.loop, {reinterpret_cast<uint8_t*>(&word), 4}), 4u);
  EXPECT_NE(word, 0u);
  // Devices are not read (that could change them), and nothing is mapped past RAM.
  uint8_t byte = 0;
  EXPECT_EQ(b->machine->debug_read(0x1000'0000, {&byte, 1}), 0u);
  // Code written through the debugger takes effect at once, without a fence.i: an illegal
  // instruction at the loop sends the workload to its trap handler, which fails with code 3.
  const uint32_t illegal = 0;
  ASSERT_EQ(b->machine->debug_write(*b->engine, labels_.loop,
                                    {reinterpret_cast<const uint8_t*>(&illegal), 4}),
            4u);
  const RunStop stop = run(*b);
  ASSERT_EQ(stop.kind, RunStop::Kind::kExited);
  EXPECT_EQ(stop.exit.code, 3);
}

INSTANTIATE_TEST_SUITE_P(Tiers, DebugStopTest, ::testing::Values("interp", "jit"));

}  // namespace
}  // namespace rwd::systest
