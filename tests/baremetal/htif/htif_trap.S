/* htif_trap: riscv-tests style trap handling: ecall from M and from U
 * (via mret with MPP=U), and an illegal instruction, each checked in the
 * handler (mcause, mepc, mtval); then tohost = 1. Failing check n exits
 * with code n. */
#include "htif.h"
  .section .text.init, "ax"
  .globl _start
_start:
  la t0, trap
  csrw mtvec, t0
  /* PMP: let U access everything (entry 0, NAPOT all, RWX). */
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  li s1, 0            /* number of traps seen */

  li s2, 11           /* expected mcause */
  la s3, 1f           /* expected mepc */
1: ecall
  li gp, 2
  li t0, 1
  bne s1, t0, fail

  li s2, 2
  la s3, 2f
2: .word 0x0000500b   /* custom-0: illegal; mtval = these bits */
  li gp, 3
  li t0, 2
  bne s1, t0, fail

  /* to U: MPP = 0, mepc = user */
  li t0, (3 << 11)
  csrc mstatus, t0
  la t0, user
  csrw mepc, t0
  li s2, 8
  la s3, user
  mret
user:
  ecall               /* back to M: the handler sees cause 8, goes to done */
  j user

done:
  li gp, 5
  li t0, 3
  bne s1, t0, fail
  HTIF_EXIT(0)

trap:
  addi s1, s1, 1
  csrr t0, mcause
  li gp, 10
  bne t0, s2, fail
  csrr t0, mepc
  li gp, 11
  bne t0, s3, fail
  li t1, 2
  bne s2, t1, 3f
  csrr t0, mtval
  li t1, 0x0000500b
  li gp, 12
  bne t0, t1, fail
3:
  li t1, 8
  beq s2, t1, from_user
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  mret
from_user:
  csrr t0, mstatus
  srli t0, t0, 11
  andi t0, t0, 3
  li gp, 13
  bnez t0, fail       /* MPP = U */
  la t0, done
  csrw mepc, t0
  li t0, (3 << 11)
  csrs mstatus, t0    /* MPP = M: return to M at done */
  mret

fail:
  slli gp, gp, 1
  ori gp, gp, 1
  la t1, tohost
4: sd gp, 0(t1)
  j 4b
HTIF_SECTION
