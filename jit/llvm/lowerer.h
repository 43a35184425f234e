// The IR -> LLVM IR lowering's internals, shared by lower_to_llvm.cpp (control flow, exits,
// calls, state syncs) and lower_ops.cpp (arithmetic and guest memory). Not an interface.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <cstddef>
#include <string>
#include <vector>

#include "cpu/cpu_state.h"
#include "jit/llvm/lower_to_llvm.h"

namespace rwd::jit::llvm_tier {

class Lowerer {
 public:
  Lowerer(const ir::Block& block, const LoweringEnv& env, llvm::LLVMContext& context,
          llvm::Module& module);
  bool run(const std::string& name, std::string* error);

 private:
  enum InsnFlags : uint8_t { kAccess = 1, kSideEffect = 2 };

  llvm::Type* type_of(ir::ValType t) const;
  llvm::Value* fit(llvm::Value* v, llvm::Type* to);  // truncate or zero-extend
  llvm::Value* cpu_field(int64_t offset);
  llvm::Value* get(ir::TempId t);
  void put(ir::TempId t, llvm::Value* v);

  void scan();
  void make_slots(llvm::BasicBlock* entry);
  void emit_head();
  void start_dead_block();

  // CpuState syncs: globals changed since CpuState last had them, the count, and a token in
  // cpu.insn_index. `now_clean`: the stored values stay current on this path.
  void store_globals(bool now_clean = false);
  void merge_into(std::vector<bool>& at_label) const;  // a branch: this path's dirty set
  void merge_dirty(const std::vector<bool>& at_label);  // a label: the paths that reach it
  void reload_globals();  // after a helper wrote guest registers
  void store_icount(llvm::Value* icount = nullptr);
  void sync(uint32_t token);
  void sync_precise();

  void emit_exit(ExitKind kind, llvm::Value* pc);
  void emit_chain(llvm::Value* pc);  // return kExitChain, or tail-call the next block's code
  void lower_exit(const ir::Op& op);
  void lower_call(const ir::Op& op);
  void lower_env(const ir::Op& op);

  // lower_ops.cpp
  llvm::Value* compare(ir::Cond c, ir::TempId a, ir::TempId b, ir::ValType type);
  bool lower_value_op(const ir::Op& op);
  void lower_guest_memory(const ir::Op& op);
  llvm::Value* slow_access(const ir::Op& op, llvm::Value* addr, llvm::Value* value);
  llvm::Value* host_access(const ir::Op& op, llvm::Value* host, llvm::Value* value);

  static bool fail(std::string* error, const std::string& what);

  const ir::Block& block_;
  const LoweringEnv& env_;
  llvm::LLVMContext& ctx_;
  llvm::Module& module_;
  llvm::IRBuilder<> irb_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* cpu_ = nullptr;
  llvm::Value* memory_base_ = nullptr;
  llvm::BasicBlock* head_ = nullptr;
  llvm::AllocaInst* icount_ = nullptr;
  std::vector<llvm::AllocaInst*> slots_;  // per temp; mem2reg turns them into SSA values
  std::vector<llvm::BasicBlock*> labels_;
  // Globals whose CpuState copy is stale on the path being lowered, and at each label the
  // union over the branches to it (labels are only jumped to forwards).
  std::vector<bool> dirty_;
  std::vector<std::vector<bool>> label_dirty_;
  std::vector<bool> written_anywhere_;  // globals written anywhere in the block
  std::vector<uint8_t> insn_flags_;     // per instruction: InsnFlags
  bool self_loop_ = false;
  bool any_access_ = false;
  bool restart_pending_ = true;
  bool entry_restart_ = false;  // linear memory, accesses but no store or call: see kUncountedToken
  uint32_t insn_ = 0;  // index of the instruction being lowered
};

}  // namespace rwd::jit::llvm_tier
