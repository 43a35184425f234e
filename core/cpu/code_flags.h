// The machine modes a translated block depends on besides its bytes. The frontend bakes them
// into the block (which ecall cause, whether FP instructions are legal, which TLB a load uses),
// so blocks are cached per (pc, physical address, flags) and never run under other modes.
#pragma once

#include <cstdint>

namespace rwd::code_flags {

inline constexpr uint32_t kSystem = 1u << 0;  // full-system machine (0: user mode)
inline constexpr unsigned kPrivShift = 1;     // 2 bits: privilege (0 U, 1 S, 3 M)
inline constexpr unsigned kTlbModeShift = 3;  // 2 bits: TlbMode of loads and stores
inline constexpr unsigned kFsShift = 5;       // 2 bits: mstatus.FS (0 Off ... 3 Dirty)

constexpr uint32_t make(unsigned priv, unsigned tlb_mode, unsigned fs) {
  return kSystem | priv << kPrivShift | tlb_mode << kTlbModeShift | fs << kFsShift;
}
constexpr bool system(uint32_t f) { return f & kSystem; }
constexpr unsigned priv(uint32_t f) { return (f >> kPrivShift) & 3; }
constexpr unsigned tlb_mode(uint32_t f) { return (f >> kTlbModeShift) & 3; }
constexpr unsigned fs(uint32_t f) { return (f >> kFsShift) & 3; }

}  // namespace rwd::code_flags
