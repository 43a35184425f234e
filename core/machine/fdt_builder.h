// Builds the flattened device tree that describes the machine to firmware and the kernel,
// with libfdt, at run time from the machine configuration (so -m, -smp, -append, -initrd and
// the attached devices are always described as they are).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rwd::machine {

struct FdtConfig {
  uint64_t ram_base = 0;
  uint64_t ram_size = 0;
  unsigned harts = 1;
  std::string bootargs;       // -append; omitted when empty
  uint64_t initrd_start = 0;  // both 0: no initrd
  uint64_t initrd_end = 0;
  // /chosen/rng-seed, which Linux mixes into its entropy pool (QEMU passes 32 random bytes).
  // Host entropy, so the machine takes it from its input layer; omitted when empty.
  std::vector<uint8_t> rng_seed;
  unsigned virtio_slots = 0;  // virtio-mmio nodes described (all slots, as QEMU does)
  std::string isa = "rv64imafdc";
  std::string mmu_type = "riscv,sv48";
};

// Throws std::runtime_error naming the libfdt error if the tree cannot be built.
std::vector<uint8_t> build_fdt(const FdtConfig& config);

}  // namespace rwd::machine
