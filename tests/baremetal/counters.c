/* counters: cycle, time and instret readable and advancing in M; mcounteren
 * gating S, mcounteren and scounteren gating U (illegal instruction with
 * mtval = the csrr). Counter values are not compared with exact figures:
 * QEMU 7.2 without -icount derives mcycle/minstret from the host clock. */
#include "rt.h"

asm(".text\n"
    "t_rdcycle: csrr a0, cycle\n ret\n"
    "t_rdtime: csrr a0, time\n ret\n"
    "t_rdinstret: csrr a0, instret\n ret\n"
    "t_rdhpm3: csrr a0, hpmcounter3\n ret\n");
extern void t_rdcycle(u64), t_rdtime(u64), t_rdinstret(u64), t_rdhpm3(u64);

#define CSRR_A0(csr) (0x00002573u | ((u32)(csr) << 20))

static int code;
static void gate(const char *name, int mode, void (*fn)(u64), int allowed, u32 csr) {
  u64 r = rt_run(mode, fn, 0);
  int ok = allowed ? r == RT_DONE
                   : (r == CAUSE_ILLEGAL && rt_m.prev == (u64)mode && rt_m.tval == CSRR_A0(csr));
  CHECK(++code, name, ok);
  if (!ok)
    rt_printf("  returned 0x%x, mtval 0x%x\n", r, rt_m.tval);
}

int main(void) {
  u64 c0 = csr_read(cycle), i0 = csr_read(instret), t0 = csr_read(time);
  u64 m0 = csr_read(mcycle), mi0 = csr_read(minstret);
  for (volatile int i = 0; i < 20000; i++) {
  }
  u64 c1 = csr_read(cycle), i1 = csr_read(instret), t1 = csr_read(time);
  CHECK(++code, "cycle advances", c1 > c0);
  CHECK(++code, "instret advances by at least the loop's instructions", i1 - i0 >= 20000 * 3);
  CHECK(++code, "time advances", t1 > t0);
  CHECK(++code, "mcycle/minstret are cycle/instret", csr_read(mcycle) >= m0 && csr_read(minstret) > mi0);
  CHECK_EQ(++code, "mcounteren resets to 0", rt_reset.mcounteren, 0);
  CHECK_EQ(++code, "mcounteren CY|TM|IR writable", (csr_write(mcounteren, 7), csr_read(mcounteren)) & 7, 7);
  csr_write(mcounteren, 0);
  csr_write(scounteren, 0);

  gate("mcounteren=0: S cycle illegal", PRV_S, t_rdcycle, 0, 0xc00);
  gate("mcounteren=0: S time illegal", PRV_S, t_rdtime, 0, 0xc01);
  gate("mcounteren=0: S instret illegal", PRV_S, t_rdinstret, 0, 0xc02);
  csr_write(mcounteren, 1); /* CY only */
  gate("mcounteren=CY: S cycle fine", PRV_S, t_rdcycle, 1, 0xc00);
  gate("mcounteren=CY: S time still illegal", PRV_S, t_rdtime, 0, 0xc01);
  gate("mcounteren=CY, scounteren=0: U cycle illegal", PRV_U, t_rdcycle, 0, 0xc00);
  csr_write(scounteren, 7);
  gate("mcounteren=CY, scounteren=7: U cycle fine", PRV_U, t_rdcycle, 1, 0xc00);
  gate("mcounteren=CY, scounteren=7: U instret illegal", PRV_U, t_rdinstret, 0, 0xc02);
  csr_write(mcounteren, 7);
  gate("both 7: U time fine", PRV_U, t_rdtime, 1, 0xc01);
  gate("both 7: U instret fine", PRV_U, t_rdinstret, 1, 0xc02);
  csr_write(scounteren, 0);
  gate("scounteren=0: S time still fine", PRV_S, t_rdtime, 1, 0xc01);
  gate("scounteren=0: U time illegal", PRV_U, t_rdtime, 0, 0xc01);
  gate("mcounteren HPM3=0: S hpmcounter3 illegal", PRV_S, t_rdhpm3, 0, 0xc03);
  csr_write(mcounteren, 0);
  return rt_result();
}
