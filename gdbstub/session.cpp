#include "gdbstub/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "gdbstub/target_description.h"

namespace rwd::gdb {
namespace {

// The `g` packet: x0..x31 and pc, 8 bytes each. The rest gdb reads with `p`.
constexpr unsigned kGRegisters = 33;
constexpr size_t kGBytes = kGRegisters * 8;
// The longest `m` read: its hex reply fills one packet.
constexpr uint64_t kMaxMemoryRead = kPacketSize / 2;

constexpr int kSigInt = 2;
constexpr int kSigTrap = 5;

// What LLDB shows as the stop reason at either end of a replay's history.
constexpr std::string_view kHistoryBeginText = "start of the recorded history";
constexpr std::string_view kHistoryEndText = "end of the recorded history";

std::vector<uint8_t> resized(std::vector<uint8_t> bytes, size_t size) {
  bytes.resize(size, 0);
  return bytes;
}

}  // namespace

const char* session_end_name(SessionEnd end) {
  switch (end) {
    case SessionEnd::kActive:
      return "active";
    case SessionEnd::kDetached:
      return "detached";
    case SessionEnd::kKilled:
      return "killed";
    case SessionEnd::kExited:
      return "exited";
    case SessionEnd::kDisconnected:
      return "disconnected";
  }
  return "?";
}

Session::Session(DebugTarget& target, Transport& transport,
                 std::function<void(std::string_view)> log)
    : target_(target), transport_(transport), log_(std::move(log)) {}

bool Session::handle_input(std::span<const uint8_t> bytes) {
  if (finished()) return false;
  inbox_.insert(inbox_.end(), bytes.begin(), bytes.end());
  process();
  return !finished();
}

void Session::connection_closed() {
  if (!finished()) finish(SessionEnd::kDisconnected);
}

void Session::process() {
  while (!finished()) {
    PacketEvent event;
    if (!queued_.empty()) {
      event = std::move(queued_.front());
      queued_.pop_front();
    } else if (!next_inbox_event(&event)) {
      break;
    }
    handle_event(event);
  }
  if (finished()) {
    inbox_.clear();
    queued_.clear();
  } else {
    inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<ptrdiff_t>(inbox_pos_));
  }
  inbox_pos_ = 0;
}

bool Session::next_inbox_event(PacketEvent* event) {
  while (inbox_pos_ < inbox_.size()) {
    if (reader_.push(inbox_[inbox_pos_++], event)) return true;
  }
  return false;
}

void Session::handle_event(PacketEvent& event) {
  switch (event.kind) {
    case PacketEvent::Kind::kPacket:
      if (ack_mode_) send_raw("+");
      handle_packet(event.payload);
      break;
    case PacketEvent::Kind::kBadChecksum:
      // Without acks the connection is assumed reliable and the client waits for an answer,
      // so the packet is taken as it is (as gdbserver does).
      if (ack_mode_) {
        send_raw("-");
      } else {
        handle_packet(event.payload);
      }
      break;
    case PacketEvent::Kind::kOversized:
      // A retransmit would be just as long, so acknowledge it and refuse it instead.
      note(fmt::format("dropped a packet longer than {} bytes", kMaxPacketPayload));
      if (ack_mode_) send_raw("+");
      reply("E01");
      break;
    case PacketEvent::Kind::kNack:
      if (ack_mode_ && !last_reply_.empty()) send_raw(last_reply_);
      break;
    case PacketEvent::Kind::kInterrupt:  // the target is not running: nothing to stop
    case PacketEvent::Kind::kAck:
      break;
  }
}

void Session::handle_packet(std::string_view packet) {
  if (packet.empty()) return reply("");
  const std::string_view args = packet.substr(1);
  switch (packet[0]) {
    case '?':
      return reply(args.empty() ? stop_reply(last_stop_) : "E01");
    case 'g':
      if (!args.empty()) return reply("E01");
      return read_registers();
    case 'G':
      return write_registers(args);
    case 'p':
      return read_register(args);
    case 'P':
      return write_register(args);
    case 'm':
      return read_memory(args);
    case 'M':
      return write_memory_hex(args);
    case 'X':
      return write_memory_binary(args);
    case 'Z':
    case 'z':
      return breakpoint(packet, packet[0] == 'Z');
    case 'c':
    case 's':
    case 'C':
    case 'S':
      return continue_or_step(packet);
    case 'b':
      if (packet != "bc" && packet != "bs") return reply("");
      if (!target_.can_reverse()) return reply("");
      return resume(packet == "bc" ? ResumeAction::kReverseContinue : ResumeAction::kReverseStep,
                    c_thread_);
    case 'D':
      if (!args.empty() && args[0] != ';') return reply("E01");
      reply("OK");
      target_.detach();
      return finish(SessionEnd::kDetached);
    case 'k':
      // gdb does not wait for an answer to `k`.
      target_.kill();
      return finish(SessionEnd::kKilled);
    case 'H':
      return set_thread(packet);
    case 'T':
      return thread_alive(packet);
    case 'q':
    case 'Q':
      return query(packet);
    case 'v':
      return v_packet(packet);
    default:
      return reply("");
  }
}

void Session::reply(std::string_view payload) {
  last_reply_ = encode_packet(payload);
  send_raw(last_reply_);
}

void Session::send_raw(std::string_view bytes) {
  if (disconnected_) return;
  if (!transport_.write(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))) {
    disconnected_ = true;
    if (!finished()) finish(SessionEnd::kDisconnected);
  }
}

void Session::finish(SessionEnd end) {
  if (!finished()) end_ = end;
}

void Session::note(std::string_view text) {
  if (log_) log_(text);
}

bool Session::poll_interrupt() {
  if (interrupt_seen_ || disconnected_) return true;
  // Bytes of the current input after the resume packet come first, then what the transport has.
  for (int round = 0; round < 2; ++round) {
    while (queued_.size() < kMaxQueuedEvents && inbox_pos_ < inbox_.size()) {
      PacketEvent event;
      if (!reader_.push(inbox_[inbox_pos_++], &event)) continue;
      switch (event.kind) {
        case PacketEvent::Kind::kInterrupt:
          interrupt_seen_ = true;
          return true;
        case PacketEvent::Kind::kAck:
        case PacketEvent::Kind::kNack:
          break;  // about replies sent before the resume; there is nothing to resend
        default:
          queued_.push_back(std::move(event));
      }
    }
    if (round == 1 || inbox_pos_ < inbox_.size()) break;  // read one poll's worth at most
    inbox_.clear();
    inbox_pos_ = 0;
    std::array<uint8_t, 4096> buffer;
    const ptrdiff_t got = transport_.poll(buffer);
    if (got < 0) {
      disconnected_ = true;
      return true;
    }
    if (got == 0) break;
    inbox_.insert(inbox_.end(), buffer.begin(),
                  buffer.begin() + std::min<ptrdiff_t>(got, buffer.size()));
  }
  return false;
}

std::function<bool()> Session::interrupted_callback() {
  return [this] { return poll_interrupt(); };
}

// --- registers ---------------------------------------------------------------------------

void Session::read_registers() {
  std::string out;
  out.reserve(kGBytes * 2);
  for (unsigned regno = 0; regno < kGRegisters; ++regno) {
    std::vector<uint8_t> bytes;
    if (target_.read_register(regno, &bytes)) {
      out += to_hex(resized(std::move(bytes), 8));
    } else {
      out.append(16, 'x');  // unavailable
    }
  }
  reply(out);
}

void Session::write_registers(std::string_view hex) {
  std::vector<uint8_t> bytes;
  if (hex.size() != kGBytes * 2 || !from_hex(hex, &bytes)) return reply("E01");
  // x0 is skipped: gdb always sends it, and it cannot change.
  for (unsigned regno = 1; regno < kGRegisters; ++regno) {
    std::string error;
    if (!target_.write_register(regno, std::span(bytes).subspan(regno * 8, 8), &error)) {
      note(fmt::format("register {} not written: {}", regno, error));
      return reply("E03");
    }
  }
  reply("OK");
}

void Session::read_register(std::string_view args) {
  uint64_t regno = 0;
  if (!parse_hex_u64(args, &regno) || regno > UINT32_MAX) return reply("E01");
  std::vector<uint8_t> bytes;
  if (!target_.read_register(static_cast<unsigned>(regno), &bytes)) return reply("E02");
  reply(to_hex(resized(std::move(bytes), register_wire_size(static_cast<unsigned>(regno)))));
}

void Session::write_register(std::string_view args) {
  const size_t eq = args.find('=');
  uint64_t regno = 0;
  std::vector<uint8_t> bytes;
  if (eq == std::string_view::npos || !parse_hex_u64(args.substr(0, eq), &regno) ||
      regno > UINT32_MAX || !from_hex(args.substr(eq + 1), &bytes) ||
      bytes.size() != register_wire_size(static_cast<unsigned>(regno))) {
    return reply("E01");
  }
  bytes.resize(8, 0);  // the target always takes 8 bytes
  std::string error;
  if (!target_.write_register(static_cast<unsigned>(regno), bytes, &error)) {
    note(fmt::format("register {} not written: {}", regno, error));
    return reply("E03");
  }
  reply("OK");
}

// --- memory --------------------------------------------------------------------------------

void Session::read_memory(std::string_view args) {
  uint64_t address = 0;
  uint64_t length = 0;
  if (!parse_hex_pair(args, ',', &address, &length)) return reply("E01");
  length = std::min(length, kMaxMemoryRead);
  // Stop at the top of the address space instead of wrapping around to 0.
  if (address != 0) length = std::min(length, 0 - address);
  std::vector<uint8_t> buffer(length);
  const size_t got = std::min<size_t>(target_.read_memory(address, buffer), buffer.size());
  if (got == 0 && length != 0) return reply("E14");
  reply(to_hex(std::span(buffer).first(got)));
}

void Session::write_memory_hex(std::string_view args) {
  const size_t colon = args.find(':');
  uint64_t address = 0;
  uint64_t length = 0;
  std::vector<uint8_t> bytes;
  if (colon == std::string_view::npos ||
      !parse_hex_pair(args.substr(0, colon), ',', &address, &length) ||
      length != (args.size() - colon - 1) / 2 || !from_hex(args.substr(colon + 1), &bytes)) {
    return reply("E01");
  }
  if (length == 0) return reply("OK");
  std::string error;
  if (!target_.write_memory(address, bytes, &error)) {
    note(fmt::format("memory at {:#x} not written: {}", address, error));
    return reply("E14");
  }
  reply("OK");
}

void Session::write_memory_binary(std::string_view args) {
  const size_t colon = args.find(':');
  uint64_t address = 0;
  uint64_t length = 0;
  std::string data;
  if (colon == std::string_view::npos ||
      !parse_hex_pair(args.substr(0, colon), ',', &address, &length) ||
      !unescape_binary(args.substr(colon + 1), &data) || data.size() != length) {
    return reply("E01");
  }
  // gdb sends an empty X first to learn whether binary writes work.
  if (length == 0) return reply("OK");
  std::string error;
  if (!target_.write_memory(
          address, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()), &error)) {
    note(fmt::format("memory at {:#x} not written: {}", address, error));
    return reply("E14");
  }
  reply("OK");
}

// --- breakpoints and execution -------------------------------------------------------------

void Session::breakpoint(std::string_view packet, bool insert) {
  // Ztype,addr,kind[;conditions...]: conditions are not offered, so anything after ';' is
  // ignored.
  if (packet.size() < 2) return reply("E01");
  const char type = packet[1];
  if (type < '0' || type > '4') return reply("");  // unsupported type
  if (packet.size() < 3 || packet[2] != ',') return reply("E01");
  std::string_view rest = packet.substr(3);
  rest = rest.substr(0, rest.find(';'));
  uint64_t address = 0;
  uint64_t kind = 0;
  if (!parse_hex_pair(rest, ',', &address, &kind)) return reply("E01");
  bool ok = false;
  switch (type) {
    case '0':
    case '1':
      ok = target_.set_breakpoint(
          type == '0' ? BreakpointKind::kSoftware : BreakpointKind::kHardware, address, insert);
      break;
    default: {
      if (kind == 0) return reply("E01");  // a watchpoint over no bytes
      static constexpr WatchKind kWatch[] = {WatchKind::kWrite, WatchKind::kRead,
                                             WatchKind::kAccess};
      ok = target_.set_watchpoint(kWatch[type - '2'], address, kind, insert);
    }
  }
  reply(ok ? "OK" : "E03");
}

bool Session::current_pc(uint64_t* pc) {
  std::vector<uint8_t> bytes;
  if (!target_.read_register(kRegPc, &bytes)) return false;
  bytes.resize(8, 0);
  *pc = 0;
  for (int i = 7; i >= 0; --i) *pc = *pc << 8 | bytes[static_cast<size_t>(i)];
  return true;
}

void Session::continue_or_step(std::string_view packet) {
  // c[addr], s[addr], Csig[;addr], Ssig[;addr]. Signals mean nothing to a machine; they are
  // accepted and dropped.
  const char command = packet[0];
  std::string_view address_text = packet.substr(1);
  if (command == 'C' || command == 'S') {
    const size_t semi = address_text.find(';');
    uint64_t signal = 0;
    if (!parse_hex_u64(address_text.substr(0, semi), &signal) || signal > 0xff) {
      return reply("E01");
    }
    if (semi == std::string_view::npos) {
      address_text = {};
    } else {
      address_text.remove_prefix(semi + 1);
      if (address_text.empty()) return reply("E01");
    }
  }
  if (!address_text.empty()) {
    // Resuming elsewhere would mean writing pc, which a replay cannot do: only accept the
    // address the thread is at already.
    uint64_t address = 0;
    uint64_t pc = 0;
    if (!parse_hex_u64(address_text, &address)) return reply("E01");
    if (c_thread_ > 0) target_.select_thread(static_cast<unsigned>(c_thread_ - 1));
    const bool same = current_pc(&pc) && pc == address;
    if (c_thread_ > 0) target_.select_thread(g_thread_ - 1);
    if (!same) return reply("E01");
  }
  const bool step = command == 's' || command == 'S';
  resume(step ? ResumeAction::kStep : ResumeAction::kContinue, c_thread_);
}

void Session::resume(ResumeAction action, int64_t thread) {
  if (thread > 0) target_.select_thread(static_cast<unsigned>(thread - 1));
  interrupt_seen_ = false;
  const StopEvent stop = target_.resume(action, interrupted_callback());
  if (disconnected_) return finish(SessionEnd::kDisconnected);
  last_stop_ = stop;
  if (stop.kind == StopEvent::Kind::kExited) {
    reply(fmt::format("W{:02x}", static_cast<unsigned>(stop.exit_code) & 0xff));
    return finish(SessionEnd::kExited);
  }
  reply(stop_reply(stop));
}

std::string Session::stop_reply(const StopEvent& stop) {
  if (stop.kind == StopEvent::Kind::kExited) {
    return fmt::format("W{:02x}", static_cast<unsigned>(stop.exit_code) & 0xff);
  }
  // gdb takes the thread of a stop reply as its selected thread from then on.
  const unsigned hart = stop.hart < thread_count() ? stop.hart : 0;
  target_.select_thread(hart);
  g_thread_ = hart + 1;
  const int signal = stop.kind == StopEvent::Kind::kInterrupted ? kSigInt : kSigTrap;
  std::string out = fmt::format("T{:02x}thread:{:x};", signal, hart + 1);
  // The pc saves gdb a `p` round trip at every stop.
  std::vector<uint8_t> pc;
  if (target_.read_register(kRegPc, &pc)) {
    out += fmt::format("{:02x}:{};", kRegPc, to_hex(resized(std::move(pc), 8)));
  }
  switch (stop.kind) {
    case StopEvent::Kind::kBreakpoint:
      // Only for clients that asked for these reasons in qSupported; others find the
      // breakpoint by the pc.
      if (stop.breakpoint == BreakpointKind::kSoftware && client_swbreak_) out += "swbreak:;";
      if (stop.breakpoint == BreakpointKind::kHardware && client_hwbreak_) out += "hwbreak:;";
      break;
    case StopEvent::Kind::kWatchpoint: {
      const char* name = stop.watch == WatchKind::kWrite  ? "watch"
                         : stop.watch == WatchKind::kRead ? "rwatch"
                                                          : "awatch";
      out += fmt::format("{}:{:x};", name, stop.watch_address);
      break;
    }
    case StopEvent::Kind::kHistoryBegin:
    case StopEvent::Kind::kHistoryEnd: {
      // gdb knows replaylog; LLDB 19 does not, takes a bare T05 after a step for a completed
      // step, sees the pc unmoved and steps again, forever. An exception stop with a
      // description is one no step plan explains, so LLDB stops and shows the text. gdb
      // ignores keys it does not know. replaylog stays last, for clients that read both.
      const bool begin = stop.kind == StopEvent::Kind::kHistoryBegin;
      out += fmt::format("reason:exception;description:{};replaylog:{};",
                         to_hex(begin ? kHistoryBeginText : kHistoryEndText),
                         begin ? "begin" : "end");
      break;
    }
    default:
      break;
  }
  return out;
}

}  // namespace rwd::gdb
