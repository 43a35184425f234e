#include "frontend/system_helpers.h"

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
  cpu->exit_requests |= kExitFlushCode;
  return 0;
}

uint64_t helper_csr(CpuState* cpu, uint64_t csr, uint64_t value, uint64_t op, uint64_t insn) {
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
