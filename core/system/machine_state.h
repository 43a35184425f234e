// The complete guest-visible state of a virt machine except RAM, as plain bytes: what a
// snapshot file or an in-memory checkpoint stores, and what Machine::capture/restore exchange.
// RAM travels separately (it is large, and files and checkpoints store it page by page).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rwd::system {

struct MachineState {
  uint64_t icount = 0;      // instructions retired (also inside `hart`; checked to agree)
  uint64_t idle_insns = 0;  // virtual time skipped while the hart waited in WFI
  // Virtual time of the next MachineHost::poll. State, because it decides where host input can
  // arrive: a restored run must poll at the same instants as the original.
  uint64_t next_poll_clock = 0;
  std::vector<uint8_t> hart;  // Hart::save bytes
  // Device key (device_key(): name and MMIO base) and its save() bytes, in bus order.
  std::vector<std::pair<std::string, std::vector<uint8_t>>> devices;
  std::vector<uint8_t> console_input;  // typed but not yet accepted by the UART

  bool operator==(const MachineState&) const = default;

  // Host memory the state occupies (for checkpoint budgets).
  uint64_t memory_bytes() const;
};

// "uart16550@10000000": device names alone are not unique (eight virtio-mmio slots).
std::string device_key(std::string_view name, uint64_t base);

// Feeds `state` to an incremental hash so that different states (including ones differing
// only in how bytes are split between fields) feed different byte streams.
class StateHasher {
 public:
  StateHasher();
  ~StateHasher();
  StateHasher(const StateHasher&) = delete;
  StateHasher& operator=(const StateHasher&) = delete;

  void add(const MachineState& state);
  void add_bytes(std::span<const uint8_t> bytes);
  void add_u64(uint64_t value);
  uint64_t digest() const;

 private:
  void* state_;  // XXH3_state_t, kept out of this header
};

}  // namespace rwd::system
