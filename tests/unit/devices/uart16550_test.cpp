#include "devices/uart16550.h"

#include <gtest/gtest.h>

#include "devices/plic.h"
#include "tests/unit/devices/fakes.h"

namespace rwd::dev {
namespace {

using testing::FakeClock;
using testing::FakeConsole;
using testing::FakeHarts;
using testing::FakeInterruptSink;

constexpr unsigned kSource = 10;

// Register values the tests spell out, named as in the 16550 datasheet.
constexpr uint8_t kLcrDlab = 0x80, kLcr8N1 = 0x03;
constexpr uint8_t kIerRdi = 0x01, kIerThri = 0x02, kIerRlsi = 0x04;
constexpr uint8_t kIirNone = 0x01, kIirThri = 0x02, kIirRdi = 0x04, kIirRlsi = 0x06,
                  kIirTimeout = 0x0c, kIirFifo = 0xc0;
constexpr uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02, kFcrTrigger8 = 0x80;
constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr uint8_t kMcrLoop = 0x10;

class UartTest : public ::testing::Test {
 protected:
  uint8_t reg(Uart16550::Register r) { return uint8_t(uart.read(r, 1)); }
  void set(Uart16550::Register r, uint8_t v) { uart.write(r, 1, v); }
  uint8_t iir_id() { return reg(Uart16550::kIirFcr) & 0x0f; }

  FakeClock clock;
  FakeInterruptSink irqs;
  FakeConsole console;
  Uart16550 uart{clock, irqs, kSource, console};
};

TEST_F(UartTest, PowerOnRegisters) {
  EXPECT_EQ(reg(Uart16550::kIerDlm), 0);
  EXPECT_EQ(reg(Uart16550::kIirFcr), kIirNone);
  EXPECT_EQ(reg(Uart16550::kLcr), 0);
  EXPECT_EQ(reg(Uart16550::kMcr), 0x08);
  EXPECT_EQ(reg(Uart16550::kLsr), kLsrThre | kLsrTemt);
  EXPECT_EQ(reg(Uart16550::kMsr), 0xb0);
  EXPECT_EQ(reg(Uart16550::kScr), 0);
  EXPECT_EQ(uart.mmio_size(), 0x100u);
  EXPECT_TRUE(irqs.levels.count(kSource));  // construction drives the line
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(uart.next_event_icount(), kNever);
}

TEST_F(UartTest, TransmitGoesToConsoleAndTransmitterStaysReady) {
  for (char c : std::string("hi\n")) {
    EXPECT_EQ(reg(Uart16550::kLsr) & (kLsrThre | kLsrTemt), kLsrThre | kLsrTemt);
    set(Uart16550::kRbrThrDll, uint8_t(c));
  }
  EXPECT_EQ(console.out, "hi\n");
  // A wider write sends only its low byte.
  uart.write(Uart16550::kRbrThrDll, 4, 0x12345641);
  EXPECT_EQ(console.out, "hi\nA");
}

TEST_F(UartTest, DivisorLatch) {
  set(Uart16550::kLcr, kLcrDlab | kLcr8N1);
  set(Uart16550::kRbrThrDll, 0x02);
  set(Uart16550::kIerDlm, 0x01);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 0x02);
  EXPECT_EQ(reg(Uart16550::kIerDlm), 0x01);
  EXPECT_EQ(console.out, "");  // DLL writes are not transmitted
  set(Uart16550::kLcr, kLcr8N1);
  EXPECT_EQ(reg(Uart16550::kIerDlm), 0);  // IER again, untouched by the DLM write
  set(Uart16550::kIerDlm, 0xff);
  EXPECT_EQ(reg(Uart16550::kIerDlm), 0x0f);  // only the four defined enable bits
  set(Uart16550::kLcr, kLcrDlab);
  EXPECT_EQ(reg(Uart16550::kIerDlm), 0x01);  // divisor survived the IER write
}

TEST_F(UartTest, ScratchAndEmptyWindow) {
  set(Uart16550::kScr, 0x5a);
  EXPECT_EQ(reg(Uart16550::kScr), 0x5a);
  for (uint64_t offset = 8; offset < 0x100; ++offset) {
    uart.write(offset, 1, 0xff);
    EXPECT_EQ(uart.read(offset, 1), 0u) << offset;
  }
  EXPECT_EQ(reg(Uart16550::kScr), 0x5a);
  EXPECT_EQ(console.out, "");
  EXPECT_EQ(uart.read(Uart16550::kLsr, 4), uint64_t(kLsrThre | kLsrTemt));
}

TEST_F(UartTest, NonFifoReceiverHoldsOneByte) {
  EXPECT_TRUE(uart.can_receive());
  EXPECT_TRUE(uart.receive('x'));
  EXPECT_FALSE(uart.can_receive());
  EXPECT_FALSE(uart.receive('y'));  // refused, not overrun
  EXPECT_EQ(reg(Uart16550::kLsr), kLsrDr | kLsrThre | kLsrTemt);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'x');
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrDr, 0);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'x');  // the holding register keeps its byte
  EXPECT_TRUE(uart.receive('y'));
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'y');
}

TEST_F(UartTest, FifoFillsToSixteenAndDrainsInOrder) {
  set(Uart16550::kIirFcr, kFcrEnable);
  EXPECT_EQ(reg(Uart16550::kIirFcr), kIirFifo | kIirNone);
  for (int i = 0; i < 16; ++i) EXPECT_TRUE(uart.receive(uint8_t('a' + i))) << i;
  EXPECT_FALSE(uart.can_receive());
  EXPECT_FALSE(uart.receive('!'));
  EXPECT_EQ(reg(Uart16550::kLsr) & (kLsrDr | kLsrOe), kLsrDr);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(reg(Uart16550::kLsr) & kLsrDr, kLsrDr);
    EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'a' + i);
  }
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrDr, 0);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 0);  // empty FIFO reads 0
  EXPECT_TRUE(uart.can_receive());
}

TEST_F(UartTest, FifoResetAndModeChangeEmptyTheReceiver) {
  set(Uart16550::kIirFcr, kFcrEnable);
  uart.receive('1');
  uart.receive('2');
  set(Uart16550::kIirFcr, kFcrEnable | kFcrClearRx);
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrDr, 0);
  uart.receive('3');
  set(Uart16550::kIirFcr, 0);  // FIFO off: both FIFOs flush
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrDr, 0);
  EXPECT_EQ(reg(Uart16550::kIirFcr), kIirNone);
}

TEST_F(UartTest, ReceiveInterruptFollowsData) {
  set(Uart16550::kIerDlm, kIerRdi);
  EXPECT_FALSE(irqs.level(kSource));
  uart.receive('k');
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirRdi);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'k');
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirNone);
}

TEST_F(UartTest, TriggerLevelThenCharacterTimeout) {
  set(Uart16550::kLcr, kLcrDlab | kLcr8N1);
  set(Uart16550::kRbrThrDll, 2);  // 115200 baud at 3.6864 MHz
  set(Uart16550::kIerDlm, 0);
  set(Uart16550::kLcr, kLcr8N1);
  set(Uart16550::kIirFcr, kFcrEnable | kFcrTrigger8);
  set(Uart16550::kIerDlm, kIerRdi);

  // One 10-bit character at 115200 baud is 868.06 us / 100 ns = 869 ticks (rounded up).
  const uint64_t timeout = 4 * 869 * VirtualClock::kInsnsPerTick;
  clock.now = 1000;
  uart.receive('a');
  EXPECT_FALSE(irqs.level(kSource));  // below the trigger level
  EXPECT_EQ(uart.next_event_icount(), 1000 + timeout);
  clock.now = 1000 + timeout - 1;
  uart.on_time();
  EXPECT_FALSE(irqs.level(kSource));
  // A second byte restarts the wait.
  uart.receive('b');
  EXPECT_EQ(uart.next_event_icount(), clock.now + timeout);
  clock.now = uart.next_event_icount();
  uart.on_time();
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(reg(Uart16550::kIirFcr), kIirFifo | kIirTimeout);
  EXPECT_EQ(uart.next_event_icount(), kNever);
  // Reading a byte acknowledges the timeout and restarts the wait for the rest.
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'a');
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(uart.next_event_icount(), clock.now + timeout);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'b');
  EXPECT_EQ(uart.next_event_icount(), kNever);

  // Eight bytes reach the trigger level at once.
  for (int i = 0; i < 7; ++i) uart.receive(uint8_t('0' + i));
  EXPECT_FALSE(irqs.level(kSource));
  uart.receive('7');
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirRdi);
}

TEST_F(UartTest, TimeoutDependsOnFrameFormatAndDivisor) {
  set(Uart16550::kLcr, kLcrDlab);
  set(Uart16550::kRbrThrDll, 12);
  // 7 data bits, even parity, 2 stop bits: 1 + 7 + 1 + 2 = 11 bits; 11 * 16 * 12 clocks.
  set(Uart16550::kLcr, 0x02 | 0x08 | 0x04);
  set(Uart16550::kIirFcr, kFcrEnable);
  uart.receive('z');
  const uint64_t ticks_per_char = (11 * 16 * 12 * 10'000'000ULL + 3'686'399) / 3'686'400;
  EXPECT_EQ(uart.next_event_icount(), 4 * ticks_per_char * VirtualClock::kInsnsPerTick);
}

TEST_F(UartTest, ThrEmptyInterruptArmsAndAcknowledges) {
  set(Uart16550::kIerDlm, kIerThri);  // enabling with THR empty raises it
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirThri);  // this read acknowledges it
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirNone);
  set(Uart16550::kIerDlm, kIerThri | kIerRdi);  // THRI unchanged: no new interrupt
  EXPECT_EQ(iir_id(), kIirNone);
  set(Uart16550::kRbrThrDll, 'x');  // the byte leaves at once: THR empty again
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirThri);
  EXPECT_EQ(iir_id(), kIirNone);
}

// serial8250_do_startup: THRI on, read IIR, THRI off, THRI on, read IIR. A UART that does not
// report THRE the second time is flagged UART_BUG_THRE and driven by a timer.
TEST_F(UartTest, LinuxThreRetriggerProbe) {
  set(Uart16550::kIerDlm, kIerThri);
  const uint8_t iir1 = reg(Uart16550::kIirFcr);
  set(Uart16550::kIerDlm, 0);
  set(Uart16550::kIerDlm, kIerThri);
  const uint8_t iir2 = reg(Uart16550::kIirFcr);
  set(Uart16550::kIerDlm, 0);
  EXPECT_EQ(iir1 & kIirNone, 0);
  EXPECT_EQ(iir2 & kIirNone, 0);
  EXPECT_FALSE(irqs.level(kSource));
}

TEST_F(UartTest, InterruptPrioritiesLineStatusThenDataThenThr) {
  set(Uart16550::kMcr, kMcrLoop);
  EXPECT_FALSE(uart.can_receive());  // the line is disconnected in loopback
  set(Uart16550::kRbrThrDll, 'a');
  set(Uart16550::kRbrThrDll, 'b');  // overruns the one-byte holding register
  EXPECT_EQ(console.out, "");
  set(Uart16550::kIerDlm, kIerRdi | kIerThri | kIerRlsi);
  EXPECT_TRUE(irqs.level(kSource));
  EXPECT_EQ(iir_id(), kIirRlsi);
  EXPECT_EQ(reg(Uart16550::kLsr) & (kLsrOe | kLsrDr), kLsrOe | kLsrDr);
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrOe, 0);  // reading LSR cleared it
  EXPECT_EQ(iir_id(), kIirRdi);
  EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'b');  // the newer byte overwrote the older
  EXPECT_EQ(iir_id(), kIirThri);
  EXPECT_EQ(iir_id(), kIirNone);
  EXPECT_FALSE(irqs.level(kSource));
}

TEST_F(UartTest, LoopbackWiresModemControlToStatus) {
  set(Uart16550::kMcr, kMcrLoop | 0x0f);
  EXPECT_EQ(reg(Uart16550::kMsr), 0xf0);
  set(Uart16550::kMcr, kMcrLoop | 0x01);  // DTR -> DSR
  EXPECT_EQ(reg(Uart16550::kMsr), 0x20);
  set(Uart16550::kMcr, kMcrLoop | 0x02);  // RTS -> CTS
  EXPECT_EQ(reg(Uart16550::kMsr), 0x10);
  set(Uart16550::kMcr, 0xff);
  EXPECT_EQ(reg(Uart16550::kMcr), 0x1f);
  set(Uart16550::kMcr, 0);
  EXPECT_EQ(reg(Uart16550::kMsr), 0xb0);
  EXPECT_TRUE(uart.can_receive());
}

TEST_F(UartTest, LoopbackFifoOverrunKeepsContents) {
  set(Uart16550::kIirFcr, kFcrEnable);
  set(Uart16550::kMcr, kMcrLoop);
  for (int i = 0; i < 17; ++i) set(Uart16550::kRbrThrDll, uint8_t('A' + i));
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrOe, kLsrOe);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(reg(Uart16550::kRbrThrDll), 'A' + i);
  EXPECT_EQ(reg(Uart16550::kLsr) & kLsrDr, 0);
}

TEST_F(UartTest, ResetReturnsToPowerOnAndLowersTheLine) {
  set(Uart16550::kIerDlm, kIerRdi);
  set(Uart16550::kScr, 7);
  uart.receive('q');
  EXPECT_TRUE(irqs.level(kSource));
  uart.reset();
  EXPECT_FALSE(irqs.level(kSource));
  EXPECT_EQ(reg(Uart16550::kScr), 0);
  EXPECT_EQ(reg(Uart16550::kIerDlm), 0);
  EXPECT_EQ(reg(Uart16550::kLsr), kLsrThre | kLsrTemt);
}

TEST_F(UartTest, SaveLoadReproducesBehaviour) {
  set(Uart16550::kLcr, kLcrDlab | kLcr8N1);
  set(Uart16550::kRbrThrDll, 3);
  set(Uart16550::kLcr, kLcr8N1);
  set(Uart16550::kIirFcr, kFcrEnable | kFcrTrigger8);
  set(Uart16550::kIerDlm, kIerRdi | kIerThri);
  set(Uart16550::kScr, 0x99);
  clock.now = 5000;
  for (char c : std::string("hello")) uart.receive(uint8_t(c));
  reg(Uart16550::kRbrThrDll);  // 'h', and the FIFO's read position moves
  const auto state = testing::saved(uart);

  FakeClock clock2;
  clock2.now = clock.now;
  FakeInterruptSink irqs2;
  FakeConsole console2;
  Uart16550 copy(clock2, irqs2, kSource, console2);
  testing::load_from(copy, state);
  EXPECT_EQ(testing::saved(copy), state);
  EXPECT_EQ(irqs2.level(kSource), irqs.level(kSource));  // load drives the line
  EXPECT_EQ(copy.next_event_icount(), uart.next_event_icount());
  for (auto r : {Uart16550::kIerDlm, Uart16550::kLcr, Uart16550::kMcr, Uart16550::kScr,
                 Uart16550::kIirFcr, Uart16550::kLsr, Uart16550::kIirFcr}) {
    EXPECT_EQ(copy.read(r, 1), uart.read(r, 1)) << r;
  }
  clock.now = clock2.now = uart.next_event_icount();
  uart.on_time();
  copy.on_time();
  EXPECT_TRUE(irqs2.level(kSource));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(copy.read(0, 1), uart.read(0, 1));
}

TEST_F(UartTest, LoadRejectsBadStateAndKeepsTheOldOne) {
  set(Uart16550::kScr, 0x42);
  const auto good = testing::saved(uart);
  auto bad_version = good;
  bad_version[0] = 99;
  EXPECT_THROW(testing::load_from(uart, bad_version), StateError);
  auto bad_ier = good;
  bad_ier[1] = 0x10;  // IER has only four bits
  EXPECT_THROW(testing::load_from(uart, bad_ier), StateError);
  auto overfull = good;
  overfull[12] = 2;  // two bytes in the one-byte holding register
  EXPECT_THROW(testing::load_from(uart, overfull), StateError);
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> prefix(good.begin(), good.begin() + long(n));
    EXPECT_THROW(testing::load_from(uart, prefix), StateError) << n;
  }
  EXPECT_EQ(reg(Uart16550::kScr), 0x42);
}

// The UART's line reaches a hart through the PLIC as Linux configures it.
TEST(UartPlic, ReceivedByteRaisesSupervisorExternalInterrupt) {
  FakeClock clock;
  FakeHarts harts;
  FakeConsole console;
  Plic plic(1, harts);
  Uart16550 uart(clock, plic, kSource, console);
  plic.write(4 * kSource, 4, 1);
  plic.write(Plic::kEnableBase + Plic::kEnableStride * Plic::supervisor_context(0), 4,
             1u << kSource);
  uart.write(Uart16550::kIerDlm, 1, kIerRdi);
  EXPECT_FALSE(harts.pending(0, HartInterrupts::kSeip));
  uart.receive('!');
  EXPECT_TRUE(harts.pending(0, HartInterrupts::kSeip));
  const uint64_t claim =
      Plic::kContextBase + Plic::kContextStride * Plic::supervisor_context(0) + 4;
  EXPECT_EQ(plic.read(claim, 4), kSource);
  EXPECT_EQ(uart.read(Uart16550::kRbrThrDll, 1), '!');
  plic.write(claim, 4, kSource);
  EXPECT_FALSE(harts.pending(0, HartInterrupts::kSeip));
}

}  // namespace
}  // namespace rwd::dev
