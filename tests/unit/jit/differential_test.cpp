// Random IR blocks run through the interpreter and the JIT must end in identical states.
// A failure prints the seed, the differences and the block's IR; rerun one seed with
//   REWIND_JIT_DIFF_SEED=<seed> ./jit_unit_tests --gtest_filter='RandomIrDifferential.*'
// (REWIND_JIT_DIFF_FIRST / REWIND_JIT_DIFF_COUNT move or widen the default range).
#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "diff_runner.h"

namespace rwd::jit_test {
namespace {

// Enough seeds to cover every op/type/operand-kind combination many times over in a few
// seconds; at most a few reports, so one lowering bug does not flood the log.
// Sanitizer builds run about 8x slower, so they take a quarter of the seeds.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kSeedsPerTest = 1000;
#else
constexpr uint64_t kSeedsPerTest = 4000;
#endif
constexpr int kMaxReports = 3;

void run_seeds(uint64_t first_default, Budget budget, GenOptions options, ScratchMemory& a,
               ScratchMemory& b) {
  const SeedRange range = seed_range(first_default, kSeedsPerTest);
  int failures = 0;
  for (uint64_t seed = range.first; seed < range.first + range.count; ++seed) {
    const DiffResult r = run_differential({seed, budget, options}, a, b);
    if (r.equal) continue;
    ADD_FAILURE() << r.report;
    if (++failures >= kMaxReports) break;
  }
}

TEST(RandomIrDifferential, FlatMemoryRunsToStop) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  run_seeds(1, Budget::kGenerous, {}, *a, *b);
}

TEST(RandomIrDifferential, FlatMemoryShortBudgets) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  run_seeds(1, Budget::kShort, {}, *a, *b);
}

TEST(RandomIrDifferential, FlatMemoryRegisterPressure) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  GenOptions options;
  options.force_register_pressure = true;
  run_seeds(1, Budget::kGenerous, options, *a, *b);
}

// Linear memory takes the JIT's inline access path, with host faults as guest faults.
TEST(RandomIrDifferential, LinearMemoryRunsToStop) {
  auto a = make_linear_scratch(), b = make_linear_scratch();
  run_seeds(1, Budget::kGenerous, {}, *a, *b);
}

TEST(RandomIrDifferential, LinearMemoryShortBudgets) {
  auto a = make_linear_scratch(), b = make_linear_scratch();
  run_seeds(1, Budget::kShort, {}, *a, *b);
}

// The runs must end in every way a block can end, or the comparison proves little.
TEST(RandomIrDifferential, RunsEndInEveryWay) {
  auto a = make_flat_scratch(), b = make_flat_scratch();
  std::map<std::pair<StopReason, Cause>, int> seen;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    const DiffResult r = run_differential({seed, Budget::kGenerous, {}}, *a, *b);
    const Cause cause = r.interp_stop.reason == StopReason::kException ? r.interp_stop.cause
                                                                       : Cause::kIllegalInsn;
    seen[{r.interp_stop.reason, cause}]++;
  }
  EXPECT_GT((seen[{StopReason::kIcountLimit, Cause::kIllegalInsn}]), 50);
  for (Cause cause : {Cause::kIllegalInsn, Cause::kBreakpoint, Cause::kEcallU,
                      Cause::kLoadPageFault, Cause::kStorePageFault, Cause::kLoadMisaligned,
                      Cause::kStoreMisaligned, Cause::kInsnPageFault}) {
    EXPECT_GT((seen[{StopReason::kException, cause}]), 5) << "cause " << int(cause);
  }
}

// The generator itself: cut blocks are prefixes, every block verifies, and the op set is
// covered (so a generator change cannot silently stop testing an op).
TEST(RandomIrGenerator, CoversEveryOpAndCondAndVerifies) {
  std::vector<int> ops(size_t(ir::Opcode::kCount), 0);
  std::vector<int> conds(10, 0);
  int i32_ops = 0, pressure_blocks = 0;
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    auto block = generate_random_block(seed, Translator::kMaxBlockInsns);
    ASSERT_EQ(ir::verify(*block), "") << "seed " << seed << "\n" << block->dump();
    for (const ir::Op& op : block->ops) {
      ops[size_t(op.opc)]++;
      if (op.opc == ir::Opcode::k_setcond || op.opc == ir::Opcode::k_movcond ||
          op.opc == ir::Opcode::k_brcond) {
        conds[size_t(op.cond)]++;
      }
      if (op.type == ir::ValType::kI32) i32_ops++;
    }
    if (block->temps.size() > 100) pressure_blocks++;
    const uint32_t cut = 1 + uint32_t(seed % block->n_insns);
    auto prefix = generate_random_block(seed, cut);
    ASSERT_EQ(ir::verify(*prefix), "") << "seed " << seed << " cut " << cut;
    ASSERT_EQ(prefix->n_insns, cut);
  }
  for (size_t opc = 0; opc < ops.size(); ++opc) {
    EXPECT_GT(ops[opc], 0) << "never generated: " << ir::op_def(ir::Opcode(opc)).name;
  }
  for (size_t c = 0; c < conds.size(); ++c) {
    EXPECT_GT(conds[c], 0) << "never generated: " << ir::cond_name(ir::Cond(c));
  }
  EXPECT_GT(i32_ops, 1000);
  EXPECT_GT(pressure_blocks, 20);
}

}  // namespace
}  // namespace rwd::jit_test
