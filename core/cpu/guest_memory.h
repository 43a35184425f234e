// The guest's view of memory, as seen by translated code and the translator. User mode maps the
// guest address space into the host directly; system mode (a later issue) puts an MMU in front.
#pragma once

#include <cstdint>

#include "cpu/cpu_state.h"
#include "cpu/mem_op.h"

namespace rwd {

class GuestMemory {
 public:
  virtual ~GuestMemory() = default;

  // Data accesses from executing code. On a fault they call raise_exception() and do not return.
  virtual uint64_t load(CpuState& cpu, uint64_t vaddr, MemOp op) = 0;
  virtual void store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) = 0;

  // Instruction fetch for the translator: false when the halfword is not executable memory.
  virtual bool fetch16(uint64_t vaddr, uint16_t* out) = 0;

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
};

}  // namespace rwd
