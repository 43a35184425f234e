// The live host of `rewind run` and `rewind record`: terminal input through the Ctrl-A
// escapes, and idle time paced so that virtual time never runs ahead of real time while the
// guest waits (as QEMU's -icount sleep=on), which keeps guest timeouts and `sleep` meaningful
// to a person at the console.
#pragma once

#include <chrono>
#include <cstdint>

#include "run/console_escape.h"
#include "run/session.h"
#include "run/terminal.h"
#include "system/machine.h"

namespace rwd::run {

class LiveMachineHost final : public system::MachineHost {
 public:
  // Typed bytes and Ctrl-A X go to `input` (the machine, or the recorder in front of it).
  // Ctrl-A S writes the disks back, unless `allow_disk_commit` is false (a recording, whose
  // replay needs the images unchanged).
  LiveMachineHost(system::GuestInput& input, system::Machine& machine, RawTerminal& terminal,
                  StdoutConsole& console, bool allow_disk_commit);

  void poll() override { read_input(0); }
  uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) override;

 private:
  using Clock = std::chrono::steady_clock;
  uint64_t elapsed_ns() const;
  // Returns true if anything reached the guest or the run is ending.
  bool read_input(int timeout_ms);

  system::GuestInput& input_;
  system::Machine& machine_;
  RawTerminal& terminal_;
  StdoutConsole& console_;
  const bool allow_disk_commit_;
  ConsoleEscape escape_;
  const Clock::time_point started_;
  bool input_open_ = true;
  bool machine_stopping_ = false;
};

}  // namespace rwd::run
