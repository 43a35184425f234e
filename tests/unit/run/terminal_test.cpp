#include "run/terminal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/resource.h>
#include <termios.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <new>
#include <string>

namespace rwd::run {
namespace {

// A pseudo-terminal: the slave side plays the user's terminal, the master side the keyboard
// and screen.
struct Pty {
  Pty() { EXPECT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0); }
  ~Pty() {
    close(master);
    close(slave);
  }
  int master = -1, slave = -1;
};

termios attrs(int fd) {
  termios t{};
  EXPECT_EQ(tcgetattr(fd, &t), 0);
  return t;
}

void expect_same(const termios& a, const termios& b) {
  EXPECT_EQ(a.c_iflag, b.c_iflag);
  EXPECT_EQ(a.c_oflag, b.c_oflag);
  EXPECT_EQ(a.c_cflag, b.c_cflag);
  EXPECT_EQ(a.c_lflag, b.c_lflag);
  EXPECT_EQ(a.c_cc[VMIN], b.c_cc[VMIN]);
  EXPECT_EQ(a.c_cc[VTIME], b.c_cc[VTIME]);
}

// Reads until `n` bytes arrived or a second passed.
std::string read_n(RawTerminal& t, size_t n) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    uint8_t buf[64];
    const int r = t.poll_input(buf, 50);
    if (r < 0) break;
    got.append(reinterpret_cast<char*>(buf), size_t(r));
  }
  return got;
}

TEST(RawTerminal, PipesAreLeftAloneButStillRead) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  RawTerminal t(p[0]);
  EXPECT_FALSE(t.is_raw());
  uint8_t buf[16];
  EXPECT_EQ(t.poll_input(buf, 0), 0);   // nothing yet
  EXPECT_EQ(t.poll_input(buf, 20), 0);  // nothing within the timeout
  ASSERT_EQ(write(p[1], "abc", 3), 3);
  EXPECT_EQ(t.poll_input(buf, 1000), 3);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 3), "abc");
  EXPECT_EQ(t.poll_input(std::span<uint8_t>(), 0), 0);
  close(p[1]);
  EXPECT_EQ(t.poll_input(buf, 1000), -1);  // end of input
  close(p[0]);
}

TEST(RawTerminal, RawSettingsLikeQemuStdioAndRestoredAfterwards) {
  Pty pty;
  const termios before = attrs(pty.slave);
  {
    RawTerminal t(pty.slave);
    ASSERT_TRUE(t.is_raw());
    const termios raw = attrs(pty.slave);
    EXPECT_EQ(raw.c_lflag & (ECHO | ECHONL | ICANON | IEXTEN | ISIG), 0u);
    EXPECT_EQ(raw.c_iflag & (IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON), 0u);
    EXPECT_EQ(raw.c_cflag & (CSIZE | PARENB), tcflag_t(CS8));
    EXPECT_NE(raw.c_oflag & OPOST, 0u);
    EXPECT_EQ(raw.c_oflag & ONLCR, before.c_oflag & ONLCR);  // output processing untouched
    EXPECT_EQ(raw.c_cc[VMIN], 1);
    EXPECT_EQ(raw.c_cc[VTIME], 0);
    t.restore();
    expect_same(attrs(pty.slave), before);
    t.restore();  // idempotent
    EXPECT_FALSE(t.is_raw());
  }
  expect_same(attrs(pty.slave), before);
}

TEST(RawTerminal, KeystrokesArriveUntranslated) {
  Pty pty;
  RawTerminal t(pty.slave);
  ASSERT_TRUE(t.is_raw());
  // CR stays CR (no ICRNL), Ctrl-C/Ctrl-Z/Ctrl-\ are bytes, not signals, Ctrl-A is a byte.
  const std::string keys = "a\r\x03\x1a\x1c\x01x\x7f";
  ASSERT_EQ(write(pty.master, keys.data(), keys.size()), ssize_t(keys.size()));
  EXPECT_EQ(read_n(t, keys.size()), keys);
}

TEST(RawTerminal, GuestLineFeedsStillStartANewLine) {
  Pty pty;
  if (!(attrs(pty.slave).c_oflag & ONLCR)) GTEST_SKIP() << "pty without ONLCR";
  RawTerminal t(pty.slave);
  ASSERT_EQ(write(pty.slave, "ok\n", 3), 3);
  char buf[16] = {};
  std::string screen;
  while (screen.size() < 4) {
    const ssize_t n = read(pty.master, buf, sizeof buf);
    ASSERT_GT(n, 0);
    screen.append(buf, size_t(n));
  }
  EXPECT_EQ(screen, "ok\r\n");
}

TEST(RawTerminal, OneAtATime) {
  Pty a, b;
  RawTerminal first(a.slave);
  ASSERT_TRUE(first.is_raw());
  const termios before = attrs(b.slave);
  {
    RawTerminal second(b.slave);
    EXPECT_FALSE(second.is_raw());
    expect_same(attrs(b.slave), before);
  }
  EXPECT_TRUE(first.is_raw());
  EXPECT_EQ(attrs(a.slave).c_lflag & ICANON, 0u);  // the second did not restore the first
}

TEST(RawTerminal, SignalDispositionsComeBack) {
  Pty pty;
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    RawTerminal t(pty.slave);
    struct sigaction during {};
    sigaction(SIGTERM, nullptr, &during);
    EXPECT_NE(during.sa_handler, before.sa_handler);
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST(RawTerminal, IgnoredSignalsStayIgnored) {
  Pty pty;
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGHUP, &ignore, &previous);
  {
    RawTerminal t(pty.slave);
    struct sigaction during {};
    sigaction(SIGHUP, nullptr, &during);
    EXPECT_EQ(during.sa_handler, SIG_IGN);
  }
  sigaction(SIGHUP, &previous, nullptr);
}

// Death tests fork without re-executing (gtest's default "fast" style on Linux), so the child
// uses the parent's pty and the parent sees what the child left behind.

// In a child process: raw mode, then death by `sig`. The terminal must be back to normal.
void raw_then_raise(int slave, int sig) {
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);  // SIGQUIT would dump core
  RawTerminal t(slave);
  if (!t.is_raw()) std::_Exit(3);
  raise(sig);
  std::_Exit(4);
}

TEST(RawTerminalDeathTest, FatalSignalsRestoreAndStillKill) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    Pty pty;
    const termios before = attrs(pty.slave);
    EXPECT_EXIT(raw_then_raise(pty.slave, sig), ::testing::KilledBySignal(sig), "") << sig;
    expect_same(attrs(pty.slave), before);
  }
}

TEST(RawTerminalDeathTest, ExitRestores) {
  Pty pty;
  const termios before = attrs(pty.slave);
  EXPECT_EXIT(
      {
        // Never destroyed (and not a heap leak for LeakSanitizer): exit() must restore.
        alignas(RawTerminal) static unsigned char storage[sizeof(RawTerminal)];
        auto* kept = new (storage) RawTerminal(pty.slave);
        std::exit(kept->is_raw() ? 7 : 3);
      },
      ::testing::ExitedWithCode(7), "");
  expect_same(attrs(pty.slave), before);
}

}  // namespace
}  // namespace rwd::run
