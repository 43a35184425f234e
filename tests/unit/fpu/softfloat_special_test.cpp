// Behaviour the host cannot check: RISC-V fmin/fmax (IEEE 754-2019 minimumNumber /
// maximumNumber), comparison flag rules on NaNs and signed zeros, fclass, NaN canonicalization
// and underflow/overflow corner cases in every rounding mode.
#include <gtest/gtest.h>

#include "fp_test_support.h"
#include "soft_ops.h"

namespace rwd::fpu::testing {
namespace {

template <class F>
class SpecialValueTest : public ::testing::Test {};
using Formats = ::testing::Types<T32, T64>;
TYPED_TEST_SUITE(SpecialValueTest, Formats);

template <class F>
struct Named {
  using Bits = typename F::Bits;
  static constexpr Bits kPosZero = 0;
  static constexpr Bits kNegZero = F::kSign;
  static constexpr Bits kOne = F::kOne;
  static constexpr Bits kNegOne = F::kOne | F::kSign;
  static constexpr Bits kTwo = F::make(false, F::kBias + 1, 0);
  static constexpr Bits kInf = F::kInf;
  static constexpr Bits kNegInf = F::kInf | F::kSign;
  static constexpr Bits kQNaN = F::kCanonicalNaN | 0x5;  // quiet, with payload
  static constexpr Bits kNegQNaN = kQNaN | F::kSign;
  static constexpr Bits kSNaN = F::kInf | 0x5;  // signaling
  static constexpr Bits kSubnormal = 0x3;
  static constexpr Bits kNegSubnormal = 0x3 | F::kSign;
  static constexpr Bits kNegNormal = F::make(true, 5, 0x1);
};

struct MinMaxCase {
  int a, b;      // indices into the value list below
  int min, max;  // index of the expected result; -1: canonical NaN
  bool invalid;
};

TYPED_TEST(SpecialValueTest, MinMaxAreMinimumNumberAndMaximumNumber) {
  using F = TypeParam;
  using N = Named<F>;
  using Bits = typename F::Bits;
  const Bits values[] = {N::kPosZero, N::kNegZero, N::kOne,    N::kNegOne, N::kQNaN,
                         N::kSNaN,    N::kInf,     N::kNegInf, N::kNegQNaN};
  enum { kPos0, kNeg0, kOne, kNegOne, kQNaN, kSNaN, kInf, kNegInf, kNegQNaN };
  const MinMaxCase cases[] = {
      {kOne, kNegOne, kNegOne, kOne, false},
      {kNegOne, kOne, kNegOne, kOne, false},
      {kPos0, kNeg0, kNeg0, kPos0, false},  // -0 < +0, in both operand orders
      {kNeg0, kPos0, kNeg0, kPos0, false},
      {kQNaN, kOne, kOne, kOne, false},  // one quiet NaN: the other operand, quietly
      {kNegOne, kQNaN, kNegOne, kNegOne, false},
      {kNegQNaN, kNeg0, kNeg0, kNeg0, false},
      {kSNaN, kOne, kOne, kOne, true},  // signaling NaN: the other operand, but NV
      {kNeg0, kSNaN, kNeg0, kNeg0, true},
      {kQNaN, kQNaN, -1, -1, false},  // two NaNs: canonical NaN
      {kQNaN, kNegQNaN, -1, -1, false},
      {kSNaN, kQNaN, -1, -1, true},
      {kSNaN, kSNaN, -1, -1, true},
      {kInf, kNegInf, kNegInf, kInf, false},
      {kNegInf, kQNaN, kNegInf, kNegInf, false},
      {kOne, kOne, kOne, kOne, false},
  };
  for (const MinMaxCase& c : cases) {
    const Bits expect_min = c.min < 0 ? F::kCanonicalNaN : values[c.min];
    const Bits expect_max = c.max < 0 ? F::kCanonicalNaN : values[c.max];
    const uint32_t expect_flags = c.invalid ? uint32_t{kFlagNV} : 0u;
    uint32_t flags = 0;
    EXPECT_EQ(hex(SoftOps<F>::min(values[c.a], values[c.b], flags)), hex(expect_min))
        << "min(" << hex(values[c.a]) << ", " << hex(values[c.b]) << ")";
    EXPECT_EQ(flags, expect_flags);
    flags = 0;
    EXPECT_EQ(hex(SoftOps<F>::max(values[c.a], values[c.b], flags)), hex(expect_max))
        << "max(" << hex(values[c.a]) << ", " << hex(values[c.b]) << ")";
    EXPECT_EQ(flags, expect_flags);
  }
}

TYPED_TEST(SpecialValueTest, ComparisonFlagsAndSignedZeros) {
  using F = TypeParam;
  using N = Named<F>;
  struct Case {
    typename F::Bits a, b;
    bool eq, lt, le;
    uint32_t eq_flags, order_flags;  // eq is quiet; lt/le signal on any NaN
  };
  const Case cases[] = {
      {N::kPosZero, N::kNegZero, true, false, true, 0, 0},
      {N::kNegZero, N::kPosZero, true, false, true, 0, 0},
      {N::kNegOne, N::kOne, false, true, true, 0, 0},
      {N::kOne, N::kTwo, false, true, true, 0, 0},
      {N::kTwo, N::kOne, false, false, false, 0, 0},
      {N::kNegInf, N::kNegNormal, false, true, true, 0, 0},
      {N::kNegSubnormal, N::kNegZero, false, true, true, 0, 0},
      {N::kSubnormal, N::kSubnormal, true, false, true, 0, 0},
      {N::kInf, N::kInf, true, false, true, 0, 0},
      {N::kQNaN, N::kOne, false, false, false, 0, kFlagNV},
      {N::kOne, N::kQNaN, false, false, false, 0, kFlagNV},
      {N::kQNaN, N::kQNaN, false, false, false, 0, kFlagNV},
      {N::kSNaN, N::kOne, false, false, false, kFlagNV, kFlagNV},
      {N::kOne, N::kSNaN, false, false, false, kFlagNV, kFlagNV},
  };
  for (const Case& c : cases) {
    uint32_t flags = 0;
    EXPECT_EQ(SoftOps<F>::eq(c.a, c.b, flags), c.eq) << hex(c.a) << " == " << hex(c.b);
    EXPECT_EQ(flags, c.eq_flags) << hex(c.a) << " == " << hex(c.b);
    flags = 0;
    EXPECT_EQ(SoftOps<F>::lt(c.a, c.b, flags), c.lt) << hex(c.a) << " < " << hex(c.b);
    EXPECT_EQ(flags, c.order_flags) << hex(c.a) << " < " << hex(c.b);
    flags = 0;
    EXPECT_EQ(SoftOps<F>::le(c.a, c.b, flags), c.le) << hex(c.a) << " <= " << hex(c.b);
    EXPECT_EQ(flags, c.order_flags) << hex(c.a) << " <= " << hex(c.b);
  }
}

TYPED_TEST(SpecialValueTest, ClassifyCoversAllTenClasses) {
  using F = TypeParam;
  using N = Named<F>;
  const std::pair<typename F::Bits, uint32_t> cases[] = {
      {N::kNegInf, 1u << 0},
      {N::kNegOne, 1u << 1},
      {N::kNegNormal, 1u << 1},
      {F::kMinNormal | F::kSign, 1u << 1},
      {N::kNegSubnormal, 1u << 2},
      {F::kFracMask | F::kSign, 1u << 2},
      {N::kNegZero, 1u << 3},
      {N::kPosZero, 1u << 4},
      {N::kSubnormal, 1u << 5},
      {F::kFracMask, 1u << 5},
      {F::kMinNormal, 1u << 6},
      {F::kMaxFinite, 1u << 6},
      {N::kInf, 1u << 7},
      {N::kSNaN, 1u << 8},
      {N::kSNaN | F::kSign, 1u << 8},
      {F::kInf | 1, 1u << 8},
      {N::kQNaN, 1u << 9},
      {N::kNegQNaN, 1u << 9},
      {F::kCanonicalNaN, 1u << 9},
  };
  for (const auto& [value, mask] : cases) {
    EXPECT_EQ(SoftOps<F>::classify(value), mask) << hex(value);
  }
}

TYPED_TEST(SpecialValueTest, NaNResultsAreCanonicalAndSignalingInputsRaiseInvalid) {
  using F = TypeParam;
  using N = Named<F>;
  for (uint32_t rm = 0; rm <= 4; ++rm) {
    uint32_t flags = 0;
    EXPECT_EQ(SoftOps<F>::add(N::kNegQNaN, N::kOne, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(SoftOps<F>::mul(N::kOne, N::kNegQNaN, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(SoftOps<F>::sqrt(N::kNegQNaN, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(flags, 0u);
    EXPECT_EQ(SoftOps<F>::div(N::kSNaN, N::kOne, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(flags, kFlagNV);
    flags = 0;
    EXPECT_EQ(SoftOps<F>::sqrt(N::kNegOne, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(flags, kFlagNV);
    flags = 0;
    // RISC-V: inf * 0 + qNaN is invalid even though the addend is quiet.
    EXPECT_EQ(SoftOps<F>::fmadd(N::kInf, N::kNegZero, N::kQNaN, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(flags, kFlagNV);
    flags = 0;
    EXPECT_EQ(SoftOps<F>::fnmsub(N::kOne, N::kTwo, N::kQNaN, rm, flags), F::kCanonicalNaN);
    EXPECT_EQ(flags, 0u);
  }
}

TYPED_TEST(SpecialValueTest, ExactZeroSumsAreNegativeOnlyWhenRoundingDown) {
  using F = TypeParam;
  using N = Named<F>;
  for (uint32_t rm = 0; rm <= 4; ++rm) {
    const typename F::Bits expected = rm == kRoundDown ? N::kNegZero : N::kPosZero;
    uint32_t flags = 0;
    EXPECT_EQ(SoftOps<F>::add(N::kOne, N::kNegOne, rm, flags), expected) << rm;
    EXPECT_EQ(SoftOps<F>::sub(N::kTwo, N::kTwo, rm, flags), expected) << rm;
    EXPECT_EQ(SoftOps<F>::add(N::kPosZero, N::kNegZero, rm, flags), expected) << rm;
    EXPECT_EQ(SoftOps<F>::fmadd(N::kOne, N::kOne, N::kNegOne, rm, flags), expected) << rm;
    EXPECT_EQ(SoftOps<F>::fmadd(N::kPosZero, N::kOne, N::kNegZero, rm, flags), expected) << rm;
    // Same-signed zeros keep their sign.
    EXPECT_EQ(SoftOps<F>::add(N::kNegZero, N::kNegZero, rm, flags), N::kNegZero) << rm;
    EXPECT_EQ(SoftOps<F>::fnmadd(N::kPosZero, N::kOne, N::kPosZero, rm, flags), N::kNegZero);
    EXPECT_EQ(flags, 0u);
  }
}

TYPED_TEST(SpecialValueTest, OverflowResultDependsOnRoundingMode) {
  using F = TypeParam;
  using N = Named<F>;
  struct Case {
    uint32_t rm;
    typename F::Bits positive, negative;
  };
  const Case cases[] = {
      {kRoundNearestEven, F::kInf, N::kNegInf},
      {kRoundTowardZero, F::kMaxFinite, F::kMaxFinite | F::kSign},
      {kRoundDown, F::kMaxFinite, N::kNegInf},
      {kRoundUp, F::kInf, F::kMaxFinite | F::kSign},
      {kRoundNearestMax, F::kInf, N::kNegInf},
  };
  for (const Case& c : cases) {
    uint32_t flags = 0;
    EXPECT_EQ(hex(SoftOps<F>::mul(F::kMaxFinite, N::kTwo, c.rm, flags)), hex(c.positive));
    EXPECT_EQ(hex(SoftOps<F>::mul(F::kMaxFinite, N::kTwo | F::kSign, c.rm, flags)),
              hex(c.negative));
    EXPECT_EQ(flags, kFlagOF | kFlagNX);
  }
}

TYPED_TEST(SpecialValueTest, UnderflowNeedsTinyAndInexact) {
  using F = TypeParam;
  using N = Named<F>;
  using Bits = typename F::Bits;
  const Bits half = F::make(false, F::kBias - 1, 0);
  for (uint32_t rm = 0; rm <= 4; ++rm) {
    uint32_t flags = 0;
    // Exact subnormal result: no UF.
    EXPECT_EQ(SoftOps<F>::mul(Bits{0x6}, half, rm, flags), Bits{0x3});
    EXPECT_EQ(SoftOps<F>::sub(F::kMinNormal + 1, F::kMinNormal, rm, flags), Bits{0x1});
    EXPECT_EQ(flags, 0u) << rm;
    // Inexact subnormal result: UF and NX.
    flags = 0;
    SoftOps<F>::mul(N::kSubnormal, half, rm, flags);
    EXPECT_EQ(flags, kFlagUF | kFlagNX) << rm;
    // The smallest subnormal halved: rounds to zero or the smallest subnormal.
    flags = 0;
    const Bits expected = rm == kRoundUp ? Bits{1} : rm == kRoundNearestMax ? Bits{1} : Bits{0};
    EXPECT_EQ(SoftOps<F>::mul(Bits{1}, half, rm, flags), expected) << rm;
    EXPECT_EQ(flags, kFlagUF | kFlagNX) << rm;
  }
}

}  // namespace
}  // namespace rwd::fpu::testing
