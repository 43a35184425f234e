#include "traces/image_digest.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/core.h>

namespace rwd::trace {

std::optional<ImageDigest> digest_file(std::string role, std::string path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = errno == ENOENT ? fmt::format("{}: no such file", path)
                             : fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  // Disk images can be gigabytes: hash them in pieces rather than reading them whole.
  std::unique_ptr<XXH64_state_t, XXH_errorcode (*)(XXH64_state_t*)> state(XXH64_createState(),
                                                                          &XXH64_freeState);
  XXH64_reset(state.get(), 0);
  std::vector<uint8_t> buffer(1 << 20);
  uint64_t size = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = fmt::format("{}: cannot read: {}", path, std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    XXH64_update(state.get(), buffer.data(), size_t(n));
    size += uint64_t(n);
  }
  ::close(fd);
  ImageDigest d;
  d.role = std::move(role);
  d.path = std::move(path);
  d.size = size;
  d.xxh64 = XXH64_digest(state.get());
  return d;
}

}  // namespace rwd::trace
