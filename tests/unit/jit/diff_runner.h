// Runs one random program (random_block.h) from one random initial state through the
// interpreter and the JIT, and reports every difference in the final CpuState and memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpu/guest_memory.h"
#include "exec/engine.h"
#include "jit/jit_engine.h"
#include "jit/llvm/llvm_compiler.h"
#include "random_block.h"

namespace rwd::jit_test {

// The scratch area both tiers load from and store to, behind one of two GuestMemory kinds.
class ScratchMemory {
 public:
  virtual ~ScratchMemory() = default;
  virtual GuestMemory& memory() = 0;
  virtual void fill(const std::vector<uint8_t>& bytes) = 0;  // kScratchBytes bytes
  virtual std::vector<uint8_t> contents() = 0;
};
// FlatMemory: no linear base, so the JIT calls out for every access.
std::unique_ptr<ScratchMemory> make_flat_scratch();
// UserMemory: linear, so the JIT accesses memory inline and host faults become guest faults.
// The scratch area is the only mapping; everything around it is unmapped.
std::unique_ptr<ScratchMemory> make_linear_scratch();

// How much instruction budget a run gets.
enum class Budget {
  kGenerous,  // several times the block's length: loops end by exception or at the limit
  kShort,     // at most the block's length: the first entry already needs a shortened block
};

struct DiffCase {
  uint64_t seed = 0;
  Budget budget = Budget::kGenerous;
  GenOptions options;
  jit::Tier tier = jit::Tier::kTemplate;  // the JIT side's tier
  uint32_t hot_threshold = 1;             // auto tier
  // Auto tier: run once with the LLVM thread paused (so compiles are queued), drop every
  // translation while they are in flight, let them finish, and compare a second run.
  bool flush_mid_compile = false;
  // Auto tier: run once, wait for every compile that run queued and swap it in, and compare
  // a second run from the same initial state (so the LLVM code certainly runs).
  bool rerun_after_compiles = false;
};

struct DiffResult {
  bool equal = true;
  std::string report;  // differences, the initial budget and the block's IR when not equal
  StopInfo interp_stop{StopReason::kIcountLimit};  // how the reference run ended
  jit::JitStats jit_stats;                          // of the JIT side's engine
};

// Runs the case on fresh engines; `interp_memory` and `jit_memory` are refilled first.
DiffResult run_differential(const DiffCase& c, ScratchMemory& interp_memory,
                            ScratchMemory& jit_memory);

// Seeds to run: [first, first + count), or only REWIND_JIT_DIFF_SEED when set.
// REWIND_JIT_DIFF_FIRST and REWIND_JIT_DIFF_COUNT override the defaults.
struct SeedRange {
  uint64_t first;
  uint64_t count;
};
SeedRange seed_range(uint64_t default_first, uint64_t default_count);

}  // namespace rwd::jit_test
