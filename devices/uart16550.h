// NS16550A UART as QEMU's virt board has it: registers at stride 1, a 16-byte receive FIFO,
// a transmitter that is always ready (bytes go straight to a ByteSink), and one interrupt
// output to the PLIC.
//
// Timing that real hardware derives from the baud rate comes from virtual time: the receive
// FIFO's character timeout fires 4 character times after the last byte arrived or was read,
// computed from the divisor latch and the frame format against the 3.6864 MHz input clock the
// virt device tree advertises (divisor 2 = 115200 baud).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "devices/device.h"
#include "devices/device_support.h"

namespace rwd::dev {

class Uart16550 final : public Device {
 public:
  static constexpr uint64_t kMmioSize = 0x100;
  static constexpr unsigned kFifoSize = 16;
  static constexpr uint64_t kInputClockHz = 3'686'400;

  // Register offsets; the same offset names different registers for reads and writes and
  // while LCR.DLAB is set.
  enum Register : uint64_t {
    kRbrThrDll = 0,
    kIerDlm = 1,
    kIirFcr = 2,
    kLcr = 3,
    kMcr = 4,
    kLsr = 5,
    kMsr = 6,
    kScr = 7,
  };

  Uart16550(const VirtualClock& clock, InterruptSink& irq, unsigned irq_source, ByteSink& console);

  std::string_view name() const override { return "uart16550"; }
  uint64_t mmio_size() const override { return kMmioSize; }
  uint64_t read(uint64_t offset, unsigned bytes) override;
  void write(uint64_t offset, unsigned bytes, uint64_t value) override;
  void reset() override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;
  uint64_t next_event_icount() const override;
  void on_time() override;

  // Host side of the serial line. The machine offers one byte at a time; `receive` refuses it
  // (returns false, state unchanged) when the receiver has no room, so the byte can be offered
  // again later instead of being lost to an overrun. In loopback mode the line is disconnected.
  bool can_receive() const;
  bool receive(uint8_t byte);

  bool irq_level() const { return irq_.level(); }

 private:
  struct State {
    uint8_t ier = 0;
    uint8_t lcr = 0;
    uint8_t mcr = 0;
    uint8_t scr = 0;
    uint8_t fcr = 0;  // only the bits that stick: FIFO enable, DMA mode, trigger level
    uint16_t divisor = 0;
    uint8_t line_errors = 0;   // LSR error bits, cleared by reading LSR
    uint8_t last_rx_byte = 0;  // what RBR returns in non-FIFO mode once the byte was read
    std::array<uint8_t, kFifoSize> rx_fifo{};
    uint8_t rx_head = 0;
    uint8_t rx_count = 0;
    bool thr_empty_interrupt = false;  // cleared by reading IIR, re-armed by the transmitter
    bool rx_timeout_interrupt = false;
    uint64_t rx_timeout_icount = kNever;
  };

  static State power_on_state();
  bool fifo_enabled() const;
  bool loopback() const;
  unsigned rx_capacity() const;
  unsigned rx_trigger_level() const;
  uint64_t rx_timeout_instructions() const;
  void push_rx(uint8_t byte);
  uint8_t pop_rx();
  void restart_rx_timeout();
  void clear_rx();

  uint8_t read_rbr();
  uint8_t read_iir();
  uint8_t read_lsr();
  uint8_t modem_status() const;
  uint8_t interrupt_id() const;
  void transmit(uint8_t byte);
  void write_ier(uint8_t value);
  void write_fcr(uint8_t value);
  void update_irq(bool force = false);

  const VirtualClock& clock_;
  ByteSink& console_;
  IrqLine irq_;
  State s_;
};

}  // namespace rwd::dev
