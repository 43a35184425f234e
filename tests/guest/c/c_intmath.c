/* Integer arithmetic through the compiler: 64/128-bit math, bit tricks,
 * division of negative numbers, a sieve and a CRC. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t crc32(const unsigned char *p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
  while (b) { uint64_t t = a % b; a = b; b = t; }
  return a;
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
  unsigned __int128 r = 1, x = b % m;
  while (e) {
    if (e & 1) r = r * x % m;
    x = x * x % m;
    e >>= 1;
  }
  return (uint64_t)r;
}

int main(void) {
  const char *s = "The quick brown fox jumps over the lazy dog";
  printf("crc32 %08" PRIx32 "\n", crc32((const unsigned char *)s, strlen(s)));
  printf("gcd %" PRIu64 "\n", gcd(1071u * 1000003u, 462u * 1000003u));
  printf("powmod %" PRIu64 "\n", powmod(2, 1000000, 1000000007));

  static unsigned char composite[100001];
  int count = 0;
  long long sum = 0;
  for (int i = 2; i <= 100000; i++) {
    if (composite[i]) continue;
    count++;
    sum += i;
    for (long j = (long)i * i; j <= 100000; j += i) composite[j] = 1;
  }
  printf("primes %d sum %lld\n", count, sum);

  int64_t vals[] = {7, -7, INT64_MAX, INT64_MIN + 1, 1000000007};
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    int64_t v = vals[i];
    printf("%" PRId64 " /3=%" PRId64 " %%3=%" PRId64 " >>1=%" PRId64 " u>>1=%" PRIx64 "\n", v, v / 3,
           v % 3, v >> 1, (uint64_t)v >> 1);
  }
  uint64_t x = 0x0123456789abcdefull;
  printf("popcount %d clz %d ctz %d bswap %016" PRIx64 "\n", __builtin_popcountll(x),
         __builtin_clzll(x), __builtin_ctzll(x << 4), __builtin_bswap64(x));
  unsigned __int128 big = (unsigned __int128)UINT64_MAX * UINT64_MAX;
  printf("u128 hi %016" PRIx64 " lo %016" PRIx64 "\n", (uint64_t)(big >> 64), (uint64_t)big);
  __int128 sbig = (__int128)INT64_MIN * 3;
  printf("s128 hi %016" PRIx64 " lo %016" PRIx64 "\n", (uint64_t)((unsigned __int128)sbig >> 64),
         (uint64_t)sbig);
  uint32_t h = 2166136261u;
  for (int i = 0; i < 1000000; i++) h = (h ^ (uint32_t)i) * 16777619u;
  printf("fnv %08" PRIx32 "\n", h);
  int32_t narrow = (int32_t)0x89abcdefu;
  printf("sext %016" PRIx64 " zext %016" PRIx64 "\n", (uint64_t)(int64_t)narrow,
         (uint64_t)(uint32_t)narrow);
  return 0;
}
