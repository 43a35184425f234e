// Framing of the GDB remote serial protocol: `$payload#cc` packets, the one-byte acks `+`/`-`
// and the out-of-band Ctrl-C byte, plus the hex and binary encodings packets carry.
//
// Everything here deals with bytes the client controls, so every parser is bounded (a packet
// larger than the limit is dropped, not buffered) and reports malformed input instead of
// trusting it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwd::gdb {

// What the stub advertises as PacketSize: the largest payload it accepts. Replies are sized to
// fit it as well (an `m` reply of kPacketSize / 2 bytes is kPacketSize hex digits).
inline constexpr size_t kPacketSize = 0x4000;
// What the reader buffers for one packet: the advertised size plus room for binary escapes a
// client may not count, so that a well-behaved client is never cut off.
inline constexpr size_t kMaxPacketPayload = 0x10000;

inline constexpr uint8_t kInterruptByte = 0x03;

struct PacketEvent {
  enum class Kind {
    kPacket,       // a complete packet with a matching checksum
    kBadChecksum,  // a complete packet whose checksum did not match (payload kept)
    kOversized,    // a packet longer than the limit, dropped (payload empty)
    kInterrupt,    // a Ctrl-C byte outside a packet
    kAck,          // '+'
    kNack,         // '-'
  };
  Kind kind = Kind::kPacket;
  std::string payload;  // kPacket, kBadChecksum: the bytes between '$' and '#', still escaped
};

// Splits a byte stream into events. Fed a byte at a time so a caller can stop consuming input
// at any point (e.g. after an interrupt) and leave the rest for later.
class PacketReader {
 public:
  explicit PacketReader(size_t max_payload = kMaxPacketPayload) : max_payload_(max_payload) {}

  // Consumes one byte; true when it completes an event, which is stored in *event. Bytes outside
  // packets other than '$', '+', '-' and Ctrl-C are line noise and are skipped.
  bool push(uint8_t byte, PacketEvent* event);
  bool in_packet() const { return state_ != State::kIdle; }

 private:
  enum class State { kIdle, kPayload, kChecksum1, kChecksum2 };

  size_t max_payload_;
  State state_ = State::kIdle;
  std::string payload_;
  bool oversized_ = false;
  uint8_t sum_ = 0;
  int sent_sum_ = 0;  // the first checksum digit's value, or -1 if it was not a hex digit
};

uint8_t checksum(std::string_view payload);

// `$payload#cc`, with '$', '#', '}' and '*' in the payload escaped as '}' + (byte ^ 0x20), so
// binary payloads (qXfer data) survive and no byte is taken for run-length encoding.
std::string encode_packet(std::string_view payload);

std::string escape_binary(std::string_view data);
// Undoes escape_binary. False if the data ends in a lone '}'.
bool unescape_binary(std::string_view data, std::string* out);

// Lowercase hex of the bytes, two digits each.
std::string to_hex(std::span<const uint8_t> bytes);
std::string to_hex(std::string_view bytes);
// False unless `hex` is an even number of hex digits. *out is replaced.
bool from_hex(std::string_view hex, std::vector<uint8_t>* out);
bool from_hex(std::string_view hex, std::string* out);

// A non-empty run of hex digits that fits in 64 bits (leading zeros are fine).
bool parse_hex_u64(std::string_view text, uint64_t* value);
// Two such numbers separated by `separator` ("addr,length").
bool parse_hex_pair(std::string_view text, char separator, uint64_t* first, uint64_t* second);

// `value` as `bytes` little-endian bytes in hex, the way registers travel.
std::string le_hex(uint64_t value, unsigned bytes);

}  // namespace rwd::gdb
