#include "run/console_escape.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rwd::run {
namespace {

// Feeds `input` and writes what happened: guest bytes as they are, actions as <name>.
std::string trace(std::string_view input) {
  ConsoleEscape escape;
  std::string out;
  for (char c : input) {
    const ConsoleStep step = escape.feed(uint8_t(c));
    switch (step.action) {
      case ConsoleAction::kNone:
        break;
      case ConsoleAction::kGuestByte:
        out.push_back(char(step.byte));
        break;
      case ConsoleAction::kQuit:
        out += "<quit>";
        break;
      case ConsoleAction::kHelp:
        out += "<help>";
        break;
      case ConsoleAction::kCommitDisks:
        out += "<commit>";
        break;
      case ConsoleAction::kSendBreak:
        out += "<break>";
        break;
    }
  }
  return out;
}

TEST(ConsoleEscape, EveryOrdinaryByteGoesToTheGuest) {
  for (int b = 0; b < 256; ++b) {
    if (b == kEscapeByte) continue;
    ConsoleEscape escape;
    const ConsoleStep step = escape.feed(uint8_t(b));
    EXPECT_EQ(step.action, ConsoleAction::kGuestByte) << b;
    EXPECT_EQ(step.byte, b);
    EXPECT_FALSE(escape.awaiting_command());
  }
}

TEST(ConsoleEscape, EverySecondByteAfterCtrlA) {
  for (int b = 0; b < 256; ++b) {
    ConsoleEscape escape;
    const ConsoleStep first = escape.feed(kEscapeByte);
    EXPECT_EQ(first.action, ConsoleAction::kNone);
    EXPECT_TRUE(escape.awaiting_command());
    const ConsoleStep step = escape.feed(uint8_t(b));
    EXPECT_FALSE(escape.awaiting_command()) << b;
    ConsoleAction expected = ConsoleAction::kNone;  // unknown commands are swallowed
    switch (b) {
      case kEscapeByte:
        expected = ConsoleAction::kGuestByte;
        break;
      case 'x':
        expected = ConsoleAction::kQuit;
        break;
      case 'h':
      case '?':
        expected = ConsoleAction::kHelp;
        break;
      case 's':
        expected = ConsoleAction::kCommitDisks;
        break;
      case 'b':
        expected = ConsoleAction::kSendBreak;
        break;
      default:
        break;
    }
    EXPECT_EQ(step.action, expected) << b;
    if (expected == ConsoleAction::kGuestByte) {
      EXPECT_EQ(step.byte, kEscapeByte);
    }
    // Whatever the command, the next byte is ordinary again.
    const ConsoleStep after = escape.feed('z');
    EXPECT_EQ(after.action, ConsoleAction::kGuestByte) << b;
    EXPECT_EQ(after.byte, 'z');
  }
}

TEST(ConsoleEscape, Sequences) {
  EXPECT_EQ(trace("hello\r"), "hello\r");
  EXPECT_EQ(trace("ab\x01xcd"), "ab<quit>cd");  // the caller stops at quit; the machine does not
  EXPECT_EQ(trace("\x01h\x01?"), "<help><help>");
  EXPECT_EQ(trace("\x01\x01"), "\x01");
  EXPECT_EQ(trace("\x01\x01x"), "\x01x");  // C-a C-a x: a literal C-a, then a plain x
  EXPECT_EQ(trace("\x01\x01\x01x"), "\x01<quit>");
  EXPECT_EQ(trace("\x01"
                  "cX"),
            "X");                 // no monitor: C-a c is ignored
  EXPECT_EQ(trace("\x01X"), "");  // commands are lower case, as in QEMU
  EXPECT_EQ(trace("\x01"
                  "t"),
            "");                                     // timestamps: not supported, swallowed
  EXPECT_EQ(trace("\x03\x04\x1a"), "\x03\x04\x1a");  // Ctrl-C, Ctrl-D, Ctrl-Z reach the guest
  EXPECT_EQ(trace("\x01s\x01"
                  "b"),
            "<commit><break>");
  EXPECT_EQ(trace("\x01"), "");  // a pending escape produces nothing yet
}

TEST(ConsoleEscape, HelpTextListsTheCommandsInRawModeLines) {
  const std::string help(console_help_text());
  for (const char* item : {"C-a h", "C-a x", "C-a s", "C-a b", "C-a c", "C-a C-a"}) {
    EXPECT_NE(help.find(item), std::string::npos) << item;
  }
  EXPECT_NE(help.find("exit emulator"), std::string::npos);
  EXPECT_NE(help.find("no monitor"), std::string::npos);
  // Raw mode: every line feed comes with a carriage return.
  for (size_t i = 0; i < help.size(); ++i) {
    if (help[i] == '\n') {
      EXPECT_TRUE(i > 0 && help[i - 1] == '\r') << i;
    }
  }
  EXPECT_TRUE(help.ends_with("\r\n"));
  EXPECT_TRUE(kQuitMessage.ends_with("\r\n"));
}

}  // namespace
}  // namespace rwd::run
