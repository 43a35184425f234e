// A minimal harness for running guest code through the frontend and the interpreter without
// any operating-system layer: flat memory at one base address and a tiny instruction encoder.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/cpu_state.h"
#include "cpu/guest_memory.h"

namespace rwd::test {

class FlatMemory final : public GuestMemory {
 public:
  FlatMemory(uint64_t base, size_t size) : base_(base), bytes_(size, 0) {}

  uint64_t load(CpuState& cpu, uint64_t vaddr, MemOp op) override {
    const unsigned n = mem_op_bytes(op);
    check(cpu, vaddr, op, Cause::kLoadMisaligned, Cause::kLoadPageFault);
    uint64_t v = 0;
    std::memcpy(&v, &bytes_[vaddr - base_], n);
    if ((op & kMemSigned) && n < 8) v = uint64_t(int64_t(v << (64 - 8 * n)) >> (64 - 8 * n));
    return v;
  }
  void store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) override {
    check(cpu, vaddr, op, Cause::kStoreMisaligned, Cause::kStorePageFault);
    std::memcpy(&bytes_[vaddr - base_], &value, mem_op_bytes(op));
  }
  bool fetch16(uint64_t vaddr, uint16_t* out) override {
    if (!inside(vaddr, 2)) return false;
    std::memcpy(out, &bytes_[vaddr - base_], 2);
    return true;
  }

  void write32(uint64_t addr, uint32_t v) { std::memcpy(&bytes_[addr - base_], &v, 4); }
  void write16(uint64_t addr, uint16_t v) { std::memcpy(&bytes_[addr - base_], &v, 2); }
  uint64_t read64(uint64_t addr) const {
    uint64_t v;
    std::memcpy(&v, &bytes_[addr - base_], 8);
    return v;
  }
  // Writes a program of 32-bit instructions at addr; returns the address after it.
  uint64_t write_program(uint64_t addr, const std::vector<uint32_t>& insns) {
    for (uint32_t insn : insns) write32(addr, insn), addr += 4;
    return addr;
  }

 private:
  void check(CpuState& cpu, uint64_t vaddr, MemOp op, Cause misaligned, Cause fault) {
    const unsigned n = mem_op_bytes(op);
    if ((op & kMemAligned) && (vaddr & (n - 1))) raise_exception(cpu, misaligned, vaddr);
    if (!inside(vaddr, n)) raise_exception(cpu, fault, vaddr);
  }
  // Written without vaddr + n, which wraps for addresses near 2^64.
  bool inside(uint64_t vaddr, uint64_t n) const {
    return vaddr >= base_ && n <= bytes_.size() && vaddr - base_ <= bytes_.size() - n;
  }
  uint64_t base_;
  std::vector<uint8_t> bytes_;
};

inline CpuState fresh_cpu(GuestMemory& memory, uint64_t pc) {
  CpuState cpu;
  std::memset(&cpu, 0, sizeof cpu);
  cpu.pc = pc;
  cpu.memory = &memory;
  cpu.icount_limit = ~uint64_t{0};
  cpu.reservation_addr = kNoReservation;
  return cpu;
}

// Encoders for the handful of instructions the tests use (unprivileged spec, chapter 2).
namespace rv {
constexpr uint32_t r_type(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                          uint32_t opc) {
  return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
constexpr uint32_t i_type(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc) {
  return uint32_t(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
constexpr uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
constexpr uint32_t add(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t ld(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 3, rd, 0x03); }
constexpr uint32_t sd(uint32_t rs2, uint32_t rs1, int32_t imm) {
  return uint32_t((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | 3 << 12 |
         uint32_t(imm & 0x1f) << 7 | 0x23;
}
constexpr uint32_t branch(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t off) {
  return uint32_t((off >> 12) & 1) << 31 | uint32_t((off >> 5) & 0x3f) << 25 | rs2 << 20 |
         rs1 << 15 | f3 << 12 | uint32_t((off >> 1) & 0xf) << 8 | uint32_t((off >> 11) & 1) << 7 |
         0x63;
}
constexpr uint32_t bne(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(1, rs1, rs2, off); }
constexpr uint32_t jal(uint32_t rd, int32_t off) {
  return uint32_t((off >> 20) & 1) << 31 | uint32_t((off >> 1) & 0x3ff) << 21 |
         uint32_t((off >> 11) & 1) << 20 | uint32_t((off >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}
constexpr uint32_t ecall() { return 0x00000073; }
constexpr uint32_t fence_i() { return 0x0000100f; }
constexpr uint32_t div(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 4, rd, 0x33); }
constexpr uint32_t remu(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 7, rd, 0x33); }
constexpr uint32_t csrrs(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(int32_t(csr), rs1, 2, rd, 0x73); }
}  // namespace rv

}  // namespace rwd::test
