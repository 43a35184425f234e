// The TCP side of the stub: QEMU's `-gdb tcp::PORT` device strings, one listening socket, one
// client, one Session. Listening is a separate step so that a bad device or a port in use is
// reported before the machine starts.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gdbstub/debug_target.h"
#include "gdbstub/session.h"

namespace rwd::gdb {

// A Transport over a connected stream socket (owned by the caller). Writes never raise
// SIGPIPE: a client that went away is a false return, not the end of the emulator.
class SocketTransport final : public Transport {
 public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  bool write(std::span<const uint8_t> bytes) override;
  ptrdiff_t poll(std::span<uint8_t> buffer) override;

 private:
  int fd_;
};

// What `-s` stands for.
inline constexpr std::string_view kDefaultGdbDevice = "tcp::1234";

struct ListenAddress {
  std::string host;   // as given; "127.0.0.1" when the device leaves it empty
  uint16_t port = 0;  // 0 picks a free port
};

// "tcp::1234", "tcp:HOST:1234", "tcp:[::1]:1234". False with a one-line error otherwise.
bool parse_gdb_device(std::string_view device, ListenAddress* out, std::string* error);

class GdbServer {
 public:
  // Parses the device and listens (SO_REUSEADDR). Null with a one-line error ("bad -gdb
  // device ...", "cannot listen on 127.0.0.1:1234: Address already in use").
  static std::unique_ptr<GdbServer> listen(std::string_view device, std::string* error);
  ~GdbServer();
  GdbServer(const GdbServer&) = delete;
  GdbServer& operator=(const GdbServer&) = delete;

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }  // the port bound, also when 0 was asked for
  // Whether a client is waiting to be accepted (never blocks): a running machine checks this
  // between slices and stops for the debugger when one arrives.
  bool connection_waiting() const;

  // Prints "rewind: waiting for gdb on HOST:PORT" to stderr, accepts one client (then stops
  // listening) and runs a Session with it until the client detaches, kills, disconnects or the
  // machine exits. Nothing on an accept error (with *error set). Notes from the session go to
  // stderr as "rewind: gdb: ...". Called once.
  std::optional<SessionEnd> serve(DebugTarget& target, std::string* error);

 private:
  GdbServer(int fd, std::string host, uint16_t port)
      : listen_fd_(fd), host_(std::move(host)), port_(port) {}

  int listen_fd_ = -1;
  std::string host_;
  uint16_t port_ = 0;
};

// listen() then serve().
std::optional<SessionEnd> serve(std::string_view device, DebugTarget& target, std::string* error);

}  // namespace rwd::gdb
