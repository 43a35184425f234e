#include "run/run_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
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

// The live host: terminal input through the Ctrl-A escapes, and idle time paced so that
// virtual time never runs ahead of real time while the guest waits (as QEMU's -icount
// sleep=on), which keeps guest timeouts and `sleep` meaningful to a person at the console.
class LiveMachineHost final : public system::MachineHost {
 public:
  LiveMachineHost(system::Machine& machine, RawTerminal& terminal, StdoutConsole& console)
      : machine_(machine), terminal_(terminal), console_(console), started_(Clock::now()) {}

  void poll() override { read_input(0); }

  uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) override {
    for (;;) {
      const uint64_t host_ns = elapsed_ns();
      if (host_ns >= deadline_ns) {
        read_input(0);  // virtual time is behind real time: no reason to wait
        return deadline_ns;
      }
      const uint64_t wait_ns = deadline_ns - std::max(host_ns, now_ns);
      const int timeout_ms = int(std::min<uint64_t>(wait_ns / 1'000'000 + 1, 100));
      if (read_input(timeout_ms) || machine_stopping_) {
        // Input arrived: the guest sees it at the current real time, not after the deadline.
        return std::clamp(elapsed_ns(), now_ns + 1, deadline_ns);
      }
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  uint64_t elapsed_ns() const {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_)
                        .count());
  }

  // Returns true if anything reached the guest or the run is ending.
  bool read_input(int timeout_ms) {
    console_.flush();
    if (!input_open_) {
      if (timeout_ms > 0) usleep(useconds_t(timeout_ms) * 1000);
      return false;
    }
    uint8_t buffer[256];
    const int n = terminal_.poll_input(buffer, timeout_ms);
    if (n < 0) {
      input_open_ = false;
      return false;
    }
    bool delivered = false;
    for (int i = 0; i < n; ++i) {
      const ConsoleStep step = escape_.feed(buffer[i]);
      switch (step.action) {
        case ConsoleAction::kGuestByte:
          machine_.type({&step.byte, 1});
          delivered = true;
          break;
        case ConsoleAction::kHelp: write_stdout(console_help_text()); break;
        case ConsoleAction::kQuit:
          write_stdout(kQuitMessage);
          machine_.request_stop({0, "quit from the console"});
          machine_stopping_ = true;
          return true;
        case ConsoleAction::kCommitDisks: machine_.commit_disks(); break;
        default: break;
      }
    }
    return delivered;
  }

  system::Machine& machine_;
  RawTerminal& terminal_;
  StdoutConsole& console_;
  ConsoleEscape escape_;
  const Clock::time_point started_;
  bool input_open_ = true;
  bool machine_stopping_ = false;
};

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

  machine->hart().mmu().set_measure_time(options.stats);
  RawTerminal terminal(STDIN_FILENO);
  LiveMachineHost live(*machine, terminal, console);
  const auto started = std::chrono::steady_clock::now();
  const system::MachineExit exit = machine->run(*engine, live);
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
               "{} TLB flushes, {:.3f} s in slow paths\n",
               exit.reason, exit.code, machine->instructions_retired(),
               machine->idle_instructions(), seconds, m.slow_loads, m.slow_stores, m.page_walks,
               m.device_accesses, m.tlb_flushes, m.slow_path_seconds);
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
