#include "mmu/page_walk.h"

namespace rwd::mmu {
namespace {

constexpr int kPageShift = 12;
constexpr int kVpnBits = 9;
constexpr uint64_t kVpnMask = (uint64_t{1} << kVpnBits) - 1;

WalkResult fault(Cause cause, uint64_t vaddr) {
  WalkResult result;
  result.ok = false;
  result.cause = cause;
  result.tval = vaddr;
  return result;
}

// An address is canonical when the bits above the translated ones copy the top translated bit.
bool is_canonical(uint64_t vaddr, int vaddr_bits) {
  const int unused = 64 - vaddr_bits;
  return static_cast<uint64_t>(static_cast<int64_t>(vaddr << unused) >> unused) == vaddr;
}

bool is_leaf(uint64_t entry) {
  return (entry & (pte::kR | pte::kX)) != 0;
}

// Step 3 of the algorithm, plus the rule that A, D and U are reserved in non-leaf PTEs.
bool is_malformed(uint64_t entry) {
  if ((entry & pte::kV) == 0) return true;
  if ((entry & pte::kR) == 0 && (entry & pte::kW) != 0) return true;
  if ((entry & pte::kReservedMask) != 0) return true;
  if (!is_leaf(entry) && (entry & (pte::kA | pte::kD | pte::kU)) != 0) return true;
  return false;
}

// The accesses a leaf PTE grants at the request's privilege (step 5). Fetches from S-mode
// never reach user pages, whatever SUM says; MXR makes execute-only pages loadable.
AccessPermissions leaf_permissions(uint64_t entry, const WalkRequest& request) {
  const bool user_page = (entry & pte::kU) != 0;
  bool data_reachable;
  bool fetch_reachable;
  if (request.privilege == Privilege::kUser) {
    data_reachable = fetch_reachable = user_page;
  } else {
    data_reachable = !user_page || request.sum;
    fetch_reachable = !user_page;
  }
  AccessPermissions permissions;
  permissions.read =
      data_reachable && ((entry & pte::kR) != 0 || (request.mxr && (entry & pte::kX) != 0));
  permissions.write = data_reachable && (entry & pte::kW) != 0;
  permissions.execute = fetch_reachable && (entry & pte::kX) != 0;
  return permissions;
}

bool pmp_blocks_walk(const WalkRequest& request, uint64_t pte_addr, AccessType walk_access) {
  return request.pmp != nullptr &&
         !pmp_allows(*request.pmp, pte_addr, kPteSize, walk_access, Privilege::kSupervisor);
}

}  // namespace

WalkResult translate(const WalkRequest& request, PageTableMemory& memory) {
  const uint64_t vaddr = request.vaddr;
  const uint64_t mode = request.satp >> satp::kModeShift;

  if (request.privilege == Privilege::kMachine || mode == satp::kModeBare) {
    WalkResult result;
    result.ok = true;
    result.paddr = vaddr;
    result.permissions = kAllPermissions;
    result.dirty = true;  // nothing to record a store in
    return result;
  }

  const Cause page_fault = page_fault_cause(request.access);
  const Cause access_fault = access_fault_cause(request.access);
  int levels;
  if (mode == satp::kModeSv39) {
    levels = 3;
  } else if (mode == satp::kModeSv48) {
    levels = 4;
  } else {
    return fault(page_fault, vaddr);
  }
  if (!is_canonical(vaddr, kPageShift + kVpnBits * levels)) return fault(page_fault, vaddr);

  uint64_t table = (request.satp & satp::kPpnMask) << kPageShift;
  bool global = false;
  for (int level = levels - 1; level >= 0; --level) {
    const int level_shift = kPageShift + kVpnBits * level;
    const uint64_t pte_addr = table + ((vaddr >> level_shift) & kVpnMask) * kPteSize;

    if (pmp_blocks_walk(request, pte_addr, AccessType::kLoad)) return fault(access_fault, vaddr);
    uint64_t entry;
    if (!memory.read_pte(pte_addr, entry)) return fault(access_fault, vaddr);

    // Steps 3-8 for this level. A failed A/D compare-and-store comes back here with the PTE
    // read again (step 2 at the same level), not to the root.
    for (;;) {
      if (is_malformed(entry)) return fault(page_fault, vaddr);
      const uint64_t ppn = (entry >> pte::kPpnShift) & pte::kPpnMask;

      if (!is_leaf(entry)) {
        if (level == 0) return fault(page_fault, vaddr);
        global |= (entry & pte::kG) != 0;
        table = ppn << kPageShift;
        break;
      }

      const AccessPermissions permissions = leaf_permissions(entry, request);
      if (!permissions.allows(request.access)) return fault(page_fault, vaddr);
      const uint64_t page_mask = (uint64_t{1} << level_shift) - 1;
      if (((ppn << kPageShift) & page_mask) != 0) return fault(page_fault, vaddr);  // misaligned

      const bool is_store = request.access == AccessType::kStore;
      const uint64_t updated = entry | pte::kA | (is_store ? pte::kD : 0);
      if (updated != entry) {
        if (pmp_blocks_walk(request, pte_addr, AccessType::kStore)) {
          return fault(access_fault, vaddr);
        }
        if (!memory.update_pte(pte_addr, entry, updated)) {
          uint64_t now;
          // Unchanged yet not stored: the PTE sits in memory that cannot be written.
          if (!memory.read_pte(pte_addr, now) || now == entry) return fault(access_fault, vaddr);
          entry = now;  // changed under us: check the new value from step 3 on
          continue;
        }
      }

      WalkResult result;
      result.ok = true;
      result.translated = true;
      result.paddr = (ppn << kPageShift) | (vaddr & page_mask);
      result.page_size = static_cast<PageSize>(level);
      result.permissions = permissions;
      result.dirty = (updated & pte::kD) != 0;
      result.global = global || (entry & pte::kG) != 0;
      return result;
    }
  }
  // Unreachable: level 0 either returns a leaf, faults, or rejects a pointer.
  return fault(page_fault, vaddr);
}

}  // namespace rwd::mmu
