/* devices: NS16550A registers and loopback, goldfish RTC, CLINT register
 * widths, and the virtio-mmio probe of the 8 transports at 0x10001000 (with
 * no -device/-drive each reads magic "virt", version 2, device id 0). The
 * sifive_test fail path is checked by finisher_fail.c. */
#include "rt.h"

#define UART_RBR (UART_BASE + 0)
#define UART_IER (UART_BASE + 1)
#define UART_IIR (UART_BASE + 2)
#define UART_LCR (UART_BASE + 3)
#define UART_MCR (UART_BASE + 4)
#define UART_LSR (UART_BASE + 5)
#define UART_SCR (UART_BASE + 7)

static u64 rtc_ns(void) {
  u64 lo = mmio_read32(RTC_BASE); /* reading TIME_LOW latches TIME_HIGH */
  u64 hi = mmio_read32(RTC_BASE + 4);
  return (hi << 32) | lo;
}

static void uart_idle(void) {
  while ((mmio_read8(UART_LSR) & 0x60) != 0x60) {
  }
}

int main(void) {
  int code = 0;

  /* -- UART -- */
  uart_idle();
  CHECK_EQ(++code, "UART LSR idle: THRE|TEMT", mmio_read8(UART_LSR), 0x60);
  CHECK_EQ(++code, "UART IIR: no interrupt pending", mmio_read8(UART_IIR) & 0xf, 0x1);
  CHECK_EQ(++code, "UART IER resets to 0", mmio_read8(UART_IER), 0);
  mmio_write8(UART_SCR, 0xa5);
  CHECK_EQ(++code, "UART scratch register", mmio_read8(UART_SCR), 0xa5);
  u8 lcr = mmio_read8(UART_LCR);
  mmio_write8(UART_LCR, lcr | 0x80); /* DLAB: offsets 0/1 are the divisor */
  mmio_write8(UART_BASE + 0, 0x34);
  mmio_write8(UART_BASE + 1, 0x12);
  u32 div = mmio_read8(UART_BASE + 0) | (mmio_read8(UART_BASE + 1) << 8);
  mmio_write8(UART_LCR, lcr);
  CHECK_EQ(++code, "UART divisor latch (DLAB)", div, 0x1234);
  CHECK_EQ(++code, "UART LCR restored", mmio_read8(UART_LCR), lcr);

  u8 mcr = mmio_read8(UART_MCR);
  mmio_write8(UART_MCR, mcr | 0x10); /* loopback */
  mmio_write8(UART_BASE, 'L');
  u64 t0 = rt_mtime();
  while (!(mmio_read8(UART_LSR) & 1) && rt_mtime() - t0 < 1000000) {
  }
  u8 lsr = mmio_read8(UART_LSR);
  u8 c = mmio_read8(UART_RBR);
  u8 lsr2 = mmio_read8(UART_LSR);
  uart_idle();
  mmio_write8(UART_MCR, mcr);
  CHECK(++code, "UART loopback: LSR.DR set, byte received", (lsr & 1) && c == 'L');
  CHECK(++code, "UART loopback: reading RBR clears DR", !(lsr2 & 1));

  /* -- goldfish RTC -- */
  u64 r0 = rtc_ns();
  t0 = rt_mtime();
  while (rt_mtime() - t0 < 20000) { /* 2 ms */
  }
  u64 r1 = rtc_ns();
  CHECK(++code, "RTC reads nonzero", r0 != 0);
  CHECK(++code, "RTC increases", r1 > r0);

  /* -- CLINT -- */
  u64 m0 = rt_mtime();
  u32 lo = mmio_read32(CLINT_MTIME), hi = mmio_read32(CLINT_MTIME + 4);
  CHECK(++code, "CLINT mtime readable as two words", hi == (u32)(m0 >> 32) || hi == (u32)(m0 >> 32) + 1);
  (void)lo;
  mmio_write32(CLINT_MTIMECMP, 0x12345678);
  mmio_write32(CLINT_MTIMECMP + 4, 0x7fffffff);
  CHECK_EQ(++code, "CLINT mtimecmp written as two words", mmio_read64(CLINT_MTIMECMP), 0x7fffffff12345678UL);
  mmio_write64(CLINT_MTIMECMP, -1UL);

  /* -- virtio-mmio transports -- */
  int magic = 0, version = 0, devid = 0;
  for (int i = 0; i < 8; i++) {
    u64 base = VIRTIO_BASE + 0x1000 * i;
    magic += mmio_read32(base) == 0x74726976;
    version += mmio_read32(base + 4) == 2;
    devid += mmio_read32(base + 8) == 0;
  }
  CHECK_EQ(++code, "virtio-mmio: 8 slots with magic \"virt\"", magic, 8);
  CHECK_EQ(++code, "virtio-mmio: version 2", version, 8);
  CHECK_EQ(++code, "virtio-mmio: device id 0 (no backend)", devid, 8);

  return rt_result();
}
