// Self-loops: a block whose last instruction branches back to its own start.
//
// Between ordinary blocks every guest register goes through CpuState: stored at the exit,
// loaded again by the next block. In a tight loop that puts a store-to-load forwarding delay
// on every loop-carried register. Here the most-read guest registers are loaded once at block
// entry into fixed host registers; the back edge puts them back in those registers, takes the
// next iteration's instructions off the budget and jumps to the loop head, with no memory
// traffic for them at all. Every exit path stores what is dirty, as exits always do.
#include <algorithm>

#include "jit/compiler.h"

namespace rwd::jit {

using ir::Opcode;
using Xbyak::Reg64;

namespace {
// Enough for the loop-carried values of most inner loops, while leaving room for temps.
constexpr size_t kLoopGlobals = 5;
}  // namespace

void Compiler::plan_self_loop() {
  bool loops = false, calls = false;
  std::vector<int> reads(block_.temps.size(), 0);
  std::vector<bool> written(block_.temps.size(), false);
  for (const ir::Op& op : block_.ops) {
    loops |= op.opc == Opcode::k_goto_tb && uint64_t(op.imm) == block_.pc;
    calls |= op.opc == Opcode::k_call;
    for (int i = 0; i < op.nin; ++i) reads[op.in(i)]++;
    for (int i = 0; i < op.nout; ++i) written[op.args[i]] = true;
  }
  if (!loops) return;
  std::vector<ir::TempId> candidates;
  for (size_t t = 0; t < block_.temps.size(); ++t) {
    if (block_.temps[t].kind == ir::TempKind::kGlobal && reads[t] > 0) {
      candidates.push_back(ir::TempId(t));
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](ir::TempId a, ir::TempId b) { return reads[a] > reads[b]; });
  // Helper calls clobber the caller-saved registers, which would evict loop globals there.
  const size_t limit = calls ? size_t(kCalleeSavedAllocatable) : kLoopGlobals;
  candidates.resize(std::min(candidates.size(), limit));
  for (size_t i = 0; i < candidates.size(); ++i) {
    loop_globals_.push_back({candidates[i], kAllocatable[i], written[candidates[i]]});
    loop_reg_[kAllocatable[i]] = true;
  }
  self_loop_ = !loop_globals_.empty();
}

void Compiler::emit_loop_head() {
  if (!self_loop_) return;
  for (const LoopGlobal& g : loop_globals_) {
    mov(Reg64(g.reg), home(g.temp));
    // Dirty at the head if any iteration may have changed it: the back edge arrives so.
    regs_[g.reg] = RegState{int(g.temp), g.written, false};
    temps_[g.temp].reg = g.reg;
  }
  L(loop_head_);
}

bool Compiler::is_loop_back(uint64_t target) const {
  return self_loop_ && target == block_.pc && insns_after_current() == 0;
}

bool Compiler::is_loop_global(int t) const {
  return std::any_of(loop_globals_.begin(), loop_globals_.end(),
                     [t](const LoopGlobal& g) { return int(g.temp) == t; });
}

void Compiler::emit_loop_back() {
  // Other guest registers are not part of the head's state: to memory.
  for (int reg : kAllocatable) {
    const int t = regs_[reg].temp;
    if (t != kNoTemp && temp(ir::TempId(t)).kind == ir::TempKind::kGlobal && !is_loop_global(t)) {
      write_back(reg);
    }
  }
  // A loop global the allocator evicted or that lives elsewhere goes home through memory:
  // all stores first, then all loads, so no order of register moves can lose a value.
  std::vector<const LoopGlobal*> misplaced;
  for (const LoopGlobal& g : loop_globals_) {
    const int reg = temps_[g.temp].reg;
    if (reg == g.reg) continue;
    misplaced.push_back(&g);
    if (reg != kNoReg && regs_[reg].dirty) mov(home(g.temp), Reg64(reg));
  }
  for (const LoopGlobal* g : misplaced) mov(Reg64(g->reg), home(g->temp));
  sub(kBudgetReg, int32_t(block_.n_insns));
  jb(loop_budget_exit_, T_NEAR);
  if (env_.count_heat) {
    // A loop entered once can run for long: its iterations count as entries, and reaching
    // zero leaves like running out of budget, so the dispatcher can swap in LLVM code.
    emit_heat_count(loop_budget_exit_);
  }
  jmp(loop_head_, T_NEAR);
  loop_back_emitted_ = true;
}

// Out of budget at the back edge: the next iteration did not start. Leave with the loop
// globals stored and pc at the block's start.
void Compiler::emit_loop_budget_exit() {
  if (!loop_back_emitted_) return;
  L(loop_budget_exit_);
  add(kBudgetReg, int32_t(block_.n_insns));
  for (const LoopGlobal& g : loop_globals_) {
    if (g.written) mov(home(g.temp), Reg64(g.reg));
  }
  emit_return_to_dispatcher(block_.pc);
}

// brcond c, L; goto_tb A; L: goto_tb B, with A or B the block's own start: the other exit goes
// out of line and the loop continues inline.
void Compiler::lower_loop_two_way(const ir::Op& branch) {
  const ir::Op& if_false = block_.ops[current_op_ + 1];
  const ir::Op& if_true = block_.ops[current_op_ + 3];
  const bool loop_if_true = uint64_t(if_true.imm) == block_.pc;
  const uint64_t leave_to = uint64_t(loop_if_true ? if_false.imm : if_true.imm);
  compare_operands(branch.in(0), branch.in(1), branch.type);
  jump_if(*this, loop_if_true ? ir::invert(branch.cond) : branch.cond,
          emit_early_exit(insns_after_current(), leave_to));
  emit_loop_back();
  L(labels_[branch.imm]);  // defined for completeness; nothing jumps here
  forget_all();
  written_insn_ = -1;
  icount_written_ = false;
  skip_ops_ = 3;
}

}  // namespace rwd::jit
