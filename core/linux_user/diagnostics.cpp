#include "linux_user/diagnostics.h"

#include <fcntl.h>
#include <unistd.h>

namespace rwd::linux_user {

Diagnostics::Diagnostics() {
  fd_ = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, kLowestFd);
  if (fd_ < 0) return;  // stderr already closed: keep writing to the (dead) stderr stream
  if (std::FILE* f = fdopen(fd_, "w")) {
    setvbuf(f, nullptr, _IOLBF, 0);
    stream_ = f;
    owned_ = true;
  } else {
    close(fd_);
    fd_ = -1;
  }
}

void Diagnostics::redirect(std::FILE* destination) {
  if (owned_) std::fclose(stream_);
  owned_ = false;
  stream_ = destination;
  fd_ = fileno(destination);
}

Diagnostics::~Diagnostics() {
  if (owned_) std::fclose(stream_);
}

}  // namespace rwd::linux_user
