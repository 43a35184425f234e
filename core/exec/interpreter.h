// The reference tier: executes IR blocks op by op. Slow but simple, and the behaviour every
// other tier is tested against.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "exec/block_cache.h"
#include "exec/engine.h"
#include "frontend/translator.h"

namespace rwd {

struct InterpreterStats {
  uint64_t blocks_translated = 0;
  uint64_t guest_insns_translated = 0;
  uint64_t blocks_executed = 0;
};

class Interpreter final : public ExecutionEngine {
 public:
  explicit Interpreter(const BlockSource& source);
  ~Interpreter() override;

  StopInfo run(CpuState& cpu) override;
  void invalidate(uint64_t start, uint64_t len) override;
  void invalidate_pc_range(uint64_t start, uint64_t len) override;

  const InterpreterStats& stats() const { return stats_; }
  // When set, the IR of every newly translated block is written to stderr.
  void set_dump_ir(bool on) { dump_ir_ = on; }

  struct CompiledBlock;  // IR plus the operand layout the interpreter runs it with

 private:
  CompiledBlock* block_for(CpuState& cpu, uint64_t max_insns);
  std::unique_ptr<CompiledBlock> compile(GuestMemory& memory, uint64_t pc, uint32_t max_insns,
                                         uint32_t flags, uint64_t* fetch_fault);
  void execute(const CompiledBlock& block, CpuState& cpu);

  const BlockSource& source_;
  BlockCache<CompiledBlock> cache_;
  BlockCache<CompiledBlock> single_cache_;  // blocks cut to one instruction by a count limit
  // A block shortened to stop at an exact instruction count; used once, never cached.
  std::unique_ptr<CompiledBlock> short_block_;
  // The block now executing, for restoring pc and icount after an exception.
  const CompiledBlock* current_ = nullptr;
  std::vector<uint64_t> locals_;
  InterpreterStats stats_;
  bool dump_ir_ = false;
};

}  // namespace rwd
