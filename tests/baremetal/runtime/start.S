/* Boot code, trap entries and mode switching for the bare-metal tests
 * (see rt.h). */
#define FRAME 288
#define F_SP 16
#define F_EPC 256
#define F_CAUSE 264
#define F_TVAL 272
#define F_STATUS 280
#define MAGIC6 0x444f4e45
#define MAGIC7 0x52540000

  .section .text.init, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  /* CSRs as the machine left them at reset (rt_reset lives in .data). */
  la t0, rt_reset
  csrr t1, mstatus;    sd t1, 0(t0)
  csrr t1, misa;       sd t1, 8(t0)
  csrr t1, medeleg;    sd t1, 16(t0)
  csrr t1, mideleg;    sd t1, 24(t0)
  csrr t1, mie;        sd t1, 32(t0)
  csrr t1, mip;        sd t1, 40(t0)
  csrr t1, satp;       sd t1, 48(t0)
  csrr t1, mtvec;      sd t1, 56(t0)
  csrr t1, mcounteren; sd t1, 64(t0)
  csrr t1, mhartid;    sd t1, 72(t0)
  sd a0, 80(t0)
  sd a1, 88(t0)
  li t2, 0x200bff8
  ld t1, 0(t2);        sd t1, 96(t0)
  csrr t1, mcycle;     sd t1, 104(t0)
  csrr t1, minstret;   sd t1, 112(t0)

  csrr t0, mhartid
  bnez t0, park

  /* PMP entry 15: NAPOT over everything, RWX, so S and U may access memory
   * (entries 0-14 stay free for tests and take priority). Skipped if PMP
   * traps. */
  la t0, 1f
  csrw mtvec, t0
  li t0, -1
  csrw pmpaddr15, t0
  li t0, (0x1f << 56)
  csrw pmpcfg2, t0
  .align 2
1:
  /* FP usable (FS = Initial). */
  li t0, (1 << 13)
  csrs mstatus, t0
  csrw fcsr, zero

  la t0, rt_m_trap_entry
  csrw mtvec, t0
  la t0, rt_m_trap_stack_top
  csrw mscratch, t0
  la t0, rt_s_trap_entry
  csrw stvec, t0
  la t0, rt_s_trap_stack_top
  csrw sscratch, t0
  la sp, rt_stack_top

  la t0, __bss_start
  la t1, __bss_end
2: bgeu t0, t1, 3f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 2b
3:
  call main
  call rt_exit
park:
  wfi
  j park

/* ---- trap entries --------------------------------------------------- */
.macro SAVE_REGS
  sd x1, 8(sp)
  sd x3, 24(sp)
  sd x4, 32(sp)
  sd x5, 40(sp)
  sd x6, 48(sp)
  sd x7, 56(sp)
  sd x8, 64(sp)
  sd x9, 72(sp)
  sd x10, 80(sp)
  sd x11, 88(sp)
  sd x12, 96(sp)
  sd x13, 104(sp)
  sd x14, 112(sp)
  sd x15, 120(sp)
  sd x16, 128(sp)
  sd x17, 136(sp)
  sd x18, 144(sp)
  sd x19, 152(sp)
  sd x20, 160(sp)
  sd x21, 168(sp)
  sd x22, 176(sp)
  sd x23, 184(sp)
  sd x24, 192(sp)
  sd x25, 200(sp)
  sd x26, 208(sp)
  sd x27, 216(sp)
  sd x28, 224(sp)
  sd x29, 232(sp)
  sd x30, 240(sp)
  sd x31, 248(sp)
  sd x0, 0(sp)
.endm
.macro RESTORE_REGS
  ld x1, 8(sp)
  ld x3, 24(sp)
  ld x4, 32(sp)
  ld x5, 40(sp)
  ld x6, 48(sp)
  ld x7, 56(sp)
  ld x8, 64(sp)
  ld x9, 72(sp)
  ld x10, 80(sp)
  ld x11, 88(sp)
  ld x12, 96(sp)
  ld x13, 104(sp)
  ld x14, 112(sp)
  ld x15, 120(sp)
  ld x16, 128(sp)
  ld x17, 136(sp)
  ld x18, 144(sp)
  ld x19, 152(sp)
  ld x20, 160(sp)
  ld x21, 168(sp)
  ld x22, 176(sp)
  ld x23, 184(sp)
  ld x24, 192(sp)
  ld x25, 200(sp)
  ld x26, 208(sp)
  ld x27, 216(sp)
  ld x28, 224(sp)
  ld x29, 232(sp)
  ld x30, 240(sp)
  ld x31, 248(sp)
  ld x2, 16(sp)
.endm

  .text
  .align 6
  .globl rt_m_trap_entry
rt_m_trap_entry:
  csrrw sp, mscratch, sp
  addi sp, sp, -FRAME
  SAVE_REGS
  csrr t0, mscratch;  sd t0, F_SP(sp)
  csrr t0, mepc;      sd t0, F_EPC(sp)
  csrr t0, mcause;    sd t0, F_CAUSE(sp)
  csrr t0, mtval;     sd t0, F_TVAL(sp)
  csrr t0, mstatus;   sd t0, F_STATUS(sp)
  mv a0, sp
  call rt_m_trap_c
  ld t0, F_EPC(sp);    csrw mepc, t0
  ld t0, F_STATUS(sp); csrw mstatus, t0
  addi t0, sp, FRAME;  csrw mscratch, t0
  RESTORE_REGS
  mret

  .align 6
  .globl rt_s_trap_entry
rt_s_trap_entry:
  csrrw sp, sscratch, sp
  addi sp, sp, -FRAME
  SAVE_REGS
  csrr t0, sscratch;  sd t0, F_SP(sp)
  csrr t0, sepc;      sd t0, F_EPC(sp)
  csrr t0, scause;    sd t0, F_CAUSE(sp)
  csrr t0, stval;     sd t0, F_TVAL(sp)
  csrr t0, sstatus;   sd t0, F_STATUS(sp)
  mv a0, sp
  call rt_s_trap_c
  ld t0, F_EPC(sp);    csrw sepc, t0
  ld t0, F_STATUS(sp); csrw sstatus, t0
  addi t0, sp, FRAME;  csrw sscratch, t0
  RESTORE_REGS
  sret

/* ---- running code in a lower mode ----------------------------------- */
/* u64 rt_run(int mode, void (*fn)(u64), u64 arg) */
  .globl rt_run
rt_run:
  la t0, rt_lower_tramp
  mv t3, a1
  j 1f
/* u64 rt_run_at(int mode, u64 pc, u64 arg) */
  .globl rt_run_at
rt_run_at:
  mv t0, a1
1:
  la t1, rt_ctx
  sd ra, 0(t1)
  sd sp, 8(t1)
  sd s0, 16(t1)
  sd s1, 24(t1)
  sd s2, 32(t1)
  sd s3, 40(t1)
  sd s4, 48(t1)
  sd s5, 56(t1)
  sd s6, 64(t1)
  sd s7, 72(t1)
  sd s8, 80(t1)
  sd s9, 88(t1)
  sd s10, 96(t1)
  sd s11, 104(t1)
  csrr t2, mstatus
  sd t2, 112(t1)
  la t1, rt_in_run
  li t2, 1
  sd t2, 0(t1)
  csrw mepc, t0
  li t1, (3 << 11)
  csrc mstatus, t1
  slli t1, a0, 11
  csrs mstatus, t1
  mv a0, a2
  addi sp, sp, -128
  mret

rt_lower_tramp:
  jalr t3
  li a7, MAGIC7
  li a6, MAGIC6
  ecall
1: j 1b

/* Called by the M trap handler (C) to abandon the lower mode and return
 * from rt_run with a0 = value. */
  .globl rt_run_return
rt_run_return:
  la t0, rt_m_trap_stack_top
  csrw mscratch, t0
  la t0, rt_s_trap_stack_top
  csrw sscratch, t0
  la t1, rt_ctx
  ld ra, 0(t1)
  ld sp, 8(t1)
  ld s0, 16(t1)
  ld s1, 24(t1)
  ld s2, 32(t1)
  ld s3, 40(t1)
  ld s4, 48(t1)
  ld s5, 56(t1)
  ld s6, 64(t1)
  ld s7, 72(t1)
  ld s8, 80(t1)
  ld s9, 88(t1)
  ld s10, 96(t1)
  ld s11, 104(t1)
  ld t2, 112(t1)
  andi t2, t2, 8
  csrs mstatus, t2
  la t1, rt_in_run
  sd zero, 0(t1)
  ret

/* Called by the S handler to hand the end of rt_run on to M:
 * a0 = 0: ecall (from S), a0 = 1: ebreak. */
  .globl rt_s_escape
rt_s_escape:
  li a7, MAGIC7
  li a6, MAGIC6
  bnez a0, 1f
  ecall
1: ebreak
2: j 2b

  .data
  .align 3
rt_ctx: .space 128
  .globl rt_in_run
rt_in_run: .dword 0

/* Probes for rt_run (rt.h): a0 = address. */
  .text
  .globl rt_probe_load
rt_probe_load:
  ld t0, 0(a0)
  la t1, rt_probe_val
  sd t0, 0(t1)
  ret
  .globl rt_probe_store
rt_probe_store:
  li t0, 0x5707e
  sd t0, 0(a0)
  ret
  .globl rt_probe_exec
rt_probe_exec:
  jr a0

  .data
  .align 3
  .globl rt_probe_val
rt_probe_val: .dword 0
