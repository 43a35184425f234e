#include "run/console_escape.h"

namespace rwd::run {

ConsoleStep ConsoleEscape::feed(uint8_t byte) {
  if (!escaped_) {
    if (byte == kEscapeByte) {
      escaped_ = true;
      return {};
    }
    return {ConsoleAction::kGuestByte, byte};
  }
  escaped_ = false;
  switch (byte) {
    case kEscapeByte:
      return {ConsoleAction::kGuestByte, kEscapeByte};
    case 'x':
      return {ConsoleAction::kQuit};
    case 'h':
    case '?':
      return {ConsoleAction::kHelp};
    case 's':
      return {ConsoleAction::kCommitDisks};
    case 'b':
      return {ConsoleAction::kSendBreak};
    default:
      // As QEMU does: an unknown command (C-a c too: there is no monitor) is swallowed, so a
      // stray Ctrl-A never leaks a half-typed sequence into the guest.
      return {};
  }
}

std::string_view console_help_text() {
  return "\r\n"
         "C-a h    print this help\r\n"
         "C-a x    exit emulator\r\n"
         "C-a s    save disk data back to file (the disks' copy-on-write overlays)\r\n"
         "C-a b    send break (magic sysrq)\r\n"
         "C-a c    switch between console and monitor (no monitor: ignored)\r\n"
         "C-a C-a  sends C-a\r\n";
}

}  // namespace rwd::run
