// What `rewind run`, `record` and `replay` share: the console sink, the execution tier, and
// the statistics printed with --stats.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "devices/device.h"
#include "exec/engine.h"
#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "system/machine.h"

namespace rwd::run {

// UART output to stdout, buffered and flushed whenever the machine polls the host.
class StdoutConsole final : public dev::ByteSink {
 public:
  void put(uint8_t byte) override {
    buffer_.push_back(byte);
    if (buffer_.size() >= 4096) flush();
  }
  void flush();

 private:
  std::vector<uint8_t> buffer_;
};

void write_stdout(std::string_view text);

// The execution tier chosen by --tier ("interp", "jit", "llvm" or "auto").
class Tier {
 public:
  // name: interp, or a JIT tier for jit::parse_tier; options: the JIT's, but for its tier.
  Tier(const std::string& name, const jit::JitOptions& options);
  ExecutionEngine& engine() { return *engine_; }
  // The --stats lines for the tier and the machine.
  void print_stats(system::Machine& machine, const system::MachineExit& exit,
                   double seconds) const;

 private:
  Translator translator_;
  std::unique_ptr<ExecutionEngine> engine_;
  jit::JitEngine* jit_ = nullptr;
  Interpreter* interpreter_ = nullptr;
};

// Seconds since `start`, for --stats.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace rwd::run
