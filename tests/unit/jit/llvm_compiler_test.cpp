// The background compiler's compile-time budget (LlvmCompiler's compile_share): queued jobs
// wait until the run has lasted long enough to pay for them; compile_now never waits.
#include "jit/llvm/llvm_compiler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "random_block.h"

namespace rwd::jit_test {
namespace {

using jit::llvm_tier::CompileJob;
using jit::llvm_tier::LlvmCompiler;

CompileJob small_job(uint64_t id) {
  CompileJob job;
  job.id = id;
  job.blocks.push_back(std::move(*generate_random_block(id, 4)));
  job.env.helpers = &test_helpers().table;  // random blocks call helpers, never memory
  return job;
}

// Polls until `compiler` has returned a result, for at most `limit`.
bool finishes_within(LlvmCompiler& compiler, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (compiler.has_finished()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return compiler.has_finished();
}

TEST(LlvmCompilerBudget, AFullShareCompilesAtOnce) {
  LlvmCompiler compiler(1, 1.0);
  compiler.submit(small_job(1));
  ASSERT_TRUE(finishes_within(compiler, std::chrono::seconds(60)));
  const auto results = compiler.take_finished();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_NE(results[0].code, nullptr) << results[0].error;
  EXPECT_GT(results[0].code_bytes, 0u);
}

TEST(LlvmCompilerBudget, QueuedJobsWaitForTheirShare) {
  // 1%: a batch's reserve of 0.1 s is paid for after 10 s, far beyond this test's look.
  LlvmCompiler compiler(1, 0.01);
  compiler.submit(small_job(2));
  EXPECT_FALSE(finishes_within(compiler, std::chrono::milliseconds(500)));
  EXPECT_EQ(compiler.in_flight(), 1u);
  EXPECT_EQ(compiler.stats().compiled, 0u);
}

TEST(LlvmCompilerBudget, CompileNowIsNeverHeldBack) {
  LlvmCompiler compiler(1, 0.01);
  compiler.submit(small_job(3));  // held back by the budget
  const auto started = std::chrono::steady_clock::now();
  const jit::llvm_tier::CompileResult result = compiler.compile_now(small_job(4));
  EXPECT_NE(result.code, nullptr) << result.error;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(9));
  EXPECT_EQ(compiler.in_flight(), 1u);  // the queued job still waits
}

}  // namespace
}  // namespace rwd::jit_test
