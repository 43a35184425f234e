// What the GDB remote protocol layer needs from the thing it debugs. The protocol code
// (packets, sessions) is written against this interface only; the machine-backed
// implementation (gdbstub/machine_target.h) puts a live or replayed Rewind machine behind it,
// and tests put a scripted fake.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwd::gdb {

// GDB's RISC-V register numbers (gdb/riscv-tdep.h): x0..x31, pc, f0..f31, then CSR n at
// kFirstCsr + n (fflags, frm and fcsr are CSRs 1, 2, 3), and the virtual `priv` register.
inline constexpr unsigned kRegX0 = 0;
inline constexpr unsigned kRegPc = 32;
inline constexpr unsigned kRegF0 = 33;
inline constexpr unsigned kFirstCsr = 65;
inline constexpr unsigned kRegPriv = kFirstCsr + 4096;  // 4161

enum class BreakpointKind { kSoftware, kHardware };
enum class WatchKind { kWrite, kRead, kAccess };

// A CSR the target implements, for the target description.
struct CsrInfo {
  uint32_t number;
  std::string name;  // as gdb names it: "mstatus", "satp", ...
};

// Why the target stopped; becomes a T / W / S stop reply.
struct StopEvent {
  enum class Kind {
    kStep,          // a step finished (SIGTRAP)
    kInterrupted,   // Ctrl-C from the client (SIGINT)
    kBreakpoint,    // at a breakpoint, before running it
    kWatchpoint,    // at the access that hit a watchpoint (see watch_stops_before_access)
    kHistoryBegin,  // a reverse command reached the start of the history (replaylog:begin)
    kHistoryEnd,    // a forward command reached the end of a replay (replaylog:end)
    kExited,        // the machine ended (W packet); the session is over
  };
  Kind kind = Kind::kStep;
  BreakpointKind breakpoint = BreakpointKind::kSoftware;  // kBreakpoint
  WatchKind watch = WatchKind::kWrite;                    // kWatchpoint
  uint64_t watch_address = 0;                             // kWatchpoint: the address accessed
  int exit_code = 0;                                      // kExited
  // The hart that stopped (thread id hart + 1): the stop reply names it, and gdb then takes it
  // as the selected thread.
  unsigned hart = 0;
};

enum class ResumeAction { kContinue, kStep, kReverseContinue, kReverseStep };

class DebugTarget {
 public:
  virtual ~DebugTarget() = default;

  // Harts are threads; thread ids are hart index + 1. The selected thread is the one the
  // register, memory and resume calls below act on.
  virtual unsigned thread_count() const = 0;
  virtual void select_thread(unsigned index) = 0;

  virtual std::vector<CsrInfo> csrs() const = 0;
  // The value of GDB register `regno` as little-endian bytes (8 for x, pc, f and CSRs, 8 for
  // priv), or false if there is no such register.
  virtual bool read_register(unsigned regno, std::vector<uint8_t>* bytes) = 0;
  // False with a one-line reason if the register is unknown or cannot be written now (e.g.
  // during a replay, where a change would make it diverge).
  virtual bool write_register(unsigned regno, std::span<const uint8_t> bytes,
                              std::string* error) = 0;

  // Memory as the selected hart sees it now (its current address translation), without side
  // effects on the guest. Reads return how many bytes were readable from the start (possibly
  // fewer than asked, 0 when the first byte is not mapped or is a device).
  virtual size_t read_memory(uint64_t address, std::span<uint8_t> out) = 0;
  virtual bool write_memory(uint64_t address, std::span<const uint8_t> bytes,
                            std::string* error) = 0;

  // Insert/remove. False if it cannot be done (an unsupported kind/length, a failed insert):
  // the client gets an error (E03). Z/z types other than 0-4 never get here; the session
  // answers them with the empty reply ("unsupported").
  virtual bool set_breakpoint(BreakpointKind kind, uint64_t address, bool insert) = 0;
  virtual bool set_watchpoint(WatchKind kind, uint64_t address, uint64_t length,
                              bool insert) = 0;

  // Whether bc/bs are offered (ReverseStep+/ReverseContinue+ in qSupported).
  virtual bool can_reverse() const = 0;

  // Whether a forward watchpoint stop comes before the accessing instruction has run (as
  // RISC-V hardware triggers fire, and gdb assumes: it then steps the access itself) rather
  // than right after it. LLDB is told which (qHostInfo) and steps the access only if before.
  virtual bool watch_stops_before_access() const = 0;

  // Runs until a stop and returns it. Blocking; while running, calls `interrupted` often
  // enough (every few milliseconds of host time) and stops with kInterrupted when it returns
  // true. Only called with a reverse action when can_reverse().
  virtual StopEvent resume(ResumeAction action, const std::function<bool()>& interrupted) = 0;

  // A `monitor` command line (qRcmd), already decoded from hex. Returns the text to show
  // (possibly several lines, each ending in '\n'); *ok = false for an error reply instead.
  // Commands that move in time (seek, last-write) may call `interrupted` as resume() does.
  virtual std::string monitor(std::string_view command, const std::function<bool()>& interrupted,
                              bool* ok) = 0;

  // The client detached (D) or asked to kill (k): what happens to the machine then is up to
  // the target (a live machine runs on without the debugger, or stops).
  virtual void detach() = 0;
  virtual void kill() = 0;
};

}  // namespace rwd::gdb
