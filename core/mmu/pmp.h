// Physical memory protection (privileged spec v1.12, section 3.7) for RV64: the entries' state,
// the check of one physical access, the WARL rules of the pmpcfg/pmpaddr CSRs, and the question
// a TLB must ask before caching a page (can PMP differ inside it?).
//
// Granularity is 4 bytes (G=0, as QEMU's virt machine), so NA4 is available and pmpaddr reads
// back exactly what was written. Smepmp (mseccfg) is not implemented.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "mmu/access.h"

namespace rwd::mmu {

enum class PmpAddressMode : uint8_t { kOff = 0, kTor = 1, kNa4 = 2, kNapot = 3 };

// Bits of one entry's configuration byte (pmpNcfg).
namespace pmpcfg {
inline constexpr uint8_t kR = 1 << 0, kW = 1 << 1, kX = 1 << 2;
inline constexpr int kModeShift = 3;
inline constexpr uint8_t kModeMask = 3 << kModeShift;
inline constexpr uint8_t kL = 1 << 7;
// Bits 6:5 are reserved and read as zero.
inline constexpr uint8_t kWritableBits = kR | kW | kX | kModeMask | kL;
}  // namespace pmpcfg

// pmpaddr holds physical-address bits 55:2 (RV64, 56-bit physical addresses); bits 63:54 are
// read-only zero.
inline constexpr uint64_t kPmpAddrMask = (uint64_t{1} << 54) - 1;
inline constexpr unsigned kMaxPmpEntries = 64;
// Entries per pmpcfg CSR on RV64; only the even-numbered pmpcfg CSRs exist.
inline constexpr unsigned kPmpEntriesPerCfg = 8;

struct PmpState {
  // Implemented entries (the spec allows 0, 16 or 64; QEMU virt has 16). Entries from this
  // index on read as zero and ignore writes. With 0, PMP restricts nothing.
  unsigned entry_count = 16;
  std::array<uint8_t, kMaxPmpEntries> cfg{};
  std::array<uint64_t, kMaxPmpEntries> addr{};
};

inline PmpAddressMode pmp_address_mode(uint8_t cfg) {
  return static_cast<PmpAddressMode>((cfg & pmpcfg::kModeMask) >> pmpcfg::kModeShift);
}

// Whether the access of `size` bytes (>= 1) at `paddr` is allowed. The lowest-numbered entry
// matching any of its bytes decides; it must match all of them, or the access fails.
bool pmp_allows(const PmpState& state, uint64_t paddr, uint64_t size, AccessType access,
                Privilege privilege);

// The permissions every access at `privilege` inside [base, base + size) gets, when they are
// the same for every access wholly inside that range (one entry covers all of it, or none
// touches it); nullopt when they may differ, in which case a TLB must not cache the page and
// must check each access.
std::optional<AccessPermissions> pmp_uniform_permissions(const PmpState& state, uint64_t base,
                                                         uint64_t size, Privilege privilege);

// CSR access. `cfg_index` is the pmpcfg number (CSR 0x3a0 + cfg_index, 0..15) and `addr_index`
// the pmpaddr number (CSR 0x3b0 + addr_index, 0..63). Odd pmpcfg numbers do not exist on RV64:
// deciding that such an access is illegal is the CSR file's job (pmp_cfg_csr_exists); here they
// read as zero and ignore writes. The writes apply the WARL and lock rules and return whether
// any entry changed (the TLB must then be flushed).
constexpr bool pmp_cfg_csr_exists(unsigned cfg_index) {
  return cfg_index < 16 && cfg_index % 2 == 0;
}
uint64_t read_pmpcfg(const PmpState& state, unsigned cfg_index);
bool write_pmpcfg(PmpState& state, unsigned cfg_index, uint64_t value);
uint64_t read_pmpaddr(const PmpState& state, unsigned addr_index);
bool write_pmpaddr(PmpState& state, unsigned addr_index, uint64_t value);

}  // namespace rwd::mmu
