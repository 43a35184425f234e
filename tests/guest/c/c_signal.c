/* Signal delivery to guest handlers: raise(), a fault turned into a handler
 * call (SIGSEGV, SIGILL), siglongjmp out of the handler, sigprocmask. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf recover;
static volatile sig_atomic_t usr1_count;
static volatile int last_fault;

static void on_usr1(int sig) { usr1_count += sig == SIGUSR1; }
static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)ctx;
  last_fault = sig;
  if (sig == SIGSEGV) printf("fault addr 0x%lx\n", (unsigned long)info->si_addr);
  siglongjmp(recover, sig);
}

int main(void) {
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  kill(getpid(), SIGUSR1);
  printf("usr1 handled %d times\n", (int)usr1_count);

  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  raise(SIGUSR1);
  printf("while blocked %d\n", (int)usr1_count);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("after unblock %d\n", (int)usr1_count);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  if (sigsetjmp(recover, 1) == 0) {
    volatile long *bad = (long *)0x40;
    printf("reading %ld\n", *bad);
  }
  printf("recovered from %s\n", last_fault == SIGSEGV ? "SIGSEGV" : "?");
  if (sigsetjmp(recover, 1) == 0) {
    __asm__ volatile(".4byte 0");
  }
  printf("recovered from %s\n", last_fault == SIGILL ? "SIGILL" : "?");
  return 0;
}
