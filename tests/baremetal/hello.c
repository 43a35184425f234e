/* hello: the smallest test. Prints a line, checks it runs in M-mode on hart
 * 0 with a1 = device tree, and passes. */
#include "runtime/rt.h"

int main(void) {
  rt_puts("hello from bare metal\n");
  CHECK_EQ(1, "hart id 0", rt_reset.mhartid, 0);
  CHECK(2, "a1 points at a device tree",
        rt_reset.a1 != 0 && mmio_read32(rt_reset.a1) == 0xedfe0dd0);
  return rt_result();
}
