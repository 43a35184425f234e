// Host-independent IEEE-754 binary32/binary64 arithmetic with RISC-V semantics.
//
// Everything here is pure integer arithmetic on raw encodings, so results and flags are
// bit-identical on every host and never depend on the host FPU's rounding mode or status.
// Conventions shared by every function:
//  * `rm` is a resolved RISC-V rounding mode, 0..4 (RNE, RTZ, RDN, RUP, RMM; see RoundingMode).
//  * Exception flags are OR-ed into `flags` using the fflags bits (FpFlag).
//  * Tininess is detected after rounding; UF is raised only for tiny *and* inexact results.
//  * Every NaN result is the canonical NaN; signaling-NaN operands raise NV.
#pragma once

#include <cstdint>

namespace rwd::fpu {

inline constexpr uint32_t kCanonicalNaN32 = 0x7fc00000;
inline constexpr uint64_t kCanonicalNaN64 = 0x7ff8000000000000;

// fclass result bits (one is set for every input).
enum FpClass : uint32_t {
  kClassNegInfinity = 1 << 0,
  kClassNegNormal = 1 << 1,
  kClassNegSubnormal = 1 << 2,
  kClassNegZero = 1 << 3,
  kClassPosZero = 1 << 4,
  kClassPosSubnormal = 1 << 5,
  kClassPosNormal = 1 << 6,
  kClassPosInfinity = 1 << 7,
  kClassSignalingNaN = 1 << 8,
  kClassQuietNaN = 1 << 9,
};

// --- Arithmetic (softfloat_arith.cpp) ---
uint32_t f32_add(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags);
uint32_t f32_sub(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags);
uint32_t f32_mul(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags);
uint32_t f32_div(uint32_t a, uint32_t b, uint32_t rm, uint32_t& flags);
uint32_t f32_sqrt(uint32_t a, uint32_t rm, uint32_t& flags);
uint64_t f64_add(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags);
uint64_t f64_sub(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags);
uint64_t f64_mul(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags);
uint64_t f64_div(uint64_t a, uint64_t b, uint32_t rm, uint32_t& flags);
uint64_t f64_sqrt(uint64_t a, uint32_t rm, uint32_t& flags);

// Fused multiply-add with a single rounding, in the four RISC-V sign variants:
// fmadd = a*b+c, fmsub = a*b-c, fnmsub = -(a*b)+c, fnmadd = -(a*b)-c.
// inf*0 raises NV even when c is a quiet NaN.
uint32_t f32_fmadd(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags);
uint32_t f32_fmsub(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags);
uint32_t f32_fnmsub(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags);
uint32_t f32_fnmadd(uint32_t a, uint32_t b, uint32_t c, uint32_t rm, uint32_t& flags);
uint64_t f64_fmadd(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags);
uint64_t f64_fmsub(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags);
uint64_t f64_fnmsub(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags);
uint64_t f64_fnmadd(uint64_t a, uint64_t b, uint64_t c, uint32_t rm, uint32_t& flags);

// --- Comparison and classification (softfloat_compare.cpp) ---
// min/max are IEEE 754-2019 minimumNumber/maximumNumber: a single NaN operand yields the other
// operand, two NaNs yield the canonical NaN, any sNaN raises NV, and -0 orders below +0.
uint32_t f32_min(uint32_t a, uint32_t b, uint32_t& flags);
uint32_t f32_max(uint32_t a, uint32_t b, uint32_t& flags);
uint64_t f64_min(uint64_t a, uint64_t b, uint32_t& flags);
uint64_t f64_max(uint64_t a, uint64_t b, uint32_t& flags);
// eq is quiet (NV only for sNaN); lt/le are signaling (NV for any NaN). NaN compares false.
bool f32_eq(uint32_t a, uint32_t b, uint32_t& flags);
bool f32_lt(uint32_t a, uint32_t b, uint32_t& flags);
bool f32_le(uint32_t a, uint32_t b, uint32_t& flags);
bool f64_eq(uint64_t a, uint64_t b, uint32_t& flags);
bool f64_lt(uint64_t a, uint64_t b, uint32_t& flags);
bool f64_le(uint64_t a, uint64_t b, uint32_t& flags);
// Returns exactly one FpClass bit.
uint32_t f32_classify(uint32_t a);
uint32_t f64_classify(uint64_t a);

// --- Conversions (softfloat_convert.cpp) ---
uint64_t f32_to_f64(uint32_t a, uint32_t& flags);  // always exact apart from NaNs
uint32_t f64_to_f32(uint64_t a, uint32_t rm, uint32_t& flags);

// Float to integer with RISC-V saturation: the value is rounded in rm first; a NaN gives the
// largest positive integer, a rounded value outside the range gives the nearest bound, and both
// raise NV (and not NX). Otherwise NX is raised when rounding changed the value. A negative
// value that rounds to zero is a valid unsigned result.
int32_t f32_to_i32(uint32_t a, uint32_t rm, uint32_t& flags);
uint32_t f32_to_u32(uint32_t a, uint32_t rm, uint32_t& flags);
int64_t f32_to_i64(uint32_t a, uint32_t rm, uint32_t& flags);
uint64_t f32_to_u64(uint32_t a, uint32_t rm, uint32_t& flags);
int32_t f64_to_i32(uint64_t a, uint32_t rm, uint32_t& flags);
uint32_t f64_to_u32(uint64_t a, uint32_t rm, uint32_t& flags);
int64_t f64_to_i64(uint64_t a, uint32_t rm, uint32_t& flags);
uint64_t f64_to_u64(uint64_t a, uint32_t rm, uint32_t& flags);

// Integer to float, rounded in rm (only NX can be raised). Zero converts to +0.
uint32_t i32_to_f32(int32_t x, uint32_t rm, uint32_t& flags);
uint32_t u32_to_f32(uint32_t x, uint32_t rm, uint32_t& flags);
uint32_t i64_to_f32(int64_t x, uint32_t rm, uint32_t& flags);
uint32_t u64_to_f32(uint64_t x, uint32_t rm, uint32_t& flags);
uint64_t i32_to_f64(int32_t x, uint32_t rm, uint32_t& flags);
uint64_t u32_to_f64(uint32_t x, uint32_t rm, uint32_t& flags);
uint64_t i64_to_f64(int64_t x, uint32_t rm, uint32_t& flags);
uint64_t u64_to_f64(uint64_t x, uint32_t rm, uint32_t& flags);

}  // namespace rwd::fpu
