// Turns a host SIGSEGV/SIGBUS raised by a guest memory access inside the guest reservation into a
// precise guest exception (raise_exception), and leaves every other crash alone.
//
// Code that touches guest memory directly brackets the access with begin_guest_access() /
// end_guest_access(). If the host faults in between, the handler ends the access and calls
// raise_exception(), which longjmps to cpu.exit_jmp. The handler is installed with SA_NODEFER, so
// leaving it with a plain longjmp leaves no signal blocked.
#pragma once

#include <cstdint>

#include "cpu/cpu_state.h"

namespace rwd::linux_user {

enum class GuestAccessKind : uint8_t {
  kLoad,
  kStore,
  kFromHostContext,  // let the host fault context tell (for code that does both, e.g. a JIT block)
};

// Installs the process-wide SIGSEGV/SIGBUS handler. Idempotent; called by UserMemory::create.
void install_guest_fault_handler();

// Marks that the current thread is about to access guest memory in [host_base, host_base+size)
// on behalf of `cpu`. Faults outside that range are not the guest's and crash as usual.
void begin_guest_access(CpuState& cpu, const uint8_t* host_base, uint64_t size,
                        GuestAccessKind kind);
void end_guest_access();

// Marks a longer stretch (translated code running) during which faults in the range are guest
// accesses whose kind the host fault context tells. Independent of the bracket above, which
// takes precedence while it is set.
void begin_inline_guest_access(CpuState& cpu, const uint8_t* host_base, uint64_t size);
void end_inline_guest_access();

}  // namespace rwd::linux_user
