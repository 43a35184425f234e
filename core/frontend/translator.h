// RISC-V RV64GC frontend: translates one guest basic block into IR. Guest semantics live here
// and nowhere else; backends only lower the IR this produces.
#pragma once

#include <cstdint>
#include <memory>

#include "cpu/guest_memory.h"
#include "frontend/helper_ids.h"
#include "ir/helpers.h"
#include "ir/ir.h"

namespace rwd {

// Fixed temp ids of the register globals, identical in every block.
constexpr ir::TempId kFirstGprGlobal = 0;   // x1..x31 -> 0..30 (x0 is the constant 0)
constexpr ir::TempId kFirstFprGlobal = 31;  // f0..f31 -> 31..62
constexpr ir::TempId kNumGlobals = 63;

namespace ir {
class Builder;
}

// Creates the register globals (x1..x31, f0..f31) with the fixed ids above; every block the
// frontend produces starts with them, and so must any hand-built block run by the tiers.
void add_register_globals(ir::Builder& b);

struct TranslateResult {
  std::unique_ptr<ir::Block> block;  // null when the first instruction cannot be fetched
  uint64_t fetch_fault_addr = 0;     // valid when block is null
};

// Where execution tiers get IR from. The RISC-V Translator is the real source; tests supply
// hand-built or random blocks through the same seam.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  virtual const ir::HelperTable& helpers() const = 0;
  // The IR for guest code at pc: at most max_insns (>= 1) instructions, under the machine
  // modes `flags` (code_flags; 0 in user mode).
  virtual TranslateResult translate(GuestMemory& memory, uint64_t pc, uint32_t max_insns,
                                    uint32_t flags = 0) const = 0;
};

class Translator final : public BlockSource {
 public:
  Translator();

  const ir::HelperTable& helpers() const override { return helpers_; }
  const HelperIds& ids() const { return ids_; }

  // Translates at most max_insns (>= 1) instructions from pc, stopping at the end of a page or
  // at any instruction that leaves or must end the block. In system mode a block never holds
  // an instruction that crosses into the next page unless that is its only instruction.
  TranslateResult translate(GuestMemory& memory, uint64_t pc, uint32_t max_insns,
                            uint32_t flags = 0) const override;

  static constexpr uint32_t kMaxBlockInsns = 256;
  // How many forward conditional branches a block continues past (see gen_branch).
  static constexpr uint32_t kMaxSideExits = 4;

 private:
  ir::HelperTable helpers_;
  HelperIds ids_;
};

}  // namespace rwd
