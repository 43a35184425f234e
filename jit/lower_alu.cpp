// Templates for arithmetic, logic, shifts, extensions and comparisons.
#include "jit/compiler.h"

namespace rwd::jit {

using ir::Opcode;
using ir::ValType;
using Xbyak::Reg64;

namespace {

// The register at the op's width: 32-bit forms zero the upper half, which keeps I32 values
// deterministic in their 64-bit slots.
Xbyak::Reg at_width(const Reg64& r, ValType type) {
  if (type == ValType::kI32) return r.cvt32();
  return r;
}

void set_if(Xbyak::CodeGenerator& g, ir::Cond c, const Xbyak::Reg8& r) {
  using C = ir::Cond;
  switch (c) {
    case C::kEq: g.sete(r); break;
    case C::kNe: g.setne(r); break;
    case C::kLt: g.setl(r); break;
    case C::kGe: g.setge(r); break;
    case C::kLtu: g.setb(r); break;
    case C::kGeu: g.setae(r); break;
    case C::kGt: g.setg(r); break;
    case C::kLe: g.setle(r); break;
    case C::kGtu: g.seta(r); break;
    case C::kLeu: g.setbe(r); break;
  }
}

void move_if(Xbyak::CodeGenerator& g, ir::Cond c, const Xbyak::Reg& d, const Xbyak::Reg& s) {
  using C = ir::Cond;
  switch (c) {
    case C::kEq: g.cmove(d, s); break;
    case C::kNe: g.cmovne(d, s); break;
    case C::kLt: g.cmovl(d, s); break;
    case C::kGe: g.cmovge(d, s); break;
    case C::kLtu: g.cmovb(d, s); break;
    case C::kGeu: g.cmovae(d, s); break;
    case C::kGt: g.cmovg(d, s); break;
    case C::kLe: g.cmovle(d, s); break;
    case C::kGtu: g.cmova(d, s); break;
    case C::kLeu: g.cmovbe(d, s); break;
  }
}

bool commutative(Opcode opc) {
  return opc == Opcode::k_add || opc == Opcode::k_and || opc == Opcode::k_or ||
         opc == Opcode::k_xor || opc == Opcode::k_mul;
}

}  // namespace

void Compiler::compare_operands(ir::TempId a, ir::TempId b, ValType type) {
  const Reg64 ra = use(a);
  if (fits_imm32(b)) {
    cmp(at_width(ra, type), int32_t(const_value(b)));
  } else {
    cmp(at_width(ra, type), at_width(use(b), type));
  }
}

void Compiler::lower_compare(const ir::Op& op) {
  if (op.opc == Opcode::k_setcond) {
    compare_operands(op.in(0), op.in(1), op.type);
    set_if(*this, op.cond, al);
    const Reg64 d = def(op.out());  // may store an evicted temp: mov leaves flags alone
    movzx(d.cvt32(), al);
    return;
  }
  // movcond: out = cond(in0, in1) ? in2 : in3
  const Reg64 if_true = use(op.in(2));
  mov_temp_to(rax, op.in(3));
  compare_operands(op.in(0), op.in(1), op.type);
  move_if(*this, op.cond, at_width(rax, op.type), at_width(if_true, op.type));
  const Reg64 d = def(op.out());
  mov(at_width(d, op.type), at_width(rax, op.type));
}

void Compiler::lower_alu(const ir::Op& op) {
  const ValType type = op.type;
  switch (op.opc) {
    case Opcode::k_mov: {
      if (is_const(op.in(0))) {
        const Reg64 d = def(op.out());
        mov(d, type == ValType::kI32 ? int64_t(uint32_t(const_value(op.in(0))))
                                     : const_value(op.in(0)));
        return;
      }
      const Reg64 a = use(op.in(0));
      const Reg64 d = def_reusing(op.out(), op.in(0));
      if (d.getIdx() != a.getIdx() || type == ValType::kI32) {
        mov(at_width(d, type), at_width(a, type));
      }
      return;
    }
    case Opcode::k_add:
    case Opcode::k_sub:
    case Opcode::k_and:
    case Opcode::k_or:
    case Opcode::k_xor:
    case Opcode::k_mul: {
      const ir::TempId b = op.in(1);
      const bool b_imm = fits_imm32(b);
      const Reg64 a = use(op.in(0));
      const Reg64 rb = b_imm ? rax : use(b);
      const Reg64 d = def_reusing(op.out(), op.in(0));
      auto emit = [&](const Xbyak::Reg& dst, const Xbyak::Reg& src_reg) {
        const int32_t imm = b_imm ? int32_t(const_value(b)) : 0;
        switch (op.opc) {
          case Opcode::k_add: b_imm ? add(dst, imm) : add(dst, src_reg); break;
          case Opcode::k_sub: b_imm ? sub(dst, imm) : sub(dst, src_reg); break;
          case Opcode::k_and: b_imm ? and_(dst, imm) : and_(dst, src_reg); break;
          case Opcode::k_or: b_imm ? or_(dst, imm) : or_(dst, src_reg); break;
          case Opcode::k_xor: b_imm ? xor_(dst, imm) : xor_(dst, src_reg); break;
          default: b_imm ? imul(dst, dst, imm) : imul(dst, src_reg); break;
        }
      };
      if (op.opc == Opcode::k_add && type == ValType::kI64 && d.getIdx() != a.getIdx() &&
          (b_imm || d.getIdx() != rb.getIdx())) {
        // Three-operand add without a copy first.
        if (b_imm) {
          lea(d, ptr[a + int32_t(const_value(b))]);
        } else {
          lea(d, ptr[a + rb]);
        }
      } else if (d.getIdx() == a.getIdx()) {
        emit(at_width(d, type), at_width(rb, type));
      } else if (!b_imm && d.getIdx() == rb.getIdx()) {
        if (commutative(op.opc)) {
          emit(at_width(d, type), at_width(a, type));
        } else {
          mov(rax, a);
          emit(at_width(rax, type), at_width(rb, type));
          mov(at_width(d, type), at_width(rax, type));
        }
      } else {
        mov(d, a);
        emit(at_width(d, type), at_width(rb, type));
      }
      return;
    }
    case Opcode::k_shl:
    case Opcode::k_shr:
    case Opcode::k_sar: {
      const int width_mask = type == ValType::kI32 ? 31 : 63;
      const Reg64 a = use(op.in(0));
      const bool b_imm = is_const(op.in(1));
      if (!b_imm) mov(rcx, use(op.in(1)));
      const Reg64 d = def_reusing(op.out(), op.in(0));
      if (d.getIdx() != a.getIdx()) mov(d, a);
      const Xbyak::Reg dw = at_width(d, type);
      if (b_imm) {
        const int count = int(const_value(op.in(1)) & width_mask);
        if (op.opc == Opcode::k_shl) shl(dw, count);
        if (op.opc == Opcode::k_shr) shr(dw, count);
        if (op.opc == Opcode::k_sar) sar(dw, count);
        if (count == 0 && type == ValType::kI32) mov(dw, dw);
      } else {
        if (op.opc == Opcode::k_shl) shl(dw, cl);
        if (op.opc == Opcode::k_shr) shr(dw, cl);
        if (op.opc == Opcode::k_sar) sar(dw, cl);
      }
      return;
    }
    case Opcode::k_div:
    case Opcode::k_divu:
    case Opcode::k_rem:
    case Opcode::k_remu: {
      const bool is_signed = op.opc == Opcode::k_div || op.opc == Opcode::k_rem;
      const Reg64 a = use(op.in(0));
      Reg64 b = rcx;
      if (is_const(op.in(1))) {
        mov(rcx, const_value(op.in(1)));
      } else {
        b = use(op.in(1));
      }
      mov(rax, a);
      if (type == ValType::kI32) {
        if (is_signed) {
          cdq();
          idiv(b.cvt32());
        } else {
          xor_(edx, edx);
          div(b.cvt32());
        }
      } else if (is_signed) {
        cqo();
        idiv(b);
      } else {
        xor_(edx, edx);
        div(b);
      }
      const bool quotient = op.opc == Opcode::k_div || op.opc == Opcode::k_divu;
      const Reg64 d = def(op.out());
      mov(at_width(d, type), at_width(quotient ? rax : rdx, type));
      return;
    }
    case Opcode::k_mulsh:
    case Opcode::k_muluh:
    case Opcode::k_mulsuh: {
      const Reg64 a = use(op.in(0));
      Reg64 b = rcx;
      if (is_const(op.in(1))) {
        mov(rcx, const_value(op.in(1)));
      } else {
        b = use(op.in(1));
      }
      mov(rax, a);
      if (op.opc == Opcode::k_mulsh) {
        imul(b);
      } else {
        mul(b);
        if (op.opc == Opcode::k_mulsuh) {
          // signed a * unsigned b: the unsigned high half, less b when a is negative.
          mov(rax, a);
          sar(rax, 63);
          and_(rax, b);
          sub(rdx, rax);
        }
      }
      mov(def(op.out()), rdx);
      return;
    }
    default: break;
  }
  // Unary ops and conversions.
  const Reg64 a = use(op.in(0));
  const Reg64 d = def_reusing(op.out(), op.in(0));
  const Xbyak::Reg dw = at_width(d, type);
  switch (op.opc) {
    case Opcode::k_neg:
      mov(dw, at_width(a, type));
      neg(dw);
      break;
    case Opcode::k_not:
      mov(dw, at_width(a, type));
      not_(dw);
      break;
    case Opcode::k_ext8s: movsx(dw, a.cvt8()); break;
    case Opcode::k_ext8u: movzx(d.cvt32(), a.cvt8()); break;
    case Opcode::k_ext16s: movsx(dw, a.cvt16()); break;
    case Opcode::k_ext16u: movzx(d.cvt32(), a.cvt16()); break;
    case Opcode::k_ext32s:
    case Opcode::k_sext_i32_i64: movsxd(d, a.cvt32()); break;
    case Opcode::k_ext32u:
    case Opcode::k_trunc_i64_i32:
    case Opcode::k_zext_i32_i64: mov(d.cvt32(), a.cvt32()); break;
    default: throw Xbyak::Error(Xbyak::ERR_INTERNAL);  // every op has a template above
  }
}

}  // namespace rwd::jit
