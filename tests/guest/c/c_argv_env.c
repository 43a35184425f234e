/* Process arguments, environment and auxiliary vector as set up by the
 * loader. The runner passes fixed arguments and a fixed environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv) {
  printf("argc %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = [%s]\n", i, argv[i]);
  printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);
  const char *v = getenv("REWIND_TEST_VAR");
  printf("REWIND_TEST_VAR=%s\n", v ? v : "(unset)");
  printf("MISSING=%s\n", getenv("REWIND_SURELY_MISSING") ? "set" : "(unset)");
  setenv("ADDED", "yes", 1);
  printf("ADDED=%s\n", getenv("ADDED"));
  printf("pagesz %lu\n", getauxval(AT_PAGESZ));
  printf("at_random set %d\n", getauxval(AT_RANDOM) != 0);
  printf("pid positive %d\n", getpid() > 0);
  printf("uid matches euid %d\n", getuid() == geteuid());
  return argc == 4 ? 0 : 3;
}
