// Session: running the target — continue/step/vCont/reverse, stop replies for every kind of
// stop, Ctrl-C while running, monitor commands, and the ways a session ends.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gdbstub/session.h"
#include "tests/unit/gdbstub/session_harness.h"

namespace rwd::gdb {
namespace {

using testing::FakeTarget;
using testing::Harness;
using Kind = StopEvent::Kind;

const std::string kPc0 = "20:" + le_hex(FakeTarget::kRamBase, 8) + ";";

// At either end of the history: gdb's replaylog key, after the exception reason and text that
// LLDB (which has no replaylog) shows as the stop reason.
const std::string kBeginKeys =
    "reason:exception;description:" + to_hex(std::string_view("start of the recorded history")) +
    ";replaylog:begin;";
const std::string kEndKeys =
    "reason:exception;description:" + to_hex(std::string_view("end of the recorded history")) +
    ";replaylog:end;";

StopEvent stop_of(Kind kind) {
  StopEvent stop;
  stop.kind = kind;
  return stop;
}

// A resume hook that runs until `interrupted` says stop (at most `limit` checks).
auto run_until_interrupted(int limit, int* checks) {
  return [limit, checks](ResumeAction, const std::function<bool()>& interrupted) {
    for (*checks = 0; *checks < limit;) {
      ++*checks;
      if (interrupted()) return stop_of(Kind::kInterrupted);
    }
    return stop_of(Kind::kStep);
  };
}

TEST(GdbSessionRun, InitialStopReply) {
  Harness h;
  EXPECT_EQ(h.ask("?"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("?x"), "E01");
}

TEST(GdbSessionRun, ContinueAndStep) {
  Harness h;
  h.target.stops = {stop_of(Kind::kStep), stop_of(Kind::kStep)};
  EXPECT_EQ(h.ask("c"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("s"), "T05thread:1;" + kPc0);
  ASSERT_EQ(h.target.resumes.size(), 2u);
  EXPECT_EQ(h.target.resumes[0].first, ResumeAction::kContinue);
  EXPECT_EQ(h.target.resumes[1].first, ResumeAction::kStep);
}

TEST(GdbSessionRun, ResumeAtAnAddressOnlyWhereTheThreadIs) {
  Harness h;
  EXPECT_EQ(h.ask("s80000000"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("c80000000"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("S05;80000000"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.target.resumes.size(), 3u);
  for (const char* p : {"s80000004", "c0", "sxyz", "s10000000000000000", "C", "Czz", "C123", "S05;",
                        "S05;1234", "C05x"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_EQ(h.target.resumes.size(), 3u);
}

TEST(GdbSessionRun, SignalsAreAcceptedAndDropped) {
  Harness h;
  EXPECT_EQ(h.ask("C0b"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("S02"), "T05thread:1;" + kPc0);
  ASSERT_EQ(h.target.resumes.size(), 2u);
  EXPECT_EQ(h.target.resumes[0].first, ResumeAction::kContinue);
  EXPECT_EQ(h.target.resumes[1].first, ResumeAction::kStep);
}

TEST(GdbSessionRun, StopReplyForEveryKind) {
  Harness h;
  h.ask("qSupported:swbreak+;hwbreak+");
  StopEvent sw = stop_of(Kind::kBreakpoint);
  StopEvent hw = sw;
  hw.breakpoint = BreakpointKind::kHardware;
  StopEvent w = stop_of(Kind::kWatchpoint);
  w.watch_address = 0x80000010;
  StopEvent r = w;
  r.watch = WatchKind::kRead;
  StopEvent a = w;
  a.watch = WatchKind::kAccess;
  a.watch_address = 0xffffffffffffffffull;
  const std::vector<std::pair<StopEvent, std::string>> cases = {
      {stop_of(Kind::kStep), "T05thread:1;" + kPc0},
      {stop_of(Kind::kInterrupted), "T02thread:1;" + kPc0},
      {sw, "T05thread:1;" + kPc0 + "swbreak:;"},
      {hw, "T05thread:1;" + kPc0 + "hwbreak:;"},
      {w, "T05thread:1;" + kPc0 + "watch:80000010;"},
      {r, "T05thread:1;" + kPc0 + "rwatch:80000010;"},
      {a, "T05thread:1;" + kPc0 + "awatch:ffffffffffffffff;"},
      {stop_of(Kind::kHistoryBegin), "T05thread:1;" + kPc0 + kBeginKeys},
      {stop_of(Kind::kHistoryEnd), "T05thread:1;" + kPc0 + kEndKeys},
  };
  for (const auto& [stop, reply] : cases) {
    h.target.stops = {stop};
    EXPECT_EQ(h.ask("c"), reply);
    EXPECT_EQ(h.ask("?"), reply) << "? repeats the last stop";
  }
}

// LLDB 19 reads a bare T05 after vCont;s as a finished step; at the end of a replay the pc has
// not moved, so without a reason it steps again forever. The exception reason stops it.
TEST(GdbSessionRun, StepAtTheEndOfTheHistoryGivesLldbAReasonToStop) {
  Harness h;
  h.ask("QStartNoAckMode");
  h.ask("qHostInfo");
  h.target.stops = {stop_of(Kind::kHistoryEnd), stop_of(Kind::kHistoryEnd)};
  for (int i = 0; i < 2; ++i) {
    const std::string reply = h.ask("vCont;s:1");
    EXPECT_TRUE(reply.starts_with("T05thread:1;" + kPc0)) << reply;
    const size_t reason = reply.find("reason:exception;description:");
    ASSERT_NE(reason, std::string::npos) << reply;
    const size_t text = reply.find(':', reason + 7) + 1;
    std::string description;
    ASSERT_TRUE(
        from_hex(std::string_view(reply).substr(text, reply.find(';', text) - text), &description))
        << reply;
    EXPECT_EQ(description, "end of the recorded history");
    EXPECT_TRUE(reply.ends_with("replaylog:end;")) << "replaylog comes last: " << reply;
  }
  // Other stops keep the plain form, which LLDB reads as the step (or breakpoint) it was.
  h.target.stops = {stop_of(Kind::kStep)};
  EXPECT_EQ(h.ask("vCont;s:1"), "T05thread:1;" + kPc0);
}

TEST(GdbSessionRun, BreakpointReasonsOnlyForClientsThatAskedForThem) {
  Harness h;
  StopEvent sw = stop_of(Kind::kBreakpoint);
  h.target.stops = {sw};
  EXPECT_EQ(h.ask("c"), "T05thread:1;" + kPc0);
  h.ask("qSupported:swbreak+");
  StopEvent hw = sw;
  hw.breakpoint = BreakpointKind::kHardware;
  h.target.stops = {sw, hw};
  EXPECT_EQ(h.ask("c"), "T05thread:1;" + kPc0 + "swbreak:;");
  EXPECT_EQ(h.ask("c"), "T05thread:1;" + kPc0);
}

TEST(GdbSessionRun, ExitEndsTheSession) {
  Harness h;
  StopEvent exit = stop_of(Kind::kExited);
  exit.exit_code = 3;
  h.target.stops = {exit};
  EXPECT_EQ(h.ask("c"), "W03");
  EXPECT_TRUE(h.session.finished());
  EXPECT_EQ(h.session.end(), SessionEnd::kExited);
  const std::string before = h.transport.written;
  EXPECT_FALSE(h.session.handle_input(std::span<const uint8_t>()));
  h.feed(encode_packet("qC"));
  EXPECT_EQ(h.transport.written, before);
}

TEST(GdbSessionRun, ExitCodeIsOneByte) {
  for (auto [code, reply] : {std::pair{0, "W00"}, std::pair{255, "Wff"}, std::pair{0x105, "W05"},
                             std::pair{-1, "Wff"}}) {
    Harness h;
    StopEvent exit = stop_of(Kind::kExited);
    exit.exit_code = code;
    h.target.stops = {exit};
    EXPECT_EQ(h.ask("c"), reply) << code;
  }
}

TEST(GdbSessionRun, StopOnAnotherHartSelectsIt) {
  Harness h(3);
  StopEvent stop = stop_of(Kind::kStep);
  stop.hart = 2;
  h.target.stops = {stop};
  EXPECT_EQ(h.ask("c"), "T05thread:3;20:" + le_hex(FakeTarget::kRamBase + 0x200, 8) + ";");
  EXPECT_EQ(h.target.selected, 2u);
  EXPECT_EQ(h.ask("qC"), "QC3");
  // A hart the target does not have is reported as the first one.
  stop.hart = 7;
  h.target.stops = {stop};
  EXPECT_EQ(h.ask("c"), "T05thread:1;" + kPc0);
}

TEST(GdbSessionRun, ContinueThreadFromHc) {
  Harness h(2);
  EXPECT_EQ(h.ask("Hc2"), "OK");
  h.ask("c");
  h.ask("s80000100");  // hart 1's pc
  EXPECT_EQ(h.ask("s80000000"), "E01");
  ASSERT_EQ(h.target.resumes.size(), 2u);
  EXPECT_EQ(h.target.resumes[0].second, 1u);
  EXPECT_EQ(h.target.resumes[1].second, 1u);
}

TEST(GdbSessionRun, VCont) {
  Harness h(2);
  EXPECT_EQ(h.ask("vCont;c"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("vCont;s:2;c"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("vCont;c;s:1"), "T05thread:1;" + kPc0);  // the named thread's action wins
  EXPECT_EQ(h.ask("vCont;C05"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("vCont;S05:2"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("vCont;c:-1"), "T05thread:1;" + kPc0);
  using A = ResumeAction;
  EXPECT_EQ(h.target.resumes, (std::vector<std::pair<A, unsigned>>{{A::kContinue, 0},
                                                                   {A::kStep, 1},
                                                                   {A::kStep, 0},
                                                                   {A::kContinue, 0},
                                                                   {A::kStep, 1},
                                                                   {A::kContinue, 0}}));
  for (const char* p :
       {"vCont", "vCont;", "vCont;x", "vCont;t", "vCont;r1,2", "vCont;cc", "vCont;C", "vCont;C1ff",
        "vCont;c:zz", "vCont;c;", "vCont;;c", "vCont;s:"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_EQ(h.ask("vCont;c:3"), "E02");
  EXPECT_EQ(h.target.resumes.size(), 6u);
}

TEST(GdbSessionRun, ReverseOnlyWhenTheTargetCan) {
  Harness h(2);
  EXPECT_EQ(h.ask("bc"), "");
  EXPECT_EQ(h.ask("bs"), "");
  EXPECT_TRUE(h.target.resumes.empty());
  h.target.reversible = true;
  h.target.stops = {stop_of(Kind::kStep), stop_of(Kind::kHistoryBegin)};
  EXPECT_EQ(h.ask("bs"), "T05thread:1;" + kPc0);
  EXPECT_EQ(h.ask("Hc2"), "OK");
  EXPECT_EQ(h.ask("bc"), "T05thread:1;" + kPc0 + kBeginKeys);
  using A = ResumeAction;
  EXPECT_EQ(h.target.resumes,
            (std::vector<std::pair<A, unsigned>>{{A::kReverseStep, 0}, {A::kReverseContinue, 1}}));
  EXPECT_EQ(h.ask("bcx"), "");
}

TEST(GdbSessionRun, CtrlCWhileRunning) {
  Harness h;
  int checks = 0;
  h.target.on_resume = run_until_interrupted(1000, &checks);
  h.transport.incoming = {"", "+", "\x03"};
  EXPECT_EQ(h.ask("c"), "T02thread:1;" + kPc0);
  EXPECT_EQ(checks, 3);
  // A later resume starts without the old interrupt.
  h.transport.incoming = {"", "", "", "\x03"};
  EXPECT_EQ(h.ask("vCont;c"), "T02thread:1;" + kPc0);
  EXPECT_EQ(checks, 4);
}

TEST(GdbSessionRun, CtrlCInTheSameInputAsTheContinue) {
  Harness h;
  int checks = 0;
  h.target.on_resume = run_until_interrupted(1000, &checks);
  h.feed(encode_packet("c") + "\x03");
  EXPECT_EQ(h.packets(), std::vector<std::string>{"T02thread:1;" + kPc0});
  EXPECT_EQ(checks, 1);
  EXPECT_EQ(h.transport.polls, 0);
}

TEST(GdbSessionRun, PacketsArrivingWhileRunningAreAnsweredAfterTheStop) {
  Harness h;
  int checks = 0;
  h.target.on_resume = run_until_interrupted(1000, &checks);
  h.transport.incoming = {encode_packet("qC") + "\x03" + encode_packet("qAttached")};
  int acks = 0;
  h.feed(encode_packet("c"));
  // In order: the stop, then what came before and after the Ctrl-C.
  EXPECT_EQ(h.packets(&acks), (std::vector<std::string>{"T02thread:1;" + kPc0, "QC1", "1"}));
  EXPECT_EQ(acks, 3);
  EXPECT_EQ(h.target.resumes.size(), 1u);
}

TEST(GdbSessionRun, AFloodWhileRunningIsBoundedAndNotLost) {
  Harness h;
  int checks = 0;
  h.target.on_resume = run_until_interrupted(50, &checks);
  std::string input = encode_packet("c");
  for (int i = 0; i < 100; ++i) input += encode_packet("qC");
  input += "\x03";
  h.feed(input);
  // The Ctrl-C came after more packets than the session holds while running: it was not seen,
  // but every packet is answered once the target stops.
  EXPECT_EQ(checks, 50);
  const std::vector<std::string> replies = h.packets();
  ASSERT_EQ(replies.size(), 101u);
  EXPECT_EQ(replies[0], "T05thread:1;" + kPc0);
  for (size_t i = 1; i < replies.size(); ++i) EXPECT_EQ(replies[i], "QC1");
}

TEST(GdbSessionRun, ClientGoneWhileRunning) {
  Harness h;
  int checks = 0;
  h.target.on_resume = run_until_interrupted(1000, &checks);
  h.transport.closed = true;
  h.feed(encode_packet("c"));
  EXPECT_EQ(checks, 1);
  EXPECT_EQ(h.session.end(), SessionEnd::kDisconnected);
  EXPECT_EQ(h.transport.written, "+");  // no stop reply to nobody
  EXPECT_EQ(h.target.detaches + h.target.kills, 0);
}

TEST(GdbSessionRun, WriteFailureEndsTheSession) {
  Harness h;
  h.transport.broken = true;
  h.feed(encode_packet("qC"));
  EXPECT_EQ(h.session.end(), SessionEnd::kDisconnected);
}

TEST(GdbSessionRun, RetransmitsTheStopReply) {
  Harness h;
  EXPECT_EQ(h.ask("c"), "T05thread:1;" + kPc0);
  h.feed("-");
  EXPECT_EQ(h.packets(), std::vector<std::string>{"T05thread:1;" + kPc0});
  EXPECT_EQ(h.target.resumes.size(), 1u);
}

TEST(GdbSessionRun, MonitorOutputAsOPackets) {
  Harness h;
  const std::vector<std::string> replies = h.send("qRcmd," + to_hex(std::string_view("info")));
  EXPECT_EQ(replies,
            (std::vector<std::string>{"O" + to_hex(std::string_view("ran info\n")), "OK"}));
  EXPECT_EQ(h.target.monitor_commands, std::vector<std::string>{"info"});
  EXPECT_EQ(h.send("qRcmd," + to_hex(std::string_view("fail"))),
            (std::vector<std::string>{"O" + to_hex(std::string_view("no such command\n")), "E01"}));
  EXPECT_EQ(h.send("qRcmd,"),
            (std::vector<std::string>{"O" + to_hex(std::string_view("ran \n")), "OK"}));
  EXPECT_EQ(h.ask("qRcmd,6"), "E01");
  EXPECT_EQ(h.ask("qRcmd,zz"), "E01");
  EXPECT_EQ(h.target.monitor_commands.size(), 3u);
}

TEST(GdbSessionRun, LongMonitorOutputIsSplit) {
  Harness h;
  std::string text;
  for (int i = 0; text.size() < 3 * kPacketSize; ++i) text += fmt::format("line {}\n", i);
  h.target.on_monitor = [&](std::string_view, const std::function<bool()>&, bool* ok) {
    *ok = true;
    return text;
  };
  const std::vector<std::string> replies = h.send("qRcmd,00");
  ASSERT_GE(replies.size(), 5u);
  EXPECT_EQ(replies.back(), "OK");
  std::string back;
  for (size_t i = 0; i + 1 < replies.size(); ++i) {
    ASSERT_EQ(replies[i][0], 'O');
    EXPECT_LE(replies[i].size(), kPacketSize);
    std::string part;
    ASSERT_TRUE(from_hex(std::string_view(replies[i]).substr(1), &part));
    back += part;
  }
  EXPECT_EQ(back, text);
}

TEST(GdbSessionRun, MonitorSeesCtrlC) {
  Harness h;
  int checks = 0;
  h.target.on_monitor = [&](std::string_view, const std::function<bool()>& interrupted, bool* ok) {
    while (checks < 100 && !interrupted()) ++checks;
    *ok = false;
    return std::string("interrupted\n");
  };
  h.transport.incoming = {"", "\x03"};
  EXPECT_EQ(h.send("qRcmd,00"),
            (std::vector<std::string>{"O" + to_hex(std::string_view("interrupted\n")), "E01"}));
  EXPECT_EQ(checks, 1);
}

TEST(GdbSessionRun, DetachEndsTheSession) {
  Harness h;
  EXPECT_EQ(h.ask("Dx"), "E01");
  EXPECT_FALSE(h.session.finished());
  EXPECT_EQ(h.ask("D"), "OK");
  EXPECT_EQ(h.target.detaches, 1);
  EXPECT_EQ(h.target.kills, 0);
  EXPECT_EQ(h.session.end(), SessionEnd::kDetached);
  h.feed(encode_packet("D"));
  EXPECT_EQ(h.target.detaches, 1);
  Harness h2;
  EXPECT_EQ(h2.ask("D;1"), "OK");
  EXPECT_EQ(h2.session.end(), SessionEnd::kDetached);
}

TEST(GdbSessionRun, KillEndsTheSession) {
  Harness h;
  h.feed(encode_packet("k") + encode_packet("qC"));
  EXPECT_EQ(h.transport.written, "+");  // gdb does not wait for an answer to k
  EXPECT_EQ(h.target.kills, 1);
  EXPECT_EQ(h.session.end(), SessionEnd::kKilled);
  Harness h2;
  EXPECT_EQ(h2.ask("vKill;1"), "OK");
  EXPECT_EQ(h2.target.kills, 1);
  EXPECT_EQ(h2.session.end(), SessionEnd::kKilled);
}

TEST(GdbSessionRun, ConnectionClosed) {
  Harness h;
  h.session.connection_closed();
  EXPECT_EQ(h.session.end(), SessionEnd::kDisconnected);
  EXPECT_STREQ(session_end_name(h.session.end()), "disconnected");
  EXPECT_EQ(h.target.detaches + h.target.kills, 0);
}

}  // namespace
}  // namespace rwd::gdb
