// The guest's clocks (clock_gettime, gettimeofday) come from the host: a nondeterministic host
// input, read in this one place. The record/replay input layer (a later issue) takes it over
// here, so a replayed run sees the recorded times.
#pragma once

#include <time.h>

#include <cerrno>
#include <cstdint>

namespace rwd::linux_user {

class HostClock {
 public:
  virtual ~HostClock() = default;
  // As clock_gettime(2): 0, or -errno (e.g. -EINVAL for a clock the host does not know).
  virtual int64_t read(int64_t clock_id, timespec& out) = 0;
};

class SystemHostClock : public HostClock {
 public:
  int64_t read(int64_t clock_id, timespec& out) override {
    return ::clock_gettime(clockid_t(clock_id), &out) == 0 ? 0 : -errno;
  }
};

}  // namespace rwd::linux_user
