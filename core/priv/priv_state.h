// Privileged architecture state of one hart (privileged spec v1.12): privilege mode and the
// machine/supervisor CSRs that are plain storage. Lives inside CpuState so that helpers called
// from translated code reach it through the same pointer. Logic is in csr.h and trap.h.
#pragma once

#include <cstdint>

namespace rwd::priv {

enum class Priv : uint8_t { kUser = 0, kSupervisor = 1, kMachine = 3 };

// mstatus fields (RV64).
namespace mstatus {
inline constexpr uint64_t kSIE = 1ull << 1, kMIE = 1ull << 3, kSPIE = 1ull << 5, kMPIE = 1ull << 7,
                          kSPP = 1ull << 8, kMPP = 3ull << 11, kFS = 3ull << 13, kMPRV = 1ull << 17,
                          kSUM = 1ull << 18, kMXR = 1ull << 19, kTVM = 1ull << 20, kTW = 1ull << 21,
                          kTSR = 1ull << 22, kUXL = 3ull << 32, kSXL = 3ull << 34, kSD = 1ull << 63;
inline constexpr int kMPPShift = 11, kFSShift = 13;
inline constexpr uint64_t kFSDirty = 3ull << kFSShift;
}  // namespace mstatus

// Interrupt numbers: bits of mip/mie and the cause code of an interrupt.
namespace irq {
inline constexpr unsigned kSSI = 1, kMSI = 3, kSTI = 5, kMTI = 7, kSEI = 9, kMEI = 11;
inline constexpr uint64_t kSMask = (1ull << kSSI) | (1ull << kSTI) | (1ull << kSEI);
inline constexpr uint64_t kMMask = (1ull << kMSI) | (1ull << kMTI) | (1ull << kMEI);
}  // namespace irq

struct PrivState {
  Priv priv = Priv::kMachine;
  uint64_t hart_id = 0;
  uint64_t mstatus = 0;
  uint64_t medeleg = 0, mideleg = 0;
  uint64_t mie = 0;
  // Software-writable pending bits (SSIP, STIP, SEIP as written by M-mode). The bits devices
  // drive (MSIP, MTIP, SEIP, MEIP) are in `mip_external`; mip reads as the union.
  uint64_t mip = 0;
  uint64_t mip_external = 0;
  uint64_t mtvec = 0, mscratch = 0, mepc = 0, mcause = 0, mtval = 0;
  uint64_t mcounteren = 0, scounteren = 0, mcountinhibit = 0;
  uint64_t menvcfg = 0, senvcfg = 0;
  uint64_t stvec = 0, sscratch = 0, sepc = 0, scause = 0, stval = 0;
  uint64_t satp = 0;
  // mcycle/minstret are the retired-instruction count plus these (a write sets them).
  uint64_t mcycle_offset = 0, minstret_offset = 0;

  uint64_t pending() const { return mip | mip_external; }
};

}  // namespace rwd::priv
