// What the frontend's system-mode helpers call: the hart's privileged state lives outside
// core/cpu (core/system), and translated code reaches it through CpuState::system.
#pragma once

#include <cstdint>

namespace rwd {

struct CpuState;

class SystemHooks {
 public:
  virtual ~SystemHooks() = default;
  // A CSR instruction (op as frontend CsrOp); returns the old value or raises.
  virtual uint64_t csr(CpuState& cpu, uint32_t number, uint64_t value, uint32_t op,
                       uint32_t insn) = 0;
  // mret/sret: raise illegal-instruction when not allowed; return the pc to continue at.
  virtual uint64_t trap_return(CpuState& cpu, bool from_machine, uint32_t insn) = 0;
  virtual void wfi(CpuState& cpu, uint32_t insn) = 0;
  virtual void sfence_vma(CpuState& cpu, uint64_t vaddr, bool all_addresses, uint32_t insn) = 0;
  virtual void fence_i(CpuState& cpu) = 0;
  // The first FP instruction of a block whose mode says FS is not Dirty.
  virtual void mark_fp_dirty(CpuState& cpu) = 0;
  // A block starting at a debugger breakpoint: raises Cause::kDebugBreakpoint when the
  // breakpoint is to stop the run now.
  virtual void debug_breakpoint(CpuState& cpu, uint64_t pc) = 0;
};

}  // namespace rwd
