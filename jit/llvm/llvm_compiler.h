// Compiles IR blocks with LLVM (ORC LLJIT, Debian's llvm-19) on a background thread. The
// thread owns every LLVM object: requests go in through a queue, finished code comes out
// through another, and the caller never waits unless it asks to (compile_now).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ir/ir.h"
#include "jit/llvm/lower_to_llvm.h"

namespace rwd::jit::llvm_tier {

struct CompileJob {
  uint64_t id = 0;
  std::vector<ir::Block> blocks;  // the region: blocks[0] is its entry
  LoweringEnv env;
};

struct CompileResult {
  uint64_t id = 0;
  void* code = nullptr;  // uint32_t fn(CpuState*, uint8_t*), or null on failure
  size_t code_bytes = 0;  // the function's machine code, for profiles
  std::string error;
  double seconds = 0;  // its share of its batch's lowering, optimisation and code generation
};

struct CompilerStats {
  uint64_t compiled = 0;
  uint64_t failed = 0;
  uint64_t released = 0;
  double seconds = 0;       // total compile time on the background thread
  double max_seconds = 0;   // the slowest single compile (a whole batch)
};

class LlvmCompiler {
 public:
  // opt_level: 0-3, the LLVM pipeline for both IR optimisation and code generation.
  // compile_share: the most of the wall time since construction the background thread may
  // spend compiling (0-1]; past it, queued jobs wait. compile_now is never held back.
  explicit LlvmCompiler(int opt_level = 2, double compile_share = 1.0);
  ~LlvmCompiler();
  LlvmCompiler(const LlvmCompiler&) = delete;
  LlvmCompiler& operator=(const LlvmCompiler&) = delete;

  // Queues a job for the background thread.
  void submit(CompileJob job);
  // Compiles `job` ahead of everything queued and waits for it.
  CompileResult compile_now(CompileJob job);
  // Finished background jobs since the last call, in completion order.
  std::vector<CompileResult> take_finished();
  // Frees the code of a finished job. The caller guarantees nothing runs it any more.
  void release(uint64_t id);
  // Whether take_finished has something: one atomic load, for the dispatcher's every pass.
  bool has_finished() const { return finished_ready_.load(std::memory_order_acquire); }
  // Jobs submitted and not yet returned by take_finished.
  size_t in_flight() const;
  // Whether the compile share would let a queued job start now: until then, queueing more
  // only costs the caller (translating a region again) for code that is not coming soon.
  bool batch_due() const;
  CompilerStats stats() const;

  // Tests: while paused the thread starts no new job, so requests stay in flight.
  void set_paused(bool paused);

 private:
  struct Impl;
  void worker();
  // Queued jobs compiled together as one module (see Impl::compile).
  static constexpr size_t kMaxBatch = 16;
  // Compile time set aside for a batch before it starts, under a compile share below 100%.
  static constexpr double kBatchReserveSeconds = 0.1;

  // When the budget next allows a queued job to start (now if it does already).
  std::chrono::steady_clock::time_point budget_allows() const;

  std::unique_ptr<Impl> impl_;  // the LLVM objects, used only by the worker thread
  const double compile_share_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable urgent_done_;
  std::deque<CompileJob> queue_;
  std::unique_ptr<CompileJob> urgent_;
  std::unique_ptr<CompileResult> urgent_result_;
  std::vector<CompileResult> finished_;
  std::atomic<bool> finished_ready_{false};
  std::vector<uint64_t> to_release_;
  size_t in_flight_ = 0;
  bool paused_ = false;
  bool stop_ = false;
  CompilerStats stats_;
  std::thread thread_;
};

}  // namespace rwd::jit::llvm_tier
