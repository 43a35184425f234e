#include "frontend/system_helpers.h"

#include "cpu/system_hooks.h"
#include "frontend/helper_ids.h"

namespace rwd {

uint64_t helper_raise(CpuState* cpu, uint64_t cause, uint64_t tval) {
  raise_exception(*cpu, Cause(cause), tval);
}

uint64_t helper_check_frm(CpuState* cpu, uint64_t insn) {
  if (cpu->frm > kRoundNearestMax) raise_exception(*cpu, Cause::kIllegalInsn, insn);
  return 0;
}

uint64_t helper_fence_i(CpuState* cpu) {
  if (cpu->system) {
    cpu->system->fence_i(*cpu);
  } else {
    cpu->exit_requests |= kExitFlushCode;
  }
  return 0;
}

uint64_t helper_trap_return(CpuState* cpu, uint64_t from_machine, uint64_t insn) {
  return cpu->system->trap_return(*cpu, from_machine != 0, uint32_t(insn));
}

uint64_t helper_wfi(CpuState* cpu, uint64_t insn) {
  cpu->system->wfi(*cpu, uint32_t(insn));
  return 0;
}

uint64_t helper_sfence_vma(CpuState* cpu, uint64_t vaddr, uint64_t all_addresses, uint64_t insn) {
  cpu->system->sfence_vma(*cpu, vaddr, all_addresses != 0, uint32_t(insn));
  return 0;
}

uint64_t helper_mark_fp_dirty(CpuState* cpu) {
  cpu->system->mark_fp_dirty(*cpu);
  return 0;
}

uint64_t helper_debug_breakpoint(CpuState* cpu, uint64_t pc) {
  cpu->system->debug_breakpoint(*cpu, pc);
  return 0;
}

uint64_t helper_csr(CpuState* cpu, uint64_t csr, uint64_t value, uint64_t op, uint64_t insn) {
  if (cpu->system) return cpu->system->csr(*cpu, uint32_t(csr), value, uint32_t(op), uint32_t(insn));
  // CSR instructions end their block, so this one is the block's last: every instruction
  // before it has retired and icount already includes it.
  const uint64_t retired = cpu->icount - 1;
  uint64_t old;
  bool writable = true;
  switch (csr) {
    case kCsrFflags: old = cpu->fflags; break;
    case kCsrFrm: old = cpu->frm; break;
    case kCsrFcsr: old = (cpu->frm << 5) | cpu->fflags; break;
    case kCsrCycle:
    case kCsrInstret: old = retired; writable = false; break;
    case kCsrTime: old = retired / kInsnsPerTimeTick; writable = false; break;
    default: raise_exception(*cpu, Cause::kIllegalInsn, insn);
  }
  if (op == kCsrRead) return old;
  if (!writable) raise_exception(*cpu, Cause::kIllegalInsn, insn);
  uint64_t updated = op == kCsrWrite ? value : op == kCsrSet ? (old | value) : (old & ~value);
  switch (csr) {
    case kCsrFflags: cpu->fflags = updated & 0x1f; break;
    case kCsrFrm: cpu->frm = updated & 0x7; break;
    case kCsrFcsr:
      cpu->fflags = updated & 0x1f;
      cpu->frm = (updated >> 5) & 0x7;
      break;
  }
  return old;
}

}  // namespace rwd
