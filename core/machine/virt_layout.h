// The memory map and interrupt wiring of QEMU's riscv64 `virt` board, which firmware and
// kernels built for it expect (QEMU hw/riscv/virt.c; summarised in shared/notes).
#pragma once

#include <cstdint>

namespace rwd::machine::virt {

inline constexpr uint64_t kBootRomBase = 0x1000, kBootRomSize = 0xf000;
inline constexpr uint64_t kTestBase = 0x100000, kTestSize = 0x1000;
inline constexpr uint64_t kRtcBase = 0x101000, kRtcSize = 0x1000;
inline constexpr uint64_t kClintBase = 0x2000000, kClintSize = 0x10000;
inline constexpr uint64_t kPlicBase = 0xc000000, kPlicSize = 0x600000;
inline constexpr uint64_t kUartBase = 0x10000000, kUartSize = 0x100;
inline constexpr uint64_t kVirtioBase = 0x10001000, kVirtioStride = 0x1000;
inline constexpr unsigned kVirtioSlots = 8;
inline constexpr uint64_t kDramBase = 0x80000000;

// PLIC sources.
inline constexpr unsigned kUartIrq = 10, kRtcIrq = 11, kVirtioIrqFirst = 1;
inline constexpr unsigned kPlicSources = 96;  // 1..95 usable, as QEMU's VIRT_IRQCHIP_NUM_SOURCES

// Where QEMU puts things it loads.
inline constexpr uint64_t kFirmwareBase = kDramBase;
inline constexpr uint64_t kKernelBase64 = kDramBase + 0x200000;

inline constexpr uint64_t kTimebaseHz = 10'000'000;

}  // namespace rwd::machine::virt
