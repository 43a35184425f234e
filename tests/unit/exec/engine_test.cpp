#include "exec/interpreter.h"
#include "jit/jit_engine.h"

#include <gtest/gtest.h>

#include "frontend/translator.h"
#include "test_machine.h"

namespace rwd {
namespace {

using test::FlatMemory;
namespace rv = test::rv;

constexpr uint64_t kBase = 0x10000;
constexpr uint64_t kData = kBase + 0x2000;

enum class Tier { kInterp, kJit };

std::unique_ptr<ExecutionEngine> make_engine(Tier tier, const Translator& translator) {
  if (tier == Tier::kInterp) return std::make_unique<Interpreter>(translator);
  return std::make_unique<jit::JitEngine>(translator, size_t{4} << 20);
}

// Every test runs on each tier: they must agree exactly, including counts after faults.
struct Fixture : ::testing::TestWithParam<Tier> {
  FlatMemory memory{kBase, 0x4000};
  Translator translator;
  std::unique_ptr<ExecutionEngine> engine_ptr = make_engine(GetParam(), translator);
  ExecutionEngine& engine = *engine_ptr;
  CpuState cpu = test::fresh_cpu(memory, kBase);
};

// sum = 1 + 2 + ... + 10 with a loop; ends in ecall.
std::vector<uint32_t> sum_loop() {
  return {
      rv::addi(10, 0, 0),   // a0 = 0
      rv::addi(11, 0, 10),  // a1 = 10
      rv::add(10, 10, 11),  // loop: a0 += a1
      rv::addi(11, 11, -1), //       a1 -= 1
      rv::bne(11, 0, -8),   //       if a1 != 0 goto loop
      rv::ecall(),
  };
}
constexpr uint64_t kSumLoopInsns = 2 + 3 * 10;  // retired before the ecall

using EngineTest = Fixture;

TEST_P(EngineTest, RunsLoopToEcallWithExactCount) {
  memory.write_program(kBase, sum_loop());
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.reason, StopReason::kException);
  EXPECT_EQ(stop.cause, Cause::kEcallU);
  EXPECT_EQ(cpu.x[10], 55u);
  EXPECT_EQ(cpu.pc, kBase + 20);  // at the ecall, which has not retired
  EXPECT_EQ(cpu.icount, kSumLoopInsns);
}

TEST_P(EngineTest, StopsAfterExactlyNInstructionsFromAnyStart) {
  memory.write_program(kBase, sum_loop());
  // Reference: single-stepping records pc and a0 after every instruction.
  std::vector<std::pair<uint64_t, uint64_t>> trace;
  {
    CpuState step = test::fresh_cpu(memory, kBase);
    for (uint64_t n = 1; n <= kSumLoopInsns; ++n) {
      step.icount_limit = n;
      ASSERT_EQ(engine.run(step).reason, StopReason::kIcountLimit);
      ASSERT_EQ(step.icount, n);
      trace.push_back({step.pc, step.x[10]});
    }
  }
  for (uint64_t n = 1; n <= kSumLoopInsns; ++n) {
    CpuState c = test::fresh_cpu(memory, kBase);
    c.icount_limit = n;
    StopInfo stop = engine.run(c);
    EXPECT_EQ(stop.reason, StopReason::kIcountLimit) << n;
    EXPECT_EQ(c.icount, n);
    EXPECT_EQ(c.pc, trace[n - 1].first) << n;
    EXPECT_EQ(c.x[10], trace[n - 1].second) << n;
  }
}

TEST_P(EngineTest, FaultMidBlockRetiresOnlyEarlierInstructions) {
  memory.write_program(kBase, {
                                  rv::addi(5, 0, 1),
                                  rv::addi(6, 0, 2),
                                  rv::ld(7, 0, 0x10),  // address 0x10: outside memory
                                  rv::addi(8, 0, 3),
                                  rv::ecall(),
                              });
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.cause, Cause::kLoadPageFault);
  EXPECT_EQ(stop.tval, 0x10u);
  EXPECT_EQ(cpu.pc, kBase + 8);
  EXPECT_EQ(cpu.icount, 2u);
  EXPECT_EQ(cpu.x[5], 1u);
  EXPECT_EQ(cpu.x[6], 2u);
  EXPECT_EQ(cpu.x[8], 0u);
}

// Forward branches do not end a block: a taken one leaves mid-block, and only the instructions
// up to it may count as retired, with every register written before it stored.
TEST_P(EngineTest, TakenForwardBranchMidBlockRetiresOnlyThePathTaken) {
  memory.write_program(kBase, {
                                  rv::addi(5, 0, 1),    // 0
                                  rv::addi(6, 0, 2),    // 4
                                  rv::bne(5, 0, 12),    // 8: taken, to 20
                                  rv::addi(7, 0, 3),    // 12: skipped
                                  rv::addi(8, 0, 4),    // 16: skipped
                                  rv::addi(9, 5, 10),   // 20
                                  rv::ecall(),          // 24
                              });
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.cause, Cause::kEcallU);
  EXPECT_EQ(cpu.pc, kBase + 24);
  EXPECT_EQ(cpu.icount, 4u);
  EXPECT_EQ(cpu.x[6], 2u);
  EXPECT_EQ(cpu.x[7], 0u);
  EXPECT_EQ(cpu.x[9], 11u);
}

TEST_P(EngineTest, NotTakenForwardBranchesRunOnInOneBlock) {
  memory.write_program(kBase, {
                                  rv::addi(5, 0, 1),    // 0
                                  rv::bne(0, 0, 16),    // 4: not taken
                                  rv::addi(5, 5, 1),    // 8
                                  rv::bne(0, 0, 8),     // 12: not taken
                                  rv::addi(5, 5, 1),    // 16
                                  rv::addi(5, 5, 1),    // 20
                                  rv::ecall(),          // 24
                              });
  // Stopping after each count inside the block must land on the right instruction.
  for (uint64_t n = 1; n <= 6; ++n) {
    CpuState c = test::fresh_cpu(memory, kBase);
    c.icount_limit = n;
    ASSERT_EQ(engine.run(c).reason, StopReason::kIcountLimit) << n;
    EXPECT_EQ(c.icount, n);
    EXPECT_EQ(c.pc, kBase + 4 * n) << n;
  }
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.cause, Cause::kEcallU);
  EXPECT_EQ(cpu.x[5], 4u);
  EXPECT_EQ(cpu.icount, 6u);
}

TEST_P(EngineTest, IllegalInstructionReportsItsBits) {
  memory.write_program(kBase, {rv::addi(5, 0, 1), 0xffffffff});
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.cause, Cause::kIllegalInsn);
  EXPECT_EQ(stop.tval, 0xffffffffu);
  EXPECT_EQ(cpu.pc, kBase + 4);
  EXPECT_EQ(cpu.icount, 1u);
}

TEST_P(EngineTest, FetchFaultAtBlockStart) {
  cpu.pc = 0x100;
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.cause, Cause::kInsnPageFault);
  EXPECT_EQ(stop.tval, 0x100u);
  EXPECT_EQ(cpu.icount, 0u);
}

TEST_P(EngineTest, DivisionEdgeCasesFollowTheSpec) {
  memory.write_program(kBase, {
                                  rv::addi(5, 0, 7),
                                  rv::div(6, 5, 0),    // 7 / 0 = -1
                                  rv::remu(7, 5, 0),   // 7 %u 0 = 7
                                  rv::addi(8, 0, -1),
                                  rv::addi(9, 0, 1),
                                  // x9 = 1 << 63 via add-doubling is long; use slli encoding
                                  0x03f49493,          // slli x9, x9, 63
                                  rv::div(28, 9, 8),   // INT64_MIN / -1 = INT64_MIN
                                  rv::ecall(),
                              });
  engine.run(cpu);
  EXPECT_EQ(cpu.x[6], ~uint64_t{0});
  EXPECT_EQ(cpu.x[7], 7u);
  EXPECT_EQ(cpu.x[28], uint64_t{1} << 63);
}

TEST_P(EngineTest, InvalidateMakesChangedCodeVisible) {
  memory.write_program(kBase, {rv::addi(10, 0, 1), rv::ecall()});
  engine.run(cpu);
  EXPECT_EQ(cpu.x[10], 1u);
  memory.write32(kBase, rv::addi(10, 0, 2));
  cpu.pc = kBase;
  engine.run(cpu);
  EXPECT_EQ(cpu.x[10], 1u) << "without invalidation the cached block still runs";
  engine.invalidate(kBase, 4);
  cpu.pc = kBase;
  engine.run(cpu);
  EXPECT_EQ(cpu.x[10], 2u);
}

TEST_P(EngineTest, FenceIDropsStaleTranslations) {
  // Writes a new first instruction over the code, executes fence.i, jumps back.
  const uint32_t replacement = rv::addi(10, 0, 42);
  memory.write_program(kBase, {
                                  rv::addi(10, 0, 1),            // 0: replaced on 2nd pass
                                  rv::bne(11, 0, 24),            // 4: second pass -> ecall
                                  rv::addi(11, 0, 1),            // 8
                                  0,                             // 12: sw x12, 0(x13) below
                                  rv::fence_i(),                 // 16
                                  rv::jal(0, -20),               // 20: back to 0
                                  rv::ecall(),                   // 28
                              });
  // 12: sw x12, 0(x13)
  memory.write32(kBase + 12, 0x00c6a023);
  cpu.x[12] = replacement;
  cpu.x[13] = kBase;
  engine.run(cpu);
  EXPECT_EQ(cpu.x[10], 42u);
}

TEST_P(EngineTest, CsrInstretReadsRetiredCount) {
  memory.write_program(kBase, {rv::addi(5, 0, 1), rv::addi(5, 0, 1), rv::csrrs(10, 0xc02, 0),
                               rv::ecall()});
  engine.run(cpu);
  EXPECT_EQ(cpu.x[10], 2u);
  EXPECT_EQ(cpu.icount, 3u);
}

TEST_P(EngineTest, WriteToReadOnlyCsrIsIllegal) {
  memory.write_program(kBase, {rv::csrrs(10, 0xc00, 5)});  // csrrs with rs1 != 0 writes
  StopInfo stop = engine.run(cpu);
  EXPECT_EQ(stop.cause, Cause::kIllegalInsn);
  EXPECT_EQ(cpu.icount, 0u);
}

TEST_P(EngineTest, CompressedInstructionsExecute) {
  memory.write16(kBase, 0x4529);      // c.li a0, 10
  memory.write16(kBase + 2, 0x0505); // c.addi a0, 1
  memory.write32(kBase + 4, rv::ecall());
  engine.run(cpu);
  EXPECT_EQ(cpu.x[10], 11u);
  EXPECT_EQ(cpu.pc, kBase + 4);
  EXPECT_EQ(cpu.icount, 2u);
}

INSTANTIATE_TEST_SUITE_P(Tiers, EngineTest, ::testing::Values(Tier::kInterp, Tier::kJit),
                         [](const auto& info) {
                           return info.param == Tier::kInterp ? "interp" : "jit";
                         });

}  // namespace
}  // namespace rwd
