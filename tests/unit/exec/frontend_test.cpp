// Every encoding the frontend accepts must translate to structurally valid IR, and every
// encoding it rejects must become an illegal-instruction exit — never a crash.
#include <gtest/gtest.h>

#include <random>

#include "frontend/translator.h"
#include "ir/ir.h"
#include "test_machine.h"

namespace rwd {
namespace {

constexpr uint64_t kBase = 0x10000;

void expect_valid_translation(const Translator& translator, test::FlatMemory& memory,
                              uint32_t insn) {
  TranslateResult r = translator.translate(memory, kBase, 4);
  ASSERT_TRUE(r.block) << std::hex << insn;
  std::string problem = ir::verify(*r.block);
  ASSERT_EQ(problem, "") << "insn " << std::hex << insn << "\n" << r.block->dump();
  ASSERT_GE(r.block->n_insns, 1u);
}

TEST(Frontend, EveryHalfwordTranslatesToValidIr) {
  Translator translator;
  test::FlatMemory memory(kBase, 0x1000);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 3) == 3) continue;  // 32-bit instruction space
    memory.write16(kBase, uint16_t(h));
    memory.write32(kBase + 2, 0x00000013);  // nop after it
    expect_valid_translation(translator, memory, h);
    if (HasFatalFailure()) return;
  }
}

TEST(Frontend, RandomWordsTranslateToValidIr) {
  Translator translator;
  test::FlatMemory memory(kBase, 0x1000);
  std::mt19937 rng(12345);
  for (int i = 0; i < 300000; ++i) {
    uint32_t insn = rng() | 3;
    memory.write32(kBase, insn);
    memory.write32(kBase + 4, 0x00000013);
    expect_valid_translation(translator, memory, insn);
    if (HasFatalFailure()) return;
  }
}

TEST(Frontend, BlockStopsAtPageEnd) {
  Translator translator;
  test::FlatMemory memory(kBase, 0x2000);
  for (uint64_t a = kBase; a < kBase + 0x2000; a += 4) memory.write32(a, 0x00000013);
  TranslateResult r = translator.translate(memory, kBase + 0xff8, Translator::kMaxBlockInsns);
  ASSERT_TRUE(r.block);
  EXPECT_EQ(r.block->n_insns, 2u);
  EXPECT_EQ(r.block->size_bytes, 8u);
}

TEST(Frontend, BlockStopsBeforeUnfetchableInstruction) {
  Translator translator;
  test::FlatMemory memory(kBase, 0x1000);
  for (uint64_t a = kBase; a < kBase + 0x1000; a += 4) memory.write32(a, 0x00000013);
  TranslateResult r = translator.translate(memory, kBase + 0xff8, Translator::kMaxBlockInsns);
  ASSERT_TRUE(r.block);
  EXPECT_EQ(r.block->n_insns, 2u);
  TranslateResult at_end = translator.translate(memory, kBase + 0x1000, 8);
  EXPECT_FALSE(at_end.block);
  EXPECT_EQ(at_end.fetch_fault_addr, kBase + 0x1000);
}

// Forward conditional branches become side exits and the block goes on; a backward branch ends
// it; so does the kMaxSideExits-th forward branch.
TEST(Frontend, BlocksContinuePastForwardBranchesOnly) {
  Translator translator;
  test::FlatMemory memory(kBase, 0x1000);
  for (uint64_t a = kBase; a < kBase + 0x1000; a += 4) memory.write32(a, 0x00000013);
  constexpr uint32_t kBneForward = 0x00051463;   // bne a0, zero, +8
  constexpr uint32_t kBneBackward = 0xfe051ee3;  // bne a0, zero, -4
  memory.write32(kBase + 4, kBneForward);
  memory.write32(kBase + 12, kBneBackward);
  TranslateResult r = translator.translate(memory, kBase, Translator::kMaxBlockInsns);
  ASSERT_TRUE(r.block);
  EXPECT_EQ(ir::verify(*r.block), "");
  EXPECT_EQ(r.block->n_insns, 4u) << r.block->dump();  // nop, bne+8 (side exit), nop, bne-4

  for (uint64_t a = kBase; a < kBase + 0x1000; a += 4) memory.write32(a, kBneForward);
  r = translator.translate(memory, kBase, Translator::kMaxBlockInsns);
  ASSERT_TRUE(r.block);
  EXPECT_EQ(ir::verify(*r.block), "");
  EXPECT_EQ(r.block->n_insns, Translator::kMaxSideExits);
  size_t exits = 0;
  for (const ir::Op& op : r.block->ops) exits += op.opc == ir::Opcode::k_goto_tb;
  EXPECT_EQ(exits, Translator::kMaxSideExits + 1);  // one per branch, and the fall-through
}

TEST(Frontend, DumpShowsHelperCallsForFloatingPoint) {
  Translator translator;
  test::FlatMemory memory(kBase, 0x1000);
  memory.write32(kBase, 0x02b57553);  // fadd.d fa0, fa0, fa1, dyn
  TranslateResult r = translator.translate(memory, kBase, 1);
  ASSERT_TRUE(r.block);
  std::string text = r.block->dump();
  EXPECT_NE(text.find("call"), std::string::npos) << text;
  EXPECT_EQ(ir::verify(*r.block), "");
}

}  // namespace
}  // namespace rwd
