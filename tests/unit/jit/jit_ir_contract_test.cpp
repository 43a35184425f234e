// IR at the edges of the contract: blocks the verifier must refuse, and blocks the JIT must
// refuse without hanging.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <memory>

#include "exec/interpreter.h"
#include "jit/jit_engine.h"
#include "random_block.h"
#include "tests/unit/exec/test_machine.h"

namespace rwd::jit_test {
namespace {

using ir::Cond;
using ir::Opcode;
using ir::TempId;

constexpr uint64_t kPc = 0x1000;
constexpr uint64_t kNowhere = 0x9000;  // no code: reaching it is an instruction page fault
constexpr TempId kX10 = kFirstGprGlobal + 9;
constexpr TempId kX11 = kFirstGprGlobal + 10;

// Serves one hand-built block at kPc (built by `build`, which must honour max_insns).
class OneBlockSource final : public BlockSource {
 public:
  using Build = std::function<void(ir::Builder&, uint32_t max_insns)>;
  explicit OneBlockSource(Build build) : build_(std::move(build)) {}
  const ir::HelperTable& helpers() const override { return test_helpers().table; }
  TranslateResult translate(GuestMemory&, uint64_t pc, uint32_t max_insns,
                            uint32_t = 0) const override {
    TranslateResult r;
    if (pc != kPc) {
      r.fetch_fault_addr = pc;
      return r;
    }
    auto block = std::make_unique<ir::Block>();
    block->pc = kPc;
    ir::Builder b(*block);
    add_register_globals(b);
    build_(b, max_insns);
    block->size_bytes = 4 * block->n_insns;
    EXPECT_EQ(ir::verify(*block), "");
    r.block = std::move(block);
    return r;
  }

 private:
  Build build_;
};

struct Outcome {
  StopInfo stop;
  CpuState cpu;
};

Outcome run(ExecutionEngine& engine, GuestMemory& memory) {
  Outcome r{{StopReason::kIcountLimit}, test::fresh_cpu(memory, kPc)};
  r.stop = engine.run(r.cpu);
  return r;
}

// The IR contract (ops.def) allows only forward branches that stay within their instruction,
// because backends take liveness and the faulting instruction from op order. These blocks
// break it, and ir::verify must say so rather than let the tiers disagree.
TEST(JitIrContract, VerifierRejectsBackwardBranches) {
  ir::Block block;
  ir::Builder b(block);
  add_register_globals(b);
  const TempId t = b.local(), n = b.local();
  b.insn_start(kPc);
  b.mov(t, b.constant(0));
  b.mov(n, b.constant(3));
  const uint32_t loop = b.new_label();
  b.set_label(loop);
  b.mov(kX10, t);
  b.binary(Opcode::k_add, t, t, b.constant(1));
  b.binary(Opcode::k_sub, n, n, b.constant(1));
  b.brcond(Cond::kNe, n, b.constant(0), loop);
  b.exit(kNowhere);
  EXPECT_NE(ir::verify(block).find("backward"), std::string::npos) << ir::verify(block);
}

TEST(JitIrContract, VerifierRejectsBranchesIntoAnotherInstruction) {
  ir::Block block;
  ir::Builder b(block);
  add_register_globals(b);
  const uint32_t skip = b.new_label();
  b.insn_start(kPc);
  b.mov(kX11, b.constant(5));
  b.brcond(Cond::kEq, kX11, b.constant(5), skip);
  b.insn_start(kPc + 4);
  b.mov(kX11, b.constant(6));
  b.set_label(skip);
  b.exit(kNowhere);
  EXPECT_NE(ir::verify(block).find("crosses"), std::string::npos) << ir::verify(block);
}

// A block needing more spill slots than the JIT frame has is retranslated shorter; a single
// instruction that still does not fit must be refused loudly, not retried forever. Runs in a
// child process with an alarm so a regression fails the test instead of stalling the suite.
TEST(JitIrContractDeathTest, OneInstructionWithTooManyLocalsDoesNotHang) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const OneBlockSource source([](ir::Builder& b, uint32_t) {
    b.insn_start(kPc);
    std::vector<TempId> locals;
    for (int i = 0; i < 5000; ++i) {  // all live at once: each one is spilled
      locals.push_back(b.local());
      b.binary(Opcode::k_add, locals.back(), kX11, b.constant(i));
    }
    for (TempId t : locals) b.binary(Opcode::k_xor, kX10, kX10, t);
    b.exit(kNowhere);
  });
  EXPECT_EXIT(
      {
        alarm(10);
        test::FlatMemory memory(0x20000, 0x1000);
        jit::JitEngine jit(source);
        try {
          run(jit, memory);
        } catch (const std::exception&) {
          // Refusing the block loudly is an acceptable outcome; hanging is not.
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace rwd::jit_test
