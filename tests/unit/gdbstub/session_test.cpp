// Session: acks and framing, queries, registers, memory and breakpoints, each with its
// malformed variants (which must get an error, never a crash or a call into the target with
// nonsense).
#include "gdbstub/session.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gdbstub/target_description.h"
#include "tests/unit/gdbstub/session_harness.h"

namespace rwd::gdb {
namespace {

using testing::FakeTarget;
using testing::Harness;

std::string raw_frame(std::string_view body) {
  return "$" + std::string(body) + "#" + le_hex(checksum(body), 1);
}

// --- framing and acks ----------------------------------------------------------------------

TEST(GdbSession, AcksGoodPacketsBeforeTheReply) {
  Harness h;
  h.feed(encode_packet("qC"));
  EXPECT_EQ(h.transport.written, "+" + encode_packet("QC1"));
}

TEST(GdbSession, NacksBadChecksumsWithoutAnswering) {
  Harness h;
  h.feed("$qC#00");
  EXPECT_EQ(h.transport.written, "-");
  // The client's retransmission is answered.
  h.feed(encode_packet("qC"));
  EXPECT_EQ(h.transport.written, "-+" + encode_packet("QC1"));
}

TEST(GdbSession, RetransmitsTheLastReplyOnNack) {
  Harness h;
  EXPECT_EQ(h.ask("qC"), "QC1");
  h.feed("-");
  EXPECT_EQ(h.transport.written.substr(h.seen), encode_packet("QC1"));
  h.feed("+");  // an ack changes nothing
  EXPECT_EQ(h.transport.written.substr(h.seen), encode_packet("QC1"));
}

TEST(GdbSession, NackBeforeAnyReplyIsIgnored) {
  Harness h;
  h.feed("-");
  EXPECT_EQ(h.transport.written, "");
}

TEST(GdbSession, NoAckModeSendsNoAcksAndIgnoresThem) {
  Harness h;
  EXPECT_TRUE(h.session.ack_mode());
  // The OK itself is still acked: the switch happens after it.
  h.feed(encode_packet("QStartNoAckMode"));
  EXPECT_EQ(h.transport.written, "+" + encode_packet("OK"));
  EXPECT_FALSE(h.session.ack_mode());
  h.seen = h.transport.written.size();
  h.feed("+" + encode_packet("qC") + "-");
  EXPECT_EQ(h.transport.written.substr(h.seen), encode_packet("QC1"));
  // A damaged checksum cannot be nacked; the packet is taken as it is.
  h.seen = h.transport.written.size();
  h.feed("$qC#00");
  EXPECT_EQ(h.transport.written.substr(h.seen), encode_packet("QC1"));
}

TEST(GdbSession, OversizedPacketGetsAnErrorAndTheSessionGoesOn) {
  Harness h;
  h.feed(encode_packet("X80000000,1:" + std::string(kMaxPacketPayload, 'a')));
  EXPECT_EQ(h.packets(), std::vector<std::string>{"E01"});
  EXPECT_TRUE(h.target.memory_writes.empty());
  EXPECT_EQ(h.ask("qC"), "QC1");
}

TEST(GdbSession, SeveralPacketsInOneInputAndOneSplitOverMany) {
  Harness h;
  h.feed(encode_packet("qC") + encode_packet("qAttached"));
  EXPECT_EQ(h.packets(), (std::vector<std::string>{"QC1", "1"}));
  for (char c : encode_packet("qC")) h.feed(std::string(1, c));
  EXPECT_EQ(h.packets(), (std::vector<std::string>{"QC1"}));
}

TEST(GdbSession, UnknownPacketsGetAnEmptyReply) {
  Harness h;
  for (const char* p : {"vMustReplyEmpty", "qTStatus", "qOffsets", "!", "xyz", "vFile:open:",
                        "QNonStop:1", "qXfer:libraries:read::0,100", "b", "bx", ""}) {
    EXPECT_EQ(h.ask(p), "") << p;
  }
  EXPECT_FALSE(h.session.finished());
}

TEST(GdbSession, CtrlCWhileStoppedIsIgnored) {
  Harness h;
  h.feed("\x03");
  EXPECT_EQ(h.transport.written, "");
  EXPECT_TRUE(h.target.resumes.empty());
}

// --- general queries -----------------------------------------------------------------------

TEST(GdbSession, QSupportedListsFeatures) {
  Harness h;
  EXPECT_EQ(h.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386"),
            "PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;swbreak+;hwbreak+;"
            "vContSupported+");
  h.target.reversible = true;
  EXPECT_EQ(h.ask("qSupported"),
            "PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;swbreak+;hwbreak+;"
            "vContSupported+;ReverseStep+;ReverseContinue+");
}

TEST(GdbSession, SimpleQueries) {
  Harness h;
  EXPECT_EQ(h.ask("qAttached"), "1");
  EXPECT_EQ(h.ask("qAttached:1"), "1");
  EXPECT_EQ(h.ask("qC"), "QC1");
  EXPECT_EQ(h.ask("qHostInfo"),
            "triple:" + to_hex(std::string_view("riscv64-unknown-none-elf")) +
                ";endian:little;ptrsize:8;watchpoint_exceptions_received:after;");
  EXPECT_EQ(h.ask("vCont?"), "vCont;c;C;s;S");
}

// LLDB steps over the access at a watch stop only if told the stop comes before it; told
// "after" of a stop before the store, its modify watchpoints see the old value and run on.
TEST(GdbSession, HostInfoSaysWhereWatchStopsFall) {
  Harness h;
  const std::string triple = "triple:" + to_hex(std::string_view("riscv64-unknown-none-elf"));
  h.target.watch_before = true;
  EXPECT_EQ(h.ask("qHostInfo"),
            triple + ";endian:little;ptrsize:8;watchpoint_exceptions_received:before;");
  h.target.watch_before = false;
  EXPECT_EQ(h.ask("qHostInfo"),
            triple + ";endian:little;ptrsize:8;watchpoint_exceptions_received:after;");
}

TEST(GdbSession, TargetXmlIsServedInChunks) {
  Harness h;
  const std::string xml = build_target_xml(h.target.csrs());
  std::string back;
  int chunks = 0;
  for (uint64_t offset = 0; chunks < 1000; ++chunks) {
    const std::string reply =
        h.ask(fmt::format("qXfer:features:read:target.xml:{:x},{:x}", offset, 0x200));
    ASSERT_FALSE(reply.empty());
    ASSERT_TRUE(reply[0] == 'm' || reply[0] == 'l') << reply;
    back += reply.substr(1);
    offset += reply.size() - 1;
    if (reply[0] == 'l') break;
  }
  EXPECT_EQ(back, xml);
  EXPECT_GT(chunks, 2);
  // Past the end, and a huge length (cut to the packet size).
  EXPECT_EQ(h.ask("qXfer:features:read:target.xml:ffffffff,10"), "l");
  const std::string all = h.ask("qXfer:features:read:target.xml:0,ffffffffffffffff");
  EXPECT_LE(all.size(), kPacketSize);
  EXPECT_EQ(all.substr(1), xml.substr(0, all.size() - 1));
}

TEST(GdbSession, MalformedXferRequests) {
  Harness h;
  for (const char* p :
       {"qXfer:features:read:other.xml:0,10", "qXfer:features:read:target.xml:0",
        "qXfer:features:read:target.xml:zz,10", "qXfer:features:read:target.xml",
        "qXfer:features:read:target.xml:10000000000000000,1", "qXfer:features:read:"}) {
    EXPECT_EQ(h.ask(p), "E00") << p;
  }
}

// --- registers -----------------------------------------------------------------------------

TEST(GdbSession, ReadAllRegisters) {
  Harness h;
  std::string expect;
  for (unsigned r = 0; r < 32; ++r) expect += le_hex(0x1000 + r, 8);
  expect += le_hex(FakeTarget::kRamBase, 8);
  EXPECT_EQ(h.ask("g"), expect);
  EXPECT_EQ(h.ask("g1"), "E01");
  // A register the target cannot read shows as unavailable.
  h.target.regs.erase({0, 5});
  EXPECT_EQ(h.ask("g").substr(5 * 16, 16), "xxxxxxxxxxxxxxxx");
}

TEST(GdbSession, WriteAllRegisters) {
  Harness h;
  std::string data;
  for (unsigned r = 0; r < 33; ++r) data += le_hex(0xabc00 + r, 8);
  EXPECT_EQ(h.ask("G" + data), "OK");
  ASSERT_EQ(h.target.register_writes.size(), 32u);  // x0 is not written
  EXPECT_EQ(h.target.register_writes.front().regno, 1u);
  EXPECT_EQ((h.target.regs[{0, 7}]), 0xabc07u);
  EXPECT_EQ((h.target.regs[{0, kRegPc}]), 0xabc00u + 32);
  h.target.register_writes.clear();
  EXPECT_EQ(h.ask("G" + data.substr(2)), "E01");         // short
  EXPECT_EQ(h.ask("G" + data + "00"), "E01");            // long
  EXPECT_EQ(h.ask("G" + data.substr(2) + "zz"), "E01");  // not hex
  EXPECT_EQ(h.ask("G"), "E01");
  EXPECT_TRUE(h.target.register_writes.empty());
  h.target.read_only = true;
  EXPECT_EQ(h.ask("G" + data), "E03");
}

TEST(GdbSession, ReadOneRegister) {
  Harness h;
  EXPECT_EQ(h.ask("p20"), le_hex(FakeTarget::kRamBase, 8));
  EXPECT_EQ(h.ask("pa"), le_hex(0x100a, 8));
  EXPECT_EQ(h.ask("p21"), le_hex(0x3ff0000000000000ull, 8));  // f0
  EXPECT_EQ(h.ask("p341"), le_hex(0x300, 8));                 // mstatus: 65 + 0x300
  EXPECT_EQ(h.ask("p1041"), le_hex(3, 8));                    // priv
  // fflags/frm/fcsr are 32-bit in the description, so 4 bytes travel.
  EXPECT_EQ(h.ask("p42"), le_hex(1, 4));
  EXPECT_EQ(h.ask("p44"), le_hex(3, 4));
  EXPECT_EQ(h.ask("p2000"), "E02");  // no such register
  for (const char* p : {"p", "pzz", "p-1", "p100000000", "p10000000000000000"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
}

TEST(GdbSession, WriteOneRegister) {
  Harness h;
  EXPECT_EQ(h.ask("P20=0011223344556677"), "OK");
  EXPECT_EQ((h.target.regs[{0, kRegPc}]), 0x7766554433221100u);
  // A 32-bit register takes 4 bytes, handed to the target as 8.
  EXPECT_EQ(h.ask("P42=1f000000"), "OK");
  ASSERT_FALSE(h.target.register_writes.empty());
  EXPECT_EQ(h.target.register_writes.back().bytes,
            (std::vector<uint8_t>{0x1f, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ((h.target.regs[{0, kRegFflags}]), 0x1fu);
  const size_t writes = h.target.register_writes.size();
  for (const char* p :
       {"P42=1f00000000000000", "P20=00112233", "P20", "P20=", "P=00", "P20=zz11223344556677",
        "P20=0011223344556677a", "Pzz=00", "P100000000=0011223344556677"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_EQ(h.target.register_writes.size(), writes);
  EXPECT_EQ(h.ask("P2000=0011223344556677"), "E03");  // the target has no such register
  h.target.read_only = true;
  EXPECT_EQ(h.ask("P20=0011223344556677"), "E03");
}

// --- memory --------------------------------------------------------------------------------

TEST(GdbSession, ReadMemory) {
  Harness h;
  EXPECT_EQ(h.ask("m80000000,4"), "00010203");
  EXPECT_EQ(h.ask("m80000ffe,4"), "feff");  // partial: only what is readable
  EXPECT_EQ(h.ask("m0,4"), "E14");
  EXPECT_EQ(h.ask("m80000000,0"), "");
}

TEST(GdbSession, HugeReadsAreCutToThePacketSize) {
  Harness h(1);
  h.target.ram.assign(0x10000, 0x5a);
  const std::string reply = h.ask("m80000000,ffffffffffffffff");
  EXPECT_EQ(reply.size(), kPacketSize);
  ASSERT_FALSE(h.target.reads.empty());
  EXPECT_EQ(h.target.reads.back().second, kPacketSize / 2);
  // Near the top of the address space the read stops there instead of wrapping.
  h.ask("mfffffffffffffffe,10");
  EXPECT_EQ(h.target.reads.back(), (std::pair<uint64_t, size_t>{0xfffffffffffffffeull, 2}));
}

TEST(GdbSession, MalformedReads) {
  Harness h;
  for (const char* p : {"m", "m80000000", "m80000000,", "m,4", "mzz,4", "m8000000g,4",
                        "m10000000000000000,1", "m0,10000000000000000", "m80000000;4"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_TRUE(h.target.reads.empty());
}

TEST(GdbSession, WriteMemoryHex) {
  Harness h;
  EXPECT_EQ(h.ask("M80000010,2:abcd"), "OK");
  EXPECT_EQ(h.target.ram[0x10], 0xab);
  EXPECT_EQ(h.target.ram[0x11], 0xcd);
  EXPECT_EQ(h.ask("M80000000,0:"), "OK");
  EXPECT_EQ(h.target.memory_writes.size(), 1u);
  for (const char* p :
       {"M80000010,3:abcd", "M80000010,1:abcd", "M80000010,2:abzz", "M80000010,2abcd",
        "M80000010:abcd", "M80000010,2:abc", "M", "M80000010,ffffffffffffffff:00"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_EQ(h.target.memory_writes.size(), 1u);
  EXPECT_EQ(h.ask("M10,2:abcd"), "E14");  // not RAM
  h.target.read_only = true;
  EXPECT_EQ(h.ask("M80000010,2:abcd"), "E14");
}

TEST(GdbSession, WriteMemoryBinary) {
  Harness h;
  // The framing bytes in the data travel escaped and arrive as themselves.
  std::string data = "$#}*";
  data.push_back('\0');
  data.push_back('\x03');
  EXPECT_EQ(h.ask("X80000020,6:" + data), "OK");
  EXPECT_EQ(std::string(h.target.ram.begin() + 0x20, h.target.ram.begin() + 0x26), data);
  // The empty probe gdb starts with.
  EXPECT_EQ(h.ask("X80000000,0:"), "OK");
  EXPECT_EQ(h.target.memory_writes.size(), 1u);
  for (const std::string& p :
       {std::string("X80000020,5:") + data, std::string("X80000020,6"), std::string("X80000020:ab"),
        std::string("Xzz,1:a"), std::string("X")}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  // A lone escape byte at the end of the data.
  h.feed(raw_frame("X80000000,1:}"));
  EXPECT_EQ(h.packets(), std::vector<std::string>{"E01"});
  EXPECT_EQ(h.target.memory_writes.size(), 1u);
  EXPECT_EQ(h.ask("X10,1:a"), "E14");
}

// --- breakpoints ---------------------------------------------------------------------------

TEST(GdbSession, BreakpointsAndWatchpoints) {
  Harness h;
  EXPECT_EQ(h.ask("Z0,80000010,4"), "OK");
  EXPECT_EQ(h.ask("z0,80000010,4"), "OK");
  EXPECT_EQ(h.ask("Z1,80000012,2"), "OK");
  EXPECT_EQ(h.ask("Z2,80000100,8"), "OK");
  EXPECT_EQ(h.ask("Z3,80000108,4"), "OK");
  EXPECT_EQ(h.ask("z4,80000110,1"), "OK");
  // Conditions and commands (never offered) are ignored.
  EXPECT_EQ(h.ask("Z0,80000020,4;X3,220a00"), "OK");
  using BK = BreakpointKind;
  using WK = WatchKind;
  EXPECT_EQ(h.target.breakpoint_calls,
            (std::vector<std::tuple<BK, uint64_t, bool>>{{BK::kSoftware, 0x80000010, true},
                                                         {BK::kSoftware, 0x80000010, false},
                                                         {BK::kHardware, 0x80000012, true},
                                                         {BK::kSoftware, 0x80000020, true}}));
  EXPECT_EQ(h.target.watchpoint_calls, (std::vector<std::tuple<WK, uint64_t, uint64_t, bool>>{
                                           {WK::kWrite, 0x80000100, 8, true},
                                           {WK::kRead, 0x80000108, 4, true},
                                           {WK::kAccess, 0x80000110, 1, false}}));
}

TEST(GdbSession, UnsupportedAndMalformedBreakpoints) {
  Harness h;
  EXPECT_EQ(h.ask("Z5,80000000,4"), "");
  EXPECT_EQ(h.ask("z9,80000000,4"), "");
  EXPECT_EQ(h.ask("Zx,80000000,4"), "");
  for (const char* p :
       {"Z", "Z0", "Z0,", "Z0,80000000", "Z0,80000000,", "Z0,zz,4", "Z080000000,4", "Z0;80000000,4",
        "Z0,10000000000000000,4", "Z2,80000000,0", "z1,80000000"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_TRUE(h.target.breakpoint_calls.empty());
  EXPECT_TRUE(h.target.watchpoint_calls.empty());
  h.target.reject_breakpoints = true;
  EXPECT_EQ(h.ask("Z0,80000000,4"), "E03");
  EXPECT_EQ(h.ask("Z2,80000000,4"), "E03");
  EXPECT_EQ(h.ask("z1,80000000,4"), "E03");
}

// --- threads -------------------------------------------------------------------------------

TEST(GdbSession, HartsAreThreads) {
  Harness h(3);
  EXPECT_EQ(h.ask("qfThreadInfo"), "m1,2,3");
  EXPECT_EQ(h.ask("qsThreadInfo"), "l");
  EXPECT_EQ(h.ask("Hg2"), "OK");
  EXPECT_EQ(h.target.selected, 1u);
  EXPECT_EQ(h.ask("qC"), "QC2");
  EXPECT_EQ(h.ask("p20"), le_hex(FakeTarget::kRamBase + 0x100, 8));
  // 0 (any) and -1 (all) keep the selection.
  EXPECT_EQ(h.ask("Hg0"), "OK");
  EXPECT_EQ(h.ask("Hg-1"), "OK");
  EXPECT_EQ(h.target.selected, 1u);
  EXPECT_EQ(h.ask("Hg4"), "E02");
  EXPECT_EQ(h.target.selected, 1u);
  EXPECT_EQ(h.ask("Hc3"), "OK");
  EXPECT_EQ(h.target.selected, 1u);  // Hc only remembers
  EXPECT_EQ(h.ask("Hc-1"), "OK");
  EXPECT_EQ(h.ask("Hc0"), "OK");
  for (const char* p : {"H", "Hg", "Hx1", "Hgzz", "Hg-2", "Hg10000000000000000"}) {
    EXPECT_EQ(h.ask(p), "E01") << p;
  }
  EXPECT_EQ(h.ask("T1"), "OK");
  EXPECT_EQ(h.ask("T3"), "OK");
  EXPECT_EQ(h.ask("T4"), "E02");
  EXPECT_EQ(h.ask("T0"), "E02");
  EXPECT_EQ(h.ask("Tzz"), "E01");
  EXPECT_EQ(h.ask("qThreadExtraInfo,2"), to_hex(std::string_view("hart 1")));
  EXPECT_EQ(h.ask("qThreadExtraInfo,4"), "E02");
  EXPECT_EQ(h.ask("qThreadExtraInfo,q"), "E01");
}

TEST(GdbSession, ManyHartsAreListedOverSeveralReplies) {
  Harness h(300);
  const std::string first = h.ask("qfThreadInfo");
  const std::string second = h.ask("qsThreadInfo");
  EXPECT_EQ(h.ask("qsThreadInfo"), "l");
  ASSERT_EQ(first[0], 'm');
  ASSERT_EQ(second[0], 'm');
  const std::string all = first.substr(1) + "," + second.substr(1);
  std::string expect;
  for (unsigned i = 1; i <= 300; ++i) expect += fmt::format("{}{:x}", i == 1 ? "" : ",", i);
  EXPECT_EQ(all, expect);
  // qfThreadInfo starts over.
  EXPECT_EQ(h.ask("qfThreadInfo"), first);
}

}  // namespace
}  // namespace rwd::gdb
