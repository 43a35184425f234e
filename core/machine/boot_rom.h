// The contents of the virt board's boot ROM at 0x1000, where every hart starts: a reset vector
// that sets up OpenSBI's fw_dynamic calling convention (a0 = mhartid, a1 = device-tree address,
// a2 = &fw_dynamic_info) and jumps to the firmware (or, with -bios none, the kernel), followed
// by the fw_dynamic_info that tells OpenSBI where the next stage is. Same layout as QEMU's
// riscv_setup_rom_reset_vec, so firmware sees identical registers and memory.
#pragma once

#include <cstdint>
#include <vector>

namespace rwd::machine {

// OpenSBI's struct fw_dynamic_info (include/sbi/fw_dynamic.h), version 2, for RV64: six
// little-endian 64-bit fields.
inline constexpr uint64_t kFwDynamicMagic = 0x4942534f;  // "OSBI"
inline constexpr uint64_t kFwDynamicVersion = 2;
inline constexpr uint64_t kFwDynamicNextModeS = 1;
inline constexpr uint64_t kFwDynamicInfoBytes = 6 * 8;

// Offsets inside the ROM.
inline constexpr uint64_t kResetVectorInsns = 6;
inline constexpr uint64_t kRomStartAddrOffset = kResetVectorInsns * 4;  // .dword start
inline constexpr uint64_t kRomFdtAddrOffset = kRomStartAddrOffset + 8;  // .dword fdt
inline constexpr uint64_t kRomFwDynamicOffset = kRomFdtAddrOffset + 8;  // fw_dynamic_info

struct BootRomParams {
  uint64_t start_addr = 0;  // where the reset vector jumps
  uint64_t fdt_addr = 0;    // passed in a1
  uint64_t next_addr = 0;   // fw_dynamic_info.next_addr: the kernel, 0 if none
  uint64_t boot_hart = 0;   // fw_dynamic_info.boot_hart (QEMU passes 0)
};

// The ROM image: reset vector, the two address words, then fw_dynamic_info. It is
// position-independent (auipc), so the caller may place it at any ROM base.
std::vector<uint8_t> build_boot_rom(const BootRomParams& params);

// RV64 instruction encoders, from the base ISA's instruction formats.
namespace rv {
uint32_t auipc(unsigned rd, int32_t imm20);
uint32_t addi(unsigned rd, unsigned rs1, int32_t imm12);
uint32_t ld(unsigned rd, unsigned rs1, int32_t imm12);
uint32_t jalr(unsigned rd, unsigned rs1, int32_t imm12);
uint32_t csrrs(unsigned rd, unsigned csr, unsigned rs1);
inline constexpr unsigned kT0 = 5, kA0 = 10, kA1 = 11, kA2 = 12;
inline constexpr unsigned kCsrMhartid = 0xf14;
}  // namespace rv

}  // namespace rwd::machine
