#include "jit/llvm_entry.h"

#include <cstddef>

#include "cpu/cpu_state.h"
#include "jit/compiler.h"
#include "jit/llvm/lower_to_llvm.h"

namespace rwd::jit {

namespace {

constexpr size_t kStubBytes = 192;  // comfortably above the largest stub

struct EntryStub : Xbyak::CodeGenerator {
  EntryStub(CodeBuffer& b, const CompileEnv& env, const void* llvm_code, uint32_t block_flags,
            EntryCounters* counters)
      : Xbyak::CodeGenerator(b.remaining(), b.cursor()) {
    using namespace Xbyak::util;
    constexpr int kPc = offsetof(CpuState, pc);
    constexpr int kIcount = offsetof(CpuState, icount);
    constexpr int kLimit = offsetof(CpuState, icount_limit);
    mov(rax, qword[rbp + kLimit]);
    sub(rax, r14);
    mov(qword[rbp + kIcount], rax);
    mov(rbx, rax);  // callee-saved, and no template temp lives across a block boundary
    // Counted before the call: a stay that ends in an exception (an ecall, a fault) leaves
    // through the dispatcher's longjmp, not back here.
    mov(rdx, reinterpret_cast<uint64_t>(counters));
    add(qword[rdx + offsetof(EntryCounters, entries)], 1);
    mov(rdi, rbp);
    mov(rsi, r15);
    mov(rax, reinterpret_cast<uint64_t>(llvm_code));
    call(rax);  // rsp is 16-byte aligned on the translated-code frame
    // eax holds the ExitKind: the count and statistics use rcx and rdx.
    mov(rcx, qword[rbp + kIcount]);
    mov(r14, qword[rbp + kLimit]);
    sub(r14, rcx);
    sub(rcx, rbx);
    mov(rdx, reinterpret_cast<uint64_t>(counters));
    add(qword[rdx + offsetof(EntryCounters, insns)], rcx);
    Xbyak::Label to_dispatcher;
    test(eax, eax);
    static_assert(llvm_tier::kExitChain == 0);
    jnz(to_dispatcher, T_NEAR);
    mov(rax, qword[rbp + kPc]);
    if (env.jump_cache) {
      emit_jump_cache_jump(*this, env.jump_cache, block_flags, to_dispatcher);
    } else if (env.fast_table) {
      emit_fast_table_jump(*this, env, to_dispatcher);
    }
    L(to_dispatcher);
    xor_(eax, eax);  // no chain site: the dispatcher looks cpu.pc up
    jmp(env.epilogue, T_NEAR);
    ready();
  }
};

}  // namespace

const uint8_t* emit_llvm_entry(CodeBuffer& buffer, const CompileEnv& env, const void* llvm_code,
                               uint32_t block_flags, EntryCounters* counters) {
  if (buffer.remaining() < kStubBytes) return nullptr;
  EntryStub stub(buffer, env, llvm_code, block_flags, counters);
  buffer.commit(stub.getSize());
  return stub.getCode();
}

}  // namespace rwd::jit
