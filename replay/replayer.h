// The replaying half of the input layer: it takes the place of the live host, answering the
// machine's HostInput (RTC time, entropy) and MachineHost (polls, idle time) calls from the
// trace, and typing recorded console input at the exact virtual times it was recorded at.
// It checks as it goes: each recorded state hash against the replaying machine's, each
// event's kind and time against what the machine asks for; the first difference stops the
// replay with a message naming the interval.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "devices/device.h"
#include "system/machine.h"
#include "traces/trace_file.h"

namespace rwd::replay {

enum class ReplayOutcome {
  kRunning,
  kMatched,    // the run ended as recorded, with the recorded final state hash
  kTruncated,  // the trace was cut off; replayed (and checked) up to its last whole chunk
  kDiverged,   // the machine did something the recording did not
  kBadTrace,   // the trace is corrupt
};

class Replayer final : public dev::HostInput, public system::MachineHost {
 public:
  explicit Replayer(trace::TraceReader& reader);

  // After Machine::create, which drew the RTC time and the FDT seed from this.
  void attach(system::Machine& machine);
  // Resuming from a snapshot: the machine was restored there, and the trace continues at
  // event `event_number`. Events before it are not replayed (the build of the machine, which
  // asked for time and entropy again, is then served without consuming the trace).
  bool resume_at(uint64_t event_number, uint64_t intervals_before, std::string* error);

  // dev::HostInput
  uint64_t wall_clock_ns() override;
  void entropy(uint8_t* dst, uint64_t len) override;
  // system::MachineHost
  void poll() override;
  uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) override;

  // After the run: compares how it ended with the recording. Sets outcome() and message().
  void finish(const system::MachineExit& exit);

  ReplayOutcome outcome() const { return outcome_; }
  // One line for the user: what matched, or where and how the replay diverged.
  const std::string& message() const { return message_; }
  // Events replayed so far: where a snapshot taken now resumes.
  uint64_t events_consumed() const { return consumed_; }
  uint64_t intervals_checked() const { return intervals_; }
  uint64_t last_checked_clock() const { return last_hash_clock_; }

 private:
  const trace::Event* peek();
  void take();
  void diverge(std::string message);
  void stop_at_trace_end();

  trace::TraceReader& reader_;
  system::Machine* machine_ = nullptr;
  std::optional<trace::Event> next_;
  bool reader_done_ = false;
  uint64_t consumed_ = 0;
  uint64_t intervals_ = 0;
  uint64_t last_hash_clock_ = 0;
  ReplayOutcome outcome_ = ReplayOutcome::kRunning;
  std::string message_;
};

}  // namespace rwd::replay
