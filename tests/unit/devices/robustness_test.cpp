// Every device against hostile input: any offset and size, interleaved with time and host
// events, then snapshots that are truncated, corrupted or pure noise. Nothing may crash (the
// suite runs under ASan/UBSan), loads may only fail with StateError, and a failed load must
// leave the device as it was.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "devices/clint.h"
#include "devices/goldfish_rtc.h"
#include "devices/plic.h"
#include "devices/sifive_test.h"
#include "devices/uart16550.h"
#include "tests/unit/devices/fakes.h"

namespace rwd::dev {
namespace {

using namespace testing;

// One device with everything it is wired to.
struct Rig {
  FakeClock clock;
  FakeInterruptSink irqs;
  FakeHarts harts;
  FakeHostInput host;
  FakePower power;
  FakeConsole console;
  std::unique_ptr<Device> device;
  // Extra host-side stimulus the device accepts besides MMIO.
  std::function<void(std::mt19937_64&)> poke = [](std::mt19937_64&) {};
};

std::unique_ptr<Rig> make_rig(const std::string& kind) {
  auto rig = std::make_unique<Rig>();
  Rig& r = *rig;
  if (kind == "uart16550") {
    auto uart = std::make_unique<Uart16550>(r.clock, r.irqs, 10, r.console);
    Uart16550* raw = uart.get();
    r.poke = [raw](std::mt19937_64& rng) {
      const bool could = raw->can_receive();
      EXPECT_EQ(raw->receive(uint8_t(rng())), could);
    };
    r.device = std::move(uart);
  } else if (kind == "clint") {
    r.device = std::make_unique<Clint>(3, r.clock, r.harts);
  } else if (kind == "plic") {
    auto plic = std::make_unique<Plic>(2, r.harts);
    Plic* raw = plic.get();
    r.poke = [raw](std::mt19937_64& rng) {
      // Mostly real sources, sometimes 0 or far out of range.
      const unsigned source = rng() % 8 == 0 ? unsigned(rng()) : unsigned(rng() % 100);
      raw->set_irq(source, rng() % 2 == 0);
    };
    r.device = std::move(plic);
  } else if (kind == "sifive_test") {
    r.device = std::make_unique<SifiveTest>(r.power);
  } else if (kind == "goldfish_rtc") {
    r.device = std::make_unique<GoldfishRtc>(r.clock, r.host, r.irqs, 11);
  }
  return rig;
}

uint64_t random_offset(std::mt19937_64& rng, uint64_t size) {
  switch (rng() % 6) {
    case 0:
      return rng();  // anywhere at all
    case 1:
      return size - 1 - rng() % 16;  // the last bytes of the window, and just past it
    case 2:
      return size + rng() % 16;
    case 3:
      return rng() % 0x40;  // where most registers are
    case 4:
      return (rng() % size) & ~uint64_t(3);
    default:
      return rng() % size;
  }
}

unsigned random_size(std::mt19937_64& rng) {
  static constexpr unsigned kSizes[] = {0, 1, 2, 3, 4, 4, 4, 5, 7, 8, 8, 9, 16, ~0u};
  return kSizes[rng() % std::size(kSizes)];
}

uint64_t random_value(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return rng() % 256;
    case 1:
      return 1ULL << (rng() % 64);
    case 2:
      return ~0ULL;
    default:
      return rng();
  }
}

// `events_in_order`: the device's next event is never in the past. Only a state loaded from
// noise may name an overdue event (which the machine then runs at once).
void hammer(Rig& rig, std::mt19937_64& rng, int operations, bool events_in_order = true) {
  Device& device = *rig.device;
  for (int i = 0; i < operations; ++i) {
    const unsigned action = unsigned(rng() % 16);
    if (action < 7) {
      device.read(random_offset(rng, device.mmio_size()), random_size(rng));
    } else if (action < 14) {
      device.write(random_offset(rng, device.mmio_size()), random_size(rng), random_value(rng));
    } else if (action == 14) {
      rig.poke(rng);
    } else {
      // Time passes, sometimes straight to the device's next event (which must not be past).
      const uint64_t next = device.next_event_icount();
      if (events_in_order) {
        EXPECT_GE(next, rig.clock.now);
      }
      if (next != kNever && next > rig.clock.now && rng() % 2 == 0) {
        rig.clock.now = next;
      } else {
        rig.clock.now += rng() % 100'000;
      }
      device.on_time();
      if (rng() % 64 == 0) device.reset();
    }
  }
}

class DeviceRobustness : public ::testing::TestWithParam<std::string> {};

TEST_P(DeviceRobustness, AnyOffsetAnySizeNeverCrashes) {
  std::mt19937_64 rng(0x5eed'0000 + std::hash<std::string>{}(GetParam()) % 1000);
  auto rig = make_rig(GetParam());
  ASSERT_NE(rig->device, nullptr);
  hammer(*rig, rng, 40'000);

  // Whatever state the noise left, a snapshot of it loads into a fresh device unchanged.
  const auto state = saved(*rig->device);
  auto fresh = make_rig(GetParam());
  fresh->clock.now = rig->clock.now;
  load_from(*fresh->device, state);
  EXPECT_EQ(saved(*fresh->device), state);
  EXPECT_EQ(fresh->device->next_event_icount(), rig->device->next_event_icount());
}

TEST_P(DeviceRobustness, TruncatedStateThrowsAndChangesNothing) {
  std::mt19937_64 rng(7);
  auto rig = make_rig(GetParam());
  hammer(*rig, rng, 2'000);
  const auto state = saved(*rig->device);
  auto target = make_rig(GetParam());
  const auto before = saved(*target->device);
  for (size_t n = 0; n < state.size(); ++n) {
    const std::vector<uint8_t> prefix(state.begin(), state.begin() + long(n));
    EXPECT_THROW(load_from(*target->device, prefix), StateError) << "prefix " << n;
  }
  EXPECT_EQ(saved(*target->device), before);
}

TEST_P(DeviceRobustness, WrongVersionThrows) {
  auto rig = make_rig(GetParam());
  auto state = saved(*rig->device);
  ASSERT_FALSE(state.empty());
  for (int version : {0, 2, 255}) {
    state[0] = uint8_t(version);
    EXPECT_THROW(load_from(*rig->device, state), StateError) << version;
  }
}

TEST_P(DeviceRobustness, GarbageStateThrowsOrLoadsNeverCrashes) {
  std::mt19937_64 rng(99);
  auto rig = make_rig(GetParam());
  const auto good = saved(*rig->device);
  for (int round = 0; round < 3'000; ++round) {
    std::vector<uint8_t> bytes;
    if (round % 2 == 0) {
      // A valid state with a few bytes flipped: gets past the version check.
      bytes = good;
      for (int flips = 1 + int(rng() % 4); flips > 0; --flips) {
        const size_t at = bytes.size() > 1 ? 1 + rng() % (bytes.size() - 1) : 0;
        bytes[at] ^= uint8_t(1 + rng() % 255);
      }
    } else {
      bytes.resize(rng() % 600);
      for (auto& b : bytes) b = uint8_t(rng());
      if (!bytes.empty() && rng() % 2 == 0) bytes[0] = good[0];
    }
    const auto before = saved(*rig->device);
    try {
      load_from(*rig->device, bytes);
      // Accepted: it must round-trip and the device must keep working.
      const auto after = saved(*rig->device);
      auto probe = make_rig(GetParam());
      load_from(*probe->device, after);
      EXPECT_EQ(saved(*probe->device), after);
    } catch (const StateError&) {
      EXPECT_EQ(saved(*rig->device), before);
    }
    hammer(*rig, rng, 20, /*events_in_order=*/false);
  }
}

INSTANTIATE_TEST_SUITE_P(AllDevices, DeviceRobustness,
                         ::testing::Values("uart16550", "clint", "plic", "sifive_test",
                                           "goldfish_rtc"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace rwd::dev
