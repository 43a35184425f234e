// The process stack Linux builds for a new riscv64 program: argc, argv, envp and the auxiliary
// vector at sp, the strings and AT_RANDOM bytes above them, sp 16-byte aligned.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "linux_user/user_memory.h"

namespace rwd::linux_user {

struct AuxEntry {
  uint64_t type;
  uint64_t value;
};

struct InitialStackContents {
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string execfn;    // AT_EXECFN
  std::string platform;  // AT_PLATFORM
  std::array<uint8_t, 16> random{};  // AT_RANDOM
  // Every aux entry except AT_RANDOM, AT_EXECFN, AT_PLATFORM (which point into the stack and
  // are added here) and the terminating AT_NULL.
  std::vector<AuxEntry> auxv;
};

// Writes the stack below stack_top (which must be mapped writable down to stack_limit). Returns
// the initial sp, or nullopt if the contents do not fit.
std::optional<uint64_t> build_initial_stack(UserMemory& memory, uint64_t stack_top,
                                            uint64_t stack_limit,
                                            const InitialStackContents& contents);

}  // namespace rwd::linux_user
