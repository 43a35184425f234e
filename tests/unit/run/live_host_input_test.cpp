#include "run/live_host_input.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace rwd::run {
namespace {

TEST(LiveHostInput, WallClockIsUnixTimeInNanoseconds) {
  // Bracket with CLOCK_REALTIME itself: time() reads the coarse clock, which lags it by up
  // to a tick just after a second boundary, so a time() bracket fails now and then.
  const auto realtime_seconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec);
  };
  LiveHostInput input;
  const uint64_t before = realtime_seconds();
  const uint64_t ns = input.wall_clock_ns();
  const uint64_t after = realtime_seconds();
  EXPECT_GE(ns / 1'000'000'000, before);
  EXPECT_LE(ns / 1'000'000'000, after);
  EXPECT_LE(ns, input.wall_clock_ns());
}

TEST(LiveHostInput, EntropyFillsEveryByte) {
  LiveHostInput input;
  std::vector<uint8_t> a(64, 0), b(64, 0);
  input.entropy(a.data(), a.size());
  input.entropy(b.data(), b.size());
  EXPECT_NE(a, b);
  EXPECT_FALSE(std::all_of(a.begin(), a.end(), [](uint8_t v) { return v == 0; }));
  input.entropy(nullptr, 0);  // nothing asked, nothing read
}

TEST(LiveHostInput, EntropyLargerThanOneGetrandomCall) {
  // getrandom returns at most 32 MiB - 1 bytes per call; the tail must be filled too.
  LiveHostInput input;
  std::vector<uint8_t> big((32u << 20) + 4096, 0);
  input.entropy(big.data(), big.size());
  const auto tail = big.end() - 4096;
  EXPECT_GT(std::count_if(tail, big.end(), [](uint8_t v) { return v != 0; }), 3500);
}

}  // namespace
}  // namespace rwd::run
