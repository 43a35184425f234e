/* libc string and sorting routines (many are hand-vectorised assembly in
 * glibc, so they stress unusual instruction mixes and misaligned access). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  char buf[256];
  strcpy(buf, "hello");
  strcat(buf, ", world");
  printf("%s len=%zu\n", buf, strlen(buf));
  printf("strchr=%s strrchr=%s strstr=%s\n", strchr(buf, 'o'), strrchr(buf, 'o'), strstr(buf, "wor"));
  printf("cmp %d %d %d\n", strcmp("abc", "abd") < 0, strncmp("abcX", "abcY", 3), memcmp("a\xff", "a\x01", 2) > 0);
  char tok[] = "alpha,beta,,gamma;delta";
  for (char *t = strtok(tok, ",;"); t; t = strtok(NULL, ",;")) printf("tok[%s]\n", t);
  char ov[32] = "0123456789abcdef";
  memmove(ov + 3, ov, 10);
  printf("memmove fwd %s\n", ov);
  memmove(ov, ov + 5, 8);
  printf("memmove back %s\n", ov);
  /* misaligned bulk operations */
  static char big[4096 + 16], big2[4096 + 16];
  for (int i = 0; i < 4096; i++) big[i + 3] = (char)(i * 7 + 1);
  memcpy(big2 + 5, big + 3, 4000);
  unsigned sum = 0;
  for (int i = 0; i < 4000; i++) sum = sum * 31 + (unsigned char)big2[i + 5];
  printf("memcpy checksum %u memcmp %d\n", sum, memcmp(big2 + 5, big + 3, 4000));
  memset(big + 1, 'z', 1000);
  big[1001] = 0;
  printf("memset strlen %zu\n", strlen(big + 1));
  char up[] = "Mixed Case 123";
  for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
  printf("upper %s\n", up);
  printf("strtol %ld %ld %lu\n", strtol("-12345", NULL, 10), strtol("0x7fff", NULL, 16), strtoul("777", NULL, 8));
  int n = snprintf(buf, 10, "%s-%d", "truncated", 12345);
  printf("snprintf %d [%s]\n", n, buf);

  int arr[1000];
  unsigned seed = 12345;
  for (int i = 0; i < 1000; i++) {
    seed = seed * 1103515245u + 12345u;
    arr[i] = (int)(seed >> 8) % 100000 - 50000;
  }
  qsort(arr, 1000, sizeof arr[0], cmp_int);
  printf("sorted %d %d %d %d\n", arr[0], arr[1], arr[500], arr[999]);
  int key = arr[321];
  int *hit = bsearch(&key, arr, 1000, sizeof arr[0], cmp_int);
  printf("bsearch found=%d\n", hit != NULL && *hit == key);
  const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "apricot"};
  char *w[7];
  for (int i = 0; i < 7; i++) w[i] = strdup(words[i]);
  qsort(w, 7, sizeof w[0], cmp_str);
  for (int i = 0; i < 7; i++) { printf("%s%s", i ? " " : "", w[i]); free(w[i]); }
  printf("\n");
  return 0;
}
