/* Machine-mode CSRs are not accessible from user mode: SIGILL. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "trap_mcsr"
  .text
  .globl test_main
test_main:
  PRINT "before mstatus\n"
  csrr a0, mstatus
  PRINT "not reached\n"
  ret
