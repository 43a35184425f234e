// Conversions between the two formats and between floats and integers.
#include "fpu/float_core.h"
#include "fpu/softfloat.h"

namespace rwd::fpu {
namespace {

using detail::F32;
using detail::F64;
using detail::Kind;
using detail::round_pack;
using detail::round_shift;
using detail::unpack;
using detail::Unpacked;

template <class From, class To>
uint64_t convert_format(uint64_t bits, uint32_t rm, uint32_t& flags) {
  const Unpacked value = unpack<From>(bits);
  const uint64_t sign = value.sign ? To::kSignMask : 0;
  switch (value.kind) {
    case Kind::kNaN:
      if (value.signaling) flags |= kFlagNV;
      return To::kCanonicalNaN;
    case Kind::kInfinity:
      return sign | To::kInfinity;
    case Kind::kZero:
      return sign;
    case Kind::kFinite:
      break;
  }
  return round_pack<To>(value.sign, value.exp, value.sig, rm, flags);
}

struct IntRange {
  uint64_t max_positive;      // largest representable value
  uint64_t max_negative_mag;  // magnitude of the most negative representable value
  uint64_t min_bits;          // that most negative value as 64-bit two's complement
};

constexpr IntRange int_range(bool is_signed, int width) {
  if (is_signed) {
    const uint64_t half = uint64_t{1} << (width - 1);
    return {half - 1, half, ~(half - 1)};
  }
  return {width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1, 0, 0};
}

// Returns the converted integer as 64-bit two's complement (signed results sign-extended).
template <class F>
uint64_t to_integer(uint64_t bits, uint32_t rm, bool is_signed, int width, uint32_t& flags) {
  const IntRange range = int_range(is_signed, width);
  const Unpacked value = unpack<F>(bits);
  switch (value.kind) {
    case Kind::kNaN:
      flags |= kFlagNV;
      return range.max_positive;
    case Kind::kInfinity:
      flags |= kFlagNV;
      return value.sign ? range.min_bits : range.max_positive;
    case Kind::kZero:
      return 0;
    case Kind::kFinite:
      break;
  }

  uint64_t magnitude;
  bool inexact = false;
  bool too_large = false;
  if (value.exp >= 0) {
    const int msb = 63 - std::countl_zero(value.sig);
    too_large = msb + value.exp > 63;
    magnitude = too_large ? 0 : value.sig << value.exp;
  } else {
    const detail::Rounded rounded = round_shift(value.sig, -value.exp, value.sign, rm);
    magnitude = rounded.value;
    inexact = rounded.inexact;
  }
  // The range check applies to the rounded value; an out-of-range result reports only NV.
  if (value.sign) {
    if (too_large || magnitude > range.max_negative_mag) {
      flags |= kFlagNV;
      return range.min_bits;
    }
  } else if (too_large || magnitude > range.max_positive) {
    flags |= kFlagNV;
    return range.max_positive;
  }
  if (inexact) flags |= kFlagNX;
  return value.sign ? 0 - magnitude : magnitude;
}

template <class F>
uint64_t from_integer(bool negative, uint64_t magnitude, uint32_t rm, uint32_t& flags) {
  if (magnitude == 0) return 0;
  return round_pack<F>(negative, 0, magnitude, rm, flags);
}

uint64_t magnitude_of(int64_t x) {
  const auto bits = static_cast<uint64_t>(x);
  return x < 0 ? 0 - bits : bits;
}

}  // namespace

uint64_t f32_to_f64(uint32_t a, uint32_t& flags) {
  return convert_format<F32, F64>(a, kRoundNearestEven, flags);
}
uint32_t f64_to_f32(uint64_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(convert_format<F64, F32>(a, rm, flags));
}

int32_t f32_to_i32(uint32_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<int32_t>(to_integer<F32>(a, rm, true, 32, flags));
}
uint32_t f32_to_u32(uint32_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(to_integer<F32>(a, rm, false, 32, flags));
}
int64_t f32_to_i64(uint32_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<int64_t>(to_integer<F32>(a, rm, true, 64, flags));
}
uint64_t f32_to_u64(uint32_t a, uint32_t rm, uint32_t& flags) {
  return to_integer<F32>(a, rm, false, 64, flags);
}
int32_t f64_to_i32(uint64_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<int32_t>(to_integer<F64>(a, rm, true, 32, flags));
}
uint32_t f64_to_u32(uint64_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(to_integer<F64>(a, rm, false, 32, flags));
}
int64_t f64_to_i64(uint64_t a, uint32_t rm, uint32_t& flags) {
  return static_cast<int64_t>(to_integer<F64>(a, rm, true, 64, flags));
}
uint64_t f64_to_u64(uint64_t a, uint32_t rm, uint32_t& flags) {
  return to_integer<F64>(a, rm, false, 64, flags);
}

uint32_t i32_to_f32(int32_t x, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(from_integer<F32>(x < 0, magnitude_of(x), rm, flags));
}
uint32_t u32_to_f32(uint32_t x, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(from_integer<F32>(false, x, rm, flags));
}
uint32_t i64_to_f32(int64_t x, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(from_integer<F32>(x < 0, magnitude_of(x), rm, flags));
}
uint32_t u64_to_f32(uint64_t x, uint32_t rm, uint32_t& flags) {
  return static_cast<uint32_t>(from_integer<F32>(false, x, rm, flags));
}
uint64_t i32_to_f64(int32_t x, uint32_t rm, uint32_t& flags) {
  return from_integer<F64>(x < 0, magnitude_of(x), rm, flags);
}
uint64_t u32_to_f64(uint32_t x, uint32_t rm, uint32_t& flags) {
  return from_integer<F64>(false, x, rm, flags);
}
uint64_t i64_to_f64(int64_t x, uint32_t rm, uint32_t& flags) {
  return from_integer<F64>(x < 0, magnitude_of(x), rm, flags);
}
uint64_t u64_to_f64(uint64_t x, uint32_t rm, uint32_t& flags) {
  return from_integer<F64>(false, x, rm, flags);
}

}  // namespace rwd::fpu
