// Compares softfloat with the host x86-64 FPU, bit for bit and flag for flag, in the four
// rounding modes the host has. Operands mix exhaustive special-value combinations with random
// values aimed at cancellation, overflow/underflow thresholds, subnormals and ties.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "fp_test_support.h"
#include "host_reference.h"
#include "soft_ops.h"

namespace rwd::fpu::testing {
namespace {

using Operands = std::array<uint64_t, 3>;
constexpr int kRandomCases = 100000;

template <class F>
class HostComparisonTest : public ::testing::Test {};
using Formats = ::testing::Types<T32, T64>;
TYPED_TEST_SUITE(HostComparisonTest, Formats);

// Runs cases from `next_case` through both implementations, rotating the rounding mode.
template <class NextCase, class Soft, class Host>
void expect_matches_host(const char* op, int count, NextCase&& next_case, Soft&& soft,
                         Host&& host) {
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    const uint32_t rm = static_cast<uint32_t>(i % 4);
    const Operands in = next_case();
    const Outcome expected = host(in, rm);
    const Outcome actual = soft(in, rm);
    if (expected != actual && ++failures <= 8) {
      ADD_FAILURE() << op << " rm=" << rm << " in=" << hex(in[0]) << " " << hex(in[1]) << " "
                    << hex(in[2]) << "\n  host " << hex(expected.bits) << " "
                    << flag_names(expected.flags) << "\n  soft " << hex(actual.bits) << " "
                    << flag_names(actual.flags);
    }
  }
  EXPECT_EQ(failures, 0) << op << ": " << failures << " of " << count << " cases differ";
}

// Every combination of special values, each in all four modes.
template <class F, int Arity>
auto special_combinations() {
  const auto& values = special_values<F>();
  std::vector<Operands> cases;
  const size_t n = values.size();
  const size_t total = Arity == 1 ? n : Arity == 2 ? n * n : n * n * n;
  for (size_t index = 0; index < total; ++index) {
    const Operands in = {values[index % n], values[(index / n) % n], values[(index / n / n) % n]};
    for (int mode = 0; mode < 4; ++mode) cases.push_back(in);
  }
  return cases;
}

template <class F, int Arity, class Soft, class Host>
void expect_specials_match_host(const char* op, Soft&& soft, Host&& host) {
  const std::vector<Operands> cases = special_combinations<F, Arity>();
  size_t next = 0;
  expect_matches_host(
      op, static_cast<int>(cases.size()), [&] { return cases[next++]; }, soft, host);
}

template <class F>
typename F::Host host_value(uint64_t bits) {
  return F::to_host(static_cast<typename F::Bits>(bits));
}

// Host outcome of a floating-point-valued operation.
template <class F, class Fn>
Outcome host_float(uint32_t rm, Fn fn) {
  return canonicalize_nan<F>(
      on_host(rm, [&] { return static_cast<uint64_t>(F::from_host(fn())); }));
}

template <class F, auto Op>
Outcome soft_binary(const Operands& in, uint32_t rm) {
  using Bits = typename F::Bits;
  uint32_t flags = 0;
  const uint64_t bits = Op(static_cast<Bits>(in[0]), static_cast<Bits>(in[1]), rm, flags);
  return {bits, flags};
}

template <class F, auto Op>
Outcome soft_fma(const Operands& in, uint32_t rm) {
  using Bits = typename F::Bits;
  uint32_t flags = 0;
  const uint64_t bits =
      Op(static_cast<Bits>(in[0]), static_cast<Bits>(in[1]), static_cast<Bits>(in[2]), rm, flags);
  return {bits, flags};
}

#define HOST_BINARY(F, expr)                        \
  [](const Operands& in, uint32_t rm) {             \
    const auto a = host_value<F>(in[0]);            \
    const auto b = host_value<F>(in[1]);            \
    const auto c = host_value<F>(in[2]);            \
    (void)b;                                        \
    (void)c;                                        \
    return host_float<F>(rm, [&] { return expr; }); \
  }

TYPED_TEST(HostComparisonTest, AddSubMatchHost) {
  using F = TypeParam;
  OperandGenerator<F> gen(1);
  auto next_case = [&] {
    const auto a = gen.any();
    const auto b = gen.coin() ? gen.any() : gen.near(a, gen.coin() ? 2 : F::kFracBits + 4);
    return Operands{a, b, 0};
  };
  expect_matches_host("add", kRandomCases, next_case, soft_binary<F, SoftOps<F>::add>,
                      HOST_BINARY(F, HostOps::add(a, b)));
  expect_matches_host("sub", kRandomCases, next_case, soft_binary<F, SoftOps<F>::sub>,
                      HOST_BINARY(F, HostOps::sub(a, b)));
  expect_specials_match_host<F, 2>("add specials", soft_binary<F, SoftOps<F>::add>,
                                   HOST_BINARY(F, HostOps::add(a, b)));
  expect_specials_match_host<F, 2>("sub specials", soft_binary<F, SoftOps<F>::sub>,
                                   HOST_BINARY(F, HostOps::sub(a, b)));
}

TYPED_TEST(HostComparisonTest, MulMatchesHost) {
  using F = TypeParam;
  OperandGenerator<F> gen(2);
  auto next_case = [&] {
    const auto a = gen.any();
    return Operands{a, gen.coin() ? gen.any() : gen.product_edge(a, false), 0};
  };
  expect_matches_host("mul", kRandomCases, next_case, soft_binary<F, SoftOps<F>::mul>,
                      HOST_BINARY(F, HostOps::mul(a, b)));
  expect_specials_match_host<F, 2>("mul specials", soft_binary<F, SoftOps<F>::mul>,
                                   HOST_BINARY(F, HostOps::mul(a, b)));
}

TYPED_TEST(HostComparisonTest, DivMatchesHost) {
  using F = TypeParam;
  OperandGenerator<F> gen(3);
  auto next_case = [&] {
    const auto a = gen.any();
    return Operands{a, gen.coin() ? gen.any() : gen.product_edge(a, true), 0};
  };
  expect_matches_host("div", kRandomCases, next_case, soft_binary<F, SoftOps<F>::div>,
                      HOST_BINARY(F, HostOps::div(a, b)));
  expect_specials_match_host<F, 2>("div specials", soft_binary<F, SoftOps<F>::div>,
                                   HOST_BINARY(F, HostOps::div(a, b)));
}

TYPED_TEST(HostComparisonTest, SqrtMatchesHost) {
  using F = TypeParam;
  OperandGenerator<F> gen(4);
  auto next_case = [&] {
    auto a = gen.any();
    if (gen.below(4) != 0) a &= ~F::kSign;  // mostly in the domain
    return Operands{a, 0, 0};
  };
  auto soft = [](const Operands& in, uint32_t rm) {
    uint32_t flags = 0;
    const uint64_t bits = SoftOps<F>::sqrt(static_cast<typename F::Bits>(in[0]), rm, flags);
    return Outcome{bits, flags};
  };
  expect_matches_host("sqrt", kRandomCases, next_case, soft, HOST_BINARY(F, HostOps::sqrt(a)));
  expect_specials_match_host<F, 1>("sqrt specials", soft, HOST_BINARY(F, HostOps::sqrt(a)));
}

// x86 leaves inf*0 + qNaN quiet (IEEE makes it implementation-defined); RISC-V raises NV.
template <class F>
Outcome host_fma(const Operands& in, uint32_t rm) {
  using Bits = typename F::Bits;
  Outcome outcome = HOST_BINARY(F, HostOps::fma(a, b, c))(in, rm);
  const auto a = static_cast<Bits>(in[0]);
  const auto b = static_cast<Bits>(in[1]);
  const bool a_zero = (a & ~F::kSign) == 0;
  const bool b_zero = (b & ~F::kSign) == 0;
  if ((F::is_inf(a) && b_zero) || (a_zero && F::is_inf(b))) outcome.flags |= kFlagNV;
  return outcome;
}

// The sign variants are checked against the host fma with negated operands, which is exact.
TYPED_TEST(HostComparisonTest, FusedMultiplyAddMatchesHost) {
  using F = TypeParam;
  OperandGenerator<F> gen(5);
  auto next_case = [&] {
    const auto a = gen.any();
    const auto b = gen.coin() ? gen.any() : gen.product_edge(a, false);
    typename F::Bits c;
    switch (gen.below(3)) {
      case 0:
        c = gen.any();
        break;
      case 1: {  // near -(a*b): massive cancellation
        const auto product = F::from_host(HostOps::mul(F::to_host(a), F::to_host(b)));
        c = (product ^ F::kSign) + static_cast<typename F::Bits>(gen.below(5)) - 2;
        break;
      }
      default: {
        const int exp = F::biased_exp(a) + F::biased_exp(b) - F::kBias;
        c = gen.finite_with_exp(exp + static_cast<int>(gen.below(2 * F::kFracBits + 8)) -
                                F::kFracBits - 4);
        break;
      }
    }
    return Operands{a, b, c};
  };
  const auto kNeg = F::kSign;
  expect_matches_host("fmadd", kRandomCases, next_case, soft_fma<F, SoftOps<F>::fmadd>,
                      host_fma<F>);
  expect_matches_host("fmsub", kRandomCases / 4, next_case, soft_fma<F, SoftOps<F>::fmsub>,
                      [&](const Operands& in, uint32_t rm) {
                        return host_fma<F>(Operands{in[0], in[1], in[2] ^ kNeg}, rm);
                      });
  expect_matches_host("fnmsub", kRandomCases / 4, next_case, soft_fma<F, SoftOps<F>::fnmsub>,
                      [&](const Operands& in, uint32_t rm) {
                        return host_fma<F>(Operands{in[0] ^ kNeg, in[1], in[2]}, rm);
                      });
  expect_matches_host("fnmadd", kRandomCases / 4, next_case, soft_fma<F, SoftOps<F>::fnmadd>,
                      [&](const Operands& in, uint32_t rm) {
                        return host_fma<F>(Operands{in[0] ^ kNeg, in[1], in[2] ^ kNeg}, rm);
                      });
  expect_specials_match_host<F, 3>("fmadd specials", soft_fma<F, SoftOps<F>::fmadd>, host_fma<F>);
}

// Comparisons: result from the host's IEEE comparison, flags from ucomis (quiet, eq) and
// comis (signaling, lt/le).
TYPED_TEST(HostComparisonTest, ComparisonsMatchHost) {
  using F = TypeParam;
  using Bits = typename F::Bits;
  OperandGenerator<F> gen(6);
  auto next_case = [&] {
    const auto a = gen.any();
    const auto b = gen.below(4) == 0 ? a : gen.coin() ? gen.any() : gen.near(a, 1);
    return Operands{a, b, 0};
  };
  auto soft = [](auto op) {
    return [op](const Operands& in, uint32_t) {
      uint32_t flags = 0;
      const bool result = op(static_cast<Bits>(in[0]), static_cast<Bits>(in[1]), flags);
      return Outcome{result, flags};
    };
  };
  auto host = [](auto compare) {
    return [compare](const Operands& in, uint32_t rm) {
      const auto a = host_value<F>(in[0]);
      const auto b = host_value<F>(in[1]);
      return on_host(rm, [&] { return static_cast<uint64_t>(compare(a, b)); });
    };
  };
  // The comis intrinsics' result for unordered operands is compiler-specific; only their
  // flags are used (the volatile sink keeps the instruction), with the IEEE result from the
  // quiet classification macros.
  auto eq = [](auto a, auto b) {
    if constexpr (std::is_same_v<decltype(a), float>) {
      [[maybe_unused]] volatile int sink = _mm_ucomieq_ss(_mm_set_ss(a), _mm_set_ss(b));
    } else {
      [[maybe_unused]] volatile int sink = _mm_ucomieq_sd(_mm_set_sd(a), _mm_set_sd(b));
    }
    return !std::isunordered(a, b) && !std::islessgreater(a, b);
  };
  auto lt = [](auto a, auto b) {
    if constexpr (std::is_same_v<decltype(a), float>) {
      [[maybe_unused]] volatile int sink = _mm_comilt_ss(_mm_set_ss(a), _mm_set_ss(b));
    } else {
      [[maybe_unused]] volatile int sink = _mm_comilt_sd(_mm_set_sd(a), _mm_set_sd(b));
    }
    return std::isless(a, b);
  };
  auto le = [](auto a, auto b) {
    if constexpr (std::is_same_v<decltype(a), float>) {
      [[maybe_unused]] volatile int sink = _mm_comile_ss(_mm_set_ss(a), _mm_set_ss(b));
    } else {
      [[maybe_unused]] volatile int sink = _mm_comile_sd(_mm_set_sd(a), _mm_set_sd(b));
    }
    return std::islessequal(a, b);
  };
  expect_matches_host("eq", kRandomCases / 4, next_case, soft(SoftOps<F>::eq), host(eq));
  expect_matches_host("lt", kRandomCases / 4, next_case, soft(SoftOps<F>::lt), host(lt));
  expect_matches_host("le", kRandomCases / 4, next_case, soft(SoftOps<F>::le), host(le));
  expect_specials_match_host<F, 2>("eq specials", soft(SoftOps<F>::eq), host(eq));
  expect_specials_match_host<F, 2>("lt specials", soft(SoftOps<F>::lt), host(lt));
  expect_specials_match_host<F, 2>("le specials", soft(SoftOps<F>::le), host(le));
}

}  // namespace
}  // namespace rwd::fpu::testing
