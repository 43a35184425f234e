// Rewind's own messages during a user-mode run (warnings, strace, uncaught signals, --stats).
// Guest descriptors are host descriptors, so a guest that closes fd 2 would silence — or, for
// buffered writers, crash — anything that still printed to stderr. Messages therefore go to a
// private duplicate of the original stderr on a high descriptor that the syscall layer hides
// from the guest.
#pragma once

#include <cstdio>

namespace rwd::linux_user {

class Diagnostics {
 public:
  Diagnostics();
  ~Diagnostics();
  Diagnostics(const Diagnostics&) = delete;
  Diagnostics& operator=(const Diagnostics&) = delete;

  std::FILE* stream() const { return stream_; }
  // Sends messages to `destination` instead (tests pass a temporary file); not closed here.
  void redirect(std::FILE* destination);
  // The descriptor the guest must not close or replace (-1 when stderr was already closed).
  int fd() const { return fd_; }

 private:
  static constexpr int kLowestFd = 1000;  // far above what programs allocate in practice
  int fd_ = -1;
  std::FILE* stream_ = stderr;
  bool owned_ = false;
};

}  // namespace rwd::linux_user
