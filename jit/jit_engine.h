// The template-JIT tier: IR blocks compiled to x86-64, linked to each other, run until an
// exception or an exact instruction count.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "exec/block_cache.h"
#include "exec/engine.h"
#include "frontend/translator.h"
#include "jit/block_compiler.h"
#include "jit/code_buffer.h"
#include "jit/jit_block.h"

namespace rwd::jit {

struct JitStats {
  uint64_t blocks_compiled = 0;
  uint64_t guest_insns_compiled = 0;
  uint64_t host_bytes = 0;
  uint64_t dispatcher_entries = 0;  // times translated code was entered from the dispatcher
  uint64_t links = 0;               // direct jumps patched between blocks
  uint64_t flushes = 0;             // whole code-cache flushes (buffer full, fence.i)
  double compile_seconds = 0;       // translate + compile, host time (bookkeeping only)
};

class JitEngine final : public ExecutionEngine {
 public:
  static constexpr size_t kDefaultCodeCacheBytes = size_t{64} << 20;

  explicit JitEngine(const BlockSource& source, size_t code_cache_bytes = kDefaultCodeCacheBytes);
  ~JitEngine() override;

  StopInfo run(CpuState& cpu) override;
  void invalidate(uint64_t start, uint64_t len) override;
  void invalidate_pc_range(uint64_t start, uint64_t len) override;

  const JitStats& stats() const { return stats_; }
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
  void restore_after_exception(CpuState& cpu);
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
  JitStats stats_;
  bool dump_ir_ = false;
  std::FILE* perf_map_ = nullptr;
};

}  // namespace rwd::jit
