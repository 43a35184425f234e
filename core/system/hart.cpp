#include "system/hart.h"

#include "frontend/helper_ids.h"
#include "priv/trap.h"

namespace rwd::system {

Hart::Hart(uint64_t hart_id, PhysicalBus& bus, std::function<uint64_t(uint64_t)> mtime_at)
    : cpu_(std::make_unique<CpuState>()),
      bus_(bus),
      mmu_(bus, *cpu_, state_, pmp_),
      mtime_at_(std::move(mtime_at)) {
  state_.hart_id = hart_id;
  cpu_->memory = &mmu_;
  cpu_->system = this;
  reset(0);
}

void Hart::reset(uint64_t pc) {
  const uint64_t hart_id = state_.hart_id;
  CpuState& cpu = *cpu_;
  for (uint64_t& x : cpu.x) x = 0;
  for (uint64_t& f : cpu.f) f = 0;
  cpu.fflags = 0;
  cpu.frm = 0;
  cpu.reservation_addr = kNoReservation;
  cpu.reservation_value = 0;
  cpu.icount = 0;
  cpu.icount_limit = 0;
  cpu.exit_requests = 0;
  cpu.pc = pc;
  state_ = priv::PrivState{};
  state_.hart_id = hart_id;
  pmp_ = mmu::PmpState{};
  waiting_ = false;
  code_invalidation_requested_ = false;
  mmu_.flush_tlb();
}

void Hart::take_trap(uint64_t cause, uint64_t tval) {
  cpu_->pc = priv::enter_trap(state_, cpu_->pc, cause, tval);
  waiting_ = false;
}

bool Hart::take_pending_interrupt() {
  const std::optional<uint64_t> cause = priv::interrupt_to_take(state_);
  if (!cause) return false;
  take_trap(*cause, 0);
  return true;
}

bool Hart::wake_if_interrupt_pending() {
  if (waiting_ && priv::wfi_should_wake(state_)) waiting_ = false;
  return !waiting_;
}

bool Hart::take_code_invalidation_request() {
  const bool requested = code_invalidation_requested_;
  code_invalidation_requested_ = false;
  return requested;
}

void Hart::set_external_pending(unsigned bit, bool level) {
  if (level) {
    state_.mip_external |= uint64_t{1} << bit;
  } else {
    state_.mip_external &= ~(uint64_t{1} << bit);
  }
}

uint64_t Hart::csr(CpuState& cpu, uint32_t number, uint64_t value, uint32_t op, uint32_t insn) {
  const bool writes = op != kCsrRead;
  if (!priv::csr_access_legal(state_, number, writes)) {
    raise_exception(cpu, Cause::kIllegalInsn, insn);
  }
  // A CSR instruction ends its block, so icount already counts it.
  const uint64_t retired = cpu.icount - 1;
  priv::CsrEnv env{retired, mtime_at_(retired), &cpu.fflags, &cpu.frm, this};
  const uint64_t old = priv::csr_read(state_, env, number);
  if (!writes) return old;
  uint64_t base = old;
  if (number == priv::csr::kMip) {
    // In CSRRS/CSRRC on mip, SEIP takes part with its software-written value only, not the
    // OR with the PLIC's line that a read returns (privileged spec 3.1.9). Otherwise
    // clearing another bit would latch the line's level into the software bit for good.
    constexpr uint64_t kSeip = uint64_t{1} << priv::irq::kSEI;
    base = (old & ~kSeip) | (state_.mip & kSeip);
  }
  const uint64_t updated = op == kCsrWrite ? value : op == kCsrSet ? (base | value) : (base & ~value);
  const uint32_t effects = priv::csr_write(state_, env, number, updated);
  if (effects & priv::kEffectFlushTlb) mmu_.mapping_may_have_changed();
  if (effects & priv::kEffectCheckInterrupts) cpu.exit_requests |= kExitToMachine;
  return old;
}

uint64_t Hart::trap_return(CpuState& cpu, bool from_machine, uint32_t insn) {
  const std::optional<uint64_t> pc =
      from_machine ? priv::return_from_machine(state_) : priv::return_from_supervisor(state_);
  if (!pc) raise_exception(cpu, Cause::kIllegalInsn, insn);
  // The new mode may have interrupts enabled that are already pending.
  cpu.exit_requests |= kExitToMachine;
  return *pc;
}

void Hart::wfi(CpuState& cpu, uint32_t insn) {
  if (!priv::wfi_legal(state_)) raise_exception(cpu, Cause::kIllegalInsn, insn);
  waiting_ = true;
  cpu.exit_requests |= kExitToMachine;
}

void Hart::sfence_vma(CpuState& cpu, uint64_t vaddr, bool all_addresses, uint32_t insn) {
  if (!priv::sfence_vma_legal(state_)) raise_exception(cpu, Cause::kIllegalInsn, insn);
  if (all_addresses) {
    mmu_.flush_tlb();
  } else {
    mmu_.flush_tlb_page(vaddr);
  }
}

void Hart::fence_i(CpuState& cpu) {
  if (!bus_.has_stale_code_pages()) return;
  code_invalidation_requested_ = true;
  cpu.exit_requests |= kExitToMachine;
}

void Hart::mark_fp_dirty(CpuState&) { state_.mstatus |= priv::mstatus::kFSDirty; }

uint64_t Hart::read_csr(uint32_t csr) const {
  if (csr >= priv::csr::kPmpaddr0) return mmu::read_pmpaddr(pmp_, csr - priv::csr::kPmpaddr0);
  return mmu::read_pmpcfg(pmp_, csr - priv::csr::kPmpcfg0);
}

void Hart::write_csr(uint32_t csr, uint64_t value) {
  const bool changed = csr >= priv::csr::kPmpaddr0
                           ? mmu::write_pmpaddr(pmp_, csr - priv::csr::kPmpaddr0, value)
                           : mmu::write_pmpcfg(pmp_, csr - priv::csr::kPmpcfg0, value);
  if (changed) mmu_.flush_tlb();
}

}  // namespace rwd::system
