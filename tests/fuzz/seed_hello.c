#include <stdio.h>
int main(void) { puts("seed"); return 0; }
