// Ids of the helpers the frontend emits calls to, resolved once per Translator.
#pragma once

#include "ir/helpers.h"

namespace rwd {

// Every floating-point helper exported by core/fpu (fp_<name>), by name.
#define REWIND_FP_HELPERS(X)                                                                    \
  X(fadd_s) X(fsub_s) X(fmul_s) X(fdiv_s) X(fsqrt_s) X(fmadd_s) X(fmsub_s) X(fnmsub_s)         \
  X(fnmadd_s) X(fsgnj_s) X(fsgnjn_s) X(fsgnjx_s) X(fmin_s) X(fmax_s) X(feq_s) X(flt_s)         \
  X(fle_s) X(fclass_s) X(fcvt_w_s) X(fcvt_wu_s) X(fcvt_l_s) X(fcvt_lu_s) X(fcvt_s_w)           \
  X(fcvt_s_wu) X(fcvt_s_l) X(fcvt_s_lu)                                                         \
  X(fadd_d) X(fsub_d) X(fmul_d) X(fdiv_d) X(fsqrt_d) X(fmadd_d) X(fmsub_d) X(fnmsub_d)         \
  X(fnmadd_d) X(fsgnj_d) X(fsgnjn_d) X(fsgnjx_d) X(fmin_d) X(fmax_d) X(feq_d) X(flt_d)         \
  X(fle_d) X(fclass_d) X(fcvt_w_d) X(fcvt_wu_d) X(fcvt_l_d) X(fcvt_lu_d) X(fcvt_d_w)           \
  X(fcvt_d_wu) X(fcvt_d_l) X(fcvt_d_lu) X(fcvt_s_d) X(fcvt_d_s)

struct HelperIds {
  ir::HelperId raise;      // (cause, tval): raises a guest exception, never returns
  ir::HelperId csr;        // (csr, value, op, insn) -> old value
  ir::HelperId check_frm;  // (insn): illegal instruction unless frm holds a valid mode
  ir::HelperId fence_i;    // (): asks the execution loop to drop translated code
  // System mode only.
  ir::HelperId trap_return;    // (from_machine, insn) -> pc: mret/sret
  ir::HelperId wfi;            // (insn)
  ir::HelperId sfence_vma;     // (vaddr, all_addresses, insn)
  ir::HelperId mark_fp_dirty;  // (): mstatus.FS = Dirty
  ir::HelperId debug_breakpoint;  // (pc): stops the run at a debugger breakpoint
#define REWIND_DECLARE_FP_ID(name) ir::HelperId name;
  REWIND_FP_HELPERS(REWIND_DECLARE_FP_ID)
#undef REWIND_DECLARE_FP_ID
};

// Operations of the csr helper.
enum CsrOp : uint64_t { kCsrWrite = 0, kCsrSet = 1, kCsrClear = 2, kCsrRead = 3 };

}  // namespace rwd
