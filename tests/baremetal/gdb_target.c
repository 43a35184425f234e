/* gdb_target: a small program for the scripted gdb sessions (tests/system/gdb_session.py):
 * a function called in a loop, a global it writes, and output to check that re-executed
 * console output is shown once. */
#include "runtime/rt.h"

volatile u64 counter;
volatile u64 trail[8];

__attribute__((noinline)) void bump(u64 step) {
  counter += step;
  trail[counter & 7] = counter;
}

int main(void) {
  for (u64 i = 1; i <= 10; ++i) {
    bump(i);
    if (i % 5 == 0) rt_puts("five more\n");
  }
  CHECK_EQ(1, "counter is the sum of 1..10", counter, 55);
  return rt_result();
}
