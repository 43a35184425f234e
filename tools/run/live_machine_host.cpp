#include "run/live_machine_host.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

namespace rwd::run {

LiveMachineHost::LiveMachineHost(system::GuestInput& input, system::Machine& machine,
                                 RawTerminal& terminal, StdoutConsole& console,
                                 bool allow_disk_commit)
    : input_(input),
      machine_(machine),
      terminal_(terminal),
      console_(console),
      allow_disk_commit_(allow_disk_commit),
      started_(Clock::now()) {}

uint64_t LiveMachineHost::idle(uint64_t now_ns, uint64_t deadline_ns) {
  for (;;) {
    const uint64_t host_ns = elapsed_ns();
    if (host_ns >= deadline_ns) {
      read_input(0);  // virtual time is behind real time: no reason to wait
      return deadline_ns;
    }
    const uint64_t wait_ns = deadline_ns - std::max(host_ns, now_ns);
    const int timeout_ms = int(std::min<uint64_t>(wait_ns / 1'000'000 + 1, 100));
    if (read_input(timeout_ms) || machine_stopping_) {
      // Input arrived: the guest sees it at the current real time, not after the deadline.
      return std::clamp(elapsed_ns(), now_ns + 1, deadline_ns);
    }
  }
}

uint64_t LiveMachineHost::elapsed_ns() const {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_).count());
}

bool LiveMachineHost::read_input(int timeout_ms) {
  console_.flush();
  if (!input_open_) {
    if (timeout_ms > 0) usleep(useconds_t(timeout_ms) * 1000);
    return false;
  }
  uint8_t buffer[256];
  const int n = terminal_.poll_input(buffer, timeout_ms);
  if (n < 0) {
    input_open_ = false;
    return false;
  }
  // Bytes read together reach the guest together (one trace event when recording).
  std::vector<uint8_t> typed;
  auto deliver = [&] {
    if (!typed.empty()) input_.type(typed);
    typed.clear();
  };
  bool any_typed = false;
  for (int i = 0; i < n; ++i) {
    const ConsoleStep step = escape_.feed(buffer[i]);
    switch (step.action) {
      case ConsoleAction::kGuestByte:
        typed.push_back(step.byte);
        any_typed = true;
        break;
      case ConsoleAction::kHelp: write_stdout(console_help_text()); break;
      case ConsoleAction::kQuit:
        deliver();
        write_stdout(kQuitMessage);
        input_.request_stop({0, "quit from the console"});
        machine_stopping_ = true;
        return true;
      case ConsoleAction::kCommitDisks:
        if (allow_disk_commit_) {
          machine_.commit_disks();
        } else {
          write_stdout("\r\nrewind: a recording keeps the disk images unchanged (C-a s ignored)\r\n");
        }
        break;
      default: break;
    }
  }
  deliver();
  return any_typed;
}

}  // namespace rwd::run
