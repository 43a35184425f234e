// Host-FPU fast paths for the RISC-V F/D helpers ("hardfloat", after qemu's design).
//
// Each function here either returns the helper's result computed with one host SSE/FMA
// instruction, or std::nullopt ("declined"), in which case the helper runs the exact soft-float
// path. A function answers only when its result bits AND the flags the soft-float path would
// raise are provably identical; it never raises a flag itself, so every accepted case is one in
// which soft-float raises nothing new (no flag at all, or NX that is already set — fflags is
// sticky, so OR-ing NX into it again changes nothing).
//
// Assumptions about the host, true of every x86-64 process that does not change them, and
// Rewind never does:
//  * SSE arithmetic is IEEE-754 binary32/binary64 with one rounding per instruction (no x87,
//    no long double, no excess precision: FLT_EVAL_METHOD is 0).
//  * MXCSR holds the process default: round to nearest even, FTZ and DAZ off. So a host result
//    is exactly the IEEE result in RNE, subnormals included. The guest rounding mode never
//    reaches the host; operations whose guest mode is not RNE are declined (or exact).
// Results are never read through host exception flags, so nothing depends on MXCSR status bits.
//
// Terms used in the comments: "tiny" as RISC-V defines it, after rounding (the value rounded
// to full precision with unbounded exponent is below the smallest normal, 2^emin); UF is raised
// for a tiny and inexact result. A finite host result r with |r| > 2^emin cannot come from a
// tiny value: rounding is monotonic and 2^emin is representable, so |exact| <= 2^emin would
// give |r| <= 2^emin. Above 2^emin the bounded and unbounded roundings coincide, so r is also
// the soft-float result and neither UF nor OF is raised. |r| == 2^emin is ambiguous (a tiny value
// can round up to it) and is always declined.
#pragma once

#if !defined(__x86_64__) || !defined(__SSE2_MATH__)
#error "host_fast_path.h relies on x86-64 SSE2 arithmetic; build without it on other hosts"
#endif

#include <immintrin.h>

#include <bit>
#include <cfloat>
#include <cstdint>
#include <optional>

#include "cpu/cpu_state.h"
#include "fpu/float_core.h"
#include "fpu/riscv_fp.h"

static_assert(FLT_EVAL_METHOD == 0, "the fast path needs each operation rounded once, in its type");

namespace rwd::fpu::host_fast {

using detail::F32;
using detail::F64;

// A helper result, or nullopt when the soft-float path must decide.
using Result = std::optional<uint64_t>;

// The host type of each format, and the host's FMA instruction (which needs a CPU check).
template <class F>
struct Host;
template <>
struct Host<F32> {
  using Type = float;
  using Bits = uint32_t;
  __attribute__((target("fma"))) static Bits fma(Bits a, Bits b, Bits c) {
    return std::bit_cast<Bits>(_mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(std::bit_cast<float>(a)),
                                                          _mm_set_ss(std::bit_cast<float>(b)),
                                                          _mm_set_ss(std::bit_cast<float>(c)))));
  }
  static Bits sqrt(Bits a) {
    return std::bit_cast<Bits>(_mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(std::bit_cast<float>(a)))));
  }
};
template <>
struct Host<F64> {
  using Type = double;
  using Bits = uint64_t;
  __attribute__((target("fma"))) static Bits fma(Bits a, Bits b, Bits c) {
    return std::bit_cast<Bits>(_mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(std::bit_cast<double>(a)),
                                                          _mm_set_sd(std::bit_cast<double>(b)),
                                                          _mm_set_sd(std::bit_cast<double>(c)))));
  }
  static Bits sqrt(Bits a) {
    const __m128d value = _mm_set_sd(std::bit_cast<double>(a));
    return std::bit_cast<Bits>(_mm_cvtsd_f64(_mm_sqrt_sd(value, value)));
  }
};

template <class F>
using HostType = typename Host<F>::Type;
template <class F>
using HostBits = typename Host<F>::Bits;

template <class F>
HostType<F> to_host(uint64_t bits) {
  return std::bit_cast<HostType<F>>(static_cast<HostBits<F>>(bits));
}
template <class F>
uint64_t from_host(HostType<F> value) {
  return std::bit_cast<HostBits<F>>(value);
}

// Checked once per process; the answer cannot change while it runs.
inline bool host_has_fma() {
  static const bool kHasFma = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma") != 0;
  }();
  return kHasFma;
}

// --- Preconditions ---

inline bool rounds_nearest_even(const CpuState& cpu, uint64_t rm) {
  return (rm == kRoundDynamic ? cpu.frm : rm) == kRoundNearestEven;
}

inline bool inexact_already_raised(const CpuState& cpu) {
  return (cpu.fflags & kFlagNX) != 0;
}

// The common precondition of the rounding operations: guest mode RNE (the host's mode) and NX
// already set (so whether the host rounded does not matter for the flags).
inline bool rounding_is_free(const CpuState& cpu, uint64_t rm) {
  return inexact_already_raised(cpu) && rounds_nearest_even(cpu, rm);
}

template <class F>
bool is_zero(uint64_t bits) {
  return (bits & ~F::kSignMask) == 0;
}

// Zero or normal: no NaN (NV, canonical results), no infinity (NV for inf-inf, inf*0 ...) and
// no subnormal (kept off the host even though DAZ is off: cheap to exclude, rare in practice).
template <class F>
bool is_zero_or_normal(uint64_t bits) {
  const uint64_t biased_exp = (bits >> F::kFracBits) & F::kExpField;
  return biased_exp - 1 < F::kExpField - 1 || is_zero<F>(bits);
}

template <class F>
bool is_normal(uint64_t bits) {
  const uint64_t biased_exp = (bits >> F::kFracBits) & F::kExpField;
  return biased_exp - 1 < F::kExpField - 1;
}

// Finite with magnitude strictly above the smallest normal: no overflow, not tiny (see the
// top of the file). Magnitude encodings order like the values they encode.
template <class F>
bool finite_above_smallest_normal(uint64_t bits) {
  constexpr uint64_t kSmallestNormal = uint64_t{1} << F::kFracBits;
  const uint64_t magnitude = bits & ~F::kSignMask;
  return magnitude > kSmallestNormal && magnitude < F::kInfinity;
}

template <class F>
bool is_finite(uint64_t bits) {
  return (bits & ~F::kSignMask) < F::kInfinity;
}

// --- Arithmetic on one format's encodings (inputs and results in the low bits) ---

// Sum or difference of zeros and normals. Any finite host result is the soft result:
//  * no NV/DZ: the inputs are finite; OF only when the result is infinite (declined).
//  * never UF: both inputs are integer multiples of the smallest subnormal, so their exact sum
//    is too; when that sum is below 2^emin it is representable, so the result is exact.
//  * exact zeros follow IEEE in RNE on both sides: x - x = +0, (-0) + (-0) = -0.
template <class F>
Result add(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm, bool subtract) {
  if (!rounding_is_free(cpu, rm) || !is_zero_or_normal<F>(a) || !is_zero_or_normal<F>(b)) {
    return std::nullopt;
  }
  const HostType<F> x = to_host<F>(a);
  const HostType<F> y = to_host<F>(b);
  const uint64_t sum = from_host<F>(subtract ? x - y : x + y);
  if (!is_finite<F>(sum)) return std::nullopt;
  return sum;
}

// Product of zeros and normals. A zero factor gives an exact signed zero (no flags). Otherwise
// a product at or below 2^emin may be tiny and inexact (UF), so only larger results are taken.
template <class F>
Result mul(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  if (!rounding_is_free(cpu, rm) || !is_zero_or_normal<F>(a) || !is_zero_or_normal<F>(b)) {
    return std::nullopt;
  }
  const uint64_t product = from_host<F>(to_host<F>(a) * to_host<F>(b));
  if (finite_above_smallest_normal<F>(product) || is_zero<F>(a) || is_zero<F>(b)) return product;
  return std::nullopt;
}

// Quotient of a zero or normal by a normal (a zero divisor raises DZ or NV). A zero dividend
// gives an exact signed zero; otherwise as for mul.
template <class F>
Result div(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  if (!rounding_is_free(cpu, rm) || !is_zero_or_normal<F>(a) || !is_normal<F>(b)) {
    return std::nullopt;
  }
  const uint64_t quotient = from_host<F>(to_host<F>(a) / to_host<F>(b));
  if (finite_above_smallest_normal<F>(quotient) || is_zero<F>(a)) return quotient;
  return std::nullopt;
}

// sqrt(+-0) = +-0 exactly in every mode. The root of a positive normal x is normal (its
// exponent is about half of x's), so it can neither overflow nor be tiny; negative inputs
// raise NV and are declined.
template <class F>
Result sqrt(const CpuState& cpu, uint64_t a, uint64_t rm) {
  if (is_zero<F>(a)) return a;
  if (!rounding_is_free(cpu, rm) || !is_normal<F>(a) || (a & F::kSignMask)) return std::nullopt;
  return Host<F>::sqrt(static_cast<HostBits<F>>(a));
}

// (+-a)*b + (+-c) with one rounding, on zeros and normals (so no inf*0, inf-inf or NaN: no NV).
// Negating a negates the product exactly, zeros included, which is how the RISC-V variants
// are defined. Taken when the result is finite and above 2^emin, or when a or b is zero: then
// the exact value is (+-0) + c, representable, and both sides apply the IEEE zero-sum sign rule.
// A zero result of a nonzero product is declined: a*b + c can be nonzero yet round to zero.
template <class F>
Result fma(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm,
           bool negate_product, bool negate_addend) {
  if (!rounding_is_free(cpu, rm) || !is_zero_or_normal<F>(a) || !is_zero_or_normal<F>(b) ||
      !is_zero_or_normal<F>(c) || !host_has_fma()) {
    return std::nullopt;
  }
  const uint64_t factor = negate_product ? a ^ F::kSignMask : a;
  const uint64_t addend = negate_addend ? c ^ F::kSignMask : c;
  const uint64_t result = Host<F>::fma(static_cast<HostBits<F>>(factor),
                                       static_cast<HostBits<F>>(b), static_cast<HostBits<F>>(addend));
  if (finite_above_smallest_normal<F>(result) || is_zero<F>(a) || is_zero<F>(b)) return result;
  return std::nullopt;
}

// --- Comparisons: no rounding, and NV comes only from NaN operands ---
// Without NaNs the host comparison is the IEEE one (-0 == +0; infinities and subnormals order
// correctly with DAZ off) and raises nothing the guest could see.

template <class F, class Relation>
Result compare(uint64_t a, uint64_t b, Relation relation) {
  if (detail::is_nan<F>(a) || detail::is_nan<F>(b)) return std::nullopt;
  return relation(to_host<F>(a), to_host<F>(b)) ? 1 : 0;
}

// minimumNumber/maximumNumber without NaNs: the smaller (larger) value, and for equal values
// the encodings are identical except for +0/-0, where min is -0 (the OR of the two encodings)
// and max is +0 (the AND).
template <class F>
Result min_max(uint64_t a, uint64_t b, bool want_max) {
  if (detail::is_nan<F>(a) || detail::is_nan<F>(b)) return std::nullopt;
  const HostType<F> x = to_host<F>(a);
  const HostType<F> y = to_host<F>(b);
  if (x < y) return want_max ? b : a;
  if (y < x) return want_max ? a : b;
  return want_max ? (a & b) : (a | b);
}

// --- Conversions ---

// Integer to float. Exactly representable when the significant bits (leading one to trailing
// one) fit the precision: then no flag and no rounding, in every mode. Otherwise the host
// conversion (a single rounding, in RNE) matches when the guest mode is RNE and NX is set.
// The host conversion is from a signed 64-bit integer, so callers pass unsigned values only
// below 2^63.
template <class F>
Result from_int64(const CpuState& cpu, int64_t x, uint64_t rm) {
  const uint64_t magnitude = x < 0 ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
  const bool exact = magnitude == 0 ||
                     std::bit_width(magnitude) - std::countr_zero(magnitude) <= F::kPrecision;
  if (!exact && !rounding_is_free(cpu, rm)) return std::nullopt;
  return from_host<F>(static_cast<HostType<F>>(x));
}

// An integer type's RISC-V range as exclusive bounds on the unrounded value, chosen so that
// rounding in RNE or RTZ cannot leave the range (which would raise NV and saturate):
//  * signed N bits: (-2^(N-1) - 1, 2^(N-1) - 1); a value just inside rounds to at most the
//    bound's neighbour, and -2^(N-1) - 1/2 rounds (ties to even) to -2^(N-1).
//  * unsigned: (-1/2, ...); a negative value above -1/2 rounds to 0 in both modes, which
//    RISC-V accepts (with NX).
// The 64-bit bounds are 2^63 (the conversion goes through the host's signed 64-bit one);
// every double below 2^63 is at most 2^63 - 1024.
struct IntBounds {
  double lower_exclusive;
  double upper_exclusive;
};
inline constexpr IntBounds kInt32Bounds{-2147483649.0, 2147483647.0};
inline constexpr IntBounds kUint32Bounds{-0.5, 4294967295.0};
inline constexpr IntBounds kInt64Bounds{-9223372036854775808.0, 9223372036854775808.0};
inline constexpr IntBounds kUint64Bounds{-0.5, 9223372036854775808.0};

// Float to integer as a 64-bit two's complement value (the caller narrows). Taken in RTZ
// (cvtt*) and RNE (cvt*, MXCSR's mode) for values inside the bounds. The only flag is NX, when
// the value was not integral: taken if it was integral (the converted integer converts back to
// the same value; when not integral |value| < 2^52, so the integer converts back exactly and
// differs) or NX is already set.
template <class F>
Result to_int64(const CpuState& cpu, uint64_t a, uint64_t rm, IntBounds bounds) {
  const uint32_t mode = rm == kRoundDynamic ? cpu.frm : static_cast<uint32_t>(rm);
  if (mode != kRoundNearestEven && mode != kRoundTowardZero) return std::nullopt;
  const HostType<F> value = to_host<F>(a);
  // The comparisons are false for NaN; infinities are outside every bound.
  if (!(value > bounds.lower_exclusive && value < bounds.upper_exclusive)) return std::nullopt;
  int64_t integer;
  if constexpr (F::kPrecision == F32::kPrecision) {
    integer = mode == kRoundTowardZero ? _mm_cvttss_si64(_mm_set_ss(value))
                                       : _mm_cvtss_si64(_mm_set_ss(value));
  } else {
    integer = mode == kRoundTowardZero ? _mm_cvttsd_si64(_mm_set_sd(value))
                                       : _mm_cvtsd_si64(_mm_set_sd(value));
  }
  if (static_cast<HostType<F>>(integer) != value && !inexact_already_raised(cpu)) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(integer);
}

// binary64 -> binary32 of a finite value. If the host result converts back to the input the
// conversion was exact: no flag in any mode (a tiny exact result raises no UF). Otherwise it
// rounded, which matches soft-float for RNE with NX set and a result that neither overflowed
// nor is at or below 2^emin.
inline Result narrow_f64(const CpuState& cpu, uint64_t a, uint64_t rm) {
  if (!is_finite<F64>(a)) return std::nullopt;
  const double value = std::bit_cast<double>(a);
  const float narrowed = static_cast<float>(value);
  const uint64_t bits = std::bit_cast<uint32_t>(narrowed);
  if (static_cast<double>(narrowed) == value) return bits;
  if (rounding_is_free(cpu, rm) && finite_above_smallest_normal<F32>(bits)) return bits;
  return std::nullopt;
}

// binary32 -> binary64 is exact for every non-NaN (subnormals become normals, DAZ is off).
inline Result widen_f32(uint64_t a) {
  if (detail::is_nan<F32>(a)) return std::nullopt;
  return std::bit_cast<uint64_t>(static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(a))));
}

// --- The helpers' fast paths, with the helpers' argument conventions (riscv_fp.h) ---

inline Result boxed(Result single) {
  if (!single) return std::nullopt;
  return box_f32(static_cast<uint32_t>(*single));
}

// W/WU integer results: the low 32 bits, sign-extended.
inline uint64_t sign_extend_32(uint64_t value) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(value)));
}

constexpr bool kSubtract = true;
constexpr bool kWantMax = true;
constexpr auto kEqual = [](auto x, auto y) { return x == y; };
constexpr auto kLess = [](auto x, auto y) { return x < y; };
constexpr auto kLessOrEqual = [](auto x, auto y) { return x <= y; };

inline Result fadd_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return boxed(add<F32>(cpu, unbox_f32(a), unbox_f32(b), rm, !kSubtract));
}
inline Result fsub_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return boxed(add<F32>(cpu, unbox_f32(a), unbox_f32(b), rm, kSubtract));
}
inline Result fmul_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return boxed(mul<F32>(cpu, unbox_f32(a), unbox_f32(b), rm));
}
inline Result fdiv_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return boxed(div<F32>(cpu, unbox_f32(a), unbox_f32(b), rm));
}
inline Result fsqrt_s(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return boxed(sqrt<F32>(cpu, unbox_f32(a), rm));
}
inline Result fmadd_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return boxed(fma<F32>(cpu, unbox_f32(a), unbox_f32(b), unbox_f32(c), rm, false, false));
}
inline Result fmsub_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return boxed(fma<F32>(cpu, unbox_f32(a), unbox_f32(b), unbox_f32(c), rm, false, true));
}
inline Result fnmsub_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return boxed(fma<F32>(cpu, unbox_f32(a), unbox_f32(b), unbox_f32(c), rm, true, false));
}
inline Result fnmadd_s(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return boxed(fma<F32>(cpu, unbox_f32(a), unbox_f32(b), unbox_f32(c), rm, true, true));
}
inline Result fmin_s(const CpuState&, uint64_t a, uint64_t b) {
  return boxed(min_max<F32>(unbox_f32(a), unbox_f32(b), !kWantMax));
}
inline Result fmax_s(const CpuState&, uint64_t a, uint64_t b) {
  return boxed(min_max<F32>(unbox_f32(a), unbox_f32(b), kWantMax));
}
inline Result feq_s(const CpuState&, uint64_t a, uint64_t b) {
  return compare<F32>(unbox_f32(a), unbox_f32(b), kEqual);
}
inline Result flt_s(const CpuState&, uint64_t a, uint64_t b) {
  return compare<F32>(unbox_f32(a), unbox_f32(b), kLess);
}
inline Result fle_s(const CpuState&, uint64_t a, uint64_t b) {
  return compare<F32>(unbox_f32(a), unbox_f32(b), kLessOrEqual);
}
// In-range signed 32-bit results are already their own sign extension.
inline Result fcvt_w_s(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return to_int64<F32>(cpu, unbox_f32(a), rm, kInt32Bounds);
}
inline Result fcvt_wu_s(const CpuState& cpu, uint64_t a, uint64_t rm) {
  const Result value = to_int64<F32>(cpu, unbox_f32(a), rm, kUint32Bounds);
  return value ? Result{sign_extend_32(*value)} : std::nullopt;
}
inline Result fcvt_l_s(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return to_int64<F32>(cpu, unbox_f32(a), rm, kInt64Bounds);
}
inline Result fcvt_lu_s(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return to_int64<F32>(cpu, unbox_f32(a), rm, kUint64Bounds);
}
inline Result fcvt_s_w(const CpuState& cpu, uint64_t x, uint64_t rm) {
  return boxed(from_int64<F32>(cpu, static_cast<int32_t>(x), rm));
}
inline Result fcvt_s_wu(const CpuState& cpu, uint64_t x, uint64_t rm) {
  return boxed(from_int64<F32>(cpu, static_cast<uint32_t>(x), rm));
}
inline Result fcvt_s_l(const CpuState& cpu, uint64_t x, uint64_t rm) {
  return boxed(from_int64<F32>(cpu, static_cast<int64_t>(x), rm));
}
inline Result fcvt_s_lu(const CpuState& cpu, uint64_t x, uint64_t rm) {
  if (static_cast<int64_t>(x) < 0) return std::nullopt;  // >= 2^63: no signed host conversion
  return boxed(from_int64<F32>(cpu, static_cast<int64_t>(x), rm));
}

inline Result fadd_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return add<F64>(cpu, a, b, rm, !kSubtract);
}
inline Result fsub_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return add<F64>(cpu, a, b, rm, kSubtract);
}
inline Result fmul_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return mul<F64>(cpu, a, b, rm);
}
inline Result fdiv_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return div<F64>(cpu, a, b, rm);
}
inline Result fsqrt_d(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return sqrt<F64>(cpu, a, rm);
}
inline Result fmadd_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fma<F64>(cpu, a, b, c, rm, false, false);
}
inline Result fmsub_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fma<F64>(cpu, a, b, c, rm, false, true);
}
inline Result fnmsub_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fma<F64>(cpu, a, b, c, rm, true, false);
}
inline Result fnmadd_d(const CpuState& cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fma<F64>(cpu, a, b, c, rm, true, true);
}
inline Result fmin_d(const CpuState&, uint64_t a, uint64_t b) {
  return min_max<F64>(a, b, !kWantMax);
}
inline Result fmax_d(const CpuState&, uint64_t a, uint64_t b) {
  return min_max<F64>(a, b, kWantMax);
}
inline Result feq_d(const CpuState&, uint64_t a, uint64_t b) {
  return compare<F64>(a, b, kEqual);
}
inline Result flt_d(const CpuState&, uint64_t a, uint64_t b) {
  return compare<F64>(a, b, kLess);
}
inline Result fle_d(const CpuState&, uint64_t a, uint64_t b) {
  return compare<F64>(a, b, kLessOrEqual);
}
inline Result fcvt_w_d(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return to_int64<F64>(cpu, a, rm, kInt32Bounds);
}
inline Result fcvt_wu_d(const CpuState& cpu, uint64_t a, uint64_t rm) {
  const Result value = to_int64<F64>(cpu, a, rm, kUint32Bounds);
  return value ? Result{sign_extend_32(*value)} : std::nullopt;
}
inline Result fcvt_l_d(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return to_int64<F64>(cpu, a, rm, kInt64Bounds);
}
inline Result fcvt_lu_d(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return to_int64<F64>(cpu, a, rm, kUint64Bounds);
}
inline Result fcvt_d_w(const CpuState& cpu, uint64_t x, uint64_t rm) {
  return from_int64<F64>(cpu, static_cast<int32_t>(x), rm);
}
inline Result fcvt_d_wu(const CpuState& cpu, uint64_t x, uint64_t rm) {
  return from_int64<F64>(cpu, static_cast<uint32_t>(x), rm);
}
inline Result fcvt_d_l(const CpuState& cpu, uint64_t x, uint64_t rm) {
  return from_int64<F64>(cpu, static_cast<int64_t>(x), rm);
}
inline Result fcvt_d_lu(const CpuState& cpu, uint64_t x, uint64_t rm) {
  if (static_cast<int64_t>(x) < 0) return std::nullopt;  // >= 2^63: no signed host conversion
  return from_int64<F64>(cpu, static_cast<int64_t>(x), rm);
}

inline Result fcvt_s_d(const CpuState& cpu, uint64_t a, uint64_t rm) {
  return boxed(narrow_f64(cpu, a, rm));
}
inline Result fcvt_d_s(const CpuState&, uint64_t a, uint64_t /*rm: exact*/) {
  return widen_f32(unbox_f32(a));
}

}  // namespace rwd::fpu::host_fast
