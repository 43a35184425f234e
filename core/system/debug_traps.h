// The debugger's breakpoints and watchpoints on one hart. Breakpoints are virtual pcs: the
// translator ends blocks before them and starts a block at one with a check that stops the
// run there (Cause::kDebugBreakpoint) unless the debugger is stepping over it. Watchpoints are
// virtual data ranges: pages holding one are never entered in the TLB for the watched kind of
// access, so every such access reaches the slow path, which either restarts the instruction
// alone (Cause::kWatchpointRestart) or, when it already runs alone, performs it and records
// the hit. Stops are therefore exact and identical on every tier.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

namespace rwd::system {

enum class WatchKind { kWrite, kRead, kAccess };

struct Watchpoint {
  uint64_t address;
  uint64_t length;
  WatchKind kind;
  friend bool operator==(const Watchpoint&, const Watchpoint&) = default;
};

struct WatchHit {
  WatchKind kind;     // of the watchpoint hit
  uint64_t address;   // the first watched byte the access touched
  bool is_write;      // the access itself
};

class DebugTraps {
 public:
  // --- What the debugger sets. The caller drops translations after changing breakpoints and
  // flushes the TLB after changing watchpoints (Machine::breakpoint_changed,
  // watchpoints_changed). ---
  bool add_breakpoint(uint64_t pc) { return breakpoints_.insert(pc).second; }
  bool remove_breakpoint(uint64_t pc) { return breakpoints_.erase(pc) != 0; }
  bool add_watchpoint(const Watchpoint& w);
  bool remove_watchpoint(const Watchpoint& w);
  const std::vector<Watchpoint>& watchpoints() const { return watchpoints_; }

  // Stops happen only while armed; a disarmed set keeps its translations and TLB exclusions,
  // so re-executing history without stops and running with them share translated code.
  void set_armed(bool armed) { armed_ = armed; }
  bool armed() const { return armed_; }
  // Breakpoints alone can be held off (watchpoints still stop while armed).
  void set_breakpoints_armed(bool armed) { breakpoints_armed_ = armed; }
  // The breakpoint at this pc does not stop (stepping over the one the hart stands on).
  void set_stepping_over(std::optional<uint64_t> pc) { stepping_over_ = pc; }

  // --- What the translator, the hart and the MMU ask ---
  bool breakpoint_at(uint64_t pc) const { return breakpoints_.contains(pc); }
  bool stops_at(uint64_t pc) const {
    return armed_ && breakpoints_armed_ && stepping_over_ != pc && breakpoint_at(pc);
  }
  // Whether no TLB entry may let this kind of access into [page, page + 4096) unchecked.
  bool page_watched(uint64_t page, bool for_write) const;
  // The watchpoint an access of `bytes` at `vaddr` hits, if any (only while armed).
  std::optional<WatchHit> check(uint64_t vaddr, unsigned bytes, bool is_write) const;

  // The hit of the last instruction run alone, taken once by the machine loop.
  void record_hit(const WatchHit& hit) {
    if (!hit_) hit_ = hit;
  }
  std::optional<WatchHit> take_hit() {
    auto h = hit_;
    hit_.reset();
    return h;
  }

 private:
  std::unordered_set<uint64_t> breakpoints_;
  std::vector<Watchpoint> watchpoints_;
  bool armed_ = true;
  bool breakpoints_armed_ = true;
  std::optional<uint64_t> stepping_over_;
  std::optional<WatchHit> hit_;
};

// Disarms a set of traps for a scope: a run without stops (re-executing known history, or a
// run no debugger watches) keeps the translations and TLB exclusions but never stops at them.
class DisarmedTraps {
 public:
  explicit DisarmedTraps(DebugTraps& traps) : traps_(traps), was_armed_(traps.armed()) {
    traps_.set_armed(false);
  }
  ~DisarmedTraps() { traps_.set_armed(was_armed_); }
  DisarmedTraps(const DisarmedTraps&) = delete;
  DisarmedTraps& operator=(const DisarmedTraps&) = delete;

 private:
  DebugTraps& traps_;
  const bool was_armed_;
};

}  // namespace rwd::system
