#include "run/images.h"

#include <fmt/format.h>

namespace rwd::run {

std::optional<std::vector<trace::ImageDigest>> digest_images(const machine::MachineConfig& config,
                                                              std::string* error) {
  std::vector<trace::ImageDigest> out;
  auto add = [&](const char* role, const std::string& path) {
    if (path.empty()) return true;
    auto d = trace::digest_file(role, path, error);
    if (!d) return false;
    out.push_back(std::move(*d));
    return true;
  };
  if (!add("firmware", machine::firmware_path(config)) || !add("kernel", config.kernel) ||
      !add("initrd", config.initrd)) {
    return std::nullopt;
  }
  for (const machine::DriveConfig& d : config.drives) {
    if (!add("disk", d.file)) return std::nullopt;
  }
  return out;
}

bool check_images(const std::vector<trace::ImageDigest>& recorded, std::string* error) {
  for (const trace::ImageDigest& r : recorded) {
    std::string why;
    const auto now = trace::digest_file(r.role, r.path, &why);
    if (!now) {
      *error = fmt::format("{} image {} is not readable: {}", r.role, r.path, why);
      return false;
    }
    if (now->size != r.size || now->xxh64 != r.xxh64) {
      *error = fmt::format(
          "{} image {} differs from the recorded one ({} bytes, hash {:016x}; recorded {} "
          "bytes, hash {:016x})",
          r.role, r.path, now->size, now->xxh64, r.size, r.xxh64);
      return false;
    }
  }
  return true;
}

}  // namespace rwd::run
