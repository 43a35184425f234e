// A scripted DebugTarget for the protocol tests and the fuzzer: registers and one RAM region
// per machine, a log of everything the session asked for, and resume() answers taken from a
// script (or a hook, for tests that need to watch `interrupted`).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "gdbstub/debug_target.h"
#include "gdbstub/session.h"

namespace rwd::gdb::testing {

class FakeTarget : public DebugTarget {
 public:
  static constexpr uint64_t kRamBase = 0x80000000;

  explicit FakeTarget(unsigned harts = 1, size_t ram_bytes = 0x1000)
      : harts_(harts), ram(ram_bytes) {
    for (unsigned h = 0; h < harts; ++h) {
      for (unsigned r = 0; r < 32; ++r) regs[{h, r}] = 0x1000u * (h + 1) + r;
      regs[{h, kRegPc}] = kRamBase + 0x100 * h;
      for (unsigned r = 0; r < 32; ++r) regs[{h, kRegF0 + r}] = 0x3ff0000000000000ull + r;
      for (const CsrInfo& csr : csr_list) regs[{h, kFirstCsr + csr.number}] = csr.number;
      regs[{h, kRegPriv}] = 3;
    }
    for (size_t i = 0; i < ram.size(); ++i) ram[i] = static_cast<uint8_t>(i);
  }

  // DebugTarget
  unsigned thread_count() const override { return harts_; }
  void select_thread(unsigned index) override {
    selections.push_back(index);
    if (index < harts_) selected = index;
  }
  std::vector<CsrInfo> csrs() const override { return csr_list; }

  bool read_register(unsigned regno, std::vector<uint8_t>* bytes) override {
    auto it = regs.find({selected, regno});
    if (it == regs.end()) return false;
    bytes->resize(8);
    for (unsigned i = 0; i < 8; ++i) (*bytes)[i] = static_cast<uint8_t>(it->second >> (8 * i));
    return true;
  }
  bool write_register(unsigned regno, std::span<const uint8_t> bytes, std::string* error) override {
    register_writes.push_back({selected, regno, std::vector<uint8_t>(bytes.begin(), bytes.end())});
    auto it = regs.find({selected, regno});
    if (it == regs.end() || read_only) {
      *error = read_only ? "replaying: the machine cannot change" : "no such register";
      return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < bytes.size() && i < 8; ++i) v |= uint64_t(bytes[i]) << (8 * i);
    it->second = v;
    return true;
  }

  size_t read_memory(uint64_t address, std::span<uint8_t> out) override {
    reads.push_back({address, out.size()});
    if (address < kRamBase || address - kRamBase >= ram.size()) return 0;
    const size_t offset = address - kRamBase;
    const size_t n = std::min(out.size(), ram.size() - offset);
    if (n != 0) std::memcpy(out.data(), ram.data() + offset, n);  // `m addr,0` has no buffer
    return n;
  }
  bool write_memory(uint64_t address, std::span<const uint8_t> bytes, std::string* error) override {
    memory_writes.push_back({address, std::vector<uint8_t>(bytes.begin(), bytes.end())});
    if (read_only || address < kRamBase || address - kRamBase > ram.size() ||
        bytes.size() > ram.size() - (address - kRamBase)) {
      *error = read_only ? "replaying" : "not RAM";
      return false;
    }
    std::memcpy(ram.data() + (address - kRamBase), bytes.data(), bytes.size());
    return true;
  }

  bool set_breakpoint(BreakpointKind kind, uint64_t address, bool insert) override {
    breakpoint_calls.push_back({kind, address, insert});
    return !reject_breakpoints;
  }
  bool set_watchpoint(WatchKind kind, uint64_t address, uint64_t length, bool insert) override {
    watchpoint_calls.push_back({kind, address, length, insert});
    return !reject_breakpoints;
  }

  bool can_reverse() const override { return reversible; }
  bool watch_stops_before_access() const override { return watch_before; }

  StopEvent resume(ResumeAction action, const std::function<bool()>& interrupted) override {
    resumes.push_back({action, selected});
    if (on_resume) return on_resume(action, interrupted);
    if (stops.empty()) return StopEvent{};
    StopEvent stop = stops.front();
    stops.pop_front();
    return stop;
  }

  std::string monitor(std::string_view command, const std::function<bool()>& interrupted,
                      bool* ok) override {
    monitor_commands.emplace_back(command);
    if (on_monitor) return on_monitor(command, interrupted, ok);
    *ok = command != "fail";
    return *ok ? "ran " + std::string(command) + "\n" : "no such command\n";
  }

  void detach() override { ++detaches; }
  void kill() override { ++kills; }

  // Configuration.
  std::vector<CsrInfo> csr_list = {{1, "fflags"},      {2, "frm"},       {3, "fcsr"},
                                   {0x300, "mstatus"}, {0x305, "mtvec"}, {0x180, "satp"},
                                   {0xc00, "cycle"}};
  bool read_only = false;
  bool reject_breakpoints = false;
  bool reversible = false;
  bool watch_before = false;
  std::deque<StopEvent> stops;
  std::function<StopEvent(ResumeAction, const std::function<bool()>&)> on_resume;
  std::function<std::string(std::string_view, const std::function<bool()>&, bool*)> on_monitor;

  // State and what happened.
  unsigned harts_;
  unsigned selected = 0;
  std::map<std::pair<unsigned, unsigned>, uint64_t> regs;  // (hart, regno) -> value
  std::vector<uint8_t> ram;
  std::vector<unsigned> selections;
  struct RegisterWrite {
    unsigned hart;
    unsigned regno;
    std::vector<uint8_t> bytes;
  };
  std::vector<RegisterWrite> register_writes;
  std::vector<std::pair<uint64_t, size_t>> reads;
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> memory_writes;
  std::vector<std::tuple<BreakpointKind, uint64_t, bool>> breakpoint_calls;
  std::vector<std::tuple<WatchKind, uint64_t, uint64_t, bool>> watchpoint_calls;
  std::vector<std::pair<ResumeAction, unsigned>> resumes;  // (action, selected hart)
  std::vector<std::string> monitor_commands;
  int detaches = 0;
  int kills = 0;
};

// A Transport over memory: what the session writes is collected; poll() hands out `incoming`
// one chunk per call (the transport of a client that types Ctrl-C while the target runs).
class FakeTransport : public Transport {
 public:
  bool write(std::span<const uint8_t> bytes) override {
    if (broken) return false;
    written.append(bytes.begin(), bytes.end());
    return true;
  }
  ptrdiff_t poll(std::span<uint8_t> buffer) override {
    ++polls;
    if (incoming.empty()) return closed ? -1 : 0;
    std::string chunk = std::move(incoming.front());
    incoming.pop_front();
    const size_t n = std::min(chunk.size(), buffer.size());
    std::memcpy(buffer.data(), chunk.data(), n);
    if (n < chunk.size()) incoming.push_front(chunk.substr(n));
    return static_cast<ptrdiff_t>(n);
  }

  std::string written;
  std::deque<std::string> incoming;
  bool closed = false;  // poll() reports the client gone once `incoming` is used up
  bool broken = false;  // write() fails
  int polls = 0;
};

}  // namespace rwd::gdb::testing
