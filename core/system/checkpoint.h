// In-memory checkpoints of a running machine, for reverse execution: restore the latest one
// before a target time and run forward. A checkpoint shares every RAM page that equals the
// page of its neighbour in time and stores no zero pages, so one costs roughly the pages the
// guest changed since the previous one. A memory budget thins them out.
//
// Both directions use the machine's dirty-page record: the store remembers the checkpoint the
// machine's RAM last matched (the one captured or restored last), so a capture compares only
// the pages written since, and a restore copies only those plus the pages in which the two
// checkpoints differ (shared pages compare by pointer).
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

using CheckpointPages = std::vector<std::shared_ptr<const CheckpointPage>>;

struct Checkpoint {
  uint64_t clock = 0;   // virtual time when taken (Machine::virtual_time)
  uint64_t icount = 0;  // instructions retired when taken
  MachineState state;
  uint64_t ram_size = 0;
  // One entry per RAM page; null for a zero page. Immutable, so shared between checkpoints.
  CheckpointPages pages;
  // What the owner needs besides the machine to go on from here (e.g. its position in an
  // input log); opaque to the store.
  std::vector<uint64_t> attachment;
};

// Which checkpoints the budget removes first.
enum class Thinning {
  kEven,             // keep them evenly spaced
  kDenseNearNewest,  // keep spacing roughly proportional to the distance from the newest
};

class CheckpointStore {
 public:
  explicit CheckpointStore(uint64_t memory_budget_bytes, Thinning thinning = Thinning::kEven);
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Captures the machine now (between runs). A checkpoint at the same virtual time is
  // replaced. Then drops checkpoints while over budget.
  void capture(Machine& m, std::vector<uint64_t> attachment = {});
  // The latest checkpoint at or before `clock`, or null.
  const Checkpoint* at_or_before(uint64_t clock) const;
  // The latest checkpoint taken with at most `icount` instructions retired, or null.
  const Checkpoint* at_or_before_icount(uint64_t icount) const;
  // Puts `m` (the machine captured, or one built from the same configuration) into the
  // checkpoint's state, RAM included. Throws dev::StateError if it does not fit.
  void restore(const Checkpoint& c, Machine& m, ExecutionEngine& engine);

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

  // Whether `m`'s RAM is known to equal base_ plus its dirty pages.
  bool tracks(const Machine& m) const { return base_machine_ == &m && !base_.empty(); }
  void set_base(Machine& m, const CheckpointPages& pages);

  uint64_t budget_;
  Thinning thinning_;
  uint64_t memory_used_ = 0;
  const Machine* base_machine_ = nullptr;
  CheckpointPages base_;
  std::vector<std::unique_ptr<Checkpoint>> checkpoints_;  // by increasing clock
  std::unordered_map<const CheckpointPage*, uint32_t> page_refs_;  // checkpoints holding each
};

}  // namespace rwd::system
