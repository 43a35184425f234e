/* RV64I base integer instructions. Expected values from the ISA manual. */
#include "macros.h"
  .section .rodata
  .globl test_name
test_name: .asciz "rv64i"

  .data
  .balign 16
buf: .dword 0x8877665544332211, 0xfedcba9876543210
wbuf: .zero 32

  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)
  PRINT "group alu\n"
  li a0, 0x7fffffffffffffff
  addi a1, a0, 1
  CHECK(a1, 0x8000000000000000)          /* wraps, no trap */
  li a0, -5
  addi a1, a0, -2047
  CHECK(a1, -2052)
  li a0, 0x123
  li a2, 0x0f0
  and a3, a0, a2
  CHECK(a3, 0x020)
  or a3, a0, a2
  CHECK(a3, 0x1f3)
  xor a3, a0, a2
  CHECK(a3, 0x1d3)
  andi a3, a0, -16                     /* imm sign-extends to ...fff0 */
  CHECK(a3, 0x120)
  ori a3, zero, -1
  CHECK(a3, -1)
  xori a3, a0, -1                      /* not */
  CHECK(a3, ~0x123)
  sub a3, zero, a0
  CHECK(a3, -0x123)
  li a0, -1
  li a1, 1
  slt a2, a0, a1
  CHECK(a2, 1)
  sltu a2, a0, a1                      /* 0xfff..f > 1 unsigned */
  CHECK(a2, 0)
  slti a2, a0, 0
  CHECK(a2, 1)
  sltiu a2, a1, -1                     /* 1 < 0xfff..f */
  CHECK(a2, 1)
  sltiu a2, zero, 1                    /* seqz */
  CHECK(a2, 1)
  addi zero, a1, 5                     /* writes to x0 are discarded */
  CHECK(zero, 0)
  li a0, 0x7fffffff
  addiw a1, a0, 1                      /* 32-bit wrap, sign-extended */
  CHECK(a1, 0xffffffff80000000)
  li a0, 0x00000001ffffffff
  addiw a1, a0, 0                      /* sext.w */
  CHECK(a1, -1)
  li a0, 0x80000000
  li a2, 0x80000000
  addw a1, a0, a2
  CHECK(a1, 0)
  subw a1, zero, a0                    /* -(0x80000000) mod 2^32 = 0x80000000 */
  CHECK(a1, 0xffffffff80000000)
  li a0, 0x123456789
  li a2, 0x100000000
  subw a1, a0, a2                      /* upper bits ignored */
  CHECK(a1, 0x23456789)

  PRINT "group shift\n"
  li a0, 0x8000000000000001
  slli a1, a0, 1
  CHECK(a1, 2)
  srli a1, a0, 63
  CHECK(a1, 1)
  srai a1, a0, 63
  CHECK(a1, -1)
  srai a1, a0, 1
  CHECK(a1, 0xc000000000000000)
  li a2, 65                            /* shift amount uses low 6 bits */
  sll a1, a0, a2
  CHECK(a1, 2)
  srl a1, a0, a2
  CHECK(a1, 0x4000000000000000)
  sra a1, a0, a2
  CHECK(a1, 0xc000000000000000)
  li a0, 0x00000000c0000001
  slliw a1, a0, 1                      /* 0x80000002 sign-extended */
  CHECK(a1, 0xffffffff80000002)
  srliw a1, a0, 1                      /* logical on low 32: 0x60000000 */
  CHECK(a1, 0x60000000)
  sraiw a1, a0, 1                      /* 0xe0000000 sign-extended */
  CHECK(a1, 0xffffffffe0000000)
  li a2, 33                            /* *w shifts use low 5 bits */
  sllw a1, a0, a2
  CHECK(a1, 0xffffffff80000002)
  srlw a1, a0, a2
  CHECK(a1, 0x60000000)
  sraw a1, a0, a2
  CHECK(a1, 0xffffffffe0000000)
  srliw a1, a0, 0                      /* shift by 0 still sign-extends */
  CHECK(a1, 0xffffffffc0000001)

  PRINT "group upper\n"
  lui a0, 0x80000                      /* sign-extended on RV64 */
  CHECK(a0, 0xffffffff80000000)
  lui a0, 0x7ffff
  CHECK(a0, 0x7ffff000)
3: auipc a0, 0
  la a1, 3b
  sub a2, a0, a1
  CHECK(a2, 0)
4: auipc a0, 1                           /* pc + 0x1000 */
  la a1, 4b
  sub a2, a0, a1
  CHECK(a2, 0x1000)
5: auipc a0, 0xfffff                     /* pc - 0x1000 */
  la a1, 5b
  sub a2, a0, a1
  CHECK(a2, -0x1000)

  PRINT "group load\n"
  la s0, buf
  lb a0, 0(s0)
  CHECK(a0, 0x11)
  lb a0, 7(s0)                         /* 0x88 sign-extends */
  CHECK(a0, 0xffffffffffffff88)
  lbu a0, 7(s0)
  CHECK(a0, 0x88)
  lh a0, 6(s0)
  CHECK(a0, 0xffffffffffff8877)
  lhu a0, 6(s0)
  CHECK(a0, 0x8877)
  lw a0, 4(s0)
  CHECK(a0, 0xffffffff88776655)
  lwu a0, 4(s0)
  CHECK(a0, 0x88776655)
  lw a0, 0(s0)
  CHECK(a0, 0x44332211)
  ld a0, 8(s0)
  CHECK(a0, 0xfedcba9876543210)
  addi s1, s0, 16
  ld a0, -16(s1)                       /* negative offset */
  CHECK(a0, 0x8877665544332211)
  lh a0, 3(s0)                         /* misaligned: Linux user mode must still work */
  CHECK(a0, 0x5544)
  lw a0, 5(s0)
  CHECK(a0, 0x10887766)
  ld a0, 1(s0)
  CHECK(a0, 0x1088776655443322)

  PRINT "group store\n"
  la s1, wbuf
  li a0, 0x0123456789abcdef
  sd a0, 0(s1)
  li a1, 0xaa
  sb a1, 0(s1)
  li a1, 0xbbcc
  sh a1, 2(s1)
  li a1, 0xffffffff11223344             /* sw stores only the low 32 bits */
  sw a1, 4(s1)
  ld a0, 0(s1)
  CHECK(a0, 0x11223344bbcccdaa)          /* bytes aa cd cc bb 44 33 22 11 */
  li a1, 0x5566
  sh a1, 9(s1)                         /* misaligned halfword store */
  sd a1, 17(s1)                        /* misaligned doubleword store */
  ld a0, 8(s1)
  CHECK(a0, 0x556600)
  ld a0, 16(s1)
  CHECK(a0, 0x556600)

  PRINT "group branch\n"
  li a0, 0
  li a1, -1
  li a2, 1
  blt a1, a2, 6f                       /* signed: taken */
  addi a0, a0, 1
6: bltu a1, a2, 6f                      /* unsigned: not taken */
  addi a0, a0, 2
6: bge a2, a1, 6f                       /* taken */
  addi a0, a0, 4
6: bgeu a2, a1, 6f                      /* not taken */
  addi a0, a0, 8
6: beq a2, a2, 6f
  addi a0, a0, 16
6: bne a2, a2, 6f
  addi a0, a0, 32
6: bge a1, a1, 6f                       /* equal: taken */
  addi a0, a0, 64
6: CHECK(a0, 2 + 8 + 32)
  /* backward branch loop: sum 1..10 */
  li a0, 0
  li a1, 10
7: add a0, a0, a1
  addi a1, a1, -1
  bnez a1, 7b
  CHECK(a0, 55)

  PRINT "group jump\n"
  jal a0, 8f                           /* link = address of next insn */
8: la a1, 8b
  sub a2, a1, a0
  CHECK(a2, 0)
  la a1, 9f
  li a0, 0
  jalr a2, 1(a1)                       /* jalr clears bit 0 of the target */
  li a0, 99
9: CHECK(a0, 0)
  la a1, 9f
  jalr a3, 0(a1)
3: li a0, 77                            /* skipped; a3 = its address */
9: la a4, 3b
  sub a4, a3, a4
  CHECK(a4, 0)
  CHECK(a0, 0)
  call leaf
  CHECK(a0, 0x1234)
  /* jalr with rd == rs1: the target uses the old value of rs1 */
  la t0, 9f
  jalr t0, 0(t0)
3: li a0, 5                             /* skipped; t0 = its address */
9: la t1, 3b
  sub t1, t0, t1
  CHECK(t1, 0)
  CHECK(a0, 0x1234)

  PRINT "group misc\n"
  fence
  fence rw, rw
  fence.tso
  li a0, 3
  nop
  CHECK(a0, 3)

  ld ra, 8(sp)
  addi sp, sp, 16
  ret

leaf:
  li a0, 0x1234
  ret
