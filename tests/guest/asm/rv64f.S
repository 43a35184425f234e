/* RV64F: single precision. Every expected bit pattern and flag set is worked
 * out by hand from IEEE 754-2008 and the RISC-V F chapter (canonical NaN
 * 0x7fc00000, NaN-boxing, saturating conversions, fmin/fmax 2.2 semantics). */
#include "macros.h"
#define ONE   0x3f800000
#define TWO   0x40000000
#define THREE 0x40400000
#define MONE  0xbf800000
#define PINF  0x7f800000
#define NINF  0xff800000
#define QNAN  0x7fc00000
#define SNAN  0x7f800001
#define QNAN1 0x7fc00001
#define MAXN  0x7f7fffff
#define MINN  0x00800000
#define MINSUB 0x00000001
#define PZERO 0x00000000
#define NZERO 0x80000000
#define HALF  0x3f000000
#define EPS24 0x33800000   /* 2^-24: half an ulp of 1.0 */

  .section .rodata
  .globl test_name
test_name: .asciz "rv64f"
  .data
  .balign 8
fbuf: .dword 0, 0
  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)
  csrw fcsr, zero

  PRINT "group arith\n"
  TEST_S_RR(fadd.s, rne, ONE, TWO, THREE, 0)
  TEST_S_RR(fsub.s, rne, ONE, TWO, MONE, 0)
  TEST_S_RR(fmul.s, rne, TWO, THREE, 0x40c00000, 0)
  TEST_S_RR(fdiv.s, rne, THREE, TWO, 0x3fc00000, 0)
  TEST_S_RR(fsub.s, rne, ONE, ONE, PZERO, 0)          /* x - x = +0 in RNE */
  TEST_S_RR(fsub.s, rdn, ONE, ONE, NZERO, 0)          /* ... and -0 in RDN */
  TEST_S_RR(fadd.s, rne, NZERO, NZERO, NZERO, 0)
  TEST_S_RR(fadd.s, rne, NZERO, PZERO, PZERO, 0)

  PRINT "group rounding\n"
  /* 1/3 = 1.0101..b x 2^-2: guard 1, sticky 1 -> up for RNE/RUP/RMM */
  TEST_S_RR(fdiv.s, rne, ONE, THREE, 0x3eaaaaab, NX)
  TEST_S_RR(fdiv.s, rtz, ONE, THREE, 0x3eaaaaaa, NX)
  TEST_S_RR(fdiv.s, rdn, ONE, THREE, 0x3eaaaaaa, NX)
  TEST_S_RR(fdiv.s, rup, ONE, THREE, 0x3eaaaaab, NX)
  TEST_S_RR(fdiv.s, rmm, ONE, THREE, 0x3eaaaaab, NX)
  TEST_S_RR(fdiv.s, rdn, MONE, THREE, 0xbeaaaaab, NX)
  TEST_S_RR(fdiv.s, rup, MONE, THREE, 0xbeaaaaaa, NX)
  TEST_S_RR(fdiv.s, rtz, MONE, THREE, 0xbeaaaaaa, NX)
  /* 1 + 2^-24 is exactly halfway between 1.0 and 1+2^-23 */
  TEST_S_RR(fadd.s, rne, ONE, EPS24, ONE, NX)         /* ties to even */
  TEST_S_RR(fadd.s, rmm, ONE, EPS24, 0x3f800001, NX)  /* ties away */
  TEST_S_RR(fadd.s, rup, ONE, EPS24, 0x3f800001, NX)
  TEST_S_RR(fadd.s, rdn, ONE, EPS24, ONE, NX)
  TEST_S_RR(fadd.s, rtz, ONE, EPS24, ONE, NX)
  /* dynamic rounding mode from frm */
  csrwi frm, RUP
  TEST_S_RR(fadd.s, dyn, ONE, EPS24, 0x3f800001, NX)
  csrwi frm, RMM
  TEST_S_RR(fadd.s, dyn, ONE, EPS24, 0x3f800001, NX)
  csrwi frm, RTZ
  TEST_S_RR(fdiv.s, dyn, MONE, THREE, 0xbeaaaaaa, NX)
  csrwi frm, RDN
  TEST_S_RR(fdiv.s, dyn, MONE, THREE, 0xbeaaaaab, NX)
  csrwi frm, RNE
  TEST_S_RR(fadd.s, dyn, ONE, EPS24, ONE, NX)

  PRINT "group exceptions\n"
  TEST_S_RR(fmul.s, rne, MAXN, TWO, PINF, OF|NX)
  TEST_S_RR(fmul.s, rtz, MAXN, TWO, MAXN, OF|NX)
  TEST_S_RR(fmul.s, rdn, MAXN, TWO, MAXN, OF|NX)
  TEST_S_RR(fmul.s, rup, MAXN, TWO, PINF, OF|NX)
  TEST_S_RR(fmul.s, rmm, MAXN, TWO, PINF, OF|NX)
  TEST_S_RR(fmul.s, rne, MINN, HALF, 0x00400000, 0)   /* tiny but exact: no UF */
  TEST_S_RR(fmul.s, rne, MINSUB, HALF, PZERO, UF|NX)  /* 2^-150 ties to 0 */
  TEST_S_RR(fmul.s, rmm, MINSUB, HALF, MINSUB, UF|NX)
  TEST_S_RR(fmul.s, rup, MINSUB, HALF, MINSUB, UF|NX)
  TEST_S_RR(fdiv.s, rne, ONE, PZERO, PINF, DZ)
  TEST_S_RR(fdiv.s, rne, ONE, NZERO, NINF, DZ)
  TEST_S_RR(fdiv.s, rne, PZERO, PZERO, QNAN, NV)
  TEST_S_RR(fsub.s, rne, PINF, PINF, QNAN, NV)
  TEST_S_RR(fmul.s, rne, PZERO, PINF, QNAN, NV)
  TEST_S_RR(fadd.s, rne, QNAN1, ONE, QNAN, 0)         /* quiet NaN: canonical, no flag */
  TEST_S_RR(fadd.s, rne, SNAN, ONE, QNAN, NV)         /* signaling NaN: NV */
  TEST_S_RR(fdiv.s, rne, PINF, ONE, PINF, 0)
  /* flags accumulate until cleared */
  FLS_BITS(f1, ONE)
  FLS_BITS(f2, THREE)
  FLS_BITS(f3, PZERO)
  fdiv.s f4, f1, f2
  fdiv.s f4, f1, f3
  CHECK_FLAGS(NX|DZ)

  PRINT "group sqrt\n"
  TEST_S_R(fsqrt.s, rne, 0x40800000, TWO, 0)
  TEST_S_R(fsqrt.s, rne, TWO, 0x3fb504f3, NX)
  TEST_S_R(fsqrt.s, rtz, TWO, 0x3fb504f3, NX)
  TEST_S_R(fsqrt.s, rup, TWO, 0x3fb504f4, NX)
  TEST_S_R(fsqrt.s, rne, MONE, QNAN, NV)
  TEST_S_R(fsqrt.s, rne, NZERO, NZERO, 0)
  TEST_S_R(fsqrt.s, rne, PINF, PINF, 0)
  TEST_S_R(fsqrt.s, rne, SNAN, QNAN, NV)

  PRINT "group fma\n"
  TEST_S_RRR(fmadd.s, rne, TWO, THREE, ONE, 0x40e00000, 0)    /* 7 */
  TEST_S_RRR(fmsub.s, rne, TWO, THREE, ONE, 0x40a00000, 0)    /* 5 */
  TEST_S_RRR(fnmsub.s, rne, TWO, THREE, ONE, 0xc0a00000, 0)   /* -5 */
  TEST_S_RRR(fnmadd.s, rne, TWO, THREE, ONE, 0xc0e00000, 0)   /* -7 */
  /* single rounding: (1+2^-12)^2 - (1+2^-11) = 2^-24 exactly */
  TEST_S_RRR(fmadd.s, rne, 0x3f800800, 0x3f800800, 0xbf801000, EPS24, 0)
  /* inf * 0 + qNaN is invalid even though the addend is quiet */
  TEST_S_RRR(fmadd.s, rne, PINF, PZERO, QNAN, QNAN, NV)
  TEST_S_RRR(fmadd.s, rne, ONE, ONE, SNAN, QNAN, NV)
  TEST_S_RRR(fmadd.s, rne, PINF, ONE, NINF, QNAN, NV)
  TEST_S_RRR(fmadd.s, rdn, ONE, ONE, MONE, NZERO, 0)          /* exact zero sum is -0 in RDN */

  PRINT "group minmax\n"
  TEST_S_RR_NORM(fmin.s, ONE, TWO, ONE, 0)
  TEST_S_RR_NORM(fmax.s, ONE, TWO, TWO, 0)
  TEST_S_RR_NORM(fmin.s, NZERO, PZERO, NZERO, 0)
  TEST_S_RR_NORM(fmin.s, PZERO, NZERO, NZERO, 0)
  TEST_S_RR_NORM(fmax.s, NZERO, PZERO, PZERO, 0)
  TEST_S_RR_NORM(fmin.s, ONE, QNAN1, ONE, 0)          /* one NaN: the other operand */
  TEST_S_RR_NORM(fmax.s, QNAN1, ONE, ONE, 0)
  TEST_S_RR_NORM(fmin.s, ONE, SNAN, ONE, NV)          /* sNaN: NV, still the number */
  TEST_S_RR_NORM(fmax.s, SNAN, MONE, MONE, NV)
  TEST_S_RR_NORM(fmin.s, QNAN1, QNAN1, QNAN, 0)       /* both NaN: canonical */
  TEST_S_RR_NORM(fmax.s, SNAN, QNAN1, QNAN, NV)

  PRINT "group compare\n"
  TEST_S_CMP(feq.s, ONE, ONE, 1, 0)
  TEST_S_CMP(feq.s, NZERO, PZERO, 1, 0)
  TEST_S_CMP(flt.s, NZERO, PZERO, 0, 0)
  TEST_S_CMP(fle.s, NZERO, PZERO, 1, 0)
  TEST_S_CMP(flt.s, MONE, ONE, 1, 0)
  TEST_S_CMP(fle.s, TWO, ONE, 0, 0)
  TEST_S_CMP(feq.s, QNAN, QNAN, 0, 0)                 /* quiet compare: no flag */
  TEST_S_CMP(feq.s, SNAN, ONE, 0, NV)
  TEST_S_CMP(flt.s, QNAN, ONE, 0, NV)                 /* signaling compares */
  TEST_S_CMP(fle.s, ONE, QNAN, 0, NV)

  PRINT "group classify\n"
  TEST_S_CLASS(NINF, 0x001)
  TEST_S_CLASS(MONE, 0x002)
  TEST_S_CLASS(0x807fffff, 0x004)
  TEST_S_CLASS(NZERO, 0x008)
  TEST_S_CLASS(PZERO, 0x010)
  TEST_S_CLASS(MINSUB, 0x020)
  TEST_S_CLASS(MINN, 0x040)
  TEST_S_CLASS(PINF, 0x080)
  TEST_S_CLASS(SNAN, 0x100)
  TEST_S_CLASS(QNAN1, 0x200)

  PRINT "group cvt\n"
  /* ties: 2.5 and -2.5 under every rounding mode */
  TEST_S_TOINT(fcvt.w.s, rne, 0x40200000, 2, NX)
  TEST_S_TOINT(fcvt.w.s, rtz, 0x40200000, 2, NX)
  TEST_S_TOINT(fcvt.w.s, rdn, 0x40200000, 2, NX)
  TEST_S_TOINT(fcvt.w.s, rup, 0x40200000, 3, NX)
  TEST_S_TOINT(fcvt.w.s, rmm, 0x40200000, 3, NX)
  TEST_S_TOINT(fcvt.w.s, rne, 0xc0200000, -2, NX)
  TEST_S_TOINT(fcvt.w.s, rtz, 0xc0200000, -2, NX)
  TEST_S_TOINT(fcvt.w.s, rdn, 0xc0200000, -3, NX)
  TEST_S_TOINT(fcvt.w.s, rup, 0xc0200000, -2, NX)
  TEST_S_TOINT(fcvt.w.s, rmm, 0xc0200000, -3, NX)
  csrwi frm, RMM
  TEST_S_TOINT(fcvt.w.s, dyn, HALF, 1, NX)
  csrwi frm, RNE
  TEST_S_TOINT(fcvt.w.s, dyn, HALF, 0, NX)
  /* saturation: out of range and NaN give the limits with NV only */
  TEST_S_TOINT(fcvt.w.s, rtz, PINF, 0x7fffffff, NV)
  TEST_S_TOINT(fcvt.w.s, rtz, NINF, 0xffffffff80000000, NV)
  TEST_S_TOINT(fcvt.w.s, rtz, QNAN, 0x7fffffff, NV)
  TEST_S_TOINT(fcvt.w.s, rtz, 0x4f000000, 0x7fffffff, NV)       /* 2^31 */
  TEST_S_TOINT(fcvt.w.s, rtz, 0xcf000000, 0xffffffff80000000, 0) /* -2^31 fits */
  TEST_S_TOINT(fcvt.wu.s, rtz, MONE, 0, NV)
  TEST_S_TOINT(fcvt.wu.s, rtz, 0xbf000000, 0, NX)               /* -0.5 -> 0, in range */
  TEST_S_TOINT(fcvt.wu.s, rtz, 0x4f000000, 0xffffffff80000000, 0) /* 2^31, result sign-extended */
  TEST_S_TOINT(fcvt.wu.s, rtz, 0x4f800000, -1, NV)              /* 2^32 saturates */
  TEST_S_TOINT(fcvt.wu.s, rtz, QNAN, -1, NV)
  TEST_S_TOINT(fcvt.l.s, rtz, 0x5f000000, 0x7fffffffffffffff, NV) /* 2^63 */
  TEST_S_TOINT(fcvt.l.s, rtz, 0xdf000000, 0x8000000000000000, 0)
  TEST_S_TOINT(fcvt.l.s, rtz, QNAN, 0x7fffffffffffffff, NV)
  TEST_S_TOINT(fcvt.l.s, rtz, NINF, 0x8000000000000000, NV)
  TEST_S_TOINT(fcvt.lu.s, rtz, NINF, 0, NV)
  TEST_S_TOINT(fcvt.lu.s, rtz, SNAN, -1, NV)
  TEST_S_TOINT(fcvt.lu.s, rtz, 0x5f800000, -1, NV)              /* 2^64 */
  TEST_S_TOINT(fcvt.lu.s, rtz, 0x5f000000, 0x8000000000000000, 0)
  /* integer -> single */
  li a0, 0x7fffffff
  fcvt.s.w f4, a0, rne                                         /* 2^31 - 1 -> 2^31 */
  CHECKS(f4, 0x4f000000)
  CHECK_FLAGS(NX)
  fcvt.s.w f4, a0, rtz
  CHECKS(f4, 0x4effffff)
  CHECK_FLAGS(NX)
  li a0, 0xffffffff00000003                                    /* only low 32 bits used */
  fcvt.s.w f4, a0
  CHECKS(f4, THREE)
  CHECK_FLAGS(0)
  li a0, 0xffffffff
  fcvt.s.wu f4, a0, rne
  CHECKS(f4, 0x4f800000)
  CHECK_FLAGS(NX)
  li a0, -1
  fcvt.s.l f4, a0
  CHECKS(f4, MONE)
  CHECK_FLAGS(0)
  fcvt.s.lu f4, a0, rne
  CHECKS(f4, 0x5f800000)
  CHECK_FLAGS(NX)
  fcvt.s.lu f4, a0, rtz
  CHECKS(f4, 0x5f7fffff)
  CHECK_FLAGS(NX)
  /* double <-> single */
  TEST_S_R(fcvt.s.d, rne, 0x7fc00000, QNAN, 0)   /* improperly boxed input is fine here: source is double */
  FLD_BITS(f1, 0x3fd5555555555555)
  fcvt.s.d f4, f1, rne
  CHECKS(f4, 0x3eaaaaab)
  CHECK_FLAGS(NX)
  FLD_BITS(f1, 0x7fefffffffffffff)
  fcvt.s.d f4, f1, rne
  CHECKS(f4, PINF)
  CHECK_FLAGS(OF|NX)
  FLD_BITS(f1, 0x7ff0000000000001)
  fcvt.s.d f4, f1
  CHECKS(f4, QNAN)
  CHECK_FLAGS(NV)
  FLS_BITS(f1, SNAN)
  fcvt.d.s f4, f1
  CHECKD(f4, 0x7ff8000000000000)
  CHECK_FLAGS(NV)
  FLS_BITS(f1, 0x3fc00000)
  fcvt.d.s f4, f1
  CHECKD(f4, 0x3ff8000000000000)
  CHECK_FLAGS(0)

  PRINT "group sgnj\n"
  TEST_S_RR_NORM(fsgnj.s, ONE, MONE, MONE, 0)
  TEST_S_RR_NORM(fsgnjn.s, ONE, ONE, MONE, 0)
  TEST_S_RR_NORM(fsgnjx.s, MONE, MONE, ONE, 0)
  TEST_S_RR_NORM(fsgnjx.s, MONE, ONE, MONE, 0)
  TEST_S_RR_NORM(fsgnj.s, SNAN, MONE, 0xff800001, 0)  /* no canonicalisation, no flag */

  PRINT "group nanbox\n"
  /* a single whose upper 32 bits are not all ones reads as canonical NaN */
  li t0, 0x000000003f800000
  fmv.d.x f1, t0
  fadd.s f4, f1, f1
  CHECKS(f4, QNAN)
  CHECK_FLAGS(0)
  fclass.s a0, f1
  CHECK(a0, 0x200)
  FLS_BITS(f2, ONE)
  fsgnj.s f4, f1, f2                                  /* canonical NaN, sign of f2 */
  CHECKS(f4, QNAN)
  fmv.x.w a0, f1                                      /* transfer: low bits as-is */
  CHECK(a0, 0x3f800000)
  li t0, 0x12345678bf800000
  fmv.d.x f1, t0
  fmv.x.w a0, f1                                      /* sign-extends bit 31 */
  CHECK(a0, 0xffffffffbf800000)
  la s0, fbuf
  fsw f1, 0(s0)                                       /* stores the low 32 bits */
  lwu a0, 0(s0)
  CHECK(a0, 0xbf800000)
  li t0, 0x40490fdb
  sw t0, 4(s0)
  flw f4, 4(s0)                                       /* loads NaN-box */
  CHECKS(f4, 0x40490fdb)
  li a0, 0x123456789abcdef0
  fmv.w.x f4, a0                                      /* boxes the low 32 bits */
  CHECKS(f4, 0x9abcdef0)
  CHECK_FLAGS(0)

  ld ra, 8(sp)
  addi sp, sp, 16
  ret
