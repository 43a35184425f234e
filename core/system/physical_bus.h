// Guest physical address space of the full-system machine: RAM, the boot ROM and device MMIO
// windows. It also remembers which RAM pages hold translated code, so that a store or DMA
// write there can be turned into a code invalidation (applied at the next fence.i).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "devices/device.h"
#include "mmu/page_walk.h"

namespace rwd::system {

class PhysicalBus final : public dev::DmaMemory, public mmu::PageTableMemory {
 public:
  // Reserves ram_size bytes of zeroed host memory for RAM at ram_base. Throws
  // std::runtime_error if the host cannot provide it.
  PhysicalBus(uint64_t ram_base, uint64_t ram_size);
  ~PhysicalBus() override;
  PhysicalBus(const PhysicalBus&) = delete;
  PhysicalBus& operator=(const PhysicalBus&) = delete;

  uint64_t ram_base() const { return ram_base_; }
  uint64_t ram_size() const { return ram_size_; }
  uint8_t* ram() { return ram_; }
  const uint8_t* ram() const { return ram_; }

  // A read-only region (guest writes are ignored) with the given contents, e.g. the boot ROM.
  void add_rom(uint64_t base, uint64_t size);
  // Load-time access to ROM and RAM: false if any byte is outside them.
  bool load_image(uint64_t paddr, std::span<const uint8_t> bytes);

  void add_device(uint64_t base, dev::Device& device);

  struct DeviceWindow {
    uint64_t base;
    dev::Device* device;
  };
  // Every device window, lowest base first (snapshots name devices by name and base).
  std::vector<DeviceWindow> device_windows() const {
    std::vector<DeviceWindow> out;
    for (const Window& w : windows_) out.push_back({w.base, w.device});
    return out;
  }

  // Host address of [paddr, paddr + len) if it is all RAM (writable) or all ROM (read-only).
  uint8_t* ram_at(uint64_t paddr, uint64_t len);
  const uint8_t* readable_at(uint64_t paddr, uint64_t len);

  struct MmioTarget {
    dev::Device* device = nullptr;
    uint64_t offset = 0;
  };
  // The device whose window holds all of [paddr, paddr + bytes), if any.
  MmioTarget device_at(uint64_t paddr, unsigned bytes) const;

  // --- Translated-code tracking (RAM pages only) ---
  bool page_has_code(uint64_t paddr) const;
  // Returns true if the page was not marked before.
  bool mark_code_page(uint64_t paddr);
  // RAM bytes in [paddr, paddr + len) are about to change: pages with code are remembered
  // (and unmarked) so their translations can be dropped at the next fence.i.
  void note_ram_write(uint64_t paddr, uint64_t len);
  // Physical page addresses written since translated, in the order first written.
  std::vector<uint64_t> take_stale_code_pages();
  bool has_stale_code_pages() const { return !stale_code_pages_.empty(); }
  // Every translation was dropped (snapshot restore): no page holds code, none is stale.
  void forget_code_pages() {
    std::fill(code_pages_.begin(), code_pages_.end(), uint8_t{0});
    stale_code_pages_.clear();
  }

  // --- Dirty-page tracking (RAM pages), for checkpoints that copy only what changed ---
  // Every path that changes RAM marks its pages: note_ram_write (stores, DMA, image loads),
  // update_pte, and the MMU before it lets a TLB entry store to a page inline.
  void mark_dirty(uint64_t paddr, uint64_t len);
  bool page_dirty(uint64_t paddr) const;
  // RAM page indexes (0 = the page at ram_base) changed since the last call, ascending, and
  // starts a new record. The caller must also revoke inline store permissions
  // (SoftMmu::revoke_inline_stores) so the next store to each page is seen.
  std::vector<uint32_t> take_dirty_pages();

  // dev::DmaMemory
  bool read(uint64_t paddr, void* dst, uint64_t len) override;
  bool write(uint64_t paddr, const void* src, uint64_t len) override;
  // mmu::PageTableMemory
  bool read_pte(uint64_t paddr, uint64_t& value) override;
  bool update_pte(uint64_t paddr, uint64_t expected, uint64_t desired) override;

 private:
  struct Rom {
    uint64_t base;
    std::vector<uint8_t> bytes;
  };
  struct Window {
    uint64_t base;
    uint64_t size;
    dev::Device* device;
  };

  uint64_t ram_base_;
  uint64_t ram_size_;
  uint8_t* ram_ = nullptr;
  std::vector<Rom> roms_;
  std::vector<Window> windows_;  // sorted by base
  std::vector<uint8_t> code_pages_;  // one flag per RAM page
  std::vector<uint64_t> stale_code_pages_;
  std::vector<uint8_t> dirty_;          // one flag per RAM page
  std::vector<uint32_t> dirty_list_;    // the flagged pages, in the order first marked
};

}  // namespace rwd::system
