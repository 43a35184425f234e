// The Session's general queries (q/Q), thread packets (H, T) and v packets.
#include <fmt/format.h>

#include <algorithm>

#include "gdbstub/session.h"
#include "gdbstub/target_description.h"

namespace rwd::gdb {
namespace {

// Thread ids per qfThreadInfo/qsThreadInfo reply, so a machine with many harts still gets
// replies well under the packet size.
constexpr unsigned kThreadsPerReply = 256;
// Monitor output per O packet: its hex fills at most one packet.
constexpr size_t kOutputChunk = (kPacketSize - 1) / 2;

}  // namespace

unsigned Session::thread_count() const {
  return std::max(1u, target_.thread_count());
}

bool Session::parse_thread_id(std::string_view text, int64_t* id) {
  if (text == "-1") {
    *id = -1;
    return true;
  }
  uint64_t value = 0;
  if (!parse_hex_u64(text, &value) || value > INT64_MAX) return false;
  *id = static_cast<int64_t>(value);
  return true;
}

bool Session::thread_ok(int64_t id) const {
  return id == 0 || id == -1 || (id >= 1 && static_cast<uint64_t>(id) <= thread_count());
}

void Session::query(std::string_view packet) {
  if (packet == "qSupported" || packet.starts_with("qSupported:")) {
    return supported(packet.substr(std::min<size_t>(packet.size(), 11)));
  }
  if (packet.starts_with("qXfer:")) return xfer(packet.substr(6));
  // The machine existed before gdb came: on quit, gdb should detach, not kill.
  if (packet == "qAttached" || packet.starts_with("qAttached:")) return reply("1");
  if (packet == "qC") return reply(fmt::format("QC{:x}", g_thread_));
  if (packet == "qfThreadInfo" || packet == "qsThreadInfo") {
    if (packet == "qfThreadInfo") thread_cursor_ = 1;
    const unsigned count = thread_count();
    if (thread_cursor_ == 0 || thread_cursor_ > count) return reply("l");
    std::string out = "m";
    for (unsigned n = 0; n < kThreadsPerReply && thread_cursor_ <= count; ++n, ++thread_cursor_) {
      if (n != 0) out.push_back(',');
      out += fmt::format("{:x}", thread_cursor_);
    }
    return reply(out);
  }
  if (packet.starts_with("qThreadExtraInfo,")) return thread_extra_info(packet.substr(17));
  if (packet.starts_with("qRcmd,")) return monitor(packet.substr(6));
  if (packet == "qHostInfo") {
    // For LLDB, which asks this before anything else. Told "before", it steps the accessing
    // instruction (with the watchpoint removed) before looking at the watched value; told
    // "after" about a stop that came before the access, it would see the old value, take the
    // hit for a store of the same value and run on.
    return reply(fmt::format(
        "triple:{};endian:little;ptrsize:8;watchpoint_exceptions_received:{};",
        to_hex(std::string_view("riscv64-unknown-none-elf")),
        target_.watch_stops_before_access() ? "before" : "after"));
  }
  if (packet == "QStartNoAckMode") {
    // The OK still travels under acks; the client switches after it has seen it.
    reply("OK");
    ack_mode_ = false;
    return;
  }
  // qTStatus (no tracepoints), qOffsets, qSymbol, ...: not supported.
  reply("");
}

void Session::supported(std::string_view features) {
  if (!features.empty() && features[0] == ':') features.remove_prefix(1);
  while (!features.empty()) {
    const size_t semi = features.find(';');
    const std::string_view feature = features.substr(0, semi);
    if (feature == "swbreak+") client_swbreak_ = true;
    if (feature == "hwbreak+") client_hwbreak_ = true;
    if (semi == std::string_view::npos) break;
    features.remove_prefix(semi + 1);
  }
  std::string out = fmt::format(
      "PacketSize={:x};QStartNoAckMode+;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+",
      kPacketSize);
  if (target_.can_reverse()) out += ";ReverseStep+;ReverseContinue+";
  reply(out);
}

void Session::xfer(std::string_view args) {
  // features:read:ANNEX:OFFSET,LENGTH; other objects are not offered.
  constexpr std::string_view kPrefix = "features:read:";
  if (!args.starts_with(kPrefix)) return reply("");
  args.remove_prefix(kPrefix.size());
  const size_t colon = args.find(':');
  uint64_t offset = 0;
  uint64_t length = 0;
  if (colon == std::string_view::npos || args.substr(0, colon) != "target.xml" ||
      !parse_hex_pair(args.substr(colon + 1), ',', &offset, &length)) {
    return reply("E00");
  }
  if (target_xml_.empty()) target_xml_ = build_target_xml(target_.csrs());
  reply(xfer_chunk(target_xml_, offset, length, kPacketSize - 1));
}

void Session::monitor(std::string_view hex) {
  std::string command;
  if (!from_hex(hex, &command)) return reply("E01");
  interrupt_seen_ = false;
  bool ok = true;
  const std::string output = target_.monitor(command, interrupted_callback(), &ok);
  if (disconnected_) return finish(SessionEnd::kDisconnected);
  // An error's text goes out as output too: gdb shows it, then reports the failure.
  for (size_t at = 0; at < output.size() && !finished(); at += kOutputChunk) {
    reply("O" + to_hex(std::string_view(output).substr(at, kOutputChunk)));
  }
  reply(ok ? "OK" : "E01");
}

void Session::set_thread(std::string_view packet) {
  int64_t id = 0;
  if (packet.size() < 3 || (packet[1] != 'g' && packet[1] != 'c') ||
      !parse_thread_id(packet.substr(2), &id)) {
    return reply("E01");
  }
  if (!thread_ok(id)) return reply("E02");
  if (packet[1] == 'g') {
    // 0 (any) and -1 (all) keep the current thread: register access needs one.
    if (id > 0) {
      g_thread_ = static_cast<unsigned>(id);
      target_.select_thread(g_thread_ - 1);
    }
  } else {
    c_thread_ = id;
  }
  reply("OK");
}

void Session::thread_alive(std::string_view packet) {
  int64_t id = 0;
  if (!parse_thread_id(packet.substr(1), &id)) return reply("E01");
  reply(id > 0 && thread_ok(id) ? "OK" : "E02");
}

void Session::thread_extra_info(std::string_view args) {
  int64_t id = 0;
  if (!parse_thread_id(args, &id)) return reply("E01");
  if (id <= 0 || !thread_ok(id)) return reply("E02");
  reply(to_hex(fmt::format("hart {}", id - 1)));
}

void Session::v_packet(std::string_view packet) {
  if (packet == "vCont?") return reply("vCont;c;C;s;S");
  if (packet.starts_with("vCont;")) return v_cont(packet.substr(6));
  if (packet == "vCont") return reply("E01");
  if (packet == "vKill" || packet.starts_with("vKill;")) {
    reply("OK");
    target_.kill();
    return finish(SessionEnd::kKilled);
  }
  // vMustReplyEmpty, vFile, vRun, vAttach, ...
  reply("");
}

void Session::v_cont(std::string_view actions) {
  // vCont;ACTION[:THREAD];...: each thread takes the leftmost action that names it or has no
  // thread. The target resumes one thread, so the action for a named thread (the one gdb
  // steps) wins over the default one. Signals are dropped.
  struct Choice {
    bool set = false;
    ResumeAction action = ResumeAction::kContinue;
    int64_t thread = 0;
  };
  Choice named;
  Choice fallback;
  while (true) {
    const size_t semi = actions.find(';');
    const std::string_view item = actions.substr(0, semi);
    const size_t colon = item.find(':');
    const std::string_view command = item.substr(0, colon);
    if (command.empty()) return reply("E01");
    const char op = command[0];
    if (op == 'c' || op == 's') {
      if (command.size() != 1) return reply("E01");
    } else if (op == 'C' || op == 'S') {
      uint64_t signal = 0;
      if (!parse_hex_u64(command.substr(1), &signal) || signal > 0xff) return reply("E01");
    } else {
      return reply("E01");  // t, r, ...: not offered in vCont?
    }
    int64_t thread = -1;
    if (colon != std::string_view::npos && !parse_thread_id(item.substr(colon + 1), &thread)) {
      return reply("E01");
    }
    if (!thread_ok(thread)) return reply("E02");
    const ResumeAction action =
        op == 's' || op == 'S' ? ResumeAction::kStep : ResumeAction::kContinue;
    Choice& slot = thread > 0 ? named : fallback;
    if (!slot.set) slot = {true, action, thread > 0 ? thread : 0};
    if (semi == std::string_view::npos) break;
    actions.remove_prefix(semi + 1);
  }
  const Choice& choice = named.set ? named : fallback;
  resume(choice.action, choice.thread);
}

}  // namespace rwd::gdb
