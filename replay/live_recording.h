// The history of a live run, kept in memory so a debugger can take a live machine backwards
// without a trace file. It stands where the Recorder stands in `rewind record` — the machine's
// HostInput, its MachineHost and the live console's GuestInput — and logs every host call
// with its answer. A call is made either at the frontier (the furthest the machine has run:
// the live host answers and the log grows) or behind it, while the machine re-executes a
// stretch after going back to a checkpoint: then the answer comes from the log, because
// re-execution is deterministic and makes the same calls in the same order at the same
// virtual times. A checkpoint's mark is the number of calls made before it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/device.h"
#include "replay/timeline.h"
#include "system/machine.h"

namespace rwd::replay {

class LiveRecording final : public InputHistory,
                            public dev::HostInput,
                            public system::MachineHost,
                            public system::GuestInput {
 public:
  explicit LiveRecording(dev::HostInput& live_input) : live_input_(live_input) {}

  // After Machine::create (whose own calls for RTC time and FDT seed are part of the initial
  // state, not the log): `guest` receives typed input and stop requests, `clock` is the
  // machine's virtual time, `live_host` polls the terminal and paces idle time.
  void attach(system::GuestInput& guest, std::function<uint64_t()> clock,
              system::MachineHost& live_host);

  // InputHistory
  system::MachineHost& host() override { return *this; }
  std::vector<uint64_t> mark() const override { return {cursor_}; }
  bool rewind(const std::vector<uint64_t>& mark, std::string* error) override;
  std::optional<std::string> failure() const override { return failure_; }

  // dev::HostInput
  uint64_t wall_clock_ns() override;
  void entropy(uint8_t* dst, uint64_t len) override;
  // system::MachineHost
  void poll() override;
  uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) override;
  // system::GuestInput: what the live host delivers during a call at the frontier.
  void type(std::span<const uint8_t> bytes) override;
  void request_stop(system::MachineExit exit) override;

  // Whether the next call goes to the live host.
  bool at_frontier() const { return cursor_ == log_.size(); }
  uint64_t calls_logged() const { return log_.size(); }
  // Host memory the log holds.
  uint64_t memory_used() const { return memory_used_; }

 private:
  enum class CallKind : uint8_t { kPoll, kIdle, kWallClock, kEntropy };
  struct Call {
    CallKind kind = CallKind::kPoll;
    uint64_t clock = 0;   // virtual time of the call
    uint64_t answer = 0;  // idle: the time resumed at; wall clock: the time
    // Typed input in the order delivered (poll, idle), or the entropy bytes.
    std::vector<std::vector<uint8_t>> bytes;
    std::optional<system::MachineExit> stop;
  };

  static const char* call_name(CallKind kind);
  // The logged call to answer this one from, or null at the frontier (or after a failure).
  const Call* behind_frontier(CallKind kind);
  void deliver(const Call& call);
  void append(Call call);
  uint64_t now() const { return clock_ ? clock_() : 0; }

  dev::HostInput& live_input_;
  system::GuestInput* guest_ = nullptr;
  system::MachineHost* live_host_ = nullptr;
  std::function<uint64_t()> clock_;
  std::vector<Call> log_;
  uint64_t cursor_ = 0;
  // The frontier call in progress, collecting what the live host delivers.
  Call* recording_ = nullptr;
  std::optional<std::string> failure_;
  uint64_t memory_used_ = 0;
};

}  // namespace rwd::replay
