// Helpers that translated code calls for RISC-V F/D instructions.
//
// Every helper has the uniform shape `uint64_t fp_NAME(CpuState*, uint64_t...)` (up to four
// inputs) so all execution tiers can call them the same way:
//  * FP inputs/outputs are raw 64-bit FP register values. Single-precision inputs are
//    NaN-unboxed (anything whose upper 32 bits are not all ones reads as the canonical NaN)
//    and single-precision results are NaN-boxed.
//  * Integer inputs are raw x-register values (W/WU forms use the low 32 bits); integer
//    results are what the x register receives (W/WU results are sign-extended from 32 bits).
//  * `rm` is the instruction's rm field; 7 (DYN) selects cpu->frm, which the frontend has
//    already validated. Exception flags are OR-ed into cpu->fflags.
//  * Results and flags are always exactly soft-float's; where that is provable in advance a
//    helper computes them with one host SSE/FMA instruction instead (host_fast_path.h).
#pragma once

#include <cstdint>
#include <span>

#include "cpu/cpu_state.h"

namespace rwd::fpu {

// One entry of the helper table: `fn` points at a helper taking (CpuState*, n_in x uint64_t).
struct FpHelper {
  const char* name;
  void* fn;
  uint8_t n_in;
};

// All helpers below, for registration in the IR helper table. Immutable.
std::span<const FpHelper> fp_helper_table();

// The same helpers (same names, order and inputs) without the host-FPU fast path: every result
// and flag comes from soft-float. The exact reference the fast path is tested against.
std::span<const FpHelper> fp_soft_helper_table();

// Declarations, spelled out so the signatures are greppable. Inputs in order:
//   binary arithmetic: (a, b, rm); fsqrt: (a, rm); fused: (a, b, c, rm);
//   fsgnj*/fmin/fmax/feq/flt/fle: (a, b); fclass: (a);
//   fcvt from float: (a, rm); fcvt from integer: (x, rm).
uint64_t fp_fadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fmul_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fdiv_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fsqrt_s(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fmadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fmsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fnmsub_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fnmadd_s(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fsgnj_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fsgnjn_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fsgnjx_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fmin_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fmax_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_feq_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_flt_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fle_s(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fclass_s(CpuState* cpu, uint64_t a);
uint64_t fp_fcvt_w_s(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_wu_s(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_l_s(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_lu_s(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_s_w(CpuState* cpu, uint64_t x, uint64_t rm);
uint64_t fp_fcvt_s_wu(CpuState* cpu, uint64_t x, uint64_t rm);
uint64_t fp_fcvt_s_l(CpuState* cpu, uint64_t x, uint64_t rm);
uint64_t fp_fcvt_s_lu(CpuState* cpu, uint64_t x, uint64_t rm);

uint64_t fp_fadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fmul_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fdiv_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t rm);
uint64_t fp_fsqrt_d(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fmadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fmsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fnmsub_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fnmadd_d(CpuState* cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm);
uint64_t fp_fsgnj_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fsgnjn_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fsgnjx_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fmin_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fmax_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_feq_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_flt_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fle_d(CpuState* cpu, uint64_t a, uint64_t b);
uint64_t fp_fclass_d(CpuState* cpu, uint64_t a);
uint64_t fp_fcvt_w_d(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_wu_d(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_l_d(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_lu_d(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_d_w(CpuState* cpu, uint64_t x, uint64_t rm);
uint64_t fp_fcvt_d_wu(CpuState* cpu, uint64_t x, uint64_t rm);
uint64_t fp_fcvt_d_l(CpuState* cpu, uint64_t x, uint64_t rm);
uint64_t fp_fcvt_d_lu(CpuState* cpu, uint64_t x, uint64_t rm);

uint64_t fp_fcvt_s_d(CpuState* cpu, uint64_t a, uint64_t rm);
uint64_t fp_fcvt_d_s(CpuState* cpu, uint64_t a, uint64_t rm);  // exact; rm is ignored

// NaN-boxing as the F extension defines it on 64-bit FP registers.
constexpr uint64_t kNanBoxMask = 0xffffffff00000000;
constexpr uint32_t unbox_f32(uint64_t reg) {
  return (reg & kNanBoxMask) == kNanBoxMask ? static_cast<uint32_t>(reg) : 0x7fc00000;
}
constexpr uint64_t box_f32(uint32_t value) {
  return kNanBoxMask | value;
}

}  // namespace rwd::fpu
