#include "system/machine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_rng.h"
#include "machine/virt_layout.h"
#include "priv/trap.h"

namespace rwd::system {

namespace virt = machine::virt;

namespace {

// Boot images go into RAM and the ROM through the bus.
class BusWriter final : public machine::PhysicalWriter {
 public:
  explicit BusWriter(PhysicalBus& bus) : bus_(bus) {}
  bool write(uint64_t paddr, std::span<const uint8_t> bytes) override {
    return bus_.load_image(paddr, bytes);
  }

 private:
  PhysicalBus& bus_;
};

}  // namespace

Machine::Machine(const machine::MachineConfig& config) : config_(config) {}
Machine::~Machine() = default;

std::unique_ptr<Machine> Machine::create(const machine::MachineConfig& config,
                                         dev::HostInput& host, dev::ByteSink& console,
                                         std::string* error) {
  std::unique_ptr<Machine> m(new Machine(config));
  try {
    if (!m->build(host, console, error)) return nullptr;
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
  return m;
}

bool Machine::build(dev::HostInput& host, dev::ByteSink& console, std::string* error) {
  const auto virtio = machine::resolve_virtio_devices(config_, error);
  if (!virtio) return false;
  bus_ = std::make_unique<PhysicalBus>(virt::kDramBase, config_.ram_bytes);
  bus_->add_rom(virt::kBootRomBase, virt::kBootRomSize);
  hart_ = std::make_unique<Hart>(0, *bus_, [this](uint64_t retired) {
    return clint_->mtime_at(retired + idle_insns_);
  });

  auto add = [&](uint64_t base, std::unique_ptr<dev::Device> device) {
    dev::Device* raw = device.get();
    bus_->add_device(base, *raw);
    devices_.push_back(std::move(device));
    return raw;
  };
  // The machine is the devices' clock, interrupt target and power switch (private bases,
  // named explicitly so only this class hands them out).
  const dev::VirtualClock& clock = *this;
  dev::HartInterrupts& harts = *this;
  dev::PowerControl& power = *this;
  auto plic = std::make_unique<dev::Plic>(1, harts);
  plic_ = plic.get();
  add(virt::kPlicBase, std::move(plic));
  clint_ = static_cast<dev::Clint*>(
      add(virt::kClintBase, std::make_unique<dev::Clint>(1, clock, harts)));
  add(virt::kTestBase, std::make_unique<dev::SifiveTest>(power));
  add(virt::kRtcBase, std::make_unique<dev::GoldfishRtc>(clock, host, *plic_, virt::kRtcIrq));
  uart_ = static_cast<dev::Uart16550*>(
      add(virt::kUartBase, std::make_unique<dev::Uart16550>(clock, *plic_, virt::kUartIrq, console)));

  // QEMU fills the virtio-mmio slots from the last one down; empty slots still answer.
  std::vector<std::unique_ptr<dev::VirtioDevice>> backends(virt::kVirtioSlots);
  std::vector<int> drive_of_slot(virt::kVirtioSlots, -1);
  for (size_t i = 0; i < virtio->size(); ++i) {
    const machine::VirtioAttachment& a = (*virtio)[i];
    const size_t slot = virt::kVirtioSlots - 1 - i;
    if (a.kind == machine::DeviceConfig::Kind::kVirtioRng) {
      backends[slot] = std::make_unique<dev::VirtioRng>(host);
    } else {
      const machine::DriveConfig& drive = config_.drives[a.drive_index];
      dev::VirtioBlkOptions options;
      options.read_only = drive.readonly;
      backends[slot] = dev::VirtioBlk::open_file(drive.file, options);
      drive_of_slot[slot] = int(a.drive_index);
    }
  }
  for (unsigned slot = 0; slot < virt::kVirtioSlots; ++slot) {
    const bool is_disk = drive_of_slot[slot] >= 0;
    auto* device = static_cast<dev::VirtioMmio*>(
        add(virt::kVirtioBase + slot * virt::kVirtioStride,
            std::make_unique<dev::VirtioMmio>(std::move(backends[slot]), *bus_, *plic_,
                                              virt::kVirtioIrqFirst + slot)));
    if (is_disk) {
      disks_.push_back(device);
      commit_at_exit_.push_back(!config_.drives[size_t(drive_of_slot[slot])].snapshot);
    }
  }
  for (auto& d : devices_) d->reset();

  machine::FdtConfig fdt;
  fdt.virtio_slots = virt::kVirtioSlots;
  fdt.rng_seed.resize(32);
  host.entropy(fdt.rng_seed.data(), fdt.rng_seed.size());
  BusWriter writer(*bus_);
  auto plan = machine::load_boot_images(config_, fdt, writer, error);
  if (!plan) return false;
  plan_ = std::move(*plan);
  hart_->reset(plan_.reset_pc);
  if (plan_.htif_tohost) {
    hart_->mmu().watch_tohost(*plan_.htif_tohost, [this](uint64_t value) {
      // riscv-tests: (code << 1) | 1 ends the test; code 0 is a pass. Other values are
      // requests to a host proxy, which this machine does not offer.
      if (!(value & 1)) return;
      const auto code = int(value >> 1);
      request_stop({code == 0 ? 0 : std::min(code, 255),
                    code == 0 ? "HTIF: pass" : fmt::format("HTIF: fail {}", code)});
    });
  }
  return true;
}

void Machine::set_pending(unsigned, unsigned mip_bit, bool level) {
  hart_->set_external_pending(mip_bit, level);
}

void Machine::power_off() { request_stop({0, "power-off"}); }

void Machine::reset() {
  // A warm reset would need every device and the hart back at power-on with RAM kept; the
  // run ends instead, as with QEMU's -no-reboot.
  request_stop({0, "reset requested"});
}

void Machine::fail(uint32_t code) {
  request_stop({int(code & 0xff) == 0 && code != 0 ? 1 : int(code & 0xff),
                fmt::format("test finisher: fail {}", code)});
}

void Machine::request_stop(MachineExit exit) {
  if (!exit_) exit_ = std::move(exit);
  hart_->cpu().exit_requests |= kExitToMachine;
}

void Machine::type(std::span<const uint8_t> bytes) {
  console_input_.insert(console_input_.end(), bytes.begin(), bytes.end());
}

void Machine::commit_disks() {
  for (dev::VirtioMmio* disk : disks_) {
    static_cast<dev::VirtioBlk*>(disk->backend())->commit_to_image();
  }
}

void Machine::commit_disks_on_exit() {
  for (size_t i = 0; i < disks_.size(); ++i) {
    if (commit_at_exit_[i]) static_cast<dev::VirtioBlk*>(disks_[i]->backend())->commit_to_image();
  }
}

uint64_t Machine::sync_clock() {
  clock_now_ = hart_->cpu().icount + idle_insns_;
  return clock_now_;
}

uint64_t Machine::next_device_event() const {
  uint64_t next = dev::kNever;
  for (const auto& d : devices_) next = std::min(next, d->next_event_icount());
  return next;
}

void Machine::run_due_device_events() {
  // Devices whose deadline has come; one event may schedule another that is also due.
  for (int round = 0; round < 16; ++round) {
    bool any = false;
    for (auto& d : devices_) {
      if (d->next_event_icount() <= clock_now_) {
        d->on_time();
        any = true;
      }
    }
    if (!any) return;
  }
}

void Machine::deliver_console_input() {
  while (!console_input_.empty() && uart_->can_receive()) {
    uart_->receive(console_input_.front());
    console_input_.pop_front();
  }
}

void Machine::invalidate_changed_code(ExecutionEngine& engine) {
  for (uint64_t page : bus_->take_stale_code_pages()) engine.invalidate(page, 4096);
}

void Machine::run_alone(ExecutionEngine& engine) {
  // The instruction at pc touches a device or a watched address: run it alone, with device
  // access allowed, so its effects (and any interrupt it raises) take hold exactly after it.
  CpuState& cpu = hart_->cpu();
  sync_clock();
  SoftMmu& mmu = hart_->mmu();
  mmu.set_device_access_allowed(true);
  mmu.set_watch_hits_reported(true);
  cpu.icount_limit = cpu.icount + 1;
  const StopInfo stop = engine.run(cpu);
  mmu.set_device_access_allowed(false);
  mmu.set_watch_hits_reported(false);
  if (stop.reason == StopReason::kException && stop.cause != Cause::kDeviceAccessRestart &&
      stop.cause != Cause::kWatchpointRestart && stop.cause != Cause::kDebugBreakpoint) {
    hart_->take_trap(uint64_t(stop.cause), stop.tval);
  }
}

std::optional<RunStop> Machine::handle_stop(ExecutionEngine& engine, const StopInfo& stop) {
  if (stop.reason != StopReason::kException) return std::nullopt;
  switch (stop.cause) {
    case Cause::kDebugBreakpoint: return RunStop{RunStop::Kind::kBreakpoint, {}, {}};
    case Cause::kDeviceAccessRestart:
    case Cause::kWatchpointRestart:
      run_alone(engine);
      if (const std::optional<WatchHit> hit = hart_->debug().take_hit()) {
        return RunStop{RunStop::Kind::kWatchpoint, {}, *hit};
      }
      return std::nullopt;
    default: hart_->take_trap(uint64_t(stop.cause), stop.tval); return std::nullopt;
  }
}

MachineExit Machine::run(ExecutionEngine& engine, MachineHost& host) {
  return *run_until(engine, host, dev::kNever);
}

std::optional<MachineExit> Machine::run_until(ExecutionEngine& engine, MachineHost& host,
                                              uint64_t pause_at_icount) {
  // No debugger is watching this run: traps left set (by a client that detached without
  // removing them) must not stop it, so the only stops are the pause and the exit.
  DisarmedTraps no_stops(hart_->debug());
  const RunStop stop = run_debug(engine, host, pause_at_icount);
  if (stop.kind == RunStop::Kind::kExited) return stop.exit;
  return std::nullopt;
}

RunStop Machine::run_debug(ExecutionEngine& engine, MachineHost& host, uint64_t pause_at_icount) {
  CpuState& cpu = hart_->cpu();
  for (;;) {
    if (exit_) return {RunStop::Kind::kExited, *exit_, {}};
    if (cpu.icount >= pause_at_icount) return {};
    const uint64_t now = sync_clock();
    run_due_device_events();
    if (now >= next_poll_clock_) {
      // The next poll is at the next multiple of the interval, so poll instants depend on
      // virtual time alone, not on where a tier happened to return.
      next_poll_clock_ = (now / kPollInterval + 1) * kPollInterval;
      host.poll();
      if (exit_) return {RunStop::Kind::kExited, *exit_, {}};
    }
    deliver_console_input();
    if (hart_->take_code_invalidation_request()) invalidate_changed_code(engine);
    hart_->take_pending_interrupt();
    if (hart_->waiting_for_interrupt() && !hart_->wake_if_interrupt_pending()) {
      // Idle: virtual time moves on to the next device event, or to when host input came
      // (one instruction is one nanosecond of virtual time).
      const uint64_t next = next_device_event();
      const uint64_t resume = host.idle(now, next);
      idle_insns_ += resume > now ? resume - now : 0;
      continue;
    }
    // Cut the run at the next device event, poll instant and pause point, whichever is first.
    uint64_t until = next_poll_clock_ - now;
    const uint64_t next = next_device_event();
    if (next != dev::kNever) until = std::min(until, next > now ? next - now : 1);
    uint64_t limit = cpu.icount + until;
    if (pause_at_icount != dev::kNever) limit = std::min(limit, pause_at_icount);
    cpu.icount_limit = limit;
    if (std::optional<RunStop> stop = handle_stop(engine, engine.run(cpu))) return *stop;
  }
}

size_t Machine::debug_read(uint64_t vaddr, std::span<uint8_t> out) {
  return hart_->mmu().debug_read(vaddr, out);
}

size_t Machine::debug_write(ExecutionEngine& engine, uint64_t vaddr,
                            std::span<const uint8_t> bytes) {
  const size_t done = hart_->mmu().debug_write(vaddr, bytes);
  // Unlike a guest store, which waits for fence.i, a debugger's change applies at once.
  invalidate_changed_code(engine);
  return done;
}

size_t Machine::debug_read_physical(uint64_t paddr, std::span<uint8_t> out) {
  const uint8_t* host = bus_->readable_at(paddr, out.size());
  if (host) {
    std::memcpy(out.data(), host, out.size());
    return out.size();
  }
  size_t done = 0;
  while (done < out.size()) {
    const uint8_t* byte = bus_->readable_at(paddr + done, 1);
    if (!byte) break;
    out[done++] = *byte;
  }
  return done;
}

}  // namespace rwd::system
