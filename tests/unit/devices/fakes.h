// Test doubles for what the machine gives devices: a virtual clock the test moves by hand,
// and recorders for interrupt lines, hart interrupt bits, console output and power requests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "devices/device.h"
#include "devices/state_io.h"

namespace rwd::dev::testing {

class FakeClock : public VirtualClock {
 public:
  uint64_t icount() const override { return now; }
  void advance_ticks(uint64_t ticks) { now += ticks * kInsnsPerTick; }
  uint64_t now = 0;
};

class FakeInterruptSink : public InterruptSink {
 public:
  void set_irq(unsigned source, bool level) override {
    levels[source] = level;
    ++calls;
  }
  bool level(unsigned source) const {
    const auto it = levels.find(source);
    return it != levels.end() && it->second;
  }
  std::map<unsigned, bool> levels;
  int calls = 0;
};

class FakeHarts : public HartInterrupts {
 public:
  void set_pending(unsigned hart, unsigned mip_bit, bool level) override {
    bits[{hart, mip_bit}] = level;
  }
  bool pending(unsigned hart, unsigned mip_bit) const {
    const auto it = bits.find({hart, mip_bit});
    return it != bits.end() && it->second;
  }
  std::map<std::pair<unsigned, unsigned>, bool> bits;
};

class FakeHostInput : public HostInput {
 public:
  uint64_t wall_clock_ns() override {
    ++wall_clock_reads;
    return wall_ns;
  }
  void entropy(uint8_t* dst, uint64_t len) override {
    for (uint64_t i = 0; i < len; ++i) dst[i] = uint8_t(i);
  }
  uint64_t wall_ns = 1'700'000'000'123'456'789ULL;
  int wall_clock_reads = 0;
};

class FakePower : public PowerControl {
 public:
  void power_off() override { events.push_back("power_off"); }
  void reset() override { events.push_back("reset"); }
  void fail(uint32_t code) override { events.push_back("fail " + std::to_string(code)); }
  std::vector<std::string> events;
};

class FakeConsole : public ByteSink {
 public:
  void put(uint8_t byte) override { out.push_back(char(byte)); }
  std::string out;
};

inline std::vector<uint8_t> saved(const Device& device) {
  StateWriter out;
  device.save(out);
  return out.data();
}

inline void load_from(Device& device, const std::vector<uint8_t>& bytes) {
  StateReader in(bytes);
  device.load(in);
}

}  // namespace rwd::dev::testing
