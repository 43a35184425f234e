#include "run/run_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "gdbstub/machine_target.h"
#include "gdbstub/server.h"
#include "replay/live_recording.h"
#include "replay/timeline.h"
#include "run/live_host_input.h"
#include "run/live_machine_host.h"
#include "run/session.h"
#include "run/snapshot_support.h"
#include "run/terminal.h"
#include "system/machine.h"

namespace rwd::run {

namespace {

// `run -gdb`: gdb attaches before the first instruction (-S) or whenever it connects while
// the machine runs. The run keeps an in-memory recording from the start, so gdb can go back
// to any point since (--checkpoint-mib 0: forward only). Returns the exit if the machine ended
// under gdb or gdb killed it; after a detach or disconnect the run goes on without the
// debugger (nullopt).
std::optional<system::MachineExit> debug_live(gdb::GdbServer& server, system::Machine& machine,
                                              ExecutionEngine& engine,
                                              replay::LiveRecording& recording,
                                              replay::ConsoleGate& gate,
                                              const RunOptions& run_options, std::string* error,
                                              bool* failed) {
  replay::TimelineOptions options;
  options.keep_history = run_options.checkpoint_mib > 0;
  options.checkpoint_budget_bytes = run_options.checkpoint_mib << 20;
  // gdb treats RISC-V watchpoints as firing before the access and steps it itself.
  options.watch_report = replay::TimelineOptions::WatchReport::kBeforeTravel;
  replay::Timeline timeline(machine, engine, recording, &gate, options);
  if (!run_options.gdb_wait) {
    const replay::TimelineStop stop =
        timeline.run_forward([&server] { return server.connection_waiting(); });
    if (stop.kind == replay::TimelineStop::Kind::kHistoryEnd) return stop.exit;
  }
  gdb::MachineTarget target(machine, engine, timeline, false);
  const std::optional<gdb::SessionEnd> end = server.serve(target, error);
  if (!end) {
    *failed = true;
    return std::nullopt;
  }
  if (auto failure = recording.failure()) {
    *error = *failure;
    *failed = true;
    return std::nullopt;
  }
  if (timeline.ended()) return timeline.exit();
  if (*end == gdb::SessionEnd::kKilled) return system::MachineExit{0, "killed from gdb"};
  return std::nullopt;
}

}  // namespace

jit::JitOptions RunOptions::jit_options() const {
  jit::JitOptions options;
  options.code_cache_bytes = code_cache_mib << 20;
  options.hot_threshold = hot_threshold;
  options.llvm_opt_level = llvm_opt_level;
  options.llvm_compile_share = llvm_compile_share;
  return options;
}

int run_machine(const RunOptions& options) {
  std::string error;
  machine::MachineConfig config = options.config;
  std::optional<LoadedState> loaded;
  if (!options.load_file.empty()) {
    loaded = load_snapshot(options.load_file, &config, &error);
    if (!loaded) {
      fmt::print(stderr, "rewind: {}\n", error);
      return 1;
    }
  }
  if (!machine::validate_config(config, &error)) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  std::unique_ptr<gdb::GdbServer> server;
  if (!options.gdb_device.empty()) {
    server = gdb::GdbServer::listen(options.gdb_device, &error);
    if (!server) {
      fmt::print(stderr, "rewind: {}\n", error);
      return 1;
    }
  } else if (options.gdb_wait) {
    fmt::print(stderr, "rewind: -S waits for gdb: give -s or -gdb tcp::PORT too\n");
    return 1;
  }
  LiveHostInput host;
  StdoutConsole console;
  // Under gdb, every host input passes the in-memory recording and the console is gated, so
  // going back re-executes exactly and shows each byte once.
  replay::LiveRecording recording(host);
  replay::ConsoleGate gate(console);
  dev::HostInput& host_input = server ? static_cast<dev::HostInput&>(recording) : host;
  dev::ByteSink& sink = server ? static_cast<dev::ByteSink&>(gate) : console;
  auto machine = system::Machine::create(config, host_input, sink, &error);
  if (!machine) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  Tier tier(options.tier, options.jit_options());
  if (loaded && !restore_snapshot(*loaded, *machine, tier.engine(), &error)) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  if (loaded && options.stats) {
    fmt::print(stderr, "rewind: snapshot: loaded {} at instruction {} in {:.3f} s ({:.3f} s "
               "reading, {:.3f} s restoring)\n",
               options.load_file, machine->instructions_retired(),
               loaded->read_seconds + loaded->restore_seconds, loaded->read_seconds,
               loaded->restore_seconds);
  }

  machine->hart().mmu().set_measure_time(options.stats);
  RawTerminal terminal(STDIN_FILENO);
  system::GuestInput& guest_input =
      server ? static_cast<system::GuestInput&>(recording) : *machine;
  LiveMachineHost live(guest_input, *machine, terminal, console, true);
  recording.attach(*machine, [&machine] { return machine->virtual_time(); }, live);
  // After a detach the machine may be behind the recording's frontier: the recording answers
  // until it is caught up.
  system::MachineHost& run_host = server ? static_cast<system::MachineHost&>(recording) : live;
  const auto started = std::chrono::steady_clock::now();
  std::optional<system::MachineExit> exit;
  if (server) {
    if (options.save_at) {
      terminal.restore();
      fmt::print(stderr, "rewind: --save-at and -gdb cannot be combined\n");
      return 1;
    }
    bool failed = false;
    exit = debug_live(*server, *machine, tier.engine(), recording, gate, options, &error,
                      &failed);
    if (failed) {
      console.flush();
      terminal.restore();
      fmt::print(stderr, "rewind: {}\n", error);
      return 1;
    }
  }
  if (options.save_at) {
    exit = machine->run_until(tier.engine(), live, *options.save_at);
    if (!exit) {
      double seconds = 0;
      if (!save_snapshot(options.save_file, config, *machine, std::nullopt, &error, nullptr,
                         &seconds)) {
        console.flush();
        terminal.restore();
        fmt::print(stderr, "rewind: {}\n", error);
        return 1;
      }
      if (options.stats) {
        fmt::print(stderr, "rewind: snapshot: saved {} at instruction {} in {:.3f} s\n",
                   options.save_file, machine->instructions_retired(), seconds);
      }
    }
  }
  if (!exit) exit = machine->run(tier.engine(), run_host);
  const double seconds = seconds_since(started);
  console.flush();
  terminal.restore();
  try {
    machine->commit_disks_on_exit();
  } catch (const std::exception& e) {
    fmt::print(stderr, "rewind: {}\n", e.what());
    return 1;
  }
  if (options.save_at && machine->instructions_retired() < *options.save_at) {
    fmt::print(stderr, "rewind: the run ended ({}) at instruction {}, before --save-at {}\n",
               exit->reason, machine->instructions_retired(), *options.save_at);
  }
  if (options.stats) tier.print_stats(*machine, *exit, seconds);
  return exit->code;
}

}  // namespace rwd::run
