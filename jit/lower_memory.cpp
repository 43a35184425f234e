// Templates for guest memory and CpuState (env) accesses.
#include <algorithm>
#include <cstddef>

#include "cpu/code_flags.h"
#include "cpu/cpu_state.h"
#include "jit/compiler.h"

namespace rwd::jit {

using ir::Opcode;
using Xbyak::Reg64;

namespace {

constexpr int64_t kOffIcount = offsetof(CpuState, icount);
constexpr int64_t kOffIcountLimit = offsetof(CpuState, icount_limit);
constexpr int64_t kOffInsnIndex = offsetof(CpuState, insn_index);

}  // namespace

// Accesses of 1, 2, 4 or 8 bytes at `at`: loads extend to 64 bits (sign or zero), stores write
// the low bytes of a register or of a sign-extended 32-bit immediate.
void Compiler::emit_sized_load(const Reg64& d, const Xbyak::RegExp& at, unsigned bytes,
                               bool is_signed) {
  switch (bytes) {
    case 1: is_signed ? movsx(d, byte[at]) : movzx(d.cvt32(), byte[at]); break;
    case 2: is_signed ? movsx(d, word[at]) : movzx(d.cvt32(), word[at]); break;
    case 4: is_signed ? movsxd(d, dword[at]) : mov(d.cvt32(), dword[at]); break;
    default: mov(d, qword[at]); break;
  }
}

void Compiler::emit_sized_store(const Xbyak::RegExp& at, unsigned bytes, const Reg64& value) {
  switch (bytes) {
    case 1: mov(byte[at], value.cvt8()); break;
    case 2: mov(word[at], value.cvt16()); break;
    case 4: mov(dword[at], value.cvt32()); break;
    default: mov(qword[at], value); break;
  }
}

void Compiler::emit_sized_store_imm(const Xbyak::RegExp& at, unsigned bytes, int32_t imm) {
  switch (bytes) {
    case 1: mov(byte[at], uint8_t(imm)); break;
    case 2: mov(word[at], uint16_t(imm)); break;
    case 4: mov(dword[at], uint32_t(imm)); break;
    default: mov(qword[at], imm); break;
  }
}

uint32_t Compiler::record_fault_globals(const std::vector<LiveGlobal>& live) {
  // Consecutive accesses usually see the same dirty registers: share the previous range.
  auto& all = out_.fault_globals;
  if (!out_.fault_sites.empty()) {
    const FaultSite& last = out_.fault_sites.back();
    if (last.n_globals == live.size() &&
        std::equal(live.begin(), live.end(), all.begin() + last.first_global)) {
      return last.first_global;
    }
  }
  const auto first = uint32_t(all.size());
  all.insert(all.end(), live.begin(), live.end());
  return first;
}

void Compiler::lower_env_access(const ir::Op& op) {
  const unsigned bytes = mem_op_bytes(op.memop);
  const bool is_signed = op.memop & kMemSigned;
  if (op.imm == kOffIcount && bytes == 8) {
    // The count lives in kBudgetReg (as limit - icount) while translated code runs.
    if (op.opc == Opcode::k_ld_env) {
      emit_icount_to(def(op.out()));
    } else {
      mov_temp_to(rcx, op.in(0));
      mov(kBudgetReg, qword[rbp + kOffIcountLimit]);
      sub(kBudgetReg, rcx);
      icount_written_ = false;
    }
    return;
  }
  // A partial access to the count goes through the memory copy, made current first; a partial
  // store is then read back into the register.
  const bool partial_icount = op.imm < kOffIcount + 8 && op.imm + int64_t(bytes) > kOffIcount;
  if (partial_icount) write_icount();
  if (op.opc == Opcode::k_ld_env) {
    const Reg64 d = def(op.out());
    const Xbyak::RegExp at = rbp + op.imm;
    emit_sized_load(d, at, bytes, is_signed);
    return;
  }
  const ir::TempId v = op.in(0);
  if (fits_imm32(v) && bytes == 8) {
    emit_sized_store_imm(rbp + op.imm, bytes, int32_t(const_value(v)));
  } else {
    emit_sized_store(rbp + op.imm, bytes, use(v));
  }
  if (partial_icount) {
    mov(kBudgetReg, qword[rbp + kOffIcountLimit]);
    sub(kBudgetReg, qword[rbp + kOffIcount]);
  }
}

void Compiler::lower_tlb_access(const ir::Op& op) {
  // The hit path probes the block's TLB: the entry at (addr >> 12) % kTlbEntries hits when its
  // tag equals the page of the access's last byte (so accesses crossing a page miss) with the
  // low bits of a required alignment kept (so misaligned atomics miss); the host address is
  // then addr + host_offset. Misses call the memory's load/store, which fill the entry or
  // raise, and return here with every host register as it was.
  static_assert(sizeof(TlbEntry) == 32);
  const bool is_load = op.opc == Opcode::k_guest_ld;
  const unsigned bytes = mem_op_bytes(op.memop);
  const bool aligned = (op.memop & kMemAligned) && bytes > 1;
  const Reg64 addr = use(op.in(0));
  const bool value_is_imm = !is_load && fits_imm32(op.in(1));
  const Reg64 value_reg = is_load || value_is_imm ? rax : use(op.in(1));
  std::vector<LiveGlobal> live = dirty_globals();
  const Reg64 d = is_load ? def(op.out()) : rax;
  const uint32_t token = current_token();
  const int64_t table = int64_t(offsetof(CpuState, tlb)) +
                        int64_t(code_flags::tlb_mode(block_.flags)) * kTlbEntries * 32;
  const int64_t tag = is_load ? offsetof(TlbEntry, read_tag) : offsetof(TlbEntry, write_tag);
  Xbyak::Label& slow = ool_labels_.emplace_back();
  Xbyak::Label& done = ool_labels_.emplace_back();
  mov(rcx, addr);
  shr(rcx, kTlbPageBits - 5);
  and_(ecx, (kTlbEntries - 1) << 5);
  if (aligned || bytes == 1) {
    mov(rax, addr);
    and_(rax, int32_t(~int64_t{0xfff} | (aligned ? bytes - 1 : 0)));
  } else {
    lea(rax, ptr[addr + (bytes - 1)]);
    and_(rax, int32_t(~int64_t{0xfff}));
  }
  cmp(rax, qword[rbp + rcx + (table + tag)]);
  jne(slow, T_NEAR);
  mov(rax, qword[rbp + rcx + (table + int64_t(offsetof(TlbEntry, host_offset)))]);
  const Xbyak::RegExp at = rax + addr;
  if (is_load) {
    const bool is_signed = op.memop & kMemSigned;
    emit_sized_load(d, at, bytes, is_signed);
  } else if (value_is_imm) {
    emit_sized_store_imm(at, bytes, int32_t(const_value(op.in(1))));
  } else {
    emit_sized_store(at, bytes, value_reg);
  }
  L(done);
  const MemOp memop = op.memop;
  const int64_t value_imm = value_is_imm ? const_value(op.in(1)) : 0;
  out_of_line_.push_back([this, &slow, &done, addr, d, value_reg, value_is_imm, value_imm,
                          is_load, memop, token, live = std::move(live)] {
    L(slow);
    // The call may raise: guest registers, the count and the instruction go to memory first.
    store_globals(live);
    emit_icount_to(rax);
    mov(qword[rbp + offsetof(CpuState, icount)], rax);
    mov(dword[rbp + offsetof(CpuState, insn_index)], token);
    // It may also return: keep every caller-saved register that can hold a temp, except
    // the load's destination, and rsp 16-byte aligned at the call.
    std::vector<Reg64> saved;
    for (int r : kCallerSaved) {
      if (!(is_load && r == d.getIdx())) saved.emplace_back(r);
    }
    for (const Reg64& r : saved) push(r);
    if (saved.size() % 2) sub(rsp, 8);
    if (!is_load) {
      if (value_is_imm) {
        mov(rdx, value_imm);
      } else {
        mov(rdx, value_reg);
      }
    }
    mov(rsi, addr);
    if (is_load) {
      mov(edx, uint32_t(memop));
    } else {
      mov(ecx, uint32_t(memop));
    }
    mov(rdi, rbp);
    mov(rax, reinterpret_cast<uint64_t>(is_load ? env_.load_fn : env_.store_fn));
    call(rax);
    if (is_load) mov(d, rax);
    if (saved.size() % 2) add(rsp, 8);
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) pop(*it);
    jmp(done, T_NEAR);
  });
}

void Compiler::lower_guest_memory(const ir::Op& op) {
  const bool is_load = op.opc == Opcode::k_guest_ld;
  const unsigned bytes = mem_op_bytes(op.memop);
  if (env_.tlb) {
    lower_tlb_access(op);
    return;
  }
  if (!env_.linear_memory) {
    sync_globals();
    write_token();
    // Memory behind an interface: every access is a call.
    spill_caller_saved();
    mov_temp_to(rsi, op.in(0));
    if (is_load) {
      mov(edx, uint32_t(op.memop));
    } else {
      mov_temp_to(rdx, op.in(1));
      mov(ecx, uint32_t(op.memop));
    }
    mov(rdi, rbp);
    mov(rax, reinterpret_cast<uint64_t>(is_load ? env_.load_fn : env_.store_fn));
    call(rax);
    if (is_load) mov(def(op.out()), rax);
    return;
  }
  // Linear memory: addresses inside the space are host r15 + addr; host faults there become
  // guest faults through the memory's fault handler. Anything else takes the out-of-line path,
  // which always raises (out of range or misaligned atomic), so it need not preserve registers.
  const Reg64 addr = use(op.in(0));
  const bool value_is_imm = !is_load && fits_imm32(op.in(1));
  const Reg64 value_reg = is_load || value_is_imm ? rax : use(op.in(1));
  // Taken before the load's destination is allocated: that register does not hold the
  // destination's value until the access has succeeded.
  std::vector<LiveGlobal> live = dirty_globals();
  const uint32_t first_global = record_fault_globals(live);
  Xbyak::Label& slow = ool_labels_.emplace_back();
  // One macro-fused compare-and-branch against the space size kept next to the code.
  cmp(addr, qword[rip + linear_limit_]);
  jae(slow, T_NEAR);
  if ((op.memop & kMemAligned) && bytes > 1) {
    test(addr.cvt32(), bytes - 1);
    jnz(slow, T_NEAR);
  }
  const Xbyak::RegExp at = r15 + addr;
  const uint32_t token = current_token();
  // Records the next instruction, the access itself, as the one a host fault would report.
  auto mark_fault_site = [&] {
    out_.fault_sites.push_back({uint32_t(getSize()), token, first_global, uint32_t(live.size())});
  };
  if (is_load) {
    const Reg64 d = def(op.out());  // may emit an eviction store: before the marked access
    const bool is_signed = op.memop & kMemSigned;
    mark_fault_site();
    emit_sized_load(d, at, bytes, is_signed);
  } else {
    mark_fault_site();
    if (value_is_imm) {
      emit_sized_store_imm(at, bytes, int32_t(const_value(op.in(1))));
    } else {
      emit_sized_store(at, bytes, value_reg);
    }
  }
  const MemOp memop = op.memop;
  const ir::TempId value_temp = is_load ? 0 : op.in(1);
  const int64_t value_imm = value_is_imm ? const_value(value_temp) : 0;
  out_of_line_.push_back([this, &slow, addr, value_reg, value_is_imm, value_imm, is_load, memop,
                          token, live = std::move(live)] {
    L(slow);
    store_globals(live);
    // This path raises through a helper, so the count and the instruction go to memory here.
    emit_icount_to(rax);
    mov(qword[rbp + kOffIcount], rax);
    mov(dword[rbp + kOffInsnIndex], token);
    mov(rsi, addr);
    if (is_load) {
      mov(edx, uint32_t(memop));
    } else {
      if (value_is_imm) {
        mov(rdx, value_imm);
      } else {
        mov(rdx, value_reg);
      }
      mov(ecx, uint32_t(memop));
    }
    mov(rdi, rbp);
    mov(rax, reinterpret_cast<uint64_t>(is_load ? env_.load_fn : env_.store_fn));
    call(rax);
    ud2();  // the access raised; control never comes back here
  });
}

}  // namespace rwd::jit
