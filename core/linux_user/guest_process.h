// The state of the emulated process that the syscall, signal and loader code share. Internal to
// linux_user; the public face is UserProcess.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cpu/cpu_state.h"
#include "exec/engine.h"
#include "linux_user/deterministic_random.h"
#include "linux_user/diagnostics.h"
#include "linux_user/host_clock.h"
#include "linux_user/signals.h"
#include "linux_user/user_memory.h"
#include "linux_user/user_process.h"

namespace rwd::linux_user {

constexpr int kGuestResourceLimits = 16;  // RLIM_NLIMITS

struct GuestRlimit {
  uint64_t current;
  uint64_t maximum;
};

struct GuestProcess {
  UserOptions options;
  Diagnostics diagnostics;  // where Rewind's own messages go (see diagnostics.h)
  std::string exe_path;  // absolute host path of the program, what /proc/self/exe names
  std::unique_ptr<UserMemory> memory;
  CpuState cpu{};
  SignalState signals;
  DeterministicRandom random;
  std::shared_ptr<HostClock> clock = std::make_shared<SystemHostClock>();
  // Guest resource limits are the guest's own: changing them must not constrain the emulator.
  std::array<GuestRlimit, kGuestResourceLimits> rlimits{};
  uint64_t clear_child_tid = 0;
  uint64_t robust_list_head = 0;
  std::string thread_name;  // prctl(PR_SET_NAME)
  uint64_t sigreturn_trampoline = 0;  // guest address of "li a7, rt_sigreturn; ecall"
  // Set by whatever rewrote the registers wholesale during a syscall (rt_sigreturn): the ecall
  // must then neither write a0 nor advance pc.
  bool registers_replaced = false;
  std::optional<GuestExit> exit;
  std::set<uint64_t> warned_syscalls;
  std::set<uint64_t> warned_ioctls;
};

}  // namespace rwd::linux_user
