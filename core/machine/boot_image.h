// Firmware, kernel and initrd files as the boot loader places them in guest physical memory.
// Reading an image only decides where its bytes go; writing them is a separate step, so the
// boot loader can check every placement (inside RAM, no overlaps) before touching memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rwd::machine {

// Guest physical memory as the boot loader fills it (RAM and the boot ROM).
class PhysicalWriter {
 public:
  virtual ~PhysicalWriter() = default;
  // Copies `bytes` to guest physical `paddr`. Returns false, writing nothing, if any byte of
  // the range is neither RAM nor ROM.
  virtual bool write(uint64_t paddr, std::span<const uint8_t> bytes) = 0;
  // Zero-fills [paddr, paddr + len) (an ELF segment's bss); by default through write().
  virtual bool zero(uint64_t paddr, uint64_t len);
};

// A half-open physical range [start, end); empty when start == end.
struct PhysRange {
  uint64_t start = 0;
  uint64_t end = 0;
  bool empty() const { return start == end; }
  bool contains(const PhysRange& r) const { return r.start >= start && r.end <= end; }
  bool overlaps(const PhysRange& r) const {
    return !empty() && !r.empty() && r.start < end && start < r.end;
  }
};

struct BootImage {
  // One contiguous piece: file bytes [offset, offset + filesz) at paddr, then zeros up to memsz.
  struct Piece {
    uint64_t paddr = 0;
    uint64_t offset = 0;
    uint64_t filesz = 0;
    uint64_t memsz = 0;
  };
  std::string path;
  std::vector<uint8_t> bytes;  // the whole file
  bool elf = false;
  std::vector<Piece> pieces;
  PhysRange span;      // lowest to highest byte written
  uint64_t entry = 0;  // ELF e_entry (as a physical address), or span.start for a raw image
  // riscv-tests HTIF mailboxes: physical addresses of the ELF symbols `tohost`, `fromhost`.
  std::optional<uint64_t> tohost;
  std::optional<uint64_t> fromhost;
};

// Reads `path`: a riscv64 ELF goes at its segments' physical addresses (p_paddr), anything else
// is a raw image placed at `raw_base` (refused if larger than `max_raw_bytes`). A file that
// starts with the ELF magic but is not a loadable riscv64 ELF64 is refused, not loaded raw.
// Errors are one line starting with the path.
std::optional<BootImage> read_boot_image(const std::string& path, uint64_t raw_base,
                                         uint64_t max_raw_bytes, std::string* error);
// Reads `path` as a raw image (an initrd) at `base`.
std::optional<BootImage> read_raw_image(const std::string& path, uint64_t base, uint64_t max_bytes,
                                        std::string* error);

// Writes every piece. Fails (naming the file and the range) if the writer refuses a piece.
bool write_boot_image(const BootImage& image, PhysicalWriter& memory, std::string* error);

}  // namespace rwd::machine
