// Helpers the frontend calls for instructions that touch more than registers: exceptions,
// CSRs, fence.i. All take the uniform helper shape (see ir/helpers.h).
#pragma once

#include <cstdint>

#include "cpu/cpu_state.h"

namespace rwd {

[[noreturn]] uint64_t helper_raise(CpuState* cpu, uint64_t cause, uint64_t tval);
// Performs a CSR instruction; returns the CSR's old value. Raises illegal-instruction (tval =
// insn) for CSRs that do not exist here or writes to read-only ones.
uint64_t helper_csr(CpuState* cpu, uint64_t csr, uint64_t value, uint64_t op, uint64_t insn);
uint64_t helper_check_frm(CpuState* cpu, uint64_t insn);
uint64_t helper_fence_i(CpuState* cpu);
// System mode: privileged instructions, forwarded to the hart (CpuState::system).
uint64_t helper_trap_return(CpuState* cpu, uint64_t from_machine, uint64_t insn);
uint64_t helper_wfi(CpuState* cpu, uint64_t insn);
uint64_t helper_sfence_vma(CpuState* cpu, uint64_t vaddr, uint64_t all_addresses, uint64_t insn);
uint64_t helper_mark_fp_dirty(CpuState* cpu);
uint64_t helper_debug_breakpoint(CpuState* cpu, uint64_t pc);

// User-level CSR numbers handled here.
enum CsrNumber : uint32_t {
  kCsrFflags = 0x001,
  kCsrFrm = 0x002,
  kCsrFcsr = 0x003,
  kCsrCycle = 0xc00,
  kCsrTime = 0xc01,
  kCsrInstret = 0xc02,
};

// The time CSR counts at 10 MHz of virtual time, and virtual time advances 1 ns per retired
// instruction, so guest-visible time is a pure function of the instruction count.
constexpr uint64_t kInsnsPerTimeTick = 100;

}  // namespace rwd
