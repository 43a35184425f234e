// The block compiler's internals, shared by the files that hold its op templates. Not part of
// the JIT's interface (see block_compiler.h).
#pragma once

#define XBYAK_NO_OP_NAMES  // the IR has ops named and/or/xor/not
#include <xbyak/xbyak.h>

#include <array>
#include <deque>
#include <functional>
#include <vector>

#include "jit/block_compiler.h"

namespace rwd::jit {

// Host registers: rbp holds the CpuState, r15 the linear memory base, r14 the instruction
// budget left (cpu.icount_limit - cpu.icount; the count is stored back at every exit and
// before anything that may read it), rsp the spill frame; rax, rcx and rdx are scratch inside
// a single template and never hold temps.
inline const Xbyak::Reg64 kBudgetReg = Xbyak::util::r14;
// Allocation order: callee-saved first (they survive helper calls), then caller-saved.
inline constexpr int kAllocatable[] = {
    Xbyak::Operand::RBX, Xbyak::Operand::R12, Xbyak::Operand::R13,
    Xbyak::Operand::RSI, Xbyak::Operand::RDI, Xbyak::Operand::R8,
    Xbyak::Operand::R9,  Xbyak::Operand::R10, Xbyak::Operand::R11};
inline constexpr int kCalleeSavedAllocatable = 3;  // the first three above
inline constexpr int kCallerSaved[] = {Xbyak::Operand::RSI, Xbyak::Operand::RDI,
                                       Xbyak::Operand::R8,  Xbyak::Operand::R9,
                                       Xbyak::Operand::R10, Xbyak::Operand::R11};

// A near conditional jump taken when `c` holds for the flags of the last compare.
void jump_if(Xbyak::CodeGenerator& g, ir::Cond c, const Xbyak::Label& target);
// Jumps to the block for the guest pc in rax, found in the system-mode jump cache under the
// modes `flags`, or in the block cache's direct-mapped table (user mode); to `miss` if it is
// not there. Clobber rcx and rdx. (goto_ptr and chain stubs; the LLVM entry stub.)
void emit_jump_cache_jump(Xbyak::CodeGenerator& g, const void* jump_cache, uint32_t flags,
                          const Xbyak::Label& miss);
void emit_fast_table_jump(Xbyak::CodeGenerator& g, const CompileEnv& env,
                          const Xbyak::Label& miss);

class Compiler : public Xbyak::CodeGenerator {
 public:
  Compiler(const ir::Block& block, CodeBuffer& buffer, const CompileEnv& env, JitBlock& out);
  CompileStatus run();

 private:
  using Reg64 = Xbyak::Reg64;
  static constexpr int kNoReg = -1;
  static constexpr int kNoTemp = -1;

  struct TempState {
    int reg = kNoReg;
    bool in_memory = false;  // the home (CpuState field or spill slot) holds the value
  };
  struct RegState {
    int temp = kNoTemp;
    bool dirty = false;
    bool locked = false;  // used by the op being lowered
  };

  // ---- Allocator (block_compiler.cpp) ----
  const ir::Temp& temp(ir::TempId t) const { return block_.temps[t]; }
  bool is_const(ir::TempId t) const { return temp(t).kind == ir::TempKind::kConst; }
  int64_t const_value(ir::TempId t) const { return temp(t).value; }
  bool fits_imm32(ir::TempId t) const;
  Xbyak::Address home(ir::TempId t);
  int allocate_reg();
  void evict(int reg);
  void write_back(int reg);
  Reg64 use(ir::TempId t);  // a register holding t (consts: a transient register)
  Reg64 def(ir::TempId t);  // the register t's new value goes into
  Reg64 def_reusing(ir::TempId d, ir::TempId a);  // like def, preferring a's reg if a dies here
  void unlock_all();
  void free_dead_after(size_t op_index);
  void sync_globals();  // store dirty globals to CpuState, keeping them cached
  void spill_all();     // every dirty temp to its home
  std::vector<LiveGlobal> dirty_globals() const;  // globals whose value is only in a register
  void store_globals(const std::vector<LiveGlobal>& globals);          // without changing any state
  uint32_t record_fault_globals(const std::vector<LiveGlobal>& live);  // index into fault_globals
  void forget_all();                      // drop every register association
  void spill_caller_saved();              // before a call
  void drop_globals();                    // after a helper wrote CpuState registers
  void write_token();                     // before an op that can raise
  void write_icount();                    // make cpu.icount current in memory
  void emit_icount_to(const Reg64& dst);  // dst = the current instruction count
  uint32_t current_token();               // the token naming the instruction being lowered

  // ---- Templates ----
  void lower(const ir::Op& op, size_t index);
  void lower_alu(const ir::Op& op);      // lower_alu.cpp
  void lower_compare(const ir::Op& op);  // lower_alu.cpp
  void lower_guest_memory(const ir::Op& op);
  void lower_tlb_access(const ir::Op& op);
  void emit_sized_load(const Reg64& d, const Xbyak::RegExp& at, unsigned bytes, bool is_signed);
  void emit_sized_store(const Xbyak::RegExp& at, unsigned bytes, const Reg64& value);
  void emit_sized_store_imm(const Xbyak::RegExp& at, unsigned bytes, int32_t imm);
  void emit_jump_cache_lookup(Xbyak::Label& miss);  // target pc in rax
  void lower_env_access(const ir::Op& op);
  void lower_call(const ir::Op& op);
  void lower_branch(const ir::Op& op);
  void lower_exit(const ir::Op& op);
  void emit_return_to_dispatcher(uint64_t pc);  // leave with cpu.pc = pc, no chain site
  // Out-of-line code for an exit in the middle of the inline path: stores the globals dirty
  // now, gives back `refund` instructions and chains to `target`. Returns its label.
  Xbyak::Label& emit_early_exit(int32_t refund, uint64_t target);
  // A patchable jump (conditional when `cond` is set) to a stub returning to the dispatcher.
  void emit_chain_exit(uint64_t target_pc, const ir::Cond* cond);
  bool is_two_way_exit(size_t index) const;
  bool is_side_exit(size_t index) const;
  void lower_side_exit(const ir::Op& branch, const ir::Op& exit);
  // An exit before the block's last instruction gives back the count of those after it.
  int32_t insns_after_current() const;
  void emit_refund(int32_t insns);
  void emit_entry_check();
  // Counts hot_countdown down, to at_zero when it gets there (JitBlock::heat_counts).
  void emit_heat_count(const Xbyak::Label& at_zero);
  void compare_operands(ir::TempId a, ir::TempId b, ir::ValType type);  // lower_alu.cpp
  void emit_out_of_line();

  // ---- Self-loops (lower_loop.cpp) ----
  // A block whose last instruction jumps back to its start keeps its most-read guest registers
  // in fixed host registers across iterations and jumps to a loop head inside itself.
  struct LoopGlobal {
    ir::TempId temp;
    int reg;       // its host register at the loop head
    bool written;  // written somewhere in the block, so dirty at the head
  };
  void plan_self_loop();
  void emit_loop_head();
  bool is_loop_back(uint64_t target) const;
  bool is_loop_global(int temp) const;
  void lower_loop_two_way(const ir::Op& branch);
  void emit_loop_back();
  void emit_loop_budget_exit();
  std::vector<LoopGlobal> loop_globals_;
  std::array<bool, 16> loop_reg_{};  // the host register is some loop global's home
  bool self_loop_ = false;
  bool loop_back_emitted_ = false;
  Xbyak::Label loop_head_;
  Xbyak::Label loop_budget_exit_;

  // Copies t's value into dst wherever t lives (register, home, or constant).
  void mov_temp_to(const Reg64& dst, ir::TempId t);

  const ir::Block& block_;
  CodeBuffer& buffer_;
  const CompileEnv& env_;
  JitBlock& out_;

  std::vector<TempState> temps_;
  std::array<RegState, 16> regs_{};
  std::vector<int> spill_slot_;  // per temp: slot index, or -1
  std::vector<int> last_use_;    // per temp: index of the last op reading it
  std::vector<int> label_refs_;  // per label: how many branches target it
  int next_spill_slot_ = 0;
  bool too_many_locals_ = false;
  int eviction_cursor_ = 0;

  std::vector<Xbyak::Label> labels_;
  std::deque<Xbyak::Label> ool_labels_;  // targets of out-of-line code (stable addresses)
  Xbyak::Label budget_exit_;
  Xbyak::Label hot_exit_;  // the heat countdown reached zero at entry (auto tier)
  Xbyak::Label linear_limit_;  // 8-byte constant: size of the linear guest space
  std::vector<std::function<void()>> out_of_line_;  // slow paths and stubs, emitted at the end
  uint32_t insn_ordinal_ = 0;                       // instruction the current op belongs to
  uint32_t insn_count_ = 0;
  size_t current_op_ = 0;
  size_t skip_ops_ = 0;          // set by a template that lowered the following ops too
  int64_t written_insn_ = -1;    // instruction whose token cpu.insn_index holds, -1 if unknown
  bool icount_written_ = false;  // cpu.icount in memory already holds this block's count
  int64_t token_insn_ = -1;      // instruction that token_ names
  uint32_t token_ = 0;
};

}  // namespace rwd::jit
