// Test doubles for the page-table walk: a small physical RAM that page tables are built in, and
// a builder that writes PTEs by hand so each test states exactly what the walk will find.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "mmu/page_walk.h"

namespace rwd::mmu::testing {

inline constexpr uint64_t kPage = 4096;
// RAM of the fake machine; page tables live here. Leaves may point anywhere: the walk never
// touches the pages it maps.
inline constexpr uint64_t kRamBase = 0x8000'0000;
inline constexpr uint64_t kRamSize = 64 * kPage;
// A page of ROM: PTEs can be read from it but A/D updates cannot be stored.
inline constexpr uint64_t kRomBase = 0x1000'0000;
inline constexpr uint64_t kRomSize = kPage;
// An address that is neither RAM nor ROM (MMIO hole).
inline constexpr uint64_t kHoleBase = 0x4000'0000;

class FakePhysicalMemory : public PageTableMemory {
 public:
  bool read_pte(uint64_t paddr, uint64_t& value) override {
    ++reads;
    if (!is_readable(paddr)) return false;
    auto it = words_.find(paddr);
    value = it == words_.end() ? 0 : it->second;
    return true;
  }

  bool update_pte(uint64_t paddr, uint64_t expected, uint64_t desired) override {
    ++update_attempts;
    // Another hart may slip in between the walk's read and this compare-and-store.
    if (before_update) before_update(paddr);
    if (!is_ram(paddr)) return false;
    if (peek(paddr) != expected) return false;
    words_[paddr] = desired;
    ++updates;
    return true;
  }

  // Direct access for building tables and checking results, bypassing the counters.
  void poke(uint64_t paddr, uint64_t value) { words_[paddr] = value; }
  uint64_t peek(uint64_t paddr) const {
    auto it = words_.find(paddr);
    return it == words_.end() ? 0 : it->second;
  }

  int reads = 0;
  int update_attempts = 0;
  int updates = 0;
  std::function<void(uint64_t paddr)> before_update;

 private:
  static bool is_ram(uint64_t paddr) {
    return paddr >= kRamBase && paddr - kRamBase < kRamSize && paddr % 8 == 0;
  }
  static bool is_readable(uint64_t paddr) {
    return is_ram(paddr) || (paddr >= kRomBase && paddr - kRomBase < kRomSize && paddr % 8 == 0);
  }

  std::map<uint64_t, uint64_t> words_;
};

inline uint64_t make_pte(uint64_t paddr, uint64_t flags) {
  return ((paddr >> 12) << pte::kPpnShift) | flags;
}

inline uint64_t make_satp(uint64_t mode, uint64_t root_paddr) {
  return (mode << satp::kModeShift) | (root_paddr >> 12);
}

// Builds page tables in FakePhysicalMemory: page-table pages are handed out from the start of
// RAM, and `map` creates the pointer PTEs down to the requested level.
class PageTableBuilder {
 public:
  PageTableBuilder(FakePhysicalMemory& memory, int levels) : memory_(memory), levels_(levels) {
    root_ = allocate_table();
  }

  uint64_t root() const { return root_; }
  uint64_t satp() const {
    return make_satp(levels_ == 3 ? satp::kModeSv39 : satp::kModeSv48, root_);
  }

  // Maps the page of size 4K << (9 * leaf_level) containing `vaddr` with a leaf PTE holding
  // `leaf_paddr` and `flags` (nothing is aligned for the caller: misaligned superpages are a
  // test case). Returns the physical address of the leaf PTE.
  uint64_t map(uint64_t vaddr, uint64_t leaf_paddr, int leaf_level, uint64_t flags) {
    uint64_t table = root_;
    for (int level = levels_ - 1; level > leaf_level; --level) {
      const uint64_t slot = pte_address(table, vaddr, level);
      uint64_t entry = memory_.peek(slot);
      if ((entry & pte::kV) == 0) {
        entry = make_pte(allocate_table(), pte::kV);
        memory_.poke(slot, entry);
      }
      table = ((entry >> pte::kPpnShift) & pte::kPpnMask) << 12;
    }
    const uint64_t slot = pte_address(table, vaddr, leaf_level);
    memory_.poke(slot, make_pte(leaf_paddr, flags));
    return slot;
  }

  // Physical address of the PTE the walk reads at `level` for `vaddr` (the tables above must
  // already exist).
  uint64_t pte_address_at(uint64_t vaddr, int level) const {
    uint64_t table = root_;
    for (int l = levels_ - 1; l > level; --l) {
      table = ((memory_.peek(pte_address(table, vaddr, l)) >> pte::kPpnShift) & pte::kPpnMask)
              << 12;
    }
    return pte_address(table, vaddr, level);
  }

 private:
  static uint64_t pte_address(uint64_t table, uint64_t vaddr, int level) {
    return table + ((vaddr >> (12 + 9 * level)) & 511) * 8;
  }
  uint64_t allocate_table() {
    const uint64_t table = kRamBase + next_table_ * kPage;
    ++next_table_;
    return table;
  }

  FakePhysicalMemory& memory_;
  int levels_;
  uint64_t root_ = 0;
  uint64_t next_table_ = 0;
};

// Flags of a leaf that has already been accessed and written, so walks do not update it.
inline constexpr uint64_t kAD = pte::kA | pte::kD;
inline constexpr uint64_t kLeafRWX = pte::kV | pte::kR | pte::kW | pte::kX | kAD;

}  // namespace rwd::mmu::testing
