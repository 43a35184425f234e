#include "linux_user/signals.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "linux_user/guest_process.h"

namespace rwd::linux_user {
namespace {

// Linux sa_flags bits (asm-generic values, shared by riscv64 and x86-64).
constexpr uint64_t kSaSiginfo = 0x4;
constexpr uint64_t kSaOnstack = 0x08000000;
constexpr uint64_t kSaNodefer = 0x40000000;
constexpr uint64_t kSaResethand = 0x80000000;
constexpr uint64_t kSigDfl = 0;
constexpr uint64_t kSigIgn = 1;
constexpr int kSsOnstack = 1;
constexpr int kSsDisable = 2;
constexpr uint64_t kGuestMinSigstackBytes = 2048;  // riscv64 MINSIGSTKSZ
constexpr uint64_t kUnblockable = signal_bit(SIGKILL) | signal_bit(SIGSTOP);

// riscv64 struct rt_sigframe { siginfo_t info; struct ucontext uc; } (asm/ucontext.h,
// asm/sigcontext.h): offsets checked against the riscv64 headers.
constexpr uint64_t kSiginfoBytes = 128;
constexpr uint64_t kUcFlags = 0;
constexpr uint64_t kUcLink = 8;
constexpr uint64_t kUcStack = 16;
constexpr uint64_t kUcSigmask = 40;
constexpr uint64_t kUcMcontext = 176;  // struct sigcontext is 16-byte aligned
constexpr uint64_t kScFpregs = 256;    // after sc_regs: pc, x1..x31
constexpr uint64_t kScFcsr = kScFpregs + 32 * 8;
constexpr uint64_t kUcontextBytes = 960;
constexpr uint64_t kFrameBytes = kSiginfoBytes + kUcontextBytes;

enum class DefaultAction { kTerminate, kIgnore };

DefaultAction default_action(int sig) {
  switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
    case SIGCONT:
    // Stopping is not emulated; a stop signal is ignored (documented gap).
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return DefaultAction::kIgnore;
    default:
      return DefaultAction::kTerminate;
  }
}

bool valid_signal(uint64_t sig) { return sig >= 1 && sig <= kGuestSignalCount; }

GuestExit terminate_by(GuestProcess& process, int sig) {
  std::FILE* out = process.diagnostics.stream();
  fmt::print(out, "rewind: uncaught target signal {} ({})\n", sig, signal_description(sig));
  std::fflush(out);
  return GuestExit{true, sig};
}

void put_u64(uint8_t* frame, uint64_t offset, uint64_t value) {
  std::memcpy(frame + offset, &value, 8);
}
void put_u32(uint8_t* frame, uint64_t offset, uint32_t value) {
  std::memcpy(frame + offset, &value, 4);
}
uint64_t get_u64(const uint8_t* frame, uint64_t offset) {
  uint64_t v;
  std::memcpy(&v, frame + offset, 8);
  return v;
}

// Builds the rt_sigframe and points the hart at the handler. False if the frame does not fit on
// the guest stack.
bool run_handler(GuestProcess& process, const GuestSigInfo& info) {
  CpuState& cpu = process.cpu;
  SignalState& signals = process.signals;
  GuestSigaction& action = signals.actions[info.signo];
  const GuestStack& alt = signals.altstack;

  uint64_t sp = cpu.x[2];
  const bool on_altstack = alt.flags != kSsDisable && sp > alt.sp && sp - alt.sp <= alt.size;
  if ((action.flags & kSaOnstack) && alt.flags != kSsDisable && !on_altstack) {
    sp = alt.sp + alt.size;
  }
  const uint64_t frame_addr = (sp - kFrameBytes) & ~uint64_t{15};

  uint8_t frame[kFrameBytes] = {};
  put_u32(frame, 0, static_cast<uint32_t>(info.signo));
  put_u32(frame, 8, static_cast<uint32_t>(info.code));
  if (info.addr != 0) {
    put_u64(frame, 16, info.addr);
  } else {
    put_u32(frame, 16, static_cast<uint32_t>(info.pid));
    put_u32(frame, 20, info.uid);
  }
  uint8_t* uc = frame + kSiginfoBytes;
  put_u64(uc, kUcFlags, 0);
  put_u64(uc, kUcLink, 0);
  GuestStack saved_stack = alt;
  saved_stack.flags = alt.flags == kSsDisable ? kSsDisable : (on_altstack ? kSsOnstack : 0);
  std::memcpy(uc + kUcStack, &saved_stack, sizeof saved_stack);
  put_u64(uc, kUcSigmask, signals.blocked);
  uint8_t* mc = uc + kUcMcontext;
  put_u64(mc, 0, cpu.pc);
  for (int i = 1; i < 32; ++i) put_u64(mc, 8 * i, cpu.x[i]);
  for (int i = 0; i < 32; ++i) put_u64(mc, kScFpregs + 8 * i, cpu.f[i]);
  put_u32(mc, kScFcsr, (cpu.frm << 5) | cpu.fflags);

  if (frame_addr < kMinMmapAddress || !process.memory->copy_to_guest(frame_addr, frame, kFrameBytes)) {
    return false;
  }
  cpu.x[1] = process.sigreturn_trampoline;  // ra: the handler returns into rt_sigreturn
  cpu.x[2] = frame_addr;
  cpu.x[10] = static_cast<uint64_t>(info.signo);
  cpu.x[11] = frame_addr;
  cpu.x[12] = frame_addr + kSiginfoBytes;
  cpu.pc = action.handler;

  signals.blocked |= action.mask;
  if (!(action.flags & kSaNodefer)) signals.blocked |= signal_bit(info.signo);
  signals.blocked &= ~kUnblockable;
  if (action.flags & kSaResethand) action = GuestSigaction{};
  (void)kSaSiginfo;  // riscv64 passes info and context whether or not SA_SIGINFO is set
  return true;
}

// Runs the handler or the default action of a signal that is not blocked.
std::optional<GuestExit> dispatch(GuestProcess& process, const GuestSigInfo& info) {
  const GuestSigaction& action = process.signals.actions[info.signo];
  if (action.handler == kSigIgn) return std::nullopt;
  if (action.handler == kSigDfl) {
    if (default_action(info.signo) == DefaultAction::kIgnore) return std::nullopt;
    return terminate_by(process, info.signo);
  }
  if (!run_handler(process, info)) return terminate_by(process, SIGSEGV);
  return std::nullopt;
}

}  // namespace

std::string signal_description(int sig) {
  if (sig >= SIGRTMIN && sig <= kGuestSignalCount) return fmt::format("Real-time signal {}", sig - 32);
  const char* text = sigdescr_np(sig);
  return text ? text : fmt::format("Signal {}", sig);
}

GuestSigInfo siginfo_for_fault(Cause cause, uint64_t tval) {
  switch (cause) {
    case Cause::kIllegalInsn:
      return GuestSigInfo{SIGILL, ILL_ILLOPC, tval};
    case Cause::kBreakpoint:
      return GuestSigInfo{SIGTRAP, TRAP_BRKPT, tval};
    case Cause::kInsnMisaligned:
    case Cause::kLoadMisaligned:
    case Cause::kStoreMisaligned:
      return GuestSigInfo{SIGBUS, BUS_ADRALN, tval};
    case Cause::kInsnAccessFault:
    case Cause::kLoadAccessFault:
    case Cause::kStoreAccessFault:
      return GuestSigInfo{SIGSEGV, SEGV_ACCERR, tval};
    default:
      return GuestSigInfo{SIGSEGV, SEGV_MAPERR, tval};
  }
}

void queue_signal(GuestProcess& process, const GuestSigInfo& info) {
  process.signals.pending |= signal_bit(info.signo);
  process.signals.pending_info[info.signo] = info;
}

std::optional<GuestExit> deliver_pending_signals(GuestProcess& process) {
  SignalState& signals = process.signals;
  while (uint64_t deliverable = signals.pending & ~signals.blocked) {
    const int sig = __builtin_ctzll(deliverable) + 1;
    signals.pending &= ~signal_bit(sig);
    if (auto exit = dispatch(process, signals.pending_info[sig])) return exit;
  }
  return std::nullopt;
}

std::optional<GuestExit> deliver_fault_signal(GuestProcess& process, const GuestSigInfo& info) {
  const GuestSigaction& action = process.signals.actions[info.signo];
  if ((process.signals.blocked & signal_bit(info.signo)) || action.handler == kSigIgn) {
    return terminate_by(process, info.signo);
  }
  return dispatch(process, info);
}

int64_t sys_rt_sigaction(GuestProcess& process, uint64_t sig, uint64_t act, uint64_t oldact,
                         uint64_t sigset_size) {
  if (sigset_size != 8) return -EINVAL;
  if (!valid_signal(sig)) return -EINVAL;
  GuestSigaction& slot = process.signals.actions[sig];
  GuestSigaction replacement;
  if (act && !process.memory->copy_from_guest(&replacement, act, sizeof replacement)) {
    return -EFAULT;
  }
  if (act && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
  if (oldact && !process.memory->copy_to_guest(oldact, &slot, sizeof slot)) return -EFAULT;
  if (act) {
    replacement.mask &= ~kUnblockable;
    slot = replacement;
  }
  return 0;
}

int64_t sys_rt_sigprocmask(GuestProcess& process, uint64_t how, uint64_t set, uint64_t oldset,
                           uint64_t sigset_size) {
  if (sigset_size != 8) return -EINVAL;
  uint64_t& blocked = process.signals.blocked;
  uint64_t requested = 0;
  if (set && !process.memory->copy_from_guest(&requested, set, 8)) return -EFAULT;
  const uint64_t previous = blocked;
  if (set) {
    switch (how) {
      case SIG_BLOCK: blocked |= requested; break;
      case SIG_UNBLOCK: blocked &= ~requested; break;
      case SIG_SETMASK: blocked = requested; break;
      default: return -EINVAL;
    }
    blocked &= ~kUnblockable;
  }
  if (oldset && !process.memory->copy_to_guest(oldset, &previous, 8)) return -EFAULT;
  return 0;
}

int64_t sys_sigaltstack(GuestProcess& process, uint64_t stack, uint64_t old_stack) {
  GuestStack& alt = process.signals.altstack;
  const uint64_t sp = process.cpu.x[2];
  const bool on_altstack = alt.flags != kSsDisable && sp > alt.sp && sp - alt.sp <= alt.size;
  if (old_stack) {
    GuestStack current = alt;
    current.flags = alt.flags == kSsDisable ? kSsDisable : (on_altstack ? kSsOnstack : 0);
    if (!process.memory->copy_to_guest(old_stack, &current, sizeof current)) return -EFAULT;
  }
  if (stack) {
    GuestStack requested;
    if (!process.memory->copy_from_guest(&requested, stack, sizeof requested)) return -EFAULT;
    if (on_altstack) return -EPERM;
    if (requested.flags != 0 && requested.flags != kSsDisable) return -EINVAL;
    if (requested.flags == 0 && requested.size < kGuestMinSigstackBytes) return -ENOMEM;
    alt = requested;
  }
  return 0;
}

int64_t sys_rt_sigreturn(GuestProcess& process) {
  CpuState& cpu = process.cpu;
  const uint64_t frame_addr = cpu.x[2];
  uint8_t uc[kUcontextBytes];
  if (!process.memory->copy_from_guest(uc, frame_addr + kSiginfoBytes, sizeof uc)) {
    // Linux kills the task with SIGSEGV when the frame is unreadable.
    process.exit = terminate_by(process, SIGSEGV);
    return 0;
  }
  process.signals.blocked = get_u64(uc, kUcSigmask) & ~kUnblockable;
  const uint8_t* mc = uc + kUcMcontext;
  cpu.pc = get_u64(mc, 0);
  for (int i = 1; i < 32; ++i) cpu.x[i] = get_u64(mc, 8 * i);
  for (int i = 0; i < 32; ++i) cpu.f[i] = get_u64(mc, kScFpregs + 8 * i);
  uint32_t fcsr;
  std::memcpy(&fcsr, mc + kScFcsr, 4);
  cpu.fflags = fcsr & 0x1f;
  cpu.frm = (fcsr >> 5) & 7;
  process.registers_replaced = true;
  return static_cast<int64_t>(cpu.x[10]);
}

int64_t sys_rt_sigpending(GuestProcess& process, uint64_t set, uint64_t sigset_size) {
  if (sigset_size > 8) return -EINVAL;
  const uint64_t pending = process.signals.pending & process.signals.blocked;
  if (!process.memory->copy_to_guest(set, &pending, sigset_size)) return -EFAULT;
  return 0;
}

int64_t sys_kill(GuestProcess& process, int64_t pid, int64_t sig) {
  const int64_t self = ::getpid();
  if (sig < 0 || sig > kGuestSignalCount) return -EINVAL;
  if (pid == self || pid == 0) {
    if (sig != 0) queue_signal(process, GuestSigInfo{static_cast<int>(sig), SI_USER, 0,
                                                     static_cast<int32_t>(self), ::getuid()});
    return 0;
  }
  // Never let the guest signal every process we may signal (-1) or whole process groups.
  if (pid <= 0) return -EPERM;
  return ::kill(static_cast<pid_t>(pid), static_cast<int>(sig)) == 0 ? 0 : -errno;
}

int64_t sys_tgkill(GuestProcess& process, int64_t tgid, int64_t tid, int64_t sig) {
  if (sig < 0 || sig > kGuestSignalCount) return -EINVAL;
  if (tid <= 0) return -EINVAL;
  const int64_t self = ::getpid();
  const int64_t self_tid = ::gettid();
  if ((tgid == self || tgid == -1) && tid == self_tid) {
    if (sig != 0) queue_signal(process, GuestSigInfo{static_cast<int>(sig), SI_TKILL, 0,
                                                     static_cast<int32_t>(self), ::getuid()});
    return 0;
  }
  return -ESRCH;  // this process has one thread; other processes' threads are not ours to hit
}

}  // namespace rwd::linux_user
