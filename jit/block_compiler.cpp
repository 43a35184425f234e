// The block compiler's driver, register allocator, and the templates for control flow and
// helper calls. Arithmetic templates are in lower_alu.cpp, memory and CpuState accesses in
// lower_memory.cpp, self-loops in lower_loop.cpp.
#include <cstddef>
#include <stdexcept>

#include "cpu/cpu_state.h"
#include "jit/compiler.h"

namespace rwd::jit {

using ir::Opcode;
using Xbyak::Reg64;

namespace {

constexpr int64_t kOffIcount = offsetof(CpuState, icount);
constexpr int64_t kOffIcountLimit = offsetof(CpuState, icount_limit);
constexpr int64_t kOffPc = offsetof(CpuState, pc);
constexpr int64_t kOffInsnIndex = offsetof(CpuState, insn_index);

}  // namespace

Compiler::Compiler(const ir::Block& block, CodeBuffer& buffer, const CompileEnv& env, JitBlock& out)
    : Xbyak::CodeGenerator(buffer.remaining(), buffer.cursor()),
      block_(block),
      buffer_(buffer),
      env_(env),
      out_(out) {}

// ---------------------------------------------------------------- allocator

bool Compiler::fits_imm32(ir::TempId t) const {
  return is_const(t) && const_value(t) == int64_t(int32_t(const_value(t)));
}

Xbyak::Address Compiler::home(ir::TempId t) {
  if (temp(t).kind == ir::TempKind::kGlobal) return qword[rbp + temp(t).value];
  if (spill_slot_[t] < 0) {
    if (next_spill_slot_ >= kSpillSlots) too_many_locals_ = true;
    spill_slot_[t] = next_spill_slot_ < kSpillSlots ? next_spill_slot_++ : 0;
  }
  return qword[rsp + 8 * spill_slot_[t]];
}

void Compiler::write_back(int reg) {
  RegState& r = regs_[reg];
  if (r.temp == kNoTemp || !r.dirty) return;
  mov(home(ir::TempId(r.temp)), Reg64(reg));
  temps_[r.temp].in_memory = true;
  r.dirty = false;
}

void Compiler::evict(int reg) {
  write_back(reg);
  RegState& r = regs_[reg];
  if (r.temp != kNoTemp) temps_[r.temp].reg = kNoReg;
  r.temp = kNoTemp;
  r.dirty = false;
}

int Compiler::allocate_reg() {
  for (int pass = 0; pass < 2; ++pass) {
    for (int reg : kAllocatable) {
      if (regs_[reg].temp == kNoTemp && !regs_[reg].locked && (pass == 1 || !loop_reg_[reg])) {
        return reg;
      }
    }
  }
  // Prefer evicting a clean register (no store needed) that is no loop global's home (see
  // lower_loop.cpp), round-robin for fairness.
  const int n = int(std::size(kAllocatable));
  for (int pass = 0; pass < 3; ++pass) {
    for (int i = 0; i < n; ++i) {
      const int reg = kAllocatable[(eviction_cursor_ + i) % n];
      if (regs_[reg].locked || (pass < 2 && loop_reg_[reg]) || (pass == 0 && regs_[reg].dirty)) {
        continue;
      }
      eviction_cursor_ = (eviction_cursor_ + i + 1) % n;
      evict(reg);
      return reg;
    }
  }
  throw Xbyak::Error(Xbyak::ERR_INTERNAL);  // more live operands than registers: impossible
}

Reg64 Compiler::use(ir::TempId t) {
  if (temps_[t].reg != kNoReg) {
    regs_[temps_[t].reg].locked = true;
    return Reg64(temps_[t].reg);
  }
  const int reg = allocate_reg();
  regs_[reg].locked = true;
  if (is_const(t)) {
    mov(Reg64(reg), const_value(t));  // transient: owned by no temp, freed after the op
    return Reg64(reg);
  }
  mov(Reg64(reg), home(t));
  regs_[reg].temp = int(t);
  regs_[reg].dirty = false;
  temps_[t].reg = reg;
  return Reg64(reg);
}

Reg64 Compiler::def(ir::TempId t) {
  int reg = temps_[t].reg;
  if (reg == kNoReg) {
    reg = allocate_reg();
    regs_[reg].temp = int(t);
    temps_[t].reg = reg;
  }
  regs_[reg].dirty = true;
  regs_[reg].locked = true;
  temps_[t].in_memory = false;
  return Reg64(reg);
}

Reg64 Compiler::def_reusing(ir::TempId d, ir::TempId a) {
  const bool a_dies_here = temp(a).kind == ir::TempKind::kLocal && temps_[a].reg != kNoReg &&
                           last_use_[a] <= int(current_op_) && a != d;
  if (temps_[d].reg == kNoReg && a_dies_here) {
    const int reg = temps_[a].reg;
    temps_[a].reg = kNoReg;
    regs_[reg].temp = int(d);
    temps_[d].reg = reg;
    regs_[reg].dirty = true;
    temps_[d].in_memory = false;
    return Reg64(reg);
  }
  return def(d);
}

void Compiler::unlock_all() {
  for (RegState& r : regs_) r.locked = false;
}

void Compiler::free_dead_after(size_t index) {
  const ir::Op& op = block_.ops[index];
  for (int i = 0; i < op.nout + op.nin; ++i) {
    const ir::TempId t = op.args[i];
    if (temp(t).kind != ir::TempKind::kLocal || last_use_[t] > int(index)) continue;
    if (temps_[t].reg != kNoReg) {
      regs_[temps_[t].reg] = RegState{};
      temps_[t].reg = kNoReg;
    }
  }
}

void Compiler::sync_globals() {
  for (int reg : kAllocatable) {
    const int t = regs_[reg].temp;
    if (t != kNoTemp && temp(ir::TempId(t)).kind == ir::TempKind::kGlobal) write_back(reg);
  }
}

std::vector<LiveGlobal> Compiler::dirty_globals() const {
  std::vector<LiveGlobal> dirty;
  for (int reg : kAllocatable) {
    const RegState& r = regs_[reg];
    if (r.temp != kNoTemp && r.dirty && temp(ir::TempId(r.temp)).kind == ir::TempKind::kGlobal) {
      dirty.push_back({uint8_t(reg), int32_t(temp(ir::TempId(r.temp)).value)});
    }
  }
  return dirty;
}

void Compiler::store_globals(const std::vector<LiveGlobal>& globals) {
  for (const LiveGlobal& g : globals) mov(qword[rbp + g.offset], Reg64(g.host_reg));
}

void Compiler::spill_all() {
  for (int reg : kAllocatable) write_back(reg);
}

void Compiler::forget_all() {
  for (int reg : kAllocatable) {
    if (regs_[reg].temp != kNoTemp) temps_[regs_[reg].temp].reg = kNoReg;
    regs_[reg] = RegState{};
  }
}

void Compiler::spill_caller_saved() {
  for (int reg : kCallerSaved) evict(reg);
}

void Compiler::drop_globals() {
  for (int reg : kAllocatable) {
    const int t = regs_[reg].temp;
    if (t != kNoTemp && temp(ir::TempId(t)).kind == ir::TempKind::kGlobal) evict(reg);
  }
}

void Compiler::emit_icount_to(const Reg64& dst) {
  mov(dst, qword[rbp + kOffIcountLimit]);
  sub(dst, kBudgetReg);
}

void Compiler::write_icount() {
  // The count only changes at block entry, so one store per block suffices.
  if (icount_written_) return;
  emit_icount_to(rax);
  mov(qword[rbp + kOffIcount], rax);
  icount_written_ = true;
}

uint32_t Compiler::current_token() {
  if (token_insn_ != int64_t(insn_ordinal_)) {
    const uint32_t k = insn_ordinal_;
    token_ = env_.new_token(block_.insn_pcs[k], block_.n_insns - k);
    token_insn_ = k;
  }
  return token_;
}

void Compiler::write_token() {
  write_icount();
  if (written_insn_ == int64_t(insn_ordinal_)) return;
  mov(dword[rbp + kOffInsnIndex], current_token());
  written_insn_ = insn_ordinal_;
}

void Compiler::mov_temp_to(const Reg64& dst, ir::TempId t) {
  if (is_const(t)) {
    mov(dst, const_value(t));
  } else if (temps_[t].reg != kNoReg) {
    if (temps_[t].reg != dst.getIdx()) mov(dst, Reg64(temps_[t].reg));
  } else {
    mov(dst, home(t));
  }
}

// ---------------------------------------------------------------- templates

void Compiler::emit_entry_check() {
  // Count the whole block in on entry; leave before running it if that would pass the limit.
  // While translated code runs the count is kept as the budget left, limit - icount, in a
  // register: one subtract-and-branch per block, and no load-add-store chain through memory
  // from block to block.
  if (env_.count_heat) {
    // Before the budget check, so leaving here hands the dispatcher an untouched count.
    emit_heat_count(hot_exit_);
  }
  sub(kBudgetReg, int32_t(block_.n_insns));
  jb(budget_exit_, T_NEAR);
}

void Compiler::emit_heat_count(const Xbyak::Label& at_zero) {
  const size_t start = getSize();
  mov(rax, reinterpret_cast<uint64_t>(&out_.hot_countdown));
  sub(dword[rax], 1);
  jz(at_zero, T_NEAR);
  if (getSize() - start != kHeatCountBytes) throw std::logic_error("heat count size changed");
  out_.heat_counts.push_back(uint32_t(start));
}

int32_t Compiler::insns_after_current() const {
  return int32_t(block_.n_insns - 1 - insn_ordinal_);
}

void Compiler::emit_refund(int32_t insns) {
  // lea leaves the flags alone: a fused branch's compare is already done.
  if (insns > 0) lea(kBudgetReg, ptr[kBudgetReg + insns]);
}

void Compiler::lower_exit(const ir::Op& op) {
  if (op.opc == Opcode::k_goto_tb && is_loop_back(uint64_t(op.imm))) {
    emit_loop_back();
    return;
  }
  sync_globals();
  emit_refund(insns_after_current());
  switch (op.opc) {
    case Opcode::k_goto_tb:
      emit_chain_exit(uint64_t(op.imm), nullptr);
      break;
    case Opcode::k_goto_ptr: {
      // Inline lookup in the block cache's direct-mapped array; a miss returns to the
      // dispatcher with pc stored. Without a table (system mode, where a pc alone does not
      // name a block), every goto_ptr returns to the dispatcher.
      mov_temp_to(rax, op.in(0));
      mov(qword[rbp + kOffPc], rax);
      if (env_.jump_cache) {
        Xbyak::Label& miss = ool_labels_.emplace_back();
        emit_jump_cache_lookup(miss);
        out_of_line_.push_back([this, &miss] {
          L(miss);
          xor_(eax, eax);
          jmp(env_.epilogue, T_NEAR);
        });
        break;
      }
      if (!env_.fast_table) {
        xor_(eax, eax);
        jmp(env_.epilogue, T_NEAR);
        break;
      }
      Xbyak::Label& miss = ool_labels_.emplace_back();
      emit_fast_table_jump(*this, env_, miss);
      out_of_line_.push_back([this, &miss] {
        L(miss);
        xor_(eax, eax);
        jmp(env_.epilogue, T_NEAR);
      });
      break;
    }
    default:  // exit
      emit_return_to_dispatcher(uint64_t(op.imm));
      break;
  }
}

void Compiler::emit_return_to_dispatcher(uint64_t pc) {
  mov(rax, pc);
  mov(qword[rbp + kOffPc], rax);
  xor_(eax, eax);  // no chain site: the dispatcher looks pc up
  jmp(env_.epilogue, T_NEAR);
}

Xbyak::Label& Compiler::emit_early_exit(int32_t refund, uint64_t target) {
  Xbyak::Label& leave = ool_labels_.emplace_back();
  out_of_line_.push_back([this, &leave, dirty = dirty_globals(), refund, target] {
    L(leave);
    store_globals(dirty);
    emit_refund(refund);
    emit_chain_exit(target, nullptr);
  });
  return leave;
}

void Compiler::emit_chain_exit(uint64_t target_pc, const ir::Cond* cond) {
  ChainSite& site = env_.sites->emplace_back();
  site.owner = &out_;
  site.target_pc = target_pc;
  out_.outgoing.push_back(&site);
  Xbyak::Label& stub = ool_labels_.emplace_back();
  site.jump = const_cast<uint8_t*>(getCurr());
  if (cond) {
    jump_if(*this, *cond, stub);  // 0F 8x rel32
  } else {
    jmp(stub, T_NEAR);  // E9 rel32
  }
  site.rel32 = const_cast<uint8_t*>(getCurr()) - 4;
  // A jump into another page is never linked in system mode (the two pages' mappings are
  // independent): its stub looks the target up in the jump cache first.
  const bool look_up = env_.jump_cache && (target_pc >> 12) != (block_.pc >> 12);
  out_of_line_.push_back([this, &site, &stub, look_up, target_pc] {
    L(stub);
    site.stub = const_cast<uint8_t*>(getCurr());
    Xbyak::Label& miss = ool_labels_.emplace_back();
    if (look_up) {
      mov(rax, target_pc);
      emit_jump_cache_lookup(miss);
      L(miss);
    }
    mov(rax, reinterpret_cast<uint64_t>(&site));
    jmp(env_.epilogue, T_NEAR);
  });
}

void Compiler::emit_jump_cache_lookup(Xbyak::Label& miss) {
  // The block's own modes are the modes now: nothing in a block changes them.
  emit_jump_cache_jump(*this, env_.jump_cache, block_.flags, miss);
}

void emit_jump_cache_jump(Xbyak::CodeGenerator& g, const void* jump_cache, uint32_t flags,
                          const Xbyak::Label& miss) {
  using namespace Xbyak::util;
  static_assert(sizeof(JumpCacheEntry) == 32);
  g.mov(ecx, eax);
  g.shr(ecx, 1);
  g.and_(ecx, kJumpCacheEntries - 1);
  g.shl(ecx, 5);
  g.mov(rdx, reinterpret_cast<uint64_t>(jump_cache));
  g.add(rdx, rcx);
  g.cmp(g.qword[rdx + offsetof(JumpCacheEntry, pc)], rax);
  g.jne(miss, g.T_NEAR);
  g.cmp(g.qword[rdx + offsetof(JumpCacheEntry, flags)], int32_t(flags));
  g.jne(miss, g.T_NEAR);
  g.mov(rdx, g.qword[rdx + offsetof(JumpCacheEntry, block)]);
  g.jmp(g.qword[rdx]);
}

void emit_fast_table_jump(Xbyak::CodeGenerator& g, const CompileEnv& env,
                          const Xbyak::Label& miss) {
  using namespace Xbyak::util;
  g.mov(ecx, eax);
  g.shr(ecx, 1);
  g.and_(ecx, uint32_t(env.fast_entries - 1));
  g.shl(ecx, 4);  // sizeof(FastEntry)
  g.mov(rdx, reinterpret_cast<uint64_t>(env.fast_table));
  g.add(rdx, rcx);
  g.cmp(g.qword[rdx], rax);
  g.jne(miss, g.T_NEAR);
  g.mov(rdx, g.qword[rdx + 8]);
  g.test(rdx, rdx);
  g.jz(miss, g.T_NEAR);
  g.jmp(g.qword[rdx]);
}

void Compiler::lower_call(const ir::Op& op) {
  const ir::HelperInfo& h = env_.helpers->get(ir::HelperId(op.imm));
  if (h.flags & ir::HF_CAN_RAISE) write_token();
  if (h.flags & ir::HF_READS_ICOUNT) write_icount();
  if (h.flags & (ir::HF_CAN_RAISE | ir::HF_READS_GLOBALS | ir::HF_WRITES_GLOBALS)) {
    sync_globals();
  }
  spill_caller_saved();
  static const Reg64 kArgs[] = {rsi, rdx, rcx, r8};
  for (int i = 0; i < op.nin; ++i) mov_temp_to(kArgs[i], op.in(i));
  mov(rdi, rbp);
  mov(rax, reinterpret_cast<uint64_t>(h.fn));
  call(rax);
  if (h.flags & ir::HF_WRITES_GLOBALS) drop_globals();
  if (op.nout) mov(def(op.out()), rax);
}

void jump_if(Xbyak::CodeGenerator& g, ir::Cond c, const Xbyak::Label& target) {
  using C = ir::Cond;
  switch (c) {
    case C::kEq:
      g.je(target, g.T_NEAR);
      break;
    case C::kNe:
      g.jne(target, g.T_NEAR);
      break;
    case C::kLt:
      g.jl(target, g.T_NEAR);
      break;
    case C::kGe:
      g.jge(target, g.T_NEAR);
      break;
    case C::kLtu:
      g.jb(target, g.T_NEAR);
      break;
    case C::kGeu:
      g.jae(target, g.T_NEAR);
      break;
    case C::kGt:
      g.jg(target, g.T_NEAR);
      break;
    case C::kLe:
      g.jle(target, g.T_NEAR);
      break;
    case C::kGtu:
      g.ja(target, g.T_NEAR);
      break;
    case C::kLeu:
      g.jbe(target, g.T_NEAR);
      break;
  }
}

// A conditional branch whose two outcomes are block exits: brcond L; goto_tb A; L: goto_tb B.
bool Compiler::is_two_way_exit(size_t index) const {
  const auto& ops = block_.ops;
  return index + 3 < ops.size() && ops[index].opc == Opcode::k_brcond &&
         ops[index + 1].opc == Opcode::k_goto_tb && ops[index + 2].opc == Opcode::k_set_label &&
         ops[index + 2].imm == ops[index].imm && ops[index + 3].opc == Opcode::k_goto_tb;
}

// A side exit: brcond L; goto_tb A; L: ... where nothing else branches to L. The exit path is
// moved out of line and the code after L keeps every register assignment.
bool Compiler::is_side_exit(size_t index) const {
  const auto& ops = block_.ops;
  return index + 2 < ops.size() && ops[index].opc == Opcode::k_brcond &&
         ops[index + 1].opc == Opcode::k_goto_tb && ops[index + 2].opc == Opcode::k_set_label &&
         ops[index + 2].imm == ops[index].imm && label_refs_[size_t(ops[index].imm)] == 1;
}

void Compiler::lower_side_exit(const ir::Op& branch, const ir::Op& exit) {
  compare_operands(branch.in(0), branch.in(1), branch.type);
  // Only the exit path stores the globals it has changed so far; the inline path keeps them.
  jump_if(*this, ir::invert(branch.cond),
          emit_early_exit(insns_after_current(), uint64_t(exit.imm)));
  L(labels_[branch.imm]);  // nothing jumps here: the inline path falls through
}

void Compiler::lower_branch(const ir::Op& op) {
  if (op.opc == Opcode::k_brcond && is_side_exit(current_op_) && !is_two_way_exit(current_op_)) {
    lower_side_exit(op, block_.ops[current_op_ + 1]);
    skip_ops_ = 2;
    return;
  }
  if (op.opc == Opcode::k_brcond && is_two_way_exit(current_op_) &&
      (is_loop_back(uint64_t(block_.ops[current_op_ + 1].imm)) ||
       is_loop_back(uint64_t(block_.ops[current_op_ + 3].imm)))) {
    lower_loop_two_way(op);
    return;
  }
  // Control-flow joins inside a block: every temp is in its home at a label.
  spill_all();
  if (op.opc == Opcode::k_br) {
    jmp(labels_[op.imm], T_NEAR);
    forget_all();
    return;
  }
  compare_operands(op.in(0), op.in(1), op.type);
  if (is_two_way_exit(current_op_)) {
    // The conditional jump itself becomes the taken exit's chain site, so a linked taken
    // branch (a loop's back edge) is one jump, not a jump to a jump. Every temp is home
    // already, which is all either exit needs; the three ops this replaces are skipped.
    const ir::Op& not_taken = block_.ops[current_op_ + 1];
    const ir::Op& taken = block_.ops[current_op_ + 3];
    emit_refund(insns_after_current());  // both exits leave after this instruction
    emit_chain_exit(uint64_t(taken.imm), &op.cond);
    emit_chain_exit(uint64_t(not_taken.imm), nullptr);
    L(labels_[op.imm]);  // defined for completeness; nothing jumps here
    forget_all();
    written_insn_ = -1;  // as at any label
    icount_written_ = false;
    skip_ops_ = 3;
    return;
  }
  jump_if(*this, op.cond, labels_[op.imm]);
}

void Compiler::lower(const ir::Op& op, size_t index) {
  current_op_ = index;
  switch (op.opc) {
    case Opcode::k_insn_start:
      insn_ordinal_ = insn_count_++;
      break;
    case Opcode::k_set_label:
      spill_all();
      forget_all();
      L(labels_[op.imm]);
      written_insn_ = -1;       // paths join here with different tokens written
      icount_written_ = false;  // ...and maybe without the count stored
      break;
    case Opcode::k_br:
    case Opcode::k_brcond:
      lower_branch(op);
      break;
    case Opcode::k_goto_tb:
    case Opcode::k_goto_ptr:
    case Opcode::k_exit:
      lower_exit(op);
      forget_all();  // nothing falls through a block exit
      break;
    case Opcode::k_guest_ld:
    case Opcode::k_guest_st:
      lower_guest_memory(op);
      break;
    case Opcode::k_ld_env:
    case Opcode::k_st_env:
      lower_env_access(op);
      break;
    case Opcode::k_call:
      lower_call(op);
      break;
    case Opcode::k_setcond:
    case Opcode::k_movcond:
      lower_compare(op);
      break;
    default:
      lower_alu(op);
      break;
  }
}

void Compiler::emit_out_of_line() {
  if (env_.linear_memory) {
    align(8);
    L(linear_limit_);
    dq(uint64_t{1} << env_.linear_bits);
  }
  emit_loop_budget_exit();
  L(budget_exit_);
  add(kBudgetReg, int32_t(block_.n_insns));  // the block did not run
  L(hot_exit_);
  emit_return_to_dispatcher(block_.pc);
  // A side exit's code adds its chain stub while it runs: index, and move each one out first
  // so growth of the vector cannot destroy the function being called.
  for (size_t i = 0; i < out_of_line_.size(); ++i) {
    const std::function<void()> emit = std::move(out_of_line_[i]);
    emit();
  }
}

CompileStatus Compiler::run() {
  const size_t n_temps = block_.temps.size();
  temps_.assign(n_temps, TempState{});
  spill_slot_.assign(n_temps, -1);
  last_use_.assign(n_temps, -1);
  for (size_t t = 0; t < n_temps; ++t) {
    temps_[t].in_memory = block_.temps[t].kind == ir::TempKind::kGlobal;
  }
  for (size_t i = 0; i < block_.ops.size(); ++i) {
    const ir::Op& op = block_.ops[i];
    for (int k = 0; k < op.nin; ++k) last_use_[op.in(k)] = int(i);
  }
  labels_.resize(block_.n_labels);
  label_refs_.assign(block_.n_labels, 0);
  for (const ir::Op& op : block_.ops) {
    if (op.opc == Opcode::k_br || op.opc == Opcode::k_brcond) label_refs_[size_t(op.imm)]++;
  }
  plan_self_loop();
  emit_entry_check();
  emit_loop_head();
  for (size_t i = 0; i < block_.ops.size(); ++i) {
    lower(block_.ops[i], i);
    unlock_all();
    free_dead_after(i);
    i += skip_ops_;  // ops a fused template already covered
    skip_ops_ = 0;
  }
  emit_out_of_line();
  if (too_many_locals_) return CompileStatus::kTooManyLocals;
  ready();
  out_.entry = getCode();
  out_.template_entry = out_.entry;
  out_.host_bytes = uint32_t(getSize());
  buffer_.commit(getSize());
  return CompileStatus::kOk;
}

CompileStatus compile_block(const ir::Block& block, CodeBuffer& buffer, const CompileEnv& env,
                            JitBlock& out) {
  const size_t sites_before = env.sites->size();
  try {
    Compiler compiler(block, buffer, env, out);
    CompileStatus status = compiler.run();
    if (status != CompileStatus::kOk) {
      env.sites->resize(sites_before);
      out.outgoing.clear();
    }
    return status;
  } catch (const Xbyak::Error& e) {
    env.sites->resize(sites_before);
    out.outgoing.clear();
    if (int(e) == Xbyak::ERR_CODE_IS_TOO_BIG) return CompileStatus::kBufferFull;
    throw;
  }
}

}  // namespace rwd::jit
