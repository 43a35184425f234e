// The bridge from template-tier code to a block's LLVM code. Template code enters a block with
// rbp = CpuState, r15 = linear memory base, r14 = budget left and rsp on its frame; the stub
// stores the count, calls the LLVM function (an ordinary C-ABI function), reloads the budget,
// and continues the way a template block's goto_ptr does: an inline lookup of cpu.pc, or back
// to the dispatcher. It also adds the instructions the call retired to *insn_counter
// (statistics: the share of guest instructions run in LLVM code).
#pragma once

#include <cstdint>

#include "jit/block_compiler.h"
#include "jit/code_buffer.h"

namespace rwd::jit {

// Returns the stub's entry, or null if the buffer has no room for it.
const uint8_t* emit_llvm_entry(CodeBuffer& buffer, const CompileEnv& env, const void* llvm_code,
                               uint32_t block_flags, uint64_t* insn_counter);

}  // namespace rwd::jit
