// Snapshot files as the commands use them: `run --save-at/--load` and `replay --save-at/--from`.
// A snapshot carries the machine arguments and image digests it was taken with, so loading
// one rebuilds the same board and refuses changed images; one taken during a replay also
// carries where in the trace the replay continues.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "exec/engine.h"
#include "machine/machine_config.h"
#include "system/machine.h"
#include "traces/snapshot_file.h"
#include "traces/trace_file.h"

namespace rwd::run {

struct ReplayPosition {
  uint64_t event = 0;      // the next trace event to replay
  uint64_t intervals = 0;  // state hashes already checked before it
};

struct LoadedState {
  trace::LoadedSnapshot snapshot;
  std::string path;
  double read_seconds = 0;             // reading and checking the file (for --stats)
  mutable double restore_seconds = 0;  // putting it into the machine
};

// Reads a snapshot, checks its images and returns it with the machine configuration it was
// taken with (in *config).
std::optional<LoadedState> load_snapshot(const std::string& path, machine::MachineConfig* config,
                                         std::string* error);
// Puts the machine (built from that configuration) into the snapshot's state.
bool restore_snapshot(const LoadedState& loaded, system::Machine& machine,
                      ExecutionEngine& engine, std::string* error);
// Saves the machine's state now. `replay` and `trace` are given for a snapshot taken during
// a replay of that trace.
bool save_snapshot(const std::string& path, const machine::MachineConfig& config,
                   system::Machine& machine, std::optional<ReplayPosition> replay,
                   std::string* error, const trace::TraceHeader* trace = nullptr,
                   double* seconds = nullptr);

// For replay --from: the snapshot was taken replaying a trace with this header.
bool snapshot_belongs_to(const LoadedState& loaded, const trace::TraceHeader& header,
                         std::string* error);
ReplayPosition replay_position(const LoadedState& loaded);

}  // namespace rwd::run
