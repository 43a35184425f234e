// What an execution tier offers to the code that drives a hart (user-mode loop, machine loop).
#pragma once

#include <cstdint>

#include "cpu/cpu_state.h"

namespace rwd {

enum class StopReason {
  kException,    // a synchronous exception; cpu.pc is the faulting instruction, not retired
  kIcountLimit,  // cpu.icount reached cpu.icount_limit exactly
  kExitRequest,  // system mode: an instruction asked for the machine loop (kExitToMachine)
};

struct StopInfo {
  StopReason reason;
  Cause cause = Cause::kIllegalInsn;  // valid for kException
  uint64_t tval = 0;                  // valid for kException
};

class ExecutionEngine {
 public:
  virtual ~ExecutionEngine() = default;

  // Runs guest code from cpu.pc until an exception or until cpu.icount == cpu.icount_limit.
  // On return cpu.pc and cpu.icount are exact: every instruction before pc has retired.
  virtual StopInfo run(CpuState& cpu) = 0;

  // Guest code in [start, start+len) may have changed or been unmapped: drop translations.
  // The range is physical in system mode (where code lives, CodeLocation::phys).
  virtual void invalidate(uint64_t start, uint64_t len) = 0;
  // Drops translations of guest code at virtual pcs in [start, start+len), under any mapping.
  virtual void invalidate_pc_range(uint64_t start, uint64_t len) { invalidate(0, ~uint64_t{0}); }
};

}  // namespace rwd
