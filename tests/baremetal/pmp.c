/* pmp: NAPOT and TOR regions that deny or restrict S/U accesses, priority
 * of the lowest-numbered matching entry, execute permission, and a locked
 * entry that binds M-mode too (last, since a lock holds until reset).
 * start.S leaves entry 15 as "everything, RWX" underneath the entries used
 * here. PMP faults are access faults (1/5/7) with mtval = the address. */
#include "rt.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_TOR 0x08
#define PMP_NAPOT 0x18
#define PMP_L 0x80

static u8 region[4][4096] __attribute__((aligned(16384)));

static void set_cfg(int i, u64 cfg) {
  u64 v = csr_read(pmpcfg0);
  v &= ~(0xffUL << (8 * i));
  v |= cfg << (8 * i);
  csr_write(pmpcfg0, v);
}
static u64 napot(void *base, u64 size) { return ((u64)base >> 2) | ((size / 8) - 1); }
static void set_addr(int i, u64 v) {
  switch (i) {
    case 0: csr_write(pmpaddr0, v); break;
    case 1: csr_write(pmpaddr1, v); break;
    case 2: csr_write(pmpaddr2, v); break;
    case 3: csr_write(pmpaddr3, v); break;
  }
}

static int code;
static void expect(const char *name, u64 r, u64 want, u64 addr) {
  int ok = r == want && (want == RT_DONE || rt_m.tval == addr);
  CHECK(++code, name, ok);
  if (!ok)
    rt_printf("  returned 0x%x mtval 0x%x, want 0x%x at 0x%x\n", r, rt_m.tval, want, addr);
}

int main(void) {
  u64 r, a0 = (u64)region[0], a1 = (u64)region[1], a2 = (u64)region[2];
  *(u16 *)&region[1][0x100] = 0x8082; /* c.ret */
  *(u16 *)&region[2][0x100] = 0x8082;

  CHECK_EQ(++code, "pmpaddr0 reads back", (csr_write(pmpaddr0, napot(region[0], 4096)), csr_read(pmpaddr0)),
           napot(region[0], 4096));

  /* Entry 0: NAPOT 4K over region[0], no permissions. */
  set_addr(0, napot(region[0], 4096));
  set_cfg(0, PMP_NAPOT);
  r = rt_run(PRV_S, rt_probe_load, a0 + 8);
  expect("NAPOT no-RWX: S load faults (5)", r, CAUSE_LOAD_ACCESS, a0 + 8);
  r = rt_run(PRV_S, rt_probe_store, a0 + 16);
  expect("NAPOT no-RWX: S store faults (7)", r, CAUSE_STORE_ACCESS, a0 + 16);
  r = rt_run(PRV_U, rt_probe_load, a0 + 4088);
  expect("NAPOT no-RWX: U load at the last doubleword faults", r, CAUSE_LOAD_ACCESS, a0 + 4088);
  r = rt_run(PRV_S, rt_probe_load, a1);
  expect("just past the NAPOT region: S load fine", r, RT_DONE, 0);
  *(volatile u64 *)(a0 + 8) = 77;
  CHECK(++code, "unlocked entry does not bind M", *(volatile u64 *)(a0 + 8) == 77);

  /* Read-only. */
  set_cfg(0, PMP_NAPOT | PMP_R);
  r = rt_run(PRV_S, rt_probe_load, a0 + 8);
  CHECK(++code, "NAPOT R: S load fine", r == RT_DONE && rt_probe_val == 77);
  r = rt_run(PRV_U, rt_probe_store, a0 + 8);
  expect("NAPOT R: U store faults", r, CAUSE_STORE_ACCESS, a0 + 8);

  /* Execute: region[1] RW only, region[2] RWX. */
  set_addr(0, napot(region[1], 4096));
  set_cfg(0, PMP_NAPOT | PMP_R | PMP_W);
  r = rt_run(PRV_S, rt_probe_exec, a1 + 0x100);
  expect("no X: S fetch faults (1)", r, CAUSE_FETCH_ACCESS, a1 + 0x100);
  set_cfg(0, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
  r = rt_run(PRV_S, rt_probe_exec, a1 + 0x100);
  expect("with X: S fetch fine", r, RT_DONE, 0);

  /* TOR: entry 1 OFF (its pmpaddr is the bottom), entry 2 TOR [region[1], region[3]). */
  set_cfg(0, 0);
  set_addr(1, a1 >> 2);
  set_addr(2, (u64)region[3] >> 2);
  set_cfg(2, PMP_TOR);
  r = rt_run(PRV_S, rt_probe_load, a1);
  expect("TOR: S load at the bottom faults", r, CAUSE_LOAD_ACCESS, a1);
  r = rt_run(PRV_S, rt_probe_load, a2 + 4088);
  expect("TOR: S load at the top faults", r, CAUSE_LOAD_ACCESS, a2 + 4088);
  r = rt_run(PRV_S, rt_probe_load, a0 + 4088);
  expect("TOR: S load just below is fine", r, RT_DONE, 0);
  r = rt_run(PRV_S, rt_probe_load, (u64)region[3]);
  expect("TOR: S load at the top bound (exclusive) is fine", r, RT_DONE, 0);

  /* Priority: entry 0 allows region[2] (NAPOT RW), entry 2 still denies [1..3). */
  set_addr(0, napot(region[2], 4096));
  set_cfg(0, PMP_NAPOT | PMP_R | PMP_W);
  r = rt_run(PRV_S, rt_probe_load, a2 + 8);
  expect("lowest-numbered match wins (allow over deny)", r, RT_DONE, 0);
  r = rt_run(PRV_S, rt_probe_load, a1 + 8);
  expect("  outside entry 0 the deny applies", r, CAUSE_LOAD_ACCESS, a1 + 8);
  set_cfg(2, 0);
  set_cfg(0, 0);

  /* Locked: entry 3 NAPOT region[0], R only, L. Binds M; cannot be changed. */
  set_addr(3, napot(region[0], 4096));
  set_cfg(3, PMP_NAPOT | PMP_R | PMP_L);
  u64 n = rt_m.count;
  volatile u64 *p = (volatile u64 *)(a0 + 8);
  r = *p;
  CHECK(++code, "locked R entry: M load fine", r == 77 && rt_m.count == n);
  rt_expect_m_trap(0);
  *p = 5;
  CHECK(++code, "locked R entry: M store faults (7)",
        rt_m.count == n + 1 && rt_m.cause == CAUSE_STORE_ACCESS && rt_m.tval == a0 + 8 && *p == 77);
  set_addr(3, 0);
  CHECK_EQ(++code, "locked: pmpaddr3 write ignored", csr_read(pmpaddr3), napot(region[0], 4096));
  set_cfg(3, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
  CHECK_EQ(++code, "locked: pmpcfg byte write ignored", (csr_read(pmpcfg0) >> 24) & 0xff,
           PMP_NAPOT | PMP_R | PMP_L);

  return rt_result();
}
