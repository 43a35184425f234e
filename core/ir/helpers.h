// The helper table: C++ functions translated code may call through the `call` op. Every helper
// has the form  uint64_t fn(CpuState*, uint64_t in0, ..., uint64_t inN)  (N <= 4), so every
// backend calls them the same way. Flags tell backends what state must be in memory around
// the call.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace rwd {
struct CpuState;
}

namespace rwd::ir {

enum HelperFlags : uint32_t {
  HF_NONE = 0,
  HF_PURE = 1 << 0,           // result depends only on inputs; no CpuState access
  HF_READS_GLOBALS = 1 << 1,  // reads register globals from CpuState
  HF_WRITES_GLOBALS = 1 << 2, // writes register globals in CpuState
  HF_CAN_RAISE = 1 << 3,      // may call raise_exception (globals and insn_index must be synced)
  HF_NO_RETURN = 1 << 4,      // never returns (always raises)
  HF_ENV_STATE = 1 << 5,      // reads/writes non-global CpuState fields (fflags, frm, ...)
  HF_READS_ICOUNT = 1 << 6,   // reads cpu.icount (which a JIT may keep in a register)
};

struct HelperInfo {
  const char* name;
  void* fn;
  uint8_t n_in;
  bool has_out;
  uint32_t flags;
};

using HelperId = uint32_t;

// Registry owned by whoever builds an execution context; ids are stable per registry.
class HelperTable {
 public:
  HelperId add(const HelperInfo& info);
  const HelperInfo& get(HelperId id) const { return helpers_[id]; }
  std::span<const HelperInfo> all() const { return helpers_; }

 private:
  std::vector<HelperInfo> helpers_;
};

}  // namespace rwd::ir
