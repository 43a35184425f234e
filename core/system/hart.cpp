#include "system/hart.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "frontend/helper_ids.h"
#include "priv/trap.h"

namespace rwd::system {

Hart::Hart(uint64_t hart_id, PhysicalBus& bus, std::function<uint64_t(uint64_t)> mtime_at)
    : cpu_(std::make_unique<CpuState>()),
      bus_(bus),
      mmu_(bus, *cpu_, state_, pmp_, debug_),
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

namespace {

constexpr uint8_t kHartStateVersion = 1;

// The PrivState CSRs that are plain 64-bit storage, in the order save writes them; a new
// field goes at the end with a new state version.
template <typename State, typename F>
void for_each_csr_field(State& s, F&& f) {
  for (auto* field : {&s.mstatus, &s.medeleg, &s.mideleg, &s.mie, &s.mip, &s.mip_external,
                      &s.mtvec, &s.mscratch, &s.mepc, &s.mcause, &s.mtval, &s.mcounteren,
                      &s.scounteren, &s.mcountinhibit, &s.menvcfg, &s.senvcfg, &s.stvec,
                      &s.sscratch, &s.sepc, &s.scause, &s.stval, &s.satp, &s.mcycle_offset,
                      &s.minstret_offset}) {
    f(*field);
  }
}

}  // namespace

void Hart::save(dev::StateWriter& out) const {
  const CpuState& cpu = *cpu_;
  out.u8(kHartStateVersion);
  for (uint64_t x : cpu.x) out.u64(x);
  for (uint64_t f : cpu.f) out.u64(f);
  out.u64(cpu.pc);
  out.u32(cpu.fflags);
  out.u32(cpu.frm);
  out.u64(cpu.reservation_addr);
  out.u64(cpu.reservation_value);
  out.u64(cpu.icount);
  out.u8(uint8_t(state_.priv));
  out.u64(state_.hart_id);
  for_each_csr_field(state_, [&](const uint64_t& v) { out.u64(v); });
  out.u32(pmp_.entry_count);
  out.bytes(pmp_.cfg.data(), pmp_.cfg.size());
  for (uint64_t a : pmp_.addr) out.u64(a);
  out.boolean(waiting_);
}

void Hart::load(dev::StateReader& in) {
  const uint8_t version = in.u8();
  if (version != kHartStateVersion) {
    throw dev::StateError("hart: unsupported state version " + std::to_string(version));
  }
  // Decoded into copies first, so a malformed state leaves the hart as it was.
  // Not a CpuState: that holds the TLB and is too large for the stack.
  struct {
    uint64_t x[32], f[32], pc;
    uint32_t fflags, frm;
    uint64_t reservation_addr, reservation_value, icount;
  } regs{};
  for (uint64_t& x : regs.x) x = in.u64();
  for (uint64_t& f : regs.f) f = in.u64();
  regs.pc = in.u64();
  regs.fflags = in.u32();
  regs.frm = in.u32();
  regs.reservation_addr = in.u64();
  regs.reservation_value = in.u64();
  regs.icount = in.u64();
  if (regs.x[0] != 0) throw dev::StateError("hart: x0 is not zero");
  if (regs.fflags > 0x1f) throw dev::StateError("hart: bad fflags");
  if (regs.frm > 7) throw dev::StateError("hart: bad frm");
  if (regs.pc & 1) throw dev::StateError("hart: misaligned pc");

  priv::PrivState state;
  const uint8_t mode = in.u8();
  if (mode != uint8_t(priv::Priv::kUser) && mode != uint8_t(priv::Priv::kSupervisor) &&
      mode != uint8_t(priv::Priv::kMachine)) {
    throw dev::StateError("hart: bad privilege mode " + std::to_string(mode));
  }
  state.priv = priv::Priv(mode);
  state.hart_id = in.u64();
  if (state.hart_id != state_.hart_id) throw dev::StateError("hart: state is for another hart");
  for_each_csr_field(state, [&](uint64_t& v) { v = in.u64(); });

  mmu::PmpState pmp;
  pmp.entry_count = in.u32();
  if (pmp.entry_count != pmp_.entry_count) throw dev::StateError("hart: PMP entry count differs");
  in.bytes(pmp.cfg.data(), pmp.cfg.size());
  for (uint64_t& a : pmp.addr) a = in.u64();
  for (unsigned i = 0; i < mmu::kMaxPmpEntries; ++i) {
    // What the CSR writes' WARL rules could have produced, nothing else.
    if ((pmp.cfg[i] & ~mmu::pmpcfg::kWritableBits) || (pmp.addr[i] & ~mmu::kPmpAddrMask) ||
        (i >= pmp.entry_count && (pmp.cfg[i] || pmp.addr[i]))) {
      throw dev::StateError("hart: bad PMP entry " + std::to_string(i));
    }
  }
  const bool waiting = in.boolean();

  CpuState& cpu = *cpu_;
  std::copy(std::begin(regs.x), std::end(regs.x), std::begin(cpu.x));
  std::copy(std::begin(regs.f), std::end(regs.f), std::begin(cpu.f));
  cpu.pc = regs.pc;
  cpu.fflags = regs.fflags;
  cpu.frm = regs.frm;
  cpu.reservation_addr = regs.reservation_addr;
  cpu.reservation_value = regs.reservation_value;
  cpu.icount = regs.icount;
  cpu.icount_limit = regs.icount;
  cpu.exit_requests = 0;
  state_ = state;
  pmp_ = pmp;
  waiting_ = waiting;
  code_invalidation_requested_ = false;
  // After state_ is in place: the flush records the satp and MXR the TLB is now filled under.
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
  priv::CsrEnv env = csr_env(retired);
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
  apply_csr_effects(priv::csr_write(state_, env, number, updated));
  return old;
}

void Hart::apply_csr_effects(uint32_t effects) {
  if (effects & priv::kEffectFlushTlb) mmu_.mapping_may_have_changed();
  if (effects & priv::kEffectCheckInterrupts) cpu_->exit_requests |= kExitToMachine;
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

priv::CsrEnv Hart::csr_env(uint64_t retired) {
  CpuState& cpu = *cpu_;
  return priv::CsrEnv{retired, mtime_at_(retired), &cpu.fflags, &cpu.frm, this};
}

uint64_t Hart::debug_read_csr(uint32_t number) {
  priv::CsrEnv env = csr_env(cpu_->icount);
  return priv::csr_read(state_, env, number);
}

void Hart::debug_write_csr(uint32_t number, uint64_t value) {
  priv::CsrEnv env = csr_env(cpu_->icount);
  apply_csr_effects(priv::csr_write(state_, env, number, value));
}

void Hart::debug_breakpoint(CpuState& cpu, uint64_t pc) {
  if (debug_.stops_at(pc)) raise_exception(cpu, Cause::kDebugBreakpoint, pc);
}

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
