/* Integer benchmark in the spirit of CoreMark (written from scratch): list
 * traversal and sorting, small matrix multiply, a byte-driven state machine
 * and CRC16 over the results. Prints a checksum so runs can be compared. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 64
typedef struct node { struct node *next; int32_t key, val; } node;

static uint16_t crc16(uint16_t crc, uint32_t v) {
  for (int i = 0; i < 32; i++) {
    unsigned bit = (crc ^ v) & 1;
    crc >>= 1;
    v >>= 1;
    if (bit) crc ^= 0xa001;
  }
  return crc;
}

static node *list_sort(node *head) {  /* insertion sort by key */
  node *sorted = NULL;
  while (head) {
    node *n = head, **p = &sorted;
    head = head->next;
    while (*p && (*p)->key < n->key) p = &(*p)->next;
    n->next = *p;
    *p = n;
  }
  return sorted;
}

static int state_machine(const char *s) {
  int state = 0, transitions = 0;
  for (; *s; s++) {
    int c = (unsigned char)*s, next;
    switch (state) {
      case 0: next = (c >= '0' && c <= '9') ? 1 : (c == '-' ? 2 : 0); break;
      case 1: next = (c >= '0' && c <= '9') ? 1 : (c == '.' ? 3 : 0); break;
      case 2: next = (c >= '0' && c <= '9') ? 1 : 0; break;
      default: next = (c >= '0' && c <= '9') ? 3 : 0; break;
    }
    transitions += next != state;
    state = next;
  }
  return transitions;
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 3000;
  static int32_t a[N][N], b[N][N], c[N][N];
  static node pool[512];
  static char text[4096];
  uint32_t seed = 1;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      seed = seed * 1664525u + 1013904223u;
      a[i][j] = (int32_t)(seed >> 20) - 2048;
      b[i][j] = (int32_t)(seed >> 12 & 0xff) - 128;
    }
  for (int i = 0; i < (int)sizeof text - 1; i++) {
    seed = seed * 1664525u + 1013904223u;
    text[i] = "0123456789-.ab "[(seed >> 24) % 15];
  }
  uint16_t crc = 0;
  for (long it = 0; it < iterations; it++) {
    node *head = NULL;
    for (int i = 0; i < 512; i++) {
      seed = seed * 1664525u + 1013904223u;
      pool[i].key = (int32_t)(seed >> 16) ^ (int32_t)it;
      pool[i].val = i;
      pool[i].next = head;
      head = &pool[i];
    }
    head = list_sort(head);
    for (node *n = head; n; n = n->next) crc = crc16(crc, (uint32_t)n->val);
    if (it % 8 == 0) {
      for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
          int32_t s = 0;
          for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
          c[i][j] = s + (int32_t)it;
        }
      crc = crc16(crc, (uint32_t)c[it % N][(it / 8) % N]);
    }
    text[it % (sizeof text - 1)] = (char)('0' + it % 10);
    crc = crc16(crc, (uint32_t)state_machine(text));
  }
  printf("checksum %04x\n", crc);
  return 0;
}
