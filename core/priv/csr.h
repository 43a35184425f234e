// Control and status registers of the full-system machine: which accesses are legal from which
// privilege mode, the WARL rules of every writable field, and what a write changes beyond the
// register itself (the TLB, pending interrupts).
#pragma once

#include <cstdint>

#include "priv/priv_state.h"

namespace rwd::priv {

// CSR numbers this machine implements (privileged spec v1.12, tables 2.2-2.5).
namespace csr {
inline constexpr uint32_t kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003;
inline constexpr uint32_t kCycle = 0xc00, kTime = 0xc01, kInstret = 0xc02, kHpm3 = 0xc03,
                          kHpm31 = 0xc1f;
inline constexpr uint32_t kSstatus = 0x100, kSie = 0x104, kStvec = 0x105, kScounteren = 0x106,
                          kSenvcfg = 0x10a, kSscratch = 0x140, kSepc = 0x141, kScause = 0x142,
                          kStval = 0x143, kSip = 0x144, kSatp = 0x180;
inline constexpr uint32_t kMstatus = 0x300, kMisa = 0x301, kMedeleg = 0x302, kMideleg = 0x303,
                          kMie = 0x304, kMtvec = 0x305, kMcounteren = 0x306, kMenvcfg = 0x30a,
                          kMcountinhibit = 0x320, kMhpmevent3 = 0x323, kMhpmevent31 = 0x33f,
                          kMscratch = 0x340, kMepc = 0x341, kMcause = 0x342, kMtval = 0x343,
                          kMip = 0x344, kPmpcfg0 = 0x3a0, kPmpcfg15 = 0x3af, kPmpaddr0 = 0x3b0,
                          kPmpaddr63 = 0x3ef;
inline constexpr uint32_t kMcycle = 0xb00, kMinstret = 0xb02, kMhpmcounter3 = 0xb03,
                          kMhpmcounter31 = 0xb1f;
inline constexpr uint32_t kMvendorid = 0xf11, kMarchid = 0xf12, kMimpid = 0xf13, kMhartid = 0xf14,
                          kMconfigptr = 0xf15;
}  // namespace csr

// misa of this machine: RV64 IMAFDC with S and U modes.
inline constexpr uint64_t kMisa = (2ull << 62) | (1u << ('A' - 'A')) | (1u << ('C' - 'A')) |
                                  (1u << ('D' - 'A')) | (1u << ('F' - 'A')) | (1u << ('I' - 'A')) |
                                  (1u << ('M' - 'A')) | (1u << ('S' - 'A')) | (1u << ('U' - 'A'));

// PMP registers are kept by the MMU; the CSR file forwards their accesses.
class PmpRegisters {
 public:
  virtual ~PmpRegisters() = default;
  virtual uint64_t read_csr(uint32_t csr) const = 0;
  virtual void write_csr(uint32_t csr, uint64_t value) = 0;
};

// What a CSR access sees besides PrivState.
struct CsrEnv {
  uint64_t retired = 0;     // instructions retired before the accessing one
  uint64_t time_ticks = 0;  // the platform timer (mtime)
  uint32_t* fflags = nullptr;
  uint32_t* frm = nullptr;
  PmpRegisters* pmp = nullptr;  // null: no PMP entries (pmp CSRs read 0, ignore writes)
};

// Consequences of a write that the execution loop must act on.
enum CsrEffect : uint32_t {
  kEffectNone = 0,
  kEffectFlushTlb = 1 << 0,         // translations (satp, MPRV/MPP/SUM/MXR) changed
  kEffectCheckInterrupts = 1 << 1,  // an interrupt may now be pending and enabled
};

// Legality of an access from the current privilege mode (before reading or writing):
// unknown CSR, too little privilege, a write to a read-only CSR, satp under TVM, a counter
// that mcounteren/scounteren hide, an FP CSR with mstatus.FS off. Illegal accesses raise an
// illegal-instruction exception and change nothing.
bool csr_access_legal(const PrivState& s, uint32_t number, bool writes);

// Read and write; call only after csr_access_legal. Writes apply the WARL rules.
uint64_t csr_read(const PrivState& s, const CsrEnv& env, uint32_t number);
uint32_t csr_write(PrivState& s, CsrEnv& env, uint32_t number, uint64_t value);

// mstatus as software reads it: SD summarises FS, UXL/SXL fixed at 64 bits.
uint64_t read_mstatus(const PrivState& s);

}  // namespace rwd::priv
