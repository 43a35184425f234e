// Demo guest program: an ASCII Mandelbrot set (floating point), a prime sieve (integers and
// memory) and a checksum, so one run exercises most of the emulator.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mandelbrot(int width, int height) {
  const char* shades = " .:-=+*#%@";
  for (int y = 0; y < height; ++y) {
    char line[256];
    for (int x = 0; x < width; ++x) {
      double cr = -2.2 + 3.0 * x / width, ci = -1.2 + 2.4 * y / height;
      double zr = 0, zi = 0;
      int n = 0;
      while (n < 200 && zr * zr + zi * zi < 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        ++n;
      }
      line[x] = shades[n == 200 ? 9 : n % 9];
    }
    line[width] = '\0';
    puts(line);
  }
}

static int count_primes(int limit) {
  char* composite = calloc(limit + 1, 1);
  int count = 0;
  for (int i = 2; i <= limit; ++i) {
    if (composite[i]) continue;
    ++count;
    for (long j = (long)i * i; j <= limit; j += i) composite[j] = 1;
  }
  free(composite);
  return count;
}

int main(int argc, char** argv) {
  mandelbrot(72, 24);
  int limit = argc > 1 ? atoi(argv[1]) : 2000000;
  printf("primes below %d: %d\n", limit, count_primes(limit));
  uint64_t h = 1469598103934665603ull;
  for (const char* p = "rewind"; *p; ++p) h = (h ^ (uint8_t)*p) * 1099511628211ull;
  printf("fnv1a(\"rewind\") = %016llx\n", (unsigned long long)h);
  return 0;
}
