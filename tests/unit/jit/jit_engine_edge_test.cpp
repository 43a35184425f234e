// JitEngine corner cases driven by hand-built IR from a custom BlockSource.
#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <memory>

#include "exec/interpreter.h"
#include "jit/jit_engine.h"
#include "random_block.h"
#include "tests/unit/exec/test_machine.h"

namespace rwd::jit_test {
namespace {

using ir::Opcode;

constexpr ir::TempId kX10 = kFirstGprGlobal + 9;

// Blocks of `n` instructions that each add 1 to x10; the block at pc ends with goto_tb to
// `next[pc]`. A source may return fewer instructions than max_insns ("at most"); this one
// does so for shortened requests when `shrink_short` is set, as a source that ends blocks
// early (or the JIT's own halving for too many locals) would.
class CountingSource final : public BlockSource {
 public:
  std::map<uint64_t, std::pair<uint32_t, uint64_t>> blocks;  // pc -> (length, next pc)
  bool shrink_short = false;

  const ir::HelperTable& helpers() const override { return test_helpers().table; }
  TranslateResult translate(GuestMemory&, uint64_t pc, uint32_t max_insns,
                            uint32_t = 0) const override {
    TranslateResult r;
    // A pc inside a block starts a block of that block's remaining instructions.
    auto it = blocks.upper_bound(pc);
    if (it == blocks.begin() || pc >= std::prev(it)->first + 4 * std::prev(it)->second.first) {
      r.fetch_fault_addr = pc;
      return r;
    }
    --it;
    const uint32_t length = it->second.first - uint32_t((pc - it->first) / 4);
    const uint64_t next = it->second.second;
    uint32_t n = std::min(length, max_insns);
    if (shrink_short && max_insns < length) n = 1;
    auto block = std::make_unique<ir::Block>();
    block->pc = pc;
    ir::Builder b(*block);
    add_register_globals(b);
    for (uint32_t k = 0; k < n; ++k) {
      b.insn_start(pc + 4 * k);
      b.binary(Opcode::k_add, kX10, kX10, b.constant(1));
    }
    b.goto_tb(0, n < length ? pc + 4 * n : next);
    block->size_bytes = 4 * n;
    r.block = std::move(block);
    return r;
  }
};

CpuState run_with_limit(ExecutionEngine& engine, GuestMemory& memory, uint64_t pc,
                        uint64_t limit) {
  CpuState cpu = test::fresh_cpu(memory, pc);
  cpu.icount_limit = limit;
  engine.run(cpu);
  return cpu;
}

TEST(JitEngineEdge, BudgetStopsAcrossBlocksOfEveryLength) {
  CountingSource source;
  source.blocks = {{0x1000, {3, 0x2000}}, {0x2000, {5, 0x3000}}, {0x3000, {1, 0x1000}}};
  test::FlatMemory memory(0x10000, 0x1000);
  jit::JitEngine jit(source);
  for (uint64_t limit = 1; limit <= 40; ++limit) {
    Interpreter interp(source);
    const CpuState ref = run_with_limit(interp, memory, 0x1000, limit);
    const CpuState got = run_with_limit(jit, memory, 0x1000, limit);
    EXPECT_EQ(got.icount, limit);
    EXPECT_EQ(got.x[10], ref.x[10]) << limit;
    EXPECT_EQ(got.pc, ref.pc) << limit;
  }
}

// A shortened block that retires fewer instructions than the budget left (allowed: "at most
// max_insns") exits through a chain site whose owner is the short block; the next shortened
// block replaces it. The engine must neither link from nor touch the dropped block (run this
// under AddressSanitizer), and must still stop exactly at the limit.
TEST(JitEngineEdge, ShortBlocksThatRetireFewerThanAskedStopExactly) {
  CountingSource source;
  source.shrink_short = true;
  source.blocks = {{0x1000, {3, 0x2000}}, {0x2000, {3, 0x1000}}};
  test::FlatMemory memory(0x10000, 0x1000);
  jit::JitEngine jit(source);
  Interpreter interp(source);
  for (uint64_t limit = 1; limit <= 8; ++limit) {
    const CpuState ref = run_with_limit(interp, memory, 0x1000, limit);
    const CpuState got = run_with_limit(jit, memory, 0x1000, limit);
    EXPECT_EQ(got.icount, limit);
    EXPECT_EQ(got.icount, ref.icount);
    EXPECT_EQ(got.pc, ref.pc);
    EXPECT_EQ(got.x[10], ref.x[10]);
  }
}

}  // namespace
}  // namespace rwd::jit_test
