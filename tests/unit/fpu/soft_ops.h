// The softfloat API grouped per format, so format-generic tests can name "the f32 add" as
// SoftOps<T32>::add.
#pragma once

#include "fp_test_support.h"
#include "fpu/softfloat.h"

namespace rwd::fpu::testing {

template <class F>
struct SoftOps;

template <>
struct SoftOps<T32> {
  static constexpr auto add = f32_add;
  static constexpr auto sub = f32_sub;
  static constexpr auto mul = f32_mul;
  static constexpr auto div = f32_div;
  static constexpr auto sqrt = f32_sqrt;
  static constexpr auto fmadd = f32_fmadd;
  static constexpr auto fmsub = f32_fmsub;
  static constexpr auto fnmsub = f32_fnmsub;
  static constexpr auto fnmadd = f32_fnmadd;
  static constexpr auto min = f32_min;
  static constexpr auto max = f32_max;
  static constexpr auto eq = f32_eq;
  static constexpr auto lt = f32_lt;
  static constexpr auto le = f32_le;
  static constexpr auto classify = f32_classify;
  static constexpr auto to_i32 = f32_to_i32;
  static constexpr auto to_u32 = f32_to_u32;
  static constexpr auto to_i64 = f32_to_i64;
  static constexpr auto to_u64 = f32_to_u64;
  static constexpr auto from_i32 = i32_to_f32;
  static constexpr auto from_u32 = u32_to_f32;
  static constexpr auto from_i64 = i64_to_f32;
  static constexpr auto from_u64 = u64_to_f32;
};

template <>
struct SoftOps<T64> {
  static constexpr auto add = f64_add;
  static constexpr auto sub = f64_sub;
  static constexpr auto mul = f64_mul;
  static constexpr auto div = f64_div;
  static constexpr auto sqrt = f64_sqrt;
  static constexpr auto fmadd = f64_fmadd;
  static constexpr auto fmsub = f64_fmsub;
  static constexpr auto fnmsub = f64_fnmsub;
  static constexpr auto fnmadd = f64_fnmadd;
  static constexpr auto min = f64_min;
  static constexpr auto max = f64_max;
  static constexpr auto eq = f64_eq;
  static constexpr auto lt = f64_lt;
  static constexpr auto le = f64_le;
  static constexpr auto classify = f64_classify;
  static constexpr auto to_i32 = f64_to_i32;
  static constexpr auto to_u32 = f64_to_u32;
  static constexpr auto to_i64 = f64_to_i64;
  static constexpr auto to_u64 = f64_to_u64;
  static constexpr auto from_i32 = i32_to_f64;
  static constexpr auto from_u32 = u32_to_f64;
  static constexpr auto from_i64 = i64_to_f64;
  static constexpr auto from_u64 = u64_to_f64;
};

}  // namespace rwd::fpu::testing
