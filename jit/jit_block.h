// What the template JIT keeps for each translated block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rwd::jit {

struct JitBlock;

// A `goto_tb` exit: a `jmp rel32` (or, for a branch fused with its exits, a `jcc rel32`) that
// first leads to a stub returning to the dispatcher, and that the dispatcher re-points
// straight at the next block once it knows it.
struct ChainSite {
  uint8_t* jump = nullptr;   // the jump instruction
  uint8_t* rel32 = nullptr;  // its displacement field (the instruction ends 4 bytes later)
  uint8_t* stub = nullptr;   // its original target
  uint64_t target_pc = 0;
  JitBlock* owner = nullptr;
  JitBlock* linked_to = nullptr;
};

// Where a fault inside translated code happened: the instruction's pc, and how many of the
// instructions counted at block entry did not retire.
struct InsnToken {
  uint64_t pc;
  uint32_t unretired;
};

// A guest register whose current value is only in a host register: x86 register number, and
// the CpuState offset it belongs at.
struct LiveGlobal {
  uint8_t host_reg;
  int32_t offset;
  bool operator==(const LiveGlobal&) const = default;
};

struct FaultSite {
  uint32_t host_offset;   // of the access instruction, from the block's entry
  uint32_t token;         // the guest instruction (see InsnToken)
  uint32_t first_global;  // fault_globals[first_global, +n_globals) are not in CpuState yet
  uint32_t n_globals;
};

struct JitBlock {
  // First member on purpose: translated code jumps through [block + 0] after an inline lookup.
  // Where chained jumps and lookups enter: the template code, or once the hot tier has
  // compiled the block, a stub that calls its LLVM code.
  const uint8_t* entry = nullptr;
  const uint8_t* template_entry = nullptr;  // the template code (fault sites are relative to it)
  // Its LLVM code once installed, which other LLVM code tail-calls when it chains here.
  const void* llvm_code = nullptr;
  uint64_t pc = 0;
  // Auto tier: counted down by the template code at every entry (and self-loop iteration); at
  // zero it returns to the dispatcher, which queues the block for LLVM.
  int32_t hot_countdown = 0;
  enum class Hot : uint8_t { kCold, kQueued, kInstalled, kFailed };
  Hot hot = Hot::kCold;
  uint64_t llvm_job = 0;  // the compile job for this block, once queued
  uint64_t ir_hash = 0;   // of the IR it was compiled from (LLVM tiers: catches stale code)
  uint32_t n_insns = 0;
  uint32_t size_bytes = 0;
  uint32_t host_bytes = 0;
  bool cacheable = true;  // false for blocks shortened to stop at an exact count
  // Inline guest accesses that may fault. A host fault there is mapped back to its instruction
  // through this table, and the guest registers that only lived in host registers are copied
  // from the host context, instead of storing them all before every access.
  std::vector<FaultSite> fault_sites;
  std::vector<LiveGlobal> fault_globals;  // the FaultSite ranges index this
  // Auto tier: where the template code counts hot_countdown down (offsets from template_entry,
  // each kHeatCountBytes long). Once the block's tier is settled they are patched into jumps
  // over themselves, so its hot code stops paying for counting (JitEngine::stop_counting).
  std::vector<uint32_t> heat_counts;
  std::vector<ChainSite*> outgoing;
  std::vector<ChainSite*> incoming;  // sites of other blocks linked to this one
};

static_assert(offsetof(JitBlock, entry) == 0);

}  // namespace rwd::jit
