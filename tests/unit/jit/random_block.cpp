#include "random_block.h"

#include <array>
#include <climits>
#include <cstddef>
#include <vector>

#include "cpu/cpu_state.h"
#include "ir/builder.h"

namespace rwd::jit_test {

using ir::Cond;
using ir::Opcode;
using ir::TempId;
using ir::ValType;

// ------------------------------------------------------------------ random numbers

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> ((64 - k) & 63)); }
}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

// ------------------------------------------------------------------ helpers

namespace {

uint64_t pure0(CpuState*) { return 0x0123456789abcdefull; }
uint64_t pure1(CpuState*, uint64_t a) { return (a * 0x9e3779b97f4a7c15ull) ^ (a >> 29); }
uint64_t pure2(CpuState*, uint64_t a, uint64_t b) { return rotl(a, int(b & 63)) + b; }
uint64_t pure3(CpuState*, uint64_t a, uint64_t b, uint64_t c) { return (a & b) | (~a & c); }
uint64_t pure4(CpuState*, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  return a - b + c * d;
}
uint64_t env_no_out(CpuState* cpu, uint64_t a) {
  cpu->reservation_value ^= a;
  return 0xdead;  // ignored: the helper is registered without an output
}
// Reads and writes register globals behind the translated code's back, as a CSR or syscall
// helper might: backends must store cached globals before and reload them after.
uint64_t globals_helper(CpuState* cpu, uint64_t a, uint64_t b) {
  cpu->x[6] = cpu->x[5] + a;
  cpu->x[7] ^= b;
  cpu->f[3] += a ^ cpu->x[9];
  return cpu->x[8] * 3 + cpu->f[4];
}
uint64_t may_raise(CpuState* cpu, uint64_t a) {
  if ((a & 0xf) == 0xa) raise_exception(*cpu, Cause::kIllegalInsn, a);
  return a + 1;
}
uint64_t halt(CpuState* cpu, uint64_t cause, uint64_t tval) {
  raise_exception(*cpu, Cause(cause), tval);
}

template <typename... Args>
void* fn_address(uint64_t (*fn)(CpuState*, Args...)) {
  return reinterpret_cast<void*>(fn);
}

TestHelpers make_helpers() {
  TestHelpers h;
  h.pure[0] = h.table.add({"pure0", fn_address(&pure0), 0, true, ir::HF_PURE});
  h.pure[1] = h.table.add({"pure1", fn_address(&pure1), 1, true, ir::HF_PURE});
  h.pure[2] = h.table.add({"pure2", fn_address(&pure2), 2, true, ir::HF_PURE});
  h.pure[3] = h.table.add({"pure3", fn_address(&pure3), 3, true, ir::HF_PURE});
  h.pure[4] = h.table.add({"pure4", fn_address(&pure4), 4, true, ir::HF_PURE});
  h.env_no_out =
      h.table.add({"env_no_out", fn_address(&env_no_out), 1, false, ir::HF_ENV_STATE});
  h.globals = h.table.add({"globals", fn_address(&globals_helper), 2, true,
                           ir::HF_READS_GLOBALS | ir::HF_WRITES_GLOBALS});
  h.may_raise = h.table.add({"may_raise", fn_address(&may_raise), 1, true, ir::HF_CAN_RAISE});
  h.halt = h.table.add(
      {"halt", fn_address(&halt), 2, false, ir::HF_CAN_RAISE | ir::HF_NO_RETURN});
  return h;
}

}  // namespace

const TestHelpers& test_helpers() {
  static const TestHelpers helpers = make_helpers();
  return helpers;
}


// ------------------------------------------------------------------ the generator

namespace {

constexpr Cond kAllConds[] = {Cond::kEq, Cond::kNe,  Cond::kLt,  Cond::kGe,  Cond::kLtu,
                              Cond::kGeu, Cond::kGt, Cond::kLe, Cond::kGtu, Cond::kLeu};
constexpr int64_t kInterestingValues[] = {
    0,          1,           -1,          2,          7,          0x7f,
    0x80,       0xff,        0x7fff,      0x8000,     0xffff,     0x7fffffff,
    0x80000000, 0xffffffff,  0x100000000, INT64_MIN,  INT64_MAX,  int64_t(0x123456789abcdef0),
    -2,         INT32_MIN,   int64_t(kScratchBase),   int64_t(kBlockPc)};
// Shift counts at and beyond both widths, which must wrap modulo the width.
constexpr int64_t kShiftCounts[] = {0, 1, 7, 31, 32, 33, 63, 64, 65, 127, -1};

// CpuState fields random code may read and write: nothing the engines or register globals use.
struct EnvField {
  int64_t offset;
  unsigned bytes;
  bool writable;
};
constexpr EnvField kEnvFields[] = {
    {int64_t(offsetof(CpuState, reservation_addr)), 8, true},
    {int64_t(offsetof(CpuState, reservation_value)), 8, true},
    {int64_t(offsetof(CpuState, fflags)), 4, true},
    {int64_t(offsetof(CpuState, frm)), 4, true},
    // Read-only: within a block both tiers must show the count including the whole block.
    {int64_t(offsetof(CpuState, icount)), 8, false},
};

class Generator {
 public:
  Generator(uint64_t seed, const GenOptions& options, ir::Block& block)
      : rng_(seed), b_(block), helpers_(test_helpers()) {
    add_register_globals(b_);
    // Most operands come from a few "hot" globals so that values flow between ops.
    // Two of them are registers the globals helper reads or writes behind the code's back.
    static constexpr TempId kHelperTouched[] = {kFirstGprGlobal + 4, kFirstGprGlobal + 5,
                                                kFirstGprGlobal + 6, kFirstGprGlobal + 7,
                                                kFirstGprGlobal + 8, kFirstFprGlobal + 3,
                                                kFirstFprGlobal + 4};
    for (int i = 0; i < 2; ++i) {
      hot_globals_.push_back(kHelperTouched[rng_.below(std::size(kHelperTouched))]);
    }
    for (int i = 0; i < 6; ++i) hot_globals_.push_back(TempId(rng_.below(kNumGlobals)));
    pressure_ = options.force_register_pressure || rng_.chance(20);
    n_insns_ = 1 + uint32_t(rng_.below(rng_.chance(15) ? 40 : 10));
  }

  void generate(uint32_t max_insns) {
    ir::Block& block = b_.block();
    block.pc = kBlockPc;
    const uint32_t n = std::min(n_insns_, max_insns);
    for (uint32_t k = 0; k < n; ++k) {
      b_.insn_start(kBlockPc + 4 * k);
      if (k == 0 && pressure_) define_long_lived();
      const int ops = 1 + int(rng_.below(6));
      for (int i = 0; i < ops; ++i) random_op(/*depth=*/0);
      if (k + 1 == n_insns_) {
        if (pressure_) consume_long_lived();
        terminator();
      } else if (rng_.chance(20)) {
        side_exit();
      }
    }
    if (n < n_insns_) b_.goto_tb(0, kBlockPc + 4 * n);  // cut: continue where the next one starts
    block.size_bytes = 4 * n;
  }

 private:
  // ---- operands ----
  ValType random_type() { return rng_.chance(30) ? ValType::kI32 : ValType::kI64; }

  int64_t random_value() {
    switch (rng_.below(4)) {
      case 0: return kInterestingValues[rng_.below(std::size(kInterestingValues))];
      case 1: return int64_t(rng_.below(200)) - 100;
      case 2: return int64_t(int32_t(rng_.next()));  // fits an imm32
      default: return int64_t(rng_.next());          // usually does not
    }
  }
  TempId constant(ValType type) { return b_.constant(random_value(), type); }

  TempId global() {
    return rng_.chance(80) ? hot_globals_[rng_.below(hot_globals_.size())]
                           : TempId(rng_.below(kNumGlobals));
  }

  TempId src(ValType type) {
    if (type == ValType::kI32) {
      if (i32_locals_.empty() || rng_.chance(25)) {
        if (rng_.chance(50)) return constant(ValType::kI32);
        // Make a fresh I32 value from an I64 one.
        TempId t = b_.local(ValType::kI32);
        b_.emit(Opcode::k_trunc_i64_i32, ValType::kI32, {t}, {src(ValType::kI64)});
        i32_locals_.push_back(t);
        return t;
      }
      return i32_locals_[rng_.below(i32_locals_.size())];
    }
    const uint64_t r = rng_.below(100);
    if (r < 40 || (r < 75 && i64_locals_.empty())) return global();
    if (r < 75) return i64_locals_[rng_.below(i64_locals_.size())];
    return constant(ValType::kI64);
  }

  TempId dst(ValType type) {
    auto& locals = type == ValType::kI32 ? i32_locals_ : i64_locals_;
    const uint64_t r = rng_.below(100);
    if (type == ValType::kI64 && r < 40) return global();
    if (locals.empty() || r < 70) {
      TempId t = b_.local(type);
      locals.push_back(t);  // defined from here on (the op about to be emitted writes it)
      return t;
    }
    return locals[rng_.below(locals.size())];
  }

  Cond cond() { return kAllConds[rng_.below(std::size(kAllConds))]; }

  // ---- ops ----
  void random_op(int depth) {
    const uint64_t r = rng_.below(100);
    if (r < 28) return binary();
    if (r < 33) return mul_high();
    if (r < 40) return divide();
    if (r < 48) return unary();
    if (r < 53) return conversion();
    if (r < 58) return set_cond();
    if (r < 63) return move_cond();
    if (r < 67) return env_access();
    if (r < 77) return guest_access();
    if (r < 84) return call();
    if (r < 88) return move();
    if (r < 94 && depth < 2) return region(depth);
    return binary();
  }

  void binary() {
    static constexpr Opcode kOps[] = {Opcode::k_add, Opcode::k_sub, Opcode::k_mul,
                                      Opcode::k_and, Opcode::k_or,  Opcode::k_xor,
                                      Opcode::k_shl, Opcode::k_shr, Opcode::k_sar};
    const Opcode opc = kOps[rng_.below(std::size(kOps))];
    const ValType type = random_type();
    const TempId a = src(type);
    const bool is_shift = opc == Opcode::k_shl || opc == Opcode::k_shr || opc == Opcode::k_sar;
    const TempId b = is_shift && rng_.chance(50)
                         ? b_.constant(kShiftCounts[rng_.below(std::size(kShiftCounts))], type)
                         : src(type);
    b_.binary(opc, dst(type), a, b);
  }

  void mul_high() {
    static constexpr Opcode kOps[] = {Opcode::k_mulsh, Opcode::k_muluh, Opcode::k_mulsuh};
    const TempId a = src(ValType::kI64), b = src(ValType::kI64);
    b_.binary(kOps[rng_.below(3)], dst(ValType::kI64), a, b);
  }

  // The IR leaves x/0 and MIN/-1 undefined; guard both the way the frontend does, so the
  // interesting divisors (0, -1) still reach the guard and the others reach the op.
  void divide() {
    static constexpr Opcode kOps[] = {Opcode::k_div, Opcode::k_divu, Opcode::k_rem,
                                      Opcode::k_remu};
    const Opcode opc = kOps[rng_.below(4)];
    const bool is_signed = opc == Opcode::k_div || opc == Opcode::k_rem;
    const ValType type = random_type();
    const int64_t min = type == ValType::kI32 ? INT32_MIN : INT64_MIN;
    const TempId dividend = rng_.chance(20) ? b_.constant(min, type) : src(type);
    TempId divisor = src(type);
    const ir::Temp& d = b_.block().temps[divisor];
    const bool safe_const = d.kind == ir::TempKind::kConst && d.value != 0 &&
                            !(is_signed && d.value == -1);
    if (!safe_const) {
      const TempId zero = b_.constant(0, type), one = b_.constant(1, type);
      const TempId guarded = b_.local(type);
      b_.movcond(Cond::kEq, guarded, divisor, zero, one, divisor);
      if (is_signed) {
        const TempId is_min = b_.local(type), is_minus_one = b_.local(type);
        const TempId overflow = b_.local(type);
        b_.setcond(Cond::kEq, is_min, dividend, b_.constant(min, type));
        b_.setcond(Cond::kEq, is_minus_one, guarded, b_.constant(-1, type));
        b_.binary(Opcode::k_and, overflow, is_min, is_minus_one);
        b_.movcond(Cond::kNe, guarded, overflow, zero, one, guarded);
      }
      divisor = guarded;
    }
    b_.binary(opc, dst(type), dividend, divisor);
  }

  void unary() {
    static constexpr Opcode kOps[] = {Opcode::k_neg,    Opcode::k_not,    Opcode::k_ext8s,
                                      Opcode::k_ext8u,  Opcode::k_ext16s, Opcode::k_ext16u,
                                      Opcode::k_ext32s, Opcode::k_ext32u};
    const Opcode opc = kOps[rng_.below(std::size(kOps))];
    const bool i64_only = opc == Opcode::k_ext32s || opc == Opcode::k_ext32u;
    const ValType type = i64_only ? ValType::kI64 : random_type();
    const TempId a = src(type);
    b_.unary(opc, dst(type), a);
  }

  void conversion() {
    switch (rng_.below(3)) {
      case 0: {
        const TempId a = src(ValType::kI64);
        const TempId d = dst(ValType::kI32);
        b_.emit(Opcode::k_trunc_i64_i32, ValType::kI32, {d}, {a});
        break;
      }
      default: {
        const Opcode opc = rng_.chance(50) ? Opcode::k_sext_i32_i64 : Opcode::k_zext_i32_i64;
        const TempId a = src(ValType::kI32);
        b_.emit(opc, ValType::kI64, {dst(ValType::kI64)}, {a});
        break;
      }
    }
  }

  void set_cond() {
    const ValType type = random_type();
    const TempId a = src(type), b = src(type);
    const Cond c = cond();  // operands drawn one by one: argument order is unspecified
    b_.setcond(c, dst(type), a, b);
  }

  void move_cond() {
    const ValType type = random_type();
    const TempId a = src(type), b = src(type), t = src(type), f = src(type);
    const Cond c = cond();
    b_.movcond(c, dst(type), a, b, t, f);
  }

  void move() {
    const ValType type = random_type();
    const TempId a = src(type);
    b_.mov(dst(type), a);
  }

  void env_access() {
    const EnvField& field = kEnvFields[rng_.below(std::size(kEnvFields))];
    const ValType type = random_type();
    // An I32 value's upper half is undefined, so I32 accesses are at most 4 bytes.
    const unsigned max_log2 = (type == ValType::kI32 || field.bytes == 4) ? 2 : 3;
    const unsigned log2 = unsigned(rng_.below(max_log2 + 1));
    const unsigned bytes = 1u << log2;
    const int64_t offset = field.offset + int64_t(rng_.below(field.bytes - bytes + 1));
    const MemOp size = MemOp(log2 | (rng_.chance(50) ? kMemSigned : 0));
    if (field.writable && rng_.chance(50)) {
      b_.st_env(src(type), offset, size);
    } else {
      b_.ld_env(dst(type), offset, size);
    }
  }

  // An address for a bytes-wide access: usually inside the scratch area (often computed from
  // a random value), sometimes just outside it or far away, which must fault precisely.
  TempId address(unsigned bytes) {
    const uint64_t r = rng_.below(100);
    if (r < 4) {
      static constexpr uint64_t kBad[] = {0, kScratchBase - 8, kScratchBase + kScratchBytes,
                                          kScratchBase + kScratchBytes - 1, uint64_t{1} << 40,
                                          0x7ffff000};
      return b_.constant(int64_t(kBad[rng_.below(std::size(kBad))]));
    }
    if (r < 40) {
      return b_.constant(int64_t(kScratchBase + rng_.below(kScratchBytes - bytes + 1)));
    }
    // base + (value & mask): in range whatever the value (the mask keeps it below 0x800).
    const TempId offset = b_.local(), addr = b_.local();
    const int64_t mask = rng_.chance(50) ? 0x7ff : 0x7f8;
    b_.binary(Opcode::k_and, offset, src(ValType::kI64), b_.constant(mask));
    b_.binary(Opcode::k_add, addr, offset, b_.constant(int64_t(kScratchBase)));
    return addr;
  }

  void guest_access() {
    const unsigned log2 = unsigned(rng_.below(4));
    MemOp op = MemOp(log2);
    if (rng_.chance(50)) op = op | kMemSigned;
    if (rng_.chance(15)) op = op | kMemAligned;  // misaligned addresses then fault
    const TempId addr = address(1u << log2);
    if (rng_.chance(50)) {
      b_.guest_ld(dst(ValType::kI64), addr, op);
    } else {
      b_.guest_st(addr, src(ValType::kI64), op);
    }
  }

  void call() {
    const TestHelpers& h = helpers_;
    const uint64_t r = rng_.below(100);
    if (r < 50) {
      const int n = int(rng_.below(5));
      TempId in[4];
      for (int i = 0; i < n; ++i) in[i] = src(ValType::kI64);
      const TempId out = rng_.chance(80) ? dst(ValType::kI64) : ir::Builder::kNoTemp;
      switch (n) {
        case 0: b_.call(h.table, h.pure[0], out, {}); break;
        case 1: b_.call(h.table, h.pure[1], out, {in[0]}); break;
        case 2: b_.call(h.table, h.pure[2], out, {in[0], in[1]}); break;
        case 3: b_.call(h.table, h.pure[3], out, {in[0], in[1], in[2]}); break;
        default: b_.call(h.table, h.pure[4], out, {in[0], in[1], in[2], in[3]}); break;
      }
    } else if (r < 65) {
      b_.call(h.table, h.env_no_out, ir::Builder::kNoTemp, {src(ValType::kI64)});
    } else if (r < 85) {
      const TempId a = src(ValType::kI64), b = src(ValType::kI64);
      b_.call(h.table, h.globals, dst(ValType::kI64), {a, b});
    } else {
      const TempId a = src(ValType::kI64);
      b_.call(h.table, h.may_raise, dst(ValType::kI64), {a});
    }
  }

  // A forward branch within the instruction: if-then or if-then-else. Locals first defined
  // inside are not defined on every path, so they are forgotten at the join.
  void region(int depth) {
    const auto saved64 = i64_locals_, saved32 = i32_locals_;
    const ValType type = random_type();
    const TempId a = src(type), b = src(type);
    const uint32_t skip = b_.new_label();
    b_.brcond(cond(), a, b, skip);
    const int then_ops = int(rng_.below(4));
    for (int i = 0; i < then_ops; ++i) random_op(depth + 1);
    if (rng_.chance(40)) {
      const uint32_t join = b_.new_label();
      b_.br(join);
      i64_locals_ = saved64, i32_locals_ = saved32;
      b_.set_label(skip);
      const int else_ops = 1 + int(rng_.below(3));
      for (int i = 0; i < else_ops; ++i) random_op(depth + 1);
      b_.set_label(join);
    } else {
      b_.set_label(skip);
    }
    i64_locals_ = saved64, i32_locals_ = saved32;
  }

  // ---- register pressure: 20-40 locals live from the first instruction to the last ----
  void define_long_lived() {
    const int n = 20 + int(rng_.below(21));
    for (int i = 0; i < n; ++i) {
      const TempId t = b_.local();
      const TempId a = src(ValType::kI64);
      b_.binary(i % 2 ? Opcode::k_xor : Opcode::k_add, t, a, b_.constant(random_value()));
      long_lived_.push_back(t);
      i64_locals_.push_back(t);
    }
  }
  void consume_long_lived() {
    const TempId acc = b_.local();
    b_.mov(acc, long_lived_[0]);
    for (size_t i = 1; i < long_lived_.size(); ++i) {
      const TempId rotated = b_.local();
      b_.binary(Opcode::k_shl, rotated, acc, b_.constant(int64_t(i % 13)));
      b_.binary(i % 3 ? Opcode::k_xor : Opcode::k_add, acc, rotated, long_lived_[i]);
      // Also move a few straight into globals, so stores of spilled values are checked.
      if (i % 7 == 0) b_.mov(global(), long_lived_[i]);
    }
    b_.mov(global(), acc);
  }

  // ---- block exits ----
  uint64_t target() {
    static constexpr uint64_t kTargets[] = {kBlockPc, kHopPc, kHaltPcA, kHaltPcB};
    return kTargets[rng_.below(std::size(kTargets))];
  }

  // A branch whose taken path leaves the block before its last instruction (as the frontend's
  // forward branches do): the instructions after it must not be counted as retired.
  void side_exit() {
    const ValType type = random_type();
    const TempId a = src(type), b = src(type);
    const uint32_t stay = b_.new_label();
    b_.brcond(cond(), a, b, stay);
    switch (rng_.below(4)) {
      case 0:
      case 1: b_.goto_tb(1, target()); break;
      case 2: b_.exit(target()); break;
      default: b_.goto_ptr(b_.constant(int64_t(target()))); break;
    }
    b_.set_label(stay);
  }

  void terminator() {
    switch (rng_.below(6)) {
      case 0: b_.goto_tb(0, target()); break;
      case 1: b_.exit(target()); break;
      case 2: {  // a conditional branch's two exits, both chainable
        const ValType type = random_type();
        const TempId a = src(type), b = src(type);
        const uint32_t taken = b_.new_label();
        b_.brcond(cond(), a, b, taken);
        b_.goto_tb(0, target());
        b_.set_label(taken);
        b_.goto_tb(1, target());
        break;
      }
      case 3: {  // indirect jump choosing between two targets (movcond is all I64 here)
        const TempId a = src(ValType::kI64), b = src(ValType::kI64);
        const TempId pc = b_.local();
        const Cond c = cond();
        const TempId if_true = b_.constant(int64_t(target()));
        const TempId if_false = b_.constant(int64_t(target()));
        b_.movcond(c, pc, a, b, if_true, if_false);
        b_.goto_ptr(pc);
        break;
      }
      case 4: {  // indirect jump to a computed pc, which may have no code (fetch fault)
        if (rng_.chance(25)) {  // straight through a register: almost always a fetch fault
          b_.goto_ptr(global());
          break;
        }
        const TempId bit = b_.local(), pc = b_.local();
        b_.binary(Opcode::k_and, bit, src(ValType::kI64), b_.constant(0x100));
        b_.binary(Opcode::k_add, pc, bit, b_.constant(int64_t(kHopPc)));
        b_.goto_ptr(pc);  // kHopPc, or kHopPc + 0x100 where there is no code
        break;
      }
      default: {  // early exit to the dispatcher on one path, indirect jump on the other
        const TempId a = src(ValType::kI64), b = src(ValType::kI64);
        const uint32_t taken = b_.new_label();
        b_.brcond(cond(), a, b, taken);
        b_.exit(target());
        b_.set_label(taken);
        b_.goto_ptr(b_.constant(int64_t(target())));
        break;
      }
    }
  }

  Rng rng_;
  ir::Builder b_;
  const TestHelpers& helpers_;
  std::vector<TempId> hot_globals_;
  std::vector<TempId> i64_locals_, i32_locals_;  // locals defined on every path to here
  std::vector<TempId> long_lived_;
  bool pressure_ = false;
  uint32_t n_insns_ = 1;
};

// The block at kHopPc: two instructions that update registers (one reads icount), then back.
std::unique_ptr<ir::Block> hop_block(uint32_t max_insns) {
  auto block = std::make_unique<ir::Block>();
  block->pc = kHopPc;
  ir::Builder b(*block);
  add_register_globals(b);
  const TempId x10 = kFirstGprGlobal + 9, x11 = kFirstGprGlobal + 10, x12 = kFirstGprGlobal + 11;
  b.insn_start(kHopPc);
  b.binary(Opcode::k_add, x10, x10, x11);
  if (max_insns < 2) {
    b.goto_tb(0, kHopPc + 4);
    block->size_bytes = 4;
    return block;
  }
  b.insn_start(kHopPc + 4);
  const TempId count = b.local();
  b.ld_env(count, int64_t(offsetof(CpuState, icount)), kMemSize64);
  b.binary(Opcode::k_xor, x12, x12, count);
  b.goto_tb(0, kBlockPc);
  block->size_bytes = 8;
  return block;
}

// The blocks at kHaltPcA/B: one instruction that raises a known exception.
std::unique_ptr<ir::Block> halt_block(uint64_t pc, Cause cause) {
  auto block = std::make_unique<ir::Block>();
  block->pc = pc;
  ir::Builder b(*block);
  add_register_globals(b);
  b.insn_start(pc);
  const TestHelpers& h = test_helpers();
  b.call(h.table, h.halt, ir::Builder::kNoTemp,
         {b.constant(int64_t(cause)), b.constant(int64_t(pc))});
  b.exit(pc);  // not reached; every path must still end in a terminator
  block->size_bytes = 4;
  return block;
}

}  // namespace

std::unique_ptr<ir::Block> generate_random_block(uint64_t seed, uint32_t max_insns,
                                                 const GenOptions& options) {
  auto block = std::make_unique<ir::Block>();
  Generator(seed, options, *block).generate(max_insns);
  return block;
}

TranslateResult RandomProgramSource::translate(GuestMemory&, uint64_t pc, uint32_t max_insns,
                                               uint32_t) const {
  TranslateResult result;
  switch (pc) {
    case kBlockPc: result.block = generate_random_block(seed_, max_insns, options_); break;
    case kHopPc: result.block = hop_block(max_insns); break;
    case kHaltPcA: result.block = halt_block(pc, Cause::kBreakpoint); break;
    case kHaltPcB: result.block = halt_block(pc, Cause::kEcallU); break;
    default: result.fetch_fault_addr = pc; break;
  }
  return result;
}

}  // namespace rwd::jit_test
