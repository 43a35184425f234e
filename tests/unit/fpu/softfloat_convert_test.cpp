// Conversions: f32<->f64 and int<->float against the host FPU in RNE/RTZ/RDN/RUP, plus the
// RISC-V saturation rules for float->int that no host implements, as explicit tables.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fp_test_support.h"
#include "host_reference.h"
#include "soft_ops.h"

namespace rwd::fpu::testing {
namespace {

constexpr int kRandomCases = 100000;

// Integer destinations; `min` is the most negative value as 64-bit two's complement.
struct IntTarget {
  const char* name;
  bool is_signed;
  int width;
  uint64_t max;
  uint64_t min;
};
constexpr IntTarget kI32{"i32", true, 32, 0x7fffffff, 0xffffffff80000000};
constexpr IntTarget kU32{"u32", false, 32, 0xffffffff, 0};
constexpr IntTarget kI64{"i64", true, 64, 0x7fffffffffffffff, 0x8000000000000000};
constexpr IntTarget kU64{"u64", false, 64, ~uint64_t{0}, 0};

// The soft conversion, widened to what an x register would hold for a 64-bit compare
// (signed results sign-extended, unsigned zero-extended).
template <class F>
Outcome soft_to_int(typename F::Bits a, uint32_t rm, const IntTarget& target) {
  uint32_t flags = 0;
  uint64_t bits;
  if (target.is_signed && target.width == 32) {
    bits = static_cast<uint64_t>(static_cast<int64_t>(SoftOps<F>::to_i32(a, rm, flags)));
  } else if (target.width == 32) {
    bits = SoftOps<F>::to_u32(a, rm, flags);
  } else if (target.is_signed) {
    bits = static_cast<uint64_t>(SoftOps<F>::to_i64(a, rm, flags));
  } else {
    bits = SoftOps<F>::to_u64(a, rm, flags);
  }
  return {bits, flags};
}

// Expected conversion: the host rounds to int64 (cvts*2si64 under MXCSR rounding, which also
// gives NX); the RISC-V range check and saturation are then applied to that rounded value.
template <class F>
Outcome host_to_int(typename F::Bits a, uint32_t rm, const IntTarget& target) {
  const auto x = F::to_host(a);
  const bool negative = (a & F::kSign) != 0;
  const Outcome host = on_host(rm, [&] { return static_cast<uint64_t>(HostOps::to_i64(x)); });
  if (F::is_nan(a)) return {target.max, kFlagNV};
  if (!(host.flags & kFlagNV)) {
    const auto rounded = static_cast<int64_t>(host.bits);
    const bool fits = target.is_signed
                          ? rounded >= static_cast<int64_t>(target.min) &&
                                rounded <= static_cast<int64_t>(target.max)
                          : rounded >= 0 && static_cast<uint64_t>(rounded) <= target.max;
    if (fits) return {static_cast<uint64_t>(rounded), host.flags};
    return {rounded < 0 ? target.min : target.max, kFlagNV};
  }
  // Beyond int64. Only u64 has room there, for [2^63, 2^64), where every float is an integer.
  if (!negative && !target.is_signed && target.width == 64 && !F::is_inf(a) &&
      x < static_cast<typename F::Host>(0x1p64)) {
    const auto low = static_cast<uint64_t>(x - static_cast<typename F::Host>(0x1p63));
    return {low + (uint64_t{1} << 63), 0};
  }
  return {negative ? target.min : target.max, kFlagNV};
}

template <class F>
class ConversionTest : public ::testing::Test {};
using Formats = ::testing::Types<T32, T64>;
TYPED_TEST_SUITE(ConversionTest, Formats);

template <class Next, class Soft, class Host>
void expect_all_match(const char* op, int count, Next&& next, Soft&& soft, Host&& host) {
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    const uint32_t rm = static_cast<uint32_t>(i % 4);
    const uint64_t in = next();
    const Outcome expected = host(in, rm);
    const Outcome actual = soft(in, rm);
    if (expected != actual && ++failures <= 8) {
      ADD_FAILURE() << op << " rm=" << rm << " in=" << hex(in) << "\n  host " << hex(expected.bits)
                    << " " << flag_names(expected.flags) << "\n  soft " << hex(actual.bits) << " "
                    << flag_names(actual.flags);
    }
  }
  EXPECT_EQ(failures, 0) << op << ": " << failures << " of " << count << " cases differ";
}

TYPED_TEST(ConversionTest, FloatToIntMatchesHostWithRiscvSaturation) {
  using F = TypeParam;
  using Bits = typename F::Bits;
  OperandGenerator<F> gen(11);
  auto next = [&]() -> uint64_t {
    switch (gen.below(4)) {
      case 0:
        return gen.any();
      case 1: {  // around the integer range ends: 2^31, 2^32, 2^63, 2^64
        static constexpr int kEdges[] = {31, 32, 63, 64};
        return gen.finite_with_exp(F::kBias + kEdges[gen.below(4)] -
                                   static_cast<int>(gen.below(2)));
      }
      case 2: {  // small magnitudes, including exact halves
        const auto halves = static_cast<int64_t>(gen.below(41)) - 20;
        return F::from_host(static_cast<typename F::Host>(halves) / 2);
      }
      default:
        return gen.finite_with_exp(F::kBias - 3 + static_cast<int>(gen.below(70)));
    }
  };
  for (const IntTarget& target : {kI32, kU32, kI64, kU64}) {
    auto soft = [&](uint64_t in, uint32_t rm) {
      return soft_to_int<F>(static_cast<Bits>(in), rm, target);
    };
    auto host = [&](uint64_t in, uint32_t rm) {
      return host_to_int<F>(static_cast<Bits>(in), rm, target);
    };
    expect_all_match(target.name, kRandomCases, next, soft, host);
    const auto& specials = special_values<F>();
    size_t index = 0;
    expect_all_match(
        target.name, static_cast<int>(specials.size() * 4),
        [&]() -> uint64_t { return specials[index++ / 4]; }, soft, host);
  }
}

TYPED_TEST(ConversionTest, IntToFloatMatchesHost) {
  using F = TypeParam;
  using Host = typename F::Host;
  OperandGenerator<F> gen(12);
  auto next = [&]() -> uint64_t {
    uint64_t magnitude = gen.next_u64() >> gen.below(64);
    if (gen.below(4) == 0) {  // just above a power of two: halfway and near-halfway cases
      const int top = static_cast<int>(gen.below(64));
      const int noise_bits = top / 2;
      magnitude = (uint64_t{1} << top) + (gen.next_u64() & 7) +
                  (noise_bits > 0 ? gen.next_u64() >> (64 - noise_bits) : 0);
    }
    return gen.coin() ? 0 - magnitude : magnitude;
  };
  auto host = [](auto convert) {
    return [convert](uint64_t in, uint32_t rm) {
      return on_host(rm, [&] { return static_cast<uint64_t>(F::from_host(convert(in))); });
    };
  };
  auto soft = [](auto convert) {
    return [convert](uint64_t in, uint32_t rm) {
      uint32_t flags = 0;
      const uint64_t bits = convert(in, rm, flags);
      return Outcome{bits, flags};
    };
  };
  expect_all_match(
      "from i32", kRandomCases, next,
      soft([](uint64_t x, uint32_t rm, uint32_t& flags) -> uint64_t {
        return SoftOps<F>::from_i32(static_cast<int32_t>(x), rm, flags);
      }),
      host([](uint64_t x) { return HostOps::from_i64<Host>(static_cast<int32_t>(x)); }));
  expect_all_match(
      "from u32", kRandomCases, next,
      soft([](uint64_t x, uint32_t rm, uint32_t& flags) -> uint64_t {
        return SoftOps<F>::from_u32(static_cast<uint32_t>(x), rm, flags);
      }),
      host([](uint64_t x) { return HostOps::from_i64<Host>(static_cast<uint32_t>(x)); }));
  expect_all_match(
      "from i64", kRandomCases, next,
      soft([](uint64_t x, uint32_t rm, uint32_t& flags) -> uint64_t {
        return SoftOps<F>::from_i64(static_cast<int64_t>(x), rm, flags);
      }),
      host([](uint64_t x) { return HostOps::from_i64<Host>(static_cast<int64_t>(x)); }));
  expect_all_match("from u64", kRandomCases, next,
                   soft([](uint64_t x, uint32_t rm, uint32_t& flags) -> uint64_t {
                     return SoftOps<F>::from_u64(x, rm, flags);
                   }),
                   host([](uint64_t x) { return HostOps::from_u64<Host>(x); }));
}

TEST(FormatConversion, WideningMatchesHost) {
  OperandGenerator<T32> gen(13);
  auto soft = [](uint64_t in, uint32_t) {
    uint32_t flags = 0;
    const uint64_t bits = f32_to_f64(static_cast<uint32_t>(in), flags);
    return Outcome{bits, flags};
  };
  auto host = [](uint64_t in, uint32_t rm) {
    const float x = T32::to_host(static_cast<uint32_t>(in));
    return canonicalize_nan<T64>(on_host(rm, [&] { return T64::from_host(HostOps::widen(x)); }));
  };
  expect_all_match(
      "f32->f64", kRandomCases, [&]() -> uint64_t { return gen.any(); }, soft, host);
}

TEST(FormatConversion, NarrowingMatchesHost) {
  OperandGenerator<T64> gen(14);
  auto next = [&]() -> uint64_t {
    if (gen.coin()) return gen.any();
    // Around the f32 overflow threshold and through the f32 subnormal range.
    const int f32_exp =
        gen.coin() ? 125 + static_cast<int>(gen.below(4)) : -151 + static_cast<int>(gen.below(30));
    return gen.finite_with_exp(T64::kBias + f32_exp);
  };
  auto soft = [](uint64_t in, uint32_t rm) {
    uint32_t flags = 0;
    const uint64_t bits = f64_to_f32(in, rm, flags);
    return Outcome{bits, flags};
  };
  auto host = [](uint64_t in, uint32_t rm) {
    const double x = T64::to_host(in);
    return canonicalize_nan<T32>(on_host(rm, [&] { return T32::from_host(HostOps::narrow(x)); }));
  };
  expect_all_match("f64->f32", kRandomCases, next, soft, host);
}

// --- RISC-V saturation rules, spelled out (unprivileged spec, FCVT table) ---

struct SaturationCase {
  double input;
  uint32_t rm;
  const IntTarget* target;
  uint64_t expected;  // as an x register holds it (W results sign-extended)
  uint32_t flags;
};

TEST(FloatToIntSaturation, FollowsRiscvTable) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const SaturationCase cases[] = {
      // NaN converts to the largest positive value, whatever its sign.
      {kNaN, 0, &kI32, 0x7fffffff, kFlagNV},
      {-kNaN, 0, &kI32, 0x7fffffff, kFlagNV},
      {kNaN, 0, &kU32, 0xffffffffffffffff, kFlagNV},
      {kNaN, 0, &kI64, 0x7fffffffffffffff, kFlagNV},
      {kNaN, 0, &kU64, ~uint64_t{0}, kFlagNV},
      // Infinities saturate to the bound of their sign.
      {kInf, 0, &kI32, 0x7fffffff, kFlagNV},
      {-kInf, 0, &kI32, 0xffffffff80000000, kFlagNV},
      {kInf, 0, &kU32, 0xffffffffffffffff, kFlagNV},
      {-kInf, 0, &kU32, 0, kFlagNV},
      {-kInf, 0, &kI64, 0x8000000000000000, kFlagNV},
      {-kInf, 0, &kU64, 0, kFlagNV},
      // Out of range after rounding: NV only, no NX even when the input had a fraction.
      {0x1p31, 0, &kI32, 0x7fffffff, kFlagNV},
      {2147483647.5, 0, &kI32, 0x7fffffff, kFlagNV},  // rounds (to even) to 2^31
      {2147483647.5, 1, &kI32, 0x7fffffff, kFlagNX},  // truncates into range
      {-2147483648.5, 0, &kI32, 0xffffffff80000000, kFlagNX},
      {-2147483648.5, 2, &kI32, 0xffffffff80000000, kFlagNV},
      {-2147483649.0, 1, &kI32, 0xffffffff80000000, kFlagNV},
      {0x1p32, 0, &kU32, 0xffffffffffffffff, kFlagNV},
      {4294967295.4, 3, &kU32, 0xffffffffffffffff, kFlagNV},
      {4294967295.4, 0, &kU32, 0xffffffffffffffff, kFlagNX},
      {0x1p63, 0, &kI64, 0x7fffffffffffffff, kFlagNV},
      {-0x1p63, 0, &kI64, 0x8000000000000000, 0},
      {0x1p63, 0, &kU64, 0x8000000000000000, 0},
      {0x1p64, 0, &kU64, ~uint64_t{0}, kFlagNV},
      {1e300, 1, &kU64, ~uint64_t{0}, kFlagNV},
      {-1e300, 1, &kI64, 0x8000000000000000, kFlagNV},
      // Negative to unsigned: fine if it rounds to zero, invalid otherwise.
      {-0.0, 0, &kU32, 0, 0},
      {-0.5, 0, &kU32, 0, kFlagNX},  // ties to even: 0
      {-0.5, 4, &kU32, 0, kFlagNV},  // ties away: -1
      {-0.3, 1, &kU64, 0, kFlagNX},
      {-0.3, 3, &kU64, 0, kFlagNX},
      {-0.3, 2, &kU64, 0, kFlagNV},  // rounds down to -1
      {-1.0, 1, &kU32, 0, kFlagNV},
      {-1.0, 0, &kU64, 0, kFlagNV},
      // W results are sign-extended, unsigned ones included.
      {3e9, 0, &kU32, 0xffffffffb2d05e00, 0},
      {-7.0, 0, &kI32, 0xfffffffffffffff9, 0},
      // Ordinary rounding in each mode.
      {2.5, 0, &kI32, 2, kFlagNX},
      {2.5, 1, &kI32, 2, kFlagNX},
      {2.5, 2, &kI32, 2, kFlagNX},
      {2.5, 3, &kI32, 3, kFlagNX},
      {2.5, 4, &kI32, 3, kFlagNX},
      {-2.5, 4, &kI64, static_cast<uint64_t>(-3), kFlagNX},
      {-2.5, 2, &kI64, static_cast<uint64_t>(-3), kFlagNX},
      {0x1p-1074, 3, &kI32, 1, kFlagNX},
      {-0x1p-1074, 2, &kI32, 0xffffffffffffffff, kFlagNX},
  };
  for (const SaturationCase& c : cases) {
    const uint64_t bits = T64::from_host(c.input);
    Outcome actual = soft_to_int<T64>(bits, c.rm, *c.target);
    if (c.target->width == 32 && !c.target->is_signed) {  // x register view: sign-extend
      actual.bits = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(actual.bits)));
    }
    EXPECT_EQ(actual, (Outcome{c.expected, c.flags}))
        << c.target->name << " " << c.input << " rm=" << c.rm << ": got " << hex(actual.bits) << " "
        << flag_names(actual.flags);
    // Same input through the single-precision path when it is exactly representable.
    const double as_float = static_cast<float>(c.input);
    if (as_float == c.input || std::isnan(c.input)) {
      Outcome single =
          soft_to_int<T32>(T32::from_host(static_cast<float>(c.input)), c.rm, *c.target);
      if (c.target->width == 32 && !c.target->is_signed) {
        single.bits =
            static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(single.bits)));
      }
      EXPECT_EQ(single, (Outcome{c.expected, c.flags}))
          << "f32 " << c.target->name << " " << c.input;
    }
  }
}

TEST(IntToFloat, ZeroIsPositiveAndExtremesAreExactOrRounded) {
  uint32_t flags = 0;
  EXPECT_EQ(i64_to_f64(0, 2, flags), 0u);
  EXPECT_EQ(i32_to_f32(std::numeric_limits<int32_t>::min(), 0, flags), 0xcf000000u);
  EXPECT_EQ(i64_to_f64(std::numeric_limits<int64_t>::min(), 0, flags), 0xc3e0000000000000u);
  EXPECT_EQ(flags, 0u);
  EXPECT_EQ(u64_to_f64(~uint64_t{0}, 1, flags), 0x43efffffffffffffu);  // RTZ: just below 2^64
  EXPECT_EQ(flags, kFlagNX);
  flags = 0;
  EXPECT_EQ(u64_to_f32(~uint64_t{0}, 4, flags), 0x5f800000u);  // RMM: 2^64
  EXPECT_EQ(flags, kFlagNX);
}

}  // namespace
}  // namespace rwd::fpu::testing
