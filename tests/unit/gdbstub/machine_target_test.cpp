// MachineTarget over a real machine and Timeline (the bare-metal workload of the system tests):
// what a detach leaves behind, and where it tells clients watch stops fall.
#include "gdbstub/machine_target.h"

#include <gtest/gtest.h>

#include "../system/machine_workload.h"
#include "../replay/no_input_history.h"

namespace rwd::gdb {
namespace {

using systest::Board;
using systest::NoInputHistory;
using systest::WorkloadFiles;
using systest::WorkloadLabels;

struct Live {
  explicit Live(bool keep_history, replay::TimelineOptions::WatchReport report =
                                         replay::TimelineOptions::WatchReport::kBeforeTravel)
      : board(files.board("interp")), history(board->host) {
    replay::TimelineOptions options;
    options.keep_history = keep_history;
    options.watch_report = report;
    timeline = std::make_unique<replay::Timeline>(*board->machine, *board->engine, history, nullptr,
                                                  options);
    target = std::make_unique<MachineTarget>(*board->machine, *board->engine, *timeline, false);
  }

  WorkloadFiles files;
  std::unique_ptr<Board> board;
  NoInputHistory history;
  std::unique_ptr<replay::Timeline> timeline;
  std::unique_ptr<MachineTarget> target;
};

// LLDB 19 detaches with its watchpoints still inserted (gdb removes them first). A live run
// goes on without the debugger after D, so nothing the client set may stay armed.
TEST(MachineTarget, DetachTakesOutWhatTheClientLeftIn) {
  WorkloadLabels labels;
  systest::workload(&labels);
  Live live(false);
  MachineTarget& target = *live.target;
  ASSERT_TRUE(target.set_breakpoint(BreakpointKind::kSoftware, labels.loop, true));
  ASSERT_TRUE(target.set_breakpoint(BreakpointKind::kHardware, labels.mtime_load, true));
  ASSERT_TRUE(target.set_watchpoint(WatchKind::kWrite, labels.data_base, 8, true));
  ASSERT_TRUE(target.set_watchpoint(WatchKind::kAccess, labels.data_base + 64, 8, true));
  // One the client removed itself stays removed.
  ASSERT_TRUE(target.set_watchpoint(WatchKind::kRead, labels.data_base + 128, 8, true));
  ASSERT_TRUE(target.set_watchpoint(WatchKind::kRead, labels.data_base + 128, 8, false));
  EXPECT_EQ(target.resume(ResumeAction::kContinue, nullptr).kind, StopEvent::Kind::kBreakpoint);
  EXPECT_EQ(target.resume(ResumeAction::kContinue, nullptr).kind, StopEvent::Kind::kWatchpoint);

  target.detach();
  EXPECT_TRUE(target.detached());
  system::DebugTraps& traps = live.board->machine->debug_traps();
  EXPECT_FALSE(traps.breakpoint_at(labels.loop));
  EXPECT_FALSE(traps.breakpoint_at(labels.mtime_load));
  // Running on into a watch stop nobody handles would crash the test.
  ASSERT_TRUE(traps.watchpoints().empty());
  // The run goes on to the workload's own end (the finisher's pass code).
  const system::MachineExit exit = live.board->machine->run(*live.board->engine, live.board->host);
  EXPECT_EQ(exit.code, 0) << exit.reason;
}

TEST(MachineTarget, WatchStopsFallBeforeTheAccessOnlyWithAHistory) {
  EXPECT_TRUE(Live(true).target->watch_stops_before_access());
  EXPECT_FALSE(Live(false).target->watch_stops_before_access());
  EXPECT_FALSE(Live(true, replay::TimelineOptions::WatchReport::kAfterTravel)
                   .target->watch_stops_before_access());
}

}  // namespace
}  // namespace rwd::gdb
