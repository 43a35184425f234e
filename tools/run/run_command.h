// `rewind run`, `rewind record` and `rewind replay`: the virt machine with QEMU's options, the
// console on stdio; recording every host input to a trace, or replaying one.
#pragma once

#include "jit/jit_engine.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "machine/machine_config.h"

namespace rwd::run {

struct RunOptions {
  machine::MachineConfig config;
  std::string tier = "auto";
  uint32_t hot_threshold = jit::JitOptions{}.hot_threshold;
  int llvm_opt_level = jit::JitOptions{}.llvm_opt_level;
  uint32_t llvm_compile_share = jit::JitOptions{}.llvm_compile_share;
  size_t code_cache_mib = 64;
  bool stats = false;
  // The JIT's options from those above (Tier sets the tier itself from `tier`).
  jit::JitOptions jit_options() const;
  // --save-at ICOUNT FILE: a snapshot when exactly ICOUNT instructions have retired.
  std::optional<uint64_t> save_at;
  std::string save_file;
  // --load FILE: start from a snapshot instead of booting (run and replay --from).
  std::string load_file;
  // -gdb DEVICE (-s: tcp::1234): serve the GDB remote protocol; -S: wait for gdb before the
  // first instruction (a replay always waits).
  std::string gdb_device;
  bool gdb_wait = false;
  // Host memory for the debugger's checkpoints (replay).
  uint64_t checkpoint_mib = 512;
};

struct RecordOptions {
  RunOptions run;
  std::string trace_file;
  uint64_t hash_interval = 100'000'000;
};

struct ReplayOptions {
  std::string trace_file;
  RunOptions run;  // tier, stats, save_at/save_file, load_file (snapshot to resume from)
};

// Each returns the process exit status: the guest's (0 on power-off, the finisher's or HTIF's
// failure code), 1 on a setup error or a failed replay (printed as one line).
int run_machine(const RunOptions& options);
int record_machine(const RecordOptions& options);
int replay_machine(const ReplayOptions& options);

}  // namespace rwd::run
