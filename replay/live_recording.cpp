#include "replay/live_recording.h"

#include <fmt/core.h>

#include <cstring>

namespace rwd::replay {

const char* LiveRecording::call_name(CallKind kind) {
  switch (kind) {
    case CallKind::kPoll: return "poll";
    case CallKind::kIdle: return "idle";
    case CallKind::kWallClock: return "wall-clock read";
    case CallKind::kEntropy: return "entropy read";
  }
  return "call";
}

void LiveRecording::attach(system::GuestInput& guest, std::function<uint64_t()> clock,
                           system::MachineHost& live_host) {
  guest_ = &guest;
  clock_ = std::move(clock);
  live_host_ = &live_host;
}

bool LiveRecording::rewind(const std::vector<uint64_t>& mark, std::string* error) {
  if (mark.size() != 1 || mark[0] > log_.size()) {
    *error = "checkpoint without a position in the live recording";
    return false;
  }
  cursor_ = mark[0];
  return true;
}

const LiveRecording::Call* LiveRecording::behind_frontier(CallKind kind) {
  if (guest_ == nullptr || failure_ || at_frontier()) return nullptr;
  const Call& call = log_[cursor_];
  if (call.kind != kind || call.clock != now()) {
    failure_ = fmt::format(
        "re-execution diverged from the live recording: {} at virtual time {} ns where the "
        "recording has a {} at {} ns",
        call_name(kind), now(), call_name(call.kind), call.clock);
    return nullptr;
  }
  ++cursor_;
  return &call;
}

void LiveRecording::deliver(const Call& call) {
  for (const std::vector<uint8_t>& typed : call.bytes) guest_->type(typed);
  if (call.stop) guest_->request_stop(*call.stop);
}

void LiveRecording::append(Call call) {
  memory_used_ += sizeof(Call);
  for (const auto& b : call.bytes) memory_used_ += sizeof(b) + b.size();
  log_.push_back(std::move(call));
  cursor_ = log_.size();
}

uint64_t LiveRecording::wall_clock_ns() {
  if (const Call* logged = behind_frontier(CallKind::kWallClock)) return logged->answer;
  const uint64_t time = live_input_.wall_clock_ns();
  if (guest_ != nullptr && !failure_) append({CallKind::kWallClock, now(), time, {}, {}});
  return time;
}

void LiveRecording::entropy(uint8_t* dst, uint64_t len) {
  if (const Call* logged = behind_frontier(CallKind::kEntropy)) {
    const std::vector<uint8_t>& bytes = logged->bytes.front();
    if (bytes.size() == len) {
      std::memcpy(dst, bytes.data(), len);
      return;
    }
    failure_ = fmt::format("re-execution diverged from the live recording: {} entropy bytes "
                           "asked for at {} ns where the recording has {}",
                           len, now(), bytes.size());
  }
  live_input_.entropy(dst, len);
  if (guest_ != nullptr && !failure_) {
    append({CallKind::kEntropy, now(), 0, {std::vector<uint8_t>(dst, dst + len)}, {}});
  }
}

void LiveRecording::poll() {
  if (const Call* logged = behind_frontier(CallKind::kPoll)) {
    deliver(*logged);
    return;
  }
  if (failure_ || live_host_ == nullptr) return;  // an unusable history takes no more input
  Call call{CallKind::kPoll, now(), 0, {}, {}};
  recording_ = &call;
  live_host_->poll();
  recording_ = nullptr;
  append(std::move(call));
}

uint64_t LiveRecording::idle(uint64_t now_ns, uint64_t deadline_ns) {
  if (const Call* logged = behind_frontier(CallKind::kIdle)) {
    deliver(*logged);
    return logged->answer;
  }
  if (failure_ || live_host_ == nullptr) return deadline_ns;
  Call call{CallKind::kIdle, now(), 0, {}, {}};
  recording_ = &call;
  const uint64_t resume_at = live_host_->idle(now_ns, deadline_ns);
  recording_ = nullptr;
  call.answer = resume_at;
  append(std::move(call));
  return resume_at;
}

void LiveRecording::type(std::span<const uint8_t> bytes) {
  if (recording_ != nullptr) recording_->bytes.emplace_back(bytes.begin(), bytes.end());
  if (guest_ != nullptr) guest_->type(bytes);
}

void LiveRecording::request_stop(system::MachineExit exit) {
  if (recording_ != nullptr) recording_->stop = exit;
  if (guest_ != nullptr) guest_->request_stop(std::move(exit));
}

}  // namespace rwd::replay
