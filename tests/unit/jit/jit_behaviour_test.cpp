// Behaviour of the JIT tier on real RISC-V code (Translator + FlatMemory): block chaining,
// indirect jumps, code-cache flushes, exact instruction budgets and invalidation. Every result
// is also checked against the interpreter.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "rv_extra.h"

namespace rwd::jit_test {
namespace {

using test::FlatMemory;

constexpr uint64_t kCode = 0x10000;
constexpr uint64_t kMemoryBytes = 0x20000;
constexpr uint64_t kData = kCode + 0x18000;  // data the programs load and store

// Byte offset from instruction `from` to instruction `to` (both indices into the program).
constexpr int32_t offset(int from, int to) { return 4 * (to - from); }

struct Outcome {
  StopInfo stop;
  CpuState cpu;
};

class JitBehaviourTest : public ::testing::Test {
 protected:
  Outcome run(ExecutionEngine& engine, FlatMemory& mem, uint64_t limit = ~uint64_t{0}) {
    Outcome out{{StopReason::kIcountLimit}, test::fresh_cpu(mem, kCode)};
    out.cpu.icount_limit = limit;
    out.stop = engine.run(out.cpu);
    return out;
  }
  // The same program on the interpreter, as the reference.
  Outcome reference(const std::vector<uint32_t>& program, uint64_t limit = ~uint64_t{0}) {
    FlatMemory mem(kCode, kMemoryBytes);
    mem.write_program(kCode, program);
    Interpreter interp(translator);
    return run(interp, mem, limit);
  }

  static void expect_same(const Outcome& jit, const Outcome& ref, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(jit.stop.reason, ref.stop.reason);
    if (ref.stop.reason == StopReason::kException) {
      EXPECT_EQ(jit.stop.cause, ref.stop.cause);
      EXPECT_EQ(jit.stop.tval, ref.stop.tval);
    }
    EXPECT_EQ(jit.cpu.pc, ref.cpu.pc);
    EXPECT_EQ(jit.cpu.icount, ref.cpu.icount);
    for (int r = 0; r < 32; ++r) EXPECT_EQ(jit.cpu.x[r], ref.cpu.x[r]) << "x" << r;
  }

  Translator translator;
  FlatMemory memory{kCode, kMemoryBytes};
};

// A loop through three blocks (A -> B -> C -> A), 1000 times.
std::vector<uint32_t> three_block_loop() {
  return {
      rv::addi(11, 0, 1000),             // 0
      rv::addi(10, 0, 0),                // 1
      rv::addi(10, 10, 1),               // 2  A
      rv::jal(0, offset(3, 5)),          // 3
      rv::ecall(),                       // 4  never reached
      rv::addi(12, 12, 3),               // 5  B
      rv::jal(0, offset(6, 8)),          // 6
      rv::ecall(),                       // 7  never reached
      rv::addi(11, 11, -1),              // 8  C
      rv::bne(11, 0, offset(9, 2)),      // 9
      rv::ecall(),                       // 10
  };
}

TEST_F(JitBehaviourTest, ChainedLoopRarelyEntersTheDispatcher) {
  memory.write_program(kCode, three_block_loop());
  jit::JitEngine jit(translator);
  const Outcome out = run(jit, memory);
  EXPECT_EQ(out.stop.cause, Cause::kEcallU);
  EXPECT_EQ(out.cpu.x[10], 1000u);
  EXPECT_EQ(out.cpu.x[12], 3000u);
  EXPECT_EQ(out.cpu.icount, 2 + 1000 * 6u);
  expect_same(out, reference(three_block_loop()), "against the interpreter");
  // Each of the four blocks is entered from the dispatcher about once before its exits are
  // linked; after that the loop runs entirely in translated code.
  EXPECT_GE(jit.stats().links, 3u);
  EXPECT_LE(jit.stats().dispatcher_entries, 12u);
}

// Calls through a register and returns (both jalr, i.e. goto_ptr), 500 times.
std::vector<uint32_t> indirect_call_loop() {
  return {
      rv::lui(5, kCode >> 12),           // 0  x5 = address of func
      rv::addi(5, 5, offset(0, 9)),      // 1
      rv::addi(11, 0, 500),              // 2
      rv::jalr(1, 5, 0),                 // 3  loop: call func indirectly
      rv::addi(11, 11, -1),              // 4
      rv::bne(11, 0, offset(5, 3)),      // 5
      rv::jal(1, offset(6, 9)),          // 6  one direct call too
      rv::ecall(),                       // 7
      rv::ecall(),                       // 8  never reached
      rv::addi(10, 10, 2),               // 9  func
      rv::jalr(0, 1, 0),                 // 10 ret
  };
}

TEST_F(JitBehaviourTest, IndirectJumpsStayInTranslatedCode) {
  memory.write_program(kCode, indirect_call_loop());
  jit::JitEngine jit(translator);
  const Outcome out = run(jit, memory);
  EXPECT_EQ(out.stop.cause, Cause::kEcallU);
  EXPECT_EQ(out.cpu.x[10], 2 * 501u);
  EXPECT_EQ(out.cpu.pc, kCode + 4 * 7);
  expect_same(out, reference(indirect_call_loop()), "against the interpreter");
  // 1000 indirect jumps; only the first visit of each target may need the dispatcher.
  EXPECT_LE(jit.stats().dispatcher_entries, 20u);
}

// Many distinct blocks (one addi and a jump each) run three times over: far more host code
// than a 64 KiB cache holds.
std::vector<uint32_t> many_blocks(int n_blocks, uint64_t* expected_sum) {
  std::vector<uint32_t> p = {rv::addi(11, 0, 3), rv::addi(10, 0, 0)};
  const int loop = int(p.size());
  uint64_t sum = 0;
  for (int i = 0; i < n_blocks; ++i) {
    p.push_back(rv::addi(10, 10, 1 + i % 100));
    p.push_back(rv::jal(0, 4));  // to the next instruction, but it ends the block
    sum += 1 + i % 100;
  }
  p.push_back(rv::addi(11, 11, -1));
  // The loop is longer than a branch reaches (4 KiB): branch over a jal instead.
  p.push_back(rv::beq(11, 0, 8));
  p.push_back(rv::jal(0, offset(int(p.size()), loop)));
  p.push_back(rv::ecall());
  *expected_sum = 3 * sum;
  return p;
}

TEST_F(JitBehaviourTest, TinyCodeCacheFlushesAndStaysCorrect) {
  uint64_t expected = 0;
  const std::vector<uint32_t> program = many_blocks(1500, &expected);
  memory.write_program(kCode, program);
  jit::JitEngine jit(translator, size_t{64} << 10);
  const Outcome out = run(jit, memory);
  EXPECT_GT(jit.stats().flushes, 0u);
  EXPECT_EQ(out.stop.cause, Cause::kEcallU);
  EXPECT_EQ(out.cpu.x[10], expected);
  expect_same(out, reference(program), "against the interpreter");
}

// Loops, a call and return, memory and a division: a program whose every prefix is checked.
std::vector<uint32_t> mixed_program() {
  return {
      rv::lui(5, kData >> 12),           // 0  x5 = kData
      rv::addi(6, 0, 7),                 // 1  counter
      rv::addi(7, 0, 100),               // 2
      rv::sd(7, 5, 0),                   // 3  loop: store, load back, accumulate
      rv::ld(8, 5, 0),                   // 4
      rv::add(10, 10, 8),                // 5
      rv::div(9, 10, 6),                 // 6
      rv::addi(5, 5, 8),                 // 7
      rv::addi(7, 7, 3),                 // 8
      rv::jal(1, offset(9, 16)),         // 9  call f
      rv::addi(6, 6, -1),                // 10
      rv::bne(6, 0, offset(11, 3)),      // 11
      rv::lw(12, 5, -8),                 // 12
      rv::blt(12, 0, offset(13, 15)),    // 13 not taken
      rv::mul(13, 12, 9),                // 14
      rv::ecall(),                       // 15
      rv::xor_(14, 14, 10),              // 16 f
      rv::slli(14, 14, 1),               // 17
      rv::jalr(0, 1, 0),                 // 18 ret
  };
}

TEST_F(JitBehaviourTest, StopsAfterExactlyNInstructionsForEveryN) {
  const std::vector<uint32_t> program = mixed_program();
  memory.write_program(kCode, program);
  const Outcome full = reference(program);
  ASSERT_EQ(full.stop.cause, Cause::kEcallU);
  const uint64_t total = full.cpu.icount;
  ASSERT_EQ(total, 90u);
  // One engine for all budgets (its blocks stay linked, so budget checks inside linked code
  // matter) and a fresh one per budget.
  FlatMemory shared_memory(kCode, kMemoryBytes);
  shared_memory.write_program(kCode, program);
  jit::JitEngine shared(translator);
  for (uint64_t n = 1; n <= total + 1; ++n) {
    FlatMemory ref_memory(kCode, kMemoryBytes), fresh_memory(kCode, kMemoryBytes);
    ref_memory.write_program(kCode, program);
    fresh_memory.write_program(kCode, program);
    for (uint64_t a = kData; a < kData + 0x100; a += 4) shared_memory.write32(a, 0);
    Interpreter interp(translator);
    jit::JitEngine fresh(translator);
    const Outcome ref = run(interp, ref_memory, n);
    const Outcome a = run(shared, shared_memory, n);
    const Outcome b = run(fresh, fresh_memory, n);
    const std::string what = "budget " + std::to_string(n);
    if (n <= total) {
      ASSERT_EQ(ref.stop.reason, StopReason::kIcountLimit) << what;
      ASSERT_EQ(ref.cpu.icount, n) << what;
    }
    expect_same(a, ref, what + " (shared engine)");
    expect_same(b, ref, what + " (fresh engine)");
    for (uint64_t addr = kData; addr < kData + 0x100; addr += 8) {
      ASSERT_EQ(shared_memory.read64(addr), ref_memory.read64(addr)) << what;
      ASSERT_EQ(fresh_memory.read64(addr), ref_memory.read64(addr)) << what;
    }
    if (HasFailure()) break;  // one budget's report is enough
  }
}

// Block A jumps straight to block B, so after one run A's exit is linked to B's code.
// Changing B and invalidating only B must unlink that jump.
TEST_F(JitBehaviourTest, InvalidationUnlinksDirectJumpsIntoTheDroppedBlock) {
  memory.write_program(kCode, {
                                  rv::addi(10, 0, 0),         // 0  A
                                  rv::addi(11, 0, 5),         // 1
                                  rv::jal(0, offset(2, 4)),   // 2
                                  rv::ecall(),                // 3  never reached
                                  rv::addi(10, 10, 1),        // 4  B
                                  rv::ecall(),                // 5
                              });
  const uint64_t block_b = kCode + 16;
  jit::JitEngine jit(translator);
  EXPECT_EQ(run(jit, memory).cpu.x[10], 1u);
  EXPECT_EQ(run(jit, memory).cpu.x[10], 1u);
  const uint64_t links_before = jit.stats().links;
  EXPECT_GE(links_before, 1u);

  memory.write32(block_b, rv::addi(10, 10, 100));
  EXPECT_EQ(run(jit, memory).cpu.x[10], 1u) << "without invalidation the old B still runs";
  jit.invalidate(block_b, 4);
  const Outcome out = run(jit, memory);
  EXPECT_EQ(out.cpu.x[10], 100u) << "A still jumps to the dropped translation of B";
  EXPECT_EQ(out.cpu.x[11], 5u);
  EXPECT_EQ(out.cpu.icount, 4u);
  EXPECT_GT(jit.stats().links, links_before) << "A should be linked to the new B";

  // And once more, now that A is linked to the new B.
  memory.write32(block_b, rv::addi(10, 10, 7));
  jit.invalidate(block_b, 4);
  EXPECT_EQ(run(jit, memory).cpu.x[10], 7u);
}

// A loop whose blocks are all linked, where one of them is replaced: the others must reach
// the new code on their next pass.
TEST_F(JitBehaviourTest, InvalidationInsideALinkedLoop) {
  std::vector<uint32_t> program = three_block_loop();
  memory.write_program(kCode, program);
  jit::JitEngine jit(translator);
  ASSERT_EQ(run(jit, memory).cpu.x[12], 3000u);
  memory.write32(kCode + 4 * 5, rv::addi(12, 12, 5));  // block B now adds 5
  jit.invalidate(kCode + 4 * 5, 4);
  program[5] = rv::addi(12, 12, 5);
  const Outcome out = run(jit, memory);
  EXPECT_EQ(out.cpu.x[12], 5000u);
  expect_same(out, reference(program), "against the interpreter");
}

}  // namespace
}  // namespace rwd::jit_test
