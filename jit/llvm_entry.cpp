#include "jit/llvm_entry.h"

#define XBYAK_NO_OP_NAMES
#include <xbyak/xbyak.h>

#include <cstddef>

#include "cpu/cpu_state.h"
#include "jit/llvm/lower_to_llvm.h"

namespace rwd::jit {

namespace {

constexpr size_t kStubBytes = 192;  // comfortably above the largest stub

struct EntryStub : Xbyak::CodeGenerator {
  EntryStub(CodeBuffer& b, const CompileEnv& env, const void* llvm_code, uint32_t block_flags)
      : Xbyak::CodeGenerator(b.remaining(), b.cursor()) {
    using namespace Xbyak::util;
    constexpr int kPc = offsetof(CpuState, pc);
    constexpr int kIcount = offsetof(CpuState, icount);
    constexpr int kLimit = offsetof(CpuState, icount_limit);
    mov(rax, qword[rbp + kLimit]);
    sub(rax, r14);
    mov(qword[rbp + kIcount], rax);
    mov(rdi, rbp);
    mov(rsi, r15);
    mov(rax, reinterpret_cast<uint64_t>(llvm_code));
    call(rax);  // rsp is 16-byte aligned on the translated-code frame
    mov(r14, qword[rbp + kLimit]);
    sub(r14, qword[rbp + kIcount]);
    Xbyak::Label to_dispatcher;
    test(eax, eax);
    static_assert(llvm_tier::kExitChain == 0);
    jnz(to_dispatcher, T_NEAR);
    mov(rax, qword[rbp + kPc]);
    if (env.jump_cache) {
      static_assert(sizeof(JumpCacheEntry) == 32);
      mov(ecx, eax);
      shr(ecx, 1);
      and_(ecx, kJumpCacheEntries - 1);
      shl(ecx, 5);
      mov(rdx, reinterpret_cast<uint64_t>(env.jump_cache));
      add(rdx, rcx);
      cmp(qword[rdx + offsetof(JumpCacheEntry, pc)], rax);
      jne(to_dispatcher, T_NEAR);
      cmp(qword[rdx + offsetof(JumpCacheEntry, flags)], int32_t(block_flags));
      jne(to_dispatcher, T_NEAR);
      mov(rdx, qword[rdx + offsetof(JumpCacheEntry, block)]);
      jmp(qword[rdx]);
    } else if (env.fast_table) {
      mov(ecx, eax);
      shr(ecx, 1);
      and_(ecx, uint32_t(env.fast_entries - 1));
      shl(ecx, 4);  // sizeof(FastEntry)
      mov(rdx, reinterpret_cast<uint64_t>(env.fast_table));
      add(rdx, rcx);
      cmp(qword[rdx], rax);
      jne(to_dispatcher, T_NEAR);
      mov(rdx, qword[rdx + 8]);
      test(rdx, rdx);
      jz(to_dispatcher, T_NEAR);
      jmp(qword[rdx]);
    }
    L(to_dispatcher);
    xor_(eax, eax);  // no chain site: the dispatcher looks cpu.pc up
    jmp(env.epilogue, T_NEAR);
    ready();
  }
};

}  // namespace

const uint8_t* emit_llvm_entry(CodeBuffer& buffer, const CompileEnv& env, const void* llvm_code,
                               uint32_t block_flags) {
  if (buffer.remaining() < kStubBytes) return nullptr;
  EntryStub stub(buffer, env, llvm_code, block_flags);
  buffer.commit(stub.getSize());
  return stub.getCode();
}

}  // namespace rwd::jit
