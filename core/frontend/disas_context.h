// State of the translation of one block, and the small emitters every trans_* function uses.
// Included only by translator.cpp and the trans_*.inc files it pulls in.
#pragma once

#include <cstddef>

#include "cpu/code_flags.h"
#include "cpu/cpu_state.h"
#include "frontend/translator.h"
#include "ir/builder.h"

namespace rwd {

struct DisasContext {
  ir::Builder& b;
  const HelperIds& ids;
  const ir::HelperTable& helpers;
  uint64_t pc = 0;       // pc of the instruction being translated
  uint64_t next_pc = 0;  // pc of the one after it
  uint32_t insn = 0;     // its raw bits (16 or 32)
  bool block_ended = false;  // the instruction left the block on every path
  bool end_after = false;    // end the block after this instruction, falling through
  uint32_t side_exits = 0;   // branches so far whose taken path leaves the block mid-way
  bool frm_checked = false;  // a dynamic-rounding check was already emitted in this block
  uint32_t flags = 0;        // code_flags of the block (0: user mode)
  bool fp_dirtied = false;   // mstatus.FS was already set Dirty in this block
};

namespace frontend {

using ir::Cond;
using ir::Opcode;
using ir::TempId;

inline TempId gpr(DisasContext* ctx, int64_t r) {
  return r == 0 ? ctx->b.constant(0) : kFirstGprGlobal + TempId(r - 1);
}
inline TempId fpr(int64_t r) { return kFirstFprGlobal + TempId(r); }
inline TempId imm(DisasContext* ctx, int64_t v) { return ctx->b.constant(v); }
inline TempId local(DisasContext* ctx) { return ctx->b.local(); }

// Where to put a value destined for rd: the register itself, or a scratch temp for x0 so the
// computation (which may fault or set flags) still happens.
inline TempId gpr_dest(DisasContext* ctx, int64_t rd) {
  return rd == 0 ? ctx->b.local() : gpr(ctx, rd);
}

inline void set_gpr(DisasContext* ctx, int64_t rd, TempId value) {
  if (rd != 0) ctx->b.mov(gpr(ctx, rd), value);
}

// rs1 + imm as a fresh temp (or rs1 itself when imm is 0).
inline TempId address(DisasContext* ctx, int64_t rs1, int64_t offset) {
  if (offset == 0) return gpr(ctx, rs1);
  TempId addr = local(ctx);
  ctx->b.binary(Opcode::k_add, addr, gpr(ctx, rs1), imm(ctx, offset));
  return addr;
}

inline void call(DisasContext* ctx, ir::HelperId id, TempId out,
                 std::initializer_list<TempId> ins) {
  ctx->b.call(ctx->helpers, id, out, ins);
}

inline void raise(DisasContext* ctx, Cause cause, uint64_t tval) {
  call(ctx, ctx->ids.raise, ir::Builder::kNoTemp,
       {imm(ctx, int64_t(cause)), imm(ctx, int64_t(tval))});
  // Never reached (the helper does not return), but keeps every path ending in a terminator.
  ctx->b.exit(ctx->pc);
  ctx->block_ended = true;
}

inline void end_block_at_next(DisasContext* ctx) {
  ctx->b.goto_tb(0, ctx->next_pc);
  ctx->block_ended = true;
}

#define REWIND_CPU_OFFSET(field) int64_t(offsetof(CpuState, field))

}  // namespace frontend
}  // namespace rwd
