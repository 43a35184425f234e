// Helpers shared by the linux_user tests.
#pragma once

#include <csetjmp>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "cpu/cpu_state.h"

namespace rwd::linux_user::testing {

struct Fault {
  Cause cause;
  uint64_t tval;
};

// Calls fn() as the execution loop would: with cpu.exit_jmp armed. Returns the exception it
// raised, if any.
template <class Fn>
std::optional<Fault> catch_fault(CpuState& cpu, Fn&& fn) {
  std::jmp_buf landing;
  cpu.exit_jmp = &landing;
  if (setjmp(landing) == 0) {
    fn();
    cpu.exit_jmp = nullptr;
    return std::nullopt;
  }
  cpu.exit_jmp = nullptr;
  return Fault{static_cast<Cause>(cpu.exception_cause), cpu.exception_tval};
}

inline std::string guest_program(const std::string& name) {
  return std::string(LINUX_USER_GUEST_DIR) + "/" + name;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace rwd::linux_user::testing
