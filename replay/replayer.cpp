#include "replay/replayer.h"

#include <fmt/format.h>

#include <cstring>

namespace rwd::replay {

using trace::Event;
using trace::EventKind;

namespace {

const char* kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kWallClock: return "RTC time";
    case EventKind::kEntropy: return "entropy";
    case EventKind::kConsoleInput: return "console input";
    case EventKind::kIdle: return "idle period";
    case EventKind::kStateHash: return "state hash";
    case EventKind::kStop: return "stop";
    case EventKind::kEnd: return "end of run";
  }
  return "event";
}

}  // namespace

Replayer::Replayer(trace::TraceReader& reader) : reader_(reader) {}

void Replayer::attach(system::Machine& machine) { machine_ = &machine; }

bool Replayer::resume_at(uint64_t event_number, uint64_t intervals_before, std::string* error) {
  if (!reader_.seek_to_event(event_number, error)) return false;
  next_.reset();
  reader_done_ = false;
  consumed_ = event_number;
  intervals_ = intervals_before;
  // Going back to before the end of a cut-off trace: its end is ahead again.
  if (outcome_ == ReplayOutcome::kTruncated) {
    outcome_ = ReplayOutcome::kRunning;
    message_.clear();
  }
  return true;
}

const Event* Replayer::peek() {
  if (!next_ && !reader_done_) {
    Event e;
    if (reader_.next(&e)) {
      next_ = std::move(e);
    } else {
      reader_done_ = true;
    }
  }
  return next_ ? &*next_ : nullptr;
}

void Replayer::take() {
  next_.reset();
  ++consumed_;
}

void Replayer::diverge(std::string message) {
  if (outcome_ != ReplayOutcome::kRunning) return;
  outcome_ = ReplayOutcome::kDiverged;
  message_ = std::move(message);
  if (machine_) machine_->request_stop({1, "replay diverged"});
}

void Replayer::stop_at_trace_end() {
  if (outcome_ != ReplayOutcome::kRunning) return;
  if (reader_.status() == trace::TraceReader::Status::kCorrupt) {
    outcome_ = ReplayOutcome::kBadTrace;
    message_ = reader_.message();
  } else {
    outcome_ = ReplayOutcome::kTruncated;
    message_ = fmt::format(
        "{}; replayed up to its last complete chunk: {} instructions, {} state hashes matched",
        reader_.message().empty() ? "the trace ends without an end-of-run record"
                                  : reader_.message(),
        machine_ ? machine_->instructions_retired() : 0, intervals_);
  }
  if (machine_) machine_->request_stop({outcome_ == ReplayOutcome::kTruncated ? 0 : 1,
                                        "end of the trace"});
}

uint64_t Replayer::wall_clock_ns() {
  const Event* e = peek();
  if (!e || e->kind != EventKind::kWallClock) {
    diverge(fmt::format("the machine asked for the RTC time, but the recording has {}",
                        e ? kind_name(e->kind) : "no more events"));
    return 0;
  }
  const uint64_t value = e->value;
  take();
  return value;
}

void Replayer::entropy(uint8_t* dst, uint64_t len) {
  const Event* e = peek();
  if (!e || e->kind != EventKind::kEntropy || e->data.size() != len) {
    std::memset(dst, 0, len);
    diverge(fmt::format("the machine asked for {} bytes of entropy at instruction {}, but the "
                        "recording has {}",
                        len, machine_ ? machine_->instructions_retired() : 0,
                        e ? (e->kind == EventKind::kEntropy
                                 ? fmt::format("{} bytes", e->data.size())
                                 : std::string(kind_name(e->kind)))
                          : std::string("no more events")));
    return;
  }
  std::memcpy(dst, e->data.data(), len);
  take();
}

void Replayer::poll() {
  const uint64_t now = machine_->clock();
  for (;;) {
    const Event* e = peek();
    if (!e) {
      stop_at_trace_end();
      return;
    }
    if (e->clock < now) {
      diverge(fmt::format("the recording has {} at virtual time {}, which this replay passed "
                          "without it happening (now {})",
                          kind_name(e->kind), e->clock, now));
      return;
    }
    if (e->clock > now) return;
    switch (e->kind) {
      case EventKind::kStateHash: {
        const uint64_t hash = machine_->state_hash(true);
        if (hash != e->value) {
          diverge(fmt::format("replay diverged in interval {} (virtual time {}..{}, "
                              "instruction {}): state hash {:#018x}, recorded {:#018x}",
                              intervals_ + 1, last_hash_clock_, now,
                              machine_->instructions_retired(), hash, e->value));
          return;
        }
        ++intervals_;
        last_hash_clock_ = now;
        break;
      }
      case EventKind::kConsoleInput: machine_->type(e->data); break;
      case EventKind::kStop: machine_->request_stop({e->exit_code, e->text}); break;
      default: return;  // an idle period or a device's request at this same time comes later
    }
    take();
  }
}

uint64_t Replayer::idle(uint64_t now_ns, uint64_t deadline_ns) {
  const Event* e = peek();
  if (e && e->kind == EventKind::kIdle && e->clock == now_ns) {
    const uint64_t resume = e->value;
    if (resume <= now_ns || resume > deadline_ns) {
      diverge(fmt::format("the recorded idle period at virtual time {} ends at {}, outside "
                          "this replay's ({}, {}]",
                          now_ns, resume, now_ns, deadline_ns));
      return deadline_ns == dev::kNever ? now_ns + 1 : deadline_ns;
    }
    machine_->type(e->data);
    take();
    const Event* after = peek();
    if (after && after->kind == EventKind::kStop && after->clock == now_ns) {
      machine_->request_stop({after->exit_code, after->text});
      take();
    }
    return resume;
  }
  if (!e) {
    stop_at_trace_end();
    return now_ns + 1;
  }
  if (deadline_ns == dev::kNever) {
    diverge(fmt::format("the guest waits for an interrupt at virtual time {} with nothing "
                        "scheduled, which the recording does not",
                        now_ns));
    return now_ns + 1;
  }
  return deadline_ns;
}

void Replayer::finish(const system::MachineExit& exit) {
  if (outcome_ != ReplayOutcome::kRunning) return;
  const Event* e = peek();
  if (!e) {
    stop_at_trace_end();
    return;
  }
  if (e->kind != EventKind::kEnd) {
    diverge(fmt::format("the run ended ({}) at instruction {}, but the recording goes on with {} "
                        "at virtual time {}",
                        exit.reason, machine_->instructions_retired(), kind_name(e->kind),
                        e->clock));
    return;
  }
  const uint64_t hash = machine_->state_hash(true);
  if (e->icount != machine_->instructions_retired() || e->clock != machine_->clock()) {
    diverge(fmt::format("the run ended at instruction {} (virtual time {}); the recording ended "
                        "at instruction {} (virtual time {})",
                        machine_->instructions_retired(), machine_->clock(), e->icount, e->clock));
    return;
  }
  if (hash != e->value || exit.code != e->exit_code) {
    diverge(fmt::format("the final state differs: hash {:#018x} (exit {}), recorded {:#018x} "
                        "(exit {})",
                        hash, exit.code, e->value, e->exit_code));
    return;
  }
  take();
  outcome_ = ReplayOutcome::kMatched;
  message_ = fmt::format("replayed {} instructions ({} state hashes checked); final state hash "
                         "{:#018x} matches the recording",
                         machine_->instructions_retired(), intervals_, hash);
}

}  // namespace rwd::replay
