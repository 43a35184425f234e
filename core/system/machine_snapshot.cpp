// Machine members for snapshots and checkpoints: capturing and restoring everything
// guest-visible except RAM (MachineState), RAM access, and the state hash.
#include <string>

#include "system/machine.h"
#include "system/machine_state.h"

namespace rwd::system {

std::span<uint8_t> Machine::ram() { return {bus_->ram(), bus_->ram_size()}; }
std::span<const uint8_t> Machine::ram() const { return {bus_->ram(), bus_->ram_size()}; }
uint64_t Machine::ram_base() const { return bus_->ram_base(); }

uint64_t Machine::virtual_time() const { return hart_->cpu().icount + idle_insns_; }

void Machine::capture(MachineState* out) const {
  out->icount = hart_->cpu().icount;
  out->idle_insns = idle_insns_;
  out->next_poll_clock = next_poll_clock_;
  dev::StateWriter hart;
  hart_->save(hart);
  out->hart = hart.data();
  out->devices.clear();
  for (const PhysicalBus::DeviceWindow& w : bus_->device_windows()) {
    dev::StateWriter device;
    w.device->save(device);
    out->devices.emplace_back(device_key(w.device->name(), w.base), device.data());
  }
  out->console_input.assign(console_input_.begin(), console_input_.end());
}

void Machine::load_state(const MachineState& state) {
  // The clock first: devices may read virtual time while loading.
  idle_insns_ = state.idle_insns;
  clock_now_ = state.icount + state.idle_insns;
  next_poll_clock_ = state.next_poll_clock;
  const std::vector<PhysicalBus::DeviceWindow> windows = bus_->device_windows();
  for (size_t i = 0; i < windows.size(); ++i) {
    const auto& [key, bytes] = state.devices[i];
    try {
      dev::StateReader in(bytes);
      windows[i].device->load(in);
      if (!in.at_end()) throw dev::StateError("trailing bytes in state");
    } catch (const dev::StateError& e) {
      throw dev::StateError(key + ": " + e.what());
    }
  }
  // After the devices, whose loads re-drive interrupt lines into mip: the hart's saved mip
  // is the one that agrees with the rest of the saved state.
  dev::StateReader in(state.hart);
  hart_->load(in);
  if (!in.at_end()) throw dev::StateError("hart: trailing bytes in state");
  if (hart_->cpu().icount != state.icount) {
    throw dev::StateError("machine state: icount disagrees with the hart's");
  }
  console_input_.assign(state.console_input.begin(), state.console_input.end());
}

void Machine::load_state_checked(const MachineState& state) {
  const std::vector<PhysicalBus::DeviceWindow> windows = bus_->device_windows();
  if (state.devices.size() != windows.size()) {
    throw dev::StateError("machine state: " + std::to_string(state.devices.size()) +
                          " devices, this machine has " + std::to_string(windows.size()));
  }
  for (size_t i = 0; i < windows.size(); ++i) {
    const std::string expected = device_key(windows[i].device->name(), windows[i].base);
    if (state.devices[i].first != expected) {
      throw dev::StateError("machine state: device " + std::to_string(i) + " is " +
                            state.devices[i].first + ", this machine has " + expected);
    }
  }
  if (state.idle_insns > ~uint64_t{0} - state.icount) {
    throw dev::StateError("machine state: virtual time overflows");
  }
  // Devices validate their own bytes only while loading, so a bad one is found after others
  // have changed: put back what was there (its own capture always loads) and report.
  MachineState before;
  capture(&before);
  try {
    load_state(state);
  } catch (const dev::StateError&) {
    load_state(before);
    throw;
  }
  exit_.reset();
}

void Machine::restore(const MachineState& state, ExecutionEngine& engine) {
  load_state_checked(state);
  // Translations and the record of which pages hold them describe the old RAM: drop them
  // all (the hart's load already emptied the TLBs and the superpage range).
  bus_->forget_code_pages();
  engine.invalidate(0, ~uint64_t{0});
}

void Machine::restore(const MachineState& state, ExecutionEngine& engine,
                      std::span<const uint32_t> changed_ram_pages) {
  load_state_checked(state);
  for (uint32_t page : changed_ram_pages) {
    bus_->note_ram_write(bus_->ram_base() + uint64_t(page) * 4096, 4096);
  }
  // Both the pages about to change and those guest stores changed: their code is stale.
  invalidate_changed_code(engine);
}

std::vector<uint32_t> Machine::take_dirty_ram_pages() {
  std::vector<uint32_t> pages = bus_->take_dirty_pages();
  hart_->mmu().revoke_inline_stores();
  return pages;
}

uint64_t Machine::state_hash(bool include_ram) const {
  MachineState state;
  capture(&state);
  StateHasher hasher;
  hasher.add(state);
  if (include_ram) {
    hasher.add_u64(bus_->ram_base());
    hasher.add_u64(bus_->ram_size());
    hasher.add_bytes(ram());
  }
  return hasher.digest();
}

}  // namespace rwd::system
