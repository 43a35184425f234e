// Prints its arguments and one environment variable; exits with 3 so the test sees the status.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("hello from riscv64: argc=%d", argc);
  for (int i = 1; i < argc; ++i) printf(" [%s]", argv[i]);
  const char* greeting = getenv("REWIND_GREETING");
  printf(" env=%s\n", greeting ? greeting : "(unset)");
  return 3;
}
