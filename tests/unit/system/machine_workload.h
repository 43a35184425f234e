// Shared by the machine-state and checkpoint tests: a bare-metal workload that exercises
// every kind of machine state (RAM stores over many pages, UART output, the time CSR, WFI
// woken by the CLINT timer, console input left queued), and a board that runs it on a tier
// with a deterministic host.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "jit/jit_engine.h"
#include "priv/csr.h"
#include "system/machine.h"
#include "system_test_support.h"

namespace rwd::systest {
namespace workload_detail {
using namespace rv;  // NOLINT: the encoders read like assembly
namespace csr = priv::csr;

constexpr int32_t kFinisher = 0x10'0000, kUart = 0x1000'0000;
constexpr int32_t kMtimecmp = 0x200'4000, kMtime = 0x200'bff8;

// Idle periods end at the deadline: deterministic, as a replay would be.
class DeterministicHost final : public system::MachineHost {
 public:
  void poll() override {}
  uint64_t idle(uint64_t now, uint64_t deadline) override {
    return deadline == dev::kNever ? now + 1000 : deadline;
  }
};

// Addresses in the workload, for the debugger's tests.
struct WorkloadLabels {
  uint64_t loop = 0;        // first instruction of the loop body
  uint64_t store = 0;       // the sd of a0 into the data pages
  uint64_t data_base = 0;   // where that store's first slot is (s1)
  uint64_t mtime_load = 0;  // the ld of mtime before each WFI
};

// ~120k iterations of: a0 = a0 * 33 + i + time; store a0 into one of 16 pages; every 4096
// iterations print a letter and wait (WFI) for a timer 50 ticks ahead. Then power off.
inline Program workload(WorkloadLabels* labels = nullptr) {
  WorkloadLabels unused;
  WorkloadLabels& at = labels ? *labels : unused;
  Program p(kRamBase);
  // Any trap fails the run through the finisher (code 3) instead of looping forever.
  p.emit(auipc(t0, 0)).emit(addi(t0, t0, 16)).emit(csrrw(zero, csr::kMtvec, t0));
  const uint64_t over_handler = p.here();
  p.emit(0);
  p.li(t0, kFinisher).li(t1, 3 << 16 | 0x3333).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
  p.patch(over_handler, jal(zero, int32_t(p.here() - over_handler)));
  p.li(s0, kUart);
  at.data_base = p.here() + 0x100000;
  p.emit(auipc(s1, 0x100)).li(a0, 0).li(a1, 120'000).li(a2, 0);
  p.li(t1, 1 << priv::irq::kMTI).emit(csrrw(zero, csr::kMie, t1));
  const uint64_t loop = p.here();
  at.loop = loop;
  p.emit(slli(t0, a0, 5)).emit(add(a0, a0, t0)).emit(add(a0, a0, a2));
  p.emit(csrrs(t1, csr::kTime, zero)).emit(add(a0, a0, t1));
  p.emit(andi(t1, a2, 0x7ff)).emit(slli(t1, t1, 5)).emit(add(t1, t1, s1));
  at.store = p.here();
  p.emit(sd(a0, t1, 0));
  p.emit(slli(t2, a2, 52));  // low 12 bits of i, zero every 4096 iterations
  const uint64_t skip_branch = p.here();
  p.emit(0);
  p.emit(andi(t1, a0, 15)).emit(addi(t1, t1, 'a')).emit(sb(t1, s0, 0));
  p.li(t0, kMtime);
  at.mtime_load = p.here();
  p.emit(ld(t1, t0, 0)).emit(addi(t1, t1, 50));
  p.li(t0, kMtimecmp).emit(sd(t1, t0, 0)).emit(wfi());
  p.patch(skip_branch, bne(t2, zero, int32_t(p.here() - skip_branch)));
  p.emit(addi(a2, a2, 1)).emit(bne(a2, a1, int32_t(loop - p.here())));
  p.li(t0, kFinisher).li(t1, 0x5555).emit(sw(t1, t0, 0)).emit(jal(zero, 0));
  return p;
}

inline std::unique_ptr<ExecutionEngine> make_engine(const std::string& tier, Translator& translator) {
  if (tier == "jit") return std::make_unique<jit::JitEngine>(translator);
  return std::make_unique<Interpreter>(translator);
}

// One machine with its console and engine.
struct Board {
  FixedHostInput input;
  StringSink console;
  Translator translator;
  std::unique_ptr<ExecutionEngine> engine;
  std::unique_ptr<system::Machine> machine;
  DeterministicHost host;
};

}  // namespace workload_detail

using workload_detail::Board;
using workload_detail::WorkloadLabels;
using workload_detail::make_engine;
using workload_detail::workload;

// Writes the workload to a temporary kernel file and builds boards that boot it.
class WorkloadFiles {
 public:
  WorkloadFiles() {
    static std::atomic<int> counter{0};
    kernel_path_ = (std::filesystem::temp_directory_path() /
                    ("rewind_statetest_" + std::to_string(getpid()) + "_" +
                     std::to_string(counter++) + ".bin"))
                       .string();
    std::ofstream out(kernel_path_, std::ios::binary);
    const std::vector<uint8_t> bytes = workload().bytes();
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  ~WorkloadFiles() {
    std::error_code ec;
    std::filesystem::remove(kernel_path_, ec);
  }
  WorkloadFiles(const WorkloadFiles&) = delete;
  WorkloadFiles& operator=(const WorkloadFiles&) = delete;

  // A fresh board on `tier` with 40 bytes typed (more than the UART FIFO takes).
  std::unique_ptr<Board> board(const std::string& tier) const {
    auto b = std::make_unique<Board>();
    machine::MachineConfig config;
    config.bios = "none";
    config.kernel = kernel_path_;
    config.ram_bytes = 32 * machine::kMiB;
    std::string error;
    b->machine = system::Machine::create(config, b->input, b->console, &error);
    if (!b->machine) throw std::runtime_error(error);
    b->engine = make_engine(tier, b->translator);
    const std::string typed(40, 'k');
    b->machine->type({reinterpret_cast<const uint8_t*>(typed.data()), typed.size()});
    return b;
  }

 private:
  std::string kernel_path_;
};

}  // namespace rwd::systest
