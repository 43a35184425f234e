// Lowers a region of IR blocks to an LLVM IR function, for the hot tier. The function has the
// shape
//   uint32_t region(CpuState* cpu, uint8_t* linear_memory_base)
// and runs the blocks (branching inside itself when one jumps to the start of another) until
// it leaves: it then has stored every guest register it changed, cpu.icount and cpu.pc, and
// returns an ExitKind. Guest registers and IR locals live in SSA values inside the function;
// CpuState sees them only at exits, before helpers that read or raise, and at restart points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/helpers.h"
#include "ir/ir.h"

namespace llvm {
class Module;
}  // namespace llvm

namespace rwd::jit::llvm_tier {

enum ExitKind : uint32_t {
  kExitChain = 0,         // continue at cpu.pc: the caller may look the next block up itself
  kExitToDispatcher = 1,  // continue at cpu.pc, but through the dispatcher
};

// What LLVM code writes to cpu.insn_index before anything that can leave it abnormally. The low
// bits are the instruction's index k in the block; the engine knows the block (see
// LoweringEnv::active_region) and so its pc and length.
//  * A precise token (no kRestartToken bit) is written right before a helper or slow-path call
//    that may raise: the exception belongs to instruction k, exactly as in the other tiers.
//  * A restart token names a point where CpuState holds the state at the start of instruction
//    k and nothing since has changed memory. A host fault inside an inline guest access
//    (user mode's linear memory) finds one: the engine re-executes from there with the
//    template tier, which reports the fault precisely. So LLVM code need not store registers
//    before every load.
//  * A block with no store and no call has one restart point, at its start, made where it is
//    entered (the function's entry, where the caller left CpuState exact, or a branch from
//    another block of the region): the token then also has kUncountedToken (cpu.icount does
//    not yet include the block). Re-running from there is safe, however many times the block
//    looped since, because nothing changed memory.
inline constexpr uint32_t kLlvmToken = 0x8000'0000u;
inline constexpr uint32_t kRestartToken = 0x4000'0000u;
inline constexpr uint32_t kUncountedToken = 0x2000'0000u;
inline constexpr uint32_t kTokenInsnMask = 0x1fff'ffffu;

struct LoweringEnv {
  const ir::HelperTable* helpers = nullptr;
  // User mode: guest address a < linear_limit is at linear_memory_base + a (host faults there
  // become guest faults); other addresses take the slow path, which always raises.
  bool linear_memory = false;
  uint64_t linear_limit = 0;
  // System mode: accesses probe CpuState::tlb inline and call load_fn/store_fn on a miss.
  bool tlb = false;
  const void* load_fn = nullptr;   // uint64_t fn(CpuState*, addr, memop)
  const void* store_fn = nullptr;  // uint64_t fn(CpuState*, addr, value, memop)
  // Host address of a uint64_t the code sets to `region_tag` on entry, so a fault can be traced
  // back to the block whose token it carries.
  uint64_t* active_region = nullptr;
  uint64_t region_tag = 0;
  // Chaining: at a goto_tb or goto_ptr exit, LLVM code looks the next pc up in the table that
  // template code's goto_ptr uses (user mode: the block cache's fast table, {pc, JitBlock*}
  // entries; system mode: the JumpCacheEntry table, under the block's modes) and, when that
  // block has LLVM code (JitBlock::llvm_code), tail-calls it instead of returning.
  const void* fast_table = nullptr;
  uint64_t fast_entries = 0;
  const void* jump_cache = nullptr;
};

// Adds the function `name` for the region `blocks` to `module` (several regions are compiled
// together). blocks[0] is where the function starts; a goto_tb to the pc of any of the blocks
// is a branch inside the function, so loops over several blocks stay in LLVM code. Returns
// false with *error set, and the module without the function, if a block holds something this
// lowering does not handle.
bool lower_region_into(const std::vector<const ir::Block*>& blocks, const LoweringEnv& env,
                       llvm::Module& module, const std::string& name, std::string* error);

}  // namespace rwd::jit::llvm_tier
