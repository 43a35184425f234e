// Puts firmware, kernel, initrd, device tree and the boot ROM into guest physical memory the way
// QEMU 7.2's virt board does (hw/riscv/boot.c, virt.c), so firmware and kernels built for it
// find everything where they expect:
//
//   firmware  -bios: raw image at DRAM base, or an ELF at its physical addresses
//   kernel    ELF at its physical addresses; raw image at the first 2 MiB boundary after the
//             firmware (0x8020_0000 with OpenSBI), or at DRAM base with -bios none
//   initrd    kernel start + min(RAM / 2, 128 MiB)
//   FDT       the highest 2 MiB-aligned address where it fits below min(RAM end, 3 GiB)
//   boot ROM  0x1000: reset vector + fw_dynamic_info (boot_rom.h)
//
// Every hart resets to the ROM in M-mode. The ROM jumps to the firmware with a0 = hart id,
// a1 = FDT, a2 = fw_dynamic_info, whose next_addr is the kernel; with -bios none it jumps to the
// kernel's entry directly. (QEMU jumps to DRAM base there; that is the same address for every
// kernel linked to run from it, and the ELF's entry for any other.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "machine/boot_image.h"
#include "machine/fdt_builder.h"
#include "machine/machine_config.h"

namespace rwd::machine {

struct BootPlan {
  uint64_t reset_pc = 0;    // where every hart starts (the boot ROM)
  uint64_t start_addr = 0;  // where the ROM jumps: the firmware, or the kernel with -bios none
  uint64_t fdt_addr = 0;    // a1
  uint64_t fw_dynamic_info_addr = 0;  // a2
  uint64_t kernel_entry = 0;  // fw_dynamic_info.next_addr: the kernel's load address, 0 if none
  PhysRange firmware, kernel, initrd, fdt;  // empty when absent
  // HTIF mailboxes of a riscv-tests style ELF (kernel, else firmware): the machine ends the run
  // when the guest stores (code << 1) | 1 to tohost.
  std::optional<uint64_t> htif_tohost;
  std::optional<uint64_t> htif_fromhost;
  std::vector<uint8_t> fdt_blob;  // what was written at fdt_addr
};

// Loads everything `config` names (already checked by validate_config) into `memory`, which
// covers DRAM [virt::kDramBase, + config.ram_bytes) and the boot ROM. `devices` describes the
// rest of the board for the device tree (virtio slots, rng seed, ...); RAM, harts, bootargs
// and the initrd range are filled in from `config`. Returns nullopt with a one-line error
// naming the file at fault; memory is written only once every placement has been checked.
std::optional<BootPlan> load_boot_images(const MachineConfig& config, FdtConfig devices,
                                         PhysicalWriter& memory, std::string* error);

}  // namespace rwd::machine
