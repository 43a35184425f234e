#include <gtest/gtest.h>

#include "ir/builder.h"
#include "ir/ir.h"

namespace rwd::ir {
namespace {

TEST(IrOpTable, EveryOpHasNameAndDoc) {
  for (size_t i = 0; i < size_t(Opcode::kCount); ++i) {
    const OpDef& def = op_def(Opcode(i));
    EXPECT_NE(std::string(def.name), "");
    EXPECT_GT(std::string(def.doc).size(), 5u) << def.name;
  }
  EXPECT_STREQ(op_def(Opcode::k_add).name, "add");
  EXPECT_EQ(op_def(Opcode::k_movcond).inputs, 4);
  EXPECT_TRUE(op_def(Opcode::k_guest_ld).flags & OPF_CAN_RAISE);
  EXPECT_TRUE(op_def(Opcode::k_goto_ptr).flags & OPF_TERMINATOR);
}

TEST(IrCond, SignedUnsignedAndWidth) {
  EXPECT_TRUE(eval_cond(Cond::kLt, uint64_t(-1), 0, ValType::kI64));
  EXPECT_FALSE(eval_cond(Cond::kLtu, uint64_t(-1), 0, ValType::kI64));
  // As I32, 0x80000000 is negative whatever the upper half holds.
  EXPECT_TRUE(eval_cond(Cond::kLt, 0x0000000080000000ull, 0, ValType::kI32));
  EXPECT_TRUE(eval_cond(Cond::kEq, 0xffffffff00000005ull, 5, ValType::kI32));
  EXPECT_FALSE(eval_cond(Cond::kEq, 0xffffffff00000005ull, 5, ValType::kI64));
  EXPECT_TRUE(eval_cond(Cond::kGeu, 7, 7, ValType::kI64));
  EXPECT_TRUE(eval_cond(Cond::kGt, 1, uint64_t(-1), ValType::kI64));
  EXPECT_FALSE(eval_cond(Cond::kGtu, 1, uint64_t(-1), ValType::kI64));
}

Block valid_block() {
  Block block;
  Builder b(block);
  TempId g = b.global(ValType::kI64, 8, "ra");
  b.insn_start(0x1000);
  TempId t = b.local();
  b.binary(Opcode::k_add, t, g, b.constant(4));
  uint32_t l = b.new_label();
  b.brcond(Cond::kEq, t, b.constant(0), l);
  b.mov(g, t);
  b.set_label(l);
  b.goto_tb(0, 0x1004);
  return block;
}

TEST(IrVerify, AcceptsWellFormedBlock) {
  Block block = valid_block();
  EXPECT_EQ(verify(block), "");
  EXPECT_EQ(block.n_insns, 1u);
}

TEST(IrVerify, RejectsMissingTerminator) {
  Block block = valid_block();
  block.ops.pop_back();
  EXPECT_NE(verify(block).find("terminator"), std::string::npos);
}

TEST(IrVerify, RejectsWriteToConstant) {
  Block block = valid_block();
  Builder b(block);
  TempId c = b.constant(1);
  block.ops.insert(block.ops.begin() + 1, Op{Opcode::k_mov, ValType::kI64, Cond::kEq,
                                             kMemSize64, 1, 1, {c, 0}, 0});
  EXPECT_NE(verify(block).find("const"), std::string::npos);
}

TEST(IrVerify, RejectsTypeMismatch) {
  Block block;
  Builder b(block);
  b.insn_start(0);
  TempId a = b.local(ValType::kI32), c = b.local(ValType::kI64);
  b.binary(Opcode::k_add, a, a, c);
  b.exit(0);
  EXPECT_NE(verify(block).find("type"), std::string::npos);
}

TEST(IrVerify, RejectsUndefinedLabel) {
  Block block;
  Builder b(block);
  b.insn_start(0);
  b.br(b.new_label());
  EXPECT_NE(verify(block).find("never defined"), std::string::npos);
}

TEST(IrVerify, ConversionsNeedTheirTypes) {
  Block block;
  Builder b(block);
  b.insn_start(0);
  TempId narrow = b.local(ValType::kI32), wide = b.local(ValType::kI64);
  b.unary(Opcode::k_trunc_i64_i32, narrow, wide);
  b.unary(Opcode::k_sext_i32_i64, wide, narrow);
  b.exit(0);
  EXPECT_EQ(verify(block), "");
  b.block().ops[1].args[1] = narrow;  // trunc from an I32: wrong
  EXPECT_NE(verify(block), "");
}

TEST(IrBuilder, ConstantsAreShared) {
  Block block;
  Builder b(block);
  EXPECT_EQ(b.constant(42), b.constant(42));
  EXPECT_NE(b.constant(42), b.constant(43));
  EXPECT_NE(b.constant(42, ValType::kI32), b.constant(42));
}

TEST(IrDump, ListsOpsOperandsAndInstructions) {
  std::string text = valid_block().dump();
  EXPECT_NE(text.find("insn 0 pc=0x1000"), std::string::npos) << text;
  EXPECT_NE(text.find("add t1, ra, $0x4"), std::string::npos) << text;
  EXPECT_NE(text.find("brcond"), std::string::npos) << text;
  EXPECT_NE(text.find("goto_tb 0x1004, slot0"), std::string::npos) << text;
}

}  // namespace
}  // namespace rwd::ir
