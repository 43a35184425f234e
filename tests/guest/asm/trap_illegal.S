/* The all-zero halfword is a defined illegal instruction: Linux delivers
 * SIGILL and, with no handler, the process dies by that signal. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "trap_illegal"
  .text
  .globl test_main
test_main:
  PRINT "before illegal\n"
  .4byte 0
  PRINT "not reached\n"
  ret
