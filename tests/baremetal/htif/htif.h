/* riscv-tests style HTIF: the host watches the ELF symbol `tohost`; a write
 * of (code << 1) | 1 ends the run with exit status `code` (0 = pass).
 * Shared by the htif_*.S tests (no UART, no runtime). QEMU insists that
 * tohost is an 8-byte object symbol. */
#define HTIF_SECTION                      \
  .section .tohost, "aw", @progbits;     \
  .align 6;                              \
  .globl tohost;                         \
  .type tohost, @object;                 \
  .size tohost, 8;                       \
tohost: .dword 0;                        \
  .align 6;                              \
  .globl fromhost;                       \
  .type fromhost, @object;               \
  .size fromhost, 8;                     \
fromhost: .dword 0

/* HTIF_EXIT(code): write (code << 1) | 1 to tohost, forever. */
#define HTIF_EXIT(code)                  \
  li t0, ((code) << 1) | 1;              \
  la t1, tohost;                         \
1: sd t0, 0(t1);                         \
  j 1b
