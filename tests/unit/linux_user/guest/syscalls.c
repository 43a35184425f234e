// Exercises the syscall and signal layer; prints one line per check and exits 0 when all pass.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;
#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      printf("FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
      ++failures;                                                \
    }                                                            \
  } while (0)

static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig) { usr1_seen = sig; }

static char* guarded_page;
static volatile sig_atomic_t segv_seen;
static void on_segv(int sig, siginfo_t* info, void* context) {
  (void)context;
  segv_seen = (info->si_addr == guarded_page) ? sig : -1;
  mprotect(guarded_page, 4096, PROT_READ | PROT_WRITE);  // returning retries the store
}

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/tmp";
  char path[512];
  snprintf(path, sizeof path, "%s/rewind_syscalls_test.txt", dir);

  // Files: write, stat, read back, unlink.
  int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "0123456789", 10) == 10);
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && st.st_size == 10 && S_ISREG(st.st_mode));
  CHECK(stat(path, &st) == 0 && st.st_size == 10);
  char buf[16] = {0};
  CHECK(pread(fd, buf, 4, 3) == 4 && memcmp(buf, "3456", 4) == 0);
  close(fd);
  CHECK(unlink(path) == 0);
  CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT);

  // Anonymous memory: mmap, mprotect, munmap, mremap via realloc, brk via malloc.
  char* p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  memset(p, 7, 3 * 4096);
  CHECK(munmap(p + 4096, 4096) == 0);
  CHECK(p[0] == 7 && p[2 * 4096] == 7);
  char* big = malloc(1 << 20);
  CHECK(big != NULL);
  memset(big, 1, 1 << 20);
  big = realloc(big, 8 << 20);
  CHECK(big != NULL && big[(1 << 20) - 1] == 1);
  free(big);
  char* small = malloc(100);
  CHECK(small != NULL);
  free(small);

  // Identity and randomness.
  struct utsname un;
  CHECK(uname(&un) == 0 && strcmp(un.machine, "riscv64") == 0);
  unsigned char random_bytes[32];
  CHECK(getrandom(random_bytes, sizeof random_bytes, 0) == sizeof random_bytes);
  printf("random %02x%02x%02x%02x\n", random_bytes[0], random_bytes[1], random_bytes[2],
         random_bytes[3]);

  // Signals: a handler run by raise(), and a SIGSEGV handler that repairs the fault.
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  CHECK(usr1_seen == SIGUSR1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  guarded_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  guarded_page[0] = 42;
  CHECK(segv_seen == SIGSEGV && guarded_page[0] == 42);

  printf("syscalls: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
