// The interface every device model implements, and what the machine gives devices: virtual
// time, interrupt lines and (for DMA-capable devices) guest physical memory.
//
// Rules every device follows:
// * Time comes only from `VirtualClock` (derived from the retired-instruction count), never
//   from the host clock, so a replayed run sees the same device behaviour.
// * Host input (console bytes, RTC base time, entropy) reaches a device only through the
//   machine's input layer (`HostInput`), which a later issue records and replays.
// * All state that affects the guest is saved by `save` and restored by `load`.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "devices/state_io.h"

namespace rwd::dev {

inline constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// Virtual time. One tick of the platform timebase (10 MHz, as QEMU's virt board) is
// kInsnsPerTick retired instructions, so virtual time advances only as the guest runs.
class VirtualClock {
 public:
  static constexpr uint64_t kTicksPerSecond = 10'000'000;
  static constexpr uint64_t kInsnsPerTick = 100;
  virtual ~VirtualClock() = default;
  virtual uint64_t icount() const = 0;  // instructions retired so far
  uint64_t ticks() const { return icount() / kInsnsPerTick; }
  // The first instruction count at which ticks() >= t.
  static uint64_t icount_at_ticks(uint64_t t) {
    return t > kNever / kInsnsPerTick ? kNever : t * kInsnsPerTick;
  }
  uint64_t nanoseconds() const { return ticks() * (1'000'000'000 / kTicksPerSecond); }
};

// A platform interrupt controller input (the PLIC implements this; devices hold a source
// number and a reference).
class InterruptSink {
 public:
  virtual ~InterruptSink() = default;
  virtual void set_irq(unsigned source, bool level) = 0;
};

// The hart side: the bits of mip that devices drive (MSIP 3, MTIP 7, SEIP 9, MEIP 11).
class HartInterrupts {
 public:
  static constexpr unsigned kMsip = 3, kMtip = 7, kSeip = 9, kMeip = 11;
  virtual ~HartInterrupts() = default;
  virtual void set_pending(unsigned hart, unsigned mip_bit, bool level) = 0;
};

// Guest physical memory as DMA sees it. Returns false (and does nothing) if any byte of the
// range is not RAM.
class DmaMemory {
 public:
  virtual ~DmaMemory() = default;
  virtual bool read(uint64_t paddr, void* dst, uint64_t len) = 0;
  virtual bool write(uint64_t paddr, const void* src, uint64_t len) = 0;
};

// Host input that devices consume. Everything here is nondeterministic, so it passes through
// the machine's input layer, the single place that records and replays it.
class HostInput {
 public:
  virtual ~HostInput() = default;
  virtual uint64_t wall_clock_ns() = 0;  // Unix time at machine start, for the RTC
  virtual void entropy(uint8_t* dst, uint64_t len) = 0;
};

// What the test finisher (sifive_test) asks of the machine. The machine ends the run after the
// instruction that wrote the request.
class PowerControl {
 public:
  virtual ~PowerControl() = default;
  virtual void power_off() = 0;
  virtual void reset() = 0;
  virtual void fail(uint32_t code) = 0;
};

// Where a device's output bytes go (the UART: the console).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void put(uint8_t byte) = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string_view name() const = 0;
  virtual uint64_t mmio_size() const = 0;
  // Accesses of 1, 2, 4 or 8 bytes at an offset below mmio_size(). Devices define what
  // unsupported sizes or offsets do (usually: reads 0, writes ignored), never crash.
  virtual uint64_t read(uint64_t offset, unsigned bytes) = 0;
  virtual void write(uint64_t offset, unsigned bytes, uint64_t value) = 0;
  virtual void reset() = 0;
  virtual void save(StateWriter& out) const = 0;
  virtual void load(StateReader& in) = 0;  // throws StateError on malformed state
  // The instruction count at which the device next needs `on_time` (a timer), or kNever. The
  // machine stops translated code exactly there, so timer interrupts are deterministic.
  virtual uint64_t next_event_icount() const { return kNever; }
  virtual void on_time() {}
};

}  // namespace rwd::dev
