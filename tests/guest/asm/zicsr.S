/* Zicsr from user mode: the FP CSRs (fflags, frm, fcsr and their aliasing)
 * with every csrr* form, and the read-only counters cycle/time/instret. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "zicsr"
  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)

  PRINT "group fcsr\n"
  csrw fcsr, zero
  li a0, 0xff
  csrrw a1, fcsr, a0            /* old value 0 */
  CHECK(a1, 0)
  csrr a1, fflags               /* fflags = fcsr[4:0] */
  CHECK(a1, 0x1f)
  csrr a1, frm                  /* frm = fcsr[7:5] */
  CHECK(a1, 7)
  csrwi fflags, 0x05
  csrr a1, fcsr
  CHECK(a1, 0xe5)
  csrwi frm, 2
  csrr a1, fcsr
  CHECK(a1, 0x45)
  csrrsi a1, fflags, 0x0a       /* returns old, sets bits */
  CHECK(a1, 0x05)
  csrr a1, fflags
  CHECK(a1, 0x0f)
  csrrci a1, fflags, 0x03
  CHECK(a1, 0x0f)
  csrr a1, fflags
  CHECK(a1, 0x0c)
  li a2, 0x04
  csrrc a1, fflags, a2
  csrr a1, fflags
  CHECK(a1, 0x08)
  li a2, 0x11
  csrrs a1, fflags, a2
  csrr a1, fflags
  CHECK(a1, 0x19)
  csrrwi a1, frm, 4
  CHECK(a1, 2)
  csrr a1, fcsr
  CHECK(a1, 0x99)
  csrrs a1, fcsr, zero          /* pure read, no write */
  CHECK(a1, 0x99)
  csrrwi a1, fcsr, 0
  CHECK(a1, 0x99)
  csrr a1, fcsr
  CHECK(a1, 0)
  /* FP ops accrue into fflags seen through fcsr */
  li a0, 1
  fcvt.s.w f0, a0
  fcvt.s.w f1, zero
  fdiv.s f2, f0, f1
  csrr a1, fcsr
  CHECK(a1, DZ)
  csrw fcsr, zero

  PRINT "group counters\n"
  rdinstret s0
  nop
  nop
  nop
  rdinstret s1
  sub a0, s1, s0                /* at least the 3 nops + the rdinstret itself */
  sltiu a0, a0, 4
  CHECK(a0, 0)
  rdcycle s0
  li a1, 1000
3: addi a1, a1, -1
  bnez a1, 3b
  rdcycle s1
  sltu a0, s0, s1               /* cycle counter advances */
  CHECK(a0, 1)
  rdtime s0
  li a1, 200000
3: addi a1, a1, -1
  bnez a1, 3b
  rdtime s1
  sltu a0, s1, s0               /* time never goes backwards */
  CHECK(a0, 0)
  csrr a0, instret              /* csrr spelling of the same CSR */
  snez a0, a0
  CHECK(a0, 1)

  ld ra, 8(sp)
  addi sp, sp, 16
  ret
