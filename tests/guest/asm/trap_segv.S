/* A load from an unmapped page must raise SIGSEGV. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "trap_segv"
  .text
  .globl test_main
test_main:
  PRINT "before segv\n"
  li a0, 0x10
  ld a1, 0(a0)
  PRINT "not reached\n"
  ret
