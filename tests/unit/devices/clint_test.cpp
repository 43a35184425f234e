#include "devices/clint.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/unit/devices/fakes.h"

namespace rwd::dev {
namespace {

using testing::FakeClock;
using testing::FakeHarts;

constexpr uint64_t kMtime = Clint::kMtimeOffset;
constexpr uint64_t mtimecmp(unsigned hart) {
  return Clint::kMtimecmpBase + 8ULL * hart;
}
constexpr uint64_t msip(unsigned hart) {
  return Clint::kMsipBase + 4ULL * hart;
}

class ClintTest : public ::testing::Test {
 protected:
  bool mtip(unsigned hart) const { return harts.pending(hart, HartInterrupts::kMtip); }
  bool msip_pending(unsigned hart) const { return harts.pending(hart, HartInterrupts::kMsip); }

  FakeClock clock;
  FakeHarts harts;
  Clint clint{3, clock, harts};
};

TEST_F(ClintTest, PowerOnLikeQemu) {
  EXPECT_EQ(clint.mmio_size(), 0x10000u);
  EXPECT_EQ(clint.read(kMtime, 8), 0u);
  for (unsigned hart = 0; hart < 3; ++hart) {
    EXPECT_EQ(clint.read(mtimecmp(hart), 8), 0u);
    EXPECT_EQ(clint.read(msip(hart), 4), 0u);
    EXPECT_TRUE(mtip(hart));  // mtimecmp 0 <= mtime 0
    EXPECT_FALSE(msip_pending(hart));
  }
}

TEST_F(ClintTest, MtimeFollowsTheVirtualClock) {
  clock.now = 12345;  // 123 ticks and change
  EXPECT_EQ(clint.read(kMtime, 8), 123u);
  EXPECT_EQ(clint.mtime(), 123u);
  clint.write(kMtime, 8, 0x1'0000'0005ULL);
  EXPECT_EQ(clint.read(kMtime, 4), 5u);
  EXPECT_EQ(clint.read(kMtime + 4, 4), 1u);
  clock.advance_ticks(10);
  EXPECT_EQ(clint.read(kMtime, 8), 0x1'0000'000fULL);
  // 4-byte writes replace one half and keep the other.
  clint.write(kMtime + 4, 4, 0x22);
  EXPECT_EQ(clint.read(kMtime, 8), 0x22'0000'000fULL);
  clint.write(kMtime, 4, 0x7);
  EXPECT_EQ(clint.read(kMtime, 8), 0x22'0000'0007ULL);
  // The reset clears mtime wherever the clock is.
  clint.reset();
  EXPECT_EQ(clint.read(kMtime, 8), 0u);
  clock.advance_ticks(4);
  EXPECT_EQ(clint.read(kMtime, 8), 4u);
}

TEST_F(ClintTest, ExactTimerDeadlines) {
  for (unsigned hart = 0; hart < 3; ++hart) clint.write(mtimecmp(hart), 8, ~0ULL);
  EXPECT_EQ(clint.next_event_icount(), kNever);  // all-ones is never reached
  for (uint64_t compare : {1ULL, 10ULL, 12'345ULL, 1ULL << 40}) {
    clock.now = 150;  // mtime 1, halfway through a tick
    clint.reset();
    for (unsigned hart = 0; hart < 3; ++hart) clint.write(mtimecmp(hart), 8, ~0ULL);
    clint.write(mtimecmp(1), 8, compare + 1);
    EXPECT_FALSE(mtip(1));
    const uint64_t expected =
        (compare + 1 + 1) * VirtualClock::kInsnsPerTick;  // mtime was 0 at tick 1
    EXPECT_EQ(clint.next_event_icount(), expected) << compare;
    clock.now = expected - 1;
    clint.on_time();
    EXPECT_FALSE(mtip(1)) << compare;
    clock.now = expected;
    clint.on_time();
    EXPECT_TRUE(mtip(1)) << compare;
    EXPECT_FALSE(mtip(0));
    EXPECT_EQ(clint.next_event_icount(), kNever);
  }
}

TEST_F(ClintTest, DeadlineMovesWithMtimeWrites) {
  clock.now = 500;  // tick 5
  clint.write(mtimecmp(0), 8, 1010);
  clint.write(mtimecmp(1), 8, ~0ULL);
  clint.write(mtimecmp(2), 8, ~0ULL);
  EXPECT_EQ(clint.next_event_icount(), 101'000u);
  clint.write(kMtime, 8, 1000);  // mtime jumps forward: 10 ticks to go
  EXPECT_EQ(clint.next_event_icount(), 1500u);
  clint.write(kMtime, 4, 1009);
  EXPECT_EQ(clint.next_event_icount(), 600u);
  clint.write(kMtime, 8, 2000);  // past the compare value: MTIP at once, no event left
  EXPECT_TRUE(mtip(0));
  EXPECT_EQ(clint.next_event_icount(), kNever);
  clint.write(kMtime, 8, 0);
  EXPECT_FALSE(mtip(0));
  EXPECT_EQ(clint.next_event_icount(), 500u + 1010 * 100);
}

TEST_F(ClintTest, EarliestHartWins) {
  clint.write(mtimecmp(0), 8, 50);
  clint.write(mtimecmp(1), 8, 20);
  clint.write(mtimecmp(2), 8, ~0ULL);
  EXPECT_EQ(clint.next_event_icount(), 2000u);
  clock.now = 2000;
  clint.on_time();
  EXPECT_FALSE(mtip(0));
  EXPECT_TRUE(mtip(1));
  EXPECT_FALSE(mtip(2));
  EXPECT_EQ(clint.next_event_icount(), 5000u);
}

TEST_F(ClintTest, MtimecmpWriteReevaluatesAtOnce) {
  clock.now = 1000;  // mtime 10
  clint.write(mtimecmp(2), 8, 11);
  EXPECT_FALSE(mtip(2));
  clint.write(mtimecmp(2), 8, 10);
  EXPECT_TRUE(mtip(2));
  // Halves: RV32-style high-then-low programming.
  clint.write(mtimecmp(2) + 4, 4, 0x1);
  EXPECT_FALSE(mtip(2));
  clint.write(mtimecmp(2), 4, 0x2);
  EXPECT_EQ(clint.read(mtimecmp(2), 8), 0x1'0000'0002ULL);
  EXPECT_EQ(clint.read(mtimecmp(2), 4), 0x2u);
  EXPECT_EQ(clint.read(mtimecmp(2) + 4, 4), 0x1u);
}

TEST_F(ClintTest, OvershotDeadlineIsDueNow) {
  clint.write(mtimecmp(0), 8, 10);
  clint.write(mtimecmp(1), 8, ~0ULL);
  clint.write(mtimecmp(2), 8, ~0ULL);
  clock.now = 5000;  // the machine ran past icount 1000 without calling on_time
  EXPECT_EQ(clint.next_event_icount(), 5000u);
  clint.on_time();
  EXPECT_TRUE(mtip(0));
  EXPECT_EQ(clint.next_event_icount(), kNever);
}

TEST_F(ClintTest, SoftwareInterrupts) {
  clint.write(msip(1), 4, 1);
  EXPECT_TRUE(msip_pending(1));
  EXPECT_FALSE(msip_pending(0));
  EXPECT_FALSE(msip_pending(2));
  EXPECT_EQ(clint.read(msip(1), 4), 1u);
  clint.write(msip(1), 4, 0xffff'fffe);  // only bit 0 exists
  EXPECT_FALSE(msip_pending(1));
  EXPECT_EQ(clint.read(msip(1), 4), 0u);
  clint.write(msip(2), 4, 3);
  EXPECT_EQ(clint.read(msip(2), 4), 1u);
  clint.write(msip(3), 4, 1);  // no hart 3
  EXPECT_FALSE(msip_pending(3));
}

TEST_F(ClintTest, UnsupportedAccessesDoNothing) {
  clock.now = 777'700;
  clint.write(mtimecmp(0), 8, 0x1234'5678'9abc'def0ULL);
  EXPECT_EQ(clint.read(mtimecmp(0), 1), 0u);
  EXPECT_EQ(clint.read(mtimecmp(0), 2), 0u);
  EXPECT_EQ(clint.read(mtimecmp(0) + 4, 8), 0u);  // misaligned 8-byte
  EXPECT_EQ(clint.read(mtimecmp(0) + 2, 4), 0u);
  clint.write(mtimecmp(0), 1, 0);
  clint.write(mtimecmp(0) + 4, 8, 0);
  EXPECT_EQ(clint.read(mtimecmp(0), 8), 0x1234'5678'9abc'def0ULL);
  clint.write(msip(0), 8, 1);
  clint.write(msip(0), 1, 1);
  EXPECT_FALSE(msip_pending(0));
  clint.write(kMtime, 2, 0);
  EXPECT_EQ(clint.read(kMtime, 8), 7777u);
  EXPECT_EQ(clint.read(0x8000, 4), 0u);
  EXPECT_EQ(clint.read(mtimecmp(3), 8), 0u);  // beyond the last hart
}

TEST_F(ClintTest, HartCountLimits) {
  EXPECT_THROW(Clint(0, clock, harts), std::invalid_argument);
  EXPECT_THROW(Clint(Clint::kMaxHarts + 1, clock, harts), std::invalid_argument);
  Clint big(Clint::kMaxHarts, clock, harts);
  const unsigned last = Clint::kMaxHarts - 1;
  big.write(mtimecmp(last), 8, 99);
  EXPECT_EQ(big.read(mtimecmp(last), 8), 99u);
  EXPECT_EQ(big.read(kMtime, 8), 0u);  // the last mtimecmp stops short of mtime
  big.write(msip(last), 4, 1);
  EXPECT_TRUE(harts.pending(last, HartInterrupts::kMsip));
}

TEST_F(ClintTest, SaveLoadReproducesBehaviour) {
  clock.now = 4200;
  clint.write(kMtime, 8, 100'000);
  clint.write(mtimecmp(0), 8, 100'050);
  clint.write(mtimecmp(1), 8, 100'020);
  clint.write(mtimecmp(2), 8, 5);
  clint.write(msip(2), 4, 1);
  const auto state = testing::saved(clint);

  FakeHarts harts2;
  Clint copy(3, clock, harts2);
  testing::load_from(copy, state);
  EXPECT_EQ(testing::saved(copy), state);
  EXPECT_EQ(copy.read(kMtime, 8), clint.read(kMtime, 8));
  EXPECT_EQ(copy.next_event_icount(), clint.next_event_icount());
  EXPECT_EQ(harts2.bits, harts.bits);  // load drives every line

  Clint wrong_size(2, clock, harts2);
  EXPECT_THROW(testing::load_from(wrong_size, state), StateError);
  auto bad_version = state;
  bad_version[0] ^= 0xff;
  EXPECT_THROW(testing::load_from(copy, bad_version), StateError);
  auto bad_boolean = state;
  bad_boolean.back() = 2;
  EXPECT_THROW(testing::load_from(copy, bad_boolean), StateError);
  EXPECT_EQ(testing::saved(copy), state);  // failed loads changed nothing
}

}  // namespace
}  // namespace rwd::dev
