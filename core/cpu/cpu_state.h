// Architectural state of one RISC-V hart plus the few execution-support fields that translated
// code needs to reach from its single pinned pointer. The layout is part of the IR contract:
// globals in the IR are named by their byte offset in this struct, so it stays standard-layout.
#pragma once

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "cpu/tlb.h"

namespace rwd {

class GuestMemory;
class SystemHooks;

// Exception causes, numbered as in mcause (privileged spec, table 3.6).
enum class Cause : uint32_t {
  kInsnMisaligned = 0,
  kInsnAccessFault = 1,
  kIllegalInsn = 2,
  kBreakpoint = 3,
  kLoadMisaligned = 4,
  kLoadAccessFault = 5,
  kStoreMisaligned = 6,
  kStoreAccessFault = 7,
  kEcallU = 8,
  kEcallS = 9,
  kEcallM = 11,
  kInsnPageFault = 12,
  kLoadPageFault = 13,
  kStorePageFault = 15,
  // Not an architectural cause, never delivered to the guest: a system-mode access reached a
  // device in the middle of a run, before performing it. The machine loop re-runs that one
  // instruction on its own, so device accesses happen at exact, tier-independent points.
  kDeviceAccessRestart = 0x100,
  // Also private to the machine: the debugger's breakpoint at pc (the instruction has not
  // run), and an access that hit a watchpoint, restarted so it runs alone and reports the hit.
  kDebugBreakpoint = 0x101,
  kWatchpointRestart = 0x102,
};

// fflags bits (unprivileged spec, "Accrued Exception Flags").
enum FpFlag : uint32_t {
  kFlagNX = 1 << 0,  // inexact
  kFlagUF = 1 << 1,  // underflow
  kFlagOF = 1 << 2,  // overflow
  kFlagDZ = 1 << 3,  // divide by zero
  kFlagNV = 1 << 4,  // invalid operation
};

// Rounding-mode encodings of the rm field and frm.
enum RoundingMode : uint32_t {
  kRoundNearestEven = 0,  // RNE
  kRoundTowardZero = 1,   // RTZ
  kRoundDown = 2,         // RDN
  kRoundUp = 3,           // RUP
  kRoundNearestMax = 4,   // RMM
  kRoundDynamic = 7,      // DYN: use frm
};

constexpr uint64_t kNoReservation = ~uint64_t{0};

enum ExitRequest : uint32_t {
  kExitFlushCode = 1 << 0,  // fence.i (user mode): translated code may be stale
  // System mode: the machine loop must look at the hart before the next instruction
  // (interrupts may have become enabled, WFI, a power-off request, code to invalidate).
  kExitToMachine = 1 << 1,
};

struct CpuState {
  // --- Architectural state ---
  uint64_t x[32];  // x[0] is kept zero; the frontend never writes it.
  uint64_t f[32];  // raw 64-bit FP registers; single values are NaN-boxed.
  uint64_t pc;
  uint32_t fflags;  // accrued FP exception flags, 5 bits
  uint32_t frm;     // dynamic rounding mode, 3 bits

  // LR/SC reservation: address and the value loaded by LR.
  uint64_t reservation_addr;
  uint64_t reservation_value;

  // --- Exact instruction count ---
  // Retired guest instructions. Translated blocks add their whole length on entry; a block
  // that stops early (exception) subtracts the instructions it did not retire.
  uint64_t icount;
  // Execution stops before icount would pass this value (exact stop after N instructions).
  uint64_t icount_limit;

  // Requests for the execution loop, raised by helpers and honoured at the next block boundary.
  uint32_t exit_requests;  // ExitRequest bits

  // --- Exception delivery out of translated code ---
  // A faulting access or helper records the cause here and longjmps to exit_jmp.
  uint32_t exception_cause;
  // Identifies the instruction now executing, in a form private to the tier running it (the
  // interpreter: its index within the block; the JIT: a token naming pc and block position).
  // Tiers keep it current whenever an op that can raise runs, so a fault retires exactly the
  // instructions before the faulting one.
  uint32_t insn_index;
  uint64_t exception_tval;
  std::jmp_buf* exit_jmp;
  // Where the host was when a host fault on guest memory raised the exception (0 when the
  // exception was raised any other way), and its general registers in x86 encoding order, so
  // a tier whose code faulted inline can tell which instruction it was running.
  uint64_t fault_host_pc;
  uint64_t fault_host_regs[16];

  // --- Environment ---
  GuestMemory* memory;
  SystemHooks* system;  // null in user mode

  // --- System mode: the software TLB that translated code probes inline ---
  Tlb tlb;
};

static_assert(std::is_standard_layout_v<CpuState>);

// Raises a synchronous guest exception from inside translated code or a helper: records it in
// `cpu` and unwinds to the execution loop. Must only be called while a block is executing.
[[noreturn]] void raise_exception(CpuState& cpu, Cause cause, uint64_t tval);

}  // namespace rwd
