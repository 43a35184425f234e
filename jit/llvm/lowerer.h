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
  Lowerer(const std::vector<const ir::Block*>& blocks, const LoweringEnv& env,
          llvm::LLVMContext& context, llvm::Module& module);
  bool run(const std::string& name, std::string* error);

 private:
  enum InsnFlags : uint8_t { kAccess = 1, kSideEffect = 2 };

  llvm::Type* type_of(ir::ValType t) const;
  llvm::Value* fit(llvm::Value* v, llvm::Type* to);  // truncate or zero-extend
  llvm::Value* cpu_field(int64_t offset);
  llvm::Value* get(ir::TempId t);
  void put(ir::TempId t, llvm::Value* v);

  bool scan(std::string* error);
  void make_slots(llvm::BasicBlock* entry);
  void enter_block(size_t index);  // makes blocks_[index] the one being lowered
  void emit_head();
  int member_at(uint64_t pc) const;  // index in blocks_ of the block starting at pc, or -1
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

  bool build(const std::string& name, std::string* error);  // one lowering of the region
  bool lower_member(std::string* error);  // the ops of block_

  static bool fail(std::string* error, const std::string& what);


  // The region: blocks_[0] is its entry; a goto_tb to another member's pc is a branch inside
  // the function. block_ is the member being lowered, its instructions numbered from
  // insn_base_ in the region (tokens name instructions by region index).
  const std::vector<const ir::Block*>& blocks_;
  const ir::Block* block_ = nullptr;
  size_t block_index_ = 0;
  uint32_t insn_base_ = 0;
  std::vector<uint32_t> bases_;
  std::vector<llvm::BasicBlock*> heads_;
  const LoweringEnv& env_;
  llvm::LLVMContext& ctx_;
  llvm::Module& module_;
  llvm::IRBuilder<> irb_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* cpu_ = nullptr;
  llvm::Value* memory_base_ = nullptr;
  llvm::AllocaInst* icount_ = nullptr;
  // Guest registers (IR globals) are shared by the members: one slot per CpuState field,
  // numbered by global id.
  struct Global {
    int64_t offset;
    ir::ValType type;
    llvm::AllocaInst* slot;
  };
  std::vector<Global> globals_;
  std::vector<std::vector<llvm::AllocaInst*>> member_slots_;  // per member, per temp
  std::vector<std::vector<int>> member_gids_;                 // per member, per temp: id or -1
  std::vector<llvm::AllocaInst*>* slots_ = nullptr;  // the current member's; mem2reg -> SSA
  std::vector<int>* gids_ = nullptr;
  std::vector<llvm::BasicBlock*> labels_;
  // Globals (by id) whose CpuState copy is stale on the path being lowered, and at each label
  // the union over the branches to it (labels are only jumped to forwards).
  std::vector<bool> dirty_;
  std::vector<std::vector<bool>> label_dirty_;
  std::vector<bool> written_anywhere_;  // globals written anywhere in the region
  std::vector<uint8_t> insn_flags_;     // per region instruction: InsnFlags
  // Per member head: the globals assumed dirty on entry to it, and the union found over the
  // branches to it in the pass being lowered (run() repeats until the two agree).
  std::vector<std::vector<bool>> head_in_;
  std::vector<std::vector<bool>> head_out_;
  bool restart_pending_ = true;
  // Per member: linear memory, accesses but no store or call, so its restart point is its
  // start, made where other blocks branch to it (see kUncountedToken).
  std::vector<bool> member_restart_;
  uint32_t insn_ = 0;        // region index of the instruction being lowered
  uint32_t local_insn_ = 0;  // its index in its block
};

}  // namespace rwd::jit::llvm_tier
