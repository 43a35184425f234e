// Translated blocks keyed by guest pc, with invalidation by guest address range. Shared by all
// tiers; T is the tier's compiled form of a block.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace rwd {

template <typename T>
class BlockCache {
 public:
  // Most lookups hit the small direct-mapped array; the hash map is the backing store.
  T* find(uint64_t pc) {
    FastEntry& fast = fast_[(pc >> 1) & (kFastEntries - 1)];
    if (fast.pc == pc && fast.block) return fast.block;
    auto it = blocks_.find(pc);
    if (it == blocks_.end()) return nullptr;
    fast = {pc, it->second.get()};
    return fast.block;
  }

  // A block may end with an instruction that runs into the next page, so it is indexed under
  // every page it touches.
  T* insert(uint64_t pc, uint64_t size_bytes, std::unique_ptr<T> block) {
    T* raw = block.get();
    blocks_[pc] = Entry{std::move(block), size_bytes};
    fast_[(pc >> 1) & (kFastEntries - 1)] = {pc, raw};
    for (uint64_t page = pc >> kPageBits; page <= (pc + size_bytes - 1) >> kPageBits; ++page) {
      pages_[page].push_back(pc);
    }
    return raw;
  }

  void invalidate(uint64_t start, uint64_t len) {
    invalidate(start, len, [](T&) {});
  }

  // As above; `on_remove` sees each block just before it is destroyed (the JIT unlinks jumps
  // into it).
  template <typename OnRemove>
  void invalidate(uint64_t start, uint64_t len, OnRemove&& on_remove) {
    if (len == 0) return;
    fast_.fill({});
    const uint64_t end = start + len < start ? ~uint64_t{0} : start + len;
    auto overlaps = [&](uint64_t pc, const Entry& e) { return pc < end && start < pc + e.size_bytes; };
    const uint64_t first_page = start >> kPageBits, last_page = (end - 1) >> kPageBits;
    if (last_page - first_page >= blocks_.size()) {
      // Cheaper to scan every block than every page of a huge range (munmap of a big region).
      std::erase_if(blocks_, [&](const auto& kv) {
        if (!overlaps(kv.first, kv.second)) return false;
        on_remove(*kv.second.block);
        return true;
      });
      return;
    }
    for (uint64_t page = first_page; page <= last_page; ++page) {
      auto it = pages_.find(page);
      if (it == pages_.end()) continue;
      // Keep the pcs of blocks that survive; pcs of blocks erased through another page's list
      // go too. Stale pcs in other pages' lists only cost a failed lookup later.
      std::erase_if(it->second, [&](uint64_t pc) {
        auto block = blocks_.find(pc);
        if (block == blocks_.end()) return true;
        if (!overlaps(pc, block->second)) return false;
        on_remove(*block->second.block);
        blocks_.erase(block);
        return true;
      });
      if (it->second.empty()) pages_.erase(it);
    }
  }

  void clear() {
    fast_.fill({});
    blocks_.clear();
    pages_.clear();
  }

  size_t size() const { return blocks_.size(); }

  // The direct-mapped lookup array, for translated code that looks blocks up inline: entry
  // i holds {pc, T*} for some pc with (pc >> 1) % kFastEntries == i.
  struct FastEntry {
    uint64_t pc = 0;
    T* block = nullptr;
  };
  static constexpr size_t kFastEntries = 4096;
  const FastEntry* fast_table() const { return fast_.data(); }

 private:
  static constexpr int kPageBits = 12;
  std::array<FastEntry, kFastEntries> fast_{};
  struct Entry {
    std::unique_ptr<T> block;
    uint64_t size_bytes;
    T* get() const { return block.get(); }
  };
  std::unordered_map<uint64_t, Entry> blocks_;
  std::unordered_map<uint64_t, std::vector<uint64_t>> pages_;
};

}  // namespace rwd
