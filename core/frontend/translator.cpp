#include "frontend/translator.h"

#include <array>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

#include "cpu/register_names.h"
#include "fpu/riscv_fp.h"
#include "frontend/disas_context.h"
#include "frontend/system_helpers.h"

namespace rwd {

using namespace frontend;

// The generated decoders and the trans_* functions they call share this translation unit, as
// the generated code declares them static.
#include "decode-insn16.inc"
#include "decode-insn32.inc"
#include "frontend/trans_rvi.inc"
#include "frontend/trans_rvm.inc"
#include "frontend/trans_rva.inc"
#include "frontend/trans_rvf.inc"
#include "frontend/trans_system.inc"

void add_register_globals(ir::Builder& b) {
  for (int r = 1; r < 32; ++r) {
    b.global(ir::ValType::kI64, int64_t(offsetof(CpuState, x) + 8 * r), kGprAbiNames[r]);
  }
  for (int r = 0; r < 32; ++r) {
    b.global(ir::ValType::kI64, int64_t(offsetof(CpuState, f) + 8 * r), kFprAbiNames[r]);
  }
}

namespace {

template <typename... Args>
void* helper_address(uint64_t (*fn)(CpuState*, Args...)) {
  return reinterpret_cast<void*>(fn);
}

}  // namespace

Translator::Translator() {
  using ir::HelperInfo;
  ids_.raise = helpers_.add({"raise", helper_address(&helper_raise), 2, false,
                             ir::HF_CAN_RAISE | ir::HF_NO_RETURN | ir::HF_ENV_STATE});
  ids_.csr = helpers_.add({"csr", helper_address(&helper_csr), 4, true,
                           ir::HF_CAN_RAISE | ir::HF_ENV_STATE | ir::HF_READS_ICOUNT});
  ids_.check_frm = helpers_.add({"check_frm", helper_address(&helper_check_frm), 1, false,
                                 ir::HF_CAN_RAISE | ir::HF_ENV_STATE});
  ids_.fence_i =
      helpers_.add({"fence_i", helper_address(&helper_fence_i), 0, false, ir::HF_ENV_STATE});
  ids_.trap_return = helpers_.add({"trap_return", helper_address(&helper_trap_return), 2, true,
                                   ir::HF_CAN_RAISE | ir::HF_ENV_STATE});
  ids_.wfi = helpers_.add(
      {"wfi", helper_address(&helper_wfi), 1, false, ir::HF_CAN_RAISE | ir::HF_ENV_STATE});
  ids_.sfence_vma = helpers_.add({"sfence_vma", helper_address(&helper_sfence_vma), 3, false,
                                  ir::HF_CAN_RAISE | ir::HF_ENV_STATE});
  ids_.mark_fp_dirty = helpers_.add(
      {"mark_fp_dirty", helper_address(&helper_mark_fp_dirty), 0, false, ir::HF_ENV_STATE});
  ids_.debug_breakpoint =
      helpers_.add({"debug_breakpoint", helper_address(&helper_debug_breakpoint), 1, false,
                    ir::HF_CAN_RAISE | ir::HF_ENV_STATE});

  std::unordered_map<std::string_view, const fpu::FpHelper*> fp_by_name;
  for (const fpu::FpHelper& h : fpu::fp_helper_table()) fp_by_name[h.name] = &h;
  auto add_fp = [&](std::string_view short_name) {
    auto it = fp_by_name.find("fp_" + std::string(short_name));
    // The two lists are both compiled in; a missing name is a build mistake, caught at start-up.
    if (it == fp_by_name.end()) std::abort();
    const fpu::FpHelper& h = *it->second;
    // FP helpers read frm and accumulate fflags but never touch registers or raise.
    return helpers_.add({h.name, h.fn, h.n_in, true, ir::HF_ENV_STATE});
  };
#define REWIND_RESOLVE_FP_ID(name) ids_.name = add_fp(#name);
  REWIND_FP_HELPERS(REWIND_RESOLVE_FP_ID)
#undef REWIND_RESOLVE_FP_ID
}

namespace {

// Instructions that touch FP state (RV64FD and the compressed FP loads and stores): their
// major opcodes, so mstatus.FS can be applied to all of them in one place.
bool is_fp_instruction(uint32_t insn, bool compressed) {
  if (compressed) {
    const uint32_t quadrant = insn & 3, funct3 = (insn >> 13) & 7;
    // C.FLD, C.FSD (quadrant 0) and C.FLDSP, C.FSDSP (quadrant 2).
    return (quadrant == 0 || quadrant == 2) && (funct3 == 1 || funct3 == 5);
  }
  switch (insn & 0x7f) {
    case 0x07:  // LOAD-FP
    case 0x27:  // STORE-FP
    case 0x43:  // MADD
    case 0x47:  // MSUB
    case 0x4b:  // NMSUB
    case 0x4f:  // NMADD
    case 0x53:  // OP-FP
      return true;
    default:
      return false;
  }
}

}  // namespace

TranslateResult Translator::translate(GuestMemory& memory, uint64_t pc, uint32_t max_insns,
                                      uint32_t flags) const {
  TranslateResult result;
  auto block = std::make_unique<ir::Block>();
  block->pc = pc;
  block->flags = flags;
  ir::Builder b(*block);
  add_register_globals(b);
  DisasContext ctx{b, ids_, helpers_};
  ctx.flags = flags;
  const bool system = code_flags::system(flags);
  const uint64_t page_end = (pc | 0xfff) + 1;
  ctx.pc = pc;
  for (;;) {
    // A debugger breakpoint is always the first instruction of its block, so the check in
    // front of it runs exactly when execution gets there, however the block was entered.
    const bool at_breakpoint = system && memory.debugger_breakpoint_at(ctx.pc);
    if (at_breakpoint && block->n_insns > 0) {
      b.goto_tb(0, ctx.pc);
      break;
    }
    uint16_t low = 0, high = 0;
    bool fetched = memory.fetch16(ctx.pc, &low);
    const bool compressed = (low & 3) != 3;
    if (fetched && !compressed && system && ctx.pc + 2 == page_end && block->n_insns > 0) {
      // The next page may be mapped differently each time this block runs: leave the
      // instruction that crosses into it to a block of its own.
      b.goto_tb(0, ctx.pc);
      break;
    }
    if (fetched && !compressed) fetched = memory.fetch16(ctx.pc + 2, &high);
    if (!fetched) {
      if (block->n_insns == 0) {
        result.fetch_fault_addr = memory.fetch16(ctx.pc, &low) ? ctx.pc + 2 : ctx.pc;
        return result;
      }
      // Let the next block start at the unfetchable instruction so it faults there, precisely.
      b.goto_tb(0, ctx.pc);
      break;
    }
    ctx.insn = compressed ? low : (uint32_t(high) << 16 | low);
    ctx.next_pc = ctx.pc + (compressed ? 2 : 4);
    b.insn_start(ctx.pc);
    if (at_breakpoint) call(&ctx, ids_.debug_breakpoint, ir::Builder::kNoTemp, {imm(&ctx, ctx.pc)});
    bool legal = true;
    if (system && is_fp_instruction(ctx.insn, compressed)) {
      // mstatus.FS: Off makes every FP instruction illegal; otherwise the first one in the
      // block marks the state Dirty (conservatively, even if it only reads FP registers).
      if (code_flags::fs(flags) == 0) {
        legal = false;
      } else if (code_flags::fs(flags) != 3 && !ctx.fp_dirtied) {
        call(&ctx, ids_.mark_fp_dirty, ir::Builder::kNoTemp, {});
        ctx.fp_dirtied = true;
      }
    }
    if (legal) legal = compressed ? decode_insn16(&ctx, low) : decode_insn32(&ctx, ctx.insn);
    if (!legal) raise(&ctx, Cause::kIllegalInsn, ctx.insn);
    block->size_bytes = uint32_t(ctx.next_pc - pc);
    if (ctx.block_ended) break;
    ctx.pc = ctx.next_pc;
    if (block->n_insns >= max_insns || ctx.pc >= page_end || ctx.end_after) {
      b.goto_tb(0, ctx.pc);
      break;
    }
  }
  result.block = std::move(block);
  return result;
}

}  // namespace rwd
