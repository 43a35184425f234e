// Internal building blocks shared by the softfloat implementation files: format descriptions,
// unpacking of encodings into exact (significand, exponent) pairs, and the single rounding
// routine every inexact operation funnels through. Not part of the public API.
//
// Every finite value is handled as sig * 2^exp with an integer significand, so arithmetic is
// exact integer arithmetic until round_pack() rounds once. Bits that are shifted out are
// "jammed" into the lowest bit (sticky), which preserves everything rounding needs to know.
#pragma once

#include <bit>
#include <cstdint>

#include "cpu/cpu_state.h"

namespace rwd::fpu::detail {

template <int ExpBits, int FracBits>
struct Format {
  static constexpr int kExpBits = ExpBits;
  static constexpr int kFracBits = FracBits;
  static constexpr int kPrecision = FracBits + 1;  // significand bits including the hidden one
  static constexpr int kBias = (1 << (ExpBits - 1)) - 1;
  static constexpr int kMinExp = 1 - kBias;  // exponent of the smallest normal
  static constexpr int kMaxExp = kBias;      // exponent of the largest finite
  static constexpr uint64_t kSignMask = uint64_t{1} << (ExpBits + FracBits);
  static constexpr uint64_t kFracMask = (uint64_t{1} << FracBits) - 1;
  static constexpr uint64_t kExpField = (uint64_t{1} << ExpBits) - 1;
  static constexpr uint64_t kInfinity = kExpField << FracBits;
  static constexpr uint64_t kMaxFinite = kInfinity - 1;
  static constexpr uint64_t kQuietBit = uint64_t{1} << (FracBits - 1);
  static constexpr uint64_t kCanonicalNaN = kInfinity | kQuietBit;
};

using F32 = Format<8, 23>;
using F64 = Format<11, 52>;

enum class Kind { kZero, kFinite, kInfinity, kNaN };

// A decoded operand. For kFinite, value = (-1)^sign * sig * 2^exp with sig != 0; sig is not
// necessarily normalized (subnormals keep their natural width).
struct Unpacked {
  Kind kind;
  bool sign;
  bool signaling;  // meaningful only for kNaN
  int32_t exp;
  uint64_t sig;
};

template <class F>
constexpr bool is_nan(uint64_t bits) {
  return (bits & ~F::kSignMask) > F::kInfinity;
}

template <class F>
constexpr bool is_signaling_nan(uint64_t bits) {
  return is_nan<F>(bits) && !(bits & F::kQuietBit);
}

template <class F>
constexpr Unpacked unpack(uint64_t bits) {
  const bool sign = (bits & F::kSignMask) != 0;
  const uint64_t exp_field = (bits >> F::kFracBits) & F::kExpField;
  const uint64_t frac = bits & F::kFracMask;
  if (exp_field == F::kExpField) {
    if (frac == 0) return {Kind::kInfinity, sign, false, 0, 0};
    return {Kind::kNaN, sign, (frac & F::kQuietBit) == 0, 0, 0};
  }
  if (exp_field == 0) {
    if (frac == 0) return {Kind::kZero, sign, false, 0, 0};
    return {Kind::kFinite, sign, false, F::kMinExp - F::kFracBits, frac};
  }
  return {Kind::kFinite, sign, false, static_cast<int32_t>(exp_field) - F::kBias - F::kFracBits,
          frac | (uint64_t{1} << F::kFracBits)};
}

// Shifts the significand left so its leading one lands on bit `msb`, adjusting exp to keep the
// value. Requires sig != 0 and a current leading bit at or below `msb`.
inline void normalize_to(Unpacked& value, int msb) {
  const int shift = msb - (63 - std::countl_zero(value.sig));
  value.sig <<= shift;
  value.exp -= shift;
}

// Right shift that ORs every bit shifted out into bit 0, so "inexact" survives the shift.
inline uint64_t shift_right_jam(uint64_t value, int32_t shift) {
  if (shift <= 0) return value;
  if (shift >= 64) return value != 0;
  return (value >> shift) | ((value & ((uint64_t{1} << shift) - 1)) != 0);
}

inline unsigned __int128 shift_right_jam(unsigned __int128 value, int32_t shift) {
  if (shift <= 0) return value;
  if (shift >= 128) return value != 0;
  const unsigned __int128 lost = value & ((static_cast<unsigned __int128>(1) << shift) - 1);
  return (value >> shift) | static_cast<unsigned __int128>(lost != 0);
}

// Narrows an exact 128-bit significand to at most 63 bits with the dropped bits jammed,
// returning the exponent adjustment.
inline int32_t narrow_jam(unsigned __int128 wide, uint64_t& narrow) {
  const int32_t width = 128 - (static_cast<uint64_t>(wide >> 64) != 0
                                   ? std::countl_zero(static_cast<uint64_t>(wide >> 64))
                                   : 64 + std::countl_zero(static_cast<uint64_t>(wide)));
  const int32_t shift = width > 63 ? width - 63 : 0;
  narrow = static_cast<uint64_t>(shift_right_jam(wide, shift));
  return shift;
}

struct Rounded {
  uint64_t value;
  bool inexact;
};

// Divides sig by 2^shift and rounds the quotient to an integer in mode rm (sign is the sign
// of the number, needed by the directed modes). shift may be any non-negative amount.
inline Rounded round_shift(uint64_t sig, int32_t shift, bool sign, uint32_t rm) {
  if (shift <= 0) return {sig, false};
  uint64_t quotient;
  uint64_t remainder;
  uint64_t half;  // meaningful only when shift <= 64
  bool below_half;
  bool exactly_half;
  if (shift > 64) {
    quotient = 0;
    remainder = sig;
    below_half = true;  // sig < 2^64 <= 2^(shift-1)
    exactly_half = false;
  } else {
    quotient = shift == 64 ? 0 : sig >> shift;
    remainder = shift == 64 ? sig : sig & ((uint64_t{1} << shift) - 1);
    half = uint64_t{1} << (shift - 1);
    below_half = remainder < half;
    exactly_half = remainder == half;
  }
  if (remainder == 0) return {quotient, false};
  bool round_up = false;
  switch (rm) {
    case kRoundNearestEven:
      round_up = !below_half && (!exactly_half || (quotient & 1));
      break;
    case kRoundTowardZero:
      break;
    case kRoundDown:
      round_up = sign;
      break;
    case kRoundUp:
      round_up = !sign;
      break;
    case kRoundNearestMax:
    default:
      round_up = !below_half;
      break;
  }
  return {quotient + round_up, true};
}

template <class F>
constexpr uint64_t overflow_result(bool sign, uint32_t rm) {
  // Directed modes never round past the largest finite toward the far infinity.
  const bool to_infinity = rm == kRoundNearestEven || rm == kRoundNearestMax ||
                           (rm == kRoundDown && sign) || (rm == kRoundUp && !sign);
  return (sign ? F::kSignMask : 0) | (to_infinity ? F::kInfinity : F::kMaxFinite);
}

// Rounds (-1)^sign * sig * 2^exp (sig != 0, exact or with sticky bit 0) to format F, raising
// NX/UF/OF. Tininess is detected after rounding: the value is tiny if rounding it to full
// precision with an unbounded exponent range would still give a magnitude below 2^kMinExp.
template <class F>
uint64_t round_pack(bool sign, int32_t exp, uint64_t sig, uint32_t rm, uint32_t& flags) {
  const int32_t msb = 63 - std::countl_zero(sig);
  const int32_t lead_exp = exp + msb;  // exponent of the leading one

  bool tiny = lead_exp < F::kMinExp;
  if (lead_exp == F::kMinExp - 1) {
    const Rounded unbounded = round_shift(sig, msb - (F::kPrecision - 1), sign, rm);
    if (unbounded.value >> F::kPrecision) tiny = false;  // carried up to exactly 2^kMinExp
  }

  const int32_t result_exp = lead_exp < F::kMinExp ? F::kMinExp : lead_exp;
  if (result_exp > F::kMaxExp) {
    flags |= kFlagOF | kFlagNX;
    return overflow_result<F>(sign, rm);
  }
  const int32_t lsb_exp = result_exp - F::kFracBits;
  uint64_t significand;
  bool inexact = false;
  if (lsb_exp <= exp) {
    significand = sig << (exp - lsb_exp);
  } else {
    const Rounded rounded = round_shift(sig, lsb_exp - exp, sign, rm);
    significand = rounded.value;
    inexact = rounded.inexact;
  }
  // Adding the significand (hidden bit included) to (biased exponent - 1) lets a rounding
  // carry bump the exponent, and turns a subnormal that rounded up into the smallest normal.
  const uint64_t magnitude =
      (static_cast<uint64_t>(result_exp + F::kBias - 1) << F::kFracBits) + significand;
  if (magnitude >= F::kInfinity) {
    flags |= kFlagOF | kFlagNX;
    return overflow_result<F>(sign, rm);
  }
  if (inexact) {
    flags |= kFlagNX;
    if (tiny) flags |= kFlagUF;
  }
  return (sign ? F::kSignMask : 0) | magnitude;
}

}  // namespace rwd::fpu::detail
