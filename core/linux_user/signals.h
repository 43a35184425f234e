// Guest signal emulation. Guest handlers are bookkeeping only: no host signal is ever delivered
// to the guest. Signals arise from guest faults and from the guest signalling itself (kill,
// tgkill: abort() and raise()); they run the guest handler on a riscv64 rt_sigframe, or apply the
// default action (terminate like qemu-riscv64, or ignore).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "cpu/cpu_state.h"

namespace rwd::linux_user {

struct GuestProcess;
struct GuestExit;

constexpr int kGuestSignalCount = 64;  // valid signals are 1..64

// riscv64 kernel struct sigaction (asm-generic without sa_restorer).
struct GuestSigaction {
  uint64_t handler = 0;  // SIG_DFL 0, SIG_IGN 1, else a guest address
  uint64_t flags = 0;
  uint64_t mask = 0;
};
static_assert(sizeof(GuestSigaction) == 24);

// riscv64 stack_t.
struct GuestStack {
  uint64_t sp = 0;
  int32_t flags = 0;
  uint32_t padding = 0;
  uint64_t size = 0;
};
static_assert(sizeof(GuestStack) == 24);

struct GuestSigInfo {
  int signo = 0;
  int code = 0;       // si_code
  uint64_t addr = 0;  // si_addr for faults
  int32_t pid = 0;    // sender for kill()
  uint32_t uid = 0;
};

struct SignalState {
  std::array<GuestSigaction, kGuestSignalCount + 1> actions{};  // index = signal number
  uint64_t blocked = 0;  // bit (sig-1)
  uint64_t pending = 0;  // bit (sig-1); only self-sent signals are ever pending
  std::array<GuestSigInfo, kGuestSignalCount + 1> pending_info{};
  GuestStack altstack{0, 2 /* SS_DISABLE */, 0, 0};
};

constexpr uint64_t signal_bit(int sig) { return uint64_t{1} << (sig - 1); }

// "Segmentation fault" etc.
std::string signal_description(int sig);

// The signal and si_code a guest exception raises, as Linux on RISC-V would send.
GuestSigInfo siginfo_for_fault(Cause cause, uint64_t tval);

// Makes `info.signo` pending (kill/tgkill to self).
void queue_signal(GuestProcess& process, const GuestSigInfo& info);

// Delivers every pending, unblocked signal. Returns the exit if one terminated the process.
std::optional<GuestExit> deliver_pending_signals(GuestProcess& process);

// Delivers a synchronous fault signal now. A blocked or ignored fault signal kills the process,
// as Linux's force_sig does.
std::optional<GuestExit> deliver_fault_signal(GuestProcess& process, const GuestSigInfo& info);

// Signal syscalls. Each returns the a0 value (or -errno).
int64_t sys_rt_sigaction(GuestProcess& process, uint64_t sig, uint64_t act, uint64_t oldact,
                         uint64_t sigset_size);
int64_t sys_rt_sigprocmask(GuestProcess& process, uint64_t how, uint64_t set, uint64_t oldset,
                           uint64_t sigset_size);
int64_t sys_sigaltstack(GuestProcess& process, uint64_t stack, uint64_t old_stack);
int64_t sys_rt_sigreturn(GuestProcess& process);
int64_t sys_rt_sigpending(GuestProcess& process, uint64_t set, uint64_t sigset_size);
// kill/tgkill/tkill: signals to this process become guest signals; others go to the host.
int64_t sys_kill(GuestProcess& process, int64_t pid, int64_t sig);
int64_t sys_tgkill(GuestProcess& process, int64_t tgid, int64_t tid, int64_t sig);

}  // namespace rwd::linux_user
