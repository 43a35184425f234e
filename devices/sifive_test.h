// The SiFive test finisher QEMU's virt board has at 0x10_0000: a write to offset 0 asks the
// machine to power off, reset, or fail with an exit code. Firmware (OpenSBI's syscon reset
// driver, Linux's syscon-poweroff) and bare-metal tests use it to end a run.
#pragma once

#include <cstdint>
#include <string_view>

#include "devices/device.h"

namespace rwd::dev {

class SifiveTest final : public Device {
 public:
  static constexpr uint64_t kMmioSize = 0x1000;
  // The low 16 bits of the written value select the request; the high 16 bits are the code.
  static constexpr uint32_t kFail = 0x3333;
  static constexpr uint32_t kPass = 0x5555;
  static constexpr uint32_t kReset = 0x7777;

  explicit SifiveTest(PowerControl& power) : power_(power) {}

  std::string_view name() const override { return "sifive_test"; }
  uint64_t mmio_size() const override { return kMmioSize; }
  uint64_t read(uint64_t offset, unsigned bytes) override { return 0; }
  void write(uint64_t offset, unsigned bytes, uint64_t value) override;
  void reset() override {}
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;

 private:
  PowerControl& power_;
};

}  // namespace rwd::dev
