#include "machine/boot_rom.h"

#include <gtest/gtest.h>

#include <cstring>

#include "machine/virt_layout.h"

namespace rwd::machine {
namespace {

uint32_t word_at(const std::vector<uint8_t>& rom, uint64_t offset) {
  uint32_t w = 0;
  std::memcpy(&w, rom.data() + offset, 4);  // little-endian host, little-endian guest
  return w;
}
uint64_t dword_at(const std::vector<uint8_t>& rom, uint64_t offset) {
  uint64_t v = 0;
  std::memcpy(&v, rom.data() + offset, 8);
  return v;
}

// The fields of a 32-bit instruction, as the base ISA lays them out.
struct Fields {
  uint32_t opcode, rd, funct3, rs1;
  int32_t imm_i;   // I-type immediate, sign-extended
  uint32_t imm_u;  // U-type immediate (bits 31:12, in place)
  uint32_t csr;
};
Fields decode(uint32_t w) {
  return {w & 0x7f,         (w >> 7) & 31, (w >> 12) & 7, (w >> 15) & 31,
          int32_t(w) >> 20, w & ~0xfffu,   w >> 20};
}

TEST(BootRom, ResetVectorInstructionFields) {
  const auto rom = build_boot_rom({.start_addr = 0x80000000, .fdt_addr = 0x87e00000});
  ASSERT_EQ(rom.size(), kRomFwDynamicOffset + kFwDynamicInfoBytes);

  Fields f = decode(word_at(rom, 0));  // auipc t0, 0
  EXPECT_EQ(f.opcode, 0x17u);
  EXPECT_EQ(f.rd, 5u);
  EXPECT_EQ(f.imm_u, 0u);

  f = decode(word_at(rom, 4));  // addi a2, t0, 40
  EXPECT_EQ(f.opcode, 0x13u);
  EXPECT_EQ(f.funct3, 0u);
  EXPECT_EQ(f.rd, 12u);
  EXPECT_EQ(f.rs1, 5u);
  EXPECT_EQ(f.imm_i, 40);

  f = decode(word_at(rom, 8));  // csrrs a0, mhartid, x0
  EXPECT_EQ(f.opcode, 0x73u);
  EXPECT_EQ(f.funct3, 2u);
  EXPECT_EQ(f.rd, 10u);
  EXPECT_EQ(f.rs1, 0u);
  EXPECT_EQ(f.csr, 0xf14u);

  f = decode(word_at(rom, 12));  // ld a1, 32(t0)
  EXPECT_EQ(f.opcode, 0x03u);
  EXPECT_EQ(f.funct3, 3u);
  EXPECT_EQ(f.rd, 11u);
  EXPECT_EQ(f.rs1, 5u);
  EXPECT_EQ(f.imm_i, 32);

  f = decode(word_at(rom, 16));  // ld t0, 24(t0)
  EXPECT_EQ(f.opcode, 0x03u);
  EXPECT_EQ(f.funct3, 3u);
  EXPECT_EQ(f.rd, 5u);
  EXPECT_EQ(f.rs1, 5u);
  EXPECT_EQ(f.imm_i, 24);

  f = decode(word_at(rom, 20));  // jalr x0, 0(t0)
  EXPECT_EQ(f.opcode, 0x67u);
  EXPECT_EQ(f.funct3, 0u);
  EXPECT_EQ(f.rd, 0u);
  EXPECT_EQ(f.rs1, 5u);
  EXPECT_EQ(f.imm_i, 0);
}

// Runs the reset vector on paper: the registers firmware receives follow from the words alone.
TEST(BootRom, ExecutingTheVectorGivesTheFwDynamicRegisters) {
  const uint64_t base = virt::kBootRomBase, hartid = 3;
  const auto rom = build_boot_rom(
      {.start_addr = 0x1'2345'6000, .fdt_addr = 0x9fe00000, .next_addr = 0x80200000});
  uint64_t x[32] = {};
  uint64_t pc = base;
  for (int step = 0; step < 6; ++step) {
    const Fields f = decode(word_at(rom, pc - base));
    uint64_t next = pc + 4;
    switch (f.opcode) {
      case 0x17:
        x[f.rd] = pc + int64_t(int32_t(f.imm_u));
        break;
      case 0x13:
        x[f.rd] = x[f.rs1] + int64_t(f.imm_i);
        break;
      case 0x73:
        x[f.rd] = f.csr == 0xf14 ? hartid : 0;
        break;
      case 0x03:
        x[f.rd] = dword_at(rom, x[f.rs1] + int64_t(f.imm_i) - base);
        break;
      case 0x67:
        next = (x[f.rs1] + int64_t(f.imm_i)) & ~uint64_t{1};
        break;
      default:
        FAIL() << "unexpected opcode " << f.opcode;
    }
    x[0] = 0;
    pc = next;
  }
  EXPECT_EQ(pc, 0x1'2345'6000u);  // 64-bit addresses survive (both words of the .dword)
  EXPECT_EQ(x[10], hartid);       // a0
  EXPECT_EQ(x[11], 0x9fe00000u);  // a1
  EXPECT_EQ(x[12], base + kRomFwDynamicOffset);  // a2
}

TEST(BootRom, FwDynamicInfo) {
  const auto rom =
      build_boot_rom({.start_addr = 0x80000000, .fdt_addr = 0x87e00000, .next_addr = 0x80200000});
  const uint64_t info = kRomFwDynamicOffset;
  EXPECT_EQ(info, 40u);
  EXPECT_EQ(dword_at(rom, info + 0), 0x4942534fu);  // magic "OSBI"
  EXPECT_EQ(std::memcmp(rom.data() + info, "OSBI", 4), 0);
  EXPECT_EQ(dword_at(rom, info + 8), 2u);            // version
  EXPECT_EQ(dword_at(rom, info + 16), 0x80200000u);  // next_addr
  EXPECT_EQ(dword_at(rom, info + 24), 1u);           // next_mode: S
  EXPECT_EQ(dword_at(rom, info + 32), 0u);           // options
  EXPECT_EQ(dword_at(rom, info + 40), 0u);           // boot_hart
  EXPECT_EQ(dword_at(rom, kRomStartAddrOffset), 0x80000000u);
  EXPECT_EQ(dword_at(rom, kRomFdtAddrOffset), 0x87e00000u);
}

TEST(BootRom, EncodersMatchKnownEncodings) {
  // Cross-checked with riscv64-linux-gnu-as.
  EXPECT_EQ(rv::auipc(rv::kT0, 0), 0x00000297u);
  EXPECT_EQ(rv::addi(rv::kA2, rv::kT0, 40), 0x02828613u);
  EXPECT_EQ(rv::csrrs(rv::kA0, rv::kCsrMhartid, 0), 0xf1402573u);
  EXPECT_EQ(rv::ld(rv::kA1, rv::kT0, 32), 0x0202b583u);
  EXPECT_EQ(rv::jalr(0, rv::kT0, 0), 0x00028067u);
  EXPECT_EQ(rv::addi(1, 2, -1), 0xfff10093u);
  EXPECT_EQ(rv::auipc(1, -1), 0xfffff097u);
}

}  // namespace
}  // namespace rwd::machine
