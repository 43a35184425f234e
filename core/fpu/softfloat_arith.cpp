// add/sub/mul/div/sqrt and fused multiply-add for binary32 and binary64. Each operation first
// settles the special operands (NaN, infinity, zero), then computes the exact result, or an
// exact-enough one with a sticky bit, in integers and rounds it once with round_pack().
#include <utility>

#include "fpu/float_core.h"
#include "fpu/softfloat.h"

namespace rwd::fpu {
namespace {

using detail::F32;
using detail::F64;
using detail::Kind;
using detail::narrow_jam;
using detail::normalize_to;
using detail::round_pack;
using detail::shift_right_jam;
using detail::unpack;
using detail::Unpacked;
using u128 = unsigned __int128;

template <class F>
constexpr uint64_t signed_zero(bool sign) {
  return sign ? F::kSignMask : 0;
}

template <class F>
constexpr uint64_t signed_infinity(bool sign) {
  return signed_zero<F>(sign) | F::kInfinity;
}

// An exact sum of two nonzero values that cancels to zero is +0, except when rounding down.
template <class F>
constexpr uint64_t exact_zero_sum(uint32_t rm) {
  return signed_zero<F>(rm == kRoundDown);
}

template <class F>
uint64_t invalid(uint32_t& flags) {
  flags |= kFlagNV;
  return F::kCanonicalNaN;
}

template <class F>
uint64_t nan_result(const Unpacked& x, const Unpacked& y, uint32_t& flags) {
  if (x.signaling || y.signaling) flags |= kFlagNV;
  return F::kCanonicalNaN;
}

int bit_width(u128 value) {
  const auto high = static_cast<uint64_t>(value >> 64);
  if (high != 0) return 128 - std::countl_zero(high);
  return 64 - std::countl_zero(static_cast<uint64_t>(value));
}

template <class F>
uint64_t add(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  Unpacked x = unpack<F>(a);
  Unpacked y = unpack<F>(b);
  if (x.kind == Kind::kNaN || y.kind == Kind::kNaN) return nan_result<F>(x, y, flags);
  if (x.kind == Kind::kInfinity || y.kind == Kind::kInfinity) {
    if (x.kind == y.kind && x.sign != y.sign) return invalid<F>(flags);
    return x.kind == Kind::kInfinity ? a : b;
  }
  if (x.kind == Kind::kZero && y.kind == Kind::kZero) {
    return x.sign == y.sign ? a : exact_zero_sum<F>(rm);
  }
  if (x.kind == Kind::kZero) return b;
  if (y.kind == Kind::kZero) return a;

  // Leading ones on bit 61 leave room for the carry of a sum and, below the smallest
  // precision's lsb, guard bits that keep jammed subtraction correctly rounded.
  normalize_to(x, 61);
  normalize_to(y, 61);
  if (x.exp < y.exp) std::swap(x, y);
  y.sig = shift_right_jam(y.sig, x.exp - y.exp);
  if (x.sign == y.sign) return round_pack<F>(x.sign, x.exp, x.sig + y.sig, rm, flags);
  if (x.sig == y.sig) return exact_zero_sum<F>(rm);
  if (x.sig > y.sig) return round_pack<F>(x.sign, x.exp, x.sig - y.sig, rm, flags);
  return round_pack<F>(y.sign, x.exp, y.sig - x.sig, rm, flags);
}

template <class F>
uint64_t mul(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  const Unpacked x = unpack<F>(a);
  const Unpacked y = unpack<F>(b);
  if (x.kind == Kind::kNaN || y.kind == Kind::kNaN) return nan_result<F>(x, y, flags);
  const bool sign = x.sign != y.sign;
  if (x.kind == Kind::kInfinity || y.kind == Kind::kInfinity) {
    if (x.kind == Kind::kZero || y.kind == Kind::kZero) return invalid<F>(flags);
    return signed_infinity<F>(sign);
  }
  if (x.kind == Kind::kZero || y.kind == Kind::kZero) return signed_zero<F>(sign);

  uint64_t product;
  const int32_t shift = narrow_jam(static_cast<u128>(x.sig) * y.sig, product);
  return round_pack<F>(sign, x.exp + y.exp + shift, product, rm, flags);
}

template <class F>
uint64_t div(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  Unpacked x = unpack<F>(a);
  Unpacked y = unpack<F>(b);
  if (x.kind == Kind::kNaN || y.kind == Kind::kNaN) return nan_result<F>(x, y, flags);
  const bool sign = x.sign != y.sign;
  if (x.kind == Kind::kInfinity) {
    if (y.kind == Kind::kInfinity) return invalid<F>(flags);
    return signed_infinity<F>(sign);
  }
  if (y.kind == Kind::kInfinity) return signed_zero<F>(sign);
  if (y.kind == Kind::kZero) {
    if (x.kind == Kind::kZero) return invalid<F>(flags);
    flags |= kFlagDZ;
    return signed_infinity<F>(sign);
  }
  if (x.kind == Kind::kZero) return signed_zero<F>(sign);

  // With both significands normalized the ratio lies in (1/2, 2), so scaling the dividend by
  // 2^62 yields a quotient of 62-63 bits: far more than the 53 + guard bits rounding needs.
  constexpr int kScale = 62;
  normalize_to(x, F::kFracBits);
  normalize_to(y, F::kFracBits);
  const u128 dividend = static_cast<u128>(x.sig) << kScale;
  uint64_t quotient = static_cast<uint64_t>(dividend / y.sig);
  if (dividend % y.sig != 0) quotient |= 1;
  return round_pack<F>(sign, x.exp - y.exp - kScale, quotient, rm, flags);
}

// Integer square root of a 128-bit radicand, one result bit per step (restoring method).
uint64_t integer_sqrt(u128 radicand, bool& exact) {
  u128 remainder = 0;
  u128 root = 0;
  for (int pair = 63; pair >= 0; --pair) {
    remainder = (remainder << 2) | ((radicand >> (2 * pair)) & 3);
    root <<= 1;
    const u128 trial = (root << 1) | 1;  // (2r+1)^2 - (2r)^2 in units of the new digit
    if (remainder >= trial) {
      remainder -= trial;
      root |= 1;
    }
  }
  exact = remainder == 0;
  return static_cast<uint64_t>(root);
}

template <class F>
uint64_t sqrt(uint64_t a, uint32_t rm, uint32_t& flags) {
  Unpacked x = unpack<F>(a);
  if (x.kind == Kind::kNaN) return nan_result<F>(x, x, flags);
  if (x.kind == Kind::kZero) return a;  // sqrt(-0) = -0
  if (x.sign) return invalid<F>(flags);
  if (x.kind == Kind::kInfinity) return a;

  // Halving the exponent needs it even; the radicand then spans 126-127 bits so the root
  // has 63-64 bits, and a nonzero remainder becomes the sticky bit.
  normalize_to(x, 62);
  if (x.exp & 1) {
    x.sig <<= 1;
    x.exp -= 1;
  }
  bool exact;
  uint64_t root = integer_sqrt(static_cast<u128>(x.sig) << 64, exact);
  if (!exact) root |= 1;
  return round_pack<F>(false, (x.exp - 64) / 2, root, rm, flags);
}

template <class F>
uint64_t mul_add(uint64_t a, uint64_t b, uint64_t c, bool negate_product, bool negate_addend,
                 uint32_t rm, uint32_t& flags) {
  Unpacked x = unpack<F>(a);
  const Unpacked y = unpack<F>(b);
  Unpacked z = unpack<F>(c);
  x.sign ^= negate_product;
  z.sign ^= negate_addend;

  const bool product_invalid = (x.kind == Kind::kInfinity && y.kind == Kind::kZero) ||
                               (x.kind == Kind::kZero && y.kind == Kind::kInfinity);
  if (x.kind == Kind::kNaN || y.kind == Kind::kNaN || z.kind == Kind::kNaN) {
    // RISC-V requires NV for inf*0 even when the addend is a quiet NaN.
    if (x.signaling || y.signaling || z.signaling || product_invalid) flags |= kFlagNV;
    return F::kCanonicalNaN;
  }
  if (product_invalid) return invalid<F>(flags);
  const bool product_sign = x.sign != y.sign;
  if (x.kind == Kind::kInfinity || y.kind == Kind::kInfinity) {
    if (z.kind == Kind::kInfinity && z.sign != product_sign) return invalid<F>(flags);
    return signed_infinity<F>(product_sign);
  }
  if (z.kind == Kind::kInfinity) return signed_infinity<F>(z.sign);
  if (x.kind == Kind::kZero || y.kind == Kind::kZero) {
    if (z.kind == Kind::kZero) {
      return product_sign == z.sign ? signed_zero<F>(z.sign) : exact_zero_sum<F>(rm);
    }
    return c ^ (negate_addend ? F::kSignMask : 0);
  }

  u128 product = static_cast<u128>(x.sig) * y.sig;
  int32_t product_exp = x.exp + y.exp;
  if (z.kind == Kind::kZero) {
    uint64_t narrow;
    product_exp += narrow_jam(product, narrow);
    return round_pack<F>(product_sign, product_exp, narrow, rm, flags);
  }

  // Same scheme as add(), in 128 bits: both leading ones on bit 125, the smaller operand
  // jammed into alignment. The exact product has at most 106 bits, so the larger operand
  // always keeps zero guard bits at the bottom.
  constexpr int kLead = 125;
  const int product_shift = kLead + 1 - bit_width(product);
  product <<= product_shift;
  product_exp -= product_shift;
  const int addend_shift = kLead - (63 - std::countl_zero(z.sig));
  u128 addend = static_cast<u128>(z.sig) << addend_shift;
  int32_t addend_exp = z.exp - addend_shift;

  bool sign = product_sign;
  int32_t exp = product_exp;
  u128 sum;
  if (product_exp >= addend_exp) {
    addend = shift_right_jam(addend, product_exp - addend_exp);
  } else {
    product = shift_right_jam(product, addend_exp - product_exp);
    exp = addend_exp;
  }
  if (product_sign == z.sign) {
    sum = product + addend;
  } else if (product == addend) {
    return exact_zero_sum<F>(rm);
  } else if (product > addend) {
    sum = product - addend;
  } else {
    sum = addend - product;
    sign = z.sign;
  }
  uint64_t narrow;
  exp += narrow_jam(sum, narrow);
  return round_pack<F>(sign, exp, narrow, rm, flags);
}

}  // namespace

uint32_t f32_add(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(add<F32>(a, b, rm, flags));
}
uint32_t f32_sub(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(add<F32>(a, b ^ F32::kSignMask, rm, flags));
}
uint32_t f32_mul(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(mul<F32>(a, b, rm, flags));
}
uint32_t f32_div(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(div<F32>(a, b, rm, flags));
}
uint32_t f32_sqrt(uint32_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(sqrt<F32>(a, rm, flags));
}
uint64_t f64_add(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  return add<F64>(a, b, rm, flags);
}
uint64_t f64_sub(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  return add<F64>(a, b ^ F64::kSignMask, rm, flags);
}
uint64_t f64_mul(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  return mul<F64>(a, b, rm, flags);
}
uint64_t f64_div(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags) {
  return div<F64>(a, b, rm, flags);
}
uint64_t f64_sqrt(uint64_t a, uint32_t rm, uint32_t& flags) {
  return sqrt<F64>(a, rm, flags);
}

uint32_t f32_fmadd(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(mul_add<F32>(a, b, c, false, false, rm, flags));
}
uint32_t f32_fmsub(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(mul_add<F32>(a, b, c, false, true, rm, flags));
}
uint32_t f32_fnmsub(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(mul_add<F32>(a, b, c, true, false, rm, flags));
}
uint32_t f32_fnmadd(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(mul_add<F32>(a, b, c, true, true, rm, flags));
}
uint64_t f64_fmadd(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags) {
  return mul_add<F64>(a, b, c, false, false, rm, flags);
}
uint64_t f64_fmsub(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags) {
  return mul_add<F64>(a, b, c, false, true, rm, flags);
}
uint64_t f64_fnmsub(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags) {
  return mul_add<F64>(a, b, c, true, false, rm, flags);
}
uint64_t f64_fnmadd(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags) {
  return mul_add<F64>(a, b, c, true, true, rm, flags);
}

}  // namespace rwd::fpu
