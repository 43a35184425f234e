/* htif_fail: exits through tohost with code 7 ((7 << 1) | 1), the way a
 * riscv-tests program reports its failing test number. */
#include "htif.h"
  .section .text.init, "ax"
  .globl _start
_start:
  HTIF_EXIT(7)
HTIF_SECTION
