// The TCP server: device strings, listening (port 0, port in use), and whole sessions with a
// client written here over a real socket — including a client that vanishes mid-reply.
#include "gdbstub/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gdbstub/packet.h"
#include "tests/unit/gdbstub/fake_target.h"

namespace rwd::gdb {
namespace {

using testing::FakeTarget;

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  void send_raw(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void send(std::string_view payload) { send_raw(encode_packet(payload)); }

  // The next packet from the server (acks skipped), or "<timeout>" / "<closed>".
  std::string read_packet(int timeout_ms = 5000) {
    for (;;) {
      while (pos_ < buffer_.size()) {
        PacketEvent e;
        if (!reader_.push(static_cast<uint8_t>(buffer_[pos_++]), &e)) continue;
        if (e.kind == PacketEvent::Kind::kAck) continue;
        if (e.kind != PacketEvent::Kind::kPacket) return "<bad frame>";
        std::string plain;
        unescape_binary(e.payload, &plain);
        return plain;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return "<timeout>";
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return "<closed>";
      buffer_.assign(chunk, static_cast<size_t>(n));
      pos_ = 0;
    }
  }

  std::string ask(std::string_view payload) {
    send(payload);
    return read_packet();
  }

  // True once the server closed its side.
  bool sees_close(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    char c;
    while (::poll(&p, 1, timeout_ms) > 0) {
      if (::recv(fd_, &c, 1, 0) <= 0) return true;
    }
    return false;
  }

  // Closes with a reset instead of a FIN, the way a killed client's connection can end.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  PacketReader reader_;
  std::string buffer_;
  size_t pos_ = 0;
};

// Runs serve() on a thread; the target is only touched by the test after join().
class ServerThread {
 public:
  ServerThread(GdbServer& server, FakeTarget& target)
      : thread_([this, &server, &target] { result_ = server.serve(target, &error_); }) {}
  std::optional<SessionEnd> join() {
    thread_.join();
    return result_;
  }
  const std::string& error() const { return error_; }

 private:
  std::optional<SessionEnd> result_;
  std::string error_;
  std::thread thread_;
};

std::unique_ptr<GdbServer> listen_any() {
  std::string error;
  auto server = GdbServer::listen("tcp::0", &error);
  EXPECT_TRUE(server) << error;
  return server;
}

TEST(GdbServer, ParsesDevices) {
  ListenAddress a;
  std::string error;
  ASSERT_TRUE(parse_gdb_device("tcp::1234", &a, &error)) << error;
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 1234);
  ASSERT_TRUE(parse_gdb_device(kDefaultGdbDevice, &a, &error));
  EXPECT_EQ(a.port, 1234);
  ASSERT_TRUE(parse_gdb_device("tcp:0.0.0.0:65535", &a, &error));
  EXPECT_EQ(a.host, "0.0.0.0");
  EXPECT_EQ(a.port, 65535);
  ASSERT_TRUE(parse_gdb_device("tcp:localhost:0", &a, &error));
  EXPECT_EQ(a.host, "localhost");
  EXPECT_EQ(a.port, 0);
  ASSERT_TRUE(parse_gdb_device("tcp:[::1]:99", &a, &error));
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 99);
  for (const char* bad :
       {"", "1234", "udp::1234", "tcp:1234", "tcp::", "tcp::abc", "tcp::-1", "tcp::65536",
        "tcp::123456", "tcp::1234,server", "tcp:a:b:1", "tcp:[::1]1234", "tcp:[::1", "tcp::12 "}) {
    error.clear();
    EXPECT_FALSE(parse_gdb_device(bad, &a, &error)) << bad;
    EXPECT_NE(error.find(std::string("'") + bad + "'"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

TEST(GdbServer, PortZeroPicksAFreePortAndABusyPortIsReported) {
  auto server = listen_any();
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->host(), "127.0.0.1");
  std::string error;
  auto second = GdbServer::listen(fmt::format("tcp::{}", server->port()), &error);
  EXPECT_FALSE(second);
  EXPECT_EQ(error,
            fmt::format("cannot listen on 127.0.0.1:{}: Address already in use", server->port()));
  FakeTarget target;
  EXPECT_FALSE(serve("tcp:nowhere", target, &error));
  EXPECT_NE(error.find("bad -gdb device"), std::string::npos);
}

TEST(GdbServer, WholeSessionOverTcp) {
  auto server = listen_any();
  ASSERT_TRUE(server);
  FakeTarget target;
  target.on_resume = [](ResumeAction, const std::function<bool()>& interrupted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!interrupted() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    StopEvent stop;
    stop.kind = StopEvent::Kind::kInterrupted;
    return stop;
  };
  ::testing::internal::CaptureStderr();
  ServerThread thread(*server, target);
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.ask("qSupported:swbreak+"),
            "PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;swbreak+;hwbreak+;"
            "vContSupported+");
  EXPECT_EQ(client.ask("QStartNoAckMode"), "OK");
  client.send_raw("+");
  EXPECT_EQ(client.ask("m80000000,4"), "00010203");
  EXPECT_EQ(client.ask("p20"), le_hex(FakeTarget::kRamBase, 8));
  // A second client is refused while the first is served.
  Client second(server->port());
  EXPECT_FALSE(second.connected());
  // Continue, then Ctrl-C after a while.
  client.send("vCont;c");
  EXPECT_EQ(client.read_packet(100), "<timeout>");
  client.send_raw("\x03");
  EXPECT_EQ(client.read_packet(), "T02thread:1;20:" + le_hex(FakeTarget::kRamBase, 8) + ";");
  EXPECT_EQ(client.ask("D"), "OK");
  EXPECT_TRUE(client.sees_close());
  const auto end = thread.join();
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(end) << thread.error();
  EXPECT_EQ(*end, SessionEnd::kDetached);
  EXPECT_EQ(target.detaches, 1);
  EXPECT_NE(err.find(fmt::format("rewind: waiting for gdb on 127.0.0.1:{}\n", server->port())),
            std::string::npos)
      << err;
  // Served once.
  std::string error;
  EXPECT_FALSE(server->serve(target, &error));
  EXPECT_FALSE(error.empty());
}

TEST(GdbServer, KillAndExit) {
  {
    auto server = listen_any();
    ASSERT_TRUE(server);
    FakeTarget target;
    ServerThread thread(*server, target);
    Client client(server->port());
    client.send("k");
    EXPECT_TRUE(client.sees_close());
    EXPECT_EQ(thread.join(), SessionEnd::kKilled);
    EXPECT_EQ(target.kills, 1);
  }
  {
    auto server = listen_any();
    ASSERT_TRUE(server);
    FakeTarget target;
    StopEvent exit;
    exit.kind = StopEvent::Kind::kExited;
    exit.exit_code = 7;
    target.stops = {exit};
    ServerThread thread(*server, target);
    Client client(server->port());
    EXPECT_EQ(client.ask("c"), "W07");
    EXPECT_TRUE(client.sees_close());
    EXPECT_EQ(thread.join(), SessionEnd::kExited);
  }
}

TEST(GdbServer, ClientThatDisappears) {
  auto server = listen_any();
  ASSERT_TRUE(server);
  FakeTarget target;
  ServerThread thread(*server, target);
  {
    Client client(server->port());
    EXPECT_EQ(client.ask("qC"), "QC1");
  }  // closed without D or k
  EXPECT_EQ(thread.join(), SessionEnd::kDisconnected);
  EXPECT_EQ(target.detaches + target.kills, 0);
}

TEST(GdbServer, SocketTransportSurvivesAClosedPeer) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  SocketTransport transport(fds[0]);
  uint8_t buffer[8];
  EXPECT_EQ(transport.poll(buffer), 0);  // nothing yet, and no waiting for it
  ASSERT_EQ(::write(fds[1], "ab", 2), 2);
  EXPECT_EQ(transport.poll(buffer), 2);
  const uint8_t data[] = {'+'};
  EXPECT_TRUE(transport.write(data));
  ::close(fds[1]);
  EXPECT_EQ(transport.poll(buffer), -1);
  // Writing to a closed peer is EPIPE, which raises SIGPIPE (killing the test) unless the
  // transport suppresses it.
  EXPECT_FALSE(transport.write(data));
  EXPECT_FALSE(transport.write(data));
  ::close(fds[0]);
}

TEST(GdbServer, ClientResetMidReplyEndsTheSession) {
  auto server = listen_any();
  ASSERT_TRUE(server);
  FakeTarget target;
  // A slow monitor command: the client is gone by the time its output is sent.
  target.on_monitor = [](std::string_view, const std::function<bool()>&, bool* ok) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    *ok = true;
    return std::string(100000, 'x');
  };
  ServerThread thread(*server, target);
  Client client(server->port());
  client.send("qRcmd,00");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client.reset();
  EXPECT_EQ(thread.join(), SessionEnd::kDisconnected);
}

}  // namespace
}  // namespace rwd::gdb
