/* Tiny bare-metal runtime for the privileged-architecture tests.
 *
 * start.S boots in M-mode at 0x80000000, records a few CSRs as they were at
 * reset (rt_reset), opens PMP entry 15 over the whole address space (so S/U
 * may access memory), sets FS=Initial, installs the M and S trap vectors and
 * calls main(). main returning 0 powers off with "pass" through the
 * sifive_test finisher; a nonzero value N fails with code N (exit code N).
 *
 * Checks: CHECK(code, name, cond) prints "name: ok" or "name: FAIL ..." and
 * remembers the first failing code; rt_result() returns it (0 = all ok).
 */
#pragma once

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long i64;

#define UART_BASE 0x10000000UL
#define FINISHER_BASE 0x100000UL
#define RTC_BASE 0x101000UL
#define CLINT_BASE 0x2000000UL
#define CLINT_MSIP (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define PLIC_BASE 0xc000000UL
#define VIRTIO_BASE 0x10001000UL

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP (3UL << 11)
#define MSTATUS_FS (3UL << 13)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)
#define MSTATUS_TVM (1UL << 20)
#define MSTATUS_TW (1UL << 21)
#define MSTATUS_TSR (1UL << 22)
#define MSTATUS_SD (1UL << 63)

#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE 12
#define CAUSE_LOAD_PAGE 13
#define CAUSE_STORE_PAGE 15
#define CAUSE_INTR (1UL << 63)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11

#define STR_(x) #x
#define STR(x) STR_(x)
#define csr_read(csr) ({ u64 v_; asm volatile("csrr %0, " STR(csr) : "=r"(v_) :: "memory"); v_; })
#define csr_write(csr, val) ({ asm volatile("csrw " STR(csr) ", %0" :: "r"((u64)(val)) : "memory"); })
#define csr_set(csr, val) ({ asm volatile("csrs " STR(csr) ", %0" :: "r"((u64)(val)) : "memory"); })
#define csr_clear(csr, val) ({ asm volatile("csrc " STR(csr) ", %0" :: "r"((u64)(val)) : "memory"); })
#define csr_swap(csr, val) ({ u64 v_; asm volatile("csrrw %0, " STR(csr) ", %1" : "=r"(v_) : "r"((u64)(val)) : "memory"); v_; })

static inline u32 mmio_read32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_write32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 mmio_read64(u64 a) { return *(volatile u64 *)a; }
static inline void mmio_write64(u64 a, u64 v) { *(volatile u64 *)a = v; }
static inline u8 mmio_read8(u64 a) { return *(volatile u8 *)a; }
static inline void mmio_write8(u64 a, u8 v) { *(volatile u8 *)a = v; }

/* Register frame built by the trap entries: x0..x31, then epc, cause,
 * tval, status (mstatus or sstatus at trap entry). */
struct trap_frame {
  u64 x[32];
  u64 epc, cause, tval, status;
};
#define REG_A0 10
#define REG_A1 11
#define REG_A6 16
#define REG_A7 17

/* The last trap taken into M (rt_m) or S (rt_s). `prev` is the mode the
 * trap came from (mstatus.MPP / sstatus.SPP at trap entry). */
struct trap_record {
  volatile u64 count, cause, tval, epc, prev, status;
};
extern struct trap_record rt_m, rt_s;

/* CSRs as they read before start.S changed anything. */
struct reset_state {
  u64 mstatus, misa, medeleg, mideleg, mie, mip, satp, mtvec, mcounteren, mhartid, a0, a1;
  u64 mtime, cycle, instret;
};
extern struct reset_state rt_reset;

/* Hooks: return nonzero when the trap was handled (the handler then returns
 * to frame->epc with frame->status written back). */
typedef int (*trap_hook_fn)(struct trap_frame *f);
extern trap_hook_fn rt_m_hook, rt_s_hook;

/* A trap taken by M-mode code (not inside rt_run) is fatal unless armed:
 * rt_expect_m_trap(resume) records it into rt_m and resumes at `resume`,
 * or past the trapping instruction when resume is 0. One-shot. */
void rt_expect_m_trap(u64 resume);
/* Same for S-mode's handler (stvec): a delegated trap is recorded into rt_s
 * and execution resumes past the instruction (or at rt_s_resume when set,
 * one-shot). rt_s traps are always recorded, armed or not. */
extern volatile u64 rt_s_resume;

/* Run fn(arg) in mode PRV_U or PRV_S (through mret, with mstatus.MPP).
 * Returns RT_DONE when fn returned, or the mcause of the first trap that
 * reached M-mode (rt_m holds the details; the lower mode is abandoned).
 * fn returns with an ecall (a6/a7 = magic); if such ecalls are delegated,
 * the S handler forwards it to M (ecall from S, or ebreak when S ecalls are
 * delegated too). */
#define RT_DONE 0x444f4e45UL
u64 rt_run(int mode, void (*fn)(u64), u64 arg);
/* Same, but enters at a raw address (no return path: the code there must
 * trap to M itself). */
u64 rt_run_at(int mode, u64 pc, u64 arg);
/* Probes to run with rt_run(mode, probe, address): a doubleword load (the
 * value goes to rt_probe_val), a store of 0x5707e, and a jump to the address
 * (which must hold a `ret`, e.g. c.ret = 0x8082). */
void rt_probe_load(u64 addr), rt_probe_store(u64 addr), rt_probe_exec(u64 addr);
extern volatile u64 rt_probe_val;
/* Sets medeleg and tells the S handler which forwarding trap to use. */
void rt_set_medeleg(u64 v);

/* Output */
void rt_putc(char c);
void rt_puts(const char *s);
void rt_printf(const char *fmt, ...);

/* Checks */
void rt_check(int code, const char *name, int ok);
void rt_check_eq(int code, const char *name, u64 got, u64 want);
#define CHECK(code, name, cond) rt_check(code, name, !!(cond))
#define CHECK_EQ(code, name, got, want) rt_check_eq(code, name, (u64)(got), (u64)(want))
int rt_result(void);

/* Finisher */
__attribute__((noreturn)) void rt_pass(void);
__attribute__((noreturn)) void rt_fail(int code);

/* Length of the instruction at addr (2 or 4), read with the current mode's
 * view of memory. */
static inline int rt_insn_len(u64 addr) { return (*(volatile u16 *)addr & 3) == 3 ? 4 : 2; }
static inline u64 rt_mtime(void) { return mmio_read64(CLINT_MTIME); }
