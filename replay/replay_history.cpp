#include "replay/replay_history.h"

namespace rwd::replay {

bool ReplayHistory::rewind(const std::vector<uint64_t>& mark, std::string* error) {
  if (mark.size() != 2) {
    *error = "checkpoint without a trace position";
    return false;
  }
  return replayer_.resume_at(mark[0], mark[1], error);
}

std::optional<std::string> ReplayHistory::failure() const {
  switch (replayer_.outcome()) {
    case ReplayOutcome::kDiverged:
    case ReplayOutcome::kBadTrace: return replayer_.message();
    default: return std::nullopt;
  }
}

void ReplayHistory::poll() {
  if (at_poll_) at_poll_();
  replayer_.poll();
}

uint64_t ReplayHistory::idle(uint64_t now_ns, uint64_t deadline_ns) {
  if (at_poll_) at_poll_();
  return replayer_.idle(now_ns, deadline_ns);
}

}  // namespace rwd::replay
