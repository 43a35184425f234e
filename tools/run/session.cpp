#include "run/session.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace rwd::run {

void StdoutConsole::flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, buffer_.data() + done, buffer_.size() - done);
    if (n <= 0) break;  // stdout closed: the guest's output has nowhere to go
    done += size_t(n);
  }
  buffer_.clear();
}

void write_stdout(std::string_view text) {
  if (::write(STDOUT_FILENO, text.data(), text.size()) < 0) {
    // Nothing sensible to do when stdout is gone.
  }
}

Tier::Tier(const std::string& name, const jit::JitOptions& jit_options) {
  if (name == "interp") {
    auto e = std::make_unique<Interpreter>(translator_);
    interpreter_ = e.get();
    engine_ = std::move(e);
  } else {
    jit::JitOptions options = jit_options;
    jit::parse_tier(name, &options.tier);  // the option parser checked the name
    auto e = std::make_unique<jit::JitEngine>(translator_, options);
    jit_ = e.get();
    engine_ = std::move(e);
  }
}

void Tier::print_stats(system::Machine& machine, const system::MachineExit& exit,
                       double seconds) const {
  const system::MmuStats& m = machine.hart().mmu().stats();
  fmt::print(stderr,
             "rewind: {} ({}); {} instructions retired, {} idle, {:.3f} s host time\n"
             "rewind: mmu: {} slow loads, {} slow stores, {} page walks, {} device accesses, "
             "{} TLB flushes, {:.3f} s in slow paths\n",
             exit.reason, exit.code, machine.instructions_retired(), machine.idle_instructions(),
             seconds, m.slow_loads, m.slow_stores, m.page_walks, m.device_accesses, m.tlb_flushes,
             m.slow_path_seconds);
  if (jit_) {
    fmt::print(stderr, "rewind: {}\n",
               jit::describe_stats(jit_->stats(), jit_->tier(), machine.hart().cpu().icount,
                                   "rewind: "));
  }
  if (interpreter_) {
    const InterpreterStats& s = interpreter_->stats();
    fmt::print(stderr, "rewind: interp: {} blocks translated, {} executed\n",
               s.blocks_translated, s.blocks_executed);
  }
}

}  // namespace rwd::run
