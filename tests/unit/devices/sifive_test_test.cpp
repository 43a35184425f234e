#include "devices/sifive_test.h"

#include <gtest/gtest.h>

#include "tests/unit/devices/fakes.h"

namespace rwd::dev {
namespace {

using Events = std::vector<std::string>;

class SifiveTestTest : public ::testing::Test {
 protected:
  testing::FakePower power;
  SifiveTest finisher{power};
};

TEST_F(SifiveTestTest, RequestsReachPowerControl) {
  finisher.write(0, 4, 0x5555);
  finisher.write(0, 4, 0x7777);
  finisher.write(0, 4, (3u << 16) | 0x3333);
  finisher.write(0, 4, 0x3333);
  finisher.write(0, 4, 0xffff'3333);
  EXPECT_EQ(power.events, (Events{"power_off", "reset", "fail 3", "fail 0", "fail 65535"}));
}

TEST_F(SifiveTestTest, OtherValuesAndAccessesAreIgnored) {
  finisher.write(0, 4, 0x1234);
  finisher.write(0, 4, 0x5554);
  finisher.write(0, 4, 0);
  finisher.write(4, 4, 0x5555);  // only offset 0 decodes
  finisher.write(0x800, 4, 0x5555);
  finisher.write(0, 1, 0x55);    // too narrow
  finisher.write(0, 8, 0x5555);  // too wide
  finisher.write(0, 3, 0x5555);
  finisher.write(~0ULL, 4, 0x5555);
  EXPECT_TRUE(power.events.empty());
  EXPECT_EQ(finisher.read(0, 4), 0u);
  EXPECT_EQ(finisher.read(0xffc, 4), 0u);
  EXPECT_EQ(finisher.mmio_size(), 0x1000u);
}

TEST_F(SifiveTestTest, QemuDecodesTheLowHalfOnly) {
  finisher.write(0, 2, 0x5555);         // QEMU takes 2-byte writes too
  finisher.write(0, 2, 0x1'7777);       // a 2-byte write sees only 16 bits
  finisher.write(0, 4, 0x0001'5555);    // the code half does not matter for pass
  finisher.write(0, 8, 0x1'0000'3333);  // ignored: 8-byte
  finisher.write(0, 4, 0x1'0000'3333);  // bits above 31 are not part of a 4-byte write
  EXPECT_EQ(power.events, (Events{"power_off", "reset", "power_off", "fail 0"}));
}

TEST_F(SifiveTestTest, StateIsJustAVersion) {
  const auto state = testing::saved(finisher);
  EXPECT_EQ(state.size(), 1u);
  testing::load_from(finisher, state);
  EXPECT_THROW(testing::load_from(finisher, {}), StateError);
  EXPECT_THROW(testing::load_from(finisher, {0}), StateError);
  finisher.reset();
  finisher.write(0, 4, 0x5555);
  EXPECT_EQ(power.events, Events{"power_off"});
}

}  // namespace
}  // namespace rwd::dev
