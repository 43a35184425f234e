// Machine: whole virt boards (-bios none, a hand-assembled kernel) run on the interpreter and
// on the JIT: power-off and finisher exit codes, UART output and input, WFI with the CLINT
// timer and idle time through MachineHost, traps, self-modifying code, and identical
// instruction counts on both tiers.
#include "system/machine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "priv/csr.h"
#include "system_test_support.h"

namespace rwd::systest {
namespace {

using namespace rv;  // NOLINT: the encoders read like assembly
namespace csr = priv::csr;

constexpr int32_t kFinisher = 0x10'0000, kUart = 0x1000'0000;
constexpr int32_t kMtimecmp = 0x200'4000, kMtime = 0x200'bff8;

struct IdleCall {
  uint64_t now, deadline, retired;
};

// Records idle() calls and answers with the deadline, or halfway there on the first call when
// `split_first_idle`. Stops runaway runs.
class FakeMachineHost final : public system::MachineHost {
 public:
  void poll() override {
    if (++polls > 50) machine->request_stop({99, "test timeout"});
  }
  uint64_t idle(uint64_t now, uint64_t deadline) override {
    calls.push_back({now, deadline, machine->instructions_retired()});
    if (deadline == dev::kNever || calls.size() > 10) {
      machine->request_stop({98, "idle without a deadline"});
      return now + 1;
    }
    if (split_first_idle && calls.size() == 1) return now + (deadline - now) / 2;
    return deadline;
  }
  system::Machine* machine = nullptr;
  bool split_first_idle = false;
  int polls = 0;
  std::vector<IdleCall> calls;
};

struct RunResult {
  system::MachineExit exit;
  std::string output;
  uint64_t retired = 0;
  uint64_t idle = 0;
  std::vector<IdleCall> idle_calls;
};

// Program helpers: store a 32-bit value to the test finisher.
void power_off(Program& p) {
  p.li(t0, kFinisher).li(t1, 0x5555).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
}
void fail_with(Program& p, int32_t code) {
  p.li(t0, kFinisher).li(t1, code << 16 | 0x3333).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
}

class MachineRunner : public ::testing::Test {
 protected:
  ~MachineRunner() override {
    std::error_code ec;
    if (!kernel_path_.empty()) std::filesystem::remove(kernel_path_, ec);
  }

  RunResult run(const Program& program, std::string_view input = {}, bool split_idle = false) {
    static std::atomic<int> counter{0};
    kernel_path_ = (std::filesystem::temp_directory_path() /
                    ("rewind_systest_" + std::to_string(getpid()) + "_" +
                     std::to_string(counter++) + ".bin"))
                       .string();
    {
      std::ofstream out(kernel_path_, std::ios::binary);
      const std::vector<uint8_t> bytes = program.bytes();
      out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    }
    machine::MachineConfig config;
    config.bios = "none";
    config.kernel = kernel_path_;
    config.ram_bytes = 32 * machine::kMiB;
    FixedHostInput input_source;
    StringSink console;
    std::string error;
    auto m = system::Machine::create(config, input_source, console, &error);
    EXPECT_NE(m, nullptr) << error;
    if (!m) return {};
    EXPECT_EQ(m->boot_plan().start_addr, kRamBase);
    m->type({reinterpret_cast<const uint8_t*>(input.data()), input.size()});
    FakeMachineHost host;
    host.machine = m.get();
    host.split_first_idle = split_idle;
    Translator translator;
    std::unique_ptr<ExecutionEngine> engine;
    if (tier_ == "jit") {
      engine = std::make_unique<jit::JitEngine>(translator);
    } else {
      engine = std::make_unique<Interpreter>(translator);
    }
    RunResult r;
    r.exit = m->run(*engine, host);
    r.output = console.bytes;
    r.retired = m->instructions_retired();
    r.idle = m->idle_instructions();
    r.idle_calls = host.calls;
    last_state_ = m->hart().state();
    return r;
  }

  std::string tier_ = "interp";
  std::string kernel_path_;
  priv::PrivState last_state_;
};

class MachineTest : public MachineRunner, public ::testing::WithParamInterface<std::string> {
 protected:
  MachineTest() { tier_ = GetParam(); }
};

TEST_P(MachineTest, FinisherPassPowersOffWithCodeZero) {
  Program p(kRamBase);
  power_off(p);
  const RunResult r = run(p);
  EXPECT_EQ(r.exit.code, 0);
  EXPECT_EQ(r.exit.reason, "power-off");
  // The boot ROM's few instructions, then li/li/sw: the run ends right after the store.
  EXPECT_GT(r.retired, 4u);
  EXPECT_LT(r.retired, 20u);
  EXPECT_TRUE(r.output.empty());
}

TEST_P(MachineTest, FinisherFailCodeBecomesTheExitCode) {
  Program p(kRamBase);
  fail_with(p, 7);
  const RunResult r = run(p);
  EXPECT_EQ(r.exit.code, 7);
  EXPECT_NE(r.exit.reason.find("fail 7"), std::string::npos) << r.exit.reason;
}

TEST_P(MachineTest, UartOutputReachesTheConsoleInOrder) {
  Program p(kRamBase);
  p.li(s0, kUart);
  for (char c : std::string("Hello, virt\n")) p.li(t1, c).emit(sb(t1, s0, 0));
  power_off(p);
  const RunResult r = run(p);
  EXPECT_EQ(r.exit.code, 0);
  EXPECT_EQ(r.output, "Hello, virt\n");
}

TEST_P(MachineTest, TypedInputReachesAProgramPollingTheUart) {
  Program p(kRamBase);
  p.li(t0, kUart).li(s0, 'q');
  const uint64_t loop = p.here();
  p.emit(lbu(t1, t0, 5));         // LSR
  p.emit(andi(t1, t1, 1));        // DR
  p.emit(beq(t1, zero, -8));
  p.emit(lbu(t2, t0, 0));         // RBR
  p.emit(sb(t2, t0, 0));          // echo
  p.emit(bne(t2, s0, int32_t(loop - p.here())));
  power_off(p);
  const RunResult r = run(p, "echo me, then q");
  EXPECT_EQ(r.exit.code, 0) << r.exit.reason;
  EXPECT_EQ(r.output, "echo me, then q");
}

// mtimecmp = 5000 ticks; mie.MTIE; wfi with mstatus.MIE off; then check mtime >= 5000.
Program wfi_program() {
  Program p(kRamBase);
  p.li(t0, kMtimecmp).li(t1, 5000).emit(sd(t1, t0, 0));
  p.li(t1, 1 << priv::irq::kMTI).emit(csrrw(zero, csr::kMie, t1));
  p.emit(wfi());
  p.li(t0, kMtime).emit(ld(t2, t0, 0)).li(t1, 5000);
  const uint64_t branch = p.here();
  p.emit(0);  // bltu t2, t1, fail (patched)
  power_off(p);
  p.patch(branch, bltu(t2, t1, int32_t(p.here() - branch)));
  fail_with(p, 2);
  return p;
}

TEST_P(MachineTest, WfiWithTheClintTimerSkipsIdleTimeThroughTheHost) {
  const RunResult r = run(wfi_program());
  EXPECT_EQ(r.exit.code, 0) << r.exit.reason;
  ASSERT_EQ(r.idle_calls.size(), 1u);
  const IdleCall& c = r.idle_calls[0];
  // One tick is 100 instructions: the timer fires at 5000 ticks of virtual time.
  EXPECT_EQ(c.deadline, 500'000u);
  EXPECT_EQ(c.now, c.retired);  // nothing skipped before
  EXPECT_LT(c.now, 100u);
  EXPECT_EQ(r.idle, c.deadline - c.now);
  EXPECT_LT(r.retired, 100u);  // the skipped time retired nothing
}

TEST_P(MachineTest, IdleEndingEarlyWaitsAgainUntilTheDeadline) {
  const RunResult r = run(wfi_program(), {}, /*split_idle=*/true);
  EXPECT_EQ(r.exit.code, 0) << r.exit.reason;
  ASSERT_EQ(r.idle_calls.size(), 2u);
  const IdleCall& first = r.idle_calls[0];
  const IdleCall& second = r.idle_calls[1];
  EXPECT_EQ(second.now, first.now + (first.deadline - first.now) / 2);
  EXPECT_EQ(second.deadline, first.deadline);
  EXPECT_EQ(second.retired, first.retired);
  EXPECT_EQ(r.idle, first.deadline - first.now);
}

TEST_P(MachineTest, ExceptionsTrapToMtvecWithCauseAndTval) {
  Program p(kRamBase);
  const uint64_t start = p.here();
  p.emit(auipc(t0, 0)).emit(0).emit(csrrw(zero, csr::kMtvec, t0));
  const uint64_t faulting = p.here();
  p.emit(ld(t1, zero, 0x100));  // nothing at physical 0x100
  fail_with(p, 1);
  const uint64_t handler = p.here();
  p.patch(start + 4, addi(t0, t0, int32_t(handler - start)));
  p.emit(csrrs(t1, csr::kMcause, zero)).emit(slli(t1, t1, 16)).li(t2, 0x3333);
  p.emit(add(t1, t1, t2)).li(t0, kFinisher).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
  const RunResult r = run(p);
  EXPECT_EQ(r.exit.code, int(Cause::kLoadAccessFault));
  EXPECT_EQ(last_state_.mepc, faulting);
  EXPECT_EQ(last_state_.mtval, 0x100u);
}

TEST_P(MachineTest, StoreIntoExecutedCodeTakesEffectAfterFenceI) {
  Program p(kRamBase);
  const uint64_t call1 = p.here();
  p.emit(0);  // jal ra, func (patched)
  p.emit(addi(s1, a0, 0));
  const uint64_t anchor = p.here();
  p.emit(auipc(t0, 0)).emit(0);  // t0 = func (patched)
  p.li(t1, int32_t(addi(a0, zero, 2))).emit(sw(t1, t0, 0)).emit(fence_i());
  const uint64_t call2 = p.here();
  p.emit(0);  // jal ra, func
  p.emit(add(a0, a0, s1));  // 1 + 2 if the new code ran, 1 + 1 if stale code did
  p.emit(slli(a0, a0, 16)).li(t1, 0x3333).emit(add(t1, t1, a0));
  p.li(t0, kFinisher).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
  const uint64_t func = p.here();
  p.emit(addi(a0, zero, 1)).emit(jalr(zero, ra, 0));
  p.patch(call1, jal(ra, int32_t(func - call1)));
  p.patch(call2, jal(ra, int32_t(func - call2)));
  p.patch(anchor + 4, addi(t0, t0, int32_t(func - anchor)));
  const RunResult r = run(p);
  EXPECT_EQ(r.exit.code, 3) << r.exit.reason;
}

// A loop with memory traffic, UART output and a timer wait: the same retired count, output
// and idle time on every tier (and run to run).
Program mixed_program() {
  Program p(kRamBase);
  p.li(s0, kUart).li(s1, 0).li(a1, 300);
  p.emit(auipc(a0, 0x10));  // a0 = some RAM 64 KiB above
  const uint64_t loop = p.here();
  p.emit(sd(s1, a0, 0)).emit(ld(t2, a0, 0)).emit(add(s1, t2, zero)).emit(addi(s1, s1, 1));
  p.emit(addi(a0, a0, 8)).emit(andi(t1, s1, 63));
  p.emit(bne(t1, zero, 12)).li(t1, '.').emit(sb(t1, s0, 0));
  p.emit(bne(s1, a1, int32_t(loop - p.here())));
  p.li(t0, kMtimecmp).li(t1, 3000).emit(sd(t1, t0, 0));
  p.li(t1, 1 << priv::irq::kMTI).emit(csrrw(zero, csr::kMie, t1)).emit(wfi());
  p.li(t1, '!').emit(sb(t1, s0, 0));
  power_off(p);
  return p;
}

TEST_P(MachineTest, RunsAreDeterministic) {
  const RunResult a = run(mixed_program());
  const RunResult b = run(mixed_program());
  EXPECT_EQ(a.exit.code, 0) << a.exit.reason;
  EXPECT_EQ(a.output, "....!");
  EXPECT_EQ(a.retired, b.retired);
  EXPECT_EQ(a.idle, b.idle);
  EXPECT_EQ(a.output, b.output);
}

INSTANTIATE_TEST_SUITE_P(Tiers, MachineTest, ::testing::Values("interp", "jit"),
                         [](const auto& info) { return info.param; });

// The interpreter is the reference: the JIT must retire exactly as many instructions.
class TierComparisonTest : public MachineRunner {};

TEST_F(TierComparisonTest, InterpreterAndJitAgreeOnCountsOutputAndIdleTime) {
  const std::vector<Program> programs{mixed_program(), wfi_program()};
  for (const Program& program : programs) {
    RunResult results[2];
    for (int i = 0; i < 2; ++i) {
      tier_ = i == 0 ? "interp" : "jit";
      results[i] = run(program);
    }
    EXPECT_EQ(results[0].exit.code, 0);
    EXPECT_EQ(results[0].exit.code, results[1].exit.code);
    EXPECT_EQ(results[0].retired, results[1].retired);
    EXPECT_EQ(results[0].idle, results[1].idle);
    EXPECT_EQ(results[0].output, results[1].output);
    ASSERT_EQ(results[0].idle_calls.size(), results[1].idle_calls.size());
    for (size_t k = 0; k < results[0].idle_calls.size(); ++k) {
      EXPECT_EQ(results[0].idle_calls[k].now, results[1].idle_calls[k].now);
      EXPECT_EQ(results[0].idle_calls[k].deadline, results[1].idle_calls[k].deadline);
    }
  }
}

}  // namespace
}  // namespace rwd::systest
