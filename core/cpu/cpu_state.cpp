#include "cpu/cpu_state.h"

namespace rwd {

void raise_exception(CpuState& cpu, Cause cause, uint64_t tval) {
  cpu.exception_cause = static_cast<uint32_t>(cause);
  cpu.exception_tval = tval;
  // Translated code has no C++ frames that need unwinding between the execution loop's
  // setjmp and here, which is what makes longjmp safe (see docs/ARCHITECTURE.md).
  std::longjmp(*cpu.exit_jmp, 1);
}

}  // namespace rwd
