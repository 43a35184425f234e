// The images a machine boots from, digested for trace headers and snapshots, and checked
// before a replay or a snapshot load: a replay with another kernel would diverge somewhere
// deep in the run, so a changed image is refused up front, by name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "machine/machine_config.h"
#include "traces/image_digest.h"

namespace rwd::run {

// Firmware, kernel, initrd and every drive, in that order.
std::optional<std::vector<trace::ImageDigest>> digest_images(const machine::MachineConfig& config,
                                                              std::string* error);

// False with a one-line error naming the first image that is missing or differs.
bool check_images(const std::vector<trace::ImageDigest>& recorded, std::string* error);

}  // namespace rwd::run
