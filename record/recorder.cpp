#include "record/recorder.h"

namespace rwd::record {

using trace::Event;
using trace::EventKind;

Recorder::Recorder(trace::TraceWriter& writer, dev::HostInput& live_input, uint64_t hash_interval)
    : writer_(writer), live_input_(live_input), hash_interval_(hash_interval ? hash_interval : 1) {}

void Recorder::attach(system::Machine& machine, system::MachineHost& live_host) {
  machine_ = &machine;
  live_host_ = &live_host;
}

Event Recorder::stamped(EventKind kind) const {
  Event e;
  e.kind = kind;
  if (machine_) {
    e.clock = machine_->clock();
    e.icount = machine_->instructions_retired();
  }
  return e;
}

void Recorder::log(const Event& event) {
  if (failed_) return;
  if (!writer_.append(event)) {
    // A full disk or a vanished file: the trace stays readable up to its last whole chunk,
    // and the run ends here rather than going on unrecorded.
    failed_ = true;
    error_ = writer_.error();
    if (machine_) machine_->request_stop({1, "recording failed: " + error_});
  }
}

uint64_t Recorder::wall_clock_ns() {
  Event e = stamped(EventKind::kWallClock);
  e.value = live_input_.wall_clock_ns();
  log(e);
  return e.value;
}

void Recorder::entropy(uint8_t* dst, uint64_t len) {
  live_input_.entropy(dst, len);
  Event e = stamped(EventKind::kEntropy);
  e.data.assign(dst, dst + len);
  log(e);
}

void Recorder::poll() {
  const uint64_t now = machine_->clock();
  if (now >= next_hash_clock_) {
    Event e = stamped(EventKind::kStateHash);
    e.value = machine_->state_hash(true);
    log(e);
    ++hashes_;
    next_hash_clock_ = (now / hash_interval_ + 1) * hash_interval_;
  }
  live_host_->poll();
}

uint64_t Recorder::idle(uint64_t now_ns, uint64_t deadline_ns) {
  in_idle_ = true;
  idle_bytes_.clear();
  idle_stop_.reset();
  const uint64_t resume = live_host_->idle(now_ns, deadline_ns);
  in_idle_ = false;
  // An idle period that simply reached its deadline replays without help; only early ends
  // (input arrived, the user quit) are host decisions worth logging.
  if (resume != deadline_ns || !idle_bytes_.empty()) {
    Event e = stamped(EventKind::kIdle);
    e.value = resume;
    e.data = idle_bytes_;
    log(e);
  }
  if (idle_stop_) {
    Event e = stamped(EventKind::kStop);
    e.exit_code = idle_stop_->code;
    e.text = idle_stop_->reason;
    log(e);
  }
  return resume;
}

void Recorder::type(std::span<const uint8_t> bytes) {
  machine_->type(bytes);
  if (in_idle_) {
    idle_bytes_.insert(idle_bytes_.end(), bytes.begin(), bytes.end());
    return;
  }
  Event e = stamped(EventKind::kConsoleInput);
  e.data.assign(bytes.begin(), bytes.end());
  log(e);
}

void Recorder::request_stop(system::MachineExit exit) {
  machine_->request_stop(exit);
  if (in_idle_) {
    if (!idle_stop_) idle_stop_ = exit;
    return;
  }
  Event e = stamped(EventKind::kStop);
  e.exit_code = exit.code;
  e.text = exit.reason;
  log(e);
}

bool Recorder::finish(const system::MachineExit& exit) {
  Event e = stamped(EventKind::kEnd);
  e.value = machine_->state_hash(true);
  e.exit_code = exit.code;
  e.text = exit.reason;
  log(e);
  if (!failed_ && !writer_.finish()) {
    failed_ = true;
    error_ = writer_.error();
  }
  return !failed_;
}

}  // namespace rwd::record
