// The host terminal as the guest's serial console (-nographic): raw input, so every keystroke
// (Ctrl-C included) reaches the guest or the Ctrl-A escapes, restored however the process ends.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <span>

namespace rwd::run {

// Raw mode for an input terminal, set up as QEMU's stdio console does: no echo, no line
// editing, no signal keys, no input translation (CR stays CR), 8-bit characters; output
// post-processing stays as it was, so a guest's bare "\n" still starts a new line.
//
// The original settings come back on destruction, at exit() and when SIGTERM, SIGINT, SIGHUP or
// SIGQUIT arrives (the handler restores the terminal, puts back the signal's previous
// disposition and re-raises it). Only one RawTerminal is in raw mode at a time; a second, or one
// whose fd is not a terminal (a pipe, a file), leaves its fd alone. std::_Exit and SIGKILL
// cannot be caught: `stty sane` repairs the terminal then.
class RawTerminal {
 public:
  explicit RawTerminal(int fd = STDIN_FILENO);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  bool is_raw() const { return raw_; }
  int fd() const { return fd_; }
  // Puts the original settings back now (idempotent); the destructor then does nothing.
  void restore();

  // Waits up to `timeout_ms` (0: just look, -1: no limit) for input and reads what is there.
  // Returns the number of bytes read, 0 if none arrived in time (or a signal interrupted the
  // wait), -1 at end of input or on a read error. Works whether or not the fd is a terminal.
  int poll_input(std::span<uint8_t> buffer, int timeout_ms);

 private:
  int fd_;
  bool raw_ = false;
};

}  // namespace rwd::run
