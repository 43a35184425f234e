#include "run/snapshot_support.h"

#include <fmt/core.h>
#include <xxhash.h>

#include <chrono>
#include <cstdio>

#include "devices/state_io.h"
#include "run/images.h"
#include "run/machine_options.h"

namespace rwd::run {

namespace {

// Identifies a trace by what defines its machine: the arguments, the images and the hash
// interval (two recordings of the same setup differ in their events, but a snapshot of one
// replays consistently only with the same header, which is what this checks).
uint64_t header_hash(const trace::TraceHeader& h) {
  std::string text;
  for (const std::string& a : h.run_args) text += a + '\0';
  for (const trace::ImageDigest& d : h.images) text += fmt::format("{}:{}:{}\n", d.path, d.size, d.xxh64);
  text += std::to_string(h.hash_interval);
  return XXH64(text.data(), text.size(), 0);
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::optional<LoadedState> load_snapshot(const std::string& path, machine::MachineConfig* config,
                                         std::string* error) {
  const auto t0 = std::chrono::steady_clock::now();
  auto snapshot = trace::read_snapshot(path, error);
  if (!snapshot) return std::nullopt;
  auto parsed = parse_machine_arguments(snapshot->meta.run_args, error);
  if (!parsed) {
    *error = fmt::format("{}: {}", path, *error);
    return std::nullopt;
  }
  if (!check_images(snapshot->meta.images, error)) return std::nullopt;
  *config = *parsed;
  LoadedState loaded{std::move(*snapshot), path, since(t0)};
  return loaded;
}

bool restore_snapshot(const LoadedState& loaded, system::Machine& machine,
                      ExecutionEngine& engine, std::string* error) {
  const auto t0 = std::chrono::steady_clock::now();
  const trace::LoadedSnapshot& s = loaded.snapshot;
  // Checked before anything changes, and the state (which restore validates and refuses
  // whole) before RAM, so a snapshot that does not fit leaves the machine as it was.
  if (s.ram_base != machine.ram_base() || s.ram_size != machine.ram().size()) {
    *error = fmt::format("{}: its RAM ({} bytes at {:#x}) does not fit this machine", loaded.path,
                         s.ram_size, s.ram_base);
    return false;
  }
  try {
    machine.restore(s.state, engine);
  } catch (const dev::StateError& e) {
    *error = fmt::format("{}: {}", loaded.path, e.what());
    return false;
  }
  s.apply_ram(machine.ram());
  loaded.restore_seconds = since(t0);
  return true;
}

bool save_snapshot(const std::string& path, const machine::MachineConfig& config,
                   system::Machine& machine, std::optional<ReplayPosition> replay,
                   std::string* error, const trace::TraceHeader* trace, double* seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  trace::SnapshotMeta meta;
  if (trace) {
    meta.run_args = trace->run_args;
    meta.images = trace->images;
  } else {
    meta.run_args = machine_arguments(config);
    auto images = digest_images(config, error);
    if (!images) return false;
    meta.images = std::move(*images);
  }
  meta.icount = machine.instructions_retired();
  meta.clock = machine.clock();
  if (replay && trace) {
    meta.trace_event = replay->event;
    meta.trace_intervals = replay->intervals;
    meta.trace_header_hash = header_hash(*trace);
  }
  system::MachineState state;
  machine.capture(&state);
  if (!trace::write_snapshot(path, meta, state, machine.ram(), machine.ram_base(), error)) {
    return false;
  }
  if (seconds) *seconds = since(t0);
  return true;
}

bool snapshot_belongs_to(const LoadedState& loaded, const trace::TraceHeader& header,
                         std::string* error) {
  const trace::SnapshotMeta& m = loaded.snapshot.meta;
  if (!m.trace_event || !m.trace_header_hash) {
    *error = fmt::format("{}: not taken during a replay (use `rewind run --load` for it)",
                         loaded.path);
    return false;
  }
  if (*m.trace_header_hash != header_hash(header)) {
    *error = fmt::format("{}: taken while replaying a different trace", loaded.path);
    return false;
  }
  return true;
}

ReplayPosition replay_position(const LoadedState& loaded) {
  const trace::SnapshotMeta& m = loaded.snapshot.meta;
  return {m.trace_event.value_or(0), m.trace_intervals.value_or(0)};
}

}  // namespace rwd::run
