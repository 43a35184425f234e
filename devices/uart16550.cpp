#include "devices/uart16550.h"

namespace rwd::dev {

namespace {

constexpr uint8_t kStateVersion = 1;

constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kLcrWordLengthMask = 0x03;
constexpr uint8_t kLcrTwoStopBits = 0x04;
constexpr uint8_t kLcrParity = 0x08;

constexpr uint8_t kIerRxData = 0x01;
constexpr uint8_t kIerThrEmpty = 0x02;
constexpr uint8_t kIerRxLineStatus = 0x04;
constexpr uint8_t kIerWritable = 0x0f;

constexpr uint8_t kIirNoInterrupt = 0x01;
constexpr uint8_t kIirThrEmpty = 0x02;
constexpr uint8_t kIirRxData = 0x04;
constexpr uint8_t kIirRxLineStatus = 0x06;
constexpr uint8_t kIirRxTimeout = 0x0c;
constexpr uint8_t kIirFifosEnabled = 0xc0;

constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrClearRx = 0x02;
constexpr uint8_t kFcrClearTx = 0x04;
constexpr uint8_t kFcrDmaMode = 0x08;
constexpr uint8_t kFcrTriggerMask = 0xc0;
constexpr uint8_t kFcrSticky = kFcrEnable | kFcrDmaMode | kFcrTriggerMask;

constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrOverrun = 0x02;
constexpr uint8_t kLsrErrorBits = 0x1e;  // overrun, parity, framing, break
constexpr uint8_t kLsrThrEmpty = 0x20;
constexpr uint8_t kLsrTransmitterEmpty = 0x40;

constexpr uint8_t kMcrDtr = 0x01;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrOut1 = 0x04;
constexpr uint8_t kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoopback = 0x10;
constexpr uint8_t kMcrWritable = 0x1f;

constexpr uint8_t kMsrCts = 0x10;
constexpr uint8_t kMsrDsr = 0x20;
constexpr uint8_t kMsrRi = 0x40;
constexpr uint8_t kMsrDcd = 0x80;

// The divisor QEMU's reset leaves in the latch (9600 baud on a PC's 1.8432 MHz clock).
constexpr uint16_t kResetDivisor = 12;

}  // namespace

Uart16550::Uart16550(const VirtualClock& clock, InterruptSink& irq, unsigned irq_source,
                     ByteSink& console)
    : clock_(clock), console_(console), irq_(irq, irq_source) {
  reset();
}

Uart16550::State Uart16550::power_on_state() {
  State s;
  s.mcr = kMcrOut2;
  s.divisor = kResetDivisor;
  return s;
}

void Uart16550::reset() {
  s_ = power_on_state();
  update_irq(/*force=*/true);
}

bool Uart16550::fifo_enabled() const {
  return (s_.fcr & kFcrEnable) != 0;
}
bool Uart16550::loopback() const {
  return (s_.mcr & kMcrLoopback) != 0;
}

// Without the FIFO the receiver is the single receive buffer register.
unsigned Uart16550::rx_capacity() const {
  return fifo_enabled() ? kFifoSize : 1;
}

unsigned Uart16550::rx_trigger_level() const {
  static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
  return kLevels[(s_.fcr & kFcrTriggerMask) >> 6];
}

// Four character times, the 16550's receive timeout, in retired instructions.
uint64_t Uart16550::rx_timeout_instructions() const {
  const uint64_t data_bits = 5 + (s_.lcr & kLcrWordLengthMask);
  const uint64_t parity_bits = (s_.lcr & kLcrParity) ? 1 : 0;
  const uint64_t stop_bits = (s_.lcr & kLcrTwoStopBits) ? 2 : 1;
  const uint64_t frame_bits = 1 + data_bits + parity_bits + stop_bits;
  // A zero divisor has no defined rate; treat it as the fastest one rather than as "never".
  const uint64_t divisor = s_.divisor == 0 ? 1 : s_.divisor;
  const uint64_t clocks_per_char = frame_bits * 16 * divisor;
  const uint64_t ticks_per_char =
      (clocks_per_char * VirtualClock::kTicksPerSecond + kInputClockHz - 1) / kInputClockHz;
  return 4 * ticks_per_char * VirtualClock::kInsnsPerTick;
}

void Uart16550::restart_rx_timeout() {
  if (!fifo_enabled() || s_.rx_count == 0) {
    s_.rx_timeout_icount = kNever;
    return;
  }
  const uint64_t now = clock_.icount();
  const uint64_t wait = rx_timeout_instructions();
  s_.rx_timeout_icount = now > kNever - wait ? kNever : now + wait;
}

void Uart16550::push_rx(uint8_t byte) {
  s_.rx_fifo[(s_.rx_head + s_.rx_count) % kFifoSize] = byte;
  ++s_.rx_count;
}

uint8_t Uart16550::pop_rx() {
  const uint8_t byte = s_.rx_fifo[s_.rx_head];
  s_.rx_head = uint8_t((s_.rx_head + 1) % kFifoSize);
  --s_.rx_count;
  return byte;
}

void Uart16550::clear_rx() {
  s_.rx_head = 0;
  s_.rx_count = 0;
  s_.rx_timeout_interrupt = false;
  s_.rx_timeout_icount = kNever;
}

bool Uart16550::can_receive() const {
  return !loopback() && s_.rx_count < rx_capacity();
}

bool Uart16550::receive(uint8_t byte) {
  if (!can_receive()) return false;
  push_rx(byte);
  restart_rx_timeout();
  update_irq();
  return true;
}

uint8_t Uart16550::interrupt_id() const {
  if ((s_.ier & kIerRxLineStatus) && (s_.line_errors & kLsrErrorBits)) return kIirRxLineStatus;
  if (s_.ier & kIerRxData) {
    // As on real 16550s (and in QEMU), IER.RDI also masks the timeout indication.
    if (s_.rx_timeout_interrupt) return kIirRxTimeout;
    if (s_.rx_count > 0 && (!fifo_enabled() || s_.rx_count >= rx_trigger_level())) {
      return kIirRxData;
    }
  }
  if ((s_.ier & kIerThrEmpty) && s_.thr_empty_interrupt) return kIirThrEmpty;
  // Modem status interrupts never occur: the modem inputs never change.
  return kIirNoInterrupt;
}

void Uart16550::update_irq(bool force) {
  irq_.drive(interrupt_id() != kIirNoInterrupt, force);
}

uint8_t Uart16550::modem_status() const {
  if (!loopback()) return kMsrDcd | kMsrDsr | kMsrCts;  // a host console that is always there
  // In loopback the modem control outputs are wired back to the status inputs.
  uint8_t status = 0;
  if (s_.mcr & kMcrDtr) status |= kMsrDsr;
  if (s_.mcr & kMcrRts) status |= kMsrCts;
  if (s_.mcr & kMcrOut1) status |= kMsrRi;
  if (s_.mcr & kMcrOut2) status |= kMsrDcd;
  return status;
}

uint8_t Uart16550::read_rbr() {
  uint8_t byte = 0;
  if (fifo_enabled()) {
    if (s_.rx_count > 0) byte = pop_rx();
    s_.rx_timeout_interrupt = false;
    restart_rx_timeout();
  } else {
    // The holding register keeps its byte after it was read; only DR goes away.
    if (s_.rx_count > 0) s_.last_rx_byte = pop_rx();
    byte = s_.last_rx_byte;
  }
  update_irq();
  return byte;
}

uint8_t Uart16550::read_iir() {
  const uint8_t id = interrupt_id();
  // Reading IIR is the acknowledgement of a THR-empty interrupt (drivers rely on it).
  if (id == kIirThrEmpty) {
    s_.thr_empty_interrupt = false;
    update_irq();
  }
  return id | (fifo_enabled() ? kIirFifosEnabled : 0);
}

uint8_t Uart16550::read_lsr() {
  uint8_t status = s_.line_errors | kLsrThrEmpty | kLsrTransmitterEmpty;
  if (s_.rx_count > 0) status |= kLsrDataReady;
  s_.line_errors = 0;
  update_irq();
  return status;
}

uint64_t Uart16550::read(uint64_t offset, unsigned bytes) {
  // Registers are one byte apart; a wider access reads the register at its first byte, as
  // QEMU does. The rest of the 0x100 window is empty.
  if (bytes == 0 || bytes > 8 || offset > kScr) return 0;
  const bool dlab = (s_.lcr & kLcrDlab) != 0;
  switch (offset) {
    case kRbrThrDll:
      return dlab ? (s_.divisor & 0xff) : read_rbr();
    case kIerDlm:
      return dlab ? (s_.divisor >> 8) : s_.ier;
    case kIirFcr:
      return read_iir();
    case kLcr:
      return s_.lcr;
    case kMcr:
      return s_.mcr;
    case kLsr:
      return read_lsr();
    case kMsr:
      return modem_status();
    case kScr:
      return s_.scr;
    default:
      return 0;
  }
}

void Uart16550::transmit(uint8_t byte) {
  if (loopback()) {
    if (s_.rx_count < rx_capacity()) {
      push_rx(byte);
    } else {
      s_.line_errors |= kLsrOverrun;
      // Without a FIFO the new byte overwrites the unread one; a full FIFO keeps its contents.
      if (!fifo_enabled()) {
        pop_rx();
        push_rx(byte);
      }
    }
    restart_rx_timeout();
  } else {
    console_.put(byte);
  }
  // The byte leaves at once, so the holding register is empty again and says so.
  s_.thr_empty_interrupt = true;
  update_irq();
}

void Uart16550::write_ier(uint8_t value) {
  const uint8_t changed = uint8_t((s_.ier ^ value) & kIerWritable);
  s_.ier = value & kIerWritable;
  // Enabling THRI while THR is empty raises the interrupt again even if reading IIR had
  // acknowledged it: Linux's 8250 driver tests for exactly this at startup and falls back to
  // polling without it.
  if (changed & kIerThrEmpty) s_.thr_empty_interrupt = (s_.ier & kIerThrEmpty) != 0;
  update_irq();
}

void Uart16550::write_fcr(uint8_t value) {
  // Switching the FIFOs on or off empties them.
  if ((value ^ s_.fcr) & kFcrEnable) value |= kFcrClearRx | kFcrClearTx;
  s_.fcr = value & kFcrSticky;
  if (value & kFcrClearRx) clear_rx();
  // The transmit FIFO is always empty, so clearing it changes nothing.
  update_irq();
}

void Uart16550::write(uint64_t offset, unsigned bytes, uint64_t value) {
  if (bytes == 0 || bytes > 8 || offset > kScr) return;
  const auto byte = uint8_t(value);
  const bool dlab = (s_.lcr & kLcrDlab) != 0;
  switch (offset) {
    case kRbrThrDll:
      if (dlab) {
        s_.divisor = uint16_t((s_.divisor & 0xff00) | byte);
      } else {
        transmit(byte);
      }
      break;
    case kIerDlm:
      if (dlab) {
        s_.divisor = uint16_t((s_.divisor & 0x00ff) | (byte << 8));
      } else {
        write_ier(byte);
      }
      break;
    case kIirFcr:
      write_fcr(byte);
      break;
    case kLcr:
      s_.lcr = byte;
      break;
    case kMcr:
      s_.mcr = byte & kMcrWritable;
      break;
    case kScr:
      s_.scr = byte;
      break;
    default:  // LSR and MSR are read-only
      break;
  }
}

uint64_t Uart16550::next_event_icount() const {
  return s_.rx_timeout_icount;
}

void Uart16550::on_time() {
  if (s_.rx_timeout_icount == kNever || clock_.icount() < s_.rx_timeout_icount) return;
  s_.rx_timeout_icount = kNever;
  if (s_.rx_count > 0) s_.rx_timeout_interrupt = true;
  update_irq();
}

void Uart16550::save(StateWriter& out) const {
  write_state_version(out, kStateVersion);
  out.u8(s_.ier);
  out.u8(s_.lcr);
  out.u8(s_.mcr);
  out.u8(s_.scr);
  out.u8(s_.fcr);
  out.u32(s_.divisor);
  out.u8(s_.line_errors);
  out.u8(s_.last_rx_byte);
  out.u8(s_.rx_count);
  for (unsigned i = 0; i < s_.rx_count; ++i) out.u8(s_.rx_fifo[(s_.rx_head + i) % kFifoSize]);
  out.boolean(s_.thr_empty_interrupt);
  out.boolean(s_.rx_timeout_interrupt);
  out.u64(s_.rx_timeout_icount);
}

void Uart16550::load(StateReader& in) {
  expect_state_version(in, kStateVersion, "uart16550");
  // Parse into a copy so a malformed state leaves the device as it was.
  State s;
  s.ier = in.u8();
  s.lcr = in.u8();
  s.mcr = in.u8();
  s.scr = in.u8();
  s.fcr = in.u8();
  const uint32_t divisor = in.u32();
  s.line_errors = in.u8();
  s.last_rx_byte = in.u8();
  s.rx_count = in.u8();
  if ((s.ier & ~kIerWritable) || (s.mcr & ~kMcrWritable) || (s.fcr & ~kFcrSticky) ||
      divisor > 0xffff || (s.line_errors & ~kLsrErrorBits)) {
    throw StateError("uart16550: register value out of range");
  }
  s.divisor = uint16_t(divisor);
  const unsigned capacity = (s.fcr & kFcrEnable) ? kFifoSize : 1;
  if (s.rx_count > capacity) throw StateError("uart16550: receive FIFO overfull");
  for (unsigned i = 0; i < s.rx_count; ++i) s.rx_fifo[i] = in.u8();
  s.thr_empty_interrupt = in.boolean();
  s.rx_timeout_interrupt = in.boolean();
  s.rx_timeout_icount = in.u64();
  s_ = s;
  update_irq(/*force=*/true);
}

}  // namespace rwd::dev
