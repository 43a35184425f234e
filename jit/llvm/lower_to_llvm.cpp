// IR block -> LLVM IR function. Control flow, exits, calls and state syncs live here; op
// templates for arithmetic and guest memory are in lower_ops.cpp.
#include "jit/llvm/lower_to_llvm.h"

#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "jit/block_compiler.h"
#include "jit/jit_block.h"
#include "jit/llvm/lowerer.h"

namespace rwd::jit::llvm_tier {

using ir::Opcode;

Lowerer::Lowerer(const std::vector<const ir::Block*>& blocks, const LoweringEnv& env,
                 llvm::LLVMContext& context, llvm::Module& module)
    : blocks_(blocks), env_(env), ctx_(context), module_(module), irb_(context) {}

llvm::Type* Lowerer::type_of(ir::ValType t) const {
  return t == ir::ValType::kI32 ? llvm::Type::getInt32Ty(ctx_) : llvm::Type::getInt64Ty(ctx_);
}

llvm::Value* Lowerer::fit(llvm::Value* v, llvm::Type* to) {
  if (v->getType() == to) return v;
  const unsigned from_bits = v->getType()->getIntegerBitWidth();
  return from_bits > to->getIntegerBitWidth() ? irb_.CreateTrunc(v, to) : irb_.CreateZExt(v, to);
}

llvm::Value* Lowerer::cpu_field(int64_t offset) {
  return irb_.CreateConstInBoundsGEP1_64(irb_.getInt8Ty(), cpu_, uint64_t(offset));
}

llvm::Value* Lowerer::get(ir::TempId t) {
  const ir::Temp& temp = block_->temps[t];
  llvm::Type* ty = type_of(temp.type);
  if (temp.kind == ir::TempKind::kConst) return llvm::ConstantInt::get(ty, uint64_t(temp.value));
  return irb_.CreateLoad(ty, (*slots_)[t]);
}

void Lowerer::put(ir::TempId t, llvm::Value* v) {
  const ir::Temp& temp = block_->temps[t];
  irb_.CreateStore(fit(v, type_of(temp.type)), (*slots_)[t]);
  if ((*gids_)[t] >= 0) dirty_[size_t((*gids_)[t])] = true;
}

void Lowerer::store_globals(bool now_clean) {
  for (size_t g = 0; g < globals_.size(); ++g) {
    if (!dirty_[g]) continue;
    const Global& global = globals_[g];
    // Volatile: a host fault may read these through the signal handler, which LLVM cannot see.
    irb_.CreateStore(irb_.CreateLoad(type_of(global.type), global.slot), cpu_field(global.offset),
                     true);
    if (now_clean) dirty_[g] = false;
  }
}

void Lowerer::reload_globals() {
  for (const Global& global : globals_) {
    irb_.CreateStore(irb_.CreateLoad(type_of(global.type), cpu_field(global.offset)), global.slot);
  }
}

void Lowerer::store_icount(llvm::Value* icount) {
  irb_.CreateStore(icount ? icount : irb_.CreateLoad(irb_.getInt64Ty(), icount_),
                   cpu_field(offsetof(CpuState, icount)), true);
}

void Lowerer::sync(uint32_t token) {
  store_globals(true);
  store_icount();
  irb_.CreateStore(irb_.getInt32(token), cpu_field(offsetof(CpuState, insn_index)), true);
}

void Lowerer::sync_precise() { sync(kLlvmToken | insn_); }

void Lowerer::start_dead_block() {
  irb_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "dead", fn_));
  dirty_.assign(dirty_.size(), false);  // nothing reaches here
}

void Lowerer::emit_exit(ExitKind kind, llvm::Value* pc) {
  store_globals();
  llvm::Value* icount = irb_.CreateLoad(irb_.getInt64Ty(), icount_);
  const uint32_t after = block_->n_insns - 1 - local_insn_;  // a side exit gives these back
  if (after) icount = irb_.CreateSub(icount, irb_.getInt64(after));
  store_icount(icount);
  irb_.CreateStore(pc, cpu_field(offsetof(CpuState, pc)));
  if (kind == kExitChain) {
    emit_chain(pc);
  } else {
    irb_.CreateRet(irb_.getInt32(kind));
  }
  start_dead_block();
}

void Lowerer::emit_chain(llvm::Value* pc) {
  // CpuState is exact here. Find the next block as template code's goto_ptr does; when it has
  // LLVM code, jump straight into it (a tail call, so chains do not grow the stack).
  if (!env_.fast_table && !env_.jump_cache) {
    irb_.CreateRet(irb_.getInt32(kExitChain));
    return;
  }
  llvm::Type* i64 = irb_.getInt64Ty();
  auto* weights = llvm::MDBuilder(ctx_).createLikelyBranchWeights();
  auto* miss = llvm::BasicBlock::Create(ctx_, "chain_miss", fn_);
  auto load_at = [&](llvm::Value* base, uint64_t offset) {
    return irb_.CreateLoad(i64, irb_.CreateConstInBoundsGEP1_64(irb_.getInt8Ty(), base, offset));
  };
  auto continue_if = [&](llvm::Value* cond) {
    auto* next = llvm::BasicBlock::Create(ctx_, "chain", fn_);
    irb_.CreateCondBr(cond, next, miss, weights);
    irb_.SetInsertPoint(next);
  };
  const bool jump_cache = env_.jump_cache != nullptr;
  const void* table_address = jump_cache ? env_.jump_cache : env_.fast_table;
  const uint64_t entries = jump_cache ? kJumpCacheEntries : env_.fast_entries;
  const uint64_t entry_bytes = jump_cache ? sizeof(JumpCacheEntry) : 16;
  llvm::Value* index = irb_.CreateAnd(irb_.CreateLShr(pc, 1), irb_.getInt64(entries - 1));
  llvm::Value* table =
      irb_.CreateIntToPtr(irb_.getInt64(reinterpret_cast<uint64_t>(table_address)), irb_.getPtrTy());
  llvm::Value* entry = irb_.CreateGEP(irb_.getInt8Ty(), table,
                                      irb_.CreateMul(index, irb_.getInt64(entry_bytes)));
  continue_if(irb_.CreateICmpEQ(load_at(entry, 0), pc));
  llvm::Value* block = nullptr;
  if (jump_cache) {
    continue_if(irb_.CreateICmpEQ(load_at(entry, offsetof(JumpCacheEntry, flags)),
                                  irb_.getInt64(block_->flags)));
    block = load_at(entry, offsetof(JumpCacheEntry, block));
  } else {
    block = load_at(entry, 8);
  }
  continue_if(irb_.CreateICmpNE(block, irb_.getInt64(0)));
  llvm::Value* code = load_at(irb_.CreateIntToPtr(block, irb_.getPtrTy()), offsetof(JitBlock, llvm_code));
  continue_if(irb_.CreateICmpNE(code, irb_.getInt64(0)));
  llvm::CallInst* call = irb_.CreateCall(fn_->getFunctionType(),
                                         irb_.CreateIntToPtr(code, irb_.getPtrTy()),
                                         {cpu_, memory_base_});
  call->setTailCallKind(llvm::CallInst::TCK_MustTail);
  irb_.CreateRet(call);
  irb_.SetInsertPoint(miss);
  irb_.CreateRet(irb_.getInt32(kExitChain));
}

void Lowerer::lower_exit(const ir::Op& op) {
  const int member = op.opc == Opcode::k_goto_tb ? member_at(uint64_t(op.imm)) : -1;
  if (member >= 0) {
    // To a block of the region (its own start: a loop): a branch inside the function, to
    // that block's budget check.
    const uint32_t after = block_->n_insns - 1 - local_insn_;
    if (after) {
      llvm::Value* icount = irb_.CreateLoad(irb_.getInt64Ty(), icount_);
      irb_.CreateStore(irb_.CreateSub(icount, irb_.getInt64(after)), icount_);
    }
    if (member_restart_[size_t(member)] && size_t(member) != block_index_) {
      // Into a block whose restart point is its start (kUncountedToken): CpuState exact now.
      sync(kLlvmToken | kRestartToken | kUncountedToken | bases_[size_t(member)]);
    }
    std::vector<bool>& into = head_out_[size_t(member)];
    for (size_t g = 0; g < dirty_.size(); ++g) into[g] = into[g] || dirty_[g];
    irb_.CreateBr(heads_[size_t(member)]);
    start_dead_block();
    return;
  }
  switch (op.opc) {
    case Opcode::k_goto_tb: emit_exit(kExitChain, irb_.getInt64(uint64_t(op.imm))); break;
    case Opcode::k_goto_ptr: emit_exit(kExitChain, fit(get(op.in(0)), irb_.getInt64Ty())); break;
    default: emit_exit(kExitToDispatcher, irb_.getInt64(uint64_t(op.imm))); break;
  }
}

void Lowerer::lower_call(const ir::Op& op) {
  const ir::HelperInfo& h = env_.helpers->get(ir::HelperId(op.imm));
  if (h.flags & (ir::HF_CAN_RAISE | ir::HF_READS_GLOBALS | ir::HF_WRITES_GLOBALS)) {
    store_globals(true);
  }
  // The count in memory matters only to a helper that reads it or may raise (as in the
  // template tier); other calls need not pay the store.
  if (h.flags & (ir::HF_CAN_RAISE | ir::HF_READS_ICOUNT)) store_icount();
  if (h.flags & ir::HF_CAN_RAISE) {
    irb_.CreateStore(irb_.getInt32(kLlvmToken | insn_), cpu_field(offsetof(CpuState, insn_index)),
                     true);
  }
  std::vector<llvm::Type*> params(size_t(op.nin) + 1, irb_.getInt64Ty());
  params[0] = irb_.getPtrTy();
  auto* fn_type = llvm::FunctionType::get(irb_.getInt64Ty(), params, false);
  std::vector<llvm::Value*> args{cpu_};
  for (int i = 0; i < op.nin; ++i) args.push_back(fit(get(op.in(i)), irb_.getInt64Ty()));
  llvm::Value* callee = irb_.CreateIntToPtr(irb_.getInt64(reinterpret_cast<uint64_t>(h.fn)),
                                            irb_.getPtrTy());
  llvm::CallInst* result = irb_.CreateCall(fn_type, callee, args);
  if (h.flags & ir::HF_NO_RETURN) {
    result->setDoesNotReturn();
    irb_.CreateUnreachable();
    start_dead_block();
    return;
  }
  if (h.flags & ir::HF_WRITES_GLOBALS) reload_globals();
  if (op.nout) put(op.out(), result);
}

void Lowerer::lower_env(const ir::Op& op) {
  const unsigned bytes = mem_op_bytes(op.memop);
  constexpr int64_t kIcount = offsetof(CpuState, icount);
  if (op.imm == kIcount && bytes == 8) {
    // The count lives in the function while it runs.
    if (op.opc == Opcode::k_ld_env) {
      put(op.out(), irb_.CreateLoad(irb_.getInt64Ty(), icount_));
    } else {
      irb_.CreateStore(fit(get(op.in(0)), irb_.getInt64Ty()), icount_);
    }
    return;
  }
  const bool touches_icount = op.imm < kIcount + 8 && op.imm + int64_t(bytes) > kIcount;
  if (touches_icount) store_icount();
  llvm::Type* mem_type = irb_.getIntNTy(8 * bytes);
  llvm::Value* at = cpu_field(op.imm);
  if (op.opc == Opcode::k_ld_env) {
    llvm::Value* v = irb_.CreateAlignedLoad(mem_type, at, llvm::Align(1));
    v = (op.memop & kMemSigned) ? irb_.CreateSExt(v, irb_.getInt64Ty())
                                : irb_.CreateZExt(v, irb_.getInt64Ty());
    put(op.out(), v);
  } else {
    irb_.CreateAlignedStore(fit(get(op.in(0)), mem_type), at, llvm::Align(1));
    if (touches_icount) {
      irb_.CreateStore(irb_.CreateLoad(irb_.getInt64Ty(), cpu_field(kIcount)), icount_);
    }
  }
}

int Lowerer::member_at(uint64_t pc) const {
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i]->pc == pc) return int(i);
  }
  return -1;
}

bool Lowerer::scan(std::string* error) {
  // Number the globals, the instructions, and note what each instruction does.
  if (blocks_.empty()) return fail(error, "an empty region");
  uint32_t n_insns = 0;
  for (const ir::Block* b : blocks_) {
    bases_.push_back(n_insns);
    n_insns += b->n_insns;
  }
  insn_flags_.assign(n_insns, 0);
  member_gids_.resize(blocks_.size());
  for (size_t m = 0; m < blocks_.size(); ++m) {
    const ir::Block& b = *blocks_[m];
    std::vector<int>& gids = member_gids_[m];
    gids.assign(b.temps.size(), -1);
    for (ir::TempId t = 0; t < b.temps.size(); ++t) {
      const ir::Temp& temp = b.temps[t];
      if (temp.kind != ir::TempKind::kGlobal) continue;
      size_t g = 0;
      while (g < globals_.size() && globals_[g].offset != temp.value) ++g;
      if (g == globals_.size()) globals_.push_back({temp.value, temp.type, nullptr});
      if (globals_[g].type != temp.type) return fail(error, "a register with two types");
      gids[t] = int(g);
    }
    int insn = -1;
    for (const ir::Op& op : b.ops) {
      if (op.opc == Opcode::k_insn_start) ++insn;
      if (insn >= 0 && uint32_t(insn) < b.n_insns) {
        uint8_t& flags = insn_flags_[bases_[m] + uint32_t(insn)];
        if (op.opc == Opcode::k_guest_ld) flags |= kAccess;
        if (op.opc == Opcode::k_guest_st) flags |= kAccess | kSideEffect;
        if (op.opc == Opcode::k_call) flags |= kSideEffect;
      }
    }
  }
  written_anywhere_.assign(globals_.size(), false);
  dirty_.assign(globals_.size(), false);
  for (size_t m = 0; m < blocks_.size(); ++m) {
    for (const ir::Op& op : blocks_[m]->ops) {
      for (int i = 0; i < op.nout; ++i) {
        const int g = member_gids_[m][op.out(i)];
        if (g >= 0) written_anywhere_[size_t(g)] = true;
      }
    }
  }
  member_restart_.assign(blocks_.size(), false);
  for (size_t m = 0; m < blocks_.size(); ++m) {
    bool any_access = false;
    bool any_side_effect = false;
    for (uint32_t k = bases_[m]; k < bases_[m] + blocks_[m]->n_insns; ++k) {
      any_access |= (insn_flags_[k] & kAccess) != 0;
      any_side_effect |= (insn_flags_[k] & kSideEffect) != 0;
    }
    member_restart_[m] = env_.linear_memory && any_access && !any_side_effect;
  }
  return true;
}

void Lowerer::make_slots(llvm::BasicBlock* entry) {
  llvm::IRBuilder<> at_entry(entry);
  for (Global& g : globals_) {
    llvm::Type* ty = type_of(g.type);
    g.slot = at_entry.CreateAlloca(ty);
    llvm::Value* field =
        at_entry.CreateConstInBoundsGEP1_64(at_entry.getInt8Ty(), cpu_, uint64_t(g.offset));
    at_entry.CreateStore(at_entry.CreateLoad(ty, field), g.slot);
  }
  member_slots_.resize(blocks_.size());
  for (size_t m = 0; m < blocks_.size(); ++m) {
    const ir::Block& b = *blocks_[m];
    std::vector<llvm::AllocaInst*>& slots = member_slots_[m];
    slots.assign(b.temps.size(), nullptr);
    for (ir::TempId t = 0; t < b.temps.size(); ++t) {
      const ir::Temp& temp = b.temps[t];
      if (temp.kind == ir::TempKind::kConst) continue;
      const int g = member_gids_[m][t];
      if (g >= 0) {
        slots[t] = globals_[size_t(g)].slot;
        continue;
      }
      llvm::Type* ty = type_of(temp.type);
      slots[t] = at_entry.CreateAlloca(ty);
      at_entry.CreateStore(llvm::ConstantInt::get(ty, 0), slots[t]);
    }
  }
  icount_ = at_entry.CreateAlloca(at_entry.getInt64Ty());
  llvm::Value* field = at_entry.CreateConstInBoundsGEP1_64(at_entry.getInt8Ty(), cpu_,
                                                           offsetof(CpuState, icount));
  at_entry.CreateStore(at_entry.CreateLoad(at_entry.getInt64Ty(), field), icount_);
  if (env_.active_region) {
    llvm::Value* slot = at_entry.CreateIntToPtr(
        at_entry.getInt64(reinterpret_cast<uint64_t>(env_.active_region)), at_entry.getPtrTy());
    at_entry.CreateStore(at_entry.getInt64(env_.region_tag), slot, true);
  }
  if (member_restart_[0]) {  // the caller left CpuState exact
    at_entry.CreateStore(at_entry.getInt32(kLlvmToken | kRestartToken | kUncountedToken),
                         at_entry.CreateConstInBoundsGEP1_64(at_entry.getInt8Ty(), cpu_,
                                                             offsetof(CpuState, insn_index)),
                         true);
  }
}

void Lowerer::enter_block(size_t index) {
  block_index_ = index;
  block_ = blocks_[index];
  insn_base_ = bases_[index];
  slots_ = &member_slots_[index];
  gids_ = &member_gids_[index];
  labels_.clear();
  label_dirty_.assign(block_->n_labels, std::vector<bool>(globals_.size(), false));
  for (uint32_t i = 0; i < block_->n_labels; ++i) {
    labels_.push_back(llvm::BasicBlock::Create(ctx_, "L" + std::to_string(i), fn_));
  }
}

void Lowerer::emit_head() {
  // Count the whole block in on entry, or leave before running it if that would pass the limit
  // (the dispatcher then runs a block cut to the count), exactly as the template tier does.
  irb_.SetInsertPoint(heads_[block_index_]);
  llvm::Value* icount = irb_.CreateLoad(irb_.getInt64Ty(), icount_);
  llvm::Value* limit = irb_.CreateLoad(irb_.getInt64Ty(), cpu_field(offsetof(CpuState, icount_limit)));
  llvm::Value* fits =
      irb_.CreateICmpUGE(irb_.CreateSub(limit, icount), irb_.getInt64(block_->n_insns));
  auto* body = llvm::BasicBlock::Create(ctx_, "body", fn_);
  auto* over_budget = llvm::BasicBlock::Create(ctx_, "over_budget", fn_);
  irb_.CreateCondBr(fits, body, over_budget, llvm::MDBuilder(ctx_).createLikelyBranchWeights());
  // Reached from the function's entry (nothing dirty) and from the branches to this head.
  dirty_ = head_in_[block_index_];
  irb_.SetInsertPoint(over_budget);
  store_globals();
  store_icount(icount);
  irb_.CreateStore(irb_.getInt64(block_->pc), cpu_field(offsetof(CpuState, pc)));
  irb_.CreateRet(irb_.getInt32(kExitToDispatcher));
  irb_.SetInsertPoint(body);
  irb_.CreateStore(irb_.CreateAdd(icount, irb_.getInt64(block_->n_insns)), icount_);
  insn_ = insn_base_;
  local_insn_ = 0;
  // With a restart point at entry it covers the whole block; otherwise the first access
  // makes one (at its own instruction, so no earlier sync is repeated).
  restart_pending_ = !member_restart_[block_index_];
}

bool Lowerer::run(const std::string& name, std::string* error) {
  if (!scan(error)) return false;
  // Which globals are dirty where a branch enters a block's head is the union over the
  // branches to it, which come from anywhere in the region (loops). Lower, collect those
  // unions, and lower again until they no longer grow; storing fewer registers at each sync
  // is what this buys. If that takes too long, every head assumes every written global.
  constexpr int kMaxPasses = 5;
  head_in_.assign(blocks_.size(), std::vector<bool>(globals_.size(), false));
  for (int pass = 0;; ++pass) {
    head_out_ = head_in_;
    if (!build(name, error)) return false;
    if (head_out_ == head_in_) return true;
    fn_->eraseFromParent();
    fn_ = nullptr;
    if (pass + 1 == kMaxPasses) {
      head_in_.assign(blocks_.size(), written_anywhere_);
      head_out_ = head_in_;
      return build(name, error);
    }
    head_in_ = head_out_;
  }
}

bool Lowerer::build(const std::string& name, std::string* error) {
  auto* fn_type = llvm::FunctionType::get(irb_.getInt32Ty(), {irb_.getPtrTy(), irb_.getPtrTy()},
                                          false);
  fn_ = llvm::Function::Create(fn_type, llvm::Function::ExternalLinkage, name, module_);
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  // Nothing else the function touches (guest memory, engine tables) overlaps CpuState, so
  // LLVM may keep fields such as icount_limit in registers across guest stores.
  fn_->addParamAttr(0, llvm::Attribute::NoAlias);
  cpu_ = fn_->getArg(0);
  memory_base_ = fn_->getArg(1);
  auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
  heads_.clear();
  for (size_t m = 0; m < blocks_.size(); ++m) {
    heads_.push_back(llvm::BasicBlock::Create(ctx_, "head" + std::to_string(m), fn_));
  }
  make_slots(entry);
  llvm::BranchInst::Create(heads_[0], entry);
  for (size_t m = 0; m < blocks_.size(); ++m) {
    enter_block(m);
    if (!lower_member(error)) return false;
  }
  for (llvm::BasicBlock& bb : *fn_) {
    if (!bb.getTerminator()) llvm::IRBuilder<>(&bb).CreateUnreachable();
  }
  std::string problems;
  llvm::raw_string_ostream out(problems);
  if (llvm::verifyFunction(*fn_, &out)) return fail(error, "invalid LLVM IR: " + problems);
  return true;
}

bool Lowerer::lower_member(std::string* error) {
  emit_head();
  int insn = -1;
  for (const ir::Op& op : block_->ops) {
    if (irb_.GetInsertBlock()->getTerminator()) start_dead_block();
    switch (op.opc) {
      case Opcode::k_insn_start: {
        if (insn >= 0 && (insn_flags_[insn_] & kSideEffect)) restart_pending_ = true;
        ++insn;
        if (uint32_t(insn) >= block_->n_insns) return fail(error, "more instructions than n_insns");
        local_insn_ = uint32_t(insn);
        insn_ = insn_base_ + local_insn_;
        // In linear memory a host fault needs a restart point with no memory change after
        // it: before a store, and before the first access after a store or call.
        if (env_.linear_memory && (insn_flags_[insn_] & kAccess) &&
            (restart_pending_ || (insn_flags_[insn_] & kSideEffect))) {
          sync(kLlvmToken | kRestartToken | insn_);
          restart_pending_ = false;
        }
        break;
      }
      case Opcode::k_set_label:
        // Labels are only jumped to forwards: every path into this one is known by now.
        if (size_t(op.imm) >= labels_.size()) return fail(error, "label out of range");
        irb_.CreateBr(labels_[op.imm]);
        irb_.SetInsertPoint(labels_[op.imm]);
        merge_dirty(label_dirty_[op.imm]);
        break;
      case Opcode::k_br:
        if (size_t(op.imm) >= labels_.size()) return fail(error, "label out of range");
        merge_into(label_dirty_[op.imm]);
        irb_.CreateBr(labels_[op.imm]);
        break;
      case Opcode::k_brcond: {
        if (size_t(op.imm) >= labels_.size()) return fail(error, "label out of range");
        merge_into(label_dirty_[op.imm]);
        auto* fall = llvm::BasicBlock::Create(ctx_, "fall", fn_);
        irb_.CreateCondBr(compare(op.cond, op.in(0), op.in(1), op.type), labels_[op.imm], fall);
        irb_.SetInsertPoint(fall);
        break;
      }
      case Opcode::k_goto_tb:
      case Opcode::k_goto_ptr:
      case Opcode::k_exit: lower_exit(op); break;
      case Opcode::k_call: lower_call(op); break;
      case Opcode::k_ld_env:
      case Opcode::k_st_env: lower_env(op); break;
      case Opcode::k_guest_ld:
      case Opcode::k_guest_st: lower_guest_memory(op); break;
      default:
        if (!lower_value_op(op)) return fail(error, std::string("op ") + ir::op_def(op.opc).name);
        break;
    }
  }
  return true;
}

void Lowerer::merge_into(std::vector<bool>& at_label) const {
  for (size_t t = 0; t < dirty_.size(); ++t) at_label[t] = at_label[t] || dirty_[t];
}

void Lowerer::merge_dirty(const std::vector<bool>& at_label) {
  for (size_t t = 0; t < dirty_.size(); ++t) dirty_[t] = dirty_[t] || at_label[t];
}

bool Lowerer::fail(std::string* error, const std::string& what) {
  if (error) *error = what;
  return false;
}

bool lower_region_into(const std::vector<const ir::Block*>& blocks, const LoweringEnv& env,
                       llvm::Module& module, const std::string& name, std::string* error) {
  Lowerer lowerer(blocks, env, module.getContext(), module);
  if (lowerer.run(name, error)) return true;
  if (llvm::Function* partial = module.getFunction(name)) partial->eraseFromParent();
  return false;
}

}  // namespace rwd::jit::llvm_tier
