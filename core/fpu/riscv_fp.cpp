// RISC-V F/D instruction semantics on top of softfloat: rounding-mode resolution, NaN-boxing,
// result widening and flag accrual into CpuState. Every helper that rounds, compares or converts
// first tries the host-FPU fast path (host_fast_path.h), which answers only when its result and
// flags are provably those of soft-float; otherwise the exact soft-float version runs.
#include "fpu/riscv_fp.h"

#include <optional>

#include "fpu/host_fast_path.h"
#include "fpu/softfloat.h"

namespace rwd::fpu {
namespace {

constexpr uint32_t kSignBit32 = 0x80000000;
constexpr uint64_t kSignBit64 = 0x8000000000000000;

uint32_t resolve_rm(const CpuState* cpu, uint64_t rm) {
  return rm == kRoundDynamic ? cpu->frm : static_cast<uint32_t>(rm);
}

using host_fast::sign_extend_32;

using F32Binary = uint32_t (*)(uint32_t, uint32_t, uint32_t, uint32_t&);
using F64Binary = uint64_t (*)(uint64_t, uint64_t, uint32_t, uint32_t&);
using F32Ternary = uint32_t (*)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t&);
using F64Ternary = uint64_t (*)(uint64_t, uint64_t, uint64_t, uint32_t, uint32_t&);

template <F32Binary Op>
uint64_t binary_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return box_f32(Op(unbox_f32(a), unbox_f32(b), resolve_rm(cpu, rm), cpu->fflags));
}

template <F64Binary Op>
uint64_t binary_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return Op(a, b, resolve_rm(cpu, rm), cpu->fflags);
}

template <F32Ternary Op>
uint64_t ternary_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return box_f32(Op(unbox_f32(a), unbox_f32(b), unbox_f32(c), resolve_rm(cpu, rm), cpu->fflags));
}

template <F64Ternary Op>
uint64_t ternary_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return Op(a, b, c, resolve_rm(cpu, rm), cpu->fflags);
}

}  // namespace

// --- Helpers that neither round nor compare: pure bit manipulation, no fast path needed ---
uint64_t fp_fsgnj_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return box_f32((unbox_f32(a) & ~kSignBit32) | (unbox_f32(b) & kSignBit32));
}
uint64_t fp_fsgnjn_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return box_f32((unbox_f32(a) & ~kSignBit32) | (~unbox_f32(b) & kSignBit32));
}
uint64_t fp_fsgnjx_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return box_f32(unbox_f32(a) ^ (unbox_f32(b) & kSignBit32));
}
uint64_t fp_fclass_s(CpuState* cpu, uint64_t a) {
  return f32_classify(unbox_f32(a));
}
uint64_t fp_fsgnj_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return (a & ~kSignBit64) | (b & kSignBit64);
}
uint64_t fp_fsgnjn_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return (a & ~kSignBit64) | (~b & kSignBit64);
}
uint64_t fp_fsgnjx_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return a ^ (b & kSignBit64);
}
uint64_t fp_fclass_d(CpuState* cpu, uint64_t a) {
  return f64_classify(a);
}

namespace {

// --- The exact soft-float helpers: the reference, and the fallback of every fast path ---
namespace soft {

uint64_t fp_fadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_s<f32_add>(cpu, a, b, rm);
}
uint64_t fp_fsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_s<f32_sub>(cpu, a, b, rm);
}
uint64_t fp_fmul_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_s<f32_mul>(cpu, a, b, rm);
}
uint64_t fp_fdiv_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_s<f32_div>(cpu, a, b, rm);
}
uint64_t fp_fsqrt_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return box_f32(f32_sqrt(unbox_f32(a), resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fmadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_s<f32_fmadd>(cpu, a, b, c, rm);
}
uint64_t fp_fmsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_s<f32_fmsub>(cpu, a, b, c, rm);
}
uint64_t fp_fnmsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_s<f32_fnmsub>(cpu, a, b, c, rm);
}
uint64_t fp_fnmadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_s<f32_fnmadd>(cpu, a, b, c, rm);
}
uint64_t fp_fmin_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return box_f32(f32_min(unbox_f32(a), unbox_f32(b), cpu->fflags));
}
uint64_t fp_fmax_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return box_f32(f32_max(unbox_f32(a), unbox_f32(b), cpu->fflags));
}
uint64_t fp_feq_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return f32_eq(unbox_f32(a), unbox_f32(b), cpu->fflags);
}
uint64_t fp_flt_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return f32_lt(unbox_f32(a), unbox_f32(b), cpu->fflags);
}
uint64_t fp_fle_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return f32_le(unbox_f32(a), unbox_f32(b), cpu->fflags);
}
uint64_t fp_fcvt_w_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return sign_extend_32(
      static_cast<uint32_t>(f32_to_i32(unbox_f32(a), resolve_rm(cpu, rm), cpu->fflags)));
}
uint64_t fp_fcvt_wu_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return sign_extend_32(f32_to_u32(unbox_f32(a), resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_l_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return static_cast<uint64_t>(f32_to_i64(unbox_f32(a), resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_lu_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return f32_to_u64(unbox_f32(a), resolve_rm(cpu, rm), cpu->fflags);
}
uint64_t fp_fcvt_s_w(CpuState* cpu, uint64_t x, uint64_t rm) {
  return box_f32(i32_to_f32(static_cast<int32_t>(x), resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_s_wu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return box_f32(u32_to_f32(static_cast<uint32_t>(x), resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_s_l(CpuState* cpu, uint64_t x, uint64_t rm) {
  return box_f32(i64_to_f32(static_cast<int64_t>(x), resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_s_lu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return box_f32(u64_to_f32(x, resolve_rm(cpu, rm), cpu->fflags));
}

uint64_t fp_fadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_d<f64_add>(cpu, a, b, rm);
}
uint64_t fp_fsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_d<f64_sub>(cpu, a, b, rm);
}
uint64_t fp_fmul_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_d<f64_mul>(cpu, a, b, rm);
}
uint64_t fp_fdiv_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return binary_d<f64_div>(cpu, a, b, rm);
}
uint64_t fp_fsqrt_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return f64_sqrt(a, resolve_rm(cpu, rm), cpu->fflags);
}
uint64_t fp_fmadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_d<f64_fmadd>(cpu, a, b, c, rm);
}
uint64_t fp_fmsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_d<f64_fmsub>(cpu, a, b, c, rm);
}
uint64_t fp_fnmsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_d<f64_fnmsub>(cpu, a, b, c, rm);
}
uint64_t fp_fnmadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return ternary_d<f64_fnmadd>(cpu, a, b, c, rm);
}
uint64_t fp_fmin_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return f64_min(a, b, cpu->fflags);
}
uint64_t fp_fmax_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return f64_max(a, b, cpu->fflags);
}
uint64_t fp_feq_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return f64_eq(a, b, cpu->fflags);
}
uint64_t fp_flt_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return f64_lt(a, b, cpu->fflags);
}
uint64_t fp_fle_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return f64_le(a, b, cpu->fflags);
}
uint64_t fp_fcvt_w_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return sign_extend_32(static_cast<uint32_t>(f64_to_i32(a, resolve_rm(cpu, rm), cpu->fflags)));
}
uint64_t fp_fcvt_wu_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return sign_extend_32(f64_to_u32(a, resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_l_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return static_cast<uint64_t>(f64_to_i64(a, resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_lu_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return f64_to_u64(a, resolve_rm(cpu, rm), cpu->fflags);
}
uint64_t fp_fcvt_d_w(CpuState* cpu, uint64_t x, uint64_t rm) {
  return i32_to_f64(static_cast<int32_t>(x), resolve_rm(cpu, rm), cpu->fflags);
}
uint64_t fp_fcvt_d_wu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return u32_to_f64(static_cast<uint32_t>(x), resolve_rm(cpu, rm), cpu->fflags);
}
uint64_t fp_fcvt_d_l(CpuState* cpu, uint64_t x, uint64_t rm) {
  return i64_to_f64(static_cast<int64_t>(x), resolve_rm(cpu, rm), cpu->fflags);
}
uint64_t fp_fcvt_d_lu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return u64_to_f64(x, resolve_rm(cpu, rm), cpu->fflags);
}

uint64_t fp_fcvt_s_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return box_f32(f64_to_f32(a, resolve_rm(cpu, rm), cpu->fflags));
}
uint64_t fp_fcvt_d_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return f32_to_f64(unbox_f32(a), cpu->fflags);
}


// Helpers without a fast path are their own soft-float version.
using fpu::fp_fsgnj_s;
using fpu::fp_fsgnjn_s;
using fpu::fp_fsgnjx_s;
using fpu::fp_fclass_s;
using fpu::fp_fsgnj_d;
using fpu::fp_fsgnjn_d;
using fpu::fp_fsgnjx_d;
using fpu::fp_fclass_d;

}  // namespace soft

// The host fast path when it answers, else soft-float.
template <auto Fast, auto Soft, class... Inputs>
uint64_t fast_or_soft(CpuState* cpu, Inputs... inputs) {
  if (const std::optional<uint64_t> fast = Fast(*cpu, inputs...)) return *fast;
  return Soft(cpu, inputs...);
}

}  // namespace

// --- The helpers: fast path, else soft-float ---
uint64_t fp_fadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fadd_s, soft::fp_fadd_s>(cpu, a, b, rm);
}
uint64_t fp_fsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fsub_s, soft::fp_fsub_s>(cpu, a, b, rm);
}
uint64_t fp_fmul_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fmul_s, soft::fp_fmul_s>(cpu, a, b, rm);
}
uint64_t fp_fdiv_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fdiv_s, soft::fp_fdiv_s>(cpu, a, b, rm);
}
uint64_t fp_fsqrt_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fsqrt_s, soft::fp_fsqrt_s>(cpu, a, rm);
}
uint64_t fp_fmadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fmadd_s, soft::fp_fmadd_s>(cpu, a, b, c, rm);
}
uint64_t fp_fmsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fmsub_s, soft::fp_fmsub_s>(cpu, a, b, c, rm);
}
uint64_t fp_fnmsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fnmsub_s, soft::fp_fnmsub_s>(cpu, a, b, c, rm);
}
uint64_t fp_fnmadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fnmadd_s, soft::fp_fnmadd_s>(cpu, a, b, c, rm);
}
uint64_t fp_fmin_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::fmin_s, soft::fp_fmin_s>(cpu, a, b);
}
uint64_t fp_fmax_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::fmax_s, soft::fp_fmax_s>(cpu, a, b);
}
uint64_t fp_feq_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::feq_s, soft::fp_feq_s>(cpu, a, b);
}
uint64_t fp_flt_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::flt_s, soft::fp_flt_s>(cpu, a, b);
}
uint64_t fp_fle_s(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::fle_s, soft::fp_fle_s>(cpu, a, b);
}
uint64_t fp_fcvt_w_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_w_s, soft::fp_fcvt_w_s>(cpu, a, rm);
}
uint64_t fp_fcvt_wu_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_wu_s, soft::fp_fcvt_wu_s>(cpu, a, rm);
}
uint64_t fp_fcvt_l_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_l_s, soft::fp_fcvt_l_s>(cpu, a, rm);
}
uint64_t fp_fcvt_lu_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_lu_s, soft::fp_fcvt_lu_s>(cpu, a, rm);
}
uint64_t fp_fcvt_s_w(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_s_w, soft::fp_fcvt_s_w>(cpu, x, rm);
}
uint64_t fp_fcvt_s_wu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_s_wu, soft::fp_fcvt_s_wu>(cpu, x, rm);
}
uint64_t fp_fcvt_s_l(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_s_l, soft::fp_fcvt_s_l>(cpu, x, rm);
}
uint64_t fp_fcvt_s_lu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_s_lu, soft::fp_fcvt_s_lu>(cpu, x, rm);
}
uint64_t fp_fadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fadd_d, soft::fp_fadd_d>(cpu, a, b, rm);
}
uint64_t fp_fsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fsub_d, soft::fp_fsub_d>(cpu, a, b, rm);
}
uint64_t fp_fmul_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fmul_d, soft::fp_fmul_d>(cpu, a, b, rm);
}
uint64_t fp_fdiv_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm) {
  return fast_or_soft<host_fast::fdiv_d, soft::fp_fdiv_d>(cpu, a, b, rm);
}
uint64_t fp_fsqrt_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fsqrt_d, soft::fp_fsqrt_d>(cpu, a, rm);
}
uint64_t fp_fmadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fmadd_d, soft::fp_fmadd_d>(cpu, a, b, c, rm);
}
uint64_t fp_fmsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fmsub_d, soft::fp_fmsub_d>(cpu, a, b, c, rm);
}
uint64_t fp_fnmsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fnmsub_d, soft::fp_fnmsub_d>(cpu, a, b, c, rm);
}
uint64_t fp_fnmadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm) {
  return fast_or_soft<host_fast::fnmadd_d, soft::fp_fnmadd_d>(cpu, a, b, c, rm);
}
uint64_t fp_fmin_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::fmin_d, soft::fp_fmin_d>(cpu, a, b);
}
uint64_t fp_fmax_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::fmax_d, soft::fp_fmax_d>(cpu, a, b);
}
uint64_t fp_feq_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::feq_d, soft::fp_feq_d>(cpu, a, b);
}
uint64_t fp_flt_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::flt_d, soft::fp_flt_d>(cpu, a, b);
}
uint64_t fp_fle_d(CpuState* cpu, uint64_t a, uint64_t b) {
  return fast_or_soft<host_fast::fle_d, soft::fp_fle_d>(cpu, a, b);
}
uint64_t fp_fcvt_w_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_w_d, soft::fp_fcvt_w_d>(cpu, a, rm);
}
uint64_t fp_fcvt_wu_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_wu_d, soft::fp_fcvt_wu_d>(cpu, a, rm);
}
uint64_t fp_fcvt_l_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_l_d, soft::fp_fcvt_l_d>(cpu, a, rm);
}
uint64_t fp_fcvt_lu_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_lu_d, soft::fp_fcvt_lu_d>(cpu, a, rm);
}
uint64_t fp_fcvt_d_w(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_d_w, soft::fp_fcvt_d_w>(cpu, x, rm);
}
uint64_t fp_fcvt_d_wu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_d_wu, soft::fp_fcvt_d_wu>(cpu, x, rm);
}
uint64_t fp_fcvt_d_l(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_d_l, soft::fp_fcvt_d_l>(cpu, x, rm);
}
uint64_t fp_fcvt_d_lu(CpuState* cpu, uint64_t x, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_d_lu, soft::fp_fcvt_d_lu>(cpu, x, rm);
}
uint64_t fp_fcvt_s_d(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_s_d, soft::fp_fcvt_s_d>(cpu, a, rm);
}
uint64_t fp_fcvt_d_s(CpuState* cpu, uint64_t a, uint64_t rm) {
  return fast_or_soft<host_fast::fcvt_d_s, soft::fp_fcvt_d_s>(cpu, a, rm);
}

// --- Helper table ---
namespace {

// The input count comes from each helper's own signature so the table cannot drift from it.
template <class... Inputs>
constexpr uint8_t input_count(uint64_t (*)(CpuState*, Inputs...)) {
  static_assert(sizeof...(Inputs) >= 1 && sizeof...(Inputs) <= 4);
  return sizeof...(Inputs);
}

}  // namespace

#define REWIND_FP_HELPERS_FOR(X, P) \
  X(fadd_##P)                       \
  X(fsub_##P)                       \
  X(fmul_##P)                       \
  X(fdiv_##P)                       \
  X(fsqrt_##P)                      \
  X(fmadd_##P)                      \
  X(fmsub_##P)                      \
  X(fnmsub_##P)                     \
  X(fnmadd_##P)                     \
  X(fsgnj_##P)                      \
  X(fsgnjn_##P)                     \
  X(fsgnjx_##P)                     \
  X(fmin_##P)                       \
  X(fmax_##P)                       \
  X(feq_##P)                        \
  X(flt_##P)                        \
  X(fle_##P)                        \
  X(fclass_##P)                     \
  X(fcvt_w_##P)                     \
  X(fcvt_wu_##P)                    \
  X(fcvt_l_##P)                     \
  X(fcvt_lu_##P)                    \
  X(fcvt_##P##_w)                   \
  X(fcvt_##P##_wu)                  \
  X(fcvt_##P##_l)                   \
  X(fcvt_##P##_lu)

#define REWIND_FP_HELPER_ENTRY(name) \
  FpHelper{"fp_" #name, reinterpret_cast<void*>(&fp_##name), input_count(&fp_##name)},
#define REWIND_FP_SOFT_HELPER_ENTRY(name)                                 \
  FpHelper{"fp_" #name, reinterpret_cast<void*>(&soft::fp_##name), \
           input_count(&soft::fp_##name)},

// A function-local constant so callers in other static initializers never see it unbuilt.
std::span<const FpHelper> fp_helper_table() {
  static const FpHelper kHelpers[] = {
      REWIND_FP_HELPERS_FOR(REWIND_FP_HELPER_ENTRY, s)  //
      REWIND_FP_HELPERS_FOR(REWIND_FP_HELPER_ENTRY, d)  //
      REWIND_FP_HELPER_ENTRY(fcvt_s_d)                  //
      REWIND_FP_HELPER_ENTRY(fcvt_d_s)                  //
  };
  return kHelpers;
}

std::span<const FpHelper> fp_soft_helper_table() {
  static const FpHelper kHelpers[] = {
      REWIND_FP_HELPERS_FOR(REWIND_FP_SOFT_HELPER_ENTRY, s)  //
      REWIND_FP_HELPERS_FOR(REWIND_FP_SOFT_HELPER_ENTRY, d)  //
      REWIND_FP_SOFT_HELPER_ENTRY(fcvt_s_d)                  //
      REWIND_FP_SOFT_HELPER_ENTRY(fcvt_d_s)                  //
  };
  return kHelpers;
}

#undef REWIND_FP_SOFT_HELPER_ENTRY
#undef REWIND_FP_HELPER_ENTRY
#undef REWIND_FP_HELPERS_FOR

}  // namespace rwd::fpu
