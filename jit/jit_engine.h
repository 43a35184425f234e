// The template-JIT tier: IR blocks compiled to x86-64, linked to each other, run until an
// exception or an exact instruction count.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/block_cache.h"
#include "exec/engine.h"
#include "frontend/translator.h"
#include "jit/block_compiler.h"
#include "jit/code_buffer.h"
#include "jit/jit_block.h"
#include "jit/llvm_entry.h"

namespace rwd::jit {

namespace llvm_tier {
class LlvmCompiler;
struct CompileResult;
}

// Which code runs guest blocks.
enum class Tier {
  kTemplate,  // template code only (--tier=jit)
  kLlvm,      // every cached block compiled by LLVM before it first runs (--tier=llvm)
  kAuto,      // template code, and LLVM code in the background for hot blocks (--tier=auto)
};

struct JitOptions {
  size_t code_cache_bytes = size_t{64} << 20;
  Tier tier = Tier::kTemplate;
  // Auto tier: entries (or self-loop iterations) after which a block is queued for LLVM.
  uint32_t hot_threshold = 4000;
  int llvm_opt_level = 2;
  // Most of the run's wall time the background thread may spend compiling, in percent (1-100).
  uint32_t llvm_compile_share = 10;
};

struct JitStats {
  uint64_t blocks_compiled = 0;
  uint64_t guest_insns_compiled = 0;
  uint64_t host_bytes = 0;
  uint64_t dispatcher_entries = 0;  // times translated code was entered from the dispatcher
  uint64_t links = 0;               // direct jumps patched between blocks
  uint64_t flushes = 0;             // whole code-cache flushes (buffer full, fence.i)
  double compile_seconds = 0;       // translate + compile, host time (bookkeeping only)
  // The LLVM tier (auto and llvm).
  uint64_t llvm_queued = 0;      // blocks submitted for LLVM compilation
  uint64_t llvm_region_blocks = 0;  // blocks in their regions, the queued blocks included
  uint64_t llvm_installed = 0;   // blocks whose LLVM code was swapped in
  uint64_t llvm_discarded = 0;   // results for blocks dropped (invalidated, flushed) meanwhile
  uint64_t llvm_failed = 0;      // blocks LLVM could not compile (they keep template code)
  uint64_t llvm_reexecutions = 0;  // host faults in LLVM code replayed by the template tier
  uint64_t llvm_short_entries = 0;  // regions sent back to template code by review_regions
  uint64_t llvm_guest_insns = 0;   // guest instructions retired in LLVM code
  double llvm_compile_seconds = 0;      // background thread time, host time
  double llvm_max_compile_seconds = 0;  // the slowest single block
  double llvm_latency_seconds = 0;      // sum over installed blocks: queued -> swapped in
};

// "jit" (template), "llvm" or "auto"; false for anything else.
bool parse_tier(const std::string& name, Tier* tier);
// The --stats text for an engine that retired `retired` instructions: lines after the first
// start with `prefix`; no final newline.
std::string describe_stats(const JitStats& s, Tier tier, uint64_t retired,
                           const std::string& prefix);

class JitEngine final : public ExecutionEngine {
 public:
  static constexpr size_t kDefaultCodeCacheBytes = size_t{64} << 20;

  explicit JitEngine(const BlockSource& source, size_t code_cache_bytes = kDefaultCodeCacheBytes);
  JitEngine(const BlockSource& source, const JitOptions& options);
  ~JitEngine() override;

  StopInfo run(CpuState& cpu) override;
  void invalidate(uint64_t start, uint64_t len) override;
  void invalidate_pc_range(uint64_t start, uint64_t len) override;

  const JitStats& stats() const;
  Tier tier() const { return options_.tier; }
  // Tests: the LLVM compiler (null for the template tier), to pause its thread.
  llvm_tier::LlvmCompiler* llvm_compiler() { return llvm_.get(); }
  // Waits until every queued LLVM compile is finished and swaps the results in (tests).
  void drain_llvm();
  void set_dump_ir(bool on) { dump_ir_ = on; }
  // Describe every compiled block to Linux perf ("START SIZE guest:PC" lines, the format of
  // /tmp/perf-PID.map), so profiles of translated code name the guest code they ran.
  void set_perf_map(std::FILE* out) { perf_map_ = out; }

 private:
  using EnterFn = ChainSite* (*)(CpuState* cpu, const uint8_t* code, uint8_t* memory_base);

  void emit_trampolines();
  void flush();
  JitBlock* block_for(CpuState& cpu, uint64_t max_insns);
  std::unique_ptr<JitBlock> compile(CpuState& cpu, uint64_t pc, uint32_t max_insns,
                                    uint32_t flags);
  void link(ChainSite& site, JitBlock& target);
  void unlink_incoming(JitBlock& block);
  // Returns true when the exception is to be re-executed by template code (a host fault in
  // LLVM code, whose state was restored to a restart point), false when it is final.
  bool restore_after_exception(CpuState& cpu);
  StopInfo dispatch(CpuState& cpu);
  void drop_block(JitBlock& block);

  // ---- The LLVM tier (jit_engine_hot.cpp) ----
  // A queued block returns to the dispatcher after this many more entries to see whether its
  // code is ready (more than one: a block must run between two returns).
  static constexpr int32_t kHotRecheckEntries = 65536;
  // A region: a hot block and the blocks that run with it, compiled as one LLVM function.
  static constexpr size_t kMaxRegionBlocks = 4;
  static constexpr uint32_t kMaxRegionInsns = 64;
  struct Region {  // what a fault in a region's LLVM code needs to know
    // Per region instruction (the entry block's first): its pc, and how many instructions of
    // its block were counted in at the block's start and have not retired when it starts.
    std::vector<uint64_t> insn_pcs;
    std::vector<uint32_t> unretired;
    EntryCounters counters;  // kept by its entry stub once installed
    bool reviewed = false;   // judged by review_regions (kept: it pays for its entries)
  };
  // An installed region is judged after this many entries from its stub: unless they retired
  // kMinInsnsPerEntry instructions each on average, it goes back to template code.
  static constexpr uint64_t kReviewEntries = 20000;
  static constexpr uint64_t kMinInsnsPerEntry = 200;
  void review_regions();
  static void add_member(Region& region, const ir::Block& member);
  std::vector<JitBlock*> region_members(JitBlock& entry) const;
  void drop_regions_through(JitBlock& member);
  // The block's IR translated again, if it still hashes as its template code's did.
  std::optional<ir::Block> translate_unchanged(CpuState& cpu, const JitBlock& block,
                                               uint32_t flags);
  static void keep_template_code(JitBlock& block);  // never queue it (again)
  static void stop_counting(JitBlock& block);
  void queue_hot(CpuState& cpu, JitBlock& block, uint32_t flags, bool wait);
  void install_finished();
  void accept(const llvm_tier::CompileResult& result);  // a pending job's result
  void install(JitBlock& block, const void* code, uint32_t flags);
  void uninstall(uint64_t job);  // the block runs its template code again
  void repoint_incoming(JitBlock& block, const uint8_t* target);
  void release_dropped();
  JitBlock* reexecution_block(CpuState& cpu);
  void index_code(JitBlock& block);
  void unindex_code(const JitBlock& block);

  const BlockSource& source_;
  CodeBuffer buffer_;
  size_t trampoline_bytes_ = 0;
  EnterFn enter_ = nullptr;
  const uint8_t* epilogue_ = nullptr;

  BlockCache<JitBlock> cache_;
  BlockCache<JitBlock> single_cache_;  // blocks cut to one instruction by a count limit
  // System mode: virtual pc + modes -> block, valid while no mapping or code changed.
  std::vector<JumpCacheEntry> jump_cache_;
  uint64_t jump_cache_generation_ = 0;
  void clear_jump_cache();
  std::unique_ptr<JitBlock> short_block_;
  std::deque<ChainSite> sites_;
  std::vector<InsnToken> tokens_;  // index 0: "no instruction" (fault outside a block)
  std::map<const uint8_t*, JitBlock*> code_index_;  // block entry -> block, for host faults
  CompileEnv env_;
  const GuestMemory* env_memory_ = nullptr;  // the memory env_ was set up for
  mutable JitStats stats_;
  JitOptions options_;
  std::unique_ptr<llvm_tier::LlvmCompiler> llvm_;
  uint64_t next_job_ = 1;
  struct Pending {
    JitBlock* block;
    uint32_t flags;
    double queued_at;
  };
  std::unordered_map<uint64_t, Pending> pending_;    // job -> block waiting for its code
  std::unordered_map<uint64_t, Region> regions_;     // job -> block facts, queued or installed
  std::unordered_map<uint64_t, JitBlock*> installed_;  // job -> block running its code
  std::unordered_multimap<const JitBlock*, uint64_t> region_members_;  // non-entry member -> job
  std::vector<uint64_t> dropped_jobs_;  // code to free once no translated code is running
  uint64_t active_region_ = 0;          // set by LLVM code on entry: the job it came from
  uint64_t llvm_insns_released_ = 0;    // counted by the stubs of regions since freed
  uint32_t reexecute_insns_ = 0;        // > 0: run this many instructions as template code
  bool dump_ir_ = false;
  std::FILE* perf_map_ = nullptr;
};

}  // namespace rwd::jit
