/* Allocator stress: many small/large blocks, realloc growth, calloc zeroing,
 * and big allocations that glibc satisfies with mmap (brk and mmap paths). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 2463534242u;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

int main(void) {
  enum { SLOTS = 2000, ROUNDS = 60000 };
  static unsigned char *slot[SLOTS];
  static size_t size[SLOTS];
  uint64_t checksum = 0;
  for (int r = 0; r < ROUNDS; r++) {
    int i = (int)(next() % SLOTS);
    if (slot[i]) {
      for (size_t k = 0; k < size[i]; k += 7) checksum += slot[i][k];
      free(slot[i]);
      slot[i] = NULL;
    } else {
      size[i] = (next() % 8 == 0) ? next() % 20000 : next() % 200 + 1;
      slot[i] = malloc(size[i] ? size[i] : 1);
      if (!slot[i]) { printf("malloc failed\n"); return 1; }
      memset(slot[i], (int)(r & 0xff), size[i]);
    }
  }
  for (int i = 0; i < SLOTS; i++) free(slot[i]);
  printf("churn checksum %llu\n", (unsigned long long)checksum);

  char *s = NULL;
  size_t len = 0;
  for (int i = 0; i < 5000; i++) {
    s = realloc(s, len + 8);
    len += (size_t)sprintf(s + len, "%d,", i % 97);
  }
  unsigned h = 0;
  for (size_t i = 0; i < len; i++) h = h * 131 + (unsigned char)s[i];
  printf("realloc len %zu hash %u\n", len, h);
  free(s);

  int *z = calloc(100000, sizeof *z);
  long nz = 0;
  for (int i = 0; i < 100000; i++) nz += z[i] != 0;
  printf("calloc nonzero %ld\n", nz);
  free(z);

  for (int round = 0; round < 5; round++) {
    size_t n = (size_t)(round + 1) * 8 * 1024 * 1024; /* mmap-backed */
    unsigned char *big = malloc(n);
    for (size_t k = 0; k < n; k += 4096) big[k] = (unsigned char)(k >> 12);
    unsigned long sum = 0;
    for (size_t k = 0; k < n; k += 4096) sum += big[k];
    printf("big %zu MiB sum %lu\n", n >> 20, sum);
    free(big);
  }
  void *aligned = aligned_alloc(4096, 8192);
  printf("aligned %d\n", ((uintptr_t)aligned & 4095) == 0);
  free(aligned);
  return 0;
}
