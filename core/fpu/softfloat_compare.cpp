// Comparisons, minimumNumber/maximumNumber and classification. None of these round, so the
// only flag they can raise is NV.
#include "fpu/float_core.h"
#include "fpu/softfloat.h"

namespace rwd::fpu {
namespace {

using detail::F32;
using detail::F64;
using detail::is_nan;
using detail::is_signaling_nan;

template <class F>
bool both_zero(uint64_t a, uint64_t b) {
  return ((a | b) & ~F::kSignMask) == 0;
}

// Total order on non-NaN encodings in which -0 sorts below +0 (what min/max need).
template <class F>
bool ordered_below(uint64_t a, uint64_t b) {
  const bool a_negative = (a & F::kSignMask) != 0;
  const bool b_negative = (b & F::kSignMask) != 0;
  if (a_negative != b_negative) return a_negative;
  // Sign-magnitude: bigger magnitude bits mean a smaller value among negatives.
  return a_negative ? a > b : a < b;
}

template <class F>
uint64_t min_max(uint64_t a, uint64_t b, bool want_max, uint32_t& flags) {
  if (is_signaling_nan<F>(a) || is_signaling_nan<F>(b)) flags |= kFlagNV;
  const bool a_nan = is_nan<F>(a);
  const bool b_nan = is_nan<F>(b);
  if (a_nan && b_nan) return F::kCanonicalNaN;
  if (a_nan) return b;
  if (b_nan) return a;
  const bool a_below = ordered_below<F>(a, b);
  return want_max == a_below ? b : a;
}

template <class F>
bool equal(uint64_t a, uint64_t b, uint32_t& flags) {
  if (is_nan<F>(a) || is_nan<F>(b)) {
    if (is_signaling_nan<F>(a) || is_signaling_nan<F>(b)) flags |= kFlagNV;
    return false;
  }
  return a == b || both_zero<F>(a, b);
}

template <class F>
bool less(uint64_t a, uint64_t b, bool or_equal, uint32_t& flags) {
  if (is_nan<F>(a) || is_nan<F>(b)) {
    flags |= kFlagNV;
    return false;
  }
  if (both_zero<F>(a, b)) return or_equal;
  if (a == b) return or_equal;
  return ordered_below<F>(a, b);
}

template <class F>
uint32_t classify(uint64_t a) {
  const bool negative = (a & F::kSignMask) != 0;
  const uint64_t magnitude = a & ~F::kSignMask;
  if (magnitude > F::kInfinity) {
    return is_signaling_nan<F>(a) ? kClassSignalingNaN : kClassQuietNaN;
  }
  if (magnitude == F::kInfinity) return negative ? kClassNegInfinity : kClassPosInfinity;
  if (magnitude == 0) return negative ? kClassNegZero : kClassPosZero;
  if (magnitude <= F::kFracMask) return negative ? kClassNegSubnormal : kClassPosSubnormal;
  return negative ? kClassNegNormal : kClassPosNormal;
}

}  // namespace

uint32_t f32_min(uint32_t a, uint32_t b, uint32_t& flags) {
  return static_cast<uint32_t>(min_max<F32>(a, b, false, flags));
}
uint32_t f32_max(uint32_t a, uint32_t b, uint32_t& flags) {
  return static_cast<uint32_t>(min_max<F32>(a, b, true, flags));
}
uint64_t f64_min(uint64_t a, uint64_t b, uint32_t& flags) {
  return min_max<F64>(a, b, false, flags);
}
uint64_t f64_max(uint64_t a, uint64_t b, uint32_t& flags) {
  return min_max<F64>(a, b, true, flags);
}

bool f32_eq(uint32_t a, uint32_t b, uint32_t& flags) {
  return equal<F32>(a, b, flags);
}
bool f32_lt(uint32_t a, uint32_t b, uint32_t& flags) {
  return less<F32>(a, b, false, flags);
}
bool f32_le(uint32_t a, uint32_t b, uint32_t& flags) {
  return less<F32>(a, b, true, flags);
}
bool f64_eq(uint64_t a, uint64_t b, uint32_t& flags) {
  return equal<F64>(a, b, flags);
}
bool f64_lt(uint64_t a, uint64_t b, uint32_t& flags) {
  return less<F64>(a, b, false, flags);
}
bool f64_le(uint64_t a, uint64_t b, uint32_t& flags) {
  return less<F64>(a, b, true, flags);
}

uint32_t f32_classify(uint32_t a) {
  return classify<F32>(a);
}
uint32_t f64_classify(uint64_t a) {
  return classify<F64>(a);
}

}  // namespace rwd::fpu
