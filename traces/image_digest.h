// Identifies the images a recording ran (firmware, kernel, initrd, disks) by size and XXH64, so
// a replay can refuse images that differ from the recorded ones instead of diverging silently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rwd::trace {

struct ImageDigest {
  std::string role;  // "bios", "kernel", "initrd", "drive0", ...
  std::string path;  // as given on the command line
  uint64_t size = 0;
  uint64_t xxh64 = 0;
};

// Streams the file through XXH64 (seed 0). Errors: "PATH: no such file", "PATH: cannot read: ...".
std::optional<ImageDigest> digest_file(std::string role, std::string path, std::string* error);

}  // namespace rwd::trace
