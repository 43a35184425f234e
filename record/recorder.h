// The recording half of the input layer. It stands between the live host and the machine —
// as the machine's HostInput (RTC time, entropy), its MachineHost (polls, idle time) and the
// live console's GuestInput (typed bytes, Ctrl-A X) — passes every call through and appends
// what crossed to the trace, stamped with the virtual time it happened at. Every
// hash_interval instructions it also logs a hash of the whole machine state, so a replay can
// say in which interval it first differs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "devices/device.h"
#include "system/machine.h"
#include "traces/trace_file.h"

namespace rwd::record {

class Recorder final : public dev::HostInput,
                       public system::MachineHost,
                       public system::GuestInput {
 public:
  Recorder(trace::TraceWriter& writer, dev::HostInput& live_input, uint64_t hash_interval);

  // After Machine::create (which already asked this for the RTC time and the FDT seed):
  // the machine whose clock stamps events and where typed input goes, and the live host that
  // polls the terminal and paces idle time.
  void attach(system::Machine& machine, system::MachineHost& live_host);

  // dev::HostInput
  uint64_t wall_clock_ns() override;
  void entropy(uint8_t* dst, uint64_t len) override;
  // system::MachineHost
  void poll() override;
  uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) override;
  // system::GuestInput
  void type(std::span<const uint8_t> bytes) override;
  void request_stop(system::MachineExit exit) override;

  // Logs how the run ended with the final state hash and closes the trace. False (with
  // error()) if the trace could not be written.
  bool finish(const system::MachineExit& exit);
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  uint64_t hashes_logged() const { return hashes_; }

 private:
  trace::Event stamped(trace::EventKind kind) const;
  void log(const trace::Event& event);

  trace::TraceWriter& writer_;
  dev::HostInput& live_input_;
  const uint64_t hash_interval_;
  system::Machine* machine_ = nullptr;
  system::MachineHost* live_host_ = nullptr;
  uint64_t next_hash_clock_ = 0;
  uint64_t hashes_ = 0;
  // While the live host idles, what it types is gathered into the one kIdle event.
  bool in_idle_ = false;
  std::vector<uint8_t> idle_bytes_;
  std::optional<system::MachineExit> idle_stop_;
  bool failed_ = false;
  std::string error_;
};

}  // namespace rwd::record
