/* RV64C: every user-level compressed instruction, written with explicit
 * c.* mnemonics so the assembler cannot silently pick 32-bit encodings. */
#include "macros.h"
  .option rvc
  .section .rodata
  .globl test_name
test_name: .asciz "rvc"
  .data
  .balign 16
cbuf: .dword 0x1122334455667788, 0x99aabbccddeeff00, 0, 0
  .text
  .globl test_main
test_main:
  addi sp, sp, -64
  sd ra, 56(sp)

  PRINT "group alu\n"
  c.li a0, -32                  /* 6-bit signed immediate */
  CHECK(a0, -32)
  c.li a1, 31
  c.addi a1, -1
  CHECK(a1, 30)
  li a2, 0x7fffffff
  c.addiw a2, 1                 /* 32-bit wrap */
  CHECK(a2, 0xffffffff80000000)
  c.addiw a2, 0                 /* sext.w */
  CHECK(a2, 0xffffffff80000000)
  c.lui a3, 0xfffff             /* nzimm sign-extends: 0xfffff000 -> -4096 */
  CHECK(a3, -4096)
  c.lui a3, 1
  CHECK(a3, 0x1000)
  li s0, 0x8000000000000010
  c.srli s0, 4
  CHECK(s0, 0x0800000000000001)
  li s1, 0x8000000000000010
  c.srai s1, 4
  CHECK(s1, 0xf800000000000001)
  c.andi s1, -16
  CHECK(s1, 0xf800000000000000)
  li a0, 12
  li a1, 5
  c.sub a0, a1
  CHECK(a0, 7)
  c.xor a0, a1
  CHECK(a0, 2)
  c.or a0, a1
  CHECK(a0, 7)
  c.and a0, a1
  CHECK(a0, 5)
  li a0, 0x7fffffff
  li a1, 1
  c.addw a0, a1
  CHECK(a0, 0xffffffff80000000)
  li a0, 0
  c.subw a0, a1
  CHECK(a0, -1)
  li a4, 3
  c.slli a4, 62
  CHECK(a4, 0xc000000000000000)
  c.mv a5, a4
  CHECK(a5, 0xc000000000000000)
  c.add a5, a4                  /* wraps */
  CHECK(a5, 0x8000000000000000)
  c.nop
  mv t0, sp
  c.addi16sp sp, -64
  sub t1, t0, sp
  CHECK(t1, 64)
  c.addi4spn a0, sp, 16
  sub t1, a0, sp
  CHECK(t1, 16)
  c.addi16sp sp, 64

  PRINT "group mem\n"
  la s0, cbuf
  c.lw a0, 4(s0)
  CHECK(a0, 0x11223344)
  c.lw a0, 0(s0)                /* 0x55667788 positive */
  CHECK(a0, 0x55667788)
  c.ld a1, 8(s0)
  CHECK(a1, 0x99aabbccddeeff00)
  c.sw a1, 16(s0)
  c.sd a1, 24(s0)
  ld a2, 16(s0)
  CHECK(a2, 0x00000000ddeeff00)
  ld a2, 24(s0)
  CHECK(a2, 0x99aabbccddeeff00)
  c.fld fa0, 8(s0)
  c.fsd fa0, 16(s0)
  ld a2, 16(s0)
  CHECK(a2, 0x99aabbccddeeff00)
  /* sp-relative forms */
  li a0, 0xcafef00d12345678
  c.sdsp a0, 8(sp)
  c.ldsp a3, 8(sp)
  CHECK(a3, 0xcafef00d12345678)
  c.swsp a0, 16(sp)
  c.lwsp a4, 16(sp)
  CHECK(a4, 0x12345678)
  li a0, 0x87654321
  c.swsp a0, 20(sp)
  c.lwsp a4, 20(sp)             /* sign-extends */
  CHECK(a4, 0xffffffff87654321)
  c.fsdsp fa0, 24(sp)
  c.fldsp fa1, 24(sp)
  CHECKD(fa1, 0x99aabbccddeeff00)

  PRINT "group control\n"
  li a0, 0
  c.li s0, 0
  c.beqz s0, 3f                 /* taken */
  c.addi a0, 1
3: c.bnez s0, 3f                /* not taken */
  c.addi a0, 2
3: c.li s1, 1
  c.bnez s1, 3f                 /* taken */
  c.addi a0, 4
3: c.j 3f
  c.addi a0, 8
3: CHECK(a0, 2)
  la t0, 4f
  c.jr t0
  c.li a0, 9                    /* skipped */
4: CHECK(a0, 2)
  la t0, cleaf
  c.jalr t0                     /* links ra = pc + 2 */
5: la t1, 5b
  sub t1, ra, t1
  CHECK(t1, 0)
  CHECK(a0, 0x77)

  ld ra, 56(sp)
  addi sp, sp, 64
  ret
cleaf:
  c.li a0, 31
  c.addi a0, 31
  c.addi a0, 31
  c.addi a0, 26                 /* 119 = 0x77 */
  c.jr ra
