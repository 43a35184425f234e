// A machine's history, to move through in both directions: the debugger's view of a replay.
// Going back restores the latest in-memory checkpoint before the target and re-executes from
// there; the input history (the trace) is rewound with it, so the re-execution is exact.
//
// Positions. A point in the history is a TimePoint: {icount, 0} is the machine loop's pause
// point with exactly `icount` instructions retired (Machine::run_debug's pause, before
// anything else happens there: device events, interrupts); {icount, k > 0} is the k-th stop
// at a debugger breakpoint after that pause point and before the next instruction retires
// (k > 1 only when instructions trap without retiring). Watchpoint stops come right after
// the access, at {icount, 0}. Checkpoints are taken at {icount, 0} points only.
//
// Reverse-continue (run_backward) replays the stretch between the previous checkpoint and
// now with breakpoints and watchpoints armed, noting every stop, and goes to the last one; with
// none it tries the stretch before, and at the start of the history reports kHistoryBegin. A
// watchpoint found going backwards is reported before the accessing instruction (the value
// as it was), as gdb expects when it executes in reverse.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "devices/device.h"
#include "exec/engine.h"
#include "system/checkpoint.h"
#include "system/machine.h"

namespace rwd::replay {

struct TimePoint {
  uint64_t icount = 0;
  uint32_t breakpoint_stop = 0;
  friend auto operator<=>(const TimePoint&, const TimePoint&) = default;
};

// Where the machine's host calls are answered from while it moves through the history, and
// how to put that source back to where it was at a checkpoint.
class InputHistory {
 public:
  virtual ~InputHistory() = default;
  virtual system::MachineHost& host() = 0;
  // The position now, to keep with a checkpoint taken now.
  virtual std::vector<uint64_t> mark() const = 0;
  virtual bool rewind(const std::vector<uint64_t>& mark, std::string* error) = 0;
  // Set once the history proved unusable (a replay that diverged, a corrupt trace).
  virtual std::optional<std::string> failure() const = 0;
};

// The console while moving through history: bytes the guest writes again while re-executing
// a stretch already shown are swallowed, so the user sees each byte once, in order.
class ConsoleGate final : public dev::ByteSink {
 public:
  explicit ConsoleGate(dev::ByteSink& out) : out_(out) {}
  void put(uint8_t byte) override {
    if (++written_ > shown_) {
      shown_ = written_;
      out_.put(byte);
    }
  }
  uint64_t written() const { return written_; }
  void rewind_to(uint64_t written) { written_ = written; }

 private:
  dev::ByteSink& out_;
  uint64_t written_ = 0;  // by the guest, along the current path through the history
  uint64_t shown_ = 0;    // the furthest shown so far
};

struct TimelineOptions {
  // Without history (a live run that records nothing) only forward moves work.
  bool keep_history = true;
  uint64_t checkpoint_budget_bytes = 512ull << 20;
  // Instructions between looks at the interrupt callback (and chances to checkpoint).
  uint64_t slice = 2'000'000;
  // Checkpoints while running forward: at least this far apart, and rarely enough that
  // taking them costs at most max_overhead of the run time.
  uint64_t min_spacing = 2'000'000;
  double max_overhead = 0.05;
  // Before arriving at a point this far past the checkpoint it starts from, a checkpoint is
  // taken this close before it, so stepping back again nearby is quick.
  uint64_t near_distance = 500'000;
  // Where watchpoint stops are reported (see WatchReport).
  enum class WatchReport {
    // After the access in the direction of travel: forwards after the accessing
    // instruction, backwards before it. Each stop shows the access's effect.
    kAfterTravel,
    // Before the access in the direction of travel, as hardware triggers that fire before
    // the access do — RISC-V's, which gdb assumes ("nonsteppable" watchpoints): gdb then
    // steps the accessing instruction itself, in the direction it travels, and lands where
    // kAfterTravel would have stopped. Forwards this needs the history (to step back onto
    // the accessing instruction); without one, stops are reported after the access.
    kBeforeTravel,
  };
  WatchReport watch_report = WatchReport::kAfterTravel;
};

struct TimelineStop {
  enum class Kind {
    kArrived,       // at the point asked for (a step, a seek)
    kBreakpoint,
    kWatchpoint,
    kInterrupted,
    kHistoryBegin,  // a backward move reached the start of the history
    kHistoryEnd,    // a forward move reached the end (the machine's run ended there)
    kError,         // the history is unusable from here (error says why)
  };
  Kind kind = Kind::kArrived;
  system::WatchHit watch;    // kWatchpoint
  system::MachineExit exit;  // kHistoryEnd
  std::string error;         // kError
};

struct TimelineStats {
  uint64_t checkpoints = 0;
  uint64_t checkpoint_bytes = 0;
  uint64_t restores = 0;
  uint64_t instructions_reexecuted = 0;
};

class Timeline {
 public:
  using Interrupted = std::function<bool()>;

  // `machine` is at the start of the history (built, or restored from a snapshot) and its
  // host calls go to `history`. `console` is the machine's console, if gated.
  Timeline(system::Machine& machine, ExecutionEngine& engine, InputHistory& history,
           ConsoleGate* console, TimelineOptions options = {});

  TimePoint now() const { return pos_; }
  bool keeps_history() const { return options_.keep_history; }
  // Whether forward watchpoint stops come before the access (kBeforeTravel with a history).
  bool watch_stops_before_access() const {
    return options_.keep_history &&
           options_.watch_report == TimelineOptions::WatchReport::kBeforeTravel;
  }
  TimePoint start() const { return start_; }
  // At the end of the history: the machine's run ended here (exit()).
  bool ended() const { return ended_; }
  const system::MachineExit& exit() const { return exit_; }

  TimelineStop run_forward(const Interrupted& interrupted);
  TimelineStop step_forward();
  TimelineStop run_backward(const Interrupted& interrupted);
  TimelineStop step_backward();
  // To {icount, 0}, in whichever direction.
  TimelineStop seek(uint64_t icount, const Interrupted& interrupted);
  // Back to just before the latest instruction before now that wrote any byte of
  // [address, address + length), ignoring breakpoints and other watchpoints.
  TimelineStop last_write(uint64_t address, uint64_t length, const Interrupted& interrupted);
  // A checkpoint at the current instruction count; false (with why) if it cannot be taken.
  bool checkpoint_now(std::string* error);

  bool set_breakpoint(uint64_t pc, bool insert);
  bool set_watchpoint(const system::Watchpoint& w, bool insert);

  TimelineStats stats() const;
  const system::CheckpointStore& checkpoints() const { return store_; }

 private:
  struct Hit {
    TimePoint at;  // where to report it from
    system::RunStop stop;
  };

  // Runs from pos_ to at most `pause_icount` or a stop; with `step_over`, a breakpoint at the
  // current pc does not stop it before its instruction ran (resuming from it). Updates pos_.
  system::RunStop advance(uint64_t pause_icount, bool step_over);
  void note(const system::RunStop& stop);
  void capture();
  void maybe_capture();
  void restore(const system::Checkpoint& c);
  // Arrives exactly at `target` (traps disarmed on the way); false if it cannot.
  bool go_to(const TimePoint& target, std::string* error);
  // From pos_ (just restored), replays up to `until` with traps armed and collects the stops
  // before it. False if interrupted.
  bool collect(const TimePoint& until, const Interrupted& interrupted,
               TimelineOptions::WatchReport report, std::vector<Hit>* hits);
  TimelineStop run_backward(const Interrupted& interrupted, TimelineOptions::WatchReport report);
  // Forwards with kBeforeTravel: from after the access back onto its instruction.
  TimelineStop before_access(const system::RunStop& stop);
  TimelineStop stop_of(const system::RunStop& r) const;
  TimelineStop error_stop(std::string message) const;

  system::Machine& machine_;
  ExecutionEngine& engine_;
  InputHistory& history_;
  ConsoleGate* console_;
  TimelineOptions options_;
  system::CheckpointStore store_;
  TimePoint pos_;
  TimePoint start_;
  bool ended_ = false;
  system::MachineExit exit_;
  // Adaptive checkpoint spacing.
  uint64_t last_capture_icount_ = 0;
  std::chrono::steady_clock::time_point last_capture_time_;
  double last_capture_seconds_ = 0;
  uint64_t high_water_ = 0;  // the furthest instruction count reached
  // A kBeforeTravel watch stop reported here: resuming runs its instruction without
  // stopping for the same access again (gdb removes watchpoints to step it; other clients
  // may not).
  std::optional<TimePoint> before_access_stop_;
  TimelineStats stats_;
};

}  // namespace rwd::replay
