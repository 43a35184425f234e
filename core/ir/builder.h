// Emits IR into a Block. The frontend uses it to write guest semantics; tests use it to build
// blocks by hand.
#pragma once

#include <initializer_list>
#include <unordered_map>

#include "ir/helpers.h"
#include "ir/ir.h"

namespace rwd::ir {

class Builder {
 public:
  explicit Builder(Block& block) : block_(block) {}

  Block& block() { return block_; }

  // ---- Temps ----
  TempId global(ValType type, int64_t cpu_offset, const char* name);
  TempId local(ValType type = ValType::kI64);
  // Constants are shared: asking twice for the same value returns the same temp.
  TempId constant(int64_t value, ValType type = ValType::kI64);
  uint32_t new_label() { return block_.n_labels++; }

  // ---- Generic emission ----
  Op& emit(Opcode opc, ValType type, std::initializer_list<TempId> outs,
           std::initializer_list<TempId> ins);

  // ---- Convenience, all I64 unless the temps say otherwise ----
  void insn_start(uint64_t pc);
  void mov(TempId d, TempId s) { emit(Opcode::k_mov, type_of(d), {d}, {s}); }
  void binary(Opcode opc, TempId d, TempId a, TempId b) { emit(opc, type_of(d), {d}, {a, b}); }
  void unary(Opcode opc, TempId d, TempId a) { emit(opc, type_of(d), {d}, {a}); }
  void setcond(Cond c, TempId d, TempId a, TempId b);
  void movcond(Cond c, TempId d, TempId a, TempId b, TempId if_true, TempId if_false);
  void brcond(Cond c, TempId a, TempId b, uint32_t label);
  void br(uint32_t label);
  void set_label(uint32_t label);
  void ld_env(TempId d, int64_t offset, MemOp size);
  void st_env(TempId s, int64_t offset, MemOp size);
  void guest_ld(TempId d, TempId addr, MemOp op);
  void guest_st(TempId addr, TempId value, MemOp op);
  // Calls helper `id` of `table`; `out` may be kNoTemp when the helper returns nothing useful.
  void call(const HelperTable& table, HelperId id, TempId out, std::initializer_list<TempId> ins);
  void goto_tb(int slot, uint64_t pc);
  void goto_ptr(TempId pc);
  void exit(uint64_t pc);

  static constexpr TempId kNoTemp = ~TempId{0};

 private:
  ValType type_of(TempId t) const { return block_.temps[t].type; }

  Block& block_;
  std::unordered_map<uint64_t, TempId> consts_i64_, consts_i32_;
};

}  // namespace rwd::ir
