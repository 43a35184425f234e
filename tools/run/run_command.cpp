#include "run/run_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "run/console_escape.h"
#include "run/live_host_input.h"
#include "run/terminal.h"
#include "system/machine.h"

namespace rwd::run {

namespace {

// UART output to stdout, buffered and flushed whenever the machine polls the host.
class StdoutConsole final : public dev::ByteSink {
 public:
  void put(uint8_t byte) override {
    buffer_.push_back(byte);
    if (buffer_.size() >= 4096) flush();
  }
  void flush() {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(STDOUT_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n <= 0) break;  // stdout closed: the guest's output has nowhere to go
      done += size_t(n);
    }
    buffer_.clear();
  }

 private:
  std::vector<uint8_t> buffer_;
};

void write_stdout(std::string_view text) {
  if (::write(STDOUT_FILENO, text.data(), text.size()) < 0) {
    // Nothing sensible to do when stdout is gone.
  }
}

}  // namespace

int run_machine(const RunOptions& options) {
  std::string error;
  if (!machine::validate_config(options.config, &error)) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  LiveHostInput host;
  StdoutConsole console;
  auto machine = system::Machine::create(options.config, host, console, &error);
  if (!machine) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  Translator translator;
  std::unique_ptr<ExecutionEngine> engine;
  jit::JitEngine* jit_engine = nullptr;
  Interpreter* interpreter = nullptr;
  if (options.tier == "interp") {
    auto e = std::make_unique<Interpreter>(translator);
    interpreter = e.get();
    engine = std::move(e);
  } else {
    auto e = std::make_unique<jit::JitEngine>(translator, options.code_cache_mib << 20);
    jit_engine = e.get();
    engine = std::move(e);
  }

  RawTerminal terminal(STDIN_FILENO);
  ConsoleEscape escape;
  bool input_open = true;
  auto poll = [&](int timeout_ms) {
    console.flush();
    if (!input_open) {
      if (timeout_ms > 0) usleep(useconds_t(timeout_ms) * 1000);
      return;
    }
    uint8_t buffer[256];
    const int n = terminal.poll_input(buffer, timeout_ms);
    if (n < 0) {
      input_open = false;
      return;
    }
    for (int i = 0; i < n; ++i) {
      const ConsoleStep step = escape.feed(buffer[i]);
      switch (step.action) {
        case ConsoleAction::kGuestByte: machine->type({&step.byte, 1}); break;
        case ConsoleAction::kHelp: write_stdout(console_help_text()); break;
        case ConsoleAction::kQuit:
          write_stdout(kQuitMessage);
          machine->request_stop({0, "quit from the console"});
          return;
        case ConsoleAction::kCommitDisks: machine->commit_disks(); break;
        default: break;
      }
    }
  };

  const auto started = std::chrono::steady_clock::now();
  const system::MachineExit exit = machine->run(*engine, poll);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  console.flush();
  terminal.restore();
  try {
    machine->commit_disks_on_exit();
  } catch (const std::exception& e) {
    fmt::print(stderr, "rewind: {}\n", e.what());
    return 1;
  }
  if (options.stats) {
    const system::MmuStats& m = machine->hart().mmu().stats();
    fmt::print(stderr,
               "rewind: {} ({}); {} instructions retired, {} idle, {:.3f} s host time\n"
               "rewind: mmu: {} slow loads, {} slow stores, {} page walks, {} device accesses, "
               "{} TLB flushes\n",
               exit.reason, exit.code, machine->instructions_retired(),
               machine->idle_instructions(), seconds, m.slow_loads, m.slow_stores, m.page_walks,
               m.device_accesses, m.tlb_flushes);
    if (jit_engine) {
      const jit::JitStats& s = jit_engine->stats();
      fmt::print(stderr,
                 "rewind: jit: {} blocks ({} instructions) in {:.3f} s, {} dispatcher entries, "
                 "{} links, {} flushes\n",
                 s.blocks_compiled, s.guest_insns_compiled, s.compile_seconds,
                 s.dispatcher_entries, s.links, s.flushes);
    }
    if (interpreter) {
      const InterpreterStats& s = interpreter->stats();
      fmt::print(stderr, "rewind: interp: {} blocks translated, {} executed\n",
                 s.blocks_translated, s.blocks_executed);
    }
  }
  return exit.code;
}

}  // namespace rwd::run
