// `rewind replay`: the machine of a trace's header, driven by the trace instead of the host.
#include <fmt/core.h>

#include <chrono>

#include "gdbstub/machine_target.h"
#include "gdbstub/server.h"
#include "replay/replay_history.h"
#include "replay/replayer.h"
#include "replay/timeline.h"
#include "run/images.h"
#include "run/machine_options.h"
#include "run/run_command.h"
#include "run/session.h"
#include "run/snapshot_support.h"
#include "traces/trace_file.h"

namespace rwd::run {

namespace {

// `replay -gdb`: the replay as a gdb target that can go backwards. The machine waits at the
// start of the trace (or the snapshot) for gdb, and the session decides everything after.
int debug_replay(gdb::GdbServer& server, system::Machine& machine, ExecutionEngine& engine,
                 replay::ReplayHistory& history, StdoutConsole& console,
                 replay::ConsoleGate& gate, const ReplayOptions& options) {
  replay::TimelineOptions timeline_options;
  timeline_options.checkpoint_budget_bytes = options.run.checkpoint_mib << 20;
  // gdb treats RISC-V watchpoints as firing before the access and steps it itself.
  timeline_options.watch_report = replay::TimelineOptions::WatchReport::kBeforeTravel;
  replay::Timeline timeline(machine, engine, history, &gate, timeline_options);
  gdb::MachineTarget target(machine, engine, timeline, true);
  std::string error;
  const std::optional<gdb::SessionEnd> end = server.serve(target, &error);
  console.flush();
  if (!end) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  if (auto failure = history.failure()) {
    fmt::print(stderr, "rewind: replay failed: {}\n", *failure);
    return 1;
  }
  fmt::print(stderr, "rewind: gdb session ended ({}) at instruction {}\n",
             gdb::session_end_name(*end), machine.instructions_retired());
  return 0;
}

}  // namespace

int replay_machine(const ReplayOptions& options) {
  std::string error;
  auto fail = [&] {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  };
  auto reader = trace::TraceReader::open(options.trace_file, &error);
  if (!reader) return fail();
  const trace::TraceHeader& header = reader->header();
  auto config = parse_machine_arguments(header.run_args, &error);
  if (!config) {
    error = fmt::format("{}: {}", options.trace_file, error);
    return fail();
  }
  // Images first: a vanished kernel is a changed image to the user, not a bad -kernel option.
  if (!check_images(header.images, &error)) return fail();
  if (!machine::validate_config(*config, &error)) return fail();

  std::optional<LoadedState> loaded;
  if (!options.run.load_file.empty()) {
    machine::MachineConfig snapshot_config;
    loaded = load_snapshot(options.run.load_file, &snapshot_config, &error);
    if (!loaded) return fail();
    if (!snapshot_belongs_to(*loaded, header, &error)) return fail();
  }

  // Listen first: a bad -gdb device or a port in use is reported before anything runs.
  std::unique_ptr<gdb::GdbServer> server;
  if (!options.run.gdb_device.empty()) {
    server = gdb::GdbServer::listen(options.run.gdb_device, &error);
    if (!server) return fail();
  }

  replay::Replayer replayer(*reader);
  StdoutConsole console;
  // Under gdb the console is gated: going back and forth shows each byte once.
  replay::ConsoleGate gate(console);
  dev::ByteSink& sink = server ? static_cast<dev::ByteSink&>(gate) : console;
  auto machine = system::Machine::create(*config, replayer, sink, &error);
  if (!machine) return fail();
  replayer.attach(*machine);
  Tier tier(options.run.tier, options.run.jit_options());
  if (loaded) {
    if (!restore_snapshot(*loaded, *machine, tier.engine(), &error)) return fail();
    const ReplayPosition at = replay_position(*loaded);
    if (!replayer.resume_at(at.event, at.intervals, &error)) return fail();
  }
  machine->hart().mmu().set_measure_time(options.run.stats);
  // The replayer as the machine's host, flushing the console at every poll as a live run does.
  replay::ReplayHistory history(replayer, [&] { console.flush(); });
  if (server) {
    return debug_replay(*server, *machine, tier.engine(), history, console, gate, options);
  }
  system::MachineHost& host = history.host();

  const auto started = std::chrono::steady_clock::now();
  std::optional<system::MachineExit> exit;
  if (options.run.save_at) {
    exit = machine->run_until(tier.engine(), host, *options.run.save_at);
    if (!exit) {
      const ReplayPosition at{replayer.events_consumed(), replayer.intervals_checked()};
      if (!save_snapshot(options.run.save_file, *config, *machine, at, &error,
                         &header)) {
        console.flush();
        return fail();
      }
    }
  }
  if (!exit) exit = machine->run(tier.engine(), host);
  const double seconds = seconds_since(started);
  console.flush();
  replayer.finish(*exit);
  if (options.run.stats) tier.print_stats(*machine, *exit, seconds);
  switch (replayer.outcome()) {
    case replay::ReplayOutcome::kMatched:
      fmt::print(stderr, "rewind: replay: {}\n", replayer.message());
      return exit->code;
    case replay::ReplayOutcome::kTruncated:
      fmt::print(stderr, "rewind: replay: {}\n", replayer.message());
      return 0;
    default:
      fmt::print(stderr, "rewind: replay failed: {}\n", replayer.message());
      return 1;
  }
}

}  // namespace rwd::run
