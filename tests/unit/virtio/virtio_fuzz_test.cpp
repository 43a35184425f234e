// Runs the transport fuzz driver over thousands of pseudo-random inputs, so the unit suite
// catches crashes, hangs and broken invariants without libFuzzer.
#include "devices/virtio/virtio_fuzz.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace rwd::dev {
namespace {

std::vector<uint8_t> random_input(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (auto& b : bytes) b = uint8_t(rng());
  return bytes;
}

TEST(VirtioFuzz, RandomInputsKeepInvariants) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 3000; ++i) {
    const std::vector<uint8_t> input = random_input(rng, 64 + rng() % 4096);
    ASSERT_EQ(fuzz_virtio_mmio(input.data(), input.size()), "") << "input " << i;
  }
}

// Inputs that always initialize the device and shape guest RAM into plausible rings, so they reach
// the chain walker and the devices instead of failing on the first address.
TEST(VirtioFuzz, InitializedDevicesWithRandomRings) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> input = random_input(rng, 512 + rng() % 16384);
    input[0] = uint8_t((input[0] & 0xf3) | 4 | 8);  // initialize + shape rings
    input[1] = uint8_t(rng() % 64);                 // a few operations
    input[2] = 0;
    ASSERT_EQ(fuzz_virtio_mmio(input.data(), input.size()), "") << "input " << i;
  }
}

TEST(VirtioFuzz, EmptyAndTinyInputs) {
  EXPECT_EQ(fuzz_virtio_mmio(nullptr, 0), "");
  const uint8_t one[] = {0xff};
  EXPECT_EQ(fuzz_virtio_mmio(one, sizeof one), "");
}

}  // namespace
}  // namespace rwd::dev
