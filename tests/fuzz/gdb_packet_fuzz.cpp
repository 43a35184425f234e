// Fuzz target: everything a GDB client sends reaches the packet reader and the session, so any
// byte string must be answered (or ignored) without a crash, a hang or unbounded memory, and
// every byte the session sends back must be well-framed packets and acks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "gdbstub/packet.h"
#include "gdbstub/session.h"
#include "tests/unit/gdbstub/fake_target.h"

namespace {

using rwd::gdb::PacketEvent;
using rwd::gdb::PacketReader;
using rwd::gdb::StopEvent;

// Checks what the session writes as it goes, instead of keeping it (replies can be large).
class CheckingTransport : public rwd::gdb::Transport {
 public:
  bool write(std::span<const uint8_t> bytes) override {
    for (uint8_t b : bytes) {
      PacketEvent e;
      if (!reader_.push(b, &e)) continue;
      if (e.kind == PacketEvent::Kind::kPacket || e.kind == PacketEvent::Kind::kAck ||
          e.kind == PacketEvent::Kind::kNack) {
        continue;
      }
      __builtin_trap();  // a bad checksum, an oversized reply or a stray Ctrl-C byte
    }
    return true;
  }
  ptrdiff_t poll(std::span<uint8_t>) override { return 0; }
  bool idle() const { return !reader_.in_packet(); }

 private:
  // Replies may be longer than what the stub accepts, but not without bound.
  PacketReader reader_{4 * rwd::gdb::kPacketSize};
};

void run(std::span<const uint8_t> input, bool in_pieces, bool reversible) {
  rwd::gdb::testing::FakeTarget target(2, 0x100);
  target.reversible = reversible;
  target.read_only = reversible;  // a replay: reversible, refuses writes
  unsigned stops = 0;
  target.on_resume = [&stops](rwd::gdb::ResumeAction, const std::function<bool()>& interrupted) {
    StopEvent stop;
    for (int i = 0; i < 3; ++i) {
      if (interrupted()) {
        stop.kind = StopEvent::Kind::kInterrupted;
        return stop;
      }
    }
    // Cycle through every kind of stop, exits last as they end the session.
    const unsigned n = stops++;
    stop.kind = static_cast<StopEvent::Kind>(n % 7);
    stop.breakpoint =
        n & 1 ? rwd::gdb::BreakpointKind::kHardware : rwd::gdb::BreakpointKind::kSoftware;
    stop.watch = static_cast<rwd::gdb::WatchKind>(n % 3);
    stop.watch_address = 0x80000000ull + n;
    stop.exit_code = static_cast<int>(n);
    stop.hart = n % 3;
    return stop;
  };
  CheckingTransport transport;
  rwd::gdb::Session session(target, transport);
  if (in_pieces) {
    // Pieces of 1 to 16 bytes, so packets are split at every kind of place across inputs.
    uint32_t seed = static_cast<uint32_t>(input.size());
    for (size_t i = 0; i < input.size();) {
      seed = seed * 1103515245u + 12345u;
      const size_t n = std::min<size_t>(1 + (seed >> 16) % 16, input.size() - i);
      if (!session.handle_input(input.subspan(i, n))) break;
      i += n;
    }
  } else {
    session.handle_input(input);
  }
  if (!transport.idle()) __builtin_trap();  // a reply cut off in the middle
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  run(input, false, false);
  run(input, true, true);
  return 0;
}
