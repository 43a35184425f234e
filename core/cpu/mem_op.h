// Describes one guest memory access: size, signedness and alignment requirement.
#pragma once

#include <cstdint>

namespace rwd {

enum MemOp : uint8_t {
  kMemSize8 = 0,
  kMemSize16 = 1,
  kMemSize32 = 2,
  kMemSize64 = 3,
  kMemSizeMask = 3,
  kMemSigned = 1 << 2,  // sign-extend a load to 64 bits (zero-extend otherwise)
  kMemAligned = 1 << 3,  // a misaligned address raises *-address-misaligned (LR/SC/AMO)
};

constexpr unsigned mem_op_bytes(MemOp op) { return 1u << (op & kMemSizeMask); }
constexpr MemOp operator|(MemOp a, MemOp b) { return MemOp(uint8_t(a) | uint8_t(b)); }

}  // namespace rwd
