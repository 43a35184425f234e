// Translated blocks keyed by guest pc, with invalidation by guest address range. Shared by all
// tiers; T is the tier's compiled form of a block.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/guest_memory.h"

namespace rwd {

template <typename T>
class BlockCache {
 public:
  // Most lookups hit the small direct-mapped array; the hash map is the backing store.
  T* find(uint64_t pc, const CodeLocation& where = {}) {
    const Key key = key_for(pc, where);
    const size_t slot = fast_slot(pc);
    FastEntry& fast = fast_[slot];
    if (fast.pc == pc && fast.block && fast_keys_[slot] == key) return fast.block;
    auto it = blocks_.find(key);
    if (it == blocks_.end()) return nullptr;
    fast = {pc, it->second.get()};
    fast_keys_[slot] = key;
    return fast.block;
  }

  // A block may end with an instruction that runs into the next page, so it is indexed under
  // every physical page it touches.
  T* insert(uint64_t pc, const CodeLocation& where, uint64_t size_bytes, std::unique_ptr<T> block) {
    const Key key = key_for(pc, where);
    T* raw = block.get();
    blocks_[key] = Entry{std::move(block), key.phys, size_bytes};
    const size_t slot = fast_slot(pc);
    fast_[slot] = {pc, raw};
    fast_keys_[slot] = key;
    for (uint64_t page = key.phys >> kPageBits; page <= (key.phys + size_bytes - 1) >> kPageBits;
         ++page) {
      pages_[page].push_back(key);
    }
    return raw;
  }
  T* insert(uint64_t pc, uint64_t size_bytes, std::unique_ptr<T> block) {
    return insert(pc, CodeLocation{pc, 0}, size_bytes, std::move(block));
  }

  // Drops every block whose code overlaps the physical range [start, start + len).
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
    auto overlaps = [&](const Entry& e) { return e.phys < end && start < e.phys + e.size_bytes; };
    const uint64_t first_page = start >> kPageBits, last_page = (end - 1) >> kPageBits;
    if (last_page - first_page >= blocks_.size()) {
      // Cheaper to scan every block than every page of a huge range (munmap of a big region).
      std::erase_if(blocks_, [&](const auto& kv) {
        if (!overlaps(kv.second)) return false;
        on_remove(*kv.second.block);
        return true;
      });
      return;
    }
    for (uint64_t page = first_page; page <= last_page; ++page) {
      auto it = pages_.find(page);
      if (it == pages_.end()) continue;
      // Keep the keys of blocks that survive; keys of blocks erased through another page's list
      // go too. Stale keys in other pages' lists only cost a failed lookup later.
      std::erase_if(it->second, [&](const Key& key) {
        auto block = blocks_.find(key);
        if (block == blocks_.end()) return true;
        if (!overlaps(block->second)) return false;
        on_remove(*block->second.block);
        blocks_.erase(block);
        return true;
      });
      if (it->second.empty()) pages_.erase(it);
    }
  }

  // Drops every block whose guest code, by virtual pc, overlaps [start, start + len), whatever
  // mapping it was translated under (a debugger breakpoint there changes its translation).
  template <typename OnRemove>
  void invalidate_pc_range(uint64_t start, uint64_t len, OnRemove&& on_remove) {
    if (len == 0) return;
    fast_.fill({});
    std::erase_if(blocks_, [&](const auto& kv) {
      const uint64_t pc = kv.first.pc;
      if (!(pc - start < len || start - pc < kv.second.size_bytes)) return false;
      on_remove(*kv.second.block);
      return true;
    });
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
  // A block is identified by its pc, where its code is and the modes it was translated under
  // (see CodeLocation); in user mode phys == pc and flags == 0.
  struct Key {
    uint64_t pc = 0;
    uint64_t phys = 0;
    uint32_t flags = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.pc ^ (k.phys * 0x9e3779b97f4a7c15ull) ^ (uint64_t(k.flags) << 48));
    }
  };
  struct Entry {
    std::unique_ptr<T> block;
    uint64_t phys;
    uint64_t size_bytes;
    T* get() const { return block.get(); }
  };
  static Key key_for(uint64_t pc, const CodeLocation& where) {
    // No flags means user mode, where code sits at its own address.
    return where.flags == 0 ? Key{pc, pc, 0} : Key{pc, where.phys, where.flags};
  }
  static size_t fast_slot(uint64_t pc) { return (pc >> 1) & (kFastEntries - 1); }

  std::array<Key, kFastEntries> fast_keys_{};
  std::unordered_map<Key, Entry, KeyHash> blocks_;
  std::unordered_map<uint64_t, std::vector<Key>> pages_;
};

}  // namespace rwd
