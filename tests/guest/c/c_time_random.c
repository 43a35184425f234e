/* Time and randomness syscalls: results vary, so only properties are printed. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  time_t t = time(NULL);
  printf("time plausible %d\n", t > 1600000000);
  struct timespec a, b, res;
  printf("realtime %d\n", clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1600000000);
  printf("monotonic %d\n", clock_gettime(CLOCK_MONOTONIC, &a) == 0);
  struct timespec nap = {0, 2 * 1000 * 1000};
  printf("nanosleep %d\n", nanosleep(&nap, NULL) == 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  printf("monotonic advanced %d\n", ns > 0);
  printf("getres %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0);
  struct timeval tv;
  printf("gettimeofday %d\n", gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1600000000);
  unsigned char r1[32], r2[32];
  ssize_t n1 = getrandom(r1, sizeof r1, 0);
  ssize_t n2 = getrandom(r2, sizeof r2, 0);
  printf("getrandom %zd %zd differ %d\n", n1, n2, memcmp(r1, r2, sizeof r1) != 0);
  clock_t c = clock();
  volatile unsigned long spin = 0;
  for (unsigned long i = 0; i < 3000000; i++) spin += i;
  printf("clock non-negative %d\n", clock() >= c);
  return 0;
}
