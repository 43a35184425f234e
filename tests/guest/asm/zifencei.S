/* Zifencei: self-modifying code. Code is copied into a RWX mapping, run,
 * patched, made visible with fence.i and run again; an emulator with a
 * translation cache must notice the patch. */
#include "macros.h"
#define PROT_RWX 7
#define MAP_PRIVATE_ANON 0x22
  .section .rodata
  .globl test_name
test_name: .asciz "zifencei"
  .text
  .globl test_main
test_main:
  addi sp, sp, -16
  sd ra, 8(sp)
  PRINT "group smc\n"
  li a0, 0
  li a1, 4096
  li a2, PROT_RWX
  li a3, MAP_PRIVATE_ANON
  li a4, -1
  li a5, 0
  li a7, SYS_mmap
  ecall
  mv s0, a0
  /* template: li a0, 1 ; ret  (two 32-bit instructions) */
  la t0, template
  lw t1, 0(t0)
  sw t1, 0(s0)
  lw t1, 4(t0)
  sw t1, 4(s0)
  fence.i
  jalr s0
  CHECK(a0, 1)
  /* patch the immediate: addi a0, zero, 2 */
  la t0, template2
  lw t1, 0(t0)
  sw t1, 0(s0)
  fence.i
  jalr s0
  CHECK(a0, 2)
  /* run it several times in a loop (hot code), then patch again */
  li s1, 0
  li a2, 100
3: jalr s0
  add s1, s1, a0
  addi a2, a2, -1
  bnez a2, 3b
  CHECK(s1, 200)
  la t0, template3
  lw t1, 0(t0)
  sw t1, 0(s0)
  fence.i
  jalr s0
  CHECK(a0, 3)
  ld ra, 8(sp)
  addi sp, sp, 16
  ret

  .option push
  .option norvc
template:  li a0, 1
  ret
template2: li a0, 2
template3: li a0, 3
  .option pop
