/* setjmp/longjmp (saves/restores callee-saved integer and FP registers),
 * deep recursion and function pointers. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth_reached;

static void dive(int depth) {
  volatile char pad[64];
  pad[0] = (char)depth;
  if (depth == 500) {
    depth_reached = depth + pad[0] - pad[0];
    longjmp(env, depth);
  }
  dive(depth + 1);
}

static long ackermann(long m, long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }

int main(void) {
  volatile int round = 0;
  volatile double fp_saved = 1.25;
  int v = setjmp(env);
  round++;
  printf("setjmp returned %d (round %d)\n", v, round);
  if (round == 1) {
    fp_saved = 2.5;
    dive(0);
  }
  printf("depth %d fp %.2f\n", depth_reached, fp_saved);
  jmp_buf inner;
  if (setjmp(inner) == 0) {
    printf("inner first\n");
    longjmp(inner, 0); /* longjmp with 0 must make setjmp return 1 */
  } else {
    printf("inner second\n");
  }
  printf("ackermann(2,3)=%ld ackermann(3,5)=%ld\n", ackermann(2, 3), ackermann(3, 5));
  int (*ops[])(int, int) = {add, mul};
  int acc = 1;
  for (int i = 0; i < 10; i++) acc = ops[i & 1](acc, i + 1);
  printf("fnptr %d\n", acc);
  return 0;
}
