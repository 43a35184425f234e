// Shared helpers for the FPU tests: format constants (written out independently of the
// implementation), a random operand generator biased toward the hard cases, and a scoped
// host rounding mode with RISC-V-mapped host exception flags.
#pragma once

#include <fmt/format.h>

#include <cfenv>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_state.h"

namespace rwd::fpu::testing {

template <class BitsT, class HostT, int ExpBits, int FracBits>
struct TestFormat {
  using Bits = BitsT;
  using Host = HostT;
  static constexpr int kExpBits = ExpBits;
  static constexpr int kFracBits = FracBits;
  static constexpr int kBias = (1 << (ExpBits - 1)) - 1;
  static constexpr int kMaxBiasedExp = (1 << ExpBits) - 1;
  static constexpr Bits kSign = Bits{1} << (ExpBits + FracBits);
  static constexpr Bits kFracMask = (Bits{1} << FracBits) - 1;
  static constexpr Bits kInf = static_cast<Bits>(kMaxBiasedExp) << FracBits;
  static constexpr Bits kQuiet = Bits{1} << (FracBits - 1);
  static constexpr Bits kCanonicalNaN = kInf | kQuiet;
  static constexpr Bits kMinNormal = Bits{1} << FracBits;
  static constexpr Bits kMaxFinite = kInf - 1;
  static constexpr Bits kOne = static_cast<Bits>(kBias) << FracBits;

  static constexpr Bits make(bool negative, int biased_exp, Bits frac) {
    return (negative ? kSign : 0) | (static_cast<Bits>(biased_exp) << FracBits) | frac;
  }
  static constexpr bool is_nan(Bits bits) { return (bits & ~kSign) > kInf; }
  static constexpr bool is_inf(Bits bits) { return (bits & ~kSign) == kInf; }
  static constexpr int biased_exp(Bits bits) {
    return static_cast<int>((bits & ~kSign) >> FracBits);
  }

  static Host to_host(Bits bits) {
    Host value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  static Bits from_host(Host value) {
    Bits bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  }
};

using T32 = TestFormat<uint32_t, float, 8, 23>;
using T64 = TestFormat<uint64_t, double, 11, 52>;

inline constexpr int kHostRoundingModes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};

// Host rounding mode for RISC-V rm 0..3 (the host has no RMM).
inline int host_rounding(uint32_t rm) {
  return kHostRoundingModes[rm];
}

inline uint32_t riscv_flags_from_host(int host) {
  uint32_t flags = 0;
  if (host & FE_INEXACT) flags |= kFlagNX;
  if (host & FE_UNDERFLOW) flags |= kFlagUF;
  if (host & FE_OVERFLOW) flags |= kFlagOF;
  if (host & FE_DIVBYZERO) flags |= kFlagDZ;
  if (host & FE_INVALID) flags |= kFlagNV;
  return flags;
}

inline std::string flag_names(uint32_t flags) {
  std::string names;
  static constexpr const char* kNames[] = {"NX", "UF", "OF", "DZ", "NV"};
  for (int bit = 4; bit >= 0; --bit) {
    if (flags & (1u << bit)) names += std::string(names.empty() ? "" : "|") + kNames[bit];
  }
  return names.empty() ? "-" : names;
}

// Sets the host rounding mode (SSE and x87) for its lifetime and clears the host flags.
class ScopedHostRounding {
 public:
  explicit ScopedHostRounding(int mode) : saved_(std::fegetround()) {
    std::fesetround(mode);
    std::feclearexcept(FE_ALL_EXCEPT);
  }
  ~ScopedHostRounding() {
    std::fesetround(saved_);
    std::feclearexcept(FE_ALL_EXCEPT);
  }
  ScopedHostRounding(const ScopedHostRounding&) = delete;
  ScopedHostRounding& operator=(const ScopedHostRounding&) = delete;

  uint32_t flags() const { return riscv_flags_from_host(std::fetestexcept(FE_ALL_EXCEPT)); }

 private:
  int saved_;
};

// Encodings every operation must get right, with both signs.
template <class F>
const std::vector<typename F::Bits>& special_values() {
  using Bits = typename F::Bits;
  static const std::vector<Bits> values = [] {
    const Bits magnitudes[] = {
        0,
        1,             // smallest subnormal
        F::kFracMask,  // largest subnormal
        F::kMinNormal,
        F::kMinNormal + 1,
        F::kMaxFinite,
        F::kMaxFinite - 1,
        F::kInf,
        F::kCanonicalNaN,
        F::kInf | 1,                    // signaling NaN
        F::kInf | F::kQuiet | 0x1234,   // quiet NaN with payload
        F::kInf | (F::kFracMask >> 1),  // signaling NaN, all payload bits
        F::kOne,
        F::kOne + 1,
        F::kOne - 1,
        F::make(false, F::kBias + 1, 0),  // 2
        F::make(false, F::kBias - 1, F::kFracMask),
    };
    std::vector<Bits> both_signs;
    for (Bits magnitude : magnitudes) {
      both_signs.push_back(magnitude);
      both_signs.push_back(magnitude | F::kSign);
    }
    return both_signs;
  }();
  return values;
}

// Random encodings weighted toward what breaks float code: specials, subnormals, boundary
// exponents, short significands (exact results and ties) and all-ones significands.
template <class F>
class OperandGenerator {
 public:
  using Bits = typename F::Bits;
  explicit OperandGenerator(uint64_t seed) : rng_(seed) {}

  uint64_t next_u64() { return rng_(); }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool coin() { return rng_() & 1; }

  Bits special() {
    const auto& values = special_values<F>();
    return values[below(static_cast<uint32_t>(values.size()))];
  }

  // Every draw from the generator is its own statement: the order of evaluation inside one
  // expression is unspecified, and a seed must mean the same inputs in every build.
  Bits significand() {
    switch (below(6)) {
      case 0: {  // few significant bits: exact results, halfway cases
        const Bits bits = static_cast<Bits>(rng_());
        const uint32_t cut = below(6);
        return bits & F::kFracMask & ~(F::kFracMask >> cut);
      }
      case 1:
        return F::kFracMask >> below(4);  // runs of ones: carries through the significand
      case 2: {                           // ones at the very top or bottom
        const Bits low = static_cast<Bits>(rng_() & 7);
        return low | (coin() ? F::kQuiet : 0);
      }
      default:
        return static_cast<Bits>(rng_()) & F::kFracMask;
    }
  }

  Bits finite_with_exp(int biased_exp) {
    if (biased_exp < 0) biased_exp = 0;
    if (biased_exp >= F::kMaxBiasedExp) biased_exp = F::kMaxBiasedExp - 1;
    const bool negative = coin();
    return F::make(negative, biased_exp, significand());
  }

  // Any operand: specials, uniformly random exponents, exponents near both range ends.
  Bits any() {
    switch (below(8)) {
      case 0:
        return special();
      case 1:
        return finite_with_exp(static_cast<int>(below(4)));  // subnormal or barely normal
      case 2:
        return finite_with_exp(F::kMaxBiasedExp - 1 - static_cast<int>(below(3)));
      case 3:
        return finite_with_exp(F::kBias - 8 + static_cast<int>(below(16)));
      default:
        return finite_with_exp(static_cast<int>(below(F::kMaxBiasedExp)));
    }
  }

  // An operand whose exponent is within `spread` of ref's: cancellation and alignment cases.
  Bits near(Bits ref, int spread) {
    const int exp = F::biased_exp(ref) + static_cast<int>(below(2 * spread + 1)) - spread;
    return finite_with_exp(exp);
  }

  // b such that a*b (or a/b when `for_division`) lands near the overflow or underflow
  // threshold, or in the subnormal range.
  Bits product_edge(Bits a, bool for_division) {
    const int a_exp = F::biased_exp(a) - F::kBias;
    int target;
    switch (below(3)) {
      case 0:
        target = F::kBias;  // near overflow
        break;
      case 1:
        target = 1 - F::kBias;  // near the smallest normal
        break;
      default:
        target = 1 - F::kBias - static_cast<int>(below(F::kFracBits + 2));  // subnormal
        break;
    }
    const int b_exp = for_division ? a_exp - target : target - a_exp;
    return finite_with_exp(b_exp + F::kBias + static_cast<int>(below(3)) - 1);
  }

 private:
  std::mt19937_64 rng_;
};

template <class Bits>
std::string hex(Bits bits) {
  return fmt::format("{:#0{}x}", bits, 2 + 2 * sizeof(Bits));
}

}  // namespace rwd::fpu::testing
