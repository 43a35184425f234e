/* finisher_fail: the sifive_test fail path. Writes (42 << 16) | 0x3333 to
 * the finisher, so the emulator must exit with status 42. */
#include "rt.h"

int main(void) {
  rt_puts("failing on purpose with code 42\n");
  rt_fail(42);
}
