// PhysicalBus: RAM and ROM bounds, device windows, translated-code page tracking, DMA and the
// page-table memory interface.
#include "system/physical_bus.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "system_test_support.h"

namespace rwd::systest {
namespace {

using system::PhysicalBus;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(PhysicalBusRam, RamAtAcceptsExactlyTheRamRange) {
  PhysicalBus bus(kRamBase, kRamSize);
  EXPECT_EQ(bus.ram_at(kRamBase, 1), bus.ram());
  EXPECT_EQ(bus.ram_at(kRamBase, kRamSize), bus.ram());
  EXPECT_EQ(bus.ram_at(kRamBase + kRamSize - 8, 8), bus.ram() + kRamSize - 8);
  // One byte too far, one byte below, larger than RAM.
  EXPECT_EQ(bus.ram_at(kRamBase + kRamSize - 7, 8), nullptr);
  EXPECT_EQ(bus.ram_at(kRamBase + kRamSize, 1), nullptr);
  EXPECT_EQ(bus.ram_at(kRamBase - 1, 2), nullptr);
  EXPECT_EQ(bus.ram_at(kRamBase, kRamSize + 1), nullptr);
}

TEST(PhysicalBusRam, OverflowingRangesAreRefused) {
  PhysicalBus bus(kRamBase, kRamSize);
  // paddr + len wraps around 2^64: a naive `paddr + len <= end` check would accept these.
  EXPECT_EQ(bus.ram_at(kRamBase + 16, kMax), nullptr);
  EXPECT_EQ(bus.ram_at(kMax - 3, 8), nullptr);
  EXPECT_EQ(bus.readable_at(kRamBase + 16, kMax - 8), nullptr);
  uint64_t v = 0;
  EXPECT_FALSE(bus.read(kRamBase + 8, &v, kMax - 4));
  EXPECT_FALSE(bus.write(kMax - 3, &v, 8));
}

TEST(PhysicalBusRam, RamStartsZeroedAndDmaRoundTrips) {
  PhysicalBus bus(kRamBase, kRamSize);
  uint64_t v = 1;
  ASSERT_TRUE(bus.read(kRamBase + 0x1230, &v, 8));
  EXPECT_EQ(v, 0u);
  const uint64_t value = 0x1122334455667788;
  ASSERT_TRUE(bus.write(kRamBase + kRamSize - 8, &value, 8));
  ASSERT_TRUE(bus.read(kRamBase + kRamSize - 8, &v, 8));
  EXPECT_EQ(v, value);
  // A DMA range partly outside RAM does nothing.
  const std::array<uint8_t, 16> ones{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(bus.write(kRamBase + kRamSize - 8, ones.data(), ones.size()));
  ASSERT_TRUE(bus.read(kRamBase + kRamSize - 8, &v, 8));
  EXPECT_EQ(v, value);
}

TEST(PhysicalBusRom, LoadImageFillsRomAndGuestWritesCannotReachIt) {
  PhysicalBus bus(kRamBase, kRamSize);
  bus.add_rom(0x1000, 0x100);
  const std::vector<uint8_t> image{1, 2, 3, 4};
  ASSERT_TRUE(bus.load_image(0x10fc, image));
  const uint8_t* rom = bus.readable_at(0x10fc, 4);
  ASSERT_NE(rom, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(rom, rom + 4), image);
  EXPECT_EQ(bus.readable_at(0x1000, 0x100), rom - 0xfc);
  // ROM is readable, never writable: neither through ram_at nor DMA.
  EXPECT_EQ(bus.ram_at(0x10fc, 4), nullptr);
  const uint32_t junk = 0xdeadbeef;
  EXPECT_FALSE(bus.write(0x10fc, &junk, 4));
  EXPECT_EQ(rom[0], 1);
  // Images and reads that leave the ROM are refused.
  EXPECT_FALSE(bus.load_image(0x10fe, image));
  EXPECT_EQ(bus.readable_at(0x10fe, 4), nullptr);
  EXPECT_EQ(bus.readable_at(0xfff, 2), nullptr);
  EXPECT_EQ(bus.readable_at(0x1000, kMax), nullptr);
  // Nothing at all between ROM and RAM.
  EXPECT_FALSE(bus.load_image(0x4000, image));
  EXPECT_TRUE(bus.load_image(0x4000, {}));  // empty images always fit
}

TEST(PhysicalBusRom, LoadImageIntoRamWritesRam) {
  PhysicalBus bus(kRamBase, kRamSize);
  const std::vector<uint8_t> image{9, 8, 7};
  ASSERT_TRUE(bus.load_image(kRamBase + kRamSize - 3, image));
  EXPECT_EQ(bus.ram()[kRamSize - 1], 7);
  EXPECT_FALSE(bus.load_image(kRamBase + kRamSize - 2, image));
}

TEST(PhysicalBusDevices, DeviceAtFindsTheWindowWhateverTheInsertionOrder) {
  PhysicalBus bus(kRamBase, kRamSize);
  RecordingDevice high(0x100), low(0x1000), mid(0x10);
  bus.add_device(0x1000'0000, high);
  bus.add_device(0x0200'0000, low);
  bus.add_device(0x0c00'0000, mid);

  auto at = [&](uint64_t paddr, unsigned bytes) { return bus.device_at(paddr, bytes); };
  EXPECT_EQ(at(0x0200'0000, 4).device, &low);
  EXPECT_EQ(at(0x0200'0000, 4).offset, 0u);
  EXPECT_EQ(at(0x0200'0ff8, 8).device, &low);
  EXPECT_EQ(at(0x0200'0ff8, 8).offset, 0xff8u);
  EXPECT_EQ(at(0x0c00'0008, 8).device, &mid);
  EXPECT_EQ(at(0x1000'00ff, 1).device, &high);
  EXPECT_EQ(at(0x1000'00ff, 1).offset, 0xffu);
  // Between and around windows: nothing.
  EXPECT_EQ(at(0x01ff'ffff, 1).device, nullptr);
  EXPECT_EQ(at(0x0200'1000, 1).device, nullptr);
  EXPECT_EQ(at(0x0c00'0010, 1).device, nullptr);
  EXPECT_EQ(at(0x1000'0100, 1).device, nullptr);
  EXPECT_EQ(at(0, 1).device, nullptr);
  EXPECT_EQ(at(kMax, 1).device, nullptr);
}

TEST(PhysicalBusDevices, AccessStraddlingAWindowEndIsRefused) {
  PhysicalBus bus(kRamBase, kRamSize);
  RecordingDevice dev(0x10);
  bus.add_device(0x2000, dev);
  EXPECT_EQ(bus.device_at(0x2008, 8).device, &dev);
  EXPECT_EQ(bus.device_at(0x200c, 8).device, nullptr);
  EXPECT_EQ(bus.device_at(0x200f, 2).device, nullptr);
  EXPECT_EQ(bus.device_at(0x1ffc, 8).device, nullptr);  // starts below the window
  EXPECT_TRUE(dev.accesses.empty());                     // device_at only looks
}

TEST(PhysicalBusCode, MarkCodePageReportsFreshPagesOnlyAndOnlyInRam) {
  PhysicalBus bus(kRamBase, kRamSize);
  bus.add_rom(0x1000, 0x1000);
  EXPECT_FALSE(bus.page_has_code(kRamBase + 0x5000));
  EXPECT_TRUE(bus.mark_code_page(kRamBase + 0x5123));
  EXPECT_FALSE(bus.mark_code_page(kRamBase + 0x5ffe));  // same page: not fresh
  EXPECT_TRUE(bus.page_has_code(kRamBase + 0x5000));
  EXPECT_TRUE(bus.page_has_code(kRamBase + 0x5fff));
  EXPECT_FALSE(bus.page_has_code(kRamBase + 0x6000));
  EXPECT_FALSE(bus.page_has_code(kRamBase + 0x4fff));
  // ROM and unmapped addresses are never tracked (ROM cannot change).
  EXPECT_FALSE(bus.mark_code_page(0x1000));
  EXPECT_FALSE(bus.page_has_code(0x1000));
  EXPECT_FALSE(bus.mark_code_page(kRamBase + kRamSize));
  EXPECT_FALSE(bus.mark_code_page(kRamBase - 1));
  EXPECT_TRUE(bus.mark_code_page(kRamBase + kRamSize - 1));
}

TEST(PhysicalBusCode, WritesReportCodePagesOnceInFirstWrittenOrderAndUnmarkThem) {
  PhysicalBus bus(kRamBase, kRamSize);
  const uint64_t a = kRamBase + 0x3000, b = kRamBase + 0x7000, c = kRamBase + 0x8000;
  bus.mark_code_page(a);
  bus.mark_code_page(b);
  bus.mark_code_page(c);
  EXPECT_FALSE(bus.has_stale_code_pages());

  bus.note_ram_write(kRamBase + 0x1000, 0x1000);  // a page without code
  EXPECT_FALSE(bus.has_stale_code_pages());
  bus.note_ram_write(b + 0xff8, 0x10);  // straddles b and c: both, in address order
  bus.note_ram_write(a + 4, 4);
  bus.note_ram_write(b, 8);  // already reported and unmarked: not again
  EXPECT_TRUE(bus.has_stale_code_pages());
  EXPECT_FALSE(bus.page_has_code(a));
  EXPECT_FALSE(bus.page_has_code(b));
  EXPECT_FALSE(bus.page_has_code(c));
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{b, c, a}));
  EXPECT_FALSE(bus.has_stale_code_pages());
  EXPECT_TRUE(bus.take_stale_code_pages().empty());

  // A page marked again after being reported is reported again.
  EXPECT_TRUE(bus.mark_code_page(a));
  bus.note_ram_write(a, 1);
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{a}));
}

TEST(PhysicalBusCode, ZeroLengthWriteAndWriteAtRamEndAreHarmless) {
  PhysicalBus bus(kRamBase, kRamSize);
  const uint64_t last = kRamBase + kRamSize - kPage;
  bus.mark_code_page(last);
  bus.note_ram_write(last, 0);
  EXPECT_FALSE(bus.has_stale_code_pages());
  bus.note_ram_write(last + kPage - 1, 1);
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{last}));
}

TEST(PhysicalBusCode, DmaWriteMarksCodeStaleButDmaReadAndFailedWriteDoNot) {
  PhysicalBus bus(kRamBase, kRamSize);
  const uint64_t page = kRamBase + 0x9000;
  bus.mark_code_page(page);
  std::array<uint8_t, 64> buf{};
  ASSERT_TRUE(bus.read(page, buf.data(), buf.size()));
  EXPECT_FALSE(bus.has_stale_code_pages());
  bus.mark_code_page(kRamBase + kRamSize - kPage);
  EXPECT_FALSE(bus.write(kRamBase + kRamSize - 8, buf.data(), buf.size()));  // refused
  EXPECT_FALSE(bus.has_stale_code_pages());
  ASSERT_TRUE(bus.write(page + 0x20, buf.data(), buf.size()));
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{page}));
}

TEST(PhysicalBusCode, LoadImageMarksCodeStale) {
  PhysicalBus bus(kRamBase, kRamSize);
  const uint64_t page = kRamBase + 0x2000;
  bus.mark_code_page(page);
  const std::vector<uint8_t> image{0x13, 0, 0, 0};
  ASSERT_TRUE(bus.load_image(page + 0x10, image));
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{page}));
}

TEST(PhysicalBusPte, UpdatePteIsACompareAndSwap) {
  PhysicalBus bus(kRamBase, kRamSize);
  const uint64_t pte_addr = kRamBase + 0x4008;
  const uint64_t original = 0x2000'0001;
  ASSERT_TRUE(bus.write(pte_addr, &original, 8));
  uint64_t v = 0;
  ASSERT_TRUE(bus.read_pte(pte_addr, v));
  EXPECT_EQ(v, original);

  // Stale expectation: no store.
  EXPECT_FALSE(bus.update_pte(pte_addr, original + 1, 0x999));
  ASSERT_TRUE(bus.read_pte(pte_addr, v));
  EXPECT_EQ(v, original);
  // Current expectation: stored.
  EXPECT_TRUE(bus.update_pte(pte_addr, original, original | mmu::pte::kA));
  ASSERT_TRUE(bus.read_pte(pte_addr, v));
  EXPECT_EQ(v, original | mmu::pte::kA);
  // The old value no longer matches.
  EXPECT_FALSE(bus.update_pte(pte_addr, original, 0));
  ASSERT_TRUE(bus.read_pte(pte_addr, v));
  EXPECT_EQ(v, original | mmu::pte::kA);
}

TEST(PhysicalBusPte, PtesOutsideRamAreRefusedAndCodePagesNoticed) {
  PhysicalBus bus(kRamBase, kRamSize);
  bus.add_rom(0x1000, 0x1000);
  uint64_t v = 0;
  EXPECT_FALSE(bus.read_pte(0x1000, v));  // page tables live in RAM only
  EXPECT_FALSE(bus.read_pte(kRamBase + kRamSize - 4, v));
  EXPECT_FALSE(bus.update_pte(kRamBase + kRamSize - 4, 0, 1));
  EXPECT_FALSE(bus.update_pte(0x1000, 0, 1));

  const uint64_t page = kRamBase + 0x6000;
  bus.mark_code_page(page);
  ASSERT_TRUE(bus.update_pte(page + 8, 0, 0xc1));
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{page}));
  // A failed compare changes nothing, so it reports nothing.
  bus.mark_code_page(page);
  EXPECT_FALSE(bus.update_pte(page + 8, 0, 0xc3));
  EXPECT_FALSE(bus.has_stale_code_pages());
}

}  // namespace
}  // namespace rwd::systest
