// Shared helpers of the core/system unit tests: catching guest exceptions raised through
// raise_exception (longjmp), Sv39 page tables built in guest RAM, a device that records its
// accesses, a tiny RV64 instruction encoder, and a fixed host input and collecting console
// for whole machines.
#pragma once

#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cpu/cpu_state.h"
#include "devices/device.h"
#include "mmu/page_walk.h"
#include "system/physical_bus.h"

namespace rwd::systest {

inline constexpr uint64_t kRamBase = 0x8000'0000;
inline constexpr uint64_t kRamSize = 16 << 20;
inline constexpr uint64_t kPage = 4096;

// A machine's host input that never changes: the same RTC time and entropy every run.
class FixedHostInput final : public dev::HostInput {
 public:
  uint64_t wall_clock_ns() override { return 1'700'000'000'000'000'000ull; }
  void entropy(uint8_t* dst, uint64_t len) override {
    for (uint64_t i = 0; i < len; ++i) dst[i] = uint8_t(i * 13 + 5);
  }
};

// A console that keeps what the guest wrote.
class StringSink final : public dev::ByteSink {
 public:
  void put(uint8_t byte) override { bytes.push_back(char(byte)); }
  std::string bytes;
};

// What a guarded guest access did: returned a value, or raised an exception.
struct Outcome {
  bool faulted = false;
  Cause cause = Cause::kIllegalInsn;
  uint64_t tval = 0;
  uint64_t value = 0;
};

// Runs body() the way an engine runs translated code: with cpu.exit_jmp pointing at a
// setjmp, so that raise_exception() lands here instead of crashing the test.
template <typename F>
Outcome guarded(CpuState& cpu, F&& body) {
  std::jmp_buf env;
  std::jmp_buf* const previous = cpu.exit_jmp;
  cpu.exit_jmp = &env;
  if (setjmp(env) != 0) {
    Outcome fault;
    fault.faulted = true;
    fault.cause = Cause(cpu.exception_cause);
    fault.tval = cpu.exception_tval;
    cpu.exit_jmp = previous;
    return fault;
  }
  Outcome ok;
  ok.value = body();
  cpu.exit_jmp = previous;
  return ok;
}

// Sv39 page tables allocated from a pool of guest RAM pages.
class Sv39Tables {
 public:
  Sv39Tables(system::PhysicalBus& bus, uint64_t pool) : bus_(bus), next_(pool) { root_ = alloc(); }

  uint64_t root() const { return root_; }
  uint64_t satp() const { return (mmu::satp::kModeSv39 << mmu::satp::kModeShift) | (root_ >> 12); }

  // Maps the page at va to pa: level 0 is a 4 KiB page, level 1 a 2 MiB page. `flags` are the
  // leaf's permission bits (V is added). Returns the physical address of the leaf PTE.
  uint64_t map(uint64_t va, uint64_t pa, uint64_t flags, unsigned level = 0) {
    uint64_t table = root_;
    for (unsigned l = 2; l > level; --l) {
      const uint64_t pte_addr = table + vpn(va, l) * 8;
      uint64_t pte = read(pte_addr);
      if (!(pte & mmu::pte::kV)) {
        const uint64_t next = alloc();
        pte = ((next >> 12) << mmu::pte::kPpnShift) | mmu::pte::kV;
        write(pte_addr, pte);
      }
      table = ((pte >> mmu::pte::kPpnShift) & mmu::pte::kPpnMask) << 12;
    }
    const uint64_t leaf = table + vpn(va, level) * 8;
    write(leaf, ((pa >> 12) << mmu::pte::kPpnShift) | flags | mmu::pte::kV);
    return leaf;
  }

  uint64_t read(uint64_t paddr) {
    uint64_t v = 0;
    bus_.read(paddr, &v, 8);
    return v;
  }
  void write(uint64_t paddr, uint64_t v) { bus_.write(paddr, &v, 8); }

 private:
  static uint64_t vpn(uint64_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }
  uint64_t alloc() {
    const uint64_t page = next_;
    next_ += kPage;
    const std::vector<uint8_t> zero(kPage, 0);
    bus_.write(page, zero.data(), zero.size());
    return page;
  }

  system::PhysicalBus& bus_;
  uint64_t next_;
  uint64_t root_ = 0;
};

// A device that records every access and answers reads with a recognisable value.
class RecordingDevice final : public dev::Device {
 public:
  struct Access {
    bool write;
    uint64_t offset;
    unsigned bytes;
    uint64_t value;
  };
  explicit RecordingDevice(uint64_t size = 0x100) : size_(size) {}

  std::string_view name() const override { return "recording"; }
  uint64_t mmio_size() const override { return size_; }
  uint64_t read(uint64_t offset, unsigned bytes) override {
    // Like the real devices, the answer has no bits beyond the access size.
    uint64_t v = 0xa5a5'0000'0000'0000ull | (offset << 8) | bytes;
    if (bytes < 8) v &= (uint64_t{1} << (8 * bytes)) - 1;
    accesses.push_back({false, offset, bytes, v});
    return v;
  }
  void write(uint64_t offset, unsigned bytes, uint64_t value) override {
    accesses.push_back({true, offset, bytes, value});
  }
  void reset() override {}
  void save(dev::StateWriter&) const override {}
  void load(dev::StateReader&) override {}

  std::vector<Access> accesses;

 private:
  uint64_t size_;
};

// Encoders for the instructions the machine tests use (unprivileged spec, chapter 2 and 24).
namespace rv {
inline constexpr uint32_t zero = 0, ra = 1, sp = 2, t0 = 5, t1 = 6, t2 = 7, s0 = 8, s1 = 9,
                          a0 = 10, a1 = 11, a2 = 12;
constexpr uint32_t r_type(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                          uint32_t opc) {
  return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
constexpr uint32_t i_type(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc) {
  return uint32_t(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
constexpr uint32_t s_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
  return uint32_t((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
         uint32_t(imm & 0x1f) << 7 | 0x23;
}
constexpr uint32_t lui(uint32_t rd, uint32_t imm20) { return (imm20 & 0xfffff) << 12 | rd << 7 | 0x37; }
constexpr uint32_t auipc(uint32_t rd, uint32_t imm20) { return (imm20 & 0xfffff) << 12 | rd << 7 | 0x17; }
constexpr uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
constexpr uint32_t andi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 7, rd, 0x13); }
constexpr uint32_t slli(uint32_t rd, uint32_t rs1, unsigned sh) { return i_type(int32_t(sh), rs1, 1, rd, 0x13); }
constexpr uint32_t add(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t sub(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0x20, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t lbu(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 4, rd, 0x03); }
constexpr uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, 0x03); }
constexpr uint32_t ld(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 3, rd, 0x03); }
constexpr uint32_t sb(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 0); }
constexpr uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 2); }
constexpr uint32_t sd(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 3); }
constexpr uint32_t branch(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t off) {
  return uint32_t((off >> 12) & 1) << 31 | uint32_t((off >> 5) & 0x3f) << 25 | rs2 << 20 |
         rs1 << 15 | f3 << 12 | uint32_t((off >> 1) & 0xf) << 8 | uint32_t((off >> 11) & 1) << 7 |
         0x63;
}
constexpr uint32_t beq(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(0, rs1, rs2, off); }
constexpr uint32_t bne(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(1, rs1, rs2, off); }
constexpr uint32_t bltu(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(6, rs1, rs2, off); }
constexpr uint32_t jal(uint32_t rd, int32_t off) {
  return uint32_t((off >> 20) & 1) << 31 | uint32_t((off >> 1) & 0x3ff) << 21 |
         uint32_t((off >> 11) & 1) << 20 | uint32_t((off >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}
constexpr uint32_t jalr(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x67); }
constexpr uint32_t csrrw(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(int32_t(csr), rs1, 1, rd, 0x73); }
constexpr uint32_t csrrs(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(int32_t(csr), rs1, 2, rd, 0x73); }
constexpr uint32_t wfi() { return 0x10500073; }
constexpr uint32_t fence_i() { return 0x0000100f; }
}  // namespace rv

// Builds a program of 32-bit instructions as little-endian bytes, with labels resolved by the
// caller through here().
class Program {
 public:
  explicit Program(uint64_t base) : base_(base) {}
  uint64_t here() const { return base_ + 4 * words_.size(); }
  Program& emit(uint32_t insn) {
    words_.push_back(insn);
    return *this;
  }
  // Patches the instruction at address `at` (for forward branches).
  void patch(uint64_t at, uint32_t insn) { words_[(at - base_) / 4] = insn; }
  // rd = value, for any 32-bit signed value (lui + addi).
  Program& li(uint32_t rd, int32_t value) {
    const int32_t lo = (value << 20) >> 20;
    const uint32_t hi = uint32_t(value - lo) >> 12;
    if (hi != 0) {
      emit(rv::lui(rd, hi));
      if (lo != 0) emit(rv::addi(rd, rd, lo));
    } else {
      emit(rv::addi(rd, rv::zero, lo));
    }
    return *this;
  }
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out(words_.size() * 4);
    std::memcpy(out.data(), words_.data(), out.size());
    return out;
  }

 private:
  uint64_t base_;
  std::vector<uint32_t> words_;
};

}  // namespace rwd::systest
