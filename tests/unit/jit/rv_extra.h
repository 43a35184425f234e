// Encoders for the RISC-V instructions the JIT behaviour tests need beyond the ones in
// tests/unit/exec/test_machine.h (unprivileged spec, chapter 2 and the M/A extensions).
#pragma once

#include <cstdint>

#include "tests/unit/exec/test_machine.h"

namespace rwd::jit_test::rv {

using namespace test::rv;  // r_type, i_type, addi, add, ld, sd, branch, bne, jal, ecall, ...

constexpr uint32_t lui(uint32_t rd, uint32_t upper20) { return (upper20 & 0xfffff) << 12 | rd << 7 | 0x37; }
constexpr uint32_t jalr(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x67); }
constexpr uint32_t beq(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(0, rs1, rs2, off); }
constexpr uint32_t blt(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(4, rs1, rs2, off); }
constexpr uint32_t bltu(uint32_t rs1, uint32_t rs2, int32_t off) { return branch(6, rs1, rs2, off); }
constexpr uint32_t slli(uint32_t rd, uint32_t rs1, uint32_t shamt) { return i_type(int32_t(shamt & 63), rs1, 1, rd, 0x13); }
constexpr uint32_t andi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 7, rd, 0x13); }
constexpr uint32_t xor_(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 4, rd, 0x33); }
constexpr uint32_t sub(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0x20, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t mul(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, 0x03); }
constexpr uint32_t lbu(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 4, rd, 0x03); }
constexpr uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) {
  return uint32_t((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | 2 << 12 |
         uint32_t(imm & 0x1f) << 7 | 0x23;
}
// lr.d rd, (rs1): the address must be 8-byte aligned.
constexpr uint32_t lr_d(uint32_t rd, uint32_t rs1) { return r_type(0x08, 0, rs1, 3, rd, 0x2f); }

}  // namespace rwd::jit_test::rv
