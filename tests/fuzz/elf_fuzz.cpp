// Fuzz target: the ELF parser sees whatever file a user names, so it must reject any byte
// string cleanly — an error message, never a crash or an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "linux_user/elf_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto image = rwd::linux_user::parse_elf_image(std::span<const uint8_t>(data, size), "fuzz",
                                                &error);
  // Either outcome is fine; a failure must say why on one line.
  if (!image && (error.empty() || error.find('\n') != std::string::npos)) __builtin_trap();
  return 0;
}
