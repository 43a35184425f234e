#include "devices/plic.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/unit/devices/fakes.h"

namespace rwd::dev {
namespace {

using testing::FakeHarts;

constexpr uint64_t priority_reg(unsigned source) {
  return Plic::kPriorityBase + 4ULL * source;
}
constexpr uint64_t pending_reg(unsigned word) {
  return Plic::kPendingBase + 4ULL * word;
}
constexpr uint64_t enable_reg(unsigned context, unsigned word) {
  return Plic::kEnableBase + Plic::kEnableStride * context + 4ULL * word;
}
constexpr uint64_t threshold_reg(unsigned context) {
  return Plic::kContextBase + Plic::kContextStride * context;
}
constexpr uint64_t claim_reg(unsigned context) {
  return threshold_reg(context) + 4;
}

class PlicTest : public ::testing::Test {
 protected:
  void enable(unsigned context, unsigned source) {
    const uint64_t reg = enable_reg(context, source / 32);
    plic.write(reg, 4, plic.read(reg, 4) | (1u << (source % 32)));
  }
  void set_priority(unsigned source, uint32_t priority) {
    plic.write(priority_reg(source), 4, priority);
  }
  unsigned claim(unsigned context) { return unsigned(plic.read(claim_reg(context), 4)); }
  void complete(unsigned context, unsigned source) { plic.write(claim_reg(context), 4, source); }
  bool meip(unsigned hart) const { return harts.pending(hart, HartInterrupts::kMeip); }
  bool seip(unsigned hart) const { return harts.pending(hart, HartInterrupts::kSeip); }
  bool is_pending(unsigned source) {
    return (plic.read(pending_reg(source / 32), 4) >> (source % 32)) & 1;
  }

  FakeHarts harts;
  Plic plic{2, harts};
  const unsigned m0 = Plic::machine_context(0), s0 = Plic::supervisor_context(0);
  const unsigned m1 = Plic::machine_context(1), s1 = Plic::supervisor_context(1);
};

TEST_F(PlicTest, PowerOnState) {
  EXPECT_EQ(plic.mmio_size(), 0x600000u);
  EXPECT_EQ(plic.context_count(), 4u);
  for (unsigned source = 0; source < Plic::kSourceCount; ++source) {
    EXPECT_EQ(plic.read(priority_reg(source), 4), 0u);
  }
  for (unsigned context = 0; context < 4; ++context) {
    EXPECT_EQ(plic.read(threshold_reg(context), 4), 0u);
    EXPECT_EQ(claim(context), 0u);
  }
  EXPECT_EQ(harts.bits.size(), 4u);  // MEIP and SEIP of both harts were driven
  EXPECT_FALSE(meip(0) || seip(0) || meip(1) || seip(1));
}

TEST_F(PlicTest, PriorityRegistersAreWarl) {
  set_priority(5, 9);
  EXPECT_EQ(plic.read(priority_reg(5), 4), 1u);
  set_priority(95, 7);
  EXPECT_EQ(plic.read(priority_reg(95), 4), 7u);
  set_priority(0, 3);  // source 0 does not exist
  EXPECT_EQ(plic.read(priority_reg(0), 4), 0u);
  plic.write(priority_reg(96), 4, 3);
  EXPECT_EQ(plic.read(priority_reg(96), 4), 0u);
  plic.write(threshold_reg(s0), 4, 0xff);
  EXPECT_EQ(plic.read(threshold_reg(s0), 4), 7u);
}

TEST_F(PlicTest, PendingFollowsTheLevelAndIsReadOnly) {
  plic.set_irq(10, true);
  plic.set_irq(40, true);
  EXPECT_EQ(plic.read(pending_reg(0), 4), 1u << 10);
  EXPECT_EQ(plic.read(pending_reg(1), 4), 1u << 8);
  plic.write(pending_reg(0), 4, 0);
  EXPECT_TRUE(is_pending(10));
  plic.set_irq(10, false);
  EXPECT_FALSE(is_pending(10));
  plic.set_irq(0, true);
  plic.set_irq(96, true);
  plic.set_irq(100'000, true);
  EXPECT_EQ(plic.read(pending_reg(0), 4), 0u);
  EXPECT_EQ(plic.read(pending_reg(2), 4), 0u);
}

TEST_F(PlicTest, ClaimCompleteGateway) {
  set_priority(10, 1);
  enable(s0, 10);
  plic.set_irq(10, true);
  EXPECT_TRUE(seip(0));
  EXPECT_FALSE(meip(0));
  EXPECT_EQ(claim(s0), 10u);
  EXPECT_FALSE(seip(0));
  EXPECT_FALSE(is_pending(10));
  EXPECT_EQ(claim(s0), 0u);
  // Still high at completion: the gateway forwards it again.
  complete(s0, 10);
  EXPECT_TRUE(is_pending(10));
  EXPECT_TRUE(seip(0));
  EXPECT_EQ(claim(s0), 10u);
  // Dropped before completion: nothing more.
  plic.set_irq(10, false);
  complete(s0, 10);
  EXPECT_FALSE(is_pending(10));
  EXPECT_FALSE(seip(0));
  // A completion of something never claimed, or out of range, is harmless.
  complete(s0, 11);
  complete(s0, 0);
  complete(s0, 5000);
  EXPECT_EQ(claim(s0), 0u);
}

TEST_F(PlicTest, ThresholdMasksPrioritiesAtOrBelowIt) {
  set_priority(3, 3);
  enable(m0, 3);
  plic.set_irq(3, true);
  plic.write(threshold_reg(m0), 4, 3);
  EXPECT_FALSE(meip(0));
  EXPECT_EQ(claim(m0), 0u);
  EXPECT_TRUE(is_pending(3));
  plic.write(threshold_reg(m0), 4, 2);
  EXPECT_TRUE(meip(0));
  EXPECT_EQ(claim(m0), 3u);
}

TEST_F(PlicTest, PriorityZeroNeverInterrupts) {
  enable(s0, 7);
  plic.set_irq(7, true);
  EXPECT_TRUE(is_pending(7));
  EXPECT_FALSE(seip(0));
  EXPECT_EQ(claim(s0), 0u);
  set_priority(7, 1);
  EXPECT_TRUE(seip(0));
  set_priority(7, 0);
  EXPECT_FALSE(seip(0));
}

TEST_F(PlicTest, HighestPriorityFirstLowestIdOnTies) {
  const unsigned sources[] = {5, 9, 7, 31, 33, 64, 95};
  const uint32_t priorities[] = {2, 5, 5, 4, 4, 4, 1};
  for (unsigned i = 0; i < 7; ++i) {
    set_priority(sources[i], priorities[i]);
    enable(s1, sources[i]);
    plic.set_irq(sources[i], true);
  }
  EXPECT_TRUE(seip(1));
  for (unsigned expected : {7u, 9u, 31u, 33u, 64u, 5u, 95u, 0u}) {
    EXPECT_EQ(claim(s1), expected);
  }
  EXPECT_FALSE(seip(1));
}

TEST_F(PlicTest, EnablesArePerContext) {
  set_priority(3, 1);
  set_priority(4, 1);
  enable(m0, 3);
  enable(s1, 4);
  plic.set_irq(3, true);
  EXPECT_TRUE(meip(0));
  EXPECT_FALSE(seip(0) || meip(1) || seip(1));
  plic.set_irq(4, true);
  EXPECT_TRUE(seip(1));
  EXPECT_FALSE(seip(0) || meip(1));
  EXPECT_EQ(claim(s0), 0u);
  EXPECT_EQ(claim(m1), 0u);
  EXPECT_EQ(claim(m0), 3u);
  EXPECT_EQ(claim(s1), 4u);
  EXPECT_EQ(plic.read(enable_reg(m0, 0), 4), 1u << 3);
  EXPECT_EQ(plic.read(enable_reg(s1, 0), 4), 1u << 4);
  EXPECT_EQ(plic.read(enable_reg(s0, 0), 4), 0u);
}

TEST_F(PlicTest, ClaimHidesTheSourceFromOtherContexts) {
  set_priority(20, 2);
  enable(s0, 20);
  enable(s1, 20);
  plic.set_irq(20, true);
  EXPECT_TRUE(seip(0) && seip(1));
  EXPECT_EQ(claim(s1), 20u);
  EXPECT_FALSE(seip(0) || seip(1));
  EXPECT_EQ(claim(s0), 0u);
  complete(s1, 20);
  EXPECT_TRUE(seip(0) && seip(1));
}

TEST_F(PlicTest, EnableWordsAndSourceZero) {
  plic.write(enable_reg(s0, 0), 4, 0xffff'ffff);
  EXPECT_EQ(plic.read(enable_reg(s0, 0), 4), 0xffff'fffeu);  // source 0 is hardwired off
  plic.write(enable_reg(s0, 2), 4, 0x8000'0000);
  EXPECT_EQ(plic.read(enable_reg(s0, 2), 4), 0x8000'0000u);
  plic.write(enable_reg(s0, 3), 4, 0xffff'ffff);  // past source 95
  EXPECT_EQ(plic.read(enable_reg(s0, 3), 4), 0u);
  plic.write(enable_reg(4, 0), 4, 0xffff'ffff);  // no context 4 with two harts
  EXPECT_EQ(plic.read(enable_reg(4, 0), 4), 0u);
  plic.write(threshold_reg(4), 4, 1);
  EXPECT_EQ(plic.read(threshold_reg(4), 4), 0u);
}

TEST_F(PlicTest, OnlyAlignedWordAccesses) {
  plic.write(priority_reg(1), 1, 5);
  plic.write(priority_reg(1), 8, 5);
  plic.write(priority_reg(1) + 2, 4, 5);
  EXPECT_EQ(plic.read(priority_reg(1), 4), 0u);
  set_priority(1, 5);
  EXPECT_EQ(plic.read(priority_reg(1), 2), 0u);
  EXPECT_EQ(plic.read(priority_reg(1), 8), 0u);
  enable(s0, 1);
  plic.set_irq(1, true);
  EXPECT_EQ(plic.read(claim_reg(s0), 8), 0u);  // a wrong-size read claims nothing
  EXPECT_TRUE(is_pending(1));
}

TEST_F(PlicTest, ResetClearsEverythingAndLowersOutputs) {
  set_priority(2, 1);
  enable(m1, 2);
  plic.set_irq(2, true);
  EXPECT_TRUE(meip(1));
  plic.reset();
  EXPECT_FALSE(meip(1));
  EXPECT_EQ(plic.read(priority_reg(2), 4), 0u);
  EXPECT_EQ(plic.read(enable_reg(m1, 0), 4), 0u);
  EXPECT_FALSE(is_pending(2));
}

TEST_F(PlicTest, HartCountLimits) {
  EXPECT_THROW(Plic(0, harts), std::invalid_argument);
  EXPECT_THROW(Plic(Plic::kMaxHarts + 1, harts), std::invalid_argument);
  Plic big(Plic::kMaxHarts, harts);
  const unsigned last = Plic::supervisor_context(Plic::kMaxHarts - 1);
  EXPECT_LT(claim_reg(last), Plic::kMmioSize);
  big.write(priority_reg(1), 4, 1);
  big.write(enable_reg(last, 0), 4, 1u << 1);
  big.set_irq(1, true);
  EXPECT_TRUE(harts.pending(Plic::kMaxHarts - 1, HartInterrupts::kSeip));
  EXPECT_EQ(big.read(claim_reg(last), 4), 1u);
}

TEST_F(PlicTest, SaveLoadReproducesBehaviour) {
  set_priority(12, 6);
  set_priority(13, 6);
  enable(s0, 12);
  enable(s0, 13);
  enable(m1, 13);
  plic.write(threshold_reg(m1), 4, 2);
  plic.set_irq(12, true);
  plic.set_irq(13, true);
  EXPECT_EQ(claim(s0), 12u);
  const auto state = testing::saved(plic);

  FakeHarts harts2;
  Plic copy(2, harts2);
  testing::load_from(copy, state);
  EXPECT_EQ(testing::saved(copy), state);
  EXPECT_EQ(harts2.bits, harts.bits);
  EXPECT_EQ(copy.read(claim_reg(s0), 4), 13u);
  EXPECT_EQ(claim(s0), 13u);
  copy.write(claim_reg(s0), 4, 12);
  complete(s0, 12);
  EXPECT_EQ(copy.read(claim_reg(s0), 4), claim(s0));

  Plic wrong_size(1, harts2);
  EXPECT_THROW(testing::load_from(wrong_size, state), StateError);
  auto bad_priority = state;
  bad_priority[5] = 8;  // version, hart count (4 bytes), then source 1's priority
  EXPECT_THROW(testing::load_from(copy, bad_priority), StateError);
  auto claims_source_zero = state;
  claims_source_zero[5 + 95 + 12] |= 1;  // first claimed word
  EXPECT_THROW(testing::load_from(copy, claims_source_zero), StateError);
}

}  // namespace
}  // namespace rwd::dev
