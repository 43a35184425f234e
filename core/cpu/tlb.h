// The software TLB of system mode, kept inside CpuState so translated code reaches it from its
// pinned CpuState pointer and looks up guest addresses inline (see docs/ARCHITECTURE.md,
// "Software MMU").
#pragma once

#include <cstdint>

namespace rwd {

// Which TLB a data access uses: one per combination of effective privilege and mstatus.SUM,
// so neither a trap nor Linux's SUM toggling around user copies has to flush anything.
enum TlbMode : uint32_t {
  kTlbUser = 0,
  kTlbSupervisor = 1,
  kTlbSupervisorSum = 2,  // S mode with mstatus.SUM: may also load/store U pages
  kTlbMachine = 3,        // M mode without MPRV: physical addresses
  kTlbModes = 4,
};

// One direct-mapped entry for loads and stores. Each tag is the page-aligned guest virtual
// address for which the access kind hits, or kTlbInvalidTag. A hit's host address is guest
// address + host_offset. Pages that must not be accessed inline (MMIO, pages with translated
// code for stores, pages with non-uniform PMP) get an invalid tag for that kind, so the access
// takes the slow path. (Instruction fetch has a TLB of its own in the soft MMU, so code and
// data pages never evict each other.)
struct TlbEntry {
  uint64_t read_tag;
  uint64_t write_tag;
  uint64_t host_offset;
  uint64_t phys_page;  // the guest physical page, for the slow path
};

inline constexpr unsigned kTlbEntryBits = 10;
inline constexpr unsigned kTlbEntries = 1u << kTlbEntryBits;
inline constexpr unsigned kTlbPageBits = 12;
// All ones: its low bits are set, and a lookup key never has them set, so it never matches.
inline constexpr uint64_t kTlbInvalidTag = ~uint64_t{0};

inline constexpr unsigned tlb_index(uint64_t vaddr) {
  return unsigned(vaddr >> kTlbPageBits) & (kTlbEntries - 1);
}

struct Tlb {
  TlbEntry entries[kTlbModes][kTlbEntries];
};

}  // namespace rwd
