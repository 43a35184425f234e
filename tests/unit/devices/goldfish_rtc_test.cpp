#include "devices/goldfish_rtc.h"

#include <gtest/gtest.h>

#include "tests/unit/devices/fakes.h"

namespace rwd::dev {
namespace {

using testing::FakeClock;
using testing::FakeHostInput;
using testing::FakeInterruptSink;

constexpr unsigned kSource = 11;

class RtcTest : public ::testing::Test {
 protected:
  uint64_t time() {
    const uint64_t low = rtc.read(GoldfishRtc::kTimeLow, 4);
    return (rtc.read(GoldfishRtc::kTimeHigh, 4) << 32) | low;
  }
  void set_time(uint64_t ns) {  // Linux's order: high, then low
    rtc.write(GoldfishRtc::kTimeHigh, 4, ns >> 32);
    rtc.write(GoldfishRtc::kTimeLow, 4, ns & 0xffff'ffff);
  }
  void set_alarm(uint64_t ns) {
    rtc.write(GoldfishRtc::kAlarmHigh, 4, ns >> 32);
    rtc.write(GoldfishRtc::kAlarmLow, 4, ns & 0xffff'ffff);
  }
  uint64_t reg(GoldfishRtc::Register r) { return rtc.read(r, 4); }

  FakeClock clock;
  FakeHostInput host;
  FakeInterruptSink irqs;
  GoldfishRtc rtc{clock, host, irqs, kSource};
};

TEST_F(RtcTest, TimeIsWallClockAtStartPlusVirtualTime) {
  EXPECT_EQ(host.wall_clock_reads, 1);
  EXPECT_EQ(time(), host.wall_ns);
  EXPECT_EQ(time(), host.wall_ns);  // no host clock: nothing moves until instructions retire
  clock.now = 99;                   // not yet a whole tick
  EXPECT_EQ(time(), host.wall_ns);
  clock.now = 700;
  EXPECT_EQ(time(), host.wall_ns + 700);  // 7 ticks of 100 ns
  clock.advance_ticks(10'000'000);        // one virtual second
  EXPECT_EQ(time(), host.wall_ns + 700 + 1'000'000'000);
  EXPECT_EQ(host.wall_clock_reads, 1);
  EXPECT_EQ(rtc.now_ns(), time());
}

TEST_F(RtcTest, ReadingLowLatchesHigh) {
  host.wall_ns = 0xffff'ff00;
  rtc.reset();
  EXPECT_EQ(reg(GoldfishRtc::kTimeLow), 0xffff'ff00u);
  clock.advance_ticks(10);                     // the clock carries into the high half...
  EXPECT_EQ(reg(GoldfishRtc::kTimeHigh), 0u);  // ...but the latch holds the old one
  EXPECT_EQ(reg(GoldfishRtc::kTimeLow), (0xffff'ff00u + 1000) & 0xffff'ffffu);
  EXPECT_EQ(reg(GoldfishRtc::kTimeHigh), 1u);
}

TEST_F(RtcTest, GuestSetsTheTime) {
  clock.now = 12'300;
  set_time(0x0000'1234'5678'9a00ULL);
  EXPECT_EQ(time(), 0x0000'1234'5678'9a00ULL);
  clock.advance_ticks(3);
  EXPECT_EQ(time(), 0x0000'1234'5678'9a00ULL + 300);
  rtc.write(GoldfishRtc::kTimeLow, 4, 0);
  EXPECT_EQ(time(), 0x0000'1234'0000'0000ULL);
}

TEST_F(RtcTest, AlarmFiresAtTheExactInstruction) {
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 1);
  EXPECT_EQ(reg(GoldfishRtc::kIrqEnabled), 1u);
  clock.now = 250;                       // tick 2
  const uint64_t alarm = time() + 1050;  // 10.5 ticks away: due at the 11th
  set_alarm(alarm);
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 1u);
  EXPECT_EQ(reg(GoldfishRtc::kAlarmLow), alarm & 0xffff'ffff);
  EXPECT_EQ(reg(GoldfishRtc::kAlarmHigh), alarm >> 32);
  const uint64_t due = (2 + 11) * VirtualClock::kInsnsPerTick;
  EXPECT_EQ(rtc.next_event_icount(), due);
  clock.now = due - 1;
  rtc.on_time();
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 1u);
  clock.now = due;
  rtc.on_time();
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 0u);
  EXPECT_EQ(rtc.next_event_icount(), kNever);
  rtc.write(GoldfishRtc::kClearInterrupt, 4, 0);
  EXPECT_FALSE(irqs.level(kSource));
}

TEST_F(RtcTest, AlarmOnATickBoundary) {
  set_alarm(time() + 500);
  EXPECT_EQ(rtc.next_event_icount(), 500u);
}

TEST_F(RtcTest, AlarmInThePastFiresOnWrite) {
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 1);
  clock.now = 1000;
  set_alarm(time());
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 0u);
}

TEST_F(RtcTest, OnlyAlarmLowArms) {
  rtc.write(GoldfishRtc::kAlarmHigh, 4, 0xffff'ffff);  // far in the future
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 0u);
  EXPECT_EQ(rtc.next_event_icount(), kNever);
  rtc.write(GoldfishRtc::kAlarmLow, 4, 0);
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 1u);
  EXPECT_NE(rtc.next_event_icount(), kNever);
  rtc.write(GoldfishRtc::kClearAlarm, 4, 0);
  EXPECT_EQ(reg(GoldfishRtc::kAlarmStatus), 0u);
  EXPECT_EQ(rtc.next_event_icount(), kNever);
  clock.advance_ticks(1ULL << 40);
  rtc.on_time();
  EXPECT_FALSE(irqs.level(kSource));
}

TEST_F(RtcTest, DisabledInterruptStaysPending) {
  set_alarm(time() + 100);
  clock.now = rtc.next_event_icount();
  rtc.on_time();
  EXPECT_FALSE(irqs.level(kSource));
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 3);  // only bit 0 counts
  EXPECT_EQ(reg(GoldfishRtc::kIrqEnabled), 1u);
  EXPECT_TRUE(irqs.level(kSource));
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 0);
  EXPECT_FALSE(irqs.level(kSource));
}

// As in QEMU, arming fixes the instruction count; setting the time afterwards (high half first,
// as Linux does, passing through values on either side of the alarm) does not move it.
TEST_F(RtcTest, TimeWritesDoNotMoveAnArmedAlarm) {
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 1);
  set_alarm(time() + 1'000'000);
  const uint64_t due = rtc.next_event_icount();
  EXPECT_EQ(due, 10'000u * VirtualClock::kInsnsPerTick);
  set_time(time() + (5ULL << 32));
  EXPECT_FALSE(irqs.level(kSource));
  set_time(0);
  EXPECT_EQ(rtc.next_event_icount(), due);
  clock.now = due;
  rtc.on_time();
  EXPECT_TRUE(irqs.level(kSource));
}

TEST_F(RtcTest, OnlyAlignedWordAccesses) {
  EXPECT_EQ(rtc.read(GoldfishRtc::kTimeLow, 8), 0u);
  EXPECT_EQ(rtc.read(GoldfishRtc::kTimeLow, 1), 0u);
  EXPECT_EQ(rtc.read(GoldfishRtc::kTimeLow + 2, 4), 0u);
  rtc.write(GoldfishRtc::kIrqEnabled, 8, 1);
  rtc.write(GoldfishRtc::kIrqEnabled, 2, 1);
  EXPECT_EQ(reg(GoldfishRtc::kIrqEnabled), 0u);
  EXPECT_EQ(rtc.read(0x20, 4), 0u);
  EXPECT_EQ(rtc.read(0xffc, 4), 0u);
  EXPECT_EQ(reg(GoldfishRtc::kClearAlarm), 0u);
}

TEST_F(RtcTest, ResetReadsTheWallClockAgainAndDropsGuestState) {
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 1);
  set_time(5);
  set_alarm(0);
  EXPECT_TRUE(irqs.level(kSource));
  clock.now = 2000;
  rtc.reset();
  EXPECT_EQ(host.wall_clock_reads, 2);
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(reg(GoldfishRtc::kIrqEnabled), 0u);
  EXPECT_EQ(time(), host.wall_ns + 2000);
}

TEST_F(RtcTest, SaveLoadReproducesBehaviour) {
  clock.now = 3'000;
  set_time(0x7'0000'0000ULL);
  rtc.write(GoldfishRtc::kIrqEnabled, 4, 1);
  set_alarm(0x7'0000'0000ULL + 12'345);
  reg(GoldfishRtc::kTimeLow);
  const auto state = testing::saved(rtc);

  FakeHostInput other_host;
  other_host.wall_ns = 42;
  FakeInterruptSink irqs2;
  GoldfishRtc copy(clock, other_host, irqs2, kSource);
  testing::load_from(copy, state);
  EXPECT_EQ(other_host.wall_clock_reads, 1);  // load takes nothing from the host
  EXPECT_EQ(testing::saved(copy), state);
  EXPECT_EQ(copy.read(GoldfishRtc::kTimeHigh, 4), reg(GoldfishRtc::kTimeHigh));
  EXPECT_EQ(copy.now_ns(), rtc.now_ns());
  EXPECT_EQ(copy.next_event_icount(), rtc.next_event_icount());
  clock.now = rtc.next_event_icount();
  copy.on_time();
  EXPECT_TRUE(irqs2.level(kSource));

  auto bad_version = state;
  bad_version[0] = 0;
  EXPECT_THROW(testing::load_from(copy, bad_version), StateError);
  auto bad_boolean = state;
  bad_boolean[17] = 7;  // alarm_armed (after version, offset, alarm)
  EXPECT_THROW(testing::load_from(copy, bad_boolean), StateError);
}

}  // namespace
}  // namespace rwd::dev
