// Snapshot files: a whole machine at one instant (MachineState plus RAM), with the run
// arguments and image digests it was built from, and (when taken during a replay) where in
// the trace the replay continues. They use the frame container (frame_file.h):
//   header frame (SnapshotHeader) | device frames | RAM page frames (~1 MiB each) | end frame
// Zero pages are not stored and equal pages are stored once. Readers validate every field, so
// a damaged file is a one-line error ("snap.rws: page 4711 out of range"), never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/system/machine_state.h"
#include "traces/image_digest.h"

namespace rwd::trace {

inline constexpr std::string_view kSnapshotMagic = "RWDSNAP1";
inline constexpr uint32_t kSnapshotFormatVersion = 1;
inline constexpr uint64_t kSnapshotPageBytes = 4096;
// Bounds a snapshot's RAM (and so page indexes): 1 TiB.
inline constexpr uint64_t kMaxSnapshotRam = uint64_t{1} << 40;

struct SnapshotMeta {
  std::vector<std::string> run_args;  // the run options the machine was built from
  std::vector<ImageDigest> images;
  uint64_t icount = 0;  // instructions retired
  uint64_t clock = 0;   // virtual time
  // Set when taken during replay: where in the trace replay continues, so a replay can resume
  // from the snapshot. All three or none.
  std::optional<uint64_t> trace_event;       // the next event to replay
  std::optional<uint64_t> trace_intervals;   // state hashes already checked before it
  std::optional<uint64_t> trace_header_hash; // identifies the trace
};

// Writes to PATH.tmp and renames, so PATH is never a partial snapshot. `ram` is the guest's
// RAM at `ram_base` (its size must be a multiple of kSnapshotPageBytes).
bool write_snapshot(const std::string& path, const SnapshotMeta& meta,
                    const system::MachineState& state, std::span<const uint8_t> ram,
                    uint64_t ram_base, std::string* error);

struct LoadedSnapshot {
  SnapshotMeta meta;
  system::MachineState state;
  uint64_t ram_base = 0;
  uint64_t ram_size = 0;
  // Non-zero pages by increasing page index; equal pages share their bytes.
  std::vector<std::pair<uint64_t, std::shared_ptr<const std::vector<uint8_t>>>> pages;

  // Writes the snapshot's RAM into `ram` (zero pages included). False if the size differs.
  bool apply_ram(std::span<uint8_t> ram) const;
};

// Errors start with the path: "snap.rws: not a Rewind snapshot", "snap.rws: truncated at
// byte 81920", "snap.rws: page 4711 out of range".
std::optional<LoadedSnapshot> read_snapshot(const std::string& path, std::string* error);
// The same over bytes in memory (errors without the path), for tests and the fuzzer.
std::optional<LoadedSnapshot> read_snapshot_memory(std::vector<uint8_t> bytes, std::string* error);
// Decodes (kind, payload) frames already taken out of the container. For the fuzzer: frame
// checksums keep mutated bytes away from the decoder, so it is fuzzed directly.
std::optional<LoadedSnapshot> decode_snapshot_frames(
    const std::vector<std::pair<uint32_t, std::vector<uint8_t>>>& frames, std::string* error);

}  // namespace rwd::trace
