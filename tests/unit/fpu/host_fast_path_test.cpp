// The host-FPU fast path against the pure soft-float helpers: every helper that has a fast path
// runs on millions of random inputs (biased toward the boundaries the fast path must decline:
// the smallest normal, overflow, ties, cancellation, integer range ends, NX clear, rounding
// modes other than RNE) through fp_helper_table() and through fp_soft_helper_table(), and the
// result bits and fflags must be identical. Separately, the fast path must actually answer in
// the common case.
#include "fpu/host_fast_path.h"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "fp_test_support.h"
#include "fpu/riscv_fp.h"

namespace rwd::fpu {
namespace {

using testing::hex;
using testing::OperandGenerator;
using testing::T32;
using testing::T64;

// Sanitizer and unoptimized builds run the same generators on fewer inputs.
#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
constexpr int kCasesPerHelper = 20'000;
#else
constexpr int kCasesPerHelper = 200'000;
#endif

// --- Calling helpers and fast paths through uniform signatures ---

using Inputs = std::array<uint64_t, 4>;

const FpHelper& find_helper(std::span<const FpHelper> table, std::string_view name) {
  for (const FpHelper& helper : table) {
    if (name == helper.name) return helper;
  }
  throw std::runtime_error("no helper " + std::string(name));
}

uint64_t call_helper(const FpHelper& helper, CpuState& cpu, const Inputs& in) {
  switch (helper.n_in) {
    case 1:
      return reinterpret_cast<uint64_t (*)(CpuState*, uint64_t)>(helper.fn)(&cpu, in[0]);
    case 2:
      return reinterpret_cast<uint64_t (*)(CpuState*, uint64_t, uint64_t)>(helper.fn)(&cpu, in[0],
                                                                                       in[1]);
    case 3:
      return reinterpret_cast<uint64_t (*)(CpuState*, uint64_t, uint64_t, uint64_t)>(helper.fn)(
          &cpu, in[0], in[1], in[2]);
    default:
      return reinterpret_cast<uint64_t (*)(CpuState*, uint64_t, uint64_t, uint64_t, uint64_t)>(
          helper.fn)(&cpu, in[0], in[1], in[2], in[3]);
  }
}

using FastFn = host_fast::Result (*)(const CpuState&, const Inputs&);

template <class... Args>
constexpr size_t arity(host_fast::Result (*)(const CpuState&, Args...)) {
  return sizeof...(Args);
}

template <auto Fast>
host_fast::Result call_fast(const CpuState& cpu, const Inputs& in) {
  return [&]<size_t... I>(std::index_sequence<I...>) {
    return Fast(cpu, in[I]...);
  }(std::make_index_sequence<arity(Fast)>{});
}

// --- Input generation ---

// What a helper's inputs look like, which decides how they are generated.
enum class Shape { kAdd, kMul, kDiv, kSqrt, kFma, kCompare, kToInt, kFromInt, kNarrow, kWiden };

template <class F>
class InputGenerator {
 public:
  using Bits = typename F::Bits;
  explicit InputGenerator(uint64_t seed) : ops_(seed) {}

  OperandGenerator<F>& ops() { return ops_; }

  // What most programs compute with: moderate exponents, full significands.
  Bits typical() { return ops_.finite_with_exp(F::kBias - 30 + static_cast<int>(ops_.below(61))); }

  Bits operand() {
    switch (ops_.below(8)) {
      case 0:
      case 1:
      case 2:
        return typical();
      case 3:  // around the smallest normal
        return ops_.finite_with_exp(static_cast<int>(ops_.below(6)));
      default:
        return ops_.any();
    }
  }

  // A second operand related to `a` so that a+b or a-b cancels, ties, or lands on a boundary.
  Bits addend_for(Bits a) {
    switch (ops_.below(10)) {
      case 0:
        return a ^ F::kSign;  // exact cancellation to zero
      case 1:
        return a;
      case 2:  // one ulp away with either sign: cancellation to one ulp, possibly subnormal
        return (a ^ (ops_.coin() ? F::kSign : 0)) + (ops_.coin() ? 1 : -1);
      case 3:
      case 4:
        return ops_.near(a, 2);
      case 5: {  // a power of two half an ulp of a (or nearby): ties and sticky cases
        const int exp = F::biased_exp(a) - F::kFracBits - 1 + static_cast<int>(ops_.below(3));
        return F::make(ops_.coin(), exp < 1 ? 1 : exp, ops_.coin() ? 0 : 1);
      }
      case 6:  // near overflow
        return ops_.finite_with_exp(F::kMaxBiasedExp - 1 - static_cast<int>(ops_.below(2)));
      default:
        return operand();
    }
  }

  Bits factor_for(Bits a, bool for_division) {
    switch (ops_.below(6)) {
      case 0:
      case 1:
        return ops_.product_edge(a, for_division);
      case 2:  // short significand: exact products and quotients
        return F::make(ops_.coin(), F::kBias + static_cast<int>(ops_.below(9)) - 4,
                       static_cast<Bits>(ops_.next_u64()) & F::kFracMask &
                           ~(F::kFracMask >> 3));
      default:
        return operand();
    }
  }

  Bits fma_addend(Bits a, Bits b) {
    switch (ops_.below(6)) {
      case 0:
      case 1: {  // about -(a*b): massive cancellation, results near zero or tiny
        const auto product = static_cast<typename F::Host>(F::to_host(a) * F::to_host(b));
        Bits c = F::from_host(product) ^ F::kSign;
        if (ops_.coin()) c += static_cast<Bits>(ops_.below(3)) - 1;
        return c;
      }
      case 2:
        return ops_.finite_with_exp(static_cast<int>(ops_.below(4)));
      default:
        return operand();
    }
  }

  Bits compare_partner(Bits a) {
    switch (ops_.below(6)) {
      case 0:
        return a;
      case 1:
        return a ^ F::kSign;  // includes +0 vs -0
      case 2:
        return ops_.special();
      default:
        return operand();
    }
  }

  // Values around the integer ranges: integral, half-way, near +-2^31, 2^32, 2^63, 2^64.
  Bits integer_like() {
    switch (ops_.below(6)) {
      case 0: {
        const int exp = (ops_.coin() ? 31 : 63) + (ops_.coin() ? 1 : 0);
        Bits edge = F::make(ops_.coin(), F::kBias + exp, 0);
        return edge + static_cast<Bits>(ops_.below(5)) - 2;
      }
      case 1: {  // an integer of random width, rounded into the format
        const int width = static_cast<int>(ops_.below(64));
        const uint64_t value = ops_.next_u64() >> (63 - width);
        const auto host = static_cast<typename F::Host>(value);
        return F::from_host(ops_.coin() ? -host : host);
      }
      case 2: {  // k + {1/4, 1/2, 3/4}: RNE ties and RTZ truncation
        const auto k = static_cast<typename F::Host>(ops_.below(1 << 20)) - (1 << 19);
        return F::from_host(k + static_cast<typename F::Host>(ops_.below(4)) / 4);
      }
      case 3:
        return ops_.finite_with_exp(F::kBias - 2 + static_cast<int>(ops_.below(4)));  // ~1
      default:
        return ops_.near(F::make(false, F::kBias + static_cast<int>(ops_.below(66)), 0), 1);
    }
  }

 private:
  OperandGenerator<F> ops_;
};

// Integers of random width with random trailing zeros: exact and rounded conversions.
uint64_t integer_input(OperandGenerator<T64>& ops) {
  const int width = static_cast<int>(ops.below(65));
  uint64_t value = width == 0 ? 0 : ops.next_u64() >> (64 - width);
  if (ops.coin()) value &= ~uint64_t{0} << ops.below(40);
  if (ops.below(4) == 0) value = 0 - value;
  if (ops.below(8) == 0) value = (uint64_t{1} << (ops.coin() ? 24 : 53)) + ops.below(5) - 2;
  return value;
}

// A binary64 value near binary32's boundaries: exact floats, ties between floats, the
// smallest normal and the largest finite.
uint64_t narrowing_input(InputGenerator<T32>& gen32, InputGenerator<T64>& gen) {
  auto& ops = gen.ops();
  switch (ops.below(6)) {
    case 0: {
      const int exp = ops.coin() ? T64::kBias - 126 : T64::kBias + 127;
      return T64::make(ops.coin(), exp - 1 + static_cast<int>(ops.below(3)),
                       ops.next_u64() & T64::kFracMask & (ops.coin() ? ~0xfffffffULL : ~0ULL));
    }
    case 1: {  // a float, or a float plus half its ulp (a tie)
      const uint64_t widened = T64::from_host(T32::to_host(gen32.operand()));
      return ops.coin() ? widened : widened | (uint64_t{1} << 28);
    }
    case 2:  // in the binary32 subnormal range
      return T64::make(ops.coin(), T64::kBias - 150 + static_cast<int>(ops.below(26)),
                       ops.next_u64() & T64::kFracMask);
    default:
      return gen.operand();
  }
}

// --- The differential test ---

struct FastPathCase {
  const char* name;
  FastFn fast;
  Shape shape;
  bool single;  // F operands are single precision (NaN-boxed)
};

constexpr FastPathCase kCases[] = {
#define REWIND_FAST_CASES(P, single)                                                        \
  {"fp_fadd_" #P, call_fast<host_fast::fadd_##P>, Shape::kAdd, single},                     \
      {"fp_fsub_" #P, call_fast<host_fast::fsub_##P>, Shape::kAdd, single},                 \
      {"fp_fmul_" #P, call_fast<host_fast::fmul_##P>, Shape::kMul, single},                 \
      {"fp_fdiv_" #P, call_fast<host_fast::fdiv_##P>, Shape::kDiv, single},                 \
      {"fp_fsqrt_" #P, call_fast<host_fast::fsqrt_##P>, Shape::kSqrt, single},              \
      {"fp_fmadd_" #P, call_fast<host_fast::fmadd_##P>, Shape::kFma, single},               \
      {"fp_fmsub_" #P, call_fast<host_fast::fmsub_##P>, Shape::kFma, single},               \
      {"fp_fnmsub_" #P, call_fast<host_fast::fnmsub_##P>, Shape::kFma, single},             \
      {"fp_fnmadd_" #P, call_fast<host_fast::fnmadd_##P>, Shape::kFma, single},             \
      {"fp_fmin_" #P, call_fast<host_fast::fmin_##P>, Shape::kCompare, single},             \
      {"fp_fmax_" #P, call_fast<host_fast::fmax_##P>, Shape::kCompare, single},             \
      {"fp_feq_" #P, call_fast<host_fast::feq_##P>, Shape::kCompare, single},               \
      {"fp_flt_" #P, call_fast<host_fast::flt_##P>, Shape::kCompare, single},               \
      {"fp_fle_" #P, call_fast<host_fast::fle_##P>, Shape::kCompare, single},               \
      {"fp_fcvt_w_" #P, call_fast<host_fast::fcvt_w_##P>, Shape::kToInt, single},           \
      {"fp_fcvt_wu_" #P, call_fast<host_fast::fcvt_wu_##P>, Shape::kToInt, single},         \
      {"fp_fcvt_l_" #P, call_fast<host_fast::fcvt_l_##P>, Shape::kToInt, single},           \
      {"fp_fcvt_lu_" #P, call_fast<host_fast::fcvt_lu_##P>, Shape::kToInt, single},         \
      {"fp_fcvt_" #P "_w", call_fast<host_fast::fcvt_##P##_w>, Shape::kFromInt, single},    \
      {"fp_fcvt_" #P "_wu", call_fast<host_fast::fcvt_##P##_wu>, Shape::kFromInt, single},  \
      {"fp_fcvt_" #P "_l", call_fast<host_fast::fcvt_##P##_l>, Shape::kFromInt, single},    \
      {"fp_fcvt_" #P "_lu", call_fast<host_fast::fcvt_##P##_lu>, Shape::kFromInt, single},
    REWIND_FAST_CASES(s, true)     //
    REWIND_FAST_CASES(d, false)    //
#undef REWIND_FAST_CASES
    {"fp_fcvt_s_d", call_fast<host_fast::fcvt_s_d>, Shape::kNarrow, false},
    {"fp_fcvt_d_s", call_fast<host_fast::fcvt_d_s>, Shape::kWiden, true},
};

// The rm operand: mostly RNE, static or dynamic, sometimes another mode.
uint64_t rounding_operand(OperandGenerator<T64>& ops) {
  switch (ops.below(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return kRoundNearestEven;
    case 4:
    case 5:
    case 6:
      return kRoundDynamic;
    default:
      return 1 + ops.below(4);  // RTZ, RDN, RUP, RMM
  }
}

// Random accrued flags, with NX set half the time; frm mostly RNE.
CpuState random_state(OperandGenerator<T64>& ops) {
  CpuState cpu{};
  cpu.fflags = static_cast<uint32_t>(ops.next_u64()) & 0x1f;
  cpu.fflags = ops.coin() ? cpu.fflags | kFlagNX : cpu.fflags & ~uint32_t{kFlagNX};
  cpu.frm = ops.coin() ? kRoundNearestEven : ops.below(5);
  return cpu;
}

// A single operand NaN-boxed, or once in a while improperly boxed.
uint64_t as_register(uint32_t single, OperandGenerator<T64>& ops) {
  if (ops.below(64) == 0) return single;
  return box_f32(single);
}

template <class F>
Inputs generate(Shape shape, InputGenerator<T32>& gen32, InputGenerator<T64>& gen64) {
  auto& gen = [&]() -> InputGenerator<F>& {
    if constexpr (sizeof(typename F::Bits) == 4) {
      return gen32;
    } else {
      return gen64;
    }
  }();
  auto& ops = gen.ops();
  auto& ops64 = gen64.ops();
  Inputs in{};
  using Bits = typename F::Bits;
  Bits a = gen.operand();
  Bits b = 0;
  Bits c = 0;
  int fp_inputs = 1;
  switch (shape) {
    case Shape::kAdd:
      b = gen.addend_for(a);
      fp_inputs = 2;
      break;
    case Shape::kMul:
    case Shape::kDiv:
      b = gen.factor_for(a, shape == Shape::kDiv);
      if (ops.coin()) std::swap(a, b);
      fp_inputs = 2;
      break;
    case Shape::kSqrt:
      if (ops.coin()) {  // a perfect square of a short significand: exact roots
        const Bits root = gen.factor_for(gen.typical(), false) & ~F::kSign;
        a = F::from_host(F::to_host(root) * F::to_host(root));
      }
      break;
    case Shape::kFma:
      b = gen.factor_for(a, false);
      c = gen.fma_addend(a, b);
      fp_inputs = 3;
      break;
    case Shape::kCompare:
      b = gen.compare_partner(a);
      fp_inputs = 2;
      break;
    case Shape::kToInt:
      if (ops.below(4) != 0) a = gen.integer_like();
      break;
    case Shape::kFromInt:
    case Shape::kNarrow:
    case Shape::kWiden:
      break;
  }
  const Bits operands[] = {a, b, c};
  for (int i = 0; i < fp_inputs; ++i) {
    in[i] = sizeof(Bits) == 4 ? as_register(static_cast<uint32_t>(operands[i]), ops64)
                              : static_cast<uint64_t>(operands[i]);
  }
  const bool takes_rm = shape != Shape::kCompare;
  if (shape == Shape::kFromInt) in[0] = integer_input(ops64);
  if (shape == Shape::kNarrow) in[0] = narrowing_input(gen32, gen64);
  if (takes_rm) in[shape == Shape::kFromInt || shape == Shape::kNarrow ? 1 : fp_inputs] =
      rounding_operand(ops64);
  return in;
}

class FastPathDifferential : public ::testing::TestWithParam<FastPathCase> {};

TEST_P(FastPathDifferential, MatchesSoftFloatBitsAndFlags) {
  const FastPathCase& test_case = GetParam();
  const FpHelper& helper = find_helper(fp_helper_table(), test_case.name);
  const FpHelper& soft = find_helper(fp_soft_helper_table(), test_case.name);
  ASSERT_NE(helper.fn, soft.fn);

  // A different stream per helper, the same on every run.
  const uint64_t seed = std::hash<std::string_view>{}(test_case.name);
  InputGenerator<T32> gen32(seed);
  InputGenerator<T64> gen64(seed ^ 0x9e3779b97f4a7c15);
  int taken = 0;
  int failures = 0;
  for (int i = 0; i < kCasesPerHelper && failures < 10; ++i) {
    const Inputs in = test_case.single ? generate<T32>(test_case.shape, gen32, gen64)
                                       : generate<T64>(test_case.shape, gen32, gen64);
    const CpuState before = random_state(gen64.ops());
    CpuState with_fast = before;
    CpuState soft_only = before;
    const host_fast::Result fast = test_case.fast(before, in);
    taken += fast.has_value();
    const uint64_t result = call_helper(helper, with_fast, in);
    const uint64_t expected = call_helper(soft, soft_only, in);
    if (result != expected || with_fast.fflags != soft_only.fflags ||
        (fast && *fast != expected)) {
      ++failures;
      ADD_FAILURE() << test_case.name << "(" << hex(in[0]) << ", " << hex(in[1]) << ", "
                    << hex(in[2]) << ", " << hex(in[3]) << ") fflags " << hex(before.fflags)
                    << " frm " << before.frm << ": helper " << hex(result) << " flags "
                    << testing::flag_names(with_fast.fflags) << ", soft " << hex(expected)
                    << " flags " << testing::flag_names(soft_only.fflags) << ", fast path "
                    << (fast ? hex(*fast) : std::string("declined"));
    }
  }
  // The comparison must actually exercise the fast path (the boundaries it declines are
  // generated on purpose; exact int32 -> double conversions are never declined).
  EXPECT_GT(taken, kCasesPerHelper / 10) << test_case.name;
  RecordProperty("fast_path_taken_percent", taken * 100 / kCasesPerHelper);
}

INSTANTIATE_TEST_SUITE_P(AllFastHelpers, FastPathDifferential, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<FastPathCase>& info) {
                           return std::string(info.param.name);
                         });

// --- The fast path answers in the common case ---

CpuState state_after_first_inexact() {
  CpuState cpu{};
  cpu.fflags = kFlagNX;
  return cpu;
}

TEST(HostFastPath, AnswersTypicalArithmeticOnceInexactIsSet) {
  const CpuState cpu = state_after_first_inexact();
  InputGenerator<T64> gen(1);
  int taken = 0;
  constexpr int kCount = 10'000;
  for (int i = 0; i < kCount; ++i) {
    const uint64_t a = gen.typical();
    const uint64_t b = gen.typical();
    const uint64_t c = gen.typical();
    const uint64_t rm = i % 2 ? kRoundNearestEven : kRoundDynamic;
    taken += host_fast::fadd_d(cpu, a, b, rm).has_value();
    taken += host_fast::fsub_d(cpu, a, b, rm).has_value();
    taken += host_fast::fmul_d(cpu, a, b, rm).has_value();
    taken += host_fast::fdiv_d(cpu, a, b, rm).has_value();
    taken += host_fast::fsqrt_d(cpu, a & ~T64::kSign, rm).has_value();
    taken += host_fast::flt_d(cpu, a, b).has_value();
    taken += host_fast::fmax_d(cpu, a, b).has_value();
    taken += host_fast::fcvt_s_d(cpu, a, rm).has_value();
    if (host_fast::host_has_fma()) {
      taken += host_fast::fmadd_d(cpu, a, b, c, rm).has_value();
    } else {
      EXPECT_FALSE(host_fast::fmadd_d(cpu, a, b, c, rm).has_value());
      ++taken;
    }
  }
  // Everything but the rare fmadd whose product cancels c to exactly zero: a zero result of
  // a nonzero product is declined, since it could also be a tiny value rounded to zero.
  EXPECT_GE(taken, 9 * kCount - kCount / 1000);
}

TEST(HostFastPath, SinglePrecisionAnswersAndStaysBoxed) {
  const CpuState cpu = state_after_first_inexact();
  const uint64_t one_and_half = box_f32(0x3fc00000);
  const uint64_t two_and_quarter = box_f32(0x40100000);
  EXPECT_EQ(host_fast::fadd_s(cpu, one_and_half, two_and_quarter, kRoundNearestEven),
            host_fast::Result{box_f32(0x40700000)});  // 3.75
  EXPECT_EQ(host_fast::fmul_s(cpu, one_and_half, two_and_quarter, kRoundNearestEven),
            host_fast::Result{box_f32(0x40580000)});  // 3.375
  // An improperly boxed input is the canonical NaN: soft-float decides.
  EXPECT_FALSE(host_fast::fadd_s(cpu, 0x3fc00000, two_and_quarter, kRoundNearestEven));
}

TEST(HostFastPath, RoundingOperationsWaitForInexactOrDecline) {
  CpuState cpu{};  // NX clear, frm RNE
  const uint64_t one_tenth = 0x3fb999999999999a;
  const uint64_t three = 0x4008000000000000;
  EXPECT_FALSE(host_fast::fadd_d(cpu, one_tenth, three, kRoundNearestEven));
  EXPECT_FALSE(host_fast::fmul_d(cpu, one_tenth, three, kRoundNearestEven));
  // Exact conversions answer whatever the flags and mode.
  EXPECT_EQ(host_fast::fcvt_d_w(cpu, static_cast<uint64_t>(-7), kRoundUp),
            host_fast::Result{0xc01c000000000000});
  EXPECT_EQ(host_fast::fcvt_d_l(cpu, uint64_t{1} << 62, kRoundDown),
            host_fast::Result{0x43d0000000000000});
  EXPECT_FALSE(host_fast::fcvt_d_l(cpu, (uint64_t{1} << 62) + 1, kRoundNearestEven));
  EXPECT_EQ(host_fast::fcvt_w_d(cpu, three, kRoundTowardZero), host_fast::Result{3});
  EXPECT_FALSE(host_fast::fcvt_w_d(cpu, one_tenth, kRoundTowardZero));
  EXPECT_EQ(host_fast::fcvt_s_d(cpu, three, kRoundUp), host_fast::Result{box_f32(0x40400000)});
  EXPECT_FALSE(host_fast::fcvt_s_d(cpu, one_tenth, kRoundNearestEven));
  cpu.fflags = kFlagNX;
  EXPECT_EQ(host_fast::fcvt_w_d(cpu, 0xc004000000000000, kRoundTowardZero),  // -2.5
            host_fast::Result{static_cast<uint64_t>(-2)});
  EXPECT_EQ(host_fast::fcvt_w_d(cpu, 0xc004000000000000, kRoundNearestEven),
            host_fast::Result{static_cast<uint64_t>(-2)});  // tie to even
  EXPECT_TRUE(host_fast::fadd_d(cpu, one_tenth, three, kRoundNearestEven));
  // Any other effective mode declines, static or dynamic.
  EXPECT_FALSE(host_fast::fadd_d(cpu, one_tenth, three, kRoundTowardZero));
  cpu.frm = kRoundUp;
  EXPECT_FALSE(host_fast::fadd_d(cpu, one_tenth, three, kRoundDynamic));
  EXPECT_FALSE(host_fast::fcvt_w_d(cpu, three, kRoundDynamic));
}

TEST(HostFastPath, DeclinesWhereFlagsOrSpecialOperandsAreInvolved) {
  const CpuState cpu = state_after_first_inexact();
  const uint64_t smallest_normal = 0x0010000000000000;
  const uint64_t half = 0x3fe0000000000000;
  const uint64_t largest = 0x7fefffffffffffff;
  const uint64_t infinity = 0x7ff0000000000000;
  const uint64_t quiet_nan = 0x7ff8000000000000;
  const auto rne = kRoundNearestEven;
  EXPECT_FALSE(host_fast::fmul_d(cpu, smallest_normal, half, rne));  // tiny: UF
  EXPECT_FALSE(host_fast::fmul_d(cpu, largest, largest, rne));       // OF
  EXPECT_FALSE(host_fast::fadd_d(cpu, largest, largest, rne));       // OF
  EXPECT_FALSE(host_fast::fadd_d(cpu, infinity, half, rne));
  EXPECT_FALSE(host_fast::fdiv_d(cpu, half, 0, rne));  // DZ
  EXPECT_FALSE(host_fast::fsqrt_d(cpu, half | T64::kSign, rne));  // NV
  EXPECT_FALSE(host_fast::feq_d(cpu, quiet_nan, half));
  EXPECT_FALSE(host_fast::fmin_d(cpu, quiet_nan, half));
  EXPECT_FALSE(host_fast::fcvt_w_d(cpu, 0x41e0000000000000, kRoundTowardZero));  // 2^31: NV
  // Exact zeros that are provably exact are answered.
  EXPECT_EQ(host_fast::fsub_d(cpu, half, half, rne), host_fast::Result{0});
  EXPECT_EQ(host_fast::fmul_d(cpu, T64::kSign, half, rne), host_fast::Result{T64::kSign});
  EXPECT_EQ(host_fast::fmin_d(cpu, 0, T64::kSign), host_fast::Result{T64::kSign});
  EXPECT_EQ(host_fast::fmax_d(cpu, 0, T64::kSign), host_fast::Result{0});
}

}  // namespace
}  // namespace rwd::fpu
