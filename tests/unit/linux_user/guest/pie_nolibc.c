// A position-independent program with no libc and no interpreter (the cross toolchain has no
// static-pie glibc): writes a line with raw syscalls and exits with 3.
static long raw_syscall3(long number, long a0, long a1, long a2) {
  register long a7_ __asm__("a7") = number;
  register long a0_ __asm__("a0") = a0;
  register long a1_ __asm__("a1") = a1;
  register long a2_ __asm__("a2") = a2;
  __asm__ volatile("ecall" : "+r"(a0_) : "r"(a7_), "r"(a1_), "r"(a2_) : "memory");
  return a0_;
}

static const char message[] = "hello from a static PIE\n";

void _start(void) {
  raw_syscall3(64 /* write */, 1, (long)message, sizeof message - 1);
  raw_syscall3(94 /* exit_group */, 3, 0, 0);
  for (;;) {
  }
}
