/* ebreak in user mode is reported as SIGTRAP. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "trap_ebreak"
  .text
  .globl test_main
test_main:
  PRINT "before ebreak\n"
  ebreak
  PRINT "not reached\n"
  ret
