// A Rewind machine as a gdb target: registers and memory of its hart, breakpoints and
// watchpoints, and moves through its history (replay::Timeline), forwards and backwards.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "exec/engine.h"
#include "gdbstub/debug_target.h"
#include "replay/timeline.h"
#include "system/machine.h"

namespace rwd::gdb {

class MachineTarget final : public DebugTarget {
 public:
  // `replaying`: the machine follows a trace (rather than a live run's own history). While
  // the timeline keeps a history, registers and memory are read-only: a change would make
  // the machine leave the path the history holds.
  MachineTarget(system::Machine& machine, ExecutionEngine& engine, replay::Timeline& timeline,
                bool replaying);

  unsigned thread_count() const override { return 1; }
  void select_thread(unsigned) override {}
  std::vector<CsrInfo> csrs() const override;
  bool read_register(unsigned regno, std::vector<uint8_t>* bytes) override;
  bool write_register(unsigned regno, std::span<const uint8_t> bytes,
                      std::string* error) override;
  size_t read_memory(uint64_t address, std::span<uint8_t> out) override;
  bool write_memory(uint64_t address, std::span<const uint8_t> bytes,
                    std::string* error) override;
  bool set_breakpoint(BreakpointKind kind, uint64_t address, bool insert) override;
  bool set_watchpoint(WatchKind kind, uint64_t address, uint64_t length, bool insert) override;
  bool can_reverse() const override { return timeline_.keeps_history(); }
  // Both commands that debug a machine (run -gdb, replay -gdb) give the Timeline
  // WatchReport::kBeforeTravel, which it can honour forwards only with a history to step
  // back in; without one a watch stop comes after the access.
  bool watch_stops_before_access() const override {
    return timeline_.watch_stops_before_access();
  }
  StopEvent resume(ResumeAction action, const std::function<bool()>& interrupted) override;
  std::string monitor(std::string_view command, const std::function<bool()>& interrupted,
                      bool* ok) override;
  // Removes the client's breakpoints and watchpoints first: the machine may run on without it.
  void detach() override;
  void kill() override { killed_ = true; }

  bool detached() const { return detached_; }
  bool killed() const { return killed_; }

 private:
  StopEvent stop_event(const replay::TimelineStop& stop);
  std::string describe_position() const;
  std::string monitor_seek(std::string_view args, const std::function<bool()>& interrupted,
                           bool* ok);
  std::string monitor_last_write(std::string_view args,
                                 const std::function<bool()>& interrupted, bool* ok);
  std::string monitor_register(std::string_view args, bool* ok);
  std::string monitor_physical(std::string_view args, bool* ok);

  system::Machine& machine_;
  ExecutionEngine& engine_;
  replay::Timeline& timeline_;
  // False (with why) when a write would break the history: in a replay, or in a live run that
  // keeps one.
  bool writable(std::string* error) const;

  const bool replaying_;
  std::unordered_set<uint64_t> hardware_breakpoints_;
  // What the client has inserted (as the traps hold it: one breakpoint per pc, identical
  // watchpoints once), to take out at detach. gdb removes its own before D; LLDB 19 leaves
  // watchpoints in, and a live run going on without a debugger must not meet them.
  std::unordered_set<uint64_t> breakpoints_;
  std::vector<system::Watchpoint> watchpoints_;
  bool detached_ = false;
  bool killed_ = false;
};

}  // namespace rwd::gdb
