/* exit_group(42) straight from _start-level code: the status must pass through. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "exit42"
  .text
  .globl test_main
test_main:
  PRINT "exiting with 42\n"
  li a0, 42
  li a7, 94                     /* exit_group */
  ecall
