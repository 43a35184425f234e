#include "ir/builder.h"

#include <cassert>

namespace rwd::ir {

TempId Builder::global(ValType type, int64_t cpu_offset, const char* name) {
  block_.temps.push_back({TempKind::kGlobal, type, cpu_offset, name});
  return TempId(block_.temps.size() - 1);
}

TempId Builder::local(ValType type) {
  block_.temps.push_back({TempKind::kLocal, type, 0, nullptr});
  return TempId(block_.temps.size() - 1);
}

TempId Builder::constant(int64_t value, ValType type) {
  auto& cache = type == ValType::kI32 ? consts_i32_ : consts_i64_;
  if (type == ValType::kI32) value = int32_t(value);
  auto [it, inserted] = cache.try_emplace(uint64_t(value), 0);
  if (inserted) {
    block_.temps.push_back({TempKind::kConst, type, value, nullptr});
    it->second = TempId(block_.temps.size() - 1);
  }
  return it->second;
}

Op& Builder::emit(Opcode opc, ValType type, std::initializer_list<TempId> outs,
                  std::initializer_list<TempId> ins) {
  assert(outs.size() + ins.size() <= kMaxOpArgs);
  Op op;
  op.opc = opc;
  op.type = type;
  op.nout = uint8_t(outs.size());
  op.nin = uint8_t(ins.size());
  int i = 0;
  for (TempId t : outs) op.args[i++] = t;
  for (TempId t : ins) op.args[i++] = t;
  block_.ops.push_back(op);
  return block_.ops.back();
}

void Builder::insn_start(uint64_t pc) {
  emit(Opcode::k_insn_start, ValType::kI64, {}, {}).imm = int64_t(pc);
  block_.insn_pcs.push_back(pc);
  block_.n_insns++;
}

void Builder::setcond(Cond c, TempId d, TempId a, TempId b) {
  emit(Opcode::k_setcond, type_of(d), {d}, {a, b}).cond = c;
}

void Builder::movcond(Cond c, TempId d, TempId a, TempId b, TempId if_true, TempId if_false) {
  emit(Opcode::k_movcond, type_of(d), {d}, {a, b, if_true, if_false}).cond = c;
}

void Builder::brcond(Cond c, TempId a, TempId b, uint32_t label) {
  Op& op = emit(Opcode::k_brcond, type_of(a), {}, {a, b});
  op.cond = c;
  op.imm = label;
}

void Builder::br(uint32_t label) { emit(Opcode::k_br, ValType::kI64, {}, {}).imm = label; }

void Builder::set_label(uint32_t label) {
  emit(Opcode::k_set_label, ValType::kI64, {}, {}).imm = label;
}

void Builder::ld_env(TempId d, int64_t offset, MemOp size) {
  Op& op = emit(Opcode::k_ld_env, type_of(d), {d}, {});
  op.imm = offset;
  op.memop = size;
}

void Builder::st_env(TempId s, int64_t offset, MemOp size) {
  Op& op = emit(Opcode::k_st_env, type_of(s), {}, {s});
  op.imm = offset;
  op.memop = size;
}

void Builder::guest_ld(TempId d, TempId addr, MemOp mop) {
  emit(Opcode::k_guest_ld, ValType::kI64, {d}, {addr}).memop = mop;
}

void Builder::guest_st(TempId addr, TempId value, MemOp mop) {
  emit(Opcode::k_guest_st, ValType::kI64, {}, {addr, value}).memop = mop;
}

void Builder::call(const HelperTable& table, HelperId id, TempId out,
                   std::initializer_list<TempId> ins) {
  const HelperInfo& info = table.get(id);
  assert(ins.size() == info.n_in);
  // A helper's result must land somewhere for the op to be well-formed; discard into a local.
  if (info.has_out && out == kNoTemp) out = local();
  Op& op = info.has_out ? emit(Opcode::k_call, ValType::kI64, {out}, ins)
                        : emit(Opcode::k_call, ValType::kI64, {}, ins);
  op.imm = id;
}

void Builder::goto_tb(int slot, uint64_t pc) {
  Op& op = emit(Opcode::k_goto_tb, ValType::kI64, {}, {});
  op.cond = Cond(slot);
  op.imm = int64_t(pc);
}

void Builder::goto_ptr(TempId pc) { emit(Opcode::k_goto_ptr, ValType::kI64, {}, {pc}); }

void Builder::exit(uint64_t pc) { emit(Opcode::k_exit, ValType::kI64, {}, {}).imm = int64_t(pc); }

}  // namespace rwd::ir
