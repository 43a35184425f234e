// QEMU's -nographic console escapes: the host's keystrokes go to the guest's serial port, except
// that Ctrl-A starts a two-key command (C-a x quits, C-a h prints help, C-a C-a sends one Ctrl-A).
// A pure state machine over input bytes, so the machine loop decides what each action does and
// tests can drive every sequence.
#pragma once

#include <cstdint>
#include <string_view>

namespace rwd::run {

inline constexpr uint8_t kEscapeByte = 0x01;  // Ctrl-A

enum class ConsoleAction {
  kNone,         // byte consumed (an escape prefix, or an unknown command)
  kGuestByte,    // pass `byte` to the guest's console
  kQuit,         // C-a x: end the run, printing kQuitMessage
  kHelp,         // C-a h or C-a ?: print console_help_text()
  kCommitDisks,  // C-a s: write the disks' overlays back to their files
  kSendBreak,    // C-a b: a break condition on the serial line
};

struct ConsoleStep {
  ConsoleAction action = ConsoleAction::kNone;
  uint8_t byte = 0;  // for kGuestByte
};

class ConsoleEscape {
 public:
  ConsoleStep feed(uint8_t byte);
  // True between a Ctrl-A and the key that completes the command.
  bool awaiting_command() const { return escaped_; }

 private:
  bool escaped_ = false;
};

// The help, with "\r\n" line ends since the terminal is in raw mode. Written in the style of
// QEMU's; lists what the machine does not support as such.
std::string_view console_help_text();
inline constexpr std::string_view kQuitMessage = "rewind: terminated\r\n";

}  // namespace rwd::run
