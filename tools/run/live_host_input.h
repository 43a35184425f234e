// HostInput read from the real host: the one place `rewind run` asks the host for time and
// randomness on the guest's behalf. The record/replay layer wraps this (recording what it
// returns) or replaces it (replaying a trace), so nothing else may read these sources.
#pragma once

#include "devices/device.h"

namespace rwd::run {

class LiveHostInput : public dev::HostInput {
 public:
  uint64_t wall_clock_ns() override;  // CLOCK_REALTIME
  // getrandom(2); aborts with a message if the kernel cannot provide entropy, since a guest
  // given predictable "random" bytes silently would be worse.
  void entropy(uint8_t* dst, uint64_t len) override;
};

}  // namespace rwd::run
