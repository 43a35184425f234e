// Seeded random IR blocks for differential testing of the execution tiers.
//
// One seed describes one guest "program": a random block at kBlockPc plus a few fixed blocks it
// can jump to (a hop block that jumps back, two blocks that halt with a known exception). The
// random block covers the whole op set: every ALU op at both types, shifts by constants and by
// registers, guarded division, conversions, setcond/movcond/brcond with every Cond, env
// accesses of harmless CpuState fields, guest loads/stores of every MemOp (sometimes faulting),
// helper calls of every kind, and all three terminators.
#pragma once

#include <cstdint>
#include <memory>

#include "frontend/translator.h"
#include "ir/builder.h"
#include "ir/helpers.h"
#include "ir/ir.h"

namespace rwd::jit_test {

// Guest pcs of one random program. Random-block instruction k is at kBlockPc + 4k.
constexpr uint64_t kBlockPc = 0x1000;
constexpr uint64_t kHopPc = 0x3000;    // two instructions, then goto_tb back to kBlockPc
constexpr uint64_t kHaltPcA = 0x4000;  // raises kBreakpoint, tval kHaltPcA
constexpr uint64_t kHaltPcB = 0x5000;  // raises kEcallU, tval kHaltPcB
// Any other pc has no code: translating it fails, which is an instruction page fault.

// Guest memory the random loads and stores use (other addresses fault).
constexpr uint64_t kScratchBase = 0x20000;
constexpr uint64_t kScratchBytes = 0x1000;

// The helpers random blocks call, in their own table (never the Translator's).
struct TestHelpers {
  ir::HelperTable table;
  ir::HelperId pure[5];     // pure[n] takes n inputs and returns a mix of them
  ir::HelperId env_no_out;  // one input, no output, xors it into reservation_value
  ir::HelperId globals;     // reads and writes register globals through CpuState
  ir::HelperId may_raise;   // raises kIllegalInsn (tval = input) for 1 input in 16
  ir::HelperId halt;        // halt(cause, tval): always raises
};
const TestHelpers& test_helpers();

// What kind of block a seed produces.
struct GenOptions {
  bool force_register_pressure = false;  // always keep 20+ long-lived locals
};

// The random block of `seed` cut to at most `max_insns` instructions. Generation is a pure
// function of the seed, and instruction k depends only on what came before, so a cut block is
// exactly a prefix of the full one, followed by goto_tb to the next instruction's pc.
std::unique_ptr<ir::Block> generate_random_block(uint64_t seed, uint32_t max_insns,
                                                 const GenOptions& options = {});

// Serves one seed's program to the engines.
class RandomProgramSource final : public BlockSource {
 public:
  RandomProgramSource(uint64_t seed, GenOptions options) : seed_(seed), options_(options) {}

  const ir::HelperTable& helpers() const override { return test_helpers().table; }
  TranslateResult translate(GuestMemory& memory, uint64_t pc, uint32_t max_insns,
                            uint32_t flags = 0) const override;

 private:
  uint64_t seed_;
  GenOptions options_;
};

// A small deterministic generator (xoshiro256**), so a seed means the same on every host.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  uint64_t below(uint64_t n) { return next() % n; }
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  uint64_t s_[4];
};

}  // namespace rwd::jit_test
