// The host x86-64 FPU as a reference for the RNE/RTZ/RDN/RUP modes. Operations go through SSE
// intrinsics so each is exactly one IEEE operation on the SSE unit, under the MXCSR rounding
// mode that ScopedHostRounding sets, with flags read back from MXCSR.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <ostream>

#include "fp_test_support.h"

namespace rwd::fpu::testing {

struct Outcome {
  uint64_t bits;
  uint32_t flags;
  bool operator==(const Outcome&) const = default;
  friend void PrintTo(const Outcome& outcome, std::ostream* out) {
    *out << hex(outcome.bits) << " " << flag_names(outcome.flags);
  }
};

// Runs fn under host rounding mode rm and collects the flags it raised.
template <class Fn>
Outcome on_host(uint32_t rm, Fn fn) {
  ScopedHostRounding scope(host_rounding(rm));
  const uint64_t bits = fn();
  return {bits, scope.flags()};
}

// x86 propagates NaN payloads; RISC-V always produces the canonical NaN.
template <class F>
Outcome canonicalize_nan(Outcome outcome) {
  if (F::is_nan(static_cast<typename F::Bits>(outcome.bits))) outcome.bits = F::kCanonicalNaN;
  return outcome;
}

inline bool host_has_fma() {
  return __builtin_cpu_supports("fma");
}

__attribute__((target("fma"))) inline float host_fma_hw(float a, float b, float c) {
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}
__attribute__((target("fma"))) inline double host_fma_hw(double a, double b, double c) {
  return _mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(a), _mm_set_sd(b), _mm_set_sd(c)));
}

struct HostOps {
  static float add(float a, float b) {
    return _mm_cvtss_f32(_mm_add_ss(_mm_set_ss(a), _mm_set_ss(b)));
  }
  static float sub(float a, float b) {
    return _mm_cvtss_f32(_mm_sub_ss(_mm_set_ss(a), _mm_set_ss(b)));
  }
  static float mul(float a, float b) {
    return _mm_cvtss_f32(_mm_mul_ss(_mm_set_ss(a), _mm_set_ss(b)));
  }
  static float div(float a, float b) {
    return _mm_cvtss_f32(_mm_div_ss(_mm_set_ss(a), _mm_set_ss(b)));
  }
  static float sqrt(float a) { return _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(a))); }
  static float fma(float a, float b, float c) {
    return host_has_fma() ? host_fma_hw(a, b, c) : std::fma(a, b, c);
  }
  static double add(double a, double b) {
    return _mm_cvtsd_f64(_mm_add_sd(_mm_set_sd(a), _mm_set_sd(b)));
  }
  static double sub(double a, double b) {
    return _mm_cvtsd_f64(_mm_sub_sd(_mm_set_sd(a), _mm_set_sd(b)));
  }
  static double mul(double a, double b) {
    return _mm_cvtsd_f64(_mm_mul_sd(_mm_set_sd(a), _mm_set_sd(b)));
  }
  static double div(double a, double b) {
    return _mm_cvtsd_f64(_mm_div_sd(_mm_set_sd(a), _mm_set_sd(b)));
  }
  static double sqrt(double a) {
    const __m128d v = _mm_set_sd(a);
    return _mm_cvtsd_f64(_mm_sqrt_sd(v, v));
  }
  static double fma(double a, double b, double c) {
    return host_has_fma() ? host_fma_hw(a, b, c) : std::fma(a, b, c);
  }

  static double widen(float a) {
    return _mm_cvtsd_f64(_mm_cvtss_sd(_mm_setzero_pd(), _mm_set_ss(a)));
  }
  static float narrow(double a) {
    return _mm_cvtss_f32(_mm_cvtsd_ss(_mm_setzero_ps(), _mm_set_sd(a)));
  }

  // Float to int64 in the current rounding mode; out of range gives FE_INVALID.
  static int64_t to_i64(float a) { return _mm_cvtss_si64(_mm_set_ss(a)); }
  static int64_t to_i64(double a) { return _mm_cvtsd_si64(_mm_set_sd(a)); }
  static int32_t to_i32(float a) { return _mm_cvtss_si32(_mm_set_ss(a)); }
  static int32_t to_i32(double a) { return _mm_cvtsd_si32(_mm_set_sd(a)); }

  template <class Host>
  static Host from_i64(int64_t x) {
    if constexpr (std::is_same_v<Host, float>) {
      return _mm_cvtss_f32(_mm_cvtsi64_ss(_mm_setzero_ps(), x));
    } else {
      return _mm_cvtsd_f64(_mm_cvtsi64_sd(_mm_setzero_pd(), x));
    }
  }
  // SSE has no unsigned 64-bit conversion. Values below 2^63 use the signed one; larger ones
  // go through x87, where the integer is exact in the 64-bit significand and the one rounding
  // happens on the store, under the x87 rounding mode that fesetround also sets.
  template <class Host>
  static Host from_u64(uint64_t x) {
    if (x < (uint64_t{1} << 63)) return from_i64<Host>(static_cast<int64_t>(x));
    volatile long double wide = static_cast<long double>(x);
    volatile Host narrowed = static_cast<Host>(wide);
    return narrowed;
  }
};

}  // namespace rwd::fpu::testing
