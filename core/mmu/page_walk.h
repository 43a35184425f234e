// The Sv39/Sv48 page-table walk (privileged spec v1.12, section 4.3.2 with LEVELS 3 and 4),
// run by a software MMU when its TLB misses. It reads and updates PTEs through
// PageTableMemory, so it works on any physical-memory model, and reports guest faults as
// ordinary results.
//
// Not handled here: the PMP and PMA checks of the translated access itself (the caller knows
// its size; see pmp.h), and satp WARL legalisation (an unsupported MODE is never written, so
// Sv57 never reaches the walk).
#pragma once

#include <cstdint>

#include "mmu/access.h"
#include "mmu/pmp.h"

namespace rwd::mmu {

namespace satp {
inline constexpr int kModeShift = 60;
inline constexpr uint64_t kModeBare = 0, kModeSv39 = 8, kModeSv48 = 9, kModeSv57 = 10;
inline constexpr uint64_t kPpnMask = (uint64_t{1} << 44) - 1;
}  // namespace satp

namespace pte {
inline constexpr uint64_t kV = 1 << 0, kR = 1 << 1, kW = 1 << 2, kX = 1 << 3, kU = 1 << 4,
                          kG = 1 << 5, kA = 1 << 6, kD = 1 << 7;
// Bits 9:8 (RSW) are left to supervisor software and ignored by the walk.
inline constexpr int kPpnShift = 10;
inline constexpr uint64_t kPpnMask = (uint64_t{1} << 44) - 1;  // after the shift
// Bits 63:54: N (Svnapot), PBMT (Svpbmt) and bits reserved for future use. Neither extension
// is implemented, so all of them must be zero.
inline constexpr uint64_t kReservedMask = ~uint64_t{0} << 54;
}  // namespace pte

inline constexpr uint64_t kPteSize = 8;

// Physical memory as the walk sees it: 8-byte, naturally aligned PTE accesses.
class PageTableMemory {
 public:
  virtual ~PageTableMemory() = default;
  // False when `paddr` is not memory a PTE may live in (not RAM): the walk raises an access
  // fault.
  virtual bool read_pte(uint64_t paddr, uint64_t& value) = 0;
  // Atomically: if the PTE at `paddr` still holds `expected`, store `desired` and return true.
  // Returns false without storing when the PTE changed since it was read, or when `paddr`
  // cannot be stored to; the walk reads the PTE again to tell the two apart.
  virtual bool update_pte(uint64_t paddr, uint64_t expected, uint64_t desired) = 0;
};

struct WalkRequest {
  uint64_t satp = 0;
  uint64_t vaddr = 0;
  AccessType access = AccessType::kLoad;
  Privilege privilege = Privilege::kSupervisor;  // effective privilege of the access
  bool sum = false;                              // mstatus.SUM
  bool mxr = false;                              // mstatus.MXR
  // The PMP state the walk's own PTE reads and A/D stores are checked against (as S-mode
  // accesses); null when the hart has no PMP.
  const PmpState* pmp = nullptr;
};

// Size of the page a leaf PTE maps, by the level it was found at.
enum class PageSize : uint8_t { k4K = 0, k2M = 1, k1G = 2, k512G = 3 };

constexpr uint64_t page_bytes(PageSize size) {
  return uint64_t{1} << (12 + 9 * static_cast<unsigned>(size));
}

struct WalkResult {
  bool ok = false;

  // On failure: the exception. tval is the faulting virtual address.
  Cause cause = Cause::kLoadPageFault;
  uint64_t tval = 0;

  // On success: the physical address of `vaddr` and what a TLB may cache for the whole page
  // (the page-size-aligned block around vaddr) at this privilege and SUM/MXR.
  uint64_t paddr = 0;
  PageSize page_size = PageSize::k4K;
  // Which access types succeed through this page without another walk, given U, SUM and MXR.
  // `write` does not depend on D: see `dirty`.
  AccessPermissions permissions;
  // The leaf PTE's D bit (after this walk's update). A store through a cached entry whose
  // dirty is false must walk again so that D gets set.
  bool dirty = false;
  // G on the leaf or on any PTE above it: the mapping belongs to every address space.
  bool global = false;
  // False when no translation happened (Bare mode or M-mode): paddr equals vaddr.
  bool translated = false;
};

constexpr bool satp_mode_supported(uint64_t mode) {
  return mode == satp::kModeBare || mode == satp::kModeSv39 || mode == satp::kModeSv48;
}

// Translates request.vaddr, setting A (and D for stores) in the leaf PTE as hardware would.
// An unsupported satp MODE (never produced by a legal satp write) fails with a page fault.
WalkResult translate(const WalkRequest& request, PageTableMemory& memory);

}  // namespace rwd::mmu
