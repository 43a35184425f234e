/* RV64M: multiply/divide incl. the spec's division-by-zero and overflow table. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "rv64m"
  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)
  PRINT "group mul\n"
  li a0, 123456789
  li a1, -987654321
  mul a2, a0, a1
  CHECK(a2, -121932631112635269)
  li a0, 0xffffffffffffffff
  li a1, 0xffffffffffffffff
  mul a2, a0, a1                 /* (-1)*(-1) */
  CHECK(a2, 1)
  mulh a2, a0, a1                /* signed high of 1 = 0 */
  CHECK(a2, 0)
  mulhu a2, a0, a1               /* (2^64-1)^2 = 2^128 - 2^65 + 1 -> high = 2^64-2 */
  CHECK(a2, 0xfffffffffffffffe)
  mulhsu a2, a0, a1              /* -1 * (2^64-1) = -(2^64-1) -> high = -1 */
  CHECK(a2, -1)
  li a0, 0x8000000000000000
  mulh a2, a0, a0                /* (-2^63)^2 = 2^126 -> high = 2^62 */
  CHECK(a2, 0x4000000000000000)
  li a1, 2
  mulhsu a2, a0, a1              /* -2^63 * 2 = -2^64 -> high = -1 */
  CHECK(a2, -1)
  mulhu a2, a0, a1               /* 2^63 * 2 = 2^64 -> high = 1 */
  CHECK(a2, 1)
  li a0, 0x0000000180000000
  li a1, 2
  mulw a2, a0, a1                /* low32(0x80000000*2)=0 */
  CHECK(a2, 0)
  li a0, 0x10000
  mulw a2, a0, a0                /* 2^32 -> low 32 = 0 */
  CHECK(a2, 0)
  li a0, 0xffff
  mulw a2, a0, a0                /* 0xfffe0001 sign-extended */
  CHECK(a2, 0xfffffffffffe0001)

  PRINT "group div\n"
  li a0, -7
  li a1, 2
  div a2, a0, a1                 /* rounds toward zero */
  CHECK(a2, -3)
  rem a2, a0, a1                 /* sign of dividend */
  CHECK(a2, -1)
  divu a2, a0, a1
  CHECK(a2, 0x7ffffffffffffffc)
  remu a2, a0, a1
  CHECK(a2, 1)
  li a1, 0
  div a2, a0, a1                 /* x/0 = -1 */
  CHECK(a2, -1)
  divu a2, a0, a1                /* x/0 = 2^64-1 */
  CHECK(a2, -1)
  rem a2, a0, a1                 /* x%0 = x */
  CHECK(a2, -7)
  remu a2, a0, a1
  CHECK(a2, -7)
  li a0, 0x8000000000000000
  li a1, -1
  div a2, a0, a1                 /* overflow: result = dividend */
  CHECK(a2, 0x8000000000000000)
  rem a2, a0, a1                 /* overflow: remainder 0 */
  CHECK(a2, 0)
  divu a2, a0, a1
  CHECK(a2, 0)
  remu a2, a0, a1
  CHECK(a2, 0x8000000000000000)

  PRINT "group divw\n"
  li a0, 0xffffffff80000000      /* INT32_MIN */
  li a1, -1
  divw a2, a0, a1
  CHECK(a2, 0xffffffff80000000)
  remw a2, a0, a1
  CHECK(a2, 0)
  li a0, 0x1fffffff9             /* low 32 = -7; upper bits ignored */
  li a1, 0x300000002             /* low 32 = 2 */
  divw a2, a0, a1
  CHECK(a2, -3)
  remw a2, a0, a1
  CHECK(a2, -1)
  divuw a2, a0, a1               /* 0xfffffff9/2 = 0x7ffffffc */
  CHECK(a2, 0x7ffffffc)
  remuw a2, a0, a1
  CHECK(a2, 1)
  li a1, 0x100000000             /* low 32 = 0: divide by zero */
  divw a2, a0, a1
  CHECK(a2, -1)
  divuw a2, a0, a1               /* all ones, sign-extended */
  CHECK(a2, -1)
  remw a2, a0, a1                /* dividend sign-extended */
  CHECK(a2, -7)
  remuw a2, a0, a1
  CHECK(a2, -7)
  li a0, 0x80000000
  li a1, 1
  divuw a2, a0, a1               /* 0x80000000 sign-extends */
  CHECK(a2, 0xffffffff80000000)

  ld ra, 8(sp)
  addi sp, sp, 16
  ret
