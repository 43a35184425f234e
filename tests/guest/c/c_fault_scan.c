/* Hot loops that run off the end of a mapping into an unmapped page. The
 * fault must reach the handler at the exact access, once, with every earlier
 * iteration's effects in memory exactly once, whichever tier runs the loop
 * (the LLVM tier restarts such loops from a saved point and re-executes them
 * with template code: re-running an iteration twice, or from the loop's
 * start each time, would show here as a wrong sum or a hang). */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BYTES (1 << 20)

static sigjmp_buf recover;
static uintptr_t fault_addr;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  fault_addr = (uintptr_t)info->si_addr;
  siglongjmp(recover, 1);
}

/* Loads only: the whole loop is one block with no store. */
__attribute__((noinline)) static size_t scan(const volatile uint8_t *p, uint8_t stop) {
  size_t n = 0;
  while (p[n] != stop) n++;
  return n;
}

/* Loads and stores: each word is incremented in place. */
__attribute__((noinline)) static void bump(volatile uint32_t *p, size_t words) {
  for (size_t i = 0; i < words; i++) p[i] += 1;
}

static uint8_t *map_with_hole(void) {
  const long page = sysconf(_SC_PAGESIZE);
  uint8_t *base = mmap(NULL, BYTES + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
  if (base == MAP_FAILED) return NULL;
  munmap(base + BYTES, page);  /* the page after the buffer faults */
  return base;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);

  uint8_t *buf = map_with_hole();
  if (!buf) return 1;
  memset(buf, 1, BYTES);

  /* Warm the loops up (the auto tier compiles them with LLVM once hot). */
  unsigned long found = 0;
  for (int pass = 0; pass < 64; pass++) {
    buf[4096 + pass] = 0xff;
    found += scan(buf, 0xff);
    buf[4096 + pass] = 1;
    bump((volatile uint32_t *)buf, 1024);
  }
  printf("warm-up scans found %lu\n", found);

  if (sigsetjmp(recover, 1) == 0) {
    scan(buf, 0xff);
    printf("scan did not fault\n");
  } else {
    printf("scan faulted at buffer + 0x%lx\n", (unsigned long)(fault_addr - (uintptr_t)buf));
  }

  if (sigsetjmp(recover, 1) == 0) {
    bump((volatile uint32_t *)buf, BYTES / 4 + 16);
    printf("bump did not fault\n");
  } else {
    printf("bump faulted at buffer + 0x%lx\n", (unsigned long)(fault_addr - (uintptr_t)buf));
  }
  /* The warm-up added 64 to the first 1024 words, the faulting pass 1 to every word. */
  unsigned long sum = 0;
  for (size_t i = 0; i < BYTES / 4; i++) sum += ((uint32_t *)buf)[i];
  printf("sum of words 0x%lx (expected 0x%lx)\n", sum,
         (unsigned long)(BYTES / 4) * 0x01010102ul + 1024ul * 64);
  return 0;
}
