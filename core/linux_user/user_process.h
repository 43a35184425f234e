// Linux user-mode emulation: runs one riscv64 Linux program on this host, like qemu-riscv64.
// The guest's address space is a UserMemory, its syscalls are translated to host syscalls, and
// its signals are emulated (guest handlers never run on host signals).
//
// Deliberate limits, each answered the way glibc copes with:
//  - One thread. clone/clone3/execve/fork are unsupported (-ENOSYS with a warning); futex waits
//    that would block forever return -EINTR (-ETIMEDOUT with a timeout).
//  - Guest fds are host fds; no /proc/self/maps synthesis (only /proc/self/exe is redirected).
//  - Signals come only from guest faults and kill/tgkill to itself; host signals (Ctrl-C) act on
//    the emulator. Stop signals are ignored. Sockets, epoll (whose struct differs), timers,
//    inotify, SysV IPC, set*id are not translated.
//  - Non-deterministic inputs (time, pids, uids, file contents) come from the host; only
//    randomness is seeded. The record/replay layer is expected to capture the rest.
//  - A host SIGBUS on a file mapping past EOF reaches the guest as SIGSEGV, not SIGBUS.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpu/cpu_state.h"
#include "cpu/guest_memory.h"
#include "exec/engine.h"

#include "linux_user/host_clock.h"

namespace rwd::linux_user {

struct UserOptions {
  std::string program;
  std::vector<std::string> argv;  // argv[0] included
  // Guest root for the ELF interpreter and for absolute paths the guest opens (like qemu -L).
  std::string prefix = "/usr/riscv64-linux-gnu";
  // Guest environment; the host's environ when unset.
  std::optional<std::vector<std::string>> env;
  bool strace = false;  // log every syscall to the diagnostics stream
  // Where Rewind's own messages go; null means a private duplicate of stderr (diagnostics.h).
  std::FILE* diagnostics = nullptr;
  // Seeds AT_RANDOM and getrandom(), the guest's only randomness (see deterministic_random.h).
  uint64_t random_seed = 0;
  // The guest's clocks; null means the host's (see host_clock.h).
  std::shared_ptr<HostClock> clock;
};

struct GuestExit {
  bool by_signal = false;
  int code = 0;  // exit status, or the signal number when by_signal
};

struct GuestProcess;  // the emulated process's state, shared by the syscall and signal code
class UserMemory;

class UserProcess {
 public:
  // Loads the program (and its ELF interpreter) and builds the initial stack. On failure returns
  // nullptr and a one-line error naming the file and the problem.
  static std::unique_ptr<UserProcess> create(const UserOptions& opts, std::string* error);
  ~UserProcess();

  CpuState& cpu();
  // Where Rewind's own messages about this run go (survives the guest closing stderr).
  std::FILE* diagnostics() const;
  GuestMemory& memory();
  UserMemory& user_memory();

  // Drives engine.run() until the guest exits: performs syscalls on ecall, turns faults into
  // guest signals, and drops stale translations when mappings change.
  GuestExit run(ExecutionEngine& engine);

  // Performs the syscall the ecall at cpu().pc requests (number in a7, arguments in a0..a5,
  // result in a0) and retires the ecall, exactly as run() does. Returns the exit when the
  // syscall ended the process. Exposed for tests and for drivers with their own loop.
  std::optional<GuestExit> handle_ecall();
  // Delivers the signal a guest fault raises (or applies its default action).
  std::optional<GuestExit> handle_fault(Cause cause, uint64_t tval);

 private:
  explicit UserProcess(std::unique_ptr<GuestProcess> state);
  void step_past_code_store(ExecutionEngine& engine, uint64_t address);
  void handle_exception(const StopInfo& stop);
  std::unique_ptr<GuestProcess> state_;
};

}  // namespace rwd::linux_user
