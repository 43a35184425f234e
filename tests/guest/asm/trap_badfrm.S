/* frm = 5 is reserved: an FP op using the dynamic rounding mode must be an
 * illegal instruction (SIGILL); static rounding modes still work. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "trap_badfrm"
  .text
  .globl test_main
test_main:
  csrwi frm, 5
  li a0, 1
  fcvt.s.w f0, a0, rne          /* static rm: fine */
  PRINT "static ok\n"
  fadd.s f1, f0, f0, dyn
  PRINT "not reached\n"
  ret
