// The history of a machine that takes no host input (the bare-metal workload of the system
// tests): nothing to log, so nothing to rewind. For tests that put a Timeline over it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "replay/timeline.h"

namespace rwd::systest {

class NoInputHistory final : public replay::InputHistory {
 public:
  explicit NoInputHistory(system::MachineHost& host) : host_(host) {}
  system::MachineHost& host() override { return host_; }
  std::vector<uint64_t> mark() const override { return {}; }
  bool rewind(const std::vector<uint64_t>&, std::string*) override { return true; }
  std::optional<std::string> failure() const override { return std::nullopt; }

 private:
  system::MachineHost& host_;
};

}  // namespace rwd::systest
