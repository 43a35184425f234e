/* RV64A: LR/SC and every AMO in .w and .d forms, with aq/rl variants. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "rv64a"
  .data
  .balign 16
mem: .dword 0, 0, 0, 0
  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)
  la s0, mem

  PRINT "group lrsc\n"
  li a0, 0x1122334455667788
  sd a0, 0(s0)
  /* No CHECK between an LR and its SC: CHECK itself stores to memory,
   * and any store may legally break the reservation. */
  lr.d a1, (s0)
  li a2, 42
  sc.d a3, a2, (s0)              /* succeeds: rd = 0 */
  CHECK(a1, 0x1122334455667788)
  CHECK(a3, 0)
  ld a1, 0(s0)
  CHECK(a1, 42)
  li a2, 43
  sc.d a3, a2, (s0)              /* reservation consumed: must fail, rd != 0 */
  snez a3, a3
  CHECK(a3, 1)
  ld a1, 0(s0)
  CHECK(a1, 42)
  li a0, 0xfffffffe
  lr.w.aq a1, (s0)               /* word at offset 0 = 42 */
  sc.w.rl a3, a0, (s0)
  CHECK(a1, 42)
  CHECK(a3, 0)
  lr.w a1, (s0)                  /* lr.w sign-extends */
  sc.w.aqrl a3, zero, (s0)
  CHECK(a1, 0xfffffffffffffffe)
  CHECK(a3, 0)
  ld a1, 0(s0)                   /* upper word untouched by .w ops */
  CHECK(a1, 0)
  /* a retry loop the way compilers emit it */
  sd zero, 16(s0)
  addi a4, s0, 16
3: lr.d a1, (a4)
  addi a1, a1, 5
  sc.d a3, a1, (a4)
  bnez a3, 3b
  ld a1, 16(s0)
  CHECK(a1, 5)

  PRINT "group amo.d\n"
  li a0, 10
  sd a0, 0(s0)
  li a2, -3
  amoadd.d a1, a2, (s0)          /* rd = old */
  CHECK(a1, 10)
  ld a1, 0(s0)
  CHECK(a1, 7)
  li a2, 0xff
  amoswap.d.aq a1, a2, (s0)
  CHECK(a1, 7)
  li a2, 0x0f
  amoand.d.rl a1, a2, (s0)
  CHECK(a1, 0xff)
  li a2, 0x30
  amoor.d.aqrl a1, a2, (s0)
  CHECK(a1, 0x0f)
  li a2, 0x11
  amoxor.d a1, a2, (s0)
  CHECK(a1, 0x3f)
  ld a1, 0(s0)
  CHECK(a1, 0x2e)
  li a2, -1
  amomin.d a1, a2, (s0)          /* signed: -1 < 0x2e */
  ld a1, 0(s0)
  CHECK(a1, -1)
  li a2, 5
  amomax.d a1, a2, (s0)
  CHECK(a1, -1)
  ld a1, 0(s0)
  CHECK(a1, 5)
  li a2, -1
  amominu.d a1, a2, (s0)         /* unsigned: 5 < 0xfff..f */
  ld a1, 0(s0)
  CHECK(a1, 5)
  amomaxu.d a1, a2, (s0)
  ld a1, 0(s0)
  CHECK(a1, -1)
  amoadd.d zero, a2, (s0)        /* rd = x0: result discarded, memory updated */
  ld a1, 0(s0)
  CHECK(a1, -2)

  PRINT "group amo.w\n"
  sd zero, 0(s0)
  li a0, 0x7fffffff
  sw a0, 0(s0)
  li a2, 1
  amoadd.w a1, a2, (s0)          /* old value sign-extended */
  CHECK(a1, 0x7fffffff)
  lw a1, 0(s0)
  CHECK(a1, 0xffffffff80000000)
  lw a1, 4(s0)                   /* neighbour word untouched */
  CHECK(a1, 0)
  li a2, 0x123456789             /* only low 32 bits used */
  amoswap.w.aq a1, a2, (s0)
  CHECK(a1, 0xffffffff80000000)
  lwu a1, 0(s0)
  CHECK(a1, 0x23456789)
  li a2, 0xffff0000
  amoand.w.rl a1, a2, (s0)
  lwu a1, 0(s0)
  CHECK(a1, 0x23450000)
  li a2, 0xff
  amoor.w.aqrl a1, a2, (s0)
  lwu a1, 0(s0)
  CHECK(a1, 0x234500ff)
  li a2, 0x23450000
  amoxor.w a1, a2, (s0)
  lwu a1, 0(s0)
  CHECK(a1, 0xff)
  li a2, 0x80000000              /* as .w operand: INT32_MIN */
  amomin.w a1, a2, (s0)
  lwu a1, 0(s0)
  CHECK(a1, 0x80000000)
  li a2, 3
  amomax.w a1, a2, (s0)
  CHECK(a1, 0xffffffff80000000)
  lwu a1, 0(s0)
  CHECK(a1, 3)
  li a2, 0xfffffff0
  amomaxu.w a1, a2, (s0)         /* unsigned compare */
  lwu a1, 0(s0)
  CHECK(a1, 0xfffffff0)
  li a2, 0x10
  amominu.w a1, a2, (s0)
  CHECK(a1, 0xfffffffffffffff0)
  lwu a1, 0(s0)
  CHECK(a1, 0x10)

  ld ra, 8(sp)
  addi sp, sp, 16
  ret
