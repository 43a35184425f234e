#include "devices/sifive_test.h"

#include "devices/device_support.h"

namespace rwd::dev {

namespace {
constexpr uint8_t kStateVersion = 1;
}  // namespace

void SifiveTest::write(uint64_t offset, unsigned bytes, uint64_t value) {
  // QEMU decodes only offset 0 and takes 2- and 4-byte writes there.
  if (offset != 0 || (bytes != 2 && bytes != 4)) return;
  const auto word = uint32_t(bytes == 2 ? (value & 0xffff) : (value & 0xffff'ffff));
  const uint32_t request = word & 0xffff;
  const uint32_t code = word >> 16;
  switch (request) {
    case kPass:
      power_.power_off();
      break;
    case kReset:
      power_.reset();
      break;
    case kFail:
      power_.fail(code);
      break;
    default:
      break;
  }
}

// The finisher has no state; the version byte still lets a snapshot reader check its place.
void SifiveTest::save(StateWriter& out) const {
  write_state_version(out, kStateVersion);
}

void SifiveTest::load(StateReader& in) {
  expect_state_version(in, kStateVersion, "sifive_test");
}

}  // namespace rwd::dev
