/* Tiny freestanding runtime for the assembly guest tests: _start calls
 * test_main, then prints "<name>: N checks, M failed" and exits 1 on any
 * failure. No libc, so the tests exercise only the emulator and syscalls
 * write/exit. */
#include "macros.h"

  .text
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  call test_main
  la a0, test_name
  call rt_puts
  la a0, msg_colon
  call rt_puts
  la t0, rt_nchecks
  ld a0, 0(t0)
  call rt_put_dec
  la a0, msg_checks
  call rt_puts
  la t0, rt_nfailed
  ld a0, 0(t0)
  call rt_put_dec
  la a0, msg_failed
  call rt_puts
  la t0, rt_nfailed
  ld a0, 0(t0)
  snez a0, a0
  li a7, SYS_exit
  ecall

/* rt_puts(a0 = NUL-terminated string). Clobbers a0-a7, t0. */
  .globl rt_puts
rt_puts:
  mv a1, a0
  mv t0, a0
1: lbu a2, 0(t0)
  beqz a2, 2f
  addi t0, t0, 1
  j 1b
2: sub a2, t0, a1
  li a0, 1
  li a7, SYS_write
  ecall
  ret

/* rt_put_hex(a0): "0x" + 16 hex digits. Clobbers a0-a7, t0-t2. */
  .globl rt_put_hex
rt_put_hex:
  addi sp, sp, -32
  li t0, '0'
  sb t0, 0(sp)
  li t0, 'x'
  sb t0, 1(sp)
  li t1, 60
  addi t2, sp, 2
1: srl t0, a0, t1
  andi t0, t0, 15
  addi t0, t0, '0'
  li a1, '9'
  ble t0, a1, 2f
  addi t0, t0, 'a' - '0' - 10
2: sb t0, 0(t2)
  addi t2, t2, 1
  addi t1, t1, -4
  bgez t1, 1b
  li a0, 1
  mv a1, sp
  li a2, 18
  li a7, SYS_write
  ecall
  addi sp, sp, 32
  ret

/* rt_put_dec(a0): unsigned decimal. Clobbers a0-a7, t0-t2. */
  .globl rt_put_dec
rt_put_dec:
  addi sp, sp, -32
  addi t2, sp, 32
  li t1, 10
1: remu t0, a0, t1
  divu a0, a0, t1
  addi t0, t0, '0'
  addi t2, t2, -1
  sb t0, 0(t2)
  bnez a0, 1b
  mv a1, t2
  addi a2, sp, 32
  sub a2, a2, t2
  li a0, 1
  li a7, SYS_write
  ecall
  addi sp, sp, 32
  ret

/* Called by check_impl with got/want/line at 8/16/24(sp) of the caller's
 * frame. Preserves every register except ra and t6. */
  .globl rt_check_failed
rt_check_failed:
  addi sp, sp, -128
  sd a0, 0(sp)
  sd a1, 8(sp)
  sd a2, 16(sp)
  sd a3, 24(sp)
  sd a4, 32(sp)
  sd a5, 40(sp)
  sd a6, 48(sp)
  sd a7, 56(sp)
  sd t0, 64(sp)
  sd t1, 72(sp)
  sd t2, 80(sp)
  sd t5, 88(sp)
  sd ra, 96(sp)
  la t0, rt_nfailed
  ld t1, 0(t0)
  addi t1, t1, 1
  sd t1, 0(t0)
  la a0, msg_fail
  call rt_puts
  ld a0, 128+24(sp)
  call rt_put_dec
  la a0, msg_got
  call rt_puts
  ld a0, 128+8(sp)
  call rt_put_hex
  la a0, msg_want
  call rt_puts
  ld a0, 128+16(sp)
  call rt_put_hex
  la a0, msg_nl
  call rt_puts
  ld a0, 0(sp)
  ld a1, 8(sp)
  ld a2, 16(sp)
  ld a3, 24(sp)
  ld a4, 32(sp)
  ld a5, 40(sp)
  ld a6, 48(sp)
  ld a7, 56(sp)
  ld t0, 64(sp)
  ld t1, 72(sp)
  ld t2, 80(sp)
  ld t5, 88(sp)
  ld ra, 96(sp)
  addi sp, sp, 128
  ret

  .section .rodata
msg_colon: .asciz ": "
msg_checks: .asciz " checks, "
msg_failed: .asciz " failed\n"
msg_fail: .asciz "FAIL line "
msg_got: .asciz ": got "
msg_want: .asciz " want "
msg_nl: .asciz "\n"

  .data
  .balign 8
  .globl rt_nchecks
rt_nchecks: .dword 0
rt_nfailed: .dword 0
