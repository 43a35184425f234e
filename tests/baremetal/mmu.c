/* mmu: Sv39 and Sv48 translation from S and U: identity and offset
 * mappings, superpages (2M, 1G), permission checks (R/W/X, U with SUM,
 * MXR, execute-only), A/D bits, every page-fault case, sfence.vma after a PTE
 * change and satp mode switches at run time.
 *
 * Layout: RAM (0x80000000, 1 GiB) is identity-mapped by a gigapage (U=0 in
 * the "kernel" roots, U=1 in the "user" roots, so U code can run there);
 * VA 0x40000000 + n*4K maps test page n with per-page flags; traps are not
 * delegated, so every fault ends the probe in M with mcause/mtval. QEMU 7.2
 * sets A and D in hardware (no fault when they are clear). */
#include "rt.h"

#define PTE_V 0x1
#define PTE_R 0x2
#define PTE_W 0x4
#define PTE_X 0x8
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define RWXAD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RWAD (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define SATP_SV39 (8UL << 60)
#define SATP_SV48 (9UL << 60)
#define REGION 0x40000000UL
#define VA(n) (REGION + (u64)(n) * 4096)
#define VA_2M 0x40200000UL     /* 2 MiB leaf -> PA_2M */
#define VA_2M_BAD 0x40400000UL /* 2 MiB leaf with a misaligned PPN */
#define VA_1G 0xc0000000UL     /* 1 GiB leaf -> 0x80000000 */
#define PA_2M 0x80600000UL

enum { P_KERN, P_USER, P_RONLY, P_INVALID, P_WONLY, P_XONLY, P_AD, P_NONLEAF, P_SF_A, P_SF_B,
       P_UEXEC, P_SV48, NPAGES };

static u64 pool[24][512] __attribute__((aligned(4096)));
static u8 pages[NPAGES][4096] __attribute__((aligned(4096)));
static int npool;
static u64 *k39, *u39, *k48, *u48, *region_l0;
volatile u64 probe_b, probe_c, ident_var = 0x1dea1dea;

static u64 *alloc_pt(void) {
  u64 *p = pool[npool++];
  for (int i = 0; i < 512; i++) p[i] = 0;
  return p;
}
static u64 leaf(u64 pa, u64 flags) { return ((pa >> 12) << 10) | flags; }
static u64 table(u64 *t) { return (((u64)t >> 12) << 10) | PTE_V; }
static u64 *next(u64 pte) { return (u64 *)((pte >> 10) << 12); }
static u64 satp_of(u64 mode, u64 *root) { return mode | ((u64)root >> 12); }

/* The PTE slot for va at leaf_level (0 = 4K) under root, creating tables. */
static u64 *slot(u64 *root, int levels, u64 va, int leaf_level) {
  for (int lvl = levels - 1; lvl > leaf_level; lvl--) {
    u64 *e = &root[(va >> (12 + 9 * lvl)) & 511];
    if (!(*e & PTE_V))
      *e = table(alloc_pt());
    root = next(*e);
  }
  return &root[(va >> (12 + 9 * leaf_level)) & 511];
}

static void build(void) {
  for (int i = 0; i < NPAGES; i++) {
    for (int j = 0; j < 4096; j += 8) *(u64 *)&pages[i][j] = 0x1000 * (i + 1) + j;
    *(u16 *)&pages[i][0x800] = 0x8082; /* c.ret */
  }
  /* The shared 0x40000000 GiB (level-1 table). */
  u64 *l1 = alloc_pt();
  region_l0 = alloc_pt();
  l1[0] = table(region_l0);
  l1[1] = leaf(PA_2M, RWAD);                          /* 2M superpage */
  l1[2] = leaf(PA_2M + 0x1000, RWAD);                 /* misaligned superpage */
  u64 *l0 = region_l0;
  l0[P_KERN] = leaf((u64)pages[P_KERN], RWAD);
  l0[P_USER] = leaf((u64)pages[P_USER], RWAD | PTE_U);
  l0[P_RONLY] = leaf((u64)pages[P_RONLY], PTE_V | PTE_R | PTE_A);
  l0[P_INVALID] = leaf((u64)pages[P_INVALID], RWAD & ~PTE_V);
  l0[P_WONLY] = leaf((u64)pages[P_WONLY], PTE_V | PTE_W | PTE_A | PTE_D);
  l0[P_XONLY] = leaf((u64)pages[P_XONLY], PTE_V | PTE_X | PTE_A);
  l0[P_AD] = leaf((u64)pages[P_AD], PTE_V | PTE_R | PTE_W);
  l0[P_NONLEAF] = leaf((u64)pages[P_NONLEAF], PTE_V); /* a pointer at level 0 */
  l0[P_SF_A] = leaf((u64)pages[P_SF_A], RWAD);
  l0[P_UEXEC] = leaf((u64)pages[P_UEXEC], RWXAD | PTE_U);

  k39 = alloc_pt();
  k39[1] = table(l1);
  k39[2] = leaf(0x80000000UL, RWXAD);
  k39[3] = leaf(0x80000000UL, RWAD);
  u39 = alloc_pt();
  u39[1] = table(l1);
  u39[2] = leaf(0x80000000UL, RWXAD | PTE_U);

  /* Sv48: same identity gigapage, but 0x40000000 -> P_SV48 through 4 levels. */
  k48 = alloc_pt();
  *slot(k48, 4, 0x80000000UL, 2) = leaf(0x80000000UL, RWXAD);
  *slot(k48, 4, VA(0), 0) = leaf((u64)pages[P_SV48], RWAD);
  *slot(k48, 4, VA_1G, 2) = leaf(0x80000000UL, RWAD);
  u48 = alloc_pt();
  *slot(u48, 4, 0x80000000UL, 2) = leaf(0x80000000UL, RWXAD | PTE_U);
  *slot(u48, 4, VA(0), 0) = leaf((u64)pages[P_SV48], RWAD | PTE_U);
  asm volatile("sfence.vma" ::: "memory");
}

#define probe_val rt_probe_val

enum { LOAD, STORE, EXEC };
static u64 probe(int mode, int kind, u64 satp, u64 va, u64 mstatus_bits) {
  static void (*const fns[])(u64) = {rt_probe_load, rt_probe_store, rt_probe_exec};
  csr_write(satp, satp);
  asm volatile("sfence.vma" ::: "memory");
  csr_set(mstatus, mstatus_bits);
  probe_val = 0;
  u64 r = rt_run(mode, fns[kind], va);
  csr_clear(mstatus, mstatus_bits);
  csr_write(satp, 0);
  return r;
}

static int code = 0;
static void expect_ok(const char *name, u64 r, u64 want_val) {
  ++code;
  CHECK(code, name, r == RT_DONE && probe_val == want_val);
  if (r != RT_DONE || probe_val != want_val)
    rt_printf("  returned 0x%x (mtval 0x%x), value 0x%x, want 0x%x\n", r, rt_m.tval, probe_val,
              want_val);
}
static void expect_fault(const char *name, u64 r, u64 cause, u64 va) {
  ++code;
  CHECK(code, name, r == cause && rt_m.tval == va);
  if (r != cause || rt_m.tval != va)
    rt_printf("  returned 0x%x mtval 0x%x, want 0x%x mtval 0x%x\n", r, rt_m.tval, cause, va);
}
static u64 word(int page, u64 off) { return 0x1000 * (page + 1) + off; }

/* S: load, retarget the PTE, sfence.vma va, load again. */
static void s_sfence(u64 unused) {
  volatile u64 *p = (volatile u64 *)VA(P_SF_A);
  probe_b = *p;
  region_l0[P_SF_A] = leaf((u64)pages[P_SF_B], RWAD);
  asm volatile("sfence.vma %0, zero" ::"r"(p) : "memory");
  probe_c = *p;
}

/* S: Sv39 -> Sv48 -> Bare, reading through each. */
static volatile u64 sw_satp48, sw_v1, sw_v2, sw_v3;
static void s_switch(u64 unused) {
  sw_v1 = *(volatile u64 *)VA(0);
  csr_write(satp, sw_satp48);
  asm volatile("sfence.vma" ::: "memory");
  sw_v2 = *(volatile u64 *)VA(0);
  csr_write(satp, 0);
  asm volatile("sfence.vma" ::: "memory");
  sw_v3 = ident_var;
}

int main(void) {
  u64 r, s39, su39, s48, su48;
  build();
  s39 = satp_of(SATP_SV39, k39);
  su39 = satp_of(SATP_SV39, u39);
  s48 = satp_of(SATP_SV48, k48);
  su48 = satp_of(SATP_SV48, u48);

  /* satp WARL */
  csr_write(satp, s39);
  CHECK_EQ(++code, "satp takes Sv39", csr_read(satp), s39);
  csr_write(satp, (1UL << 60) | 5);
  CHECK_EQ(++code, "satp write with a reserved mode is ignored", csr_read(satp), s39);
  csr_write(satp, 0);

  /* Sv39 */
  r = probe(PRV_S, LOAD, s39, (u64)&ident_var, 0);
  expect_ok("Sv39 S load through the identity gigapage", r, 0x1dea1dea);
  r = probe(PRV_S, LOAD, s39, VA(P_KERN) + 0x18, 0);
  expect_ok("Sv39 S load through an offset 4K mapping", r, word(P_KERN, 0x18));
  r = probe(PRV_S, STORE, s39, VA(P_KERN) + 0x20, 0);
  CHECK(++code, "Sv39 S store lands in the mapped page",
        r == RT_DONE && *(u64 *)&pages[P_KERN][0x20] == 0x5707e);
  *(volatile u64 *)(PA_2M + 0x1238) = 0x2222;
  r = probe(PRV_S, LOAD, s39, VA_2M + 0x1238, 0);
  expect_ok("Sv39 2M superpage", r, 0x2222);
  r = probe(PRV_S, LOAD, s39, VA_1G + ((u64)&ident_var - 0x80000000UL), 0);
  expect_ok("Sv39 1G superpage at an offset", r, 0x1dea1dea);
  r = probe(PRV_S, EXEC, s39, VA(P_XONLY) + 0x800, 0);
  CHECK(++code, "Sv39 S executes an execute-only page", r == RT_DONE);

  /* page faults */
  r = probe(PRV_S, LOAD, s39, VA(P_INVALID) + 8, 0);
  expect_fault("invalid PTE (V=0): load page fault, mtval = va", r, CAUSE_LOAD_PAGE, VA(P_INVALID) + 8);
  r = probe(PRV_S, STORE, s39, VA(P_INVALID), 0);
  expect_fault("invalid PTE: store page fault", r, CAUSE_STORE_PAGE, VA(P_INVALID));
  r = probe(PRV_S, EXEC, s39, VA(P_INVALID) + 0x800, 0);
  expect_fault("invalid PTE: instruction page fault", r, CAUSE_FETCH_PAGE, VA(P_INVALID) + 0x800);
  r = probe(PRV_S, STORE, s39, VA(P_RONLY) + 16, 0);
  expect_fault("store to a read-only page", r, CAUSE_STORE_PAGE, VA(P_RONLY) + 16);
  r = probe(PRV_S, LOAD, s39, VA(P_RONLY) + 16, 0);
  expect_ok("  load from it is fine", r, word(P_RONLY, 16));
  r = probe(PRV_S, EXEC, s39, VA(P_KERN) + 0x800, 0);
  expect_fault("execute from a non-X page", r, CAUSE_FETCH_PAGE, VA(P_KERN) + 0x800);
  r = probe(PRV_S, LOAD, s39, VA(P_WONLY), 0);
  expect_fault("W without R (reserved): load fault", r, CAUSE_LOAD_PAGE, VA(P_WONLY));
  r = probe(PRV_S, STORE, s39, VA(P_WONLY), 0);
  expect_fault("W without R (reserved): store fault", r, CAUSE_STORE_PAGE, VA(P_WONLY));
  r = probe(PRV_S, LOAD, s39, VA(P_NONLEAF), 0);
  expect_fault("non-leaf PTE at level 0", r, CAUSE_LOAD_PAGE, VA(P_NONLEAF));
  r = probe(PRV_S, LOAD, s39, VA_2M_BAD + 8, 0);
  expect_fault("misaligned 2M superpage", r, CAUSE_LOAD_PAGE, VA_2M_BAD + 8);
  r = probe(PRV_S, LOAD, s39, 0x0000004000000000UL, 0);
  expect_fault("Sv39 non-canonical address", r, CAUSE_LOAD_PAGE, 0x0000004000000000UL);
  r = probe(PRV_S, LOAD, s39, VA(P_XONLY), 0);
  expect_fault("load from execute-only page, MXR=0", r, CAUSE_LOAD_PAGE, VA(P_XONLY));
  r = probe(PRV_S, LOAD, s39, VA(P_XONLY) + 0x40, MSTATUS_MXR);
  expect_ok("load from execute-only page, MXR=1", r, word(P_XONLY, 0x40));

  /* U bit and SUM */
  r = probe(PRV_S, LOAD, s39, VA(P_USER) + 8, 0);
  expect_fault("S loads a U page, SUM=0", r, CAUSE_LOAD_PAGE, VA(P_USER) + 8);
  r = probe(PRV_S, LOAD, s39, VA(P_USER) + 8, MSTATUS_SUM);
  expect_ok("S loads a U page, SUM=1", r, word(P_USER, 8));
  r = probe(PRV_S, STORE, s39, VA(P_USER) + 8, MSTATUS_SUM);
  CHECK(++code, "S stores to a U page, SUM=1", r == RT_DONE);
  r = probe(PRV_S, EXEC, s39, VA(P_UEXEC) + 0x800, MSTATUS_SUM);
  expect_fault("S executes a U page even with SUM=1", r, CAUSE_FETCH_PAGE, VA(P_UEXEC) + 0x800);
  r = probe(PRV_U, LOAD, su39, VA(P_USER) + 16, 0);
  expect_ok("U loads a U page", r, word(P_USER, 16));
  r = probe(PRV_U, EXEC, su39, VA(P_UEXEC) + 0x800, 0);
  CHECK(++code, "U executes a U page", r == RT_DONE);
  r = probe(PRV_U, LOAD, su39, VA(P_KERN), 0);
  expect_fault("U loads an S page", r, CAUSE_LOAD_PAGE, VA(P_KERN));
  r = probe(PRV_U, STORE, su39, VA(P_KERN), 0);
  expect_fault("U stores to an S page", r, CAUSE_STORE_PAGE, VA(P_KERN));
  r = probe(PRV_U, LOAD, su39, VA(P_KERN), MSTATUS_SUM);
  expect_fault("U loads an S page, SUM=1 changes nothing", r, CAUSE_LOAD_PAGE, VA(P_KERN));

  /* A/D: QEMU 7.2 updates them in hardware */
  r = probe(PRV_S, LOAD, s39, VA(P_AD), 0);
  u64 pte = region_l0[P_AD];
  CHECK(++code, "load through A=0 PTE: no fault, A set, D still clear",
        r == RT_DONE && (pte & PTE_A) && !(pte & PTE_D));
  r = probe(PRV_S, STORE, s39, VA(P_AD), 0);
  pte = region_l0[P_AD];
  CHECK(++code, "store through D=0 PTE: no fault, D set", r == RT_DONE && (pte & PTE_D));

  /* sfence.vma after changing a PTE */
  csr_write(satp, s39);
  asm volatile("sfence.vma" ::: "memory");
  r = rt_run(PRV_S, s_sfence, 0);
  csr_write(satp, 0);
  CHECK(++code, "sfence.vma va after a PTE change: new page seen",
        r == RT_DONE && probe_b == word(P_SF_A, 0) && probe_c == word(P_SF_B, 0));

  /* Sv48 */
  r = probe(PRV_S, LOAD, s48, (u64)&ident_var, 0);
  expect_ok("Sv48 S load through the identity gigapage", r, 0x1dea1dea);
  r = probe(PRV_S, LOAD, s48, VA(0) + 0x30, 0);
  expect_ok("Sv48 4-level 4K mapping", r, word(P_SV48, 0x30));
  r = probe(PRV_S, LOAD, s48, VA_1G + ((u64)&ident_var - 0x80000000UL), 0);
  expect_ok("Sv48 1G superpage", r, 0x1dea1dea);
  r = probe(PRV_S, LOAD, s48, VA(1), 0);
  expect_fault("Sv48 unmapped address", r, CAUSE_LOAD_PAGE, VA(1));
  r = probe(PRV_S, LOAD, s48, 0x0000800000000000UL, 0);
  expect_fault("Sv48 non-canonical address", r, CAUSE_LOAD_PAGE, 0x0000800000000000UL);
  r = probe(PRV_S, LOAD, s48, 0x0000004000000000UL, 0);
  expect_fault("Sv48: 0x4000000000 is canonical, just unmapped", r, CAUSE_LOAD_PAGE,
               0x0000004000000000UL);
  r = probe(PRV_U, LOAD, su48, VA(0) + 0x38, 0);
  expect_ok("Sv48 U load", r, word(P_SV48, 0x38));

  /* satp mode switch at run time (from S) */
  sw_satp48 = s48;
  csr_write(satp, s39);
  asm volatile("sfence.vma" ::: "memory");
  r = rt_run(PRV_S, s_switch, 0);
  csr_write(satp, 0);
  CHECK(++code, "S switches Sv39 -> Sv48 -> Bare",
        r == RT_DONE && sw_v1 == word(P_KERN, 0) && sw_v2 == word(P_SV48, 0) &&
            sw_v3 == 0x1dea1dea);

  return rt_result();
}
