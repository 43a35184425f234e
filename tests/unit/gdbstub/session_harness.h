// A Session over a FakeTarget and a FakeTransport, with a client side that frames packets and
// splits what the session wrote back into acks and packets.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "gdbstub/packet.h"
#include "gdbstub/session.h"
#include "tests/unit/gdbstub/fake_target.h"

namespace rwd::gdb::testing {

struct Harness {
  explicit Harness(unsigned harts = 1) : target(harts) {}

  void feed(std::string_view bytes) {
    session.handle_input(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // Everything written since the last call, as reader events (acks, packets).
  std::vector<PacketEvent> output() {
    std::vector<PacketEvent> events;
    PacketReader reader;
    for (; seen < transport.written.size(); ++seen) {
      PacketEvent e;
      if (reader.push(static_cast<uint8_t>(transport.written[seen]), &e)) {
        events.push_back(std::move(e));
      }
    }
    EXPECT_FALSE(reader.in_packet()) << "the session wrote half a packet";
    return events;
  }

  // The packets written since the last call (checking each is intact); acks are counted.
  std::vector<std::string> packets(int* acks = nullptr) {
    std::vector<std::string> out;
    for (PacketEvent& e : output()) {
      if (e.kind == PacketEvent::Kind::kAck) {
        if (acks) ++*acks;
        continue;
      }
      EXPECT_EQ(e.kind, PacketEvent::Kind::kPacket) << "bad frame from the session";
      std::string plain;
      EXPECT_TRUE(unescape_binary(e.payload, &plain));
      out.push_back(plain);
    }
    return out;
  }

  // Sends one packet and returns the session's replies, expecting the '+' first in ack mode.
  std::vector<std::string> send(std::string_view payload) {
    const bool acked = session.ack_mode();
    feed(encode_packet(payload));
    std::vector<PacketEvent> events = output();
    std::vector<std::string> out;
    size_t i = 0;
    if (acked) {
      EXPECT_FALSE(events.empty()) << payload;
      if (!events.empty()) {
        EXPECT_EQ(events[0].kind, PacketEvent::Kind::kAck) << payload;
        i = 1;
      }
    }
    for (; i < events.size(); ++i) {
      EXPECT_EQ(events[i].kind, PacketEvent::Kind::kPacket) << payload;
      std::string plain;
      EXPECT_TRUE(unescape_binary(events[i].payload, &plain));
      out.push_back(plain);
    }
    return out;
  }

  // Sends one packet and returns its only reply ("<none>" / "<several>" otherwise).
  std::string ask(std::string_view payload) {
    std::vector<std::string> replies = send(payload);
    if (replies.empty()) return "<none>";
    if (replies.size() > 1) return "<several>";
    return replies[0];
  }

  void no_ack() { EXPECT_EQ(ask("QStartNoAckMode"), "OK"); }

  FakeTarget target;
  FakeTransport transport;
  Session session{target, transport};
  size_t seen = 0;
};

}  // namespace rwd::gdb::testing
