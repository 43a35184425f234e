// LLVM templates for the IR's value ops (arithmetic, comparisons, extensions) and guest memory
// accesses.
#include "cpu/code_flags.h"
#include "cpu/tlb.h"
#include "jit/llvm/lowerer.h"

namespace rwd::jit::llvm_tier {

using ir::Opcode;

llvm::Value* Lowerer::compare(ir::Cond c, ir::TempId a, ir::TempId b, ir::ValType type) {
  using P = llvm::CmpInst::Predicate;
  P pred = P::ICMP_EQ;
  switch (c) {
    case ir::Cond::kEq: pred = P::ICMP_EQ; break;
    case ir::Cond::kNe: pred = P::ICMP_NE; break;
    case ir::Cond::kLt: pred = P::ICMP_SLT; break;
    case ir::Cond::kGe: pred = P::ICMP_SGE; break;
    case ir::Cond::kLtu: pred = P::ICMP_ULT; break;
    case ir::Cond::kGeu: pred = P::ICMP_UGE; break;
    case ir::Cond::kGt: pred = P::ICMP_SGT; break;
    case ir::Cond::kLe: pred = P::ICMP_SLE; break;
    case ir::Cond::kGtu: pred = P::ICMP_UGT; break;
    case ir::Cond::kLeu: pred = P::ICMP_ULE; break;
  }
  llvm::Type* ty = type_of(type);
  return irb_.CreateICmp(pred, fit(get(a), ty), fit(get(b), ty));
}

bool Lowerer::lower_value_op(const ir::Op& op) {
  llvm::Type* ty = type_of(op.type);
  const unsigned width = ty->getIntegerBitWidth();
  auto in = [&](int i) { return fit(get(op.in(i)), ty); };
  auto extend_low = [&](unsigned bits, bool is_signed) {
    llvm::Value* low = irb_.CreateTrunc(in(0), irb_.getIntNTy(bits));
    return is_signed ? irb_.CreateSExt(low, ty) : irb_.CreateZExt(low, ty);
  };
  // The high half of a double-width product; `sa`/`sb` say which inputs are signed.
  auto mul_high = [&](bool sa, bool sb) {
    llvm::Type* wide = irb_.getIntNTy(2 * width);
    llvm::Value* a = sa ? irb_.CreateSExt(in(0), wide) : irb_.CreateZExt(in(0), wide);
    llvm::Value* b = sb ? irb_.CreateSExt(in(1), wide) : irb_.CreateZExt(in(1), wide);
    return irb_.CreateTrunc(irb_.CreateLShr(irb_.CreateMul(a, b), width), ty);
  };
  // Division by zero and signed overflow are undefined in the IR (the frontend selects the
  // architectural result around them) but must not be undefined behaviour in LLVM.
  auto safe_divisor = [&](bool is_signed) {
    llvm::Value* b = in(1);
    llvm::Value* bad = irb_.CreateICmpEQ(b, llvm::ConstantInt::get(ty, 0));
    if (is_signed) {
      llvm::Value* min = llvm::ConstantInt::get(ty, llvm::APInt::getSignedMinValue(width));
      llvm::Value* overflow = irb_.CreateAnd(irb_.CreateICmpEQ(in(0), min),
                                             irb_.CreateICmpEQ(b, llvm::ConstantInt::getSigned(ty, -1)));
      bad = irb_.CreateOr(bad, overflow);
    }
    return irb_.CreateSelect(bad, llvm::ConstantInt::get(ty, 1), b);
  };
  auto shift_amount = [&] { return irb_.CreateAnd(in(1), llvm::ConstantInt::get(ty, width - 1)); };
  llvm::Value* r = nullptr;
  switch (op.opc) {
    case Opcode::k_mov: r = get(op.in(0)); break;
    case Opcode::k_add: r = irb_.CreateAdd(in(0), in(1)); break;
    case Opcode::k_sub: r = irb_.CreateSub(in(0), in(1)); break;
    case Opcode::k_mul: r = irb_.CreateMul(in(0), in(1)); break;
    case Opcode::k_mulsh: r = mul_high(true, true); break;
    case Opcode::k_muluh: r = mul_high(false, false); break;
    case Opcode::k_mulsuh: r = mul_high(true, false); break;
    case Opcode::k_div: r = irb_.CreateSDiv(in(0), safe_divisor(true)); break;
    case Opcode::k_divu: r = irb_.CreateUDiv(in(0), safe_divisor(false)); break;
    case Opcode::k_rem: r = irb_.CreateSRem(in(0), safe_divisor(true)); break;
    case Opcode::k_remu: r = irb_.CreateURem(in(0), safe_divisor(false)); break;
    case Opcode::k_and: r = irb_.CreateAnd(in(0), in(1)); break;
    case Opcode::k_or: r = irb_.CreateOr(in(0), in(1)); break;
    case Opcode::k_xor: r = irb_.CreateXor(in(0), in(1)); break;
    case Opcode::k_shl: r = irb_.CreateShl(in(0), shift_amount()); break;
    case Opcode::k_shr: r = irb_.CreateLShr(in(0), shift_amount()); break;
    case Opcode::k_sar: r = irb_.CreateAShr(in(0), shift_amount()); break;
    case Opcode::k_neg: r = irb_.CreateNeg(in(0)); break;
    case Opcode::k_not: r = irb_.CreateNot(in(0)); break;
    case Opcode::k_ext8s: r = extend_low(8, true); break;
    case Opcode::k_ext8u: r = extend_low(8, false); break;
    case Opcode::k_ext16s: r = extend_low(16, true); break;
    case Opcode::k_ext16u: r = extend_low(16, false); break;
    case Opcode::k_ext32s: r = extend_low(32, true); break;
    case Opcode::k_ext32u: r = extend_low(32, false); break;
    case Opcode::k_trunc_i64_i32:
      r = irb_.CreateTrunc(fit(get(op.in(0)), irb_.getInt64Ty()), irb_.getInt32Ty());
      break;
    case Opcode::k_sext_i32_i64:
      r = irb_.CreateSExt(fit(get(op.in(0)), irb_.getInt32Ty()), irb_.getInt64Ty());
      break;
    case Opcode::k_zext_i32_i64:
      r = irb_.CreateZExt(fit(get(op.in(0)), irb_.getInt32Ty()), irb_.getInt64Ty());
      break;
    case Opcode::k_setcond:
      r = irb_.CreateZExt(compare(op.cond, op.in(0), op.in(1), op.type), ty);
      break;
    case Opcode::k_movcond:
      r = irb_.CreateSelect(compare(op.cond, op.in(0), op.in(1), op.type), in(2), in(3));
      break;
    default: return false;
  }
  put(op.out(), r);
  return true;
}

// The access at host address `host`: a load's value extended to 64 bits, or null for a store.
// In linear memory an access may fault on the host, which LLVM does not know: volatile keeps
// every access, in order (an unused load still faults; a store overwritten later still
// faults first).
llvm::Value* Lowerer::host_access(const ir::Op& op, llvm::Value* host, llvm::Value* value) {
  const unsigned bytes = mem_op_bytes(op.memop);
  const bool may_fault = env_.linear_memory;
  llvm::Type* mem_type = irb_.getIntNTy(8 * bytes);
  llvm::Value* ptr = irb_.CreateIntToPtr(host, irb_.getPtrTy());
  if (op.opc == Opcode::k_guest_st) {
    irb_.CreateAlignedStore(fit(value, mem_type), ptr, llvm::Align(1), may_fault);
    return nullptr;
  }
  llvm::Value* v = irb_.CreateAlignedLoad(mem_type, ptr, llvm::Align(1), may_fault);
  return (op.memop & kMemSigned) ? irb_.CreateSExt(v, irb_.getInt64Ty())
                                 : irb_.CreateZExt(v, irb_.getInt64Ty());
}

// The memory's own load/store, which fills the TLB or raises: CpuState made exact first.
llvm::Value* Lowerer::slow_access(const ir::Op& op, llvm::Value* addr, llvm::Value* value) {
  sync_precise();
  const bool is_load = op.opc == Opcode::k_guest_ld;
  llvm::Type* i64 = irb_.getInt64Ty();
  std::vector<llvm::Type*> params{irb_.getPtrTy(), i64, i64};
  std::vector<llvm::Value*> args{cpu_, addr};
  if (!is_load) {
    params.push_back(i64);
    args.push_back(fit(value, i64));
  }
  args.push_back(irb_.getInt64(uint64_t(op.memop)));
  auto* fn_type = llvm::FunctionType::get(i64, params, false);
  const void* fn = is_load ? env_.load_fn : env_.store_fn;
  llvm::Value* callee =
      irb_.CreateIntToPtr(irb_.getInt64(reinterpret_cast<uint64_t>(fn)), irb_.getPtrTy());
  return irb_.CreateCall(fn_type, callee, args);
}

void Lowerer::lower_guest_memory(const ir::Op& op) {
  const bool is_load = op.opc == Opcode::k_guest_ld;
  const unsigned bytes = mem_op_bytes(op.memop);
  const bool aligned = (op.memop & kMemAligned) && bytes > 1;
  llvm::Type* i64 = irb_.getInt64Ty();
  llvm::Value* addr = fit(get(op.in(0)), i64);
  llvm::Value* value = is_load ? nullptr : get(op.in(1));
  if (!env_.tlb && !env_.linear_memory) {
    // Memory behind an interface: every access is a call.
    llvm::Value* r = slow_access(op, addr, value);
    if (is_load) put(op.out(), r);
    return;
  }
  auto* fast = llvm::BasicBlock::Create(ctx_, "fast", fn_);
  auto* slow = llvm::BasicBlock::Create(ctx_, "slow", fn_);
  auto* weights = llvm::MDBuilder(ctx_).createLikelyBranchWeights();
  if (env_.linear_memory) {
    // Inside the space the host address is base + addr (a host fault there is a guest fault,
    // see kRestartToken); outside it, or misaligned for an atomic, the slow path raises.
    llvm::Value* ok = irb_.CreateICmpULT(addr, irb_.getInt64(env_.linear_limit));
    if (aligned) {
      llvm::Value* low = irb_.CreateAnd(addr, irb_.getInt64(bytes - 1));
      ok = irb_.CreateAnd(ok, irb_.CreateICmpEQ(low, irb_.getInt64(0)));
    }
    irb_.CreateCondBr(ok, fast, slow, weights);
    irb_.SetInsertPoint(slow);
    const std::vector<bool> dirty_on_fast_path = dirty_;  // the slow path's sync is its own
    slow_access(op, addr, value);
    dirty_ = dirty_on_fast_path;
    irb_.CreateUnreachable();
    irb_.SetInsertPoint(fast);
    llvm::Value* host = irb_.CreateAdd(irb_.CreatePtrToInt(memory_base_, i64), addr);
    llvm::Value* r = host_access(op, host, value);
    if (is_load) put(op.out(), r);
    return;
  }
  // System mode: probe the block's TLB. The entry hits when its tag equals the page of the
  // access's last byte (accesses crossing a page miss), with a required alignment's low bits
  // kept (misaligned atomics miss); the host address is then addr + host_offset.
  static_assert(sizeof(TlbEntry) == 32);
  const int64_t table = int64_t(offsetof(CpuState, tlb)) +
                        int64_t(code_flags::tlb_mode(block_->flags)) * kTlbEntries * 32;
  llvm::Value* index = irb_.CreateAnd(irb_.CreateLShr(addr, kTlbPageBits - 5),
                                      irb_.getInt64(uint64_t(kTlbEntries - 1) << 5));
  llvm::Value* entry = irb_.CreateInBoundsGEP(irb_.getInt8Ty(), cpu_field(table), index);
  llvm::Value* page = nullptr;
  if (aligned || bytes == 1) {
    page = irb_.CreateAnd(addr, irb_.getInt64(~uint64_t{0xfff} | (aligned ? bytes - 1 : 0)));
  } else {
    page = irb_.CreateAnd(irb_.CreateAdd(addr, irb_.getInt64(bytes - 1)),
                          irb_.getInt64(~uint64_t{0xfff}));
  }
  const uint64_t tag_offset = is_load ? offsetof(TlbEntry, read_tag) : offsetof(TlbEntry, write_tag);
  llvm::Value* tag = irb_.CreateLoad(i64, irb_.CreateConstInBoundsGEP1_64(irb_.getInt8Ty(), entry, tag_offset));
  irb_.CreateCondBr(irb_.CreateICmpEQ(page, tag), fast, slow, weights);
  auto* done = llvm::BasicBlock::Create(ctx_, "done", fn_);
  irb_.SetInsertPoint(fast);
  llvm::Value* offset = irb_.CreateLoad(
      i64, irb_.CreateConstInBoundsGEP1_64(irb_.getInt8Ty(), entry, offsetof(TlbEntry, host_offset)));
  llvm::Value* fast_value = host_access(op, irb_.CreateAdd(addr, offset), value);
  llvm::BasicBlock* fast_end = irb_.GetInsertBlock();
  irb_.CreateBr(done);
  irb_.SetInsertPoint(slow);
  const std::vector<bool> dirty_on_fast_path = dirty_;  // where the paths join, the fast one's
  llvm::Value* slow_value = slow_access(op, addr, value);
  dirty_ = dirty_on_fast_path;
  llvm::BasicBlock* slow_end = irb_.GetInsertBlock();
  irb_.CreateBr(done);
  irb_.SetInsertPoint(done);
  if (is_load) {
    llvm::PHINode* phi = irb_.CreatePHI(i64, 2);
    phi->addIncoming(fast_value, fast_end);
    phi->addIncoming(slow_value, slow_end);
    put(op.out(), phi);
  }
}

}  // namespace rwd::jit::llvm_tier
