#include "diff_runner.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "exec/interpreter.h"
#include "jit/jit_engine.h"
#include "linux_user/user_memory.h"
#include "tests/unit/exec/test_machine.h"

namespace rwd::jit_test {

// ------------------------------------------------------------------ scratch memories

namespace {

class FlatScratch final : public ScratchMemory {
 public:
  GuestMemory& memory() override { return memory_; }
  void fill(const std::vector<uint8_t>& bytes) override {
    for (uint64_t i = 0; i < kScratchBytes; i += 4) {
      uint32_t word;
      std::memcpy(&word, &bytes[i], 4);
      memory_.write32(kScratchBase + i, word);
    }
  }
  std::vector<uint8_t> contents() override {
    std::vector<uint8_t> bytes(kScratchBytes);
    for (uint64_t i = 0; i < kScratchBytes; i += 8) {
      const uint64_t v = memory_.read64(kScratchBase + i);
      std::memcpy(&bytes[i], &v, 8);
    }
    return bytes;
  }

 private:
  test::FlatMemory memory_{kScratchBase, kScratchBytes};
};

class LinearScratch final : public ScratchMemory {
 public:
  LinearScratch() {
    std::string error;
    memory_ = linux_user::UserMemory::create(&error);
    if (!memory_) throw std::runtime_error("UserMemory: " + error);
    const int64_t at = memory_->map(kScratchBase, kScratchBytes,
                                    linux_user::kProtRead | linux_user::kProtWrite,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, "scratch");
    if (at != int64_t(kScratchBase)) throw std::runtime_error("cannot map the scratch area");
  }
  GuestMemory& memory() override { return *memory_; }
  void fill(const std::vector<uint8_t>& bytes) override {
    memory_->copy_to_guest(kScratchBase, bytes.data(), kScratchBytes);
  }
  std::vector<uint8_t> contents() override {
    std::vector<uint8_t> bytes(kScratchBytes);
    memory_->copy_from_guest(bytes.data(), kScratchBase, kScratchBytes);
    return bytes;
  }

 private:
  std::unique_ptr<linux_user::UserMemory> memory_;
};

}  // namespace

std::unique_ptr<ScratchMemory> make_flat_scratch() { return std::make_unique<FlatScratch>(); }
std::unique_ptr<ScratchMemory> make_linear_scratch() {
  return std::make_unique<LinearScratch>();
}

// ------------------------------------------------------------------ initial state

namespace {

// A source that also checks every block it hands out, so a generator bug is reported as
// such instead of as a tier disagreement.
class VerifyingSource final : public BlockSource {
 public:
  explicit VerifyingSource(const BlockSource& inner) : inner_(inner) {}
  const ir::HelperTable& helpers() const override { return inner_.helpers(); }
  TranslateResult translate(GuestMemory& memory, uint64_t pc, uint32_t max_insns,
                            uint32_t flags = 0) const override {
    TranslateResult r = inner_.translate(memory, pc, max_insns, flags);
    if (r.block && error_.empty()) {
      std::string problem = ir::verify(*r.block);
      if (!problem.empty()) {
        error_ = fmt::format("invalid IR (max_insns {}): {}\n{}", max_insns, problem,
                             r.block->dump());
      } else if (r.block->n_insns > max_insns) {
        error_ = fmt::format("source ignored max_insns {}", max_insns);
      }
    }
    return r;
  }
  const std::string& error() const { return error_; }

 private:
  const BlockSource& inner_;
  mutable std::string error_;
};

uint64_t random_register_value(Rng& rng) {
  switch (rng.below(5)) {
    case 0: {
      static constexpr uint64_t kValues[] = {0, 1, ~uint64_t{0}, uint64_t{1} << 63,
                                             (uint64_t{1} << 63) - 1, 0x80000000, 0xffffffff,
                                             0x7fffffff, 0x100000000};
      return kValues[rng.below(std::size(kValues))];
    }
    case 1: return rng.below(64);
    case 2: return kScratchBase + rng.below(kScratchBytes);
    default: return rng.next();
  }
}

struct InitialState {
  CpuState cpu;
  std::vector<uint8_t> memory;
};

InitialState initial_state(const DiffCase& c, uint32_t block_insns) {
  Rng rng(c.seed * 0x2545f4914f6cdd1dull + 17);
  InitialState s;
  std::memset(&s.cpu, 0, sizeof s.cpu);
  for (int r = 1; r < 32; ++r) s.cpu.x[r] = random_register_value(rng);
  for (int r = 0; r < 32; ++r) s.cpu.f[r] = random_register_value(rng);
  s.cpu.pc = kBlockPc;
  s.cpu.fflags = uint32_t(rng.below(32));
  s.cpu.frm = uint32_t(rng.below(5));
  s.cpu.reservation_addr = rng.chance(50) ? kNoReservation : kScratchBase + 8 * rng.below(64);
  s.cpu.reservation_value = rng.next();
  static constexpr uint64_t kStartCounts[] = {0, 1000, 0xffffffff};
  s.cpu.icount = rng.chance(50) ? kStartCounts[rng.below(3)] : rng.below(uint64_t{1} << 40);
  const uint64_t budget = c.budget == Budget::kShort
                              ? 1 + rng.below(block_insns)
                              : block_insns * (1 + rng.below(6)) + rng.below(8);
  s.cpu.icount_limit = s.cpu.icount + budget;
  s.memory.resize(kScratchBytes);
  for (uint8_t& byte : s.memory) byte = uint8_t(rng.next());
  return s;
}

struct Outcome {
  StopInfo stop;
  CpuState cpu;
  std::vector<uint8_t> memory;
};

Outcome run_tier(ExecutionEngine& engine, ScratchMemory& scratch, const InitialState& init) {
  scratch.fill(init.memory);
  Outcome out;
  out.cpu = init.cpu;
  out.cpu.memory = &scratch.memory();
  out.stop = engine.run(out.cpu);
  out.memory = scratch.contents();
  return out;
}

// Runs the program once with the LLVM thread paused (its blocks are queued and stay in
// flight), drops every translation, lets the compiles finish (their results must be thrown
// away), and returns a second run of the same program on the same engine.
Outcome run_flushing_mid_compile(jit::JitEngine& engine, ScratchMemory& scratch,
                                 const InitialState& init) {
  engine.llvm_compiler()->set_paused(true);
  run_tier(engine, scratch, init);
  engine.invalidate(0, ~uint64_t{0});
  engine.llvm_compiler()->set_paused(false);
  engine.drain_llvm();
  return run_tier(engine, scratch, init);
}

const char* stop_name(const StopInfo& s) {
  return s.reason == StopReason::kException ? "exception" : "icount limit";
}

// Every architectural field, the count and the fields the IR may write; not exit_jmp, memory
// or insn_index, which belong to the engine.
std::string compare(const Outcome& interp, const Outcome& jit) {
  std::string diff;
  auto field = [&](const std::string& name, uint64_t a, uint64_t b) {
    if (a != b) diff += fmt::format("  {:<18} interp {:#018x}  jit {:#018x}\n", name, a, b);
  };
  field("stop reason", uint64_t(interp.stop.reason), uint64_t(jit.stop.reason));
  if (interp.stop.reason == StopReason::kException ||
      jit.stop.reason == StopReason::kException) {
    field("stop cause", uint64_t(interp.stop.cause), uint64_t(jit.stop.cause));
    field("stop tval", interp.stop.tval, jit.stop.tval);
    field("exception_cause", interp.cpu.exception_cause, jit.cpu.exception_cause);
    field("exception_tval", interp.cpu.exception_tval, jit.cpu.exception_tval);
  }
  for (int r = 0; r < 32; ++r) field(fmt::format("x{}", r), interp.cpu.x[r], jit.cpu.x[r]);
  for (int r = 0; r < 32; ++r) field(fmt::format("f{}", r), interp.cpu.f[r], jit.cpu.f[r]);
  field("pc", interp.cpu.pc, jit.cpu.pc);
  field("icount", interp.cpu.icount, jit.cpu.icount);
  field("icount_limit", interp.cpu.icount_limit, jit.cpu.icount_limit);
  field("fflags", interp.cpu.fflags, jit.cpu.fflags);
  field("frm", interp.cpu.frm, jit.cpu.frm);
  field("reservation_addr", interp.cpu.reservation_addr, jit.cpu.reservation_addr);
  field("reservation_value", interp.cpu.reservation_value, jit.cpu.reservation_value);
  field("exit_requests", interp.cpu.exit_requests, jit.cpu.exit_requests);
  int shown = 0;
  for (size_t i = 0; i < interp.memory.size(); ++i) {
    if (interp.memory[i] == jit.memory[i]) continue;
    if (shown++ < 16) {
      field(fmt::format("mem[{:#x}]", kScratchBase + i), interp.memory[i], jit.memory[i]);
    }
  }
  if (shown > 16) diff += fmt::format("  ... {} differing memory bytes in all\n", shown);
  return diff;
}

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* s = std::getenv(name);
  return s && *s ? std::strtoull(s, nullptr, 0) : fallback;
}

}  // namespace

DiffResult run_differential(const DiffCase& c, ScratchMemory& interp_memory,
                            ScratchMemory& jit_memory) {
  const std::unique_ptr<ir::Block> full =
      generate_random_block(c.seed, Translator::kMaxBlockInsns, c.options);
  const InitialState init = initial_state(c, full->n_insns);

  const RandomProgramSource program(c.seed, c.options);
  const VerifyingSource source(program);
  Interpreter interp(source);
  // A small code cache: enough for any one program, and cheap to map per seed.
  jit::JitOptions options;
  options.code_cache_bytes = size_t{1} << 20;
  options.tier = c.tier;
  options.hot_threshold = c.hot_threshold;
  options.llvm_compile_share = 100;  // compiles as soon as queued: the runs are short
  jit::JitEngine jit(source, options);
  const Outcome a = run_tier(interp, interp_memory, init);
  Outcome b;
  if (c.flush_mid_compile) {
    b = run_flushing_mid_compile(jit, jit_memory, init);
  } else if (c.rerun_after_compiles) {
    run_tier(jit, jit_memory, init);
    jit.drain_llvm();
    b = run_tier(jit, jit_memory, init);
  } else {
    b = run_tier(jit, jit_memory, init);
  }

  DiffResult result;
  result.interp_stop = a.stop;
  result.jit_stats = jit.stats();
  std::string diff = source.error().empty() ? compare(a, b) : source.error() + "\n";
  if (diff.empty()) return result;
  result.equal = false;
  result.report = fmt::format(
      "seed {} ({} budget{}, JIT tier {}): reproduce with REWIND_JIT_DIFF_SEED={}\n"
      "start icount {:#x}, limit {:#x}; interp stopped by {} at pc {:#x}, jit by {} at pc {:#x}\n"
      "{}{}",
      c.seed, c.budget == Budget::kShort ? "short" : "generous",
      c.options.force_register_pressure ? ", register pressure" : "", int(c.tier), c.seed,
      init.cpu.icount,
      init.cpu.icount_limit, stop_name(a.stop), a.cpu.pc, stop_name(b.stop), b.cpu.pc, diff,
      full->dump());
  return result;
}

SeedRange seed_range(uint64_t default_first, uint64_t default_count) {
  if (std::getenv("REWIND_JIT_DIFF_SEED")) return {env_number("REWIND_JIT_DIFF_SEED", 0), 1};
  return {env_number("REWIND_JIT_DIFF_FIRST", default_first),
          env_number("REWIND_JIT_DIFF_COUNT", default_count)};
}

}  // namespace rwd::jit_test
