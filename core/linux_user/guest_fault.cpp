#include "linux_user/guest_fault.h"

#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <cstring>

namespace rwd::linux_user {
namespace {

struct GuestAccessInProgress {
  CpuState* cpu = nullptr;  // null: no guest access in progress on this thread
  const uint8_t* host_base = nullptr;
  uint64_t size = 0;
  GuestAccessKind kind = GuestAccessKind::kLoad;
};

// The one piece of process-wide mutable state in linux_user, and deliberately so: a signal
// handler receives nothing but the signal, so the only way for it to learn that the faulting
// access was a guest access (and for which hart) is thread-local state set around the access.
// Being thread_local keeps harts on different threads independent.
thread_local GuestAccessInProgress t_access;
// Set for as long as translated code that accesses guest memory inline may run (a JIT session);
// consulted when no single bracketed access is in progress. A separate slot, because the JIT's
// slow paths call load()/store(), whose own bracket must not end the session's.
thread_local GuestAccessInProgress t_inline_access;

void fall_back_to_default_action(int signo) {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(signo, &dfl, nullptr);
  // Returning re-executes the faulting instruction, which now kills the process with the right
  // signal and a core dump; raise() covers signals sent by kill().
  raise(signo);
}

bool fault_was_write(void* context) {
#if defined(__x86_64__)
  // Page-fault error code bit 1: the access was a write.
  const auto* uc = static_cast<const ucontext_t*>(context);
  return (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
  (void)context;
  return false;
#endif
}

// Hands the faulting host pc and registers to the tier that was running (see CpuState).
void record_host_context(CpuState& cpu, void* context) {
#if defined(__x86_64__)
  const auto& g = static_cast<const ucontext_t*>(context)->uc_mcontext.gregs;
  cpu.fault_host_pc = uint64_t(g[REG_RIP]);
  // x86 register numbers: rax rcx rdx rbx rsp rbp rsi rdi r8..r15.
  const int kOrder[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                          REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int i = 0; i < 16; ++i) cpu.fault_host_regs[i] = uint64_t(g[kOrder[i]]);
#else
  (void)cpu;
  (void)context;
#endif
}

void on_host_fault(int signo, siginfo_t* info, void* context) {
  GuestAccessInProgress access = t_access.cpu ? t_access : t_inline_access;
  const auto* addr = static_cast<const uint8_t*>(info->si_addr);
  const bool guest_fault = access.cpu != nullptr && info->si_code > 0 /* kernel-generated */ &&
                           addr >= access.host_base && addr < access.host_base + access.size;
  if (!guest_fault) {
    fall_back_to_default_action(signo);
    return;
  }
  t_access.cpu = nullptr;
  t_inline_access.cpu = nullptr;
  bool is_store = access.kind == GuestAccessKind::kStore ||
                  (access.kind == GuestAccessKind::kFromHostContext && fault_was_write(context));
  record_host_context(*access.cpu, context);
  // si_addr is the first byte that faulted, which is what RISC-V puts in tval for an access
  // that straddles into an unmapped page.
  raise_exception(*access.cpu, is_store ? Cause::kStorePageFault : Cause::kLoadPageFault,
                  static_cast<uint64_t>(addr - access.host_base));
}

}  // namespace

void install_guest_fault_handler() {
  struct sigaction sa{};
  sa.sa_sigaction = on_host_fault;
  // SA_NODEFER: the handler leaves by longjmp, which would otherwise leave the signal blocked.
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

void begin_guest_access(CpuState& cpu, const uint8_t* host_base, uint64_t size,
                        GuestAccessKind kind) {
  t_access.host_base = host_base;
  t_access.size = size;
  t_access.kind = kind;
  t_access.cpu = &cpu;
  // Keep the compiler from moving the guest access above the point where the handler can see it.
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

void end_guest_access() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_access.cpu = nullptr;
}

void begin_inline_guest_access(CpuState& cpu, const uint8_t* host_base, uint64_t size) {
  t_inline_access = {&cpu, host_base, size, GuestAccessKind::kFromHostContext};
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

void end_inline_guest_access() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_inline_access.cpu = nullptr;
}

}  // namespace rwd::linux_user
