#include "system/machine_state.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <new>

namespace rwd::system {

uint64_t MachineState::memory_bytes() const {
  uint64_t bytes = sizeof(*this) + hart.capacity() + console_input.capacity();
  for (const auto& [key, data] : devices) {
    bytes += sizeof(devices[0]) + key.capacity() + data.capacity();
  }
  return bytes;
}

std::string device_key(std::string_view name, uint64_t base) {
  return fmt::format("{}@{:x}", name, base);
}

StateHasher::StateHasher() : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}

StateHasher::~StateHasher() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void StateHasher::add_bytes(std::span<const uint8_t> bytes) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}

void StateHasher::add_u64(uint64_t value) {
  uint8_t le[8];
  for (int i = 0; i < 8; ++i) le[i] = uint8_t(value >> (8 * i));
  add_bytes(le);
}

void StateHasher::add(const MachineState& state) {
  // Every variable-length field is preceded by its length, so field boundaries are hashed too.
  auto sized = [&](std::span<const uint8_t> bytes) {
    add_u64(bytes.size());
    add_bytes(bytes);
  };
  add_u64(state.icount);
  add_u64(state.idle_insns);
  add_u64(state.next_poll_clock);
  sized(state.hart);
  add_u64(state.devices.size());
  for (const auto& [key, data] : state.devices) {
    sized({reinterpret_cast<const uint8_t*>(key.data()), key.size()});
    sized(data);
  }
  sized(state.console_input);
}

uint64_t StateHasher::digest() const {
  return XXH3_64bits_digest(static_cast<const XXH3_state_t*>(state_));
}

}  // namespace rwd::system
