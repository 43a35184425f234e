// The LLVM tier against the interpreter on random IR (the generator and comparison of
// differential_test.cpp), the auto tier swapping LLVM code in while a program runs, and every
// translation dropped while compiles are in flight. Rerun one seed with
//   REWIND_JIT_DIFF_SEED=<seed> ./jit_unit_tests --gtest_filter='*TierDifferential.*'
#include <gtest/gtest.h>

#include "diff_runner.h"

namespace rwd::jit_test {
namespace {

// LLVM compiles each program's blocks (milliseconds each), so fewer seeds than the template
// tier's tests; sanitizer builds fewer still.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kSeeds = 40;
#else
constexpr uint64_t kSeeds = 200;
#endif
constexpr int kMaxReports = 3;

struct Totals {
  uint64_t queued = 0;
  uint64_t installed = 0;
  uint64_t discarded = 0;
  uint64_t llvm_insns = 0;
  uint64_t region_blocks = 0;
};

Totals run_seeds(uint64_t first_default, DiffCase base, ScratchMemory& a, ScratchMemory& b) {
  const SeedRange range = seed_range(first_default, kSeeds);
  Totals totals;
  int failures = 0;
  for (uint64_t seed = range.first; seed < range.first + range.count; ++seed) {
    DiffCase c = base;
    c.seed = seed;
    const DiffResult r = run_differential(c, a, b);
    totals.queued += r.jit_stats.llvm_queued;
    totals.installed += r.jit_stats.llvm_installed;
    totals.discarded += r.jit_stats.llvm_discarded;
    totals.llvm_insns += r.jit_stats.llvm_guest_insns;
    totals.region_blocks += r.jit_stats.llvm_region_blocks;
    if (r.equal) continue;
    ADD_FAILURE() << r.report;
    if (++failures >= kMaxReports) break;
  }
  return totals;
}

DiffCase llvm_case(Budget budget) {
  DiffCase c;
  c.tier = jit::Tier::kLlvm;
  c.budget = budget;
  return c;
}

TEST(LlvmTierDifferential, FlatMemory) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  const Totals t = run_seeds(1, llvm_case(Budget::kGenerous), *a, *b);
  EXPECT_GT(t.installed, seed_range(1, kSeeds).count / 2) << "the programs must run as LLVM code";
  EXPECT_GT(t.llvm_insns, 0u);
}

TEST(LlvmTierDifferential, FlatMemoryShortBudgets) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  run_seeds(1, llvm_case(Budget::kShort), *a, *b);
}

TEST(LlvmTierDifferential, FlatMemoryRegisterPressure) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  DiffCase c = llvm_case(Budget::kGenerous);
  c.options.force_register_pressure = true;
  run_seeds(1, c, *a, *b);
}

// Linear memory (inline accesses, host faults replayed from a restart point) is not run here:
// a restart re-translates from the faulting block's middle, which the random programs do not
// support (their locals live across instructions and blocks exist only at fixed pcs). The
// guest programs cover it under --tier=llvm (guest.llvm.c_selfmod, trap_segv, c_signal).

// Auto tier with a threshold of one: blocks are queued at their first entry and their LLVM
// code is swapped in whenever it is ready, at some block boundary of the run.
TEST(AutoTierDifferential, SwapsLlvmCodeInWhileRunning) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  DiffCase c;
  c.tier = jit::Tier::kAuto;
  const Totals t = run_seeds(1, c, *a, *b);
  EXPECT_GT(t.queued, 0u);
}

// A few entries before a block is queued: by then its exits are chained to blocks that have
// run too, which join its region (one LLVM function branching between them and looping
// through them).
TEST(AutoTierDifferential, RegionsOfChainedBlocks) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  DiffCase c;
  c.tier = jit::Tier::kAuto;
  c.hot_threshold = 4;
  c.rerun_after_compiles = true;
  const Totals t = run_seeds(1, c, *a, *b);
  EXPECT_GT(t.region_blocks, t.queued) << "no region grew beyond its first block";
  EXPECT_GT(t.llvm_insns, 0u);
}

TEST(AutoTierDifferential, TranslationsDroppedWhileCompilesAreInFlight) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  DiffCase c;
  c.tier = jit::Tier::kAuto;
  c.flush_mid_compile = true;
  const Totals t = run_seeds(1, c, *a, *b);
  EXPECT_GT(t.discarded, 0u) << "no compile result arrived for a dropped block";
}

}  // namespace
}  // namespace rwd::jit_test
