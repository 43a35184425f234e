// SiFive CLINT (the ACLINT MSWI + MTIMER pair in the classic layout) for any number of harts:
// msip at +0 (4 bytes per hart), mtimecmp at +0x4000 (8 bytes per hart), mtime at +0xbff8.
//
// mtime is the virtual clock's tick count plus an offset that guest writes to mtime set, so
// the timer advances only as instructions retire. MTIP for hart h is the level
// mtime >= mtimecmp[h]; next_event_icount() names the exact instruction count at which the
// next hart's MTIP rises, so the machine can deliver it precisely.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "devices/device.h"

namespace rwd::dev {

class Clint final : public Device {
 public:
  static constexpr uint64_t kMmioSize = 0x10000;
  static constexpr uint64_t kMsipBase = 0x0;
  static constexpr uint64_t kMtimecmpBase = 0x4000;
  static constexpr uint64_t kMtimeOffset = 0xbff8;
  // The layout leaves room for this many harts before mtimecmp runs into mtime.
  static constexpr unsigned kMaxHarts = (kMtimeOffset - kMtimecmpBase) / 8;

  // Throws std::invalid_argument unless 1 <= hart_count <= kMaxHarts.
  Clint(unsigned hart_count, const VirtualClock& clock, HartInterrupts& harts);

  std::string_view name() const override { return "clint"; }
  uint64_t mmio_size() const override { return kMmioSize; }
  uint64_t read(uint64_t offset, unsigned bytes) override;
  void write(uint64_t offset, unsigned bytes, uint64_t value) override;
  void reset() override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;
  uint64_t next_event_icount() const override;
  void on_time() override;

  unsigned hart_count() const { return unsigned(mtimecmp_.size()); }
  // The current mtime: what the `time` CSR must read so that it agrees with the CLINT after the
  // guest has written mtime.
  uint64_t mtime() const;
  // mtime when the virtual clock reads `clock_icount` (for the time CSR, read between the
  // machine's clock updates).
  uint64_t mtime_at(uint64_t clock_icount) const;

 private:
  void drive_timer(unsigned hart);
  void drive_all();
  void set_mtime(uint64_t value);

  const VirtualClock& clock_;
  HartInterrupts& harts_;
  // Guest-visible state.
  uint64_t mtime_offset_ = 0;  // mtime = clock ticks + offset (mod 2^64)
  std::vector<uint64_t> mtimecmp_;
  std::vector<uint8_t> msip_;
  // The MTIP level last driven per hart, so a deadline the machine overshot is still reported.
  std::vector<uint8_t> mtip_driven_;
};

}  // namespace rwd::dev
