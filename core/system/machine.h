// The full-system `virt` machine: RAM, boot ROM, devices and one hart, and the loop that runs
// guest code between device events. Everything guest-visible is a function of the
// configuration, the images and the host input (HostInput, console bytes), because time is
// the retired-instruction count (plus time skipped while the hart waits in WFI) and device
// accesses, interrupts and timer events happen at exact instruction counts whatever the tier.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/clint.h"
#include "devices/device.h"
#include "devices/goldfish_rtc.h"
#include "devices/plic.h"
#include "devices/sifive_test.h"
#include "devices/uart16550.h"
#include "devices/virtio/virtio_mmio.h"
#include "exec/engine.h"
#include "machine/boot_loader.h"
#include "machine/machine_config.h"
#include "system/hart.h"
#include "system/machine_state.h"
#include "system/physical_bus.h"

namespace rwd::system {

// How a run ended.
struct MachineExit {
  int code = 0;        // the process exit status it asks for
  std::string reason;  // one line for the user ("power-off", "test finisher: fail 3", ...)
};

// What the host side may do to a running machine. The live console calls it on the Machine
// itself; the recorder sits in between and logs each call, the replayer makes the same calls
// from the trace.
class GuestInput {
 public:
  virtual ~GuestInput() = default;
  // Console input for the UART, delivered in order as the guest accepts it.
  virtual void type(std::span<const uint8_t> bytes) = 0;
  virtual void request_stop(MachineExit exit) = 0;
};

// The host as the machine loop sees it while the guest runs: console input and idle time.
// Both are nondeterministic, so this is the seam the record/replay layer wraps.
class MachineHost {
 public:
  virtual ~MachineHost() = default;
  // Called at exact virtual times: at the first loop pass whose clock reaches the next
  // multiple of Machine::kPollInterval (the run is cut there), and after an idle period
  // that crossed one. Delivers pending host input (GuestInput::type) or stops the run
  // without waiting. Because the times are exact, a replay polls at the same instants.
  virtual void poll() = 0;
  // The hart waits for an interrupt at virtual time `now_ns` and nothing happens before
  // `deadline_ns` (dev::kNever: nothing is scheduled). Returns the virtual time to resume at,
  // in (now_ns, deadline_ns], having delivered any input that arrived meanwhile.
  virtual uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) = 0;
};

// How a run_debug() ended.
struct RunStop {
  enum class Kind {
    kExited,      // the machine ended (exit); it cannot run on
    kPaused,      // exactly pause_at_icount instructions have retired
    kBreakpoint,  // at a debugger breakpoint: cpu.pc is it, the instruction has not run
    kWatchpoint,  // right after the instruction whose access hit a watchpoint (watch)
  };
  Kind kind = Kind::kPaused;
  MachineExit exit;
  WatchHit watch;
};

class Machine final : public GuestInput,
                      private dev::VirtualClock,
                      private dev::HartInterrupts,
                      private dev::PowerControl {
 public:
  // Builds the board described by `config` (already validated) and loads its images. Returns
  // null with a one-line error naming the problem on failure.
  static std::unique_ptr<Machine> create(const machine::MachineConfig& config,
                                         dev::HostInput& host, dev::ByteSink& console,
                                         std::string* error);
  ~Machine() override;

  // Runs until the guest powers off, fails through the test finisher or HTIF, or
  // request_stop() is called.
  MachineExit run(ExecutionEngine& engine, MachineHost& host);
  // The same, but pauses (returns nothing) at the first point where exactly
  // `pause_at_icount` instructions have retired, before anything else happens there; a later
  // run continues as if there had been no pause. Snapshots are taken at such points.
  std::optional<MachineExit> run_until(ExecutionEngine& engine, MachineHost& host,
                                       uint64_t pause_at_icount);

  // As run_until, and also stops at the debugger's breakpoints and watchpoints
  // (hart().debug()) while they are armed. Every stop is exact: running on from it continues
  // as if there had been no stop.
  RunStop run_debug(ExecutionEngine& engine, MachineHost& host, uint64_t pause_at_icount);

  // --- Debugger access ---
  DebugTraps& debug_traps() { return hart_->debug(); }
  // Breakpoints are compiled into translations: call after adding or removing the one at `pc`.
  void breakpoint_changed(ExecutionEngine& engine, uint64_t pc) {
    engine.invalidate_pc_range(pc, 1);
  }
  // Watchpoints keep pages out of the TLB: call after changing them.
  void watchpoints_changed() { hart_->mmu().flush_tlb(); }
  // Memory through the hart's current translation (SoftMmu::debug_read/debug_write); a write
  // drops translations of code it changed.
  size_t debug_read(uint64_t vaddr, std::span<uint8_t> out);
  size_t debug_write(ExecutionEngine& engine, uint64_t vaddr, std::span<const uint8_t> bytes);
  // Physical memory (RAM and ROM only).
  size_t debug_read_physical(uint64_t paddr, std::span<uint8_t> out);

  // GuestInput
  void type(std::span<const uint8_t> bytes) override;
  void request_stop(MachineExit exit) override;

  // Virtual time now: instructions retired plus time skipped while idle.
  uint64_t clock() { return hart_->cpu().icount + idle_insns_; }

  Hart& hart() { return *hart_; }
  uint64_t instructions_retired() { return hart_->cpu().icount; }
  uint64_t idle_instructions() const { return idle_insns_; }
  const machine::BootPlan& boot_plan() const { return plan_; }
  // Writes every disk's overlay back to its image (C-a s, or snapshot=off at exit).
  void commit_disks();
  // Disks whose configuration asks for their overlay to be written back when the run ends.
  void commit_disks_on_exit();

  static constexpr uint64_t kPollInterval = 2'000'000;

  // --- Snapshots and checkpoints (machine_snapshot.cpp) ---
  // Everything guest-visible except RAM. Take it between runs (e.g. at a run_until pause).
  void capture(MachineState* out) const;
  // Puts the machine in `state` (RAM is the caller's, through ram()), then drops every TLB,
  // translation and code-page mark, so the machine behaves exactly as the one captured.
  // `engine` is the one the next run uses. Throws dev::StateError (one line) if the state
  // does not fit this machine or is malformed; the machine is then unchanged.
  void restore(const MachineState& state, ExecutionEngine& engine);
  // The same for a caller that is about to rewrite exactly the RAM pages `changed_ram_pages`
  // (indexes from ram_base) and leaves the rest as it is: translations survive except those
  // of code on those pages (and any a guest store made stale).
  void restore(const MachineState& state, ExecutionEngine& engine,
               std::span<const uint32_t> changed_ram_pages);
  // RAM pages changed since the last call (or restart_dirty_tracking), ascending indexes from
  // ram_base; from now on every change is recorded again.
  std::vector<uint32_t> take_dirty_ram_pages();
  void restart_dirty_tracking() { take_dirty_ram_pages(); }
  std::span<uint8_t> ram();
  std::span<const uint8_t> ram() const;
  uint64_t ram_base() const;
  // Virtual time (as clock()), for callers holding a const machine.
  uint64_t virtual_time() const;
  // A hash of all guest-visible state: MachineState, plus RAM when `include_ram`.
  uint64_t state_hash(bool include_ram) const;
  // --- end snapshots ---

 private:
  explicit Machine(const machine::MachineConfig& config);
  void load_state(const MachineState& state);  // restore() without checks or rollback
  void load_state_checked(const MachineState& state);  // with checks and rollback
  bool build(dev::HostInput& host, dev::ByteSink& console, std::string* error);

  // dev::VirtualClock: retired instructions plus time skipped while idle, as of the last
  // sync_clock().
  uint64_t icount() const override { return clock_now_; }
  // dev::HartInterrupts
  void set_pending(unsigned hart, unsigned mip_bit, bool level) override;
  // dev::PowerControl
  void power_off() override;
  void reset() override;
  void fail(uint32_t code) override;

  uint64_t sync_clock();
  uint64_t next_device_event() const;
  void run_due_device_events();
  void deliver_console_input();
  // Runs the instruction at pc on its own with device access allowed and watchpoint hits
  // recorded instead of restarted.
  void run_alone(ExecutionEngine& engine);
  // Returns a debug stop (breakpoint, watchpoint) if the run stopped for the debugger.
  std::optional<RunStop> handle_stop(ExecutionEngine& engine, const StopInfo& stop);
  void invalidate_changed_code(ExecutionEngine& engine);

  machine::MachineConfig config_;
  std::unique_ptr<PhysicalBus> bus_;
  std::unique_ptr<Hart> hart_;
  std::vector<std::unique_ptr<dev::Device>> devices_;
  dev::Clint* clint_ = nullptr;
  dev::Plic* plic_ = nullptr;
  dev::Uart16550* uart_ = nullptr;
  std::vector<dev::VirtioMmio*> disks_;
  std::vector<bool> commit_at_exit_;
  machine::BootPlan plan_;
  uint64_t clock_now_ = 0;
  uint64_t idle_insns_ = 0;
  // The virtual time of the next MachineHost::poll; machine state, since it decides where
  // input can arrive.
  uint64_t next_poll_clock_ = 0;
  std::deque<uint8_t> console_input_;
  std::optional<MachineExit> exit_;
};

}  // namespace rwd::system
