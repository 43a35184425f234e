// CheckpointStore: checkpoints taken at several points of the workload restore (into the same
// machine and a fresh one) to runs that finish with the original state hash; unchanged pages
// are shared and zero pages not stored; the budget thins checkpoints but keeps the first.
#include "system/checkpoint.h"

#include <gtest/gtest.h>

#include <map>

#include "machine_workload.h"

namespace rwd::systest {
namespace {

using system::Checkpoint;
using system::CheckpointStore;

class CheckpointTest : public ::testing::TestWithParam<std::string> {
 protected:
  static std::optional<system::MachineExit> run_to(Board& b, uint64_t icount) {
    return b.machine->run_until(*b.engine, b.host, icount);
  }
  static uint64_t finish(Board& b) {
    const auto exit = run_to(b, dev::kNever);
    EXPECT_TRUE(exit && exit->code == 0);
    return b.machine->state_hash(true);
  }
  WorkloadFiles files_;
};

TEST_P(CheckpointTest, RestoringAnyCheckpointReplaysToTheSameEnd) {
  auto b = files_.board(GetParam());
  CheckpointStore store(1ull << 30);
  std::map<uint64_t, uint64_t> hash_at;  // clock -> state hash when captured
  for (uint64_t icount : {0ull, 100'000ull, 350'000ull, 600'000ull, 900'000ull}) {
    ASSERT_FALSE(run_to(*b, icount));
    store.capture(*b->machine);
    hash_at[b->machine->virtual_time()] = b->machine->state_hash(true);
  }
  ASSERT_EQ(store.size(), 5u);
  const uint64_t end_hash = finish(*b);
  const std::string output = b->console.bytes;

  auto fresh = files_.board(GetParam());
  for (size_t i = store.size(); i-- > 0;) {
    const Checkpoint& c = store[i];
    EXPECT_EQ(store.at_or_before(c.clock), &c);
    EXPECT_EQ(store.at_or_before(c.clock + 1), &c);
    for (Board* target : {b.get(), fresh.get()}) {
      store.restore(c, *target->machine, *target->engine);
      EXPECT_EQ(target->machine->state_hash(true), hash_at[c.clock]) << "checkpoint " << i;
      EXPECT_EQ(target->machine->instructions_retired(), c.icount);
      target->console.bytes.clear();
      EXPECT_EQ(finish(*target), end_hash) << "checkpoint " << i;
      // What the original printed after the checkpoint, the restored run prints too.
      EXPECT_TRUE(output.ends_with(target->console.bytes)) << "checkpoint " << i;
    }
  }
  EXPECT_EQ(CheckpointStore(1 << 20).at_or_before(12345), nullptr);
}

TEST_P(CheckpointTest, UnchangedPagesAreSharedAndZeroPagesNotStored) {
  auto b = files_.board(GetParam());
  CheckpointStore store(1ull << 30);
  store.capture(*b->machine);
  // At boot only the kernel page and the device tree hold anything (the boot ROM is not RAM).
  const size_t at_boot = store.distinct_pages();
  EXPECT_GE(at_boot, 1u);
  EXPECT_LE(at_boot, 3u);
  const uint64_t first = store.memory_used();
  // A page table for 32 MiB of RAM (16 bytes a page), and only those pages of contents.
  EXPECT_LT(first, 8192 * 16 + 4 * 4096 + 4096);

  ASSERT_FALSE(run_to(*b, 400'000));
  store.capture(*b->machine);
  // The workload stores into 64 KiB of data (17 pages, unaligned); the kernel page is shared.
  const size_t after_run = store.distinct_pages();
  EXPECT_GE(after_run, at_boot + 16);
  EXPECT_LE(after_run, at_boot + 17 + 1);
  EXPECT_EQ(store[1].pages[0], store[0].pages[0]);
  ASSERT_FALSE(run_to(*b, 400'100));
  store.capture(*b->machine);
  // A hundred instructions later at most a page or two of data changed.
  EXPECT_LE(store.distinct_pages(), after_run + 2);
  EXPECT_LT(store.memory_used() - first, 2 * (8192 * 16 + 4096) + (after_run + 2) * 4200);
}

TEST_P(CheckpointTest, BudgetThinsEvenlyAndKeepsTheFirst) {
  auto b = files_.board(GetParam());
  CheckpointStore probe(1ull << 30);
  probe.capture(*b->machine);
  const uint64_t one = probe.memory_used();
  // Room for about six checkpoints' page tables and data.
  CheckpointStore store(6 * one + 40 * 4096);
  const uint64_t first_clock = b->machine->virtual_time();
  for (uint64_t icount = 0; icount <= 1'200'000; icount += 50'000) {
    ASSERT_FALSE(run_to(*b, icount));
    store.capture(*b->machine);
    EXPECT_LE(store.memory_used(), 6 * one + 40 * 4096);
  }
  ASSERT_GE(store.size(), 3u);
  EXPECT_LE(store.size(), 6u);
  EXPECT_EQ(store[0].clock, first_clock);
  // Evenly thinned: no gap more than three times another.
  uint64_t smallest = ~uint64_t{0}, largest = 0;
  for (size_t i = 1; i < store.size(); ++i) {
    const uint64_t gap = store[i].clock - store[i - 1].clock;
    smallest = std::min(smallest, gap);
    largest = std::max(largest, gap);
  }
  EXPECT_LE(largest, 3 * smallest);
  // Survivors still restore.
  const Checkpoint& mid = store[store.size() / 2];
  store.restore(mid, *b->machine, *b->engine);
  EXPECT_EQ(b->machine->virtual_time(), mid.clock);
}

TEST_P(CheckpointTest, ThinningTowardsThePastKeepsRecentCheckpointsDense) {
  auto b = files_.board(GetParam());
  CheckpointStore probe(1ull << 30);
  probe.capture(*b->machine);
  const uint64_t one = probe.memory_used();
  CheckpointStore store(8 * one + 40 * 4096, system::Thinning::kDenseNearNewest);
  for (uint64_t icount = 0; icount <= 1'200'000; icount += 25'000) {
    ASSERT_FALSE(run_to(*b, icount));
    store.capture(*b->machine);
  }
  ASSERT_GE(store.size(), 4u);
  EXPECT_EQ(store[0].icount, 0u);
  EXPECT_EQ(store[store.size() - 1].icount, 1'200'000u);
  // The newest gap is the smallest, the oldest interior gap the largest.
  const size_t n = store.size();
  const uint64_t newest_gap = store[n - 1].icount - store[n - 2].icount;
  const uint64_t oldest_gap = store[2].icount - store[1].icount;
  EXPECT_EQ(newest_gap, 25'000u);
  EXPECT_GT(oldest_gap, 2 * newest_gap);
}

TEST_P(CheckpointTest, RestoresBackAndForthCopyOnlyWhatDiffers) {
  auto b = files_.board(GetParam());
  CheckpointStore store(1ull << 30);
  std::vector<uint64_t> hashes;
  for (uint64_t icount : {0ull, 300'000ull, 700'000ull}) {
    ASSERT_FALSE(run_to(*b, icount));
    store.capture(*b->machine);
    hashes.push_back(b->machine->state_hash(true));
  }
  // Jump around, running a little after each restore so the RAM drifts from the checkpoint.
  for (size_t i : {0u, 2u, 1u, 2u, 0u, 1u, 1u}) {
    store.restore(store[i], *b->machine, *b->engine);
    EXPECT_EQ(b->machine->state_hash(true), hashes[i]) << "checkpoint " << i;
    ASSERT_FALSE(run_to(*b, store[i].icount + 50'000));
  }
  EXPECT_EQ(store.at_or_before_icount(299'999), &store[0]);
  EXPECT_EQ(store.at_or_before_icount(300'000), &store[1]);
}

TEST_P(CheckpointTest, RecapturingTheSameInstantReplacesIt) {
  auto b = files_.board(GetParam());
  CheckpointStore store(1ull << 30);
  ASSERT_FALSE(run_to(*b, 5'000));
  store.capture(*b->machine);
  ASSERT_FALSE(run_to(*b, 9'000));
  store.capture(*b->machine);
  store.restore(store[0], *b->machine, *b->engine);
  store.capture(*b->machine);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.at_or_before(store[0].clock - 1), nullptr);
}

TEST(CheckpointErrors, CheckpointOfAnotherRamSizeIsRefused) {
  WorkloadFiles files;
  auto b = files.board("interp");
  CheckpointStore store(1ull << 30);
  store.capture(*b->machine);
  Checkpoint bad = store[0];
  bad.ram_size /= 2;
  bad.pages.resize(bad.pages.size() / 2);
  EXPECT_THROW(store.restore(bad, *b->machine, *b->engine), dev::StateError);
}

INSTANTIATE_TEST_SUITE_P(Tiers, CheckpointTest, ::testing::Values("interp", "jit"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rwd::systest
