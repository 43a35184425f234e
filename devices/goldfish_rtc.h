// Goldfish RTC as on QEMU's virt board (0x10_1000, PLIC source 11): a 64-bit nanosecond
// clock with one alarm.
//
// The time is the host's wall clock at machine start (a recorded host input, read once at
// construction and at reset) plus the virtual clock's nanoseconds, plus whatever offset guest
// writes to TIME introduce. So it advances only as instructions retire and replays exactly.
// Arming the alarm fixes the instruction count at which it fires, as QEMU fixes its timer:
// later TIME writes do not move it (Linux writes TIME_HIGH and TIME_LOW separately, and the
// value in between must not fire an alarm).
#pragma once

#include <cstdint>
#include <string_view>

#include "devices/device.h"
#include "devices/device_support.h"

namespace rwd::dev {

class GoldfishRtc final : public Device {
 public:
  static constexpr uint64_t kMmioSize = 0x1000;
  enum Register : uint64_t {
    kTimeLow = 0x00,  // reading it latches the high half for kTimeHigh
    kTimeHigh = 0x04,
    kAlarmLow = 0x08,  // writing it arms the alarm
    kAlarmHigh = 0x0c,
    kIrqEnabled = 0x10,
    kClearAlarm = 0x14,
    kAlarmStatus = 0x18,
    kClearInterrupt = 0x1c,
  };

  GoldfishRtc(const VirtualClock& clock, HostInput& host, InterruptSink& irq, unsigned irq_source);

  std::string_view name() const override { return "goldfish_rtc"; }
  uint64_t mmio_size() const override { return kMmioSize; }
  uint64_t read(uint64_t offset, unsigned bytes) override;
  void write(uint64_t offset, unsigned bytes, uint64_t value) override;
  void reset() override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;
  uint64_t next_event_icount() const override;
  void on_time() override;

  uint64_t now_ns() const;
  bool irq_level() const { return irq_.level(); }

 private:
  struct State {
    uint64_t time_offset_ns = 0;  // time = offset + virtual nanoseconds (mod 2^64)
    uint64_t alarm_ns = 0;
    bool alarm_armed = false;
    uint64_t alarm_icount = kNever;  // when an armed alarm fires
    bool irq_pending = false;
    bool irq_enabled = false;
    uint32_t latched_time_high = 0;
  };

  void set_time(uint64_t ns);
  void arm_alarm();
  void fire_alarm();
  void update_irq(bool force = false);

  const VirtualClock& clock_;
  HostInput& host_;
  IrqLine irq_;
  State s_;
};

}  // namespace rwd::dev
