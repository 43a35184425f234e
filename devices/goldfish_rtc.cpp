#include "devices/goldfish_rtc.h"

namespace rwd::dev {

namespace {

constexpr uint8_t kStateVersion = 1;
constexpr uint64_t kLow32 = 0xffff'ffffULL;
constexpr uint64_t kNsPerTick = 1'000'000'000 / VirtualClock::kTicksPerSecond;

}  // namespace

GoldfishRtc::GoldfishRtc(const VirtualClock& clock, HostInput& host, InterruptSink& irq,
                         unsigned irq_source)
    : clock_(clock), host_(host), irq_(irq, irq_source) {
  reset();
}

void GoldfishRtc::reset() {
  s_ = State{};
  // wall_clock_ns() is the wall time at machine start, i.e. at virtual time 0, so adding the
  // virtual nanoseconds keeps the clock continuous across a reset. Guest-set time is dropped.
  s_.time_offset_ns = host_.wall_clock_ns();
  update_irq(/*force=*/true);
}

uint64_t GoldfishRtc::now_ns() const {
  return s_.time_offset_ns + clock_.nanoseconds();
}

void GoldfishRtc::set_time(uint64_t ns) {
  s_.time_offset_ns = ns - clock_.nanoseconds();
}

void GoldfishRtc::update_irq(bool force) {
  irq_.drive(s_.irq_pending && s_.irq_enabled, force);
}

void GoldfishRtc::fire_alarm() {
  s_.alarm_armed = false;
  s_.alarm_icount = kNever;
  s_.irq_pending = true;
  update_irq();
}

void GoldfishRtc::arm_alarm() {
  const uint64_t now = now_ns();
  if (s_.alarm_ns <= now) {
    fire_alarm();
    return;
  }
  // The time moves in whole ticks, so the alarm fires at the first tick that reaches it.
  const uint64_t ns_to_go = s_.alarm_ns - now;
  const uint64_t ticks_to_go = ns_to_go / kNsPerTick + (ns_to_go % kNsPerTick != 0);
  const uint64_t now_ticks = clock_.ticks();
  s_.alarm_armed = true;
  s_.alarm_icount = ticks_to_go > kNever - now_ticks
                        ? kNever
                        : VirtualClock::icount_at_ticks(now_ticks + ticks_to_go);
}

uint64_t GoldfishRtc::read(uint64_t offset, unsigned bytes) {
  if (!is_aligned_word_access(offset, bytes, kMmioSize)) return 0;
  switch (offset) {
    case kTimeLow: {
      // Drivers read LOW then HIGH; latching makes the pair one consistent 64-bit value.
      const uint64_t now = now_ns();
      s_.latched_time_high = uint32_t(now >> 32);
      return now & kLow32;
    }
    case kTimeHigh:
      return s_.latched_time_high;
    case kAlarmLow:
      return s_.alarm_ns & kLow32;
    case kAlarmHigh:
      return s_.alarm_ns >> 32;
    case kIrqEnabled:
      return s_.irq_enabled ? 1 : 0;
    case kAlarmStatus:
      return s_.alarm_armed ? 1 : 0;
    default:
      return 0;
  }
}

void GoldfishRtc::write(uint64_t offset, unsigned bytes, uint64_t value) {
  if (!is_aligned_word_access(offset, bytes, kMmioSize)) return;
  const uint64_t word = value & kLow32;
  switch (offset) {
    case kTimeLow:
      set_time((now_ns() & ~kLow32) | word);
      break;
    case kTimeHigh:
      set_time((now_ns() & kLow32) | (word << 32));
      break;
    case kAlarmLow:
      s_.alarm_ns = (s_.alarm_ns & ~kLow32) | word;
      arm_alarm();
      break;
    case kAlarmHigh:
      s_.alarm_ns = (s_.alarm_ns & kLow32) | (word << 32);
      break;
    case kIrqEnabled:
      s_.irq_enabled = (word & 1) != 0;
      update_irq();
      break;
    case kClearAlarm:
      s_.alarm_armed = false;
      s_.alarm_icount = kNever;
      break;
    case kClearInterrupt:
      s_.irq_pending = false;
      update_irq();
      break;
    default:
      break;
  }
}

uint64_t GoldfishRtc::next_event_icount() const {
  return s_.alarm_armed ? s_.alarm_icount : kNever;
}

void GoldfishRtc::on_time() {
  if (s_.alarm_armed && clock_.icount() >= s_.alarm_icount) fire_alarm();
}

void GoldfishRtc::save(StateWriter& out) const {
  write_state_version(out, kStateVersion);
  out.u64(s_.time_offset_ns);
  out.u64(s_.alarm_ns);
  out.boolean(s_.alarm_armed);
  out.u64(s_.alarm_icount);
  out.boolean(s_.irq_pending);
  out.boolean(s_.irq_enabled);
  out.u32(s_.latched_time_high);
}

void GoldfishRtc::load(StateReader& in) {
  expect_state_version(in, kStateVersion, "goldfish_rtc");
  State s;
  s.time_offset_ns = in.u64();
  s.alarm_ns = in.u64();
  s.alarm_armed = in.boolean();
  s.alarm_icount = in.u64();
  if (!s.alarm_armed && s.alarm_icount != kNever) throw StateError("goldfish_rtc: stray alarm");
  s.irq_pending = in.boolean();
  s.irq_enabled = in.boolean();
  s.latched_time_high = in.u32();
  s_ = s;
  update_irq(/*force=*/true);
}

}  // namespace rwd::dev
