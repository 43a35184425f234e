// Small pieces the device models share: an interrupt output that remembers its level, MMIO
// access checks, and the version byte every saved state starts with.
#pragma once

#include <cstdint>
#include <string>

#include "devices/device.h"
#include "devices/state_io.h"

namespace rwd::dev {

// One device output wired to a PLIC source. It forwards only changes, because devices
// re-evaluate their level on nearly every register access; `force` re-drives the current level
// after reset or load, when the sink's idea of the line cannot be trusted.
class IrqLine {
 public:
  IrqLine(InterruptSink& sink, unsigned source) : sink_(sink), source_(source) {}
  void drive(bool level, bool force = false) {
    if (level == level_ && !force) return;
    level_ = level;
    sink_.set_irq(source_, level);
  }
  bool level() const { return level_; }
  unsigned source() const { return source_; }

 private:
  InterruptSink& sink_;
  unsigned source_;
  bool level_ = false;
};

// True when an access of `bytes` at `offset` lies inside a window of `size` bytes and is a
// naturally aligned 4-byte access: the only kind the SiFive blocks and the goldfish RTC decode.
inline bool is_aligned_word_access(uint64_t offset, unsigned bytes, uint64_t size) {
  return bytes == 4 && offset % 4 == 0 && offset < size && size - offset >= 4;
}

inline void write_state_version(StateWriter& out, uint8_t version) {
  out.u8(version);
}

inline void expect_state_version(StateReader& in, uint8_t version, const char* device) {
  const uint8_t found = in.u8();
  if (found != version) {
    throw StateError(std::string(device) + ": unsupported state version " + std::to_string(found));
  }
}

}  // namespace rwd::dev
