#include "exec/interpreter.h"

#include <fmt/core.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "cpu/guest_memory.h"

namespace rwd {

using ir::Opcode;
using ir::ValType;

namespace {

// An operand names a 64-bit slot in one of three arrays: CpuState (globals, by word offset),
// the block's locals, or its constants.
enum SlotBase : uint32_t { kBaseCpu = 0, kBaseLocal = 1, kBaseConst = 2 };
constexpr uint32_t kSlotIndexBits = 30;
constexpr uint32_t slot(SlotBase base, uint32_t index) { return base << kSlotIndexBits | index; }

}  // namespace

// An IR op with its operands already resolved to slots, so execution does one indexed load per
// operand instead of two.
struct ResolvedOp {
  Opcode opc;
  ValType type;
  ir::Cond cond;
  MemOp memop;
  uint8_t nout, nin;
  uint32_t slot[ir::kMaxOpArgs];
  int64_t imm;  // label ops: the target op index; insn_start: the instruction index
};

struct Interpreter::CompiledBlock {
  std::unique_ptr<ir::Block> ir;
  std::vector<ResolvedOp> ops;
  std::vector<uint64_t> consts;  // values of kBaseConst slots
  uint32_t n_locals = 0;
};

Interpreter::Interpreter(const BlockSource& source) : source_(source) {}
Interpreter::~Interpreter() = default;

void Interpreter::invalidate(uint64_t start, uint64_t len) {
  cache_.invalidate(start, len);
  single_cache_.invalidate(start, len);
}

void Interpreter::invalidate_pc_range(uint64_t start, uint64_t len) {
  cache_.invalidate_pc_range(start, len, [](CompiledBlock&) {});
  single_cache_.invalidate_pc_range(start, len, [](CompiledBlock&) {});
}

std::unique_ptr<Interpreter::CompiledBlock> Interpreter::compile(GuestMemory& memory,
                                                                 uint64_t pc,
                                                                 uint32_t max_insns,
                                                                 uint32_t flags,
                                                                 uint64_t* fetch_fault) {
  TranslateResult tr = source_.translate(memory, pc, max_insns, flags);
  if (!tr.block) {
    *fetch_fault = tr.fetch_fault_addr;
    return nullptr;
  }
  auto cb = std::make_unique<CompiledBlock>();
  const ir::Block& block = *tr.block;
  std::vector<uint32_t> slots(block.temps.size());
  for (size_t t = 0; t < block.temps.size(); ++t) {
    const ir::Temp& temp = block.temps[t];
    switch (temp.kind) {
      case ir::TempKind::kGlobal: slots[t] = slot(kBaseCpu, uint32_t(temp.value / 8)); break;
      case ir::TempKind::kLocal: slots[t] = slot(kBaseLocal, cb->n_locals++); break;
      case ir::TempKind::kConst:
        slots[t] = slot(kBaseConst, uint32_t(cb->consts.size()));
        cb->consts.push_back(uint64_t(temp.value));
        break;
    }
  }
  std::vector<uint32_t> label_targets(block.n_labels);  // op index of each label
  for (size_t i = 0; i < block.ops.size(); ++i) {
    if (block.ops[i].opc == Opcode::k_set_label) label_targets[block.ops[i].imm] = uint32_t(i);
  }
  cb->ops.reserve(block.ops.size());
  uint32_t insn = 0;
  for (const ir::Op& op : block.ops) {
    ResolvedOp r{op.opc, op.type, op.cond, op.memop, op.nout, op.nin, {}, op.imm};
    for (int a = 0; a < op.nout + op.nin; ++a) r.slot[a] = slots[op.args[a]];
    if (op.opc == Opcode::k_br || op.opc == Opcode::k_brcond) r.imm = label_targets[op.imm];
    if (op.opc == Opcode::k_insn_start) r.imm = insn++;  // the instruction's index in the block
    cb->ops.push_back(r);
  }
  if (dump_ir_) std::fputs(block.dump().c_str(), stderr);
  stats_.blocks_translated++;
  stats_.guest_insns_translated += block.n_insns;
  cb->ir = std::move(tr.block);
  return cb;
}

Interpreter::CompiledBlock* Interpreter::block_for(CpuState& cpu, uint64_t max_insns) {
  GuestMemory& memory = *cpu.memory;
  uint64_t fault = 0;
  const CodeLocation where = memory.locate_code(cpu);
  CompiledBlock* block = cache_.find(cpu.pc, where);
  if (!block) {
    auto fresh = compile(memory, cpu.pc, Translator::kMaxBlockInsns, where.flags, &fault);
    if (!fresh) memory.raise_fetch_fault(cpu, fault);
    const uint64_t size = fresh->ir->size_bytes;
    if (!memory.cacheable_block(cpu.pc, size)) {
      short_block_ = std::move(fresh);
      if (short_block_->ir->n_insns <= max_insns) return short_block_.get();
    } else {
      block = cache_.insert(cpu.pc, where, size, std::move(fresh));
    }
  }
  if (block && block->ir->n_insns <= max_insns) return block;
  if (max_insns == 1) {
    // One-instruction runs recur (the machine runs every device access alone): keep them.
    if (CompiledBlock* single = single_cache_.find(cpu.pc, where)) return single;
    auto fresh = compile(memory, cpu.pc, 1, where.flags, &fault);
    if (!fresh) memory.raise_fetch_fault(cpu, fault);
    const uint64_t size = fresh->ir->size_bytes;
    return single_cache_.insert(cpu.pc, where, size, std::move(fresh));
  }
  short_block_ = compile(memory, cpu.pc, uint32_t(max_insns), where.flags, &fault);
  if (!short_block_) memory.raise_fetch_fault(cpu, fault);
  return short_block_.get();
}

StopInfo Interpreter::run(CpuState& cpu) {
  std::jmp_buf exit_jmp;
  cpu.exit_jmp = &exit_jmp;
  current_ = nullptr;
  if (setjmp(exit_jmp)) {
    // An exception: retire exactly the instructions before the faulting one. A fetch fault
    // while finding the next block happens outside any block (current_ is null).
    if (current_) {
      const ir::Block& b = *current_->ir;
      cpu.icount -= b.n_insns - cpu.insn_index;
      cpu.pc = b.insn_pcs[cpu.insn_index];
    }
    current_ = nullptr;
    return {StopReason::kException, Cause(cpu.exception_cause), cpu.exception_tval};
  }
  for (;;) {
    if (cpu.exit_requests) {
      const uint32_t requests = cpu.exit_requests;
      cpu.exit_requests = 0;
      if (requests & kExitFlushCode) {
        cache_.clear();
        single_cache_.clear();
      }
      if (requests & kExitToMachine) return {StopReason::kExitRequest};
    }
    const uint64_t remaining = cpu.icount_limit - cpu.icount;
    if (cpu.icount >= cpu.icount_limit) return {StopReason::kIcountLimit};
    const CompiledBlock* block = block_for(cpu, remaining);
    current_ = block;
    cpu.icount += block->ir->n_insns;
    stats_.blocks_executed++;
    execute(*block, cpu);
    current_ = nullptr;
  }
}

namespace {

using HelperFn0 = uint64_t (*)(CpuState*);
using HelperFn1 = uint64_t (*)(CpuState*, uint64_t);
using HelperFn2 = uint64_t (*)(CpuState*, uint64_t, uint64_t);
using HelperFn3 = uint64_t (*)(CpuState*, uint64_t, uint64_t, uint64_t);
using HelperFn4 = uint64_t (*)(CpuState*, uint64_t, uint64_t, uint64_t, uint64_t);

uint64_t sign_extend(uint64_t v, int bits) {
  return uint64_t(int64_t(v << (64 - bits)) >> (64 - bits));
}

uint64_t load_env(const CpuState& cpu, int64_t offset, MemOp op) {
  const auto* p = reinterpret_cast<const uint8_t*>(&cpu) + offset;
  uint64_t v = 0;
  std::memcpy(&v, p, mem_op_bytes(op));
  return (op & kMemSigned) ? sign_extend(v, 8 * mem_op_bytes(op)) : v;
}

void store_env(CpuState& cpu, int64_t offset, MemOp op, uint64_t v) {
  std::memcpy(reinterpret_cast<uint8_t*>(&cpu) + offset, &v, mem_op_bytes(op));
}

// High 64 bits of the 128-bit products.
uint64_t mul_high_signed(uint64_t a, uint64_t b) {
  return uint64_t((__int128(int64_t(a)) * __int128(int64_t(b))) >> 64);
}
uint64_t mul_high_unsigned(uint64_t a, uint64_t b) {
  return uint64_t((static_cast<unsigned __int128>(a) * b) >> 64);
}
uint64_t mul_high_signed_unsigned(uint64_t a, uint64_t b) {
  return uint64_t((__int128(int64_t(a)) * static_cast<__int128>(b)) >> 64);
}

// Evaluates a two-input arithmetic op at the given width. I32 results are zero-extended so
// the slot's upper half is at least deterministic.
uint64_t eval_binary(Opcode opc, ValType type, uint64_t a, uint64_t b) {
  if (type == ValType::kI32) {
    const uint32_t x = uint32_t(a), y = uint32_t(b);
    switch (opc) {
      case Opcode::k_add: return uint32_t(x + y);
      case Opcode::k_sub: return uint32_t(x - y);
      case Opcode::k_mul: return uint32_t(x * y);
      case Opcode::k_div: return uint32_t(int32_t(x) / int32_t(y));
      case Opcode::k_divu: return x / y;
      case Opcode::k_rem: return uint32_t(int32_t(x) % int32_t(y));
      case Opcode::k_remu: return x % y;
      case Opcode::k_and: return x & y;
      case Opcode::k_or: return x | y;
      case Opcode::k_xor: return x ^ y;
      case Opcode::k_shl: return uint32_t(x << (y & 31));
      case Opcode::k_shr: return x >> (y & 31);
      case Opcode::k_sar: return uint32_t(int32_t(x) >> (y & 31));
      default: break;
    }
  } else {
    switch (opc) {
      case Opcode::k_add: return a + b;
      case Opcode::k_sub: return a - b;
      case Opcode::k_mul: return a * b;
      case Opcode::k_mulsh: return mul_high_signed(a, b);
      case Opcode::k_muluh: return mul_high_unsigned(a, b);
      case Opcode::k_mulsuh: return mul_high_signed_unsigned(a, b);
      case Opcode::k_div: return uint64_t(int64_t(a) / int64_t(b));
      case Opcode::k_divu: return a / b;
      case Opcode::k_rem: return uint64_t(int64_t(a) % int64_t(b));
      case Opcode::k_remu: return a % b;
      case Opcode::k_and: return a & b;
      case Opcode::k_or: return a | b;
      case Opcode::k_xor: return a ^ b;
      case Opcode::k_shl: return a << (b & 63);
      case Opcode::k_shr: return a >> (b & 63);
      case Opcode::k_sar: return uint64_t(int64_t(a) >> (b & 63));
      default: break;
    }
  }
  std::abort();  // the verifier admits no other binary op
}

uint64_t eval_unary(Opcode opc, ValType type, uint64_t a) {
  const uint64_t mask = type == ValType::kI32 ? 0xffffffffull : ~0ull;
  switch (opc) {
    case Opcode::k_mov: return a & mask;
    case Opcode::k_neg: return (0 - a) & mask;
    case Opcode::k_not: return ~a & mask;
    case Opcode::k_ext8s: return sign_extend(a, 8) & mask;
    case Opcode::k_ext8u: return a & 0xff;
    case Opcode::k_ext16s: return sign_extend(a, 16) & mask;
    case Opcode::k_ext16u: return a & 0xffff;
    case Opcode::k_ext32s: return sign_extend(a, 32);
    case Opcode::k_ext32u: return a & 0xffffffffull;
    case Opcode::k_trunc_i64_i32: return a & 0xffffffffull;
    case Opcode::k_sext_i32_i64: return sign_extend(a, 32);
    case Opcode::k_zext_i32_i64: return a & 0xffffffffull;
    default: break;
  }
  std::abort();
}

}  // namespace

void Interpreter::execute(const CompiledBlock& cb, CpuState& cpu) {
  if (locals_.size() < cb.n_locals) locals_.resize(cb.n_locals);
  uint64_t* const bases[3] = {reinterpret_cast<uint64_t*>(&cpu), locals_.data(),
                              const_cast<uint64_t*>(cb.consts.data())};
  auto val = [&](uint32_t s) -> uint64_t& {
    return bases[s >> kSlotIndexBits][s & ((1u << kSlotIndexBits) - 1)];
  };
  const ir::HelperTable& helpers = source_.helpers();
  const ResolvedOp* const ops = cb.ops.data();
  for (size_t i = 0;; ++i) {
    const ResolvedOp& op = ops[i];
    const uint32_t* s = op.slot;
    // The frontend's ops are almost all I64; they take the inline paths below.
    if (op.type == ValType::kI64) {
      switch (op.opc) {
        case Opcode::k_mov: val(s[0]) = val(s[1]); continue;
        case Opcode::k_add: val(s[0]) = val(s[1]) + val(s[2]); continue;
        case Opcode::k_sub: val(s[0]) = val(s[1]) - val(s[2]); continue;
        case Opcode::k_and: val(s[0]) = val(s[1]) & val(s[2]); continue;
        case Opcode::k_or: val(s[0]) = val(s[1]) | val(s[2]); continue;
        case Opcode::k_xor: val(s[0]) = val(s[1]) ^ val(s[2]); continue;
        case Opcode::k_shl: val(s[0]) = val(s[1]) << (val(s[2]) & 63); continue;
        case Opcode::k_shr: val(s[0]) = val(s[1]) >> (val(s[2]) & 63); continue;
        case Opcode::k_sar: val(s[0]) = uint64_t(int64_t(val(s[1])) >> (val(s[2]) & 63)); continue;
        case Opcode::k_mul: val(s[0]) = val(s[1]) * val(s[2]); continue;
        case Opcode::k_ext32s: val(s[0]) = uint64_t(int64_t(int32_t(val(s[1])))); continue;
        case Opcode::k_ext32u: val(s[0]) = uint32_t(val(s[1])); continue;
        default: break;
      }
    }
    switch (op.opc) {
      case Opcode::k_insn_start: cpu.insn_index = uint32_t(op.imm); break;
      case Opcode::k_set_label: break;
      case Opcode::k_mov:
      case Opcode::k_neg:
      case Opcode::k_not:
      case Opcode::k_ext8s:
      case Opcode::k_ext8u:
      case Opcode::k_ext16s:
      case Opcode::k_ext16u:
      case Opcode::k_ext32s:
      case Opcode::k_ext32u:
      case Opcode::k_trunc_i64_i32:
      case Opcode::k_sext_i32_i64:
      case Opcode::k_zext_i32_i64:
        val(s[0]) = eval_unary(op.opc, op.type, val(s[1]));
        break;
      case Opcode::k_setcond:
        val(s[0]) = ir::eval_cond(op.cond, val(s[1]), val(s[2]), op.type);
        break;
      case Opcode::k_movcond:
        val(s[0]) = ir::eval_cond(op.cond, val(s[1]), val(s[2]), op.type) ? val(s[3]) : val(s[4]);
        break;
      case Opcode::k_br: i = size_t(op.imm); break;
      case Opcode::k_brcond:
        if (ir::eval_cond(op.cond, val(s[0]), val(s[1]), op.type)) i = size_t(op.imm);
        break;
      case Opcode::k_ld_env: val(s[0]) = load_env(cpu, op.imm, op.memop); break;
      case Opcode::k_st_env: store_env(cpu, op.imm, op.memop, val(s[0])); break;
      case Opcode::k_guest_ld: val(s[0]) = cpu.memory->load(cpu, val(s[1]), op.memop); break;
      case Opcode::k_guest_st: cpu.memory->store(cpu, val(s[0]), val(s[1]), op.memop); break;
      case Opcode::k_call: {
        const ir::HelperInfo& h = helpers.get(ir::HelperId(op.imm));
        const uint32_t* in = s + op.nout;
        uint64_t r = 0;
        switch (op.nin) {
          case 0: r = reinterpret_cast<HelperFn0>(h.fn)(&cpu); break;
          case 1: r = reinterpret_cast<HelperFn1>(h.fn)(&cpu, val(in[0])); break;
          case 2: r = reinterpret_cast<HelperFn2>(h.fn)(&cpu, val(in[0]), val(in[1])); break;
          case 3:
            r = reinterpret_cast<HelperFn3>(h.fn)(&cpu, val(in[0]), val(in[1]), val(in[2]));
            break;
          case 4:
            r = reinterpret_cast<HelperFn4>(h.fn)(&cpu, val(in[0]), val(in[1]), val(in[2]),
                                                  val(in[3]));
            break;
        }
        if (op.nout) val(s[0]) = r;
        break;
      }
      case Opcode::k_goto_tb:
      case Opcode::k_exit:
      case Opcode::k_goto_ptr:
        cpu.pc = op.opc == Opcode::k_goto_ptr ? val(s[0]) : uint64_t(op.imm);
        cpu.icount -= cb.ir->n_insns - 1 - cpu.insn_index;  // a side exit skips the rest
        return;
      default: val(s[0]) = eval_binary(op.opc, op.type, val(s[1]), val(s[2])); break;
    }
  }
}

}  // namespace rwd
