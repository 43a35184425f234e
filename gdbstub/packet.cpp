#include "gdbstub/packet.h"

namespace rwd::gdb {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool needs_escape(uint8_t c) {
  return c == '$' || c == '#' || c == '}' || c == '*';
}

template <typename Out>
bool decode_hex(std::string_view hex, Out* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<typename Out::value_type>(hi << 4 | lo));
  }
  return true;
}

}  // namespace

bool PacketReader::push(uint8_t byte, PacketEvent* event) {
  switch (state_) {
    case State::kIdle:
      switch (byte) {
        case '$':
          break;  // starts a packet, below
        case '+':
          *event = {PacketEvent::Kind::kAck, {}};
          return true;
        case '-':
          *event = {PacketEvent::Kind::kNack, {}};
          return true;
        case kInterruptByte:
          *event = {PacketEvent::Kind::kInterrupt, {}};
          return true;
        default:
          return false;
      }
      break;
    case State::kPayload:
      if (byte == '#') {
        state_ = State::kChecksum1;
        return false;
      }
      // '$' never appears unescaped inside a packet: the client gave up on the previous one
      // (or bytes were lost), so resynchronise on the new start.
      if (byte == '$') break;
      sum_ = static_cast<uint8_t>(sum_ + byte);
      if (payload_.size() < max_payload_) {
        payload_.push_back(static_cast<char>(byte));
      } else {
        oversized_ = true;
      }
      return false;
    case State::kChecksum1:
      sent_sum_ = hex_value(byte);
      state_ = State::kChecksum2;
      return false;
    case State::kChecksum2: {
      state_ = State::kIdle;
      const int lo = hex_value(byte);
      if (oversized_) {
        *event = {PacketEvent::Kind::kOversized, {}};
        payload_.clear();
        return true;
      }
      const bool match = sent_sum_ >= 0 && lo >= 0 && (sent_sum_ << 4 | lo) == sum_;
      event->kind = match ? PacketEvent::Kind::kPacket : PacketEvent::Kind::kBadChecksum;
      event->payload.swap(payload_);
      payload_.clear();
      return true;
    }
  }
  // A packet starts.
  state_ = State::kPayload;
  payload_.clear();
  oversized_ = false;
  sum_ = 0;
  return false;
}

uint8_t checksum(std::string_view payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

std::string escape_binary(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (char c : data) {
    const auto b = static_cast<uint8_t>(c);
    if (needs_escape(b)) {
      out.push_back('}');
      out.push_back(static_cast<char>(b ^ 0x20));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool unescape_binary(std::string_view data, std::string* out) {
  out->clear();
  out->reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '}') {
      out->push_back(data[i]);
      continue;
    }
    if (++i == data.size()) return false;
    out->push_back(static_cast<char>(static_cast<uint8_t>(data[i]) ^ 0x20));
  }
  return true;
}

std::string encode_packet(std::string_view payload) {
  const std::string body = escape_binary(payload);
  const uint8_t sum = checksum(body);
  std::string out;
  out.reserve(body.size() + 4);
  out.push_back('$');
  out += body;
  out.push_back('#');
  out.push_back(kHexDigits[sum >> 4]);
  out.push_back(kHexDigits[sum & 0xf]);
  return out;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xf]);
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  return to_hex(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

bool from_hex(std::string_view hex, std::vector<uint8_t>* out) {
  return decode_hex(hex, out);
}
bool from_hex(std::string_view hex, std::string* out) {
  return decode_hex(hex, out);
}

bool parse_hex_u64(std::string_view text, uint64_t* value) {
  if (text.empty()) return false;
  uint64_t v = 0;
  for (char c : text) {
    const int d = hex_value(static_cast<uint8_t>(c));
    if (d < 0 || v >> 60 != 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *value = v;
  return true;
}

bool parse_hex_pair(std::string_view text, char separator, uint64_t* first, uint64_t* second) {
  const size_t at = text.find(separator);
  if (at == std::string_view::npos) return false;
  return parse_hex_u64(text.substr(0, at), first) && parse_hex_u64(text.substr(at + 1), second);
}

std::string le_hex(uint64_t value, unsigned bytes) {
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned i = 0; i < bytes; ++i) {
    const auto b = static_cast<uint8_t>(i < 8 ? value >> (8 * i) : 0);
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xf]);
  }
  return out;
}

}  // namespace rwd::gdb
