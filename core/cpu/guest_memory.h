// The guest's view of memory, as seen by translated code and the translator. User mode maps the
// guest address space into the host directly; system mode (a later issue) puts an MMU in front.
#pragma once

#include <cstdint>

#include "cpu/cpu_state.h"
#include "cpu/mem_op.h"

namespace rwd {

// Where the code at a pc is and the modes it is translated under: its identity in the block
// caches. In user mode the pc is its own physical address and the flags are 0.
struct CodeLocation {
  uint64_t phys = 0;
  uint32_t flags = 0;  // code_flags
};

class GuestMemory {
 public:
  virtual ~GuestMemory() = default;

  // Data accesses from executing code. On a fault they call raise_exception() and do not return.
  virtual uint64_t load(CpuState& cpu, uint64_t vaddr, MemOp op) = 0;
  virtual void store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) = 0;

  // Instruction fetch for the translator: false when the halfword is not executable memory.
  virtual bool fetch16(uint64_t vaddr, uint16_t* out) = 0;
  // A debugger breakpoint is set at this pc: the translator starts a block there with a
  // check (SystemHooks::debug_breakpoint) and ends the block before it otherwise.
  virtual bool debugger_breakpoint_at(uint64_t pc) const { return false; }

  // Host address that guest address 0 maps to when the whole guest space is mapped linearly
  // (user mode), so backends may access memory inline; nullptr when accesses must go through
  // load()/store().
  virtual uint8_t* linear_base() const { return nullptr; }
  // Size of the linearly mapped space (a power of two) when linear_base() is not null.
  virtual uint64_t linear_size() const { return 0; }

  // Bracket a stretch during which translated code accesses linear memory inline: a host fault
  // on guest memory inside it must become a precise guest exception (raise_exception).
  virtual void enter_inline_access(CpuState& cpu) {}
  virtual void leave_inline_access() {}

  // --- How translated code may be cached and linked (system mode overrides these) ---
  // The code at cpu.pc; raises the instruction fault if it cannot be fetched.
  virtual CodeLocation locate_code(CpuState& cpu) { return {cpu.pc, 0}; }
  // Raises the exception for an instruction fetch at vaddr that fetch16 refused.
  [[noreturn]] virtual void raise_fetch_fault(CpuState& cpu, uint64_t vaddr) {
    raise_exception(cpu, Cause::kInsnPageFault, vaddr);
  }
  // Whether a block may be cached: system mode caches only blocks within one page, whose one
  // virtual-to-physical mapping locate_code checks.
  virtual bool cacheable_block(uint64_t pc, uint64_t size_bytes) const { return true; }
  // Whether a block at from_pc may jump straight to the block at to_pc (goto_tb) or look its
  // successor up by pc alone (goto_ptr): only while the two share a mapping.
  virtual bool may_chain(uint64_t from_pc, uint64_t to_pc) const { return true; }
  virtual bool lookup_by_pc_alone() const { return true; }
  // Loads and stores go through CpuState::tlb, whose hits translated code may take inline.
  virtual bool uses_tlb() const { return false; }
  // Changes whenever a virtual-to-physical mapping may have changed (TLB flushes), so tiers
  // can drop anything that looked blocks up by virtual pc alone.
  virtual uint64_t mapping_generation() const { return 0; }
};

}  // namespace rwd
