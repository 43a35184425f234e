// Lowers one IR block to x86-64 with xbyak. Every IR op has one lowering ("template"), grouped
// by op class (block_compiler.cpp: control flow, memory, calls; lower_alu.cpp: arithmetic).
// A small allocator caches temps in host registers within the block.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "ir/helpers.h"
#include "ir/ir.h"
#include "jit/code_buffer.h"
#include "jit/jit_block.h"

namespace rwd::jit {

// What compiled code needs to know about the engine it runs in.
struct CompileEnv {
  const ir::HelperTable* helpers = nullptr;
  const uint8_t* epilogue = nullptr;  // leave translated code, returning rax to the dispatcher
  const void* fast_table = nullptr;   // BlockCache<JitBlock>::fast_table()
  uint64_t fast_entries = 0;
  // System mode, where a pc alone does not name a block: blocks reached by goto_ptr or by a
  // goto_tb into another page are looked up in this table of JumpCacheEntry, which the
  // dispatcher fills and empties whenever translations or code change.
  const void* jump_cache = nullptr;
  // Linear guest memory (user mode): guest address a is at host r15 + a for a < 2^linear_bits.
  bool linear_memory = false;
  int linear_bits = 0;
  // System mode: guest accesses probe CpuState::tlb inline (the TLB of the block's
  // code_flags::tlb_mode) and call load_fn/store_fn on a miss, which fill it and return.
  bool tlb = false;
  // Out-of-line accesses: fn(CpuState*, addr, memop) -> value / fn(cpu, addr, value, memop).
  const void* load_fn = nullptr;
  const void* store_fn = nullptr;
  // Allocates a token naming (pc, instructions not retired) for fault recovery.
  std::function<uint32_t(uint64_t pc, uint32_t unretired)> new_token;
  std::deque<ChainSite>* sites = nullptr;
  // Auto tier: count entries and self-loop iterations down in JitBlock::hot_countdown.
  bool count_heat = false;
};

struct JumpCacheEntry {
  uint64_t pc = 0;
  uint64_t flags = 0;  // code_flags; never 0 for a filled entry (system mode)
  const void* block = nullptr;  // JitBlock*, whose first member is its entry point
  uint64_t unused = 0;
};
inline constexpr unsigned kJumpCacheEntries = 4096;
inline constexpr unsigned jump_cache_index(uint64_t pc) {
  return unsigned(pc >> 1) & (kJumpCacheEntries - 1);
}

// Stack frame of translated code, set up once by the entry trampoline.
constexpr int kSpillSlots = 4096;
constexpr int kFrameBytes = 8 + 8 * kSpillSlots;  // keeps rsp 16-byte aligned at calls

// The auto tier's count of block entries: movabs rax, &hot_countdown (10 bytes); sub dword
// [rax], 1 (3); jz rel32 (6). JitEngine::stop_counting overwrites its start with a jump over it.
constexpr uint32_t kHeatCountBytes = 19;

enum class CompileStatus { kOk, kBufferFull, kTooManyLocals };

CompileStatus compile_block(const ir::Block& block, CodeBuffer& buffer, const CompileEnv& env,
                            JitBlock& out);

}  // namespace rwd::jit
