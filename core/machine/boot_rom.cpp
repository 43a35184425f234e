#include "machine/boot_rom.h"

#include <cassert>

namespace rwd::machine {

namespace rv {
namespace {

// Opcodes and funct3 values from the unprivileged spec's RV32I/RV64I/Zicsr tables.
constexpr uint32_t kOpImm = 0x13, kAuipc = 0x17, kLoad = 0x03, kJalr = 0x67, kSystem = 0x73;
constexpr uint32_t kF3Addi = 0, kF3Ld = 3, kF3Jalr = 0, kF3Csrrs = 2;

uint32_t i_type(uint32_t opcode, uint32_t funct3, unsigned rd, unsigned rs1, int32_t imm12) {
  assert(rd < 32 && rs1 < 32 && imm12 >= -2048 && imm12 < 2048);
  return (uint32_t(imm12) & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

}  // namespace

uint32_t auipc(unsigned rd, int32_t imm20) {
  assert(rd < 32 && imm20 >= -(1 << 19) && imm20 < (1 << 19));
  return (uint32_t(imm20) & 0xfffff) << 12 | rd << 7 | kAuipc;
}
uint32_t addi(unsigned rd, unsigned rs1, int32_t imm12) {
  return i_type(kOpImm, kF3Addi, rd, rs1, imm12);
}
uint32_t ld(unsigned rd, unsigned rs1, int32_t imm12) {
  return i_type(kLoad, kF3Ld, rd, rs1, imm12);
}
uint32_t jalr(unsigned rd, unsigned rs1, int32_t imm12) {
  return i_type(kJalr, kF3Jalr, rd, rs1, imm12);
}
uint32_t csrrs(unsigned rd, unsigned csr, unsigned rs1) {
  assert(csr < 4096);
  return i_type(kSystem, kF3Csrrs, rd, rs1, 0) | csr << 20;
}

}  // namespace rv

namespace {

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

}  // namespace

std::vector<uint8_t> build_boot_rom(const BootRomParams& p) {
  using namespace rv;
  std::vector<uint8_t> rom;
  // t0 = the ROM's own address, so the rest is addressed relative to it.
  put32(rom, auipc(kT0, 0));
  put32(rom, addi(kA2, kT0, int32_t(kRomFwDynamicOffset)));
  put32(rom, csrrs(kA0, kCsrMhartid, 0));  // csrr a0, mhartid
  put32(rom, ld(kA1, kT0, int32_t(kRomFdtAddrOffset)));
  put32(rom, ld(kT0, kT0, int32_t(kRomStartAddrOffset)));
  put32(rom, jalr(0, kT0, 0));  // jr t0
  assert(rom.size() == kRomStartAddrOffset);
  put64(rom, p.start_addr);
  put64(rom, p.fdt_addr);
  assert(rom.size() == kRomFwDynamicOffset);
  put64(rom, kFwDynamicMagic);
  put64(rom, kFwDynamicVersion);
  put64(rom, p.next_addr);
  put64(rom, kFwDynamicNextModeS);
  put64(rom, 0);  // options
  put64(rom, p.boot_hart);
  assert(rom.size() == kRomFwDynamicOffset + kFwDynamicInfoBytes);
  return rom;
}

}  // namespace rwd::machine
