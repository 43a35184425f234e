// The guest's only source of "randomness" (AT_RANDOM, getrandom): a seeded generator, so that a
// run is reproducible from its seed. Kept behind this small class so the record/replay input
// layer can later take it over. Not cryptographic, and it does not need to be.
#pragma once

#include <cstdint>
#include <span>

namespace rwd::linux_user {

// Seed used when the user gives none. Any fixed value works; zero is as good as any because the
// state is expanded with splitmix64 first.
constexpr uint64_t kDefaultRandomSeed = 0;

class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed = kDefaultRandomSeed) {
    // splitmix64 turns any seed (including 0) into a well-mixed, non-zero xoshiro state.
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      word = z ^ (z >> 31);
    }
  }

  // xoshiro256**.
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  void fill(std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); i += 8) {
      uint64_t word = next();
      for (size_t j = 0; j < 8 && i + j < out.size(); ++j) out[i + j] = uint8_t(word >> (8 * j));
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace rwd::linux_user
