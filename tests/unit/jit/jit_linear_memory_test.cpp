// Faults in the middle of blocks when guest memory is linear (UserMemory), where the JIT
// accesses memory inline and a host SIGSEGV must become a precise guest fault. Both tiers run
// every program and must agree with each other and with the expected values.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <memory>
#include <string>
#include <vector>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "linux_user/user_memory.h"
#include "rv_extra.h"

namespace rwd::jit_test {
namespace {

using linux_user::kProtExec;
using linux_user::kProtRead;
using linux_user::kProtWrite;
using linux_user::UserMemory;

constexpr uint64_t kCode = 0x10000;
constexpr uint64_t kData = 0x20000;      // one read-write page
constexpr uint64_t kReadOnly = 0x21000;  // one read-only page
constexpr uint64_t kUnmapped = 0x22000;  // nothing mapped from here on

enum class Tier { kInterp, kJit };

class LinearFaultTest : public ::testing::TestWithParam<Tier> {
 protected:
  void SetUp() override {
    std::string error;
    memory_ = UserMemory::create(&error);
    ASSERT_TRUE(memory_) << error;
    constexpr int kFixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    ASSERT_EQ(memory_->map(kCode, 0x1000, kProtRead | kProtWrite | kProtExec, kFixed, -1, 0, "code"),
              int64_t(kCode));
    ASSERT_EQ(memory_->map(kData, 0x1000, kProtRead | kProtWrite, kFixed, -1, 0, "data"),
              int64_t(kData));
    ASSERT_EQ(memory_->map(kReadOnly, 0x1000, kProtRead, kFixed, -1, 0, "ro"),
              int64_t(kReadOnly));
    if (GetParam() == Tier::kInterp) {
      engine_ = std::make_unique<Interpreter>(translator_);
    } else {
      engine_ = std::make_unique<jit::JitEngine>(translator_);
    }
  }

  StopInfo run(const std::vector<uint32_t>& program) {
    memory_->copy_to_guest(kCode, program.data(), 4 * program.size());
    std::memset(&cpu, 0, sizeof cpu);
    cpu.pc = kCode;
    cpu.memory = memory_.get();
    cpu.icount_limit = ~uint64_t{0};
    cpu.reservation_addr = kNoReservation;
    return engine_->run(cpu);
  }

  uint64_t data64(uint64_t addr) {
    uint64_t v = 0;
    memory_->copy_from_guest(&v, addr, 8);
    return v;
  }

  CpuState cpu;
  Translator translator_;
  std::unique_ptr<UserMemory> memory_;
  std::unique_ptr<ExecutionEngine> engine_;
};

TEST_P(LinearFaultTest, LoadFromUnmappedPageInTheMiddleOfABlock) {
  const StopInfo stop = run({
      rv::lui(5, kData >> 12),   // 0
      rv::addi(6, 0, 77),        // 1
      rv::sd(6, 5, 16),          // 2  a store that retires before the fault
      rv::lui(7, kUnmapped >> 12),  // 3
      rv::addi(8, 0, 1),         // 4
      rv::ld(9, 7, 8),           // 5  faults
      rv::addi(10, 0, 1),        // 6
      rv::ecall(),               // 7
  });
  EXPECT_EQ(stop.reason, StopReason::kException);
  EXPECT_EQ(stop.cause, Cause::kLoadPageFault);
  EXPECT_EQ(stop.tval, kUnmapped + 8);
  EXPECT_EQ(cpu.pc, kCode + 4 * 5);
  EXPECT_EQ(cpu.icount, 5u);
  EXPECT_EQ(cpu.x[8], 1u);
  EXPECT_EQ(cpu.x[9], 0u);
  EXPECT_EQ(cpu.x[10], 0u);
  EXPECT_EQ(data64(kData + 16), 77u);
}

TEST_P(LinearFaultTest, StoreToReadOnlyPageFaultsAsAStore) {
  const StopInfo stop = run({
      rv::lui(5, kReadOnly >> 12),  // 0
      rv::ld(6, 5, 0),              // 1  reading is fine
      rv::addi(6, 6, 5),            // 2
      rv::sw(6, 5, 4),              // 3  faults
      rv::addi(7, 0, 1),            // 4
      rv::ecall(),                  // 5
  });
  EXPECT_EQ(stop.cause, Cause::kStorePageFault);
  EXPECT_EQ(stop.tval, kReadOnly + 4);
  EXPECT_EQ(cpu.pc, kCode + 4 * 3);
  EXPECT_EQ(cpu.icount, 3u);
  EXPECT_EQ(cpu.x[6], 5u);
  EXPECT_EQ(cpu.x[7], 0u);
}

TEST_P(LinearFaultTest, LoadBeyondTheGuestSpaceTakesTheSlowPathAndFaults) {
  const StopInfo stop = run({
      rv::addi(5, 0, 1),     // 0
      rv::slli(5, 5, 40),    // 1  x5 = 2^40, outside the 2^38-byte space
      rv::addi(6, 0, 3),     // 2
      rv::lbu(7, 5, 1),      // 3  faults
      rv::ecall(),           // 4
  });
  EXPECT_EQ(stop.cause, Cause::kLoadPageFault);
  EXPECT_EQ(stop.tval, (uint64_t{1} << 40) + 1);
  EXPECT_EQ(cpu.pc, kCode + 4 * 3);
  EXPECT_EQ(cpu.icount, 3u);
  EXPECT_EQ(cpu.x[6], 3u);
}

TEST_P(LinearFaultTest, MisalignedLoadReservedFaults) {
  const StopInfo stop = run({
      rv::lui(5, kData >> 12),   // 0
      rv::addi(5, 5, 4),         // 1
      rv::lr_d(6, 5),            // 2  lr.d needs 8-byte alignment
      rv::ecall(),               // 3
  });
  EXPECT_EQ(stop.cause, Cause::kLoadMisaligned);
  EXPECT_EQ(stop.tval, kData + 4);
  EXPECT_EQ(cpu.pc, kCode + 4 * 2);
  EXPECT_EQ(cpu.icount, 2u);
}

// A linked loop walks a pointer off the end of the data page: the fault comes from inside
// chained code after 512 iterations, with every earlier iteration retired.
TEST_P(LinearFaultTest, FaultInsideLinkedLoopAfterManyIterations) {
  const StopInfo stop = run({
      rv::lui(5, kData >> 12),           // 0
      rv::addi(7, 0, 0),                 // 1
      rv::ld(6, 5, 0),                   // 2  loop
      rv::add(8, 8, 6),                  // 3
      rv::addi(5, 5, 8),                 // 4
      rv::addi(7, 7, 1),                 // 5
      rv::jal(0, 4 * (2 - 6)),           // 6
  });
  // The read-only page follows the data page and is readable too, so the walk faults at the
  // unmapped page after both: 2 * 512 iterations.
  EXPECT_EQ(stop.cause, Cause::kLoadPageFault);
  EXPECT_EQ(stop.tval, kUnmapped);
  EXPECT_EQ(cpu.pc, kCode + 4 * 2);
  EXPECT_EQ(cpu.x[7], 1024u);
  EXPECT_EQ(cpu.x[5], kUnmapped);
  EXPECT_EQ(cpu.icount, 2 + 1024 * 5u);
}

INSTANTIATE_TEST_SUITE_P(Tiers, LinearFaultTest, ::testing::Values(Tier::kInterp, Tier::kJit),
                         [](const auto& info) {
                           return info.param == Tier::kInterp ? "interp" : "jit";
                         });

}  // namespace
}  // namespace rwd::jit_test
