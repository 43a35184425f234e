/* Self-checking assembly test support (see rt.S).
 *
 * Register conventions for tests using these macros:
 *   t6 is scratch for every macro: never CHECK t6.
 *   t5 is scratch for the FP/CSR variants.
 *   PRINT/GROUP calls rt_puts, which clobbers ra, a0-a7 and t0-t6.
 * Expected values are written by hand from the ISA manual, never taken
 * from an emulator run.
 */
#define SYS_write 64
#define SYS_exit 93
#define SYS_mmap 222

/* CHECK(reg, value): count one check; on mismatch report line, got, want. */
#define CHECK(reg, val) check_impl reg, val, __LINE__
/* CHECKD(freg, bits64): compare the raw 64-bit register contents (so single
 * results are also checked for NaN-boxing: 0xffffffff in the upper half). */
#define CHECKD(freg, bits) fmv.x.d t5, freg; CHECK(t5, bits)
#define CHECKS(freg, bits32) fmv.x.d t5, freg; CHECK(t5, (0xffffffff00000000 | (bits32)))
/* CHECK_FLAGS(v): fflags must equal v; clears fflags for the next check. */
#define CHECK_FLAGS(val) csrrw t5, fflags, zero; CHECK(t5, val)

/* Flag bits (fflags): NV=0x10 DZ=0x08 OF=0x04 UF=0x02 NX=0x01 */
#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

/* Rounding modes */
#define RNE 0
#define RTZ 1
#define RDN 2
#define RUP 3
#define RMM 4
#define DYN 7

.macro check_impl reg, val, line
  li t6, \val
  beq \reg, t6, 1f
  mv t5, \reg
  addi sp, sp, -32
  sd ra, 0(sp)
  sd t5, 8(sp)
  sd t6, 16(sp)
  li t6, \line
  sd t6, 24(sp)
  call rt_check_failed
  ld ra, 0(sp)
  addi sp, sp, 32
1:
  la t6, rt_nchecks
  ld t5, 0(t6)
  addi t5, t5, 1
  sd t5, 0(t6)
.endm

/* PRINT "text": write a string literal to stdout. */
.macro PRINT text
  .pushsection .rodata
  2: .asciz "\text"
  .popsection
  la a0, 2b
  call rt_puts
.endm

/* Load a 64-bit / 32-bit bit pattern into an FP register (uses t5). */
#define FLD_BITS(freg, bits) li t5, bits; fmv.d.x freg, t5
#define FLS_BITS(freg, bits) li t5, bits; fmv.w.x freg, t5

/* One FP operation with fresh operands, checking result bits and fflags.
 * Operands go in f1/f2/f3 (as raw bit patterns), the result in f4. */
#define TEST_S_RR(op, rm, a, b, want, flags) \
  FLS_BITS(f1, a); FLS_BITS(f2, b); op f4, f1, f2, rm; CHECKS(f4, want); CHECK_FLAGS(flags)
#define TEST_S_R(op, rm, a, want, flags) \
  FLS_BITS(f1, a); op f4, f1, rm; CHECKS(f4, want); CHECK_FLAGS(flags)
#define TEST_S_RRR(op, rm, a, b, c, want, flags) \
  FLS_BITS(f1, a); FLS_BITS(f2, b); FLS_BITS(f3, c); op f4, f1, f2, f3, rm; CHECKS(f4, want); CHECK_FLAGS(flags)
/* Ops without a rounding mode (min/max/sgnj) */
#define TEST_S_RR_NORM(op, a, b, want, flags) \
  FLS_BITS(f1, a); FLS_BITS(f2, b); op f4, f1, f2; CHECKS(f4, want); CHECK_FLAGS(flags)
/* FP -> integer (fcvt.*) and compare/classify results in a0 */
#define TEST_S_TOINT(op, rm, a, want, flags) \
  FLS_BITS(f1, a); op a0, f1, rm; CHECK(a0, want); CHECK_FLAGS(flags)
#define TEST_S_CMP(op, a, b, want, flags) \
  FLS_BITS(f1, a); FLS_BITS(f2, b); op a0, f1, f2; CHECK(a0, want); CHECK_FLAGS(flags)

#define TEST_D_RR(op, rm, a, b, want, flags) \
  FLD_BITS(f1, a); FLD_BITS(f2, b); op f4, f1, f2, rm; CHECKD(f4, want); CHECK_FLAGS(flags)
#define TEST_D_R(op, rm, a, want, flags) \
  FLD_BITS(f1, a); op f4, f1, rm; CHECKD(f4, want); CHECK_FLAGS(flags)
#define TEST_D_RRR(op, rm, a, b, c, want, flags) \
  FLD_BITS(f1, a); FLD_BITS(f2, b); FLD_BITS(f3, c); op f4, f1, f2, f3, rm; CHECKD(f4, want); CHECK_FLAGS(flags)
#define TEST_D_RR_NORM(op, a, b, want, flags) \
  FLD_BITS(f1, a); FLD_BITS(f2, b); op f4, f1, f2; CHECKD(f4, want); CHECK_FLAGS(flags)
#define TEST_D_TOINT(op, rm, a, want, flags) \
  FLD_BITS(f1, a); op a0, f1, rm; CHECK(a0, want); CHECK_FLAGS(flags)
#define TEST_D_CMP(op, a, b, want, flags) \
  FLD_BITS(f1, a); FLD_BITS(f2, b); op a0, f1, f2; CHECK(a0, want); CHECK_FLAGS(flags)
#define TEST_S_CLASS(a, want) FLS_BITS(f1, a); fclass.s a0, f1; CHECK(a0, want); CHECK_FLAGS(0)
#define TEST_D_CLASS(a, want) FLD_BITS(f1, a); fclass.d a0, f1; CHECK(a0, want); CHECK_FLAGS(0)
