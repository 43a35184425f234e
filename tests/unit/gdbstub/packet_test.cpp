// Packet framing, escapes and the hex helpers: what the client sends is split correctly, damage
// is reported rather than passed on, and nothing is buffered without bound.
#include "gdbstub/packet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rwd::gdb {
namespace {

std::vector<PacketEvent> read_all(PacketReader& reader, std::string_view bytes) {
  std::vector<PacketEvent> events;
  for (char c : bytes) {
    PacketEvent e;
    if (reader.push(static_cast<uint8_t>(c), &e)) events.push_back(std::move(e));
  }
  return events;
}

std::vector<PacketEvent> read_all(std::string_view bytes) {
  PacketReader reader;
  return read_all(reader, bytes);
}

using Kind = PacketEvent::Kind;

TEST(GdbPacket, EncodesWithChecksum) {
  EXPECT_EQ(encode_packet("OK"), "$OK#9a");
  EXPECT_EQ(encode_packet(""), "$#00");
  EXPECT_EQ(checksum("qSupported"), 0x37);
}

TEST(GdbPacket, EncodingEscapesFramingBytes) {
  // '$' 0x24, '#' 0x23, '}' 0x7d, '*' 0x2a become '}' followed by the byte ^ 0x20.
  const std::string encoded = encode_packet("a$b#c}d*e");
  EXPECT_EQ(encoded.substr(0, encoded.size() - 3),
            "$a}\x04"
            "b}\x03"
            "c}]d}\x0a"
            "e");
  // The checksum covers the escaped bytes, as on the wire.
  const std::string body = encoded.substr(1, encoded.size() - 4);
  EXPECT_EQ(encoded.substr(encoded.size() - 2), le_hex(checksum(body), 1));
  // And the reader gets the original back.
  auto events = read_all(encoded);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].kind, Kind::kPacket);
  std::string plain;
  ASSERT_TRUE(unescape_binary(events[0].payload, &plain));
  EXPECT_EQ(plain, "a$b#c}d*e");
}

TEST(GdbPacket, EscapeRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string escaped = escape_binary(all);
  EXPECT_EQ(escaped.size(), 256u + 4u);
  for (char c : std::string("$#*")) EXPECT_EQ(escaped.find(c), std::string::npos);
  std::string back;
  ASSERT_TRUE(unescape_binary(escaped, &back));
  EXPECT_EQ(back, all);
  EXPECT_FALSE(unescape_binary("abc}", &back));  // a lone escape at the end
}

TEST(GdbPacket, ReaderYieldsPacketsAcksAndInterrupts) {
  auto events = read_all("+$g#67-\x03$m0,4#fd");
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].kind, Kind::kAck);
  EXPECT_EQ(events[1].kind, Kind::kPacket);
  EXPECT_EQ(events[1].payload, "g");
  EXPECT_EQ(events[2].kind, Kind::kNack);
  EXPECT_EQ(events[3].kind, Kind::kInterrupt);
  EXPECT_EQ(events[4].kind, Kind::kPacket);
  EXPECT_EQ(events[4].payload, "m0,4");
}

TEST(GdbPacket, ReaderAcceptsUppercaseChecksumAndIgnoresNoise) {
  auto events = read_all("garbage\r\n$OK#9A");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPacket);
  EXPECT_EQ(events[0].payload, "OK");
}

TEST(GdbPacket, ReaderWorksAcrossSplitInput) {
  PacketReader reader;
  const std::string wire = encode_packet("qSupported:swbreak+");
  std::vector<PacketEvent> events;
  for (char c : wire) {
    auto some = read_all(reader, std::string(1, c));
    events.insert(events.end(), some.begin(), some.end());
    if (events.empty()) {
      EXPECT_TRUE(reader.in_packet());
    }
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "qSupported:swbreak+");
  EXPECT_FALSE(reader.in_packet());
}

TEST(GdbPacket, ReaderReportsBadChecksums) {
  auto events = read_all("$g#00$g#zz$g#6");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kBadChecksum);
  EXPECT_EQ(events[0].payload, "g");
  EXPECT_EQ(events[1].kind, Kind::kBadChecksum);  // not hex digits
}

TEST(GdbPacket, InterruptAndAckBytesInsideAPacketArePayload) {
  std::string payload = "X0,3:";
  payload += "\x03+-";
  auto events = read_all(encode_packet(payload));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPacket);
  EXPECT_EQ(events[0].payload, payload);
}

TEST(GdbPacket, DollarInsideAPacketStartsANewOne) {
  // The first packet was cut off (bytes lost): the reader resynchronises on the next '$'.
  auto events = read_all("$m0,4$g#67");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPacket);
  EXPECT_EQ(events[0].payload, "g");
}

TEST(GdbPacket, OversizedPacketIsDroppedAndTheNextOneIsRead) {
  PacketReader reader(16);
  std::string big = encode_packet(std::string(1000, 'a'));
  auto events = read_all(reader, big + encode_packet("g"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kOversized);
  EXPECT_TRUE(events[0].payload.empty());
  EXPECT_EQ(events[1].kind, Kind::kPacket);
  EXPECT_EQ(events[1].payload, "g");
  // Exactly at the limit is fine.
  auto exact = read_all(reader, encode_packet(std::string(16, 'b')));
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0].kind, Kind::kPacket);
}

TEST(GdbPacket, DefaultLimitHoldsAFullPacket) {
  const std::string payload(kPacketSize, '5');
  auto events = read_all(encode_packet(payload));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPacket);
  auto too_big = read_all(encode_packet(std::string(kMaxPacketPayload + 1, '5')));
  ASSERT_EQ(too_big.size(), 1u);
  EXPECT_EQ(too_big[0].kind, Kind::kOversized);
}

TEST(GdbHex, EncodesAndDecodes) {
  const std::vector<uint8_t> bytes = {0x00, 0x7f, 0x80, 0xff, 0x1a};
  EXPECT_EQ(to_hex(bytes), "007f80ff1a");
  std::vector<uint8_t> back;
  ASSERT_TRUE(from_hex("007F80fF1a", &back));
  EXPECT_EQ(back, bytes);
  EXPECT_TRUE(from_hex("", &back));
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(from_hex("abc", &back));  // odd length
  EXPECT_FALSE(from_hex("0g", &back));   // not hex
  EXPECT_FALSE(from_hex("-1", &back));
  std::string text;
  ASSERT_TRUE(from_hex("6869", &text));
  EXPECT_EQ(text, "hi");
  EXPECT_EQ(to_hex(std::string_view("hi")), "6869");
}

TEST(GdbHex, ParsesNumbersWithOverflowChecks) {
  uint64_t v = 0;
  ASSERT_TRUE(parse_hex_u64("80000000", &v));
  EXPECT_EQ(v, 0x80000000u);
  ASSERT_TRUE(parse_hex_u64("FFFFffffFFFFffff", &v));
  EXPECT_EQ(v, UINT64_MAX);
  ASSERT_TRUE(parse_hex_u64("0000000000000000000001", &v));  // leading zeros do not count
  EXPECT_EQ(v, 1u);
  EXPECT_FALSE(parse_hex_u64("10000000000000000", &v));  // 2^64
  EXPECT_FALSE(parse_hex_u64("", &v));
  EXPECT_FALSE(parse_hex_u64("12x", &v));
  EXPECT_FALSE(parse_hex_u64("-1", &v));
  EXPECT_FALSE(parse_hex_u64(" 1", &v));
  uint64_t a = 0;
  uint64_t b = 0;
  ASSERT_TRUE(parse_hex_pair("1000,20", ',', &a, &b));
  EXPECT_EQ(a, 0x1000u);
  EXPECT_EQ(b, 0x20u);
  EXPECT_FALSE(parse_hex_pair("1000", ',', &a, &b));
  EXPECT_FALSE(parse_hex_pair("1000,", ',', &a, &b));
  EXPECT_FALSE(parse_hex_pair(",4", ',', &a, &b));
  EXPECT_FALSE(parse_hex_pair("1,2,3", ',', &a, &b));
}

TEST(GdbHex, LittleEndianRegisterBytes) {
  EXPECT_EQ(le_hex(0x8000000000001234ull, 8), "3412000000000080");
  EXPECT_EQ(le_hex(0xe1, 4), "e1000000");
  EXPECT_EQ(le_hex(0x1234, 1), "34");
}

}  // namespace
}  // namespace rwd::gdb
