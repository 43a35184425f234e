// One RISC-V hart of the full-system machine: its privileged state (PrivState, PMP), its
// software MMU, and the hooks translated code calls for CSRs and privileged instructions. The
// machine loop asks it for traps, interrupts and WFI.
#pragma once

#include <cstdint>
#include <functional>

#include "cpu/cpu_state.h"
#include "cpu/system_hooks.h"
#include "devices/state_io.h"
#include "mmu/pmp.h"
#include "priv/csr.h"
#include "priv/priv_state.h"
#include "system/debug_traps.h"
#include "system/physical_bus.h"
#include "system/soft_mmu.h"

namespace rwd::system {

class Hart final : public SystemHooks, private priv::PmpRegisters {
 public:
  // mtime_at(retired) is the platform timer when `retired` instructions have retired: what
  // the time CSR reads.
  Hart(uint64_t hart_id, PhysicalBus& bus, std::function<uint64_t(uint64_t)> mtime_at);
  Hart(const Hart&) = delete;
  Hart& operator=(const Hart&) = delete;

  CpuState& cpu() { return *cpu_; }
  const CpuState& cpu() const { return *cpu_; }
  priv::PrivState& state() { return state_; }
  const priv::PrivState& state() const { return state_; }
  SoftMmu& mmu() { return mmu_; }
  DebugTraps& debug() { return debug_; }
  const DebugTraps& debug() const { return debug_; }

  // Reset: M-mode at pc, everything else as QEMU's virt hart after reset.
  void reset(uint64_t pc);

  // Snapshots: the architectural registers, icount, every CSR (PrivState), PMP and the WFI
  // flag. Not the TLBs (caches, refilled on demand) nor execution-support fields of CpuState.
  void save(dev::StateWriter& out) const;
  // Throws dev::StateError on malformed state, leaving the hart unchanged. On success the TLBs
  // are flushed and no exit request or code invalidation is pending.
  void load(dev::StateReader& in);

  // Takes an exception (cause, tval) at cpu.pc, or an interrupt (cause with kInterruptBit).
  void take_trap(uint64_t cause, uint64_t tval);
  // Takes the highest-priority enabled pending interrupt, if any; true if one was taken.
  bool take_pending_interrupt();

  bool waiting_for_interrupt() const { return waiting_; }
  // Ends a WFI if an interrupt is pending and enabled in mie (even if globally disabled).
  bool wake_if_interrupt_pending();
  // A fence.i found translated code that stores have changed since.
  bool take_code_invalidation_request();

  // The debugger's view of a CSR (no privilege check, no side effects on reads): `number`
  // must be one the CSR file implements.
  uint64_t debug_read_csr(uint32_t number);
  void debug_write_csr(uint32_t number, uint64_t value);

  // The device-driven bits of mip (MSIP, MTIP, SEIP, MEIP).
  void set_external_pending(unsigned bit, bool level);

  // SystemHooks
  uint64_t csr(CpuState& cpu, uint32_t number, uint64_t value, uint32_t op, uint32_t insn) override;
  uint64_t trap_return(CpuState& cpu, bool from_machine, uint32_t insn) override;
  void wfi(CpuState& cpu, uint32_t insn) override;
  void sfence_vma(CpuState& cpu, uint64_t vaddr, bool all_addresses, uint32_t insn) override;
  void fence_i(CpuState& cpu) override;
  void mark_fp_dirty(CpuState& cpu) override;
  void debug_breakpoint(CpuState& cpu, uint64_t pc) override;

 private:
  // What a CSR access sees when `retired` instructions have retired before it.
  priv::CsrEnv csr_env(uint64_t retired);
  // What the execution loop must do after a CSR write (priv::CsrEffect bits).
  void apply_csr_effects(uint32_t effects);
  // priv::PmpRegisters: the CSR file forwards pmpcfg/pmpaddr accesses here.
  uint64_t read_csr(uint32_t csr) const override;
  void write_csr(uint32_t csr, uint64_t value) override;

  std::unique_ptr<CpuState> cpu_;  // large (it holds the TLB): kept off the stack and stable
  priv::PrivState state_;
  mmu::PmpState pmp_;
  PhysicalBus& bus_;
  DebugTraps debug_;  // before mmu_, which checks watchpoints
  SoftMmu mmu_;
  std::function<uint64_t(uint64_t)> mtime_at_;
  bool waiting_ = false;
  bool code_invalidation_requested_ = false;
};

}  // namespace rwd::system
