// A gdb server over a FakeTarget that behaves like a tiny machine: RAM full of nops, `step`
// moves the pc by 4, `continue` runs to the next inserted breakpoint (or until Ctrl-C),
// reverse execution walks back to the start. gdb_smoke_test.py drives it with a real gdb.
//   fake_server DEVICE      prints "end: <how the session ended>" to stderr when done
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include "gdbstub/server.h"
#include "tests/unit/gdbstub/fake_target.h"

namespace {

using namespace rwd::gdb;

class TinyMachine {
 public:
  explicit TinyMachine(testing::FakeTarget& target) : target_(target) {
    for (size_t i = 0; i + 4 <= target.ram.size(); i += 4) {
      target.ram[i] = 0x13;  // addi x0, x0, 0
      target.ram[i + 1] = target.ram[i + 2] = target.ram[i + 3] = 0;
    }
  }

  StopEvent resume(ResumeAction action, const std::function<bool()>& interrupted) {
    uint64_t& pc = target_.regs[{target_.selected, kRegPc}];
    const uint64_t start = testing::FakeTarget::kRamBase + 0x100 * target_.selected;
    StopEvent stop;
    stop.hart = target_.selected;
    switch (action) {
      case ResumeAction::kStep:
        pc += 4;
        return stop;
      case ResumeAction::kReverseStep:
        if (pc == start)
          stop.kind = StopEvent::Kind::kHistoryBegin;
        else
          pc -= 4;
        return stop;
      case ResumeAction::kReverseContinue:
        while (pc > start) {
          pc -= 4;
          if (breakpoint_at(pc)) {
            stop.kind = StopEvent::Kind::kBreakpoint;
            return stop;
          }
        }
        stop.kind = StopEvent::Kind::kHistoryBegin;
        return stop;
      case ResumeAction::kContinue:
        break;
    }
    const uint64_t end = testing::FakeTarget::kRamBase + target_.ram.size();
    while (pc + 4 < end) {
      pc += 4;
      if (breakpoint_at(pc)) {
        stop.kind = StopEvent::Kind::kBreakpoint;
        return stop;
      }
    }
    // The end of RAM: spin like a guest in a loop until the client interrupts.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!interrupted() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    stop.kind = StopEvent::Kind::kInterrupted;
    return stop;
  }

 private:
  bool breakpoint_at(uint64_t pc) const {
    std::set<uint64_t> inserted;
    for (const auto& [kind, address, insert] : target_.breakpoint_calls) {
      if (insert) {
        inserted.insert(address);
      } else {
        inserted.erase(address);
      }
    }
    return inserted.count(pc) != 0;
  }

  testing::FakeTarget& target_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fake_server DEVICE\n");
    return 2;
  }
  testing::FakeTarget target(2, 0x1000);
  target.reversible = true;
  TinyMachine machine(target);
  target.on_resume = [&machine](ResumeAction action, const std::function<bool()>& interrupted) {
    return machine.resume(action, interrupted);
  };
  std::string error;
  auto server = GdbServer::listen(argv[1], &error);
  if (!server) {
    std::fprintf(stderr, "fake_server: %s\n", error.c_str());
    return 1;
  }
  const auto end = server->serve(target, &error);
  std::fprintf(stderr, "end: %s\n", end ? session_end_name(*end) : error.c_str());
  return end ? 0 : 1;
}
