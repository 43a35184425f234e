#include "run/terminal.h"

#include <poll.h>
#include <termios.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>

namespace rwd::run {
namespace {

constexpr std::array<int, 4> kRestoringSignals = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

// Signal handlers and atexit callbacks can reach nothing but static storage, so the settings to
// restore live here rather than in the RawTerminal. This is deliberately the only mutable
// file-level state: one terminal is in raw mode at a time, owned by one RawTerminal.
struct SavedTerminal {
  volatile sig_atomic_t active = 0;
  int fd = -1;
  termios original{};
  std::array<struct sigaction, kRestoringSignals.size()> previous{};
  std::array<bool, kRestoringSignals.size()> installed{};
  bool atexit_registered = false;
};
SavedTerminal saved;

// Async-signal-safe: tcsetattr is on POSIX's list. TCSANOW, because draining output could block
// forever on a stopped terminal.
void restore_saved_settings() {
  if (saved.active) {
    saved.active = 0;
    tcsetattr(saved.fd, TCSANOW, &saved.original);
  }
}

void restore_at_exit() {
  restore_saved_settings();
}

void uninstall_handlers() {
  for (size_t i = 0; i < kRestoringSignals.size(); ++i) {
    if (saved.installed[i]) sigaction(kRestoringSignals[i], &saved.previous[i], nullptr);
    saved.installed[i] = false;
  }
}

void on_fatal_signal(int sig) {
  const int saved_errno = errno;
  restore_saved_settings();
  // The signal is blocked while this handler runs, so raising it leaves it pending; when the
  // handler returns it is delivered to the previous disposition (by default: the process ends
  // with this signal, as it would have without raw mode).
  uninstall_handlers();
  raise(sig);
  errno = saved_errno;
}

void install_handlers() {
  for (size_t i = 0; i < kRestoringSignals.size(); ++i) {
    struct sigaction current {};
    sigaction(kRestoringSignals[i], nullptr, &current);
    // An ignored signal (nohup's SIGHUP) stays ignored, as shells leave it.
    if (current.sa_handler == SIG_IGN) continue;
    struct sigaction ours {};
    ours.sa_handler = on_fatal_signal;
    sigemptyset(&ours.sa_mask);
    ours.sa_flags = 0;
    if (sigaction(kRestoringSignals[i], &ours, &saved.previous[i]) == 0) saved.installed[i] = true;
  }
}

}  // namespace

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (saved.active || !isatty(fd)) return;
  termios original{};
  if (tcgetattr(fd, &original) != 0) return;
  termios raw = original;
  raw.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  raw.c_oflag |= OPOST;
  raw.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
  raw.c_cflag &= ~tcflag_t(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;

  saved.fd = fd;
  saved.original = original;
  if (!saved.atexit_registered) saved.atexit_registered = std::atexit(restore_at_exit) == 0;
  install_handlers();
  // Active before the switch, so a signal arriving in between still restores.
  saved.active = 1;
  if (tcsetattr(fd, TCSANOW, &raw) != 0) {
    saved.active = 0;
    uninstall_handlers();
    return;
  }
  raw_ = true;
}

RawTerminal::~RawTerminal() {
  restore();
}

void RawTerminal::restore() {
  if (!raw_) return;
  raw_ = false;
  restore_saved_settings();
  uninstall_handlers();
}

int RawTerminal::poll_input(std::span<uint8_t> buffer, int timeout_ms) {
  if (buffer.empty()) return 0;  // a zero-length read would look like end of input
  pollfd p{fd_, POLLIN, 0};
  const int ready = poll(&p, 1, timeout_ms);
  if (ready < 0) return errno == EINTR ? 0 : -1;
  if (ready == 0) return 0;
  if (p.revents & POLLNVAL) return -1;
  const ssize_t n = read(fd_, buffer.data(), std::min<size_t>(buffer.size(), 1 << 30));
  if (n > 0) return int(n);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  return -1;
}

}  // namespace rwd::run
