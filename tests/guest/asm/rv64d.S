/* RV64D: double precision, expected values worked out by hand (see rv64f.S). */
#include "macros.h"
#define ONE   0x3ff0000000000000
#define TWO   0x4000000000000000
#define THREE 0x4008000000000000
#define MONE  0xbff0000000000000
#define HALF  0x3fe0000000000000
#define PINF  0x7ff0000000000000
#define NINF  0xfff0000000000000
#define QNAN  0x7ff8000000000000
#define QNAN1 0x7ff8000000000001
#define SNAN  0x7ff0000000000001
#define MAXN  0x7fefffffffffffff
#define MINN  0x0010000000000000
#define MINSUB 0x0000000000000001
#define PZERO 0x0000000000000000
#define NZERO 0x8000000000000000
#define EPS53 0x3ca0000000000000   /* 2^-53: half an ulp of 1.0 */

  .section .rodata
  .globl test_name
test_name: .asciz "rv64d"
  .data
  .balign 8
dbuf: .dword 0, 0
  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)
  csrw fcsr, zero

  PRINT "group arith\n"
  TEST_D_RR(fadd.d, rne, ONE, TWO, THREE, 0)
  TEST_D_RR(fsub.d, rne, ONE, TWO, MONE, 0)
  TEST_D_RR(fmul.d, rne, TWO, THREE, 0x4018000000000000, 0)
  TEST_D_RR(fdiv.d, rne, THREE, TWO, 0x3ff8000000000000, 0)
  TEST_D_RR(fsub.d, rdn, TWO, TWO, NZERO, 0)

  PRINT "group rounding\n"
  /* 1/3: guard bit 0, sticky 1 -> only RUP rounds up */
  TEST_D_RR(fdiv.d, rne, ONE, THREE, 0x3fd5555555555555, NX)
  TEST_D_RR(fdiv.d, rmm, ONE, THREE, 0x3fd5555555555555, NX)
  TEST_D_RR(fdiv.d, rup, ONE, THREE, 0x3fd5555555555556, NX)
  TEST_D_RR(fdiv.d, rtz, ONE, THREE, 0x3fd5555555555555, NX)
  TEST_D_RR(fdiv.d, rdn, MONE, THREE, 0xbfd5555555555556, NX)
  /* 2/3 = 1.0101..b x 2^-1, same fraction pattern */
  TEST_D_RR(fdiv.d, rne, TWO, THREE, 0x3fe5555555555555, NX)
  /* 1 + 2^-53: exact tie */
  TEST_D_RR(fadd.d, rne, ONE, EPS53, ONE, NX)
  TEST_D_RR(fadd.d, rmm, ONE, EPS53, 0x3ff0000000000001, NX)
  TEST_D_RR(fadd.d, rup, ONE, EPS53, 0x3ff0000000000001, NX)
  TEST_D_RR(fadd.d, rdn, ONE, EPS53, ONE, NX)
  TEST_D_RR(fadd.d, rtz, ONE, EPS53, ONE, NX)
  csrwi frm, RMM
  TEST_D_RR(fadd.d, dyn, ONE, EPS53, 0x3ff0000000000001, NX)
  csrwi frm, RNE

  PRINT "group exceptions\n"
  TEST_D_RR(fmul.d, rne, MAXN, TWO, PINF, OF|NX)
  TEST_D_RR(fmul.d, rtz, MAXN, TWO, MAXN, OF|NX)
  TEST_D_RR(fmul.d, rdn, MAXN, TWO, MAXN, OF|NX)
  TEST_D_RR(fmul.d, rne, MINN, HALF, 0x0008000000000000, 0)
  TEST_D_RR(fmul.d, rne, MINSUB, HALF, PZERO, UF|NX)
  TEST_D_RR(fmul.d, rmm, MINSUB, HALF, MINSUB, UF|NX)
  TEST_D_RR(fdiv.d, rne, MONE, PZERO, NINF, DZ)
  TEST_D_RR(fdiv.d, rne, PZERO, PZERO, QNAN, NV)
  TEST_D_RR(fsub.d, rne, PINF, PINF, QNAN, NV)
  TEST_D_RR(fadd.d, rne, QNAN1, ONE, QNAN, 0)
  TEST_D_RR(fmul.d, rne, SNAN, ONE, QNAN, NV)

  PRINT "group sqrt\n"
  TEST_D_R(fsqrt.d, rne, 0x4010000000000000, TWO, 0)
  TEST_D_R(fsqrt.d, rne, TWO, 0x3ff6a09e667f3bcd, NX)  /* rounds up */
  TEST_D_R(fsqrt.d, rtz, TWO, 0x3ff6a09e667f3bcc, NX)
  TEST_D_R(fsqrt.d, rdn, TWO, 0x3ff6a09e667f3bcc, NX)
  TEST_D_R(fsqrt.d, rne, MONE, QNAN, NV)
  TEST_D_R(fsqrt.d, rne, NZERO, NZERO, 0)

  PRINT "group fma\n"
  TEST_D_RRR(fmadd.d, rne, TWO, THREE, ONE, 0x401c000000000000, 0)   /* 7 */
  TEST_D_RRR(fmsub.d, rne, TWO, THREE, ONE, 0x4014000000000000, 0)   /* 5 */
  TEST_D_RRR(fnmsub.d, rne, TWO, THREE, ONE, 0xc014000000000000, 0)  /* -5 */
  TEST_D_RRR(fnmadd.d, rne, TWO, THREE, ONE, 0xc01c000000000000, 0)  /* -7 */
  /* (1+2^-27)^2 - (1+2^-26) = 2^-54 exactly, only if fused */
  TEST_D_RRR(fmadd.d, rne, 0x3ff0000002000000, 0x3ff0000002000000, 0xbff0000004000000, 0x3c90000000000000, 0)
  TEST_D_RRR(fmadd.d, rne, PZERO, NINF, QNAN1, QNAN, NV)
  TEST_D_RRR(fnmadd.d, rne, ONE, ONE, QNAN1, QNAN, 0)

  PRINT "group minmax\n"
  TEST_D_RR_NORM(fmin.d, ONE, TWO, ONE, 0)
  TEST_D_RR_NORM(fmax.d, ONE, TWO, TWO, 0)
  TEST_D_RR_NORM(fmin.d, PZERO, NZERO, NZERO, 0)
  TEST_D_RR_NORM(fmax.d, NZERO, PZERO, PZERO, 0)
  TEST_D_RR_NORM(fmin.d, QNAN1, MONE, MONE, 0)
  TEST_D_RR_NORM(fmax.d, ONE, SNAN, ONE, NV)
  TEST_D_RR_NORM(fmin.d, SNAN, SNAN, QNAN, NV)

  PRINT "group compare\n"
  TEST_D_CMP(feq.d, NZERO, PZERO, 1, 0)
  TEST_D_CMP(flt.d, MONE, ONE, 1, 0)
  TEST_D_CMP(fle.d, ONE, ONE, 1, 0)
  TEST_D_CMP(flt.d, ONE, ONE, 0, 0)
  TEST_D_CMP(feq.d, QNAN, ONE, 0, 0)
  TEST_D_CMP(feq.d, SNAN, SNAN, 0, NV)
  TEST_D_CMP(fle.d, QNAN, QNAN, 0, NV)

  PRINT "group classify\n"
  TEST_D_CLASS(NINF, 0x001)
  TEST_D_CLASS(MONE, 0x002)
  TEST_D_CLASS(0x800fffffffffffff, 0x004)
  TEST_D_CLASS(NZERO, 0x008)
  TEST_D_CLASS(PZERO, 0x010)
  TEST_D_CLASS(MINSUB, 0x020)
  TEST_D_CLASS(MAXN, 0x040)
  TEST_D_CLASS(PINF, 0x080)
  TEST_D_CLASS(SNAN, 0x100)
  TEST_D_CLASS(QNAN, 0x200)

  PRINT "group cvt\n"
  TEST_D_TOINT(fcvt.w.d, rne, 0x41dfffffffe00000, 0x7fffffff, NV)  /* 2^31-0.5 rounds to 2^31 */
  TEST_D_TOINT(fcvt.w.d, rtz, 0x41dfffffffe00000, 0x7fffffff, NX)
  TEST_D_TOINT(fcvt.w.d, rmm, 0xc004000000000000, -3, NX)          /* -2.5 */
  TEST_D_TOINT(fcvt.w.d, rne, 0xc004000000000000, -2, NX)
  TEST_D_TOINT(fcvt.w.d, rtz, QNAN, 0x7fffffff, NV)
  TEST_D_TOINT(fcvt.wu.d, rtz, 0x41efffffffe00000, 0xffffffffffffffff, 0)  /* 2^32-1 fits, sign-extended */
  TEST_D_TOINT(fcvt.wu.d, rtz, MONE, 0, NV)
  TEST_D_TOINT(fcvt.l.d, rtz, 0x43e0000000000000, 0x7fffffffffffffff, NV) /* 2^63 */
  TEST_D_TOINT(fcvt.l.d, rtz, 0xc3e0000000000000, 0x8000000000000000, 0)
  TEST_D_TOINT(fcvt.l.d, rup, 0x3ff8000000000000, 2, NX)           /* 1.5 */
  TEST_D_TOINT(fcvt.l.d, rdn, 0xbff8000000000000, -2, NX)
  TEST_D_TOINT(fcvt.lu.d, rtz, 0x43f0000000000000, -1, NV)         /* 2^64 */
  TEST_D_TOINT(fcvt.lu.d, rtz, 0x43efffffffffffff, 0xfffffffffffff800, 0)
  TEST_D_TOINT(fcvt.lu.d, rtz, NINF, 0, NV)
  li a0, 0x20000000000001                                         /* 2^53+1: tie */
  fcvt.d.l f4, a0, rne
  CHECKD(f4, 0x4340000000000000)
  CHECK_FLAGS(NX)
  fcvt.d.l f4, a0, rup
  CHECKD(f4, 0x4340000000000001)
  CHECK_FLAGS(NX)
  li a0, -1
  fcvt.d.w f4, a0
  CHECKD(f4, MONE)
  CHECK_FLAGS(0)
  fcvt.d.wu f4, a0                                                /* low 32 bits, unsigned */
  CHECKD(f4, 0x41efffffffe00000)
  CHECK_FLAGS(0)
  fcvt.d.lu f4, a0, rne
  CHECKD(f4, 0x43f0000000000000)
  CHECK_FLAGS(NX)

  PRINT "group sgnj\n"
  TEST_D_RR_NORM(fsgnj.d, ONE, NINF, MONE, 0)
  TEST_D_RR_NORM(fsgnjn.d, MONE, MONE, ONE, 0)
  TEST_D_RR_NORM(fsgnjx.d, MONE, MONE, ONE, 0)
  TEST_D_RR_NORM(fsgnjn.d, SNAN, PZERO, 0xfff0000000000001, 0)

  PRINT "group move\n"
  li a0, 0x0123456789abcdef
  fmv.d.x f5, a0
  fmv.x.d a1, f5
  CHECK(a1, 0x0123456789abcdef)
  la s0, dbuf
  fsd f5, 0(s0)
  ld a1, 0(s0)
  CHECK(a1, 0x0123456789abcdef)
  li a0, 0xfedcba9876543210
  sd a0, 8(s0)
  fld f6, 8(s0)
  CHECKD(f6, 0xfedcba9876543210)
  fsd f6, 1(s0)                                                   /* misaligned FP store */
  fld f7, 1(s0)
  CHECKD(f7, 0xfedcba9876543210)
  CHECK_FLAGS(0)

  ld ra, 8(sp)
  addi sp, sp, 16
  ret
