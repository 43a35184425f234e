#include "run/run_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "run/live_host_input.h"
#include "run/live_machine_host.h"
#include "run/session.h"
#include "run/snapshot_support.h"
#include "run/terminal.h"
#include "system/machine.h"

namespace rwd::run {

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
  LiveHostInput host;
  StdoutConsole console;
  auto machine = system::Machine::create(config, host, console, &error);
  if (!machine) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  Tier tier(options.tier, options.code_cache_mib);
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
  LiveMachineHost live(*machine, *machine, terminal, console, true);
  const auto started = std::chrono::steady_clock::now();
  std::optional<system::MachineExit> exit;
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
  if (!exit) exit = machine->run(tier.engine(), live);
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
