/* C half of the bare-metal runtime: UART output, checks, the finisher and
 * the M/S trap handlers (see rt.h). */
#include "rt.h"
#include <stdarg.h>

#define MAGIC6 0x444f4e45UL
#define MAGIC7 0x52540000UL

struct reset_state rt_reset __attribute__((section(".data"))) = {1};
struct trap_record rt_m, rt_s;
trap_hook_fn rt_m_hook, rt_s_hook;
volatile u64 rt_s_resume;
extern volatile u64 rt_in_run;
static volatile u64 m_expect, m_resume;
static volatile u64 medeleg_shadow;
static int first_fail;

__attribute__((noreturn)) void rt_run_return(u64 v);
__attribute__((noreturn)) void rt_s_escape(int use_ebreak);

/* ---- UART (NS16550A: THR at +0, LSR at +5, THRE = bit 5) ---- */
void rt_putc(char c) {
  while (!(mmio_read8(UART_BASE + 5) & 0x20)) {
  }
  mmio_write8(UART_BASE, (u8)c);
}

void rt_puts(const char *s) {
  while (*s) rt_putc(*s++);
}

static void put_num(u64 v, unsigned base, int is_signed) {
  char buf[24];
  int n = 0;
  if (is_signed && (i64)v < 0) {
    rt_putc('-');
    v = -v;
  }
  do {
    unsigned d = v % base;
    buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  while (n) rt_putc(buf[--n]);
}

/* %s %c %d %u %x (an 'l' is accepted and ignored: every number is 64-bit) */
void rt_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      rt_putc(*fmt);
      continue;
    }
    fmt++;
    while (*fmt == 'l') fmt++;
    switch (*fmt) {
      case 's': rt_puts(va_arg(ap, const char *)); break;
      case 'c': rt_putc((char)va_arg(ap, int)); break;
      case 'd': put_num(va_arg(ap, u64), 10, 1); break;
      case 'u': put_num(va_arg(ap, u64), 10, 0); break;
      case 'x': put_num(va_arg(ap, u64), 16, 0); break;
      case '%': rt_putc('%'); break;
      default: rt_putc('?'); break;
    }
  }
  va_end(ap);
}

/* ---- checks and the finisher ---- */
void rt_check(int code, const char *name, int ok) {
  if (ok) {
    rt_printf("%s: ok\n", name);
  } else {
    rt_printf("%s: FAIL (code %d)\n", name, (u64)code);
    if (!first_fail) first_fail = code;
  }
}

void rt_check_eq(int code, const char *name, u64 got, u64 want) {
  rt_check(code, name, got == want);
  if (got != want) rt_printf("  got 0x%x, want 0x%x\n", got, want);
}

int rt_result(void) { return first_fail; }

void rt_pass(void) {
  mmio_write32(FINISHER_BASE, 0x5555);
  for (;;) {
  }
}

void rt_fail(int code) {
  mmio_write32(FINISHER_BASE, ((u32)code << 16) | 0x3333);
  for (;;) {
  }
}

void rt_exit(int code) {
  if (code)
    rt_fail(code);
  rt_pass();
}

/* ---- traps ---- */
void rt_expect_m_trap(u64 resume) {
  m_resume = resume;
  m_expect = 1;
}

void rt_set_medeleg(u64 v) {
  csr_write(medeleg, v);
  medeleg_shadow = csr_read(medeleg);
}

static void record(struct trap_record *r, struct trap_frame *f, u64 prev) {
  r->cause = f->cause;
  r->tval = f->tval;
  r->epc = f->epc;
  r->prev = prev;
  r->status = f->status;
  r->count++;
}

static int is_magic(struct trap_frame *f) {
  return f->x[REG_A7] == MAGIC7 && f->x[REG_A6] == MAGIC6;
}

void rt_m_trap_c(struct trap_frame *f) {
  if (rt_m_hook && rt_m_hook(f))
    return;
  u64 prev = (f->status >> 11) & 3;
  if (rt_in_run && is_magic(f) &&
      (f->cause == CAUSE_ECALL_U || f->cause == CAUSE_ECALL_S || f->cause == CAUSE_BREAKPOINT))
    rt_run_return(RT_DONE);
  record(&rt_m, f, prev);
  if (rt_in_run && prev != PRV_M)
    rt_run_return(f->cause);
  if (m_expect && !(f->cause & CAUSE_INTR)) {
    m_expect = 0;
    f->epc = m_resume ? m_resume : f->epc + rt_insn_len(f->epc);
    return;
  }
  rt_printf("unexpected trap to M: mcause=0x%x mepc=0x%x mtval=0x%x from mode %d\n",
            f->cause, f->epc, f->tval, prev);
  rt_fail(250);
}

void rt_s_trap_c(struct trap_frame *f) {
  if (rt_s_hook && rt_s_hook(f))
    return;
  u64 prev = (f->status >> 8) & 1;
  if (is_magic(f) && (f->cause == CAUSE_ECALL_U || f->cause == CAUSE_ECALL_S))
    rt_s_escape((medeleg_shadow >> CAUSE_ECALL_S) & 1);
  record(&rt_s, f, prev);
  if (f->cause & CAUSE_INTR) {
    rt_printf("unexpected interrupt in S: scause=0x%x sepc=0x%x\n", f->cause, f->epc);
    rt_fail(251);
  }
  if (rt_s_resume) {
    f->epc = rt_s_resume;
    rt_s_resume = 0;
  } else {
    f->epc += rt_insn_len(f->epc);
  }
}
