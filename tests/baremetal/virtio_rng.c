/* virtio_rng: finds the virtio-rng transport (device id 4; run with
 * `-device virtio-rng-device`), initialises it as a virtio 1.x driver over
 * MMIO version 2 and does two requests through a split virtqueue. The slot
 * is not printed: QEMU puts the first -device in the last slot (0x10008000). */
#include "rt.h"

#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC 0x080
#define MMIO_QUEUE_DRIVER 0x090
#define MMIO_QUEUE_DEVICE 0x0a0

#define ST_ACKNOWLEDGE 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define DESC_F_WRITE 2
#define QSIZE 8

struct desc {
  u64 addr;
  u32 len;
  u16 flags, next;
};
struct avail {
  u16 flags, idx, ring[QSIZE], used_event;
};
struct used_elem {
  u32 id, len;
};
struct used {
  u16 flags, idx;
  struct used_elem ring[QSIZE];
  u16 avail_event;
};

static struct desc descs[QSIZE] __attribute__((aligned(4096)));
static struct avail avail __attribute__((aligned(4096)));
static volatile struct used used __attribute__((aligned(4096)));
static u8 buf[2][64] __attribute__((aligned(64)));

static u64 base;
static u32 rd(u32 off) { return mmio_read32(base + off); }
static void wr(u32 off, u32 v) { mmio_write32(base + off, v); }
static void wr64(u32 off, u64 v) {
  wr(off, (u32)v);
  wr(off + 4, (u32)(v >> 32));
}

static int request(int n, u8 *b, u32 len) {
  descs[n].addr = (u64)b;
  descs[n].len = len;
  descs[n].flags = DESC_F_WRITE;
  descs[n].next = 0;
  avail.ring[avail.idx % QSIZE] = n;
  asm volatile("fence rw, rw" ::: "memory");
  avail.idx++;
  asm volatile("fence rw, rw" ::: "memory");
  wr(MMIO_QUEUE_NOTIFY, 0);
  u64 t0 = rt_mtime();
  while (used.idx != (u16)(n + 1) && rt_mtime() - t0 < 5000000) {
  }
  asm volatile("fence rw, rw" ::: "memory");
  return used.idx == (u16)(n + 1);
}

static int nonzero(const u8 *b, int n) {
  int c = 0;
  for (int i = 0; i < n; i++) c += b[i] != 0;
  return c;
}

int main(void) {
  int code = 0, found = 0;
  for (int i = 0; i < 8; i++) {
    u64 b = VIRTIO_BASE + 0x1000 * i;
    if (mmio_read32(b + MMIO_MAGIC) == 0x74726976 && mmio_read32(b + MMIO_DEVICE_ID) == 4) {
      base = b;
      found++;
    }
  }
  CHECK_EQ(++code, "one virtio-rng transport (device id 4)", found, 1);
  if (!found)
    return rt_result();
  CHECK_EQ(++code, "transport version 2", rd(MMIO_VERSION), 2);

  wr(MMIO_STATUS, 0);
  CHECK_EQ(++code, "status 0 after reset", rd(MMIO_STATUS), 0);
  wr(MMIO_STATUS, ST_ACKNOWLEDGE);
  wr(MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
  wr(MMIO_DEVICE_FEATURES_SEL, 1);
  u32 hi = rd(MMIO_DEVICE_FEATURES);
  CHECK(++code, "device offers VIRTIO_F_VERSION_1 (bit 32)", hi & 1);
  wr(MMIO_DRIVER_FEATURES_SEL, 1);
  wr(MMIO_DRIVER_FEATURES, 1);
  wr(MMIO_DRIVER_FEATURES_SEL, 0);
  wr(MMIO_DRIVER_FEATURES, 0);
  wr(MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
  CHECK(++code, "FEATURES_OK accepted", rd(MMIO_STATUS) & ST_FEATURES_OK);

  wr(MMIO_QUEUE_SEL, 0);
  u32 max = rd(MMIO_QUEUE_NUM_MAX);
  CHECK(++code, "queue 0 exists, QueueNumMax >= 8", max >= QSIZE);
  CHECK_EQ(++code, "queue 0 not ready yet", rd(MMIO_QUEUE_READY), 0);
  wr(MMIO_QUEUE_NUM, QSIZE);
  wr64(MMIO_QUEUE_DESC, (u64)descs);
  wr64(MMIO_QUEUE_DRIVER, (u64)&avail);
  wr64(MMIO_QUEUE_DEVICE, (u64)&used);
  wr(MMIO_QUEUE_READY, 1);
  CHECK_EQ(++code, "queue ready", rd(MMIO_QUEUE_READY), 1);
  wr(MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);

  CHECK(++code, "request 1 (16 bytes) completed", request(0, buf[0], 16));
  CHECK(++code, "  used element: id 0, len 16", used.ring[0].id == 0 && used.ring[0].len == 16);
  CHECK(++code, "  random bytes written", nonzero(buf[0], 16) >= 8 && nonzero(buf[0] + 16, 48) == 0);
  CHECK(++code, "  InterruptStatus bit 0 (used buffer)", rd(MMIO_INTERRUPT_STATUS) & 1);
  wr(MMIO_INTERRUPT_ACK, 1);
  CHECK_EQ(++code, "  InterruptACK clears it", rd(MMIO_INTERRUPT_STATUS) & 1, 0);
  CHECK(++code, "request 2 (64 bytes) completed", request(1, buf[1], 64));
  CHECK(++code, "  used element: id 1, len 64", used.ring[1].id == 1 && used.ring[1].len == 64);
  int same = 1;
  for (int i = 0; i < 16; i++) same &= buf[0][i] == buf[1][i];
  CHECK(++code, "  different bytes from request 1", !same && nonzero(buf[1], 64) >= 32);
  wr(MMIO_INTERRUPT_ACK, rd(MMIO_INTERRUPT_STATUS));
  wr(MMIO_STATUS, 0);
  CHECK_EQ(++code, "device reset", rd(MMIO_STATUS), 0);
  return rt_result();
}
