// IR data structures: temps, ops and the translated-block container. The op set itself is
// defined in ops.def.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpu/mem_op.h"

namespace rwd::ir {

enum OpFlags : uint32_t {
  OPF_NONE = 0,
  OPF_BRANCH = 1 << 0,        // jumps to a label within the block
  OPF_TERMINATOR = 1 << 1,    // leaves the block
  OPF_CAN_RAISE = 1 << 2,     // may raise a guest exception
  OPF_SIDE_EFFECTS = 1 << 3,  // must not be removed even if its outputs are unused
  OPF_CALL = 1 << 4,          // operand counts come from the helper
};

enum class Opcode : uint8_t {
#define IR_OP(name, nout, nin, flags, doc) k_##name,
#include "ir/ops.def"
#undef IR_OP
  kCount
};

struct OpDef {
  const char* name;
  uint8_t outputs;
  uint8_t inputs;
  uint32_t flags;
  const char* doc;
};
const OpDef& op_def(Opcode opc);

enum class ValType : uint8_t { kI32, kI64 };

// Conditions for setcond/movcond/brcond. Signed and unsigned orderings are distinct.
enum class Cond : uint8_t { kEq, kNe, kLt, kGe, kLtu, kGeu, kGt, kLe, kGtu, kLeu };
const char* cond_name(Cond c);
bool eval_cond(Cond c, uint64_t a, uint64_t b, ValType type);
// The condition that holds exactly when `c` does not.
Cond invert(Cond c);

enum class TempKind : uint8_t {
  kGlobal,  // lives in CpuState at `value` (byte offset); visible across blocks
  kLocal,   // block-scoped value, live across labels within the block
  kConst,   // constant `value`; never written
};

struct Temp {
  TempKind kind;
  ValType type;
  int64_t value;     // constant value, or CpuState offset for globals
  const char* name;  // globals only, for dumps (static storage)
};

using TempId = uint32_t;
constexpr int kMaxOpArgs = 5;

struct Op {
  Opcode opc;
  ValType type = ValType::kI64;
  Cond cond = Cond::kEq;  // also the chaining slot of goto_tb
  MemOp memop = kMemSize64;
  uint8_t nout = 0, nin = 0;
  TempId args[kMaxOpArgs] = {};  // outputs, then inputs
  int64_t imm = 0;

  TempId out(int i = 0) const { return args[i]; }
  TempId in(int i) const { return args[nout + i]; }
};

// A guest basic block translated to IR.
struct Block {
  uint64_t pc = 0;           // guest pc of the first instruction
  uint32_t size_bytes = 0;   // guest bytes covered
  uint32_t n_insns = 0;      // guest instructions in the block
  uint32_t n_labels = 0;
  uint32_t flags = 0;        // code_flags the block was translated under (0: user mode)
  std::vector<Temp> temps;   // globals first (same ids in every block), then locals/consts
  std::vector<Op> ops;
  std::vector<uint64_t> insn_pcs;  // guest pc of instruction k

  // Human-readable listing, one op per line, used by tests and `rewind --dump-ir`.
  std::string dump() const;
};

// Checks structural rules (operand counts, types, labels defined once, every path ends in a
// terminator, consts never written). Returns an empty string when valid, else the first problem.
std::string verify(const Block& block);

}  // namespace rwd::ir
