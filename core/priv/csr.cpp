#include "priv/csr.h"

namespace rwd::priv {

namespace {

constexpr uint64_t kSstatusMask = mstatus::kSIE | mstatus::kSPIE | mstatus::kSPP | mstatus::kFS |
                                  mstatus::kSUM | mstatus::kMXR | mstatus::kUXL | mstatus::kSD;
// Fields software may change in mstatus (the rest are read-only zero or fixed).
constexpr uint64_t kMstatusWritable = mstatus::kSIE | mstatus::kMIE | mstatus::kSPIE |
                                      mstatus::kMPIE | mstatus::kSPP | mstatus::kMPP |
                                      mstatus::kFS | mstatus::kMPRV | mstatus::kSUM |
                                      mstatus::kMXR | mstatus::kTVM | mstatus::kTW | mstatus::kTSR;
// Fields whose change alters address translation.
constexpr uint64_t kMstatusTranslation =
    mstatus::kMPRV | mstatus::kMPP | mstatus::kSUM | mstatus::kMXR;
// Exceptions M-mode may delegate: all but ecall from M (which never reaches S).
constexpr uint64_t kDelegableExceptions = 0xb3ff & ~(1ull << 11);
constexpr uint32_t kSatpModeBare = 0, kSatpModeSv39 = 8, kSatpModeSv48 = 9;
constexpr unsigned kFflagsBits = 5;

// Registers that are plain storage: a write keeps the writable bits, a read returns them.
struct PlainCsr {
  uint32_t number;
  uint64_t PrivState::*field;
  uint64_t writable;
};
constexpr PlainCsr kPlainCsrs[] = {
    {csr::kScounteren, &PrivState::scounteren, 0xffffffff},
    {csr::kSenvcfg, &PrivState::senvcfg, 1},  // FIOM only
    {csr::kSscratch, &PrivState::sscratch, ~0ull},
    {csr::kSepc, &PrivState::sepc, ~1ull},  // IALIGN is 16: bit 0 is always zero
    {csr::kScause, &PrivState::scause, ~0ull},
    {csr::kStval, &PrivState::stval, ~0ull},
    {csr::kMedeleg, &PrivState::medeleg, kDelegableExceptions},
    {csr::kMcounteren, &PrivState::mcounteren, 0xffffffff},
    {csr::kMenvcfg, &PrivState::menvcfg, 1},
    {csr::kMcountinhibit, &PrivState::mcountinhibit, 0xfffffffd},  // TM does not exist
    {csr::kMscratch, &PrivState::mscratch, ~0ull},
    {csr::kMepc, &PrivState::mepc, ~1ull},
    {csr::kMcause, &PrivState::mcause, ~0ull},
    {csr::kMtval, &PrivState::mtval, ~0ull},
};

const PlainCsr* find_plain(uint32_t n) {
  for (const PlainCsr& c : kPlainCsrs) {
    if (c.number == n) return &c;
  }
  return nullptr;
}

bool is_counter(uint32_t n) {
  return n >= csr::kCycle && n <= csr::kHpm31;
}
bool is_fp(uint32_t n) {
  return n >= csr::kFflags && n <= csr::kFcsr;
}

bool counter_visible(const PrivState& s, uint32_t n) {
  const uint64_t bit = 1ull << (n - csr::kCycle);
  if (s.priv == Priv::kMachine) return true;
  if (!(s.mcounteren & bit)) return false;
  return s.priv == Priv::kSupervisor || (s.scounteren & bit);
}

bool known(uint32_t n) {
  switch (n) {
    case csr::kSstatus:
    case csr::kSie:
    case csr::kStvec:
    case csr::kSip:
    case csr::kSatp:
    case csr::kMstatus:
    case csr::kMisa:
    case csr::kMideleg:
    case csr::kMie:
    case csr::kMtvec:
    case csr::kMip:
    case csr::kMcycle:
    case csr::kMinstret:
    case csr::kMvendorid:
    case csr::kMarchid:
    case csr::kMimpid:
    case csr::kMhartid:
    case csr::kMconfigptr:
      return true;
    default:
      break;
  }
  if (is_fp(n) || is_counter(n) || find_plain(n)) return true;
  if (n >= csr::kMhpmcounter3 && n <= csr::kMhpmcounter31) return true;
  if (n >= csr::kMhpmevent3 && n <= csr::kMhpmevent31) return true;
  if (n >= csr::kPmpaddr0 && n <= csr::kPmpaddr63) return true;
  // RV64 has only the even pmpcfg registers.
  return n >= csr::kPmpcfg0 && n <= csr::kPmpcfg15 && (n & 1) == 0;
}

// xtvec: MODE 0 (direct) and 1 (vectored) only; a write with a reserved mode keeps the old
// value, as QEMU does.
uint64_t legal_tvec(uint64_t old_value, uint64_t value) {
  return (value & 3) >= 2 ? old_value : value;
}

uint64_t legal_mstatus(uint64_t old_value, uint64_t value) {
  uint64_t next = (old_value & ~kMstatusWritable) | (value & kMstatusWritable);
  // MPP = 2 is reserved (no H mode): keep the old mode.
  if (((next & mstatus::kMPP) >> mstatus::kMPPShift) == 2) {
    next = (next & ~mstatus::kMPP) | (old_value & mstatus::kMPP);
  }
  return next;
}

}  // namespace

uint64_t read_mstatus(const PrivState& s) {
  uint64_t v = s.mstatus | (2ull << 32) | (2ull << 34);  // UXL = SXL = 64-bit
  if ((v & mstatus::kFS) == mstatus::kFS) v |= mstatus::kSD;
  return v;
}

bool csr_access_legal(const PrivState& s, uint32_t n, bool writes) {
  if (!known(n)) return false;
  const unsigned min_priv = (n >> 8) & 3;
  if (unsigned(s.priv) < min_priv) return false;
  if (writes && ((n >> 10) & 3) == 3) return false;  // read-only range
  if (n == csr::kSatp && s.priv == Priv::kSupervisor && (s.mstatus & mstatus::kTVM)) {
    return false;
  }
  if (is_counter(n) && !counter_visible(s, n)) return false;
  if (is_fp(n) && (s.mstatus & mstatus::kFS) == 0) return false;
  return true;
}

uint64_t csr_read(const PrivState& s, const CsrEnv& env, uint32_t n) {
  if (const PlainCsr* plain = find_plain(n)) return s.*(plain->field);
  switch (n) {
    case csr::kFflags:
      return *env.fflags;
    case csr::kFrm:
      return *env.frm;
    case csr::kFcsr:
      return *env.fflags | (*env.frm << kFflagsBits);
    case csr::kCycle:
    case csr::kMcycle:
      return env.retired + s.mcycle_offset;
    case csr::kInstret:
    case csr::kMinstret:
      return env.retired + s.minstret_offset;
    case csr::kTime:
      return env.time_ticks;
    case csr::kSstatus:
      return read_mstatus(s) & kSstatusMask;
    case csr::kSie:
      return s.mie & s.mideleg;
    case csr::kSip:
      return s.pending() & s.mideleg;
    case csr::kStvec:
      return s.stvec;
    case csr::kMtvec:
      return s.mtvec;
    case csr::kSatp:
      return s.satp;
    case csr::kMstatus:
      return read_mstatus(s);
    case csr::kMisa:
      return kMisa;
    case csr::kMideleg:
      return s.mideleg;
    case csr::kMie:
      return s.mie;
    case csr::kMip:
      return s.pending();
    case csr::kMhartid:
      return s.hart_id;
    default:
      break;
  }
  if ((n >= csr::kPmpcfg0 && n <= csr::kPmpaddr63) && env.pmp) return env.pmp->read_csr(n);
  return 0;  // hpm counters and events, ids, mconfigptr, PMP without entries
}

uint32_t csr_write(PrivState& s, CsrEnv& env, uint32_t n, uint64_t v) {
  constexpr uint64_t kSatpModeShift = 60, kSatpPpnBits = 44;
  if (const PlainCsr* plain = find_plain(n)) {
    s.*(plain->field) = v & plain->writable;
    return kEffectNone;
  }
  switch (n) {
    case csr::kFflags:
    case csr::kFrm:
    case csr::kFcsr:
      if (n != csr::kFrm) *env.fflags = uint32_t(v & 0x1f);
      if (n == csr::kFrm) *env.frm = uint32_t(v & 7);
      if (n == csr::kFcsr) *env.frm = uint32_t((v >> kFflagsBits) & 7);
      s.mstatus |= mstatus::kFSDirty;
      return kEffectNone;
    case csr::kMcycle:
      s.mcycle_offset = v - env.retired;
      return kEffectNone;
    case csr::kMinstret:
      s.minstret_offset = v - env.retired;
      return kEffectNone;
    case csr::kSstatus:
    case csr::kMstatus: {
      const uint64_t mask = n == csr::kSstatus ? kSstatusMask : ~0ull;
      const uint64_t old_value = s.mstatus;
      s.mstatus = legal_mstatus(old_value, (old_value & ~mask) | (v & mask));
      uint32_t effects = kEffectCheckInterrupts;
      if ((old_value ^ s.mstatus) & kMstatusTranslation) effects |= kEffectFlushTlb;
      return effects;
    }
    case csr::kSie:
      s.mie = (s.mie & ~s.mideleg) | (v & s.mideleg);
      return kEffectCheckInterrupts;
    case csr::kSip: {
      // Only SSIP is writable through sip, and only when delegated.
      const uint64_t writable = s.mideleg & (1ull << irq::kSSI);
      s.mip = (s.mip & ~writable) | (v & writable);
      return kEffectCheckInterrupts;
    }
    case csr::kStvec:
      s.stvec = legal_tvec(s.stvec, v);
      return kEffectNone;
    case csr::kSatp: {
      const uint64_t mode = v >> kSatpModeShift;
      // Unsupported modes leave satp unchanged (WARL); ASIDs are not implemented (ASIDLEN 0).
      if (mode != kSatpModeBare && mode != kSatpModeSv39 && mode != kSatpModeSv48) {
        return kEffectNone;
      }
      s.satp =
          mode == kSatpModeBare ? 0 : (mode << kSatpModeShift) | (v & ((1ull << kSatpPpnBits) - 1));
      return kEffectFlushTlb;
    }
    case csr::kMideleg:
      s.mideleg = v & irq::kSMask;
      return kEffectCheckInterrupts;
    case csr::kMie:
      s.mie = v & (irq::kSMask | irq::kMMask);
      return kEffectCheckInterrupts;
    case csr::kMip:
      s.mip = v & irq::kSMask;  // MSIP/MTIP/MEIP are driven by devices only
      return kEffectCheckInterrupts;
    case csr::kMtvec:
      s.mtvec = legal_tvec(s.mtvec, v);
      return kEffectNone;
    default:
      break;
  }
  if (n >= csr::kPmpcfg0 && n <= csr::kPmpaddr63 && env.pmp) {
    env.pmp->write_csr(n, v);
    return kEffectFlushTlb;
  }
  return kEffectNone;  // hpm counters and events: read-only zero
}

}  // namespace rwd::priv
