#include "gdbstub/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rwd::gdb {
namespace {

std::string bad_device(std::string_view device, std::string_view why) {
  return fmt::format("bad -gdb device '{}': {}", device, why);
}

std::string host_port(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

// Lets the last reply (D's OK) reach the client before the socket goes: closing with unread
// input (the client's '+') would reset the connection and could discard it.
void close_gracefully(int fd) {
  ::shutdown(fd, SHUT_WR);
  std::array<uint8_t, 512> sink;
  for (int i = 0; i < 16; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) break;
    if (::recv(fd, sink.data(), sink.size(), 0) <= 0) break;
  }
  ::close(fd);
}

}  // namespace

bool SocketTransport::write(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a client that went away must not kill the emulator with SIGPIPE.
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

ptrdiff_t SocketTransport::poll(std::span<uint8_t> buffer) {
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) return n;
    if (n == 0) return -1;  // orderly shutdown
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

bool parse_gdb_device(std::string_view device, ListenAddress* out, std::string* error) {
  constexpr std::string_view kPrefix = "tcp:";
  if (!device.starts_with(kPrefix)) {
    *error = bad_device(device, "expected tcp:[HOST]:PORT");
    return false;
  }
  std::string_view rest = device.substr(kPrefix.size());
  if (rest.find(',') != std::string_view::npos) {
    *error = bad_device(device, "options after ',' are not supported");
    return false;
  }
  std::string_view host;
  std::string_view port;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
      *error = bad_device(device, "expected tcp:[ADDRESS]:PORT");
      return false;
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos || rest.find(':', colon + 1) != std::string_view::npos) {
      *error = bad_device(device, "expected tcp:[HOST]:PORT");
      return false;
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  unsigned value = 0;
  if (port.empty() || port.size() > 5) {
    *error = bad_device(device, "expected a port number");
    return false;
  }
  for (char c : port) {
    if (c < '0' || c > '9') {
      *error = bad_device(device, "expected a port number");
      return false;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) {
    *error = bad_device(device, "port out of range (0-65535)");
    return false;
  }
  out->host = host.empty() ? "127.0.0.1" : std::string(host);
  out->port = static_cast<uint16_t>(value);
  return true;
}

std::unique_ptr<GdbServer> GdbServer::listen(std::string_view device, std::string* error) {
  ListenAddress address;
  if (!parse_gdb_device(device, &address, error)) return nullptr;
  const std::string where = host_port(address.host, address.port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(address.port);
  if (const int rc = ::getaddrinfo(address.host.c_str(), port_text.c_str(), &hints, &found);
      rc != 0) {
    *error = fmt::format("cannot listen on {}: {}", where, gai_strerror(rc));
    return nullptr;
  }
  int fd = -1;
  int last_errno = 0;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1) == 0) break;
    last_errno = errno;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    *error = fmt::format("cannot listen on {}: {}", where, std::strerror(last_errno));
    return nullptr;
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  uint16_t port = address.port;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
    if (bound.ss_family == AF_INET) {
      port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    } else if (bound.ss_family == AF_INET6) {
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
  }
  return std::unique_ptr<GdbServer>(new GdbServer(fd, address.host, port));
}

GdbServer::~GdbServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool GdbServer::connection_waiting() const {
  if (listen_fd_ < 0) return false;
  pollfd p{listen_fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

std::optional<SessionEnd> GdbServer::serve(DebugTarget& target, std::string* error) {
  if (listen_fd_ < 0) {
    *error = "the gdb server already served its client";
    return std::nullopt;
  }
  std::fprintf(stderr, "rewind: waiting for gdb on %s\n", host_port(host_, port_).c_str());
  int fd = -1;
  for (;;) {
    fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0 || errno != EINTR) break;
  }
  const int accept_errno = errno;
  // One client only: a second gdb is refused instead of waiting unanswered.
  ::close(listen_fd_);
  listen_fd_ = -1;
  if (fd < 0) {
    *error = fmt::format("gdb connection on {} failed: {}", host_port(host_, port_),
                         std::strerror(accept_errno));
    return std::nullopt;
  }
  const int one = 1;
  // Packets are small and each waits for an answer: do not let Nagle hold them back.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  SocketTransport transport(fd);
  Session session(target, transport, [](std::string_view note) {
    std::fprintf(stderr, "rewind: gdb: %.*s\n", static_cast<int>(note.size()), note.data());
  });
  std::array<uint8_t, 16384> buffer;
  while (!session.finished()) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      session.connection_closed();
      break;
    }
    session.handle_input(std::span(buffer).first(static_cast<size_t>(n)));
  }
  close_gracefully(fd);
  return session.end();
}

std::optional<SessionEnd> serve(std::string_view device, DebugTarget& target, std::string* error) {
  auto server = GdbServer::listen(device, error);
  if (!server) return std::nullopt;
  return server->serve(target, error);
}

}  // namespace rwd::gdb
