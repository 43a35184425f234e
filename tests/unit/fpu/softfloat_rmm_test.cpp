// RMM (round to nearest, ties away from zero) has no host equivalent, so it is checked two
// ways: hand-derived tie cases, and a property over random operands: RMM must equal RNE
// except at exact ties, where it must be the neighbour farther from zero. Ties are detected
// independently of softfloat by computing the exact result in x87 long double (64-bit
// significand): an inexact long double result cannot be a tie, which needs at most p+1 bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cfenv>
#include <cmath>
#include <optional>

#include "fp_test_support.h"
#include "soft_ops.h"

namespace rwd::fpu::testing {
namespace {

constexpr uint32_t kRne = kRoundNearestEven;
constexpr uint32_t kRmm = kRoundNearestMax;

struct TieCase {
  const char* what;
  uint64_t result_rne;
  uint64_t result_rmm;
  uint32_t flags;  // the same in both modes for these cases
};

template <class Op>
void expect_tie(const TieCase& c, Op op) {
  uint32_t rne_flags = 0;
  uint32_t rmm_flags = 0;
  EXPECT_EQ(hex(uint64_t{op(kRne, rne_flags)}), hex(c.result_rne)) << c.what << " (RNE)";
  EXPECT_EQ(hex(uint64_t{op(kRmm, rmm_flags)}), hex(c.result_rmm)) << c.what << " (RMM)";
  EXPECT_EQ(flag_names(rne_flags), flag_names(c.flags)) << c.what << " (RNE)";
  EXPECT_EQ(flag_names(rmm_flags), flag_names(c.flags)) << c.what << " (RMM)";
}

TEST(RoundNearestMax, HandDerivedTies) {
  // 1 + 2^-24 is halfway between 1 and 1 + 2^-23 (even: 1).
  expect_tie({"f32 1 + 2^-24", 0x3f800000, 0x3f800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return f32_add(0x3f800000, 0x33800000, rm, f); });
  expect_tie({"f32 -1 - 2^-24", 0xbf800000, 0xbf800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return f32_sub(0xbf800000, 0x33800000, rm, f); });
  // Odd lower neighbour: both modes round up.
  expect_tie({"f32 (1 + 2^-23) + 2^-24", 0x3f800002, 0x3f800002, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return f32_add(0x3f800001, 0x33800000, rm, f); });
  // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24.
  expect_tie({"f32 (1 + 2^-12)^2", 0x3f801000, 0x3f801001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return f32_mul(0x3f800800, 0x3f800800, rm, f); });
  expect_tie({"f32 fma 1*1 + 2^-24", 0x3f800000, 0x3f800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return f32_fmadd(0x3f800000, 0x3f800000, 0x33800000, rm, f);
             });
  expect_tie({"f32 fnmadd -(1*1) - 2^-24", 0xbf800000, 0xbf800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return f32_fnmadd(0x3f800000, 0x3f800000, 0x33800000, rm, f);
             });
  // Division into the subnormal range: 5 * 2^-149 / 2 = 2.5 units of the smallest subnormal.
  expect_tie({"f32 5 * 2^-149 / 2", 0x00000002, 0x00000003, kFlagNX | kFlagUF},
             [](uint32_t rm, uint32_t& f) { return f32_div(0x00000005, 0x40000000, rm, f); });
  expect_tie({"f32 -5 * 2^-149 / 2", 0x80000002, 0x80000003, kFlagNX | kFlagUF},
             [](uint32_t rm, uint32_t& f) { return f32_div(0x80000005, 0x40000000, rm, f); });
  // (1 - 2^-24) * 2^-126 lies halfway between the largest subnormal and 2^-126. It is exact
  // at 24 bits with unbounded exponent, so it is tiny after rounding: UF even though the
  // result is the smallest normal.
  expect_tie({"f32 (1 - 2^-24) * 2^-126", 0x00800000, 0x00800000, kFlagNX | kFlagUF},
             [](uint32_t rm, uint32_t& f) { return f32_mul(0x3f7fffff, 0x00800000, rm, f); });
  // Max finite + half an ulp: both round to infinity.
  expect_tie({"f32 max + ulp/2", 0x7f800000, 0x7f800000, kFlagNX | kFlagOF},
             [](uint32_t rm, uint32_t& f) { return f32_add(0x7f7fffff, 0x73000000, rm, f); });

  expect_tie({"f64 1 + 2^-53", 0x3ff0000000000000, 0x3ff0000000000001, kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return f64_add(0x3ff0000000000000, 0x3ca0000000000000, rm, f);
             });
  // (1 + 3 * 2^-52) * 3 = 3 + 4.5 ulps.
  expect_tie({"f64 (1 + 3 * 2^-52) * 3", 0x4008000000000004, 0x4008000000000005, kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return f64_mul(0x3ff0000000000003, 0x4008000000000000, rm, f);
             });
  expect_tie({"f64 fma 1*1 + 2^-53", 0x3ff0000000000000, 0x3ff0000000000001, kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return f64_fmadd(0x3ff0000000000000, 0x3ff0000000000000, 0x3ca0000000000000, rm, f);
             });
  expect_tie({"f64 5 * 2^-1074 / 2", 0x2, 0x3, kFlagNX | kFlagUF},
             [](uint32_t rm, uint32_t& f) { return f64_div(0x5, 0x4000000000000000, rm, f); });

  // Conversions.
  expect_tie({"f64->f32 1 + 2^-24", 0x3f800000, 0x3f800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return f64_to_f32(0x3ff0000010000000, rm, f); });
  expect_tie({"i32->f32 2^24 + 1", 0x4b800000, 0x4b800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return i32_to_f32(16777217, rm, f); });
  expect_tie({"i32->f32 -(2^24 + 1)", 0xcb800000, 0xcb800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return i32_to_f32(-16777217, rm, f); });
  expect_tie({"u64->f64 2^53 + 1", 0x4340000000000000, 0x4340000000000001, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return u64_to_f64((uint64_t{1} << 53) + 1, rm, f); });
  expect_tie({"f32->i32 2.5", 2, 3, kFlagNX}, [](uint32_t rm, uint32_t& f) {
    return static_cast<uint32_t>(f32_to_i32(0x40200000, rm, f));
  });
  expect_tie({"f64->i64 -2.5", static_cast<uint64_t>(-2), static_cast<uint64_t>(-3), kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return static_cast<uint64_t>(f64_to_i64(0xc004000000000000, rm, f));
             });
  expect_tie({"f32->u32 0.5", 0, 1, kFlagNX},
             [](uint32_t rm, uint32_t& f) { return f32_to_u32(0x3f000000, rm, f); });
  // A non-tie must round to nearest in both modes.
  expect_tie({"f32 1 + 2^-24 + 2^-47", 0x3f800001, 0x3f800001, kFlagNX},
             [](uint32_t rm, uint32_t& f) {
               return f32_fmadd(0x33800001, 0x3f800000, 0x3f800000, rm, f);
             });
}

// --- Property: RMM == RNE except at ties, where RMM picks the larger magnitude ---

// Evaluates fn in long double under RNE; nullopt if the long double result was inexact.
template <class Fn>
std::optional<long double> exactly(Fn fn) {
  ScopedHostRounding scope(FE_TONEAREST);
  volatile long double value = fn();
  if (std::fetestexcept(FE_INEXACT)) return std::nullopt;
  return value;
}

template <class F>
long double wide(uint64_t bits) {
  return static_cast<long double>(F::to_host(static_cast<typename F::Bits>(bits)));
}

using Operands = std::array<uint64_t, 3>;

// soft(in, rm, flags) -> result bits in format R; exact(in) -> exact value if representable.
template <class R, class Next, class Soft, class Exact>
void expect_rmm_property(const char* op, int count, Next&& next, Soft&& soft, Exact&& exact) {
  using Bits = typename R::Bits;
  int failures = 0;
  int ties = 0;
  for (int i = 0; i < count; ++i) {
    const Operands in = next();
    uint32_t rne_flags = 0, down_flags = 0, up_flags = 0, rmm_flags = 0;
    const auto rne = static_cast<Bits>(soft(in, kRoundNearestEven, rne_flags));
    const auto down = static_cast<Bits>(soft(in, kRoundDown, down_flags));
    const auto up = static_cast<Bits>(soft(in, kRoundUp, up_flags));
    const auto rmm = static_cast<Bits>(soft(in, kRoundNearestMax, rmm_flags));
    bool tie = false;
    if ((rne_flags & kFlagNX) && !R::is_inf(down) && !R::is_inf(up) && !R::is_nan(rne)) {
      if (const std::optional<long double> value = exact(in)) {
        tie = *value == (wide<R>(down) + wide<R>(up)) / 2;
      }
    }
    const Bits away = (down & ~R::kSign) > (up & ~R::kSign) ? down : up;
    const Bits expected = tie ? away : rne;
    ties += tie;
    // Flags match RNE's; a tie can only change which neighbour is chosen.
    const bool ok = rmm == expected && rmm_flags == rne_flags;
    if (!ok && ++failures <= 8) {
      ADD_FAILURE() << op << " in=" << hex(in[0]) << " " << hex(in[1]) << " " << hex(in[2])
                    << (tie ? " (tie)" : "") << "\n  expected " << hex(expected) << " "
                    << flag_names(rne_flags) << "\n  rmm      " << hex(rmm) << " "
                    << flag_names(rmm_flags);
    }
  }
  EXPECT_EQ(failures, 0) << op << ": " << failures << " of " << count << " cases differ";
  EXPECT_GT(ties, count / 1000) << op << ": too few ties generated to exercise RMM";
}

template <class F>
class RmmPropertyTest : public ::testing::Test {};
using Formats = ::testing::Types<T32, T64>;
TYPED_TEST_SUITE(RmmPropertyTest, Formats);

constexpr int kPropertyCases = 50000;

// Operands whose exact results often need exactly one bit more than the format has: short
// significands at nearby exponents.
template <class F>
typename F::Bits short_significand(OperandGenerator<F>& gen, int biased_exp) {
  const int kept_bits = 1 + static_cast<int>(gen.below(F::kFracBits));
  const auto frac =
      static_cast<typename F::Bits>(gen.next_u64()) & F::kFracMask & ~(F::kFracMask >> kept_bits);
  return F::make(gen.coin(), std::clamp(biased_exp, 0, F::kMaxBiasedExp - 1), frac);
}

TYPED_TEST(RmmPropertyTest, ArithmeticRoundsTiesAwayOtherwiseLikeRne) {
  using F = TypeParam;
  using Bits = typename F::Bits;
  OperandGenerator<F> gen(21);
  auto near_pair = [&] {
    const Bits a = gen.coin() ? gen.any() : short_significand(gen, gen.below(F::kMaxBiasedExp));
    const int spread = static_cast<int>(gen.below(F::kFracBits + 3));
    const int b_exp = F::biased_exp(a) - spread + static_cast<int>(gen.below(3)) - 1;
    return Operands{a, gen.below(4) == 0 ? gen.any() : short_significand(gen, b_exp), 0};
  };
  auto any_pair = [&] {
    const Bits a = gen.coin() ? gen.any() : short_significand(gen, gen.below(F::kMaxBiasedExp));
    const Bits b =
        gen.coin() ? gen.product_edge(a, false) : short_significand(gen, F::kBias + gen.below(8));
    return Operands{a, b, 0};
  };
  // Quotients only tie when they land in the subnormal range; dividing a small value by a
  // power of two gets there often.
  auto div_pair = [&] {
    const Bits a = short_significand(gen, static_cast<int>(gen.below(6)));
    const int divisor_exp = F::kBias + 1 + static_cast<int>(gen.below(4));
    const Bits b = gen.coin()   ? F::make(gen.coin(), divisor_exp, 0)
                   : gen.coin() ? gen.any()
                                : short_significand(gen, divisor_exp);
    return Operands{a, b, 0};
  };
  auto fma_triple = [&] {
    const Operands ab = any_pair();
    const int exp = F::biased_exp(ab[0]) + F::biased_exp(ab[1]) - F::kBias;
    return Operands{ab[0], ab[1], short_significand(gen, exp - static_cast<int>(gen.below(30)))};
  };
  auto bits = [](uint64_t value) { return static_cast<Bits>(value); };

  expect_rmm_property<F>(
      "add", kPropertyCases, near_pair,
      [&](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::add(bits(in[0]), bits(in[1]), rm, f);
      },
      [](const Operands& in) { return exactly([&] { return wide<F>(in[0]) + wide<F>(in[1]); }); });
  expect_rmm_property<F>(
      "sub", kPropertyCases, near_pair,
      [&](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::sub(bits(in[0]), bits(in[1]), rm, f);
      },
      [](const Operands& in) { return exactly([&] { return wide<F>(in[0]) - wide<F>(in[1]); }); });
  expect_rmm_property<F>(
      "mul", kPropertyCases, any_pair,
      [&](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::mul(bits(in[0]), bits(in[1]), rm, f);
      },
      [](const Operands& in) { return exactly([&] { return wide<F>(in[0]) * wide<F>(in[1]); }); });
  expect_rmm_property<F>(
      "div", kPropertyCases, div_pair,
      [&](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::div(bits(in[0]), bits(in[1]), rm, f);
      },
      [](const Operands& in) { return exactly([&] { return wide<F>(in[0]) / wide<F>(in[1]); }); });
  expect_rmm_property<F>(
      "fmadd", kPropertyCases, fma_triple,
      [&](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::fmadd(bits(in[0]), bits(in[1]), bits(in[2]), rm, f);
      },
      [](const Operands& in) {
        return exactly([&] { return std::fma(wide<F>(in[0]), wide<F>(in[1]), wide<F>(in[2])); });
      });
}

TYPED_TEST(RmmPropertyTest, SqrtNeverTiesSoEqualsRne) {
  using F = TypeParam;
  OperandGenerator<F> gen(22);
  uint32_t failures = 0;
  for (int i = 0; i < kPropertyCases; ++i) {
    const auto a = static_cast<typename F::Bits>(gen.any() & ~F::kSign);
    uint32_t rne_flags = 0;
    uint32_t rmm_flags = 0;
    const auto rne = SoftOps<F>::sqrt(a, kRoundNearestEven, rne_flags);
    const auto rmm = SoftOps<F>::sqrt(a, kRoundNearestMax, rmm_flags);
    failures += rne != rmm || rne_flags != rmm_flags;
  }
  EXPECT_EQ(failures, 0u);
}

TYPED_TEST(RmmPropertyTest, ConversionsRoundTiesAway) {
  using F = TypeParam;
  OperandGenerator<F> gen(23);
  // Integers with a few bits beyond the significand: ties at the bottom bit.
  auto next_int = [&] {
    const int width = F::kFracBits + 2 + static_cast<int>(gen.below(64 - F::kFracBits - 2));
    const uint64_t magnitude = (gen.next_u64() >> (64 - width)) | (uint64_t{1} << (width - 1));
    return Operands{gen.coin() ? 0 - magnitude : magnitude, 0, 0};
  };
  expect_rmm_property<F>(
      "from i64", kPropertyCases, next_int,
      [](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::from_i64(static_cast<int64_t>(in[0]), rm, f);
      },
      [](const Operands& in) {
        return std::optional<long double>(static_cast<long double>(static_cast<int64_t>(in[0])));
      });
  expect_rmm_property<F>(
      "from u64", kPropertyCases, next_int,
      [](const Operands& in, uint32_t rm, uint32_t& f) {
        return SoftOps<F>::from_u64(in[0], rm, f);
      },
      [](const Operands& in) { return std::optional<long double>(in[0]); });

  // Float to integer: the neighbours are integers; stay inside the int64 range.
  int failures = 0;
  for (int i = 0; i < kPropertyCases; ++i) {
    const auto a =
        short_significand(gen, F::kBias - 2 + static_cast<int>(gen.below(F::kFracBits + 4)));
    uint32_t rne_flags = 0, rmm_flags = 0, down_flags = 0, up_flags = 0;
    const int64_t rne = SoftOps<F>::to_i64(a, kRoundNearestEven, rne_flags);
    const int64_t rmm = SoftOps<F>::to_i64(a, kRoundNearestMax, rmm_flags);
    const int64_t down = SoftOps<F>::to_i64(a, kRoundDown, down_flags);
    const int64_t up = SoftOps<F>::to_i64(a, kRoundUp, up_flags);
    const long double value = wide<F>(a);
    const bool tie = static_cast<long double>(down) + 0.5L == value && up == down + 1;
    const int64_t expected = tie ? (value < 0 ? down : up) : rne;
    if ((rmm != expected || rmm_flags != rne_flags) && ++failures <= 8) {
      ADD_FAILURE() << "to i64 " << hex(a) << ": expected " << expected << " got " << rmm;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(RmmProperty, NarrowingRoundsTiesAway) {
  OperandGenerator<T64> gen(24);
  auto next = [&] {
    // f64 values with 25-26 significant bits in and below the f32 range.
    const int f32_exp = -155 + static_cast<int>(gen.below(290));
    const int kept = 23 + static_cast<int>(gen.below(4));
    const uint64_t frac = gen.next_u64() & T64::kFracMask & ~(T64::kFracMask >> kept);
    return Operands{T64::make(gen.coin(), T64::kBias + f32_exp, frac), 0, 0};
  };
  expect_rmm_property<T32>(
      "f64->f32", kPropertyCases, next,
      [](const Operands& in, uint32_t rm, uint32_t& f) { return f64_to_f32(in[0], rm, f); },
      [](const Operands& in) { return std::optional<long double>(wide<T64>(in[0])); });
}

}  // namespace
}  // namespace rwd::fpu::testing
