/* htif_pass: a few integer checks in M-mode, then tohost = 1 (pass).
 * A failed check exits with its number (tohost = (n << 1) | 1). */
#include "htif.h"
  .section .text.init, "ax"
  .globl _start
_start:
  la t0, fail_trap
  csrw mtvec, t0
  li a0, 6
  li a1, 7
  mul a2, a0, a1
  li a3, 42
  li gp, 2
  bne a2, a3, fail
  li a0, -1
  srli a0, a0, 60
  li a3, 15
  li gp, 3
  bne a0, a3, fail
  la a0, data
  ld a1, 0(a0)
  li a3, 0x0123456789abcdef
  li gp, 4
  bne a1, a3, fail
  HTIF_EXIT(0)
fail:
  slli gp, gp, 1
  ori gp, gp, 1
  la t1, tohost
2: sd gp, 0(t1)
  j 2b
fail_trap:
  li gp, 99
  j fail

  .data
  .align 3
data: .dword 0x0123456789abcdef
HTIF_SECTION
