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

CheckpointStore::CheckpointStore(uint64_t memory_budget_bytes, Thinning thinning)
    : budget_(memory_budget_bytes), thinning_(thinning) {}

void CheckpointStore::set_base(Machine& m, const CheckpointPages& pages) {
  // From now on the machine's dirty record is relative to these pages.
  m.restart_dirty_tracking();
  base_machine_ = &m;
  base_ = pages;
}

void CheckpointStore::capture(Machine& m, std::vector<uint64_t> attachment) {
  auto c = std::make_unique<Checkpoint>();
  c->clock = m.virtual_time();
  m.capture(&c->state);
  c->icount = c->state.icount;
  c->attachment = std::move(attachment);
  const std::span<const uint8_t> ram = m.ram();
  c->ram_size = ram.size();
  const size_t page_count = ram.size() / kCheckpointPageBytes;

  auto copy_of = [&](size_t i, const std::shared_ptr<const CheckpointPage>& like)
      -> std::shared_ptr<const CheckpointPage> {
    const uint8_t* bytes = ram.data() + i * kCheckpointPageBytes;
    if (like && std::memcmp(like->data(), bytes, kCheckpointPageBytes) == 0) return like;
    if (all_zero(bytes, kCheckpointPageBytes)) return nullptr;
    auto page = std::make_shared<CheckpointPage>();
    std::memcpy(page->data(), bytes, kCheckpointPageBytes);
    return page;
  };

  auto pos = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), c->clock,
                              [](uint64_t clock, const auto& cp) { return clock < cp->clock; });
  if (tracks(m) && base_.size() == page_count) {
    // Only pages written since the base can differ from it.
    c->pages = base_;
    for (uint32_t i : m.take_dirty_ram_pages()) {
      if (i < page_count) c->pages[i] = copy_of(i, base_[i]);
    }
  } else {
    // Share with the neighbour in time: the one before, else the one after.
    const Checkpoint* neighbour = nullptr;
    if (pos != checkpoints_.begin()) {
      neighbour = (pos - 1)->get();
    } else if (pos != checkpoints_.end()) {
      neighbour = pos->get();
    }
    if (neighbour && neighbour->pages.size() != page_count) neighbour = nullptr;
    c->pages.resize(page_count);
    for (size_t i = 0; i < page_count; ++i) {
      c->pages[i] = copy_of(i, neighbour ? neighbour->pages[i] : nullptr);
    }
  }
  set_base(m, c->pages);

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

const Checkpoint* CheckpointStore::at_or_before_icount(uint64_t icount) const {
  auto pos = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), icount,
                              [](uint64_t n, const auto& cp) { return n < cp->icount; });
  return pos == checkpoints_.begin() ? nullptr : (pos - 1)->get();
}

void CheckpointStore::restore(const Checkpoint& c, Machine& m, ExecutionEngine& engine) {
  const std::span<uint8_t> ram = m.ram();
  if (ram.size() != c.ram_size || c.pages.size() != c.ram_size / kCheckpointPageBytes) {
    throw dev::StateError("checkpoint: RAM is " + std::to_string(c.ram_size) +
                          " bytes, this machine has " + std::to_string(ram.size()));
  }
  auto put = [&](size_t i) {
    uint8_t* dst = ram.data() + i * kCheckpointPageBytes;
    if (c.pages[i]) {
      std::memcpy(dst, c.pages[i]->data(), kCheckpointPageBytes);
    } else {
      std::memset(dst, 0, kCheckpointPageBytes);
    }
  };
  if (!tracks(m) || base_.size() != c.pages.size()) {
    // The state first: it is validated there and the machine stays unchanged if refused.
    m.restore(c.state, engine);
    for (size_t i = 0; i < c.pages.size(); ++i) put(i);
    set_base(m, c.pages);
    return;
  }
  // Pages written since the base, and pages where the base and the target differ.
  std::vector<uint32_t> changed = m.take_dirty_ram_pages();
  for (size_t i = 0; i < c.pages.size(); ++i) {
    if (c.pages[i] != base_[i]) changed.push_back(uint32_t(i));
  }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  try {
    m.restore(c.state, engine, changed);
  } catch (const dev::StateError&) {
    // The RAM is untouched, but the dirty record was taken: forget the base instead.
    base_machine_ = nullptr;
    base_.clear();
    throw;
  }
  for (uint32_t i : changed) put(i);
  set_base(m, c.pages);
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
  // Drop the interior checkpoint whose neighbours are closest together (relative to its
  // distance from the newest, when thinning towards the past): the survivors stay evenly
  // spaced, or spaced in proportion to their age. The first (the earliest reachable point)
  // and the last (the most recent, usually the one just taken) stay.
  while (memory_used_ > budget_ && checkpoints_.size() > 2) {
    const uint64_t newest = checkpoints_.back()->clock;
    size_t victim = 1;
    double smallest = 0;
    for (size_t i = 1; i + 1 < checkpoints_.size(); ++i) {
      double score = double(checkpoints_[i + 1]->clock - checkpoints_[i - 1]->clock);
      if (thinning_ == Thinning::kDenseNearNewest) {
        score /= double(newest - checkpoints_[i]->clock) + 1;
      }
      if (i == 1 || score < smallest) {
        smallest = score;
        victim = i;
      }
    }
    erase_at(victim);
  }
}

}  // namespace rwd::system
