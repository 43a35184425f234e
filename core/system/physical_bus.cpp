#include "system/physical_bus.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rwd::system {

namespace {
constexpr unsigned kPageBits = 12;
}

PhysicalBus::PhysicalBus(uint64_t ram_base, uint64_t ram_size)
    : ram_base_(ram_base), ram_size_(ram_size) {
  // Anonymous memory reads as zero and costs nothing until the guest touches it.
  void* p = mmap(nullptr, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) {
    throw std::runtime_error("cannot reserve " + std::to_string(ram_size >> 20) +
                             " MiB of host memory for guest RAM");
  }
  ram_ = static_cast<uint8_t*>(p);
  code_pages_.assign(ram_size >> kPageBits, 0);
  dirty_.assign(ram_size >> kPageBits, 0);
}

PhysicalBus::~PhysicalBus() { munmap(ram_, ram_size_); }

void PhysicalBus::add_rom(uint64_t base, uint64_t size) { roms_.push_back({base, std::vector<uint8_t>(size)}); }

void PhysicalBus::add_device(uint64_t base, dev::Device& device) {
  windows_.push_back({base, device.mmio_size(), &device});
  std::sort(windows_.begin(), windows_.end(),
            [](const Window& a, const Window& b) { return a.base < b.base; });
}

uint8_t* PhysicalBus::ram_at(uint64_t paddr, uint64_t len) {
  if (paddr < ram_base_ || len > ram_size_ || paddr - ram_base_ > ram_size_ - len) return nullptr;
  return ram_ + (paddr - ram_base_);
}

const uint8_t* PhysicalBus::readable_at(uint64_t paddr, uint64_t len) {
  if (uint8_t* p = ram_at(paddr, len)) return p;
  for (const Rom& rom : roms_) {
    if (paddr >= rom.base && len <= rom.bytes.size() && paddr - rom.base <= rom.bytes.size() - len) {
      return rom.bytes.data() + (paddr - rom.base);
    }
  }
  return nullptr;
}

bool PhysicalBus::load_image(uint64_t paddr, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return true;
  if (uint8_t* p = ram_at(paddr, bytes.size())) {
    note_ram_write(paddr, bytes.size());
    std::memcpy(p, bytes.data(), bytes.size());
    return true;
  }
  for (Rom& rom : roms_) {
    if (paddr >= rom.base && bytes.size() <= rom.bytes.size() &&
        paddr - rom.base <= rom.bytes.size() - bytes.size()) {
      std::memcpy(rom.bytes.data() + (paddr - rom.base), bytes.data(), bytes.size());
      return true;
    }
  }
  return false;
}

PhysicalBus::MmioTarget PhysicalBus::device_at(uint64_t paddr, unsigned bytes) const {
  auto it = std::upper_bound(windows_.begin(), windows_.end(), paddr,
                             [](uint64_t a, const Window& w) { return a < w.base; });
  if (it == windows_.begin()) return {};
  const Window& w = *std::prev(it);
  if (paddr - w.base >= w.size || bytes > w.size - (paddr - w.base)) return {};
  return {w.device, paddr - w.base};
}

bool PhysicalBus::page_has_code(uint64_t paddr) const {
  if (paddr < ram_base_ || paddr - ram_base_ >= ram_size_) return false;
  return code_pages_[(paddr - ram_base_) >> kPageBits];
}

bool PhysicalBus::mark_code_page(uint64_t paddr) {
  if (paddr < ram_base_ || paddr - ram_base_ >= ram_size_) return false;
  uint8_t& flag = code_pages_[(paddr - ram_base_) >> kPageBits];
  const bool fresh = !flag;
  flag = 1;
  return fresh;
}

void PhysicalBus::mark_dirty(uint64_t paddr, uint64_t len) {
  if (len == 0 || paddr < ram_base_) return;
  const uint64_t first = (paddr - ram_base_) >> kPageBits;
  const uint64_t last = (paddr - ram_base_ + len - 1) >> kPageBits;
  for (uint64_t page = first; page <= last && page < dirty_.size(); ++page) {
    if (dirty_[page]) continue;
    dirty_[page] = 1;
    dirty_list_.push_back(uint32_t(page));
  }
}

bool PhysicalBus::page_dirty(uint64_t paddr) const {
  if (paddr < ram_base_) return false;
  const uint64_t page = (paddr - ram_base_) >> kPageBits;
  return page < dirty_.size() && dirty_[page];
}

std::vector<uint32_t> PhysicalBus::take_dirty_pages() {
  std::vector<uint32_t> pages;
  pages.swap(dirty_list_);
  for (uint32_t page : pages) dirty_[page] = 0;
  std::sort(pages.begin(), pages.end());
  return pages;
}

void PhysicalBus::note_ram_write(uint64_t paddr, uint64_t len) {
  if (len == 0) return;
  mark_dirty(paddr, len);
  const uint64_t first = (paddr - ram_base_) >> kPageBits;
  const uint64_t last = (paddr - ram_base_ + len - 1) >> kPageBits;
  for (uint64_t page = first; page <= last && page < code_pages_.size(); ++page) {
    if (!code_pages_[page]) continue;
    code_pages_[page] = 0;
    stale_code_pages_.push_back(ram_base_ + (page << kPageBits));
  }
}

std::vector<uint64_t> PhysicalBus::take_stale_code_pages() {
  std::vector<uint64_t> pages;
  pages.swap(stale_code_pages_);
  return pages;
}

bool PhysicalBus::read(uint64_t paddr, void* dst, uint64_t len) {
  const uint8_t* p = ram_at(paddr, len);
  if (!p) return false;
  std::memcpy(dst, p, len);
  return true;
}

bool PhysicalBus::write(uint64_t paddr, const void* src, uint64_t len) {
  uint8_t* p = ram_at(paddr, len);
  if (!p) return false;
  note_ram_write(paddr, len);
  std::memcpy(p, src, len);
  return true;
}

bool PhysicalBus::read_pte(uint64_t paddr, uint64_t& value) {
  const uint8_t* p = ram_at(paddr, 8);
  if (!p) return false;
  std::memcpy(&value, p, 8);
  return true;
}

bool PhysicalBus::update_pte(uint64_t paddr, uint64_t expected, uint64_t desired) {
  uint8_t* p = ram_at(paddr, 8);
  if (!p) return false;
  uint64_t current;
  std::memcpy(&current, p, 8);
  if (current != expected) return false;
  note_ram_write(paddr, 8);
  std::memcpy(p, &desired, 8);
  return true;
}

}  // namespace rwd::system
