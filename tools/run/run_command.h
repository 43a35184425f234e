// `rewind run`: boots the virt machine with QEMU's options, the console on stdio.
#pragma once

#include <cstddef>
#include <string>

#include "machine/machine_config.h"

namespace rwd::run {

struct RunOptions {
  machine::MachineConfig config;
  std::string tier = "jit";
  size_t code_cache_mib = 64;
  bool stats = false;
};

// Returns the process exit status: the guest's (0 on power-off, the finisher's or HTIF's
// failure code), 1 on a setup error (printed as one line).
int run_machine(const RunOptions& options);

}  // namespace rwd::run
