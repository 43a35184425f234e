// A trace as the history a Timeline moves through: the replayer answers the machine's host
// calls, and a checkpoint's mark is the replayer's place in the trace.
#pragma once

#include <functional>

#include "replay/replayer.h"
#include "replay/timeline.h"

namespace rwd::replay {

class ReplayHistory final : public InputHistory, private system::MachineHost {
 public:
  // `at_poll` runs before each poll and idle period (the caller flushes its console there).
  ReplayHistory(Replayer& replayer, std::function<void()> at_poll)
      : replayer_(replayer), at_poll_(std::move(at_poll)) {}

  system::MachineHost& host() override { return *this; }
  std::vector<uint64_t> mark() const override {
    return {replayer_.events_consumed(), replayer_.intervals_checked()};
  }
  bool rewind(const std::vector<uint64_t>& mark, std::string* error) override;
  std::optional<std::string> failure() const override;

 private:
  void poll() override;
  uint64_t idle(uint64_t now_ns, uint64_t deadline_ns) override;

  Replayer& replayer_;
  std::function<void()> at_poll_;
};

}  // namespace rwd::replay
