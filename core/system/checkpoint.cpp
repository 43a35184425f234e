#include "system/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace rwd::system {

namespace {

bool all_zero(const uint8_t* p, size_t n) {
  // Compare the page with itself shifted by one byte: zero iff the first byte is zero too.
  return p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0;
}

}  // namespace

CheckpointStore::CheckpointStore(uint64_t memory_budget_bytes) : budget_(memory_budget_bytes) {}

void CheckpointStore::capture(const Machine& m) {
  auto c = std::make_unique<Checkpoint>();
  c->clock = m.virtual_time();
  m.capture(&c->state);
  c->icount = c->state.icount;
  const std::span<const uint8_t> ram = m.ram();
  c->ram_size = ram.size();
  const size_t page_count = ram.size() / kCheckpointPageBytes;
  c->pages.resize(page_count);

  // Share with the neighbour in time: the one before, else the one after (a capture after
  // restoring an earlier checkpoint lands in the middle).
  auto pos = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), c->clock,
                              [](uint64_t clock, const auto& cp) { return clock < cp->clock; });
  const Checkpoint* neighbour = nullptr;
  if (pos != checkpoints_.begin()) {
    neighbour = (pos - 1)->get();
  } else if (pos != checkpoints_.end()) {
    neighbour = pos->get();
  }
  if (neighbour && neighbour->pages.size() != page_count) neighbour = nullptr;

  for (size_t i = 0; i < page_count; ++i) {
    const uint8_t* bytes = ram.data() + i * kCheckpointPageBytes;
    if (all_zero(bytes, kCheckpointPageBytes)) continue;
    if (neighbour && neighbour->pages[i] &&
        std::memcmp(neighbour->pages[i]->data(), bytes, kCheckpointPageBytes) == 0) {
      c->pages[i] = neighbour->pages[i];
      continue;
    }
    auto page = std::make_shared<CheckpointPage>();
    std::memcpy(page->data(), bytes, kCheckpointPageBytes);
    c->pages[i] = std::move(page);
  }

  account_add(*c);
  if (pos != checkpoints_.begin() && (*(pos - 1))->clock == c->clock) {
    // Same instant captured again (e.g. after running back to it): keep the newer.
    --pos;
    account_remove(**pos);
    *pos = std::move(c);
  } else {
    checkpoints_.insert(pos, std::move(c));
  }
  enforce_budget();
}

const Checkpoint* CheckpointStore::at_or_before(uint64_t clock) const {
  auto pos = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), clock,
                              [](uint64_t t, const auto& cp) { return t < cp->clock; });
  return pos == checkpoints_.begin() ? nullptr : (pos - 1)->get();
}

void CheckpointStore::restore(const Checkpoint& c, Machine& m, ExecutionEngine& engine) const {
  const std::span<uint8_t> ram = m.ram();
  if (ram.size() != c.ram_size) {
    throw dev::StateError("checkpoint: RAM is " + std::to_string(c.ram_size) +
                          " bytes, this machine has " + std::to_string(ram.size()));
  }
  // The state first: it is validated there and the machine stays unchanged if it is refused.
  m.restore(c.state, engine);
  for (size_t i = 0; i < c.pages.size(); ++i) {
    uint8_t* dst = ram.data() + i * kCheckpointPageBytes;
    if (c.pages[i]) {
      std::memcpy(dst, c.pages[i]->data(), kCheckpointPageBytes);
    } else {
      std::memset(dst, 0, kCheckpointPageBytes);
    }
  }
}

uint64_t CheckpointStore::cost_of_table(const Checkpoint& c) const {
  return sizeof(Checkpoint) + c.state.memory_bytes() + c.pages.capacity() * sizeof(c.pages[0]);
}

void CheckpointStore::account_add(const Checkpoint& c) {
  memory_used_ += cost_of_table(c);
  for (const auto& page : c.pages) {
    // A page's bytes plus the shared_ptr control block and the map entry that track it.
    if (page && ++page_refs_[page.get()] == 1) memory_used_ += kCheckpointPageBytes + 64;
  }
}

void CheckpointStore::account_remove(const Checkpoint& c) {
  memory_used_ -= cost_of_table(c);
  for (const auto& page : c.pages) {
    if (!page) continue;
    auto it = page_refs_.find(page.get());
    if (--it->second == 0) {
      page_refs_.erase(it);
      memory_used_ -= kCheckpointPageBytes + 64;
    }
  }
}

void CheckpointStore::erase_at(size_t index) {
  account_remove(*checkpoints_[index]);
  checkpoints_.erase(checkpoints_.begin() + ptrdiff_t(index));
}

void CheckpointStore::enforce_budget() {
  // Drop the interior checkpoint whose neighbours are closest together: the survivors stay
  // roughly evenly spaced. The first (the earliest reachable point) and the last (the most
  // recent, usually the one just taken) stay.
  while (memory_used_ > budget_ && checkpoints_.size() > 2) {
    size_t victim = 1;
    uint64_t smallest_gap = ~uint64_t{0};
    for (size_t i = 1; i + 1 < checkpoints_.size(); ++i) {
      const uint64_t gap = checkpoints_[i + 1]->clock - checkpoints_[i - 1]->clock;
      if (gap < smallest_gap) {
        smallest_gap = gap;
        victim = i;
      }
    }
    erase_at(victim);
  }
}

}  // namespace rwd::system
