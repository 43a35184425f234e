// In-memory checkpoints of a running machine, for reverse execution: restore the latest one
// before a target time and run forward. A checkpoint shares every RAM page that equals the
// page of its neighbour in time and stores no zero pages, so one costs roughly the pages the
// guest changed since the previous one. A memory budget thins them out evenly.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "exec/engine.h"
#include "system/machine.h"
#include "system/machine_state.h"

namespace rwd::system {

inline constexpr uint64_t kCheckpointPageBytes = 4096;
using CheckpointPage = std::array<uint8_t, kCheckpointPageBytes>;

struct Checkpoint {
  uint64_t clock = 0;   // virtual time when taken (Machine::virtual_time)
  uint64_t icount = 0;  // instructions retired when taken
  MachineState state;
  uint64_t ram_size = 0;
  // One entry per RAM page; null for a zero page. Immutable, so shared between checkpoints.
  std::vector<std::shared_ptr<const CheckpointPage>> pages;
};

class CheckpointStore {
 public:
  explicit CheckpointStore(uint64_t memory_budget_bytes);
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Captures the machine now (between runs). A checkpoint at the same virtual time is
  // replaced. Then drops checkpoints while over budget.
  void capture(const Machine& m);
  // The latest checkpoint at or before `clock`, or null.
  const Checkpoint* at_or_before(uint64_t clock) const;
  // Puts `m` (the machine captured, or one built from the same configuration) into the
  // checkpoint's state, RAM included. Throws dev::StateError if it does not fit.
  void restore(const Checkpoint& c, Machine& m, ExecutionEngine& engine) const;

  // Host memory the checkpoints hold: each distinct page once, plus states and page tables.
  uint64_t memory_used() const { return memory_used_; }
  size_t size() const { return checkpoints_.size(); }
  const Checkpoint& operator[](size_t i) const { return *checkpoints_[i]; }
  // Distinct stored pages (for tests and statistics).
  size_t distinct_pages() const { return page_refs_.size(); }

 private:
  uint64_t cost_of_table(const Checkpoint& c) const;
  void account_add(const Checkpoint& c);
  void account_remove(const Checkpoint& c);
  void erase_at(size_t index);
  void enforce_budget();

  uint64_t budget_;
  uint64_t memory_used_ = 0;
  std::vector<std::unique_ptr<Checkpoint>> checkpoints_;  // by increasing clock
  std::unordered_map<const CheckpointPage*, uint32_t> page_refs_;  // checkpoints holding each
};

}  // namespace rwd::system
