/* Self-modifying code: code written into an RWX page, rewritten and run again — with the
 * cache-flush syscall, with fence.i only, with nothing at all (Linux and qemu run the new code),
 * and a store that rewrites an instruction later in the very block that performs it. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

typedef long (*fn0)(void);
typedef long (*fn2)(uint32_t* where, uint32_t insn);

static uint32_t li_a0(int imm) { return (uint32_t)(imm & 0xfff) << 20 | 10u << 7 | 0x13u; }
static const uint32_t kRet = 0x00008067u;  /* jalr x0, 0(ra) */
static const uint32_t kNop = 0x00000013u;

int main(void) {
  uint32_t* code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) return 1;
  fn0 f = (fn0)code;

  code[0] = li_a0(1);
  code[1] = kRet;
  __builtin___clear_cache((char*)code, (char*)(code + 2));
  printf("initial: %ld\n", f());

  code[0] = li_a0(2);
  __builtin___clear_cache((char*)code, (char*)(code + 2));
  printf("after cache flush: %ld\n", f());

  code[0] = li_a0(3);
  __asm__ volatile("fence.i" ::: "memory");
  printf("after fence.i: %ld\n", f());

  code[0] = li_a0(4);
  printf("after a plain store: %ld\n", f());

  /* sw a1, 12(a0); nop; nop; addi a0, x0, 5; ret — the store rewrites the addi. */
  uint32_t* g = code + 64;
  g[0] = 0x00b52623u;  /* sw a1, 12(a0) */
  g[1] = kNop;
  g[2] = kNop;
  g[3] = li_a0(5);
  g[4] = kRet;
  __builtin___clear_cache((char*)g, (char*)(g + 5));
  long r = ((fn2)g)(g, li_a0(5));
  printf("same block, unchanged: %ld\n", r);
  /* Whether this very call already sees the new addi is unspecified without fence.i (Rewind
   * does, qemu does not); the next call must. */
  ((fn2)g)(g, li_a0(6));
  r = ((fn2)g)(g, li_a0(6));
  printf("same block, rewritten ahead, next call: %ld\n", r);
  return 0;
}
