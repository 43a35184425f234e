#include "system/debug_traps.h"

#include <algorithm>

namespace rwd::system {

namespace {

bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
  // Ranges may end at the top of the address space; compare with lengths, not end addresses.
  return a <= b ? b - a < a_len : a - b < b_len;
}

bool watches_writes(WatchKind k) { return k != WatchKind::kRead; }
bool watches_reads(WatchKind k) { return k != WatchKind::kWrite; }

}  // namespace

bool DebugTraps::add_watchpoint(const Watchpoint& w) {
  if (w.length == 0) return false;
  if (std::find(watchpoints_.begin(), watchpoints_.end(), w) != watchpoints_.end()) return true;
  watchpoints_.push_back(w);
  return true;
}

bool DebugTraps::remove_watchpoint(const Watchpoint& w) {
  auto it = std::find(watchpoints_.begin(), watchpoints_.end(), w);
  if (it == watchpoints_.end()) return false;
  watchpoints_.erase(it);
  return true;
}

bool DebugTraps::page_watched(uint64_t page, bool for_write) const {
  for (const Watchpoint& w : watchpoints_) {
    if (for_write ? !watches_writes(w.kind) : !watches_reads(w.kind)) continue;
    if (overlaps(page, 4096, w.address, w.length)) return true;
  }
  return false;
}

std::optional<WatchHit> DebugTraps::check(uint64_t vaddr, unsigned bytes, bool is_write) const {
  if (!armed_) return std::nullopt;
  for (const Watchpoint& w : watchpoints_) {
    if (is_write ? !watches_writes(w.kind) : !watches_reads(w.kind)) continue;
    if (overlaps(vaddr, bytes, w.address, w.length)) // The first watched byte touched: gdb matches it against its watchpoints' ranges.
      return WatchHit{w.kind, std::max(vaddr, w.address), is_write};
  }
  return std::nullopt;
}

}  // namespace rwd::system
