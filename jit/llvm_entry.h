// The bridge from template-tier code to a block's LLVM code. Template code enters a block with
// rbp = CpuState, r15 = linear memory base, r14 = budget left and rsp on its frame; the stub
// stores the count, calls the LLVM function (an ordinary C-ABI function), reloads the budget,
// and continues the way a template block's goto_ptr does: an inline lookup of cpu.pc, or back
// to the dispatcher. It also counts the call and the instructions it retired (LLVM code it
// chained to included) in *counters: statistics, and the measure of whether a region pays for
// its entries (JitEngine::review_regions).
#pragma once

#include <cstdint>

#include "jit/block_compiler.h"
#include "jit/code_buffer.h"

namespace rwd::jit {

struct EntryCounters {
  uint64_t insns = 0;    // guest instructions retired by calls that returned to the stub
  uint64_t entries = 0;  // calls through the stub
};

// Returns the stub's entry, or null if the buffer has no room for it.
const uint8_t* emit_llvm_entry(CodeBuffer& buffer, const CompileEnv& env, const void* llvm_code,
                               uint32_t block_flags, EntryCounters* counters);

}  // namespace rwd::jit
