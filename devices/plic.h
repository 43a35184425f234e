// SiFive PLIC (sifive,plic-1.0.0) as on QEMU's virt board: 96 sources (1..95 usable, 0 means
// "none"), 7 priority levels, two contexts per hart (M-mode then S-mode) that drive MEIP and
// SEIP.
//
// Sources are level-triggered through a gateway: a source is pending while its input is high
// and it is not claimed. Claiming hides it until the matching completion, after which an input
// that is still high makes it pending again.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "devices/device.h"

namespace rwd::dev {

class Plic final : public Device, public InterruptSink {
 public:
  static constexpr unsigned kSourceCount = 96;
  static constexpr unsigned kMaxPriority = 7;
  static constexpr uint64_t kMmioSize = 0x600000;
  static constexpr uint64_t kPriorityBase = 0x0;
  static constexpr uint64_t kPendingBase = 0x1000;
  static constexpr uint64_t kEnableBase = 0x2000;
  static constexpr uint64_t kEnableStride = 0x80;
  static constexpr uint64_t kContextBase = 0x200000;
  static constexpr uint64_t kContextStride = 0x1000;
  static constexpr uint64_t kThresholdOffset = 0x0;
  static constexpr uint64_t kClaimOffset = 0x4;
  static constexpr unsigned kContextsPerHart = 2;
  static constexpr unsigned kMaxHarts =
      unsigned((kMmioSize - kContextBase) / kContextStride / kContextsPerHart);

  // Throws std::invalid_argument unless 1 <= hart_count <= kMaxHarts.
  Plic(unsigned hart_count, HartInterrupts& harts);

  // Context numbers as the device tree's interrupts-extended lists them.
  static unsigned machine_context(unsigned hart) { return hart * kContextsPerHart; }
  static unsigned supervisor_context(unsigned hart) { return hart * kContextsPerHart + 1; }

  std::string_view name() const override { return "plic"; }
  uint64_t mmio_size() const override { return kMmioSize; }
  uint64_t read(uint64_t offset, unsigned bytes) override;
  void write(uint64_t offset, unsigned bytes, uint64_t value) override;
  void reset() override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;

  // A device's interrupt output. Source 0 and sources past the last are ignored.
  void set_irq(unsigned source, bool level) override;

  unsigned hart_count() const { return context_count() / kContextsPerHart; }
  unsigned context_count() const { return unsigned(s_.threshold.size()); }

 private:
  static constexpr unsigned kWords = kSourceCount / 32;
  using Bits = std::array<uint32_t, kWords>;

  struct State {
    std::array<uint32_t, kSourceCount> priority{};
    Bits input_level{};
    Bits claimed{};
    std::vector<Bits> enable;         // per context
    std::vector<uint32_t> threshold;  // per context
  };

  uint32_t pending_word(unsigned word) const;
  unsigned best_source(unsigned context) const;
  unsigned claim(unsigned context);
  void complete(unsigned source);
  void update_outputs();
  uint64_t read_context(unsigned context, uint64_t reg);
  void write_context(unsigned context, uint64_t reg, uint32_t value);

  HartInterrupts& harts_;
  State s_;
};

}  // namespace rwd::dev
