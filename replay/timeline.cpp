#include "replay/timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace rwd::replay {

using system::RunStop;
using Kind = TimelineStop::Kind;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Timeline::Timeline(system::Machine& machine, ExecutionEngine& engine, InputHistory& history,
                   ConsoleGate* console, TimelineOptions options)
    : machine_(machine),
      engine_(engine),
      history_(history),
      console_(console),
      options_(options),
      store_(options.checkpoint_budget_bytes, system::Thinning::kDenseNearNewest) {
  pos_ = {machine_.instructions_retired(), 0};
  start_ = pos_;
  // The start of the history: the first checkpoint is never thinned away.
  if (options_.keep_history) capture();
}

namespace {
constexpr const char* kNoHistory =
    "going back needs a history: debug a replay (rewind replay TRACE -gdb ...)";
}  // namespace

void Timeline::capture() {
  const auto started = std::chrono::steady_clock::now();
  std::vector<uint64_t> attachment{console_ ? console_->written() : 0};
  for (uint64_t v : history_.mark()) attachment.push_back(v);
  store_.capture(machine_, std::move(attachment));
  last_capture_icount_ = pos_.icount;
  last_capture_time_ = std::chrono::steady_clock::now();
  last_capture_seconds_ = seconds_since(started);
}

void Timeline::maybe_capture() {
  if (!options_.keep_history || pos_.breakpoint_stop != 0 || ended_) return;
  const system::Checkpoint* before = store_.at_or_before_icount(pos_.icount);
  if (before && pos_.icount - before->icount < options_.min_spacing) return;
  // Spend at most max_overhead of the time on checkpoints.
  if (seconds_since(last_capture_time_) * options_.max_overhead < last_capture_seconds_) return;
  capture();
}

void Timeline::restore(const system::Checkpoint& c) {
  store_.restore(c, machine_, engine_);
  const std::vector<uint64_t> mark(c.attachment.begin() + 1, c.attachment.end());
  std::string error;
  // A trace that seeks to a chunk it read before can only fail if the file changed under us;
  // the failure then surfaces through history_.failure().
  history_.rewind(mark, &error);
  if (console_) console_->rewind_to(c.attachment[0]);
  pos_ = {c.icount, 0};
  ended_ = false;
  stats_.restores++;
}

void Timeline::note(const RunStop& stop) {
  const uint64_t icount = machine_.instructions_retired();
  switch (stop.kind) {
    case RunStop::Kind::kBreakpoint:
      pos_ = {icount, pos_.icount == icount ? pos_.breakpoint_stop + 1 : 1};
      break;
    case RunStop::Kind::kExited:
      ended_ = true;
      exit_ = stop.exit;
      pos_ = {icount, 0};
      break;
    default: pos_ = {icount, 0}; break;
  }
}

RunStop Timeline::advance(uint64_t pause_icount, bool step_over) {
  if (ended_) return {RunStop::Kind::kExited, exit_, {}};
  system::DebugTraps& traps = machine_.debug_traps();
  const uint64_t pc = machine_.hart().cpu().pc;
  const uint64_t from = pos_.icount;
  RunStop r;
  if (step_over && traps.stops_at(pc) && pause_icount > pos_.icount) {
    // Resuming from a breakpoint: its instruction runs (once) before it can stop again.
    traps.set_stepping_over(pc);
    r = machine_.run_debug(engine_, history_.host(), pos_.icount + 1);
    traps.set_stepping_over(std::nullopt);
    note(r);
    if (r.kind == RunStop::Kind::kPaused && pos_.icount < pause_icount) {
      r = machine_.run_debug(engine_, history_.host(), pause_icount);
      note(r);
    }
  } else {
    r = machine_.run_debug(engine_, history_.host(), pause_icount);
    note(r);
  }
  if (machine_.instructions_retired() > from && from < high_water_) {
    stats_.instructions_reexecuted += std::min(machine_.instructions_retired(), high_water_) - from;
  }
  high_water_ = std::max(high_water_, machine_.instructions_retired());
  return r;
}

TimelineStop Timeline::error_stop(std::string message) const {
  TimelineStop s;
  s.kind = Kind::kError;
  s.error = std::move(message);
  return s;
}

TimelineStop Timeline::stop_of(const RunStop& r) const {
  TimelineStop s;
  switch (r.kind) {
    case RunStop::Kind::kPaused: s.kind = Kind::kArrived; break;
    case RunStop::Kind::kBreakpoint: s.kind = Kind::kBreakpoint; break;
    case RunStop::Kind::kWatchpoint:
      s.kind = Kind::kWatchpoint;
      s.watch = r.watch;
      break;
    case RunStop::Kind::kExited:
      if (auto failure = history_.failure()) return error_stop(*failure);
      s.kind = Kind::kHistoryEnd;
      s.exit = r.exit;
      break;
  }
  return s;
}

TimelineStop Timeline::before_access(const RunStop& stop) {
  if (!watch_stops_before_access()) return stop_of(stop);
  std::string error;
  if (!go_to({pos_.icount - 1, 0}, &error)) return error_stop(error);
  before_access_stop_ = pos_;
  return stop_of(stop);
}

namespace {
// Whether `stop` is the access of the instruction a kBeforeTravel stop at `from` stopped before.
bool repeats(const std::optional<TimePoint>& from, const RunStop& stop, const TimePoint& now) {
  return from && stop.kind == RunStop::Kind::kWatchpoint && now == TimePoint{from->icount + 1, 0};
}
}  // namespace

TimelineStop Timeline::run_forward(const Interrupted& interrupted) {
  bool step_over = true;
  const std::optional<TimePoint> resumed_from = std::exchange(before_access_stop_, std::nullopt);
  for (;;) {
    const RunStop r = advance(pos_.icount + options_.slice, step_over);
    if (step_over && repeats(resumed_from, r, pos_)) {
      step_over = false;
      continue;
    }
    step_over = false;
    if (r.kind == RunStop::Kind::kWatchpoint) return before_access(r);
    if (r.kind != RunStop::Kind::kPaused) return stop_of(r);
    maybe_capture();
    if (interrupted && interrupted()) return TimelineStop{Kind::kInterrupted, {}, {}, {}};
  }
}

TimelineStop Timeline::step_forward() {
  const std::optional<TimePoint> resumed_from = std::exchange(before_access_stop_, std::nullopt);
  const RunStop r = advance(pos_.icount + 1, true);
  if (repeats(resumed_from, r, pos_)) return {};
  if (r.kind == RunStop::Kind::kWatchpoint) return before_access(r);
  return stop_of(r);
}

bool Timeline::go_to(const TimePoint& target, std::string* error) {
  before_access_stop_.reset();
  if (!options_.keep_history && target < pos_) {
    *error = kNoHistory;
    return false;
  }
  if (target < start_) {
    *error = fmt::format("instruction {} is before the start of the history ({})", target.icount,
                         start_.icount);
    return false;
  }
  if (target == pos_) return true;
  const system::Checkpoint* c = store_.at_or_before_icount(target.icount);
  if (target < pos_ || (c && c->icount > pos_.icount)) {
    if (!c) {
      *error = "no checkpoint before the target";  // the first one is never removed
      return false;
    }
    restore(*c);
  }
  {
    system::DisarmedTraps quiet(machine_.debug_traps());
    if (target.icount > pos_.icount + 2 * options_.near_distance) {
      advance(target.icount - options_.near_distance, false);
      if (!ended_) capture();
    }
    advance(target.icount, false);
  }
  // Breakpoint stops at that instruction count, in order.
  bool step_over = false;
  while (pos_ < target && !ended_) {
    const RunStop r = advance(target.icount + 1, step_over);
    step_over = true;
    if (r.kind != RunStop::Kind::kBreakpoint) break;
  }
  if (pos_ != target) {
    *error = fmt::format("cannot reach instruction {} (the history ends at {})", target.icount,
                         pos_.icount);
    return false;
  }
  return true;
}

TimelineStop Timeline::step_backward() {
  if (!options_.keep_history) return error_stop(kNoHistory);
  if (pos_ <= start_) return TimelineStop{Kind::kHistoryBegin, {}, {}, {}};
  const TimePoint target = pos_.icount > start_.icount ? TimePoint{pos_.icount - 1, 0} : start_;
  std::string error;
  if (!go_to(target, &error)) return error_stop(error);
  if (auto failure = history_.failure()) return error_stop(*failure);
  return {};
}

bool Timeline::collect(const TimePoint& until, const Interrupted& interrupted,
                       TimelineOptions::WatchReport report, std::vector<Hit>* hits) {
  bool step_over = false;
  while (pos_ < until && !ended_) {
    const uint64_t pause = until.icount > pos_.icount
                               ? std::min(until.icount, pos_.icount + options_.slice)
                               : until.icount + 1;
    const RunStop r = advance(pause, step_over);
    step_over = false;
    switch (r.kind) {
      case RunStop::Kind::kPaused:
        if (interrupted && interrupted()) return false;
        break;
      case RunStop::Kind::kBreakpoint:
        if (pos_ < until) hits->push_back({pos_, r});
        step_over = true;
        break;
      case RunStop::Kind::kWatchpoint: {
        // Going backwards, "after the access in the direction of travel" is before the
        // accessing instruction; "before" is after it.
        if (report == TimelineOptions::WatchReport::kAfterTravel) {
          const TimePoint before{pos_.icount - 1, 0};
          if (before < until && before >= start_) hits->push_back({before, r});
        } else if (pos_ <= until) {
          hits->push_back({pos_, r});
        }
        break;
      }
      case RunStop::Kind::kExited: break;
    }
  }
  return true;
}

TimelineStop Timeline::run_backward(const Interrupted& interrupted) {
  return run_backward(interrupted, options_.watch_report);
}

TimelineStop Timeline::run_backward(const Interrupted& interrupted,
                                    TimelineOptions::WatchReport report) {
  if (!options_.keep_history) return error_stop(kNoHistory);
  before_access_stop_.reset();
  TimePoint until = pos_;
  std::string error;
  for (;;) {
    if (until <= start_) {
      if (!go_to(start_, &error)) return error_stop(error);
      return TimelineStop{Kind::kHistoryBegin, {}, {}, {}};
    }
    // The latest checkpoint strictly before `until`.
    const uint64_t last = until.breakpoint_stop > 0 ? until.icount : until.icount - 1;
    const system::Checkpoint* c = store_.at_or_before_icount(last);
    if (!c) return error_stop("no checkpoint before the current point");
    const TimePoint from{c->icount, 0};
    restore(*c);
    std::vector<Hit> hits;
    if (!collect(until, interrupted, report, &hits)) {
      return TimelineStop{Kind::kInterrupted, {}, {}, {}};
    }
    if (auto failure = history_.failure()) return error_stop(*failure);
    if (!hits.empty()) {
      const Hit hit = hits.back();
      if (!go_to(hit.at, &error)) return error_stop(error);
      return stop_of(hit.stop);
    }
    until = from;
  }
}

TimelineStop Timeline::seek(uint64_t icount, const Interrupted& interrupted) {
  const TimePoint target{icount, 0};
  std::string error;
  if (target < pos_) {
    if (!go_to(target, &error)) return error_stop(error);
    return {};
  }
  // Forward, in slices, so a long way can be interrupted.
  system::DisarmedTraps quiet(machine_.debug_traps());
  while (pos_ < target) {
    const RunStop r = advance(std::min(icount, pos_.icount + options_.slice), false);
    if (r.kind == RunStop::Kind::kExited) return stop_of(r);
    if (pos_ < target) {
      maybe_capture();
      if (interrupted && interrupted()) return TimelineStop{Kind::kInterrupted, {}, {}, {}};
    }
  }
  return {};
}

TimelineStop Timeline::last_write(uint64_t address, uint64_t length,
                                  const Interrupted& interrupted) {
  system::DebugTraps& traps = machine_.debug_traps();
  const std::vector<system::Watchpoint> saved = traps.watchpoints();
  for (const system::Watchpoint& w : saved) traps.remove_watchpoint(w);
  traps.add_watchpoint({address, length, system::WatchKind::kWrite});
  machine_.watchpoints_changed();
  traps.set_breakpoints_armed(false);
  // The user asked for the store itself: stop before it, whatever gdb's convention.
  const TimelineStop stop = run_backward(interrupted, TimelineOptions::WatchReport::kAfterTravel);
  traps.set_breakpoints_armed(true);
  traps.remove_watchpoint({address, length, system::WatchKind::kWrite});
  for (const system::Watchpoint& w : saved) traps.add_watchpoint(w);
  machine_.watchpoints_changed();
  return stop;
}

bool Timeline::checkpoint_now(std::string* error) {
  if (!options_.keep_history) {
    *error = kNoHistory;
    return false;
  }
  if (pos_.breakpoint_stop == 0) {
    capture();
    return true;
  }
  // A breakpoint stop is not a place a run can start from: take the checkpoint at the pause
  // point of this instruction count and come back.
  const TimePoint here = pos_;
  if (!go_to({here.icount, 0}, error)) return false;
  capture();
  return go_to(here, error);
}

bool Timeline::set_breakpoint(uint64_t pc, bool insert) {
  system::DebugTraps& traps = machine_.debug_traps();
  const bool changed = insert ? traps.add_breakpoint(pc) : traps.remove_breakpoint(pc);
  if (changed) machine_.breakpoint_changed(engine_, pc);
  return insert || changed;
}

bool Timeline::set_watchpoint(const system::Watchpoint& w, bool insert) {
  system::DebugTraps& traps = machine_.debug_traps();
  const bool ok = insert ? traps.add_watchpoint(w) : traps.remove_watchpoint(w);
  machine_.watchpoints_changed();
  return ok;
}

TimelineStats Timeline::stats() const {
  TimelineStats s = stats_;
  s.checkpoints = store_.size();
  s.checkpoint_bytes = store_.memory_used();
  return s;
}

}  // namespace rwd::replay
