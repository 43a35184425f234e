#include "priv/trap.h"

namespace rwd::priv {

namespace {

uint64_t set_field(uint64_t reg, uint64_t mask, bool on) {
  return on ? reg | mask : reg & ~mask;
}

uint64_t handler_pc(uint64_t tvec, uint64_t cause) {
  const uint64_t base = tvec & ~3ull;
  const bool vectored = (tvec & 3) == 1;
  if (vectored && (cause & kInterruptBit)) return base + 4 * (cause & ~kInterruptBit);
  return base;
}

}  // namespace

uint64_t enter_trap(PrivState& s, uint64_t pc, uint64_t cause, uint64_t tval) {
  const bool interrupt = cause & kInterruptBit;
  const uint64_t code = cause & ~kInterruptBit;
  const uint64_t deleg = interrupt ? s.mideleg : s.medeleg;
  const bool to_supervisor = s.priv != Priv::kMachine && code < 64 && ((deleg >> code) & 1);
  if (to_supervisor) {
    s.sepc = pc;
    s.scause = cause;
    s.stval = tval;
    s.mstatus = set_field(s.mstatus, mstatus::kSPIE, s.mstatus & mstatus::kSIE);
    s.mstatus &= ~mstatus::kSIE;
    s.mstatus = set_field(s.mstatus, mstatus::kSPP, s.priv == Priv::kSupervisor);
    s.priv = Priv::kSupervisor;
    return handler_pc(s.stvec, cause);
  }
  s.mepc = pc;
  s.mcause = cause;
  s.mtval = tval;
  s.mstatus = set_field(s.mstatus, mstatus::kMPIE, s.mstatus & mstatus::kMIE);
  s.mstatus &= ~mstatus::kMIE;
  s.mstatus = (s.mstatus & ~mstatus::kMPP) | (uint64_t(s.priv) << mstatus::kMPPShift);
  s.priv = Priv::kMachine;
  return handler_pc(s.mtvec, cause);
}

std::optional<uint64_t> return_from_machine(PrivState& s) {
  if (s.priv != Priv::kMachine) return std::nullopt;
  const auto previous = Priv((s.mstatus & mstatus::kMPP) >> mstatus::kMPPShift);
  s.mstatus = set_field(s.mstatus, mstatus::kMIE, s.mstatus & mstatus::kMPIE);
  s.mstatus |= mstatus::kMPIE;
  s.mstatus &= ~mstatus::kMPP;  // the least-privileged mode, U
  if (previous != Priv::kMachine) s.mstatus &= ~mstatus::kMPRV;
  s.priv = previous;
  return s.mepc;
}

std::optional<uint64_t> return_from_supervisor(PrivState& s) {
  if (s.priv == Priv::kUser) return std::nullopt;
  if (s.priv == Priv::kSupervisor && (s.mstatus & mstatus::kTSR)) return std::nullopt;
  const Priv previous = (s.mstatus & mstatus::kSPP) ? Priv::kSupervisor : Priv::kUser;
  s.mstatus = set_field(s.mstatus, mstatus::kSIE, s.mstatus & mstatus::kSPIE);
  s.mstatus |= mstatus::kSPIE;
  s.mstatus &= ~mstatus::kSPP;
  s.mstatus &= ~mstatus::kMPRV;  // the previous mode is never M here
  s.priv = previous;
  return s.sepc;
}

std::optional<uint64_t> interrupt_to_take(const PrivState& s) {
  const uint64_t ready = s.pending() & s.mie;
  if (!ready) return std::nullopt;
  const bool m_enabled = s.priv != Priv::kMachine || (s.mstatus & mstatus::kMIE);
  const bool s_enabled =
      s.priv == Priv::kUser || (s.priv == Priv::kSupervisor && (s.mstatus & mstatus::kSIE));
  // Interrupts not delegated go to M; delegated ones go to S and are masked while in M.
  uint64_t takeable = 0;
  if (m_enabled) takeable |= ready & ~s.mideleg;
  if (s_enabled) takeable |= ready & s.mideleg;
  static constexpr unsigned kPriority[] = {irq::kMEI, irq::kMSI, irq::kMTI,
                                           irq::kSEI, irq::kSSI, irq::kSTI};
  for (unsigned i : kPriority) {
    if ((takeable >> i) & 1) return kInterruptBit | i;
  }
  return std::nullopt;
}

bool wfi_should_wake(const PrivState& s) {
  return (s.pending() & s.mie) != 0;
}

bool wfi_legal(const PrivState& s) {
  if (s.priv == Priv::kMachine) return true;
  return s.priv == Priv::kSupervisor && !(s.mstatus & mstatus::kTW);
}

bool sfence_vma_legal(const PrivState& s) {
  if (s.priv == Priv::kMachine) return true;
  return s.priv == Priv::kSupervisor && !(s.mstatus & mstatus::kTVM);
}

}  // namespace rwd::priv
