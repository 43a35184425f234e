#include "devices/clint.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "devices/device_support.h"

namespace rwd::dev {

namespace {

constexpr uint8_t kStateVersion = 1;
constexpr uint64_t kLow32 = 0xffff'ffffULL;

// The 64-bit registers (mtimecmp, mtime) take whole 8-byte accesses or 4-byte accesses to
// either half; `within` is the access offset inside the register.
bool is_register64_access(uint64_t within, unsigned bytes) {
  return (bytes == 8 && within == 0) || (bytes == 4 && (within == 0 || within == 4));
}

uint64_t read_register64(uint64_t reg, uint64_t within, unsigned bytes) {
  if (bytes == 8) return reg;
  return within == 0 ? (reg & kLow32) : (reg >> 32);
}

uint64_t merge_register64(uint64_t reg, uint64_t within, unsigned bytes, uint64_t value) {
  if (bytes == 8) return value;
  if (within == 0) return (reg & ~kLow32) | (value & kLow32);
  return (reg & kLow32) | (value << 32);
}

}  // namespace

Clint::Clint(unsigned hart_count, const VirtualClock& clock, HartInterrupts& harts)
    : clock_(clock), harts_(harts) {
  if (hart_count == 0 || hart_count > kMaxHarts) {
    throw std::invalid_argument("clint: hart count must be 1.." + std::to_string(kMaxHarts));
  }
  mtimecmp_.resize(hart_count);
  msip_.resize(hart_count);
  mtip_driven_.resize(hart_count);
  reset();
}

uint64_t Clint::mtime() const {
  return clock_.ticks() + mtime_offset_;
}

uint64_t Clint::mtime_at(uint64_t clock_icount) const {
  return clock_icount / VirtualClock::kInsnsPerTick + mtime_offset_;
}

void Clint::set_mtime(uint64_t value) {
  mtime_offset_ = value - clock_.ticks();
}

void Clint::reset() {
  // The ACLINT spec clears mtime on reset and leaves mtimecmp unknown; QEMU's is 0, so MTIP is
  // pending until firmware programs mtimecmp (OpenSBI writes all-ones first).
  set_mtime(0);
  std::fill(mtimecmp_.begin(), mtimecmp_.end(), 0);
  std::fill(msip_.begin(), msip_.end(), 0);
  drive_all();
}

void Clint::drive_timer(unsigned hart) {
  const bool level = mtime() >= mtimecmp_[hart];
  mtip_driven_[hart] = level;
  harts_.set_pending(hart, HartInterrupts::kMtip, level);
}

void Clint::drive_all() {
  for (unsigned hart = 0; hart < hart_count(); ++hart) {
    drive_timer(hart);
    harts_.set_pending(hart, HartInterrupts::kMsip, msip_[hart] != 0);
  }
}

uint64_t Clint::read(uint64_t offset, unsigned bytes) {
  const uint64_t msip_end = kMsipBase + 4ULL * hart_count();
  const uint64_t mtimecmp_end = kMtimecmpBase + 8ULL * hart_count();
  if (offset >= kMsipBase && offset < msip_end) {
    if (bytes != 4 || offset % 4 != 0) return 0;
    return msip_[(offset - kMsipBase) / 4];
  }
  if (offset >= kMtimecmpBase && offset < mtimecmp_end) {
    const uint64_t within = (offset - kMtimecmpBase) % 8;
    if (!is_register64_access(within, bytes)) return 0;
    return read_register64(mtimecmp_[(offset - kMtimecmpBase) / 8], within, bytes);
  }
  if (offset >= kMtimeOffset && offset < kMtimeOffset + 8) {
    const uint64_t within = offset - kMtimeOffset;
    if (!is_register64_access(within, bytes)) return 0;
    return read_register64(mtime(), within, bytes);
  }
  return 0;
}

void Clint::write(uint64_t offset, unsigned bytes, uint64_t value) {
  const uint64_t msip_end = kMsipBase + 4ULL * hart_count();
  const uint64_t mtimecmp_end = kMtimecmpBase + 8ULL * hart_count();
  if (offset >= kMsipBase && offset < msip_end) {
    if (bytes != 4 || offset % 4 != 0) return;
    const auto hart = unsigned((offset - kMsipBase) / 4);
    msip_[hart] = value & 1;
    harts_.set_pending(hart, HartInterrupts::kMsip, msip_[hart] != 0);
    return;
  }
  if (offset >= kMtimecmpBase && offset < mtimecmp_end) {
    const uint64_t within = (offset - kMtimecmpBase) % 8;
    if (!is_register64_access(within, bytes)) return;
    const auto hart = unsigned((offset - kMtimecmpBase) / 8);
    mtimecmp_[hart] = merge_register64(mtimecmp_[hart], within, bytes, value);
    drive_timer(hart);
    return;
  }
  if (offset >= kMtimeOffset && offset < kMtimeOffset + 8) {
    const uint64_t within = offset - kMtimeOffset;
    if (!is_register64_access(within, bytes)) return;
    set_mtime(merge_register64(mtime(), within, bytes, value));
    for (unsigned hart = 0; hart < hart_count(); ++hart) drive_timer(hart);
  }
}

uint64_t Clint::next_event_icount() const {
  const uint64_t now_ticks = clock_.ticks();
  const uint64_t now_mtime = now_ticks + mtime_offset_;
  uint64_t earliest = kNever;
  for (unsigned hart = 0; hart < hart_count(); ++hart) {
    if (now_mtime >= mtimecmp_[hart]) {
      // Already due: only an event if the machine ran past the deadline before telling us.
      if (!mtip_driven_[hart]) earliest = std::min(earliest, clock_.icount());
      continue;
    }
    // Measured from now rather than from the offset, so an mtime near wrap-around still gives
    // the right distance.
    const uint64_t ticks_to_go = mtimecmp_[hart] - now_mtime;
    if (ticks_to_go > kNever - now_ticks) continue;
    earliest = std::min(earliest, VirtualClock::icount_at_ticks(now_ticks + ticks_to_go));
  }
  return earliest;
}

void Clint::on_time() {
  for (unsigned hart = 0; hart < hart_count(); ++hart) drive_timer(hart);
}

void Clint::save(StateWriter& out) const {
  write_state_version(out, kStateVersion);
  out.u32(hart_count());
  out.u64(mtime_offset_);
  for (unsigned hart = 0; hart < hart_count(); ++hart) {
    out.u64(mtimecmp_[hart]);
    out.boolean(msip_[hart] != 0);
  }
}

void Clint::load(StateReader& in) {
  expect_state_version(in, kStateVersion, "clint");
  if (in.u32() != hart_count()) throw StateError("clint: state is for a different hart count");
  const uint64_t offset = in.u64();
  std::vector<uint64_t> mtimecmp(hart_count());
  std::vector<uint8_t> msip(hart_count());
  for (unsigned hart = 0; hart < hart_count(); ++hart) {
    mtimecmp[hart] = in.u64();
    msip[hart] = in.boolean();
  }
  mtime_offset_ = offset;
  mtimecmp_ = std::move(mtimecmp);
  msip_ = std::move(msip);
  drive_all();
}

}  // namespace rwd::dev
