#include "ir/ir.h"
#include "ir/helpers.h"

#include <fmt/format.h>

#include <array>

namespace rwd::ir {

namespace {

constexpr std::array<OpDef, size_t(Opcode::kCount)> kOpDefs = {{
#define IR_OP(name, nout, nin, flags, doc) {#name, nout, nin, flags, doc},
#include "ir/ops.def"
#undef IR_OP
}};

}  // namespace

const OpDef& op_def(Opcode opc) { return kOpDefs[size_t(opc)]; }

const char* cond_name(Cond c) {
  static constexpr const char* kNames[] = {"eq",  "ne", "lt", "ge",  "ltu",
                                           "geu", "gt", "le", "gtu", "leu"};
  return kNames[size_t(c)];
}

Cond invert(Cond c) {
  switch (c) {
    case Cond::kEq: return Cond::kNe;
    case Cond::kNe: return Cond::kEq;
    case Cond::kLt: return Cond::kGe;
    case Cond::kGe: return Cond::kLt;
    case Cond::kLtu: return Cond::kGeu;
    case Cond::kGeu: return Cond::kLtu;
    case Cond::kGt: return Cond::kLe;
    case Cond::kLe: return Cond::kGt;
    case Cond::kGtu: return Cond::kLeu;
    case Cond::kLeu: return Cond::kGtu;
  }
  return c;
}

bool eval_cond(Cond c, uint64_t a, uint64_t b, ValType type) {
  if (type == ValType::kI32) {
    a = uint32_t(a);
    b = uint32_t(b);
    // Sign-extend so that signed comparisons below see 32-bit signed values.
    if (c == Cond::kLt || c == Cond::kGe || c == Cond::kGt || c == Cond::kLe) {
      a = uint64_t(int64_t(int32_t(a)));
      b = uint64_t(int64_t(int32_t(b)));
    }
  }
  switch (c) {
    case Cond::kEq: return a == b;
    case Cond::kNe: return a != b;
    case Cond::kLt: return int64_t(a) < int64_t(b);
    case Cond::kGe: return int64_t(a) >= int64_t(b);
    case Cond::kLtu: return a < b;
    case Cond::kGeu: return a >= b;
    case Cond::kGt: return int64_t(a) > int64_t(b);
    case Cond::kLe: return int64_t(a) <= int64_t(b);
    case Cond::kGtu: return a > b;
    case Cond::kLeu: return a <= b;
  }
  return false;
}

namespace {

std::string temp_name(const Block& block, TempId id) {
  if (id >= block.temps.size()) return fmt::format("<bad t{}>", id);
  const Temp& t = block.temps[id];
  switch (t.kind) {
    case TempKind::kGlobal: return t.name;
    case TempKind::kConst: return fmt::format("${:#x}", uint64_t(t.value));
    case TempKind::kLocal: return fmt::format("t{}", id);
  }
  return "?";
}

std::string memop_name(MemOp m) {
  static constexpr const char* kSizes[] = {"8", "16", "32", "64"};
  return fmt::format("{}{}{}", (m & kMemSigned) ? "s" : "u", kSizes[m & kMemSizeMask],
                     (m & kMemAligned) ? ",aligned" : "");
}

}  // namespace

std::string Block::dump() const {
  std::string out = fmt::format("block pc={:#x} insns={} bytes={}\n", pc, n_insns, size_bytes);
  size_t insn = 0;
  for (const Op& op : ops) {
    const OpDef& def = op_def(op.opc);
    if (op.opc == Opcode::k_insn_start) {
      out += fmt::format(" ---- insn {} pc={:#x}\n", insn++, uint64_t(op.imm));
      continue;
    }
    std::string line = fmt::format("  {}{}", def.name, op.type == ValType::kI32 ? ".i32" : "");
    std::string operands;
    auto add = [&](const std::string& s) { operands += (operands.empty() ? " " : ", ") + s; };
    for (int i = 0; i < op.nout + op.nin; ++i) add(temp_name(*this, op.args[i]));
    switch (op.opc) {
      case Opcode::k_setcond:
      case Opcode::k_movcond: add(cond_name(op.cond)); break;
      case Opcode::k_brcond: add(cond_name(op.cond)); add(fmt::format("L{}", op.imm)); break;
      case Opcode::k_br:
      case Opcode::k_set_label: add(fmt::format("L{}", op.imm)); break;
      case Opcode::k_ld_env:
      case Opcode::k_st_env: add(fmt::format("env+{}", op.imm)); add(memop_name(op.memop)); break;
      case Opcode::k_guest_ld:
      case Opcode::k_guest_st: add(memop_name(op.memop)); break;
      case Opcode::k_call: add(fmt::format("helper#{}", op.imm)); break;
      case Opcode::k_goto_tb:
        add(fmt::format("{:#x}", uint64_t(op.imm)));
        add(fmt::format("slot{}", int(op.cond)));
        break;
      case Opcode::k_exit: add(fmt::format("{:#x}", uint64_t(op.imm))); break;
      default: break;
    }
    out += line + operands + "\n";
  }
  return out;
}

std::string verify(const Block& block) {
  std::vector<int> label_defs(block.n_labels, 0);
  // Where each label was branched to from (instruction ordinal), to check that branches stay
  // forward and inside their instruction: backends compute liveness and fault positions from
  // op order, which is only right under that rule.
  std::vector<int64_t> label_branch_insn(block.n_labels, -1);
  bool open_path = true;  // is the current point reachable by falling through?
  size_t insn_starts = 0;
  for (size_t i = 0; i < block.ops.size(); ++i) {
    const Op& op = block.ops[i];
    const OpDef& def = op_def(op.opc);
    auto where = [&] { return fmt::format("op {} ({})", i, def.name); };
    if (!(def.flags & OPF_CALL) && (op.nout != def.outputs || op.nin != def.inputs)) {
      return where() + ": wrong operand count";
    }
    if (op.nout + op.nin > kMaxOpArgs) return where() + ": too many operands";
    for (int a = 0; a < op.nout + op.nin; ++a) {
      if (op.args[a] >= block.temps.size()) return where() + ": operand out of range";
    }
    for (int a = 0; a < op.nout; ++a) {
      if (block.temps[op.args[a]].kind == TempKind::kConst) return where() + ": writes a const";
    }
    // Type rules: plain ops use one type throughout; conversions and memory ops are fixed.
    auto type_of = [&](TempId t) { return block.temps[t].type; };
    switch (op.opc) {
      case Opcode::k_trunc_i64_i32:
        if (type_of(op.out()) != ValType::kI32 || type_of(op.in(0)) != ValType::kI64)
          return where() + ": needs I32 <- I64";
        break;
      case Opcode::k_sext_i32_i64:
      case Opcode::k_zext_i32_i64:
        if (type_of(op.out()) != ValType::kI64 || type_of(op.in(0)) != ValType::kI32)
          return where() + ": needs I64 <- I32";
        break;
      case Opcode::k_guest_ld:
      case Opcode::k_guest_st:
      case Opcode::k_goto_ptr:
      case Opcode::k_call:
      case Opcode::k_ext32s:
      case Opcode::k_ext32u:
      case Opcode::k_mulsh:
      case Opcode::k_muluh:
      case Opcode::k_mulsuh:
        for (int a = 0; a < op.nout + op.nin; ++a)
          if (type_of(op.args[a]) != ValType::kI64) return where() + ": operands must be I64";
        break;
      case Opcode::k_ld_env:
      case Opcode::k_st_env:
        if (type_of(op.args[0]) != op.type) return where() + ": type mismatch";
        break;
      default:
        for (int a = 0; a < op.nout + op.nin; ++a)
          if (type_of(op.args[a]) != op.type) return where() + ": operand type differs from op";
    }
    const int64_t insn = int64_t(insn_starts) - 1;  // instruction this op belongs to
    if (op.opc == Opcode::k_insn_start) {
      for (size_t l = 0; l < block.n_labels; ++l) {
        if (label_branch_insn[l] >= 0 && !label_defs[l]) {
          return where() + fmt::format(": branch to L{} crosses into another instruction", l);
        }
      }
      ++insn_starts;
    }
    if (op.opc == Opcode::k_set_label) {
      if (op.imm < 0 || uint64_t(op.imm) >= block.n_labels) return where() + ": bad label";
      if (label_defs[op.imm]++) return where() + ": label defined twice";
      open_path = true;
    } else if (op.opc == Opcode::k_br || op.opc == Opcode::k_brcond) {
      if (op.imm < 0 || uint64_t(op.imm) >= block.n_labels) return where() + ": bad label";
      if (label_defs[op.imm]) return where() + ": backward branch (branches go forward only)";
      label_branch_insn[op.imm] = insn;
      if (op.opc == Opcode::k_br) open_path = false;
    } else if (def.flags & OPF_TERMINATOR) {
      open_path = false;
    } else if (!open_path && op.opc != Opcode::k_insn_start) {
      return where() + ": unreachable op after a terminator";
    }
  }
  for (size_t l = 0; l < label_defs.size(); ++l) {
    if (!label_defs[l]) return fmt::format("label L{} used but never defined", l);
  }
  if (open_path) return "block does not end in a terminator";
  if (insn_starts != block.n_insns) return "insn_start count differs from n_insns";
  if (block.insn_pcs.size() != block.n_insns) return "insn_pcs size differs from n_insns";
  return "";
}

HelperId HelperTable::add(const HelperInfo& info) {
  helpers_.push_back(info);
  return HelperId(helpers_.size() - 1);
}

}  // namespace rwd::ir
