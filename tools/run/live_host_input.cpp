#include "run/live_host_input.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace rwd::run {

uint64_t LiveHostInput::wall_clock_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  // A clock set before 1970 reads as 1970: the RTC counts unsigned nanoseconds.
  if (ts.tv_sec < 0) return 0;
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

void LiveHostInput::entropy(uint8_t* dst, uint64_t len) {
  while (len > 0) {
    // getrandom returns at most 32 MiB - 1 per call, and may return less when interrupted.
    const ssize_t n = getrandom(dst, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "rewind: getrandom: %s\n", std::strerror(errno));
      std::abort();
    }
    dst += n;
    len -= uint64_t(n);
  }
}

}  // namespace rwd::run
