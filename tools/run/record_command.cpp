// `rewind record`: a live run whose every host input goes through the recorder into a trace.
#include <fmt/core.h>
#include <unistd.h>

#include <chrono>

#include "record/recorder.h"
#include "run/images.h"
#include "run/live_host_input.h"
#include "run/live_machine_host.h"
#include "run/machine_options.h"
#include "run/run_command.h"
#include "run/session.h"
#include "run/terminal.h"
#include "traces/trace_file.h"

namespace rwd::run {

int record_machine(const RecordOptions& options) {
  std::string error;
  auto fail = [&] {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  };
  machine::MachineConfig config = options.run.config;
  // A replay needs the disk images as they were: guest writes stay in the overlay.
  for (machine::DriveConfig& d : config.drives) d.snapshot = true;
  if (!machine::validate_config(config, &error)) return fail();
  const auto images = digest_images(config, &error);
  if (!images) return fail();

  trace::TraceHeader header;
  header.run_args = machine_arguments(config);
  header.images = *images;
  header.hash_interval = options.hash_interval;
  header.recorder = fmt::format("rewind 0.1, tier {}", options.run.tier);
  auto writer = trace::TraceWriter::create(options.trace_file, header, &error);
  if (!writer) return fail();

  LiveHostInput live_input;
  record::Recorder recorder(*writer, live_input, options.hash_interval);
  StdoutConsole console;
  auto machine = system::Machine::create(config, recorder, console, &error);
  if (!machine) return fail();
  Tier tier(options.run.tier, options.run.jit_options());
  machine->hart().mmu().set_measure_time(options.run.stats);
  RawTerminal terminal(STDIN_FILENO);
  LiveMachineHost live(recorder, *machine, terminal, console, false);
  recorder.attach(*machine, live);

  const auto started = std::chrono::steady_clock::now();
  const system::MachineExit exit = machine->run(tier.engine(), recorder);
  const double seconds = seconds_since(started);
  console.flush();
  terminal.restore();
  if (!recorder.finish(exit)) {
    error = fmt::format("recording failed: {} (the trace is readable up to its last complete "
                        "chunk)",
                        recorder.error());
    return fail();
  }
  fmt::print(stderr, "rewind: recorded {} instructions ({} events, {} bytes) to {}\n",
             machine->instructions_retired(), writer->events_written(), writer->bytes_written(),
             options.trace_file);
  if (options.run.stats) tier.print_stats(*machine, exit, seconds);
  return exit.code;
}

}  // namespace rwd::run
