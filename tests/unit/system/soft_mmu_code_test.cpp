// SoftMmu beyond plain RAM data: instruction fetch and code pages, code locations and block
// rules, ROM, device accesses (restart unless allowed) and the HTIF tohost watch.
#include <gtest/gtest.h>

#include <vector>

#include "cpu/code_flags.h"
#include "mmu_fixture.h"

namespace rwd::systest {
namespace {

using priv::Priv;
namespace pte = mmu::pte;
namespace ms = priv::mstatus;

constexpr uint64_t kDevBase = 0x1000'0000;

class MmuCodeTest : public MmuTest {
 protected:
  MmuCodeTest() {
    bus.add_rom(0x1000, 0x2000);
    bus.add_device(kDevBase, device);
  }
  bool fetch(uint64_t va, uint16_t* out) {
    bool ok = false;
    const Outcome o = guarded(cpu, [&] { return uint64_t(ok = mmu.fetch16(va, out)); });
    EXPECT_FALSE(o.faulted) << "fetch16 must report failure, not raise";
    return ok;
  }
  RecordingDevice device{0x100};
};

TEST_F(MmuCodeTest, StoreAfterFetchMarkedThePageGoesSlowAndYieldsAStaleCodePage) {
  const uint64_t code = kData + 0x40;
  poke64(code, 0x0000'0013'0000'0013);  // two nops
  ASSERT_FALSE(store(code + 0x100, 1).faulted);  // fills a write tag for the page
  ASSERT_EQ(entry(kTlbMachine, code).write_tag, code & ~(kPage - 1));

  uint16_t half = 0;
  ASSERT_TRUE(fetch(code, &half));
  EXPECT_EQ(half, 0x13);
  EXPECT_TRUE(bus.page_has_code(code));
  EXPECT_EQ(entry(kTlbMachine, code).write_tag, kTlbInvalidTag);
  EXPECT_EQ(entry(kTlbMachine, code).read_tag, code & ~(kPage - 1));  // loads stay inline

  EXPECT_FALSE(bus.has_stale_code_pages());
  const uint64_t slow = mmu.stats().slow_stores;
  ASSERT_FALSE(store(code + 0x800, 2, kMemSize32).faulted);
  EXPECT_EQ(mmu.stats().slow_stores, slow + 1);
  EXPECT_EQ(phys64(code + 0x800), 2u);
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{code & ~(kPage - 1)}));
}

TEST_F(MmuCodeTest, FetchForgetsWriteTagsOfEveryVirtualAliasOfThePage) {
  const uint64_t va = 0x7000, pa = kData + 0x5000;
  pt.map(va, pa, kRWAD);
  hart.state().satp = pt.satp();
  hart.state().mstatus |= ms::kMPRV | (uint64_t{1} << ms::kMPPShift);  // M loads through S
  mmu.mapping_may_have_changed();
  ASSERT_FALSE(store(va, 1).faulted);
  ASSERT_EQ(entry(kTlbSupervisor, va).write_tag, va);

  uint16_t half;
  ASSERT_TRUE(fetch(pa + 0x10, &half));  // M-mode fetch of the same physical page
  EXPECT_EQ(entry(kTlbSupervisor, va).write_tag, kTlbInvalidTag);
  ASSERT_FALSE(store(va + 8, 2).faulted);
  EXPECT_EQ(bus.take_stale_code_pages(), (std::vector<uint64_t>{pa}));
}

TEST_F(MmuCodeTest, FillsAfterFetchNeverMakeACodePageWritableInline) {
  const uint64_t pa = kData + 0x6000;
  uint16_t half;
  ASSERT_TRUE(fetch(pa, &half));
  mmu.flush_tlb();
  ASSERT_FALSE(load(pa + 8).faulted);  // refill by a load
  EXPECT_EQ(entry(kTlbMachine, pa).read_tag, pa);
  EXPECT_EQ(entry(kTlbMachine, pa).write_tag, kTlbInvalidTag);
  ASSERT_TRUE(fetch(pa + 2, &half));  // second fetch: already marked, nothing changes
  EXPECT_FALSE(bus.has_stale_code_pages());
}

TEST_F(MmuCodeTest, FetchRefusesNonExecutableAndUnbackedMemory) {
  pt.map(0x2000, kData, kRWAD);             // no X
  pt.map(0x3000, kData, kRWXAD | pte::kU);  // user page: S cannot execute it
  pt.map(0x4000, kData, kRWXAD);
  enter(Priv::kSupervisor);
  uint16_t half;
  EXPECT_FALSE(fetch(0x2000, &half));
  EXPECT_FALSE(fetch(0x3000, &half));
  EXPECT_FALSE(fetch(0x9000, &half));
  EXPECT_FALSE(bus.page_has_code(kData));
  EXPECT_TRUE(fetch(0x4000, &half));
  EXPECT_TRUE(bus.page_has_code(kData));
  // A second fetch from the page hits the TLB: no walk.
  const uint64_t walks = mmu.stats().page_walks;
  EXPECT_TRUE(fetch(0x4ffe, &half));
  EXPECT_EQ(mmu.stats().page_walks, walks);

  enter(Priv::kMachine, false);
  EXPECT_FALSE(fetch(kDevBase, &half));  // devices are not executable
  EXPECT_FALSE(fetch(0x4000'0000, &half));
  EXPECT_TRUE(device.accesses.empty());
}

TEST_F(MmuCodeTest, RaiseFetchFaultNamesThePageOrAccessFault) {
  pt.map(0x2000, kData, kRWAD);
  enter(Priv::kSupervisor);
  Outcome o = guarded(cpu, [&]() -> uint64_t { mmu.raise_fetch_fault(cpu, 0x2004); });
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kInsnPageFault);
  EXPECT_EQ(o.tval, 0x2004u);
  enter(Priv::kMachine, false);
  o = guarded(cpu, [&]() -> uint64_t { mmu.raise_fetch_fault(cpu, kDevBase + 8); });
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kInsnAccessFault);
  EXPECT_EQ(o.tval, kDevBase + 8);
}

TEST_F(MmuCodeTest, LocateCodeGivesPhysicalAddressAndModeFlags) {
  hart.state().mstatus |= uint64_t{1} << ms::kFSShift;  // FS = Initial
  Outcome o = locate(kData + 0x124);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, kData + 0x124);
  EXPECT_EQ(mmu.code_flags(), code_flags::make(3, kTlbMachine, 1));
  cpu.pc = kData;
  EXPECT_EQ(mmu.locate_code(cpu).flags, code_flags::make(3, kTlbMachine, 1));

  // Same pc under MPRV (MPP = S): other flags, so blocks are not shared.
  hart.state().mstatus |= ms::kMPRV | (uint64_t{1} << ms::kMPPShift);
  EXPECT_EQ(mmu.code_flags(), code_flags::make(3, kTlbSupervisor, 1));
  hart.state().mstatus &= ~(ms::kMPRV | ms::kMPP);

  const uint64_t va = 0x40'1000;
  pt.map(va, kData + 0x7000, kRWXAD);
  enter(Priv::kSupervisor);
  hart.state().mstatus |= ms::kFSDirty | ms::kSUM;
  o = locate(va + 0x2a);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, kData + 0x7000 + 0x2a);
  cpu.pc = va + 0x2a;
  const uint32_t flags = mmu.locate_code(cpu).flags;
  EXPECT_TRUE(code_flags::system(flags));
  EXPECT_EQ(code_flags::priv(flags), 1u);
  EXPECT_EQ(code_flags::tlb_mode(flags), unsigned(kTlbSupervisorSum));
  EXPECT_EQ(code_flags::fs(flags), 3u);
  // The TLB hit path gives the same answer as the walk.
  o = locate(va + 0x2a);
  EXPECT_EQ(o.value, kData + 0x7000 + 0x2a);

  enter(Priv::kUser);
  o = locate(va);  // S page from U
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kInsnPageFault);
  EXPECT_EQ(o.tval, va);
  enter(Priv::kMachine, false);
  o = locate(0x4000'0000);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kInsnAccessFault);
}

TEST_F(MmuCodeTest, BlocksAreCachedAndChainedOnlyWithinOnePage) {
  EXPECT_TRUE(mmu.cacheable_block(0x8000'0000, 4));
  EXPECT_TRUE(mmu.cacheable_block(0x8000'0ffc, 4));
  EXPECT_TRUE(mmu.cacheable_block(0x8000'0000, 4096));
  EXPECT_FALSE(mmu.cacheable_block(0x8000'0ffe, 4));  // instruction crossing the page end
  EXPECT_FALSE(mmu.cacheable_block(0x8000'0000, 4097));
  EXPECT_TRUE(mmu.may_chain(0x8000'0010, 0x8000'0ffe));
  EXPECT_FALSE(mmu.may_chain(0x8000'0ffe, 0x8000'1000));
  EXPECT_FALSE(mmu.may_chain(0x8000'1000, 0x8000'0ffc));
  EXPECT_FALSE(mmu.lookup_by_pc_alone());
  EXPECT_TRUE(mmu.uses_tlb());
}

TEST_F(MmuCodeTest, RomIsReadableExecutableAndIgnoresStores) {
  const std::vector<uint8_t> image{0x97, 0x02, 0x00, 0x00};  // auipc t0, 0
  ASSERT_TRUE(bus.load_image(0x1000, image));
  EXPECT_EQ(load(0x1000, kMemSize32).value, 0x297u);
  ASSERT_FALSE(store(0x1000, 0xffff'ffff, kMemSize32).faulted);
  EXPECT_EQ(load(0x1000, kMemSize32).value, 0x297u);
  EXPECT_EQ(entry(kTlbMachine, 0x1000).write_tag, kTlbInvalidTag);
  uint16_t half;
  ASSERT_TRUE(fetch(0x1000, &half));
  EXPECT_EQ(half, 0x297);
  EXPECT_FALSE(bus.page_has_code(0x1000));
  // Beyond the ROM's end: nothing.
  const Outcome o = load(0x3000);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadAccessFault);
}

TEST_F(MmuCodeTest, DeviceAccessRestartsUntilAllowedAndNeverTouchesTheDeviceBefore) {
  Outcome o = load(kDevBase + 0x10, kMemSize32);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kDeviceAccessRestart);
  EXPECT_EQ(o.tval, kDevBase + 0x10);
  o = store(kDevBase + 0x18, 5, kMemSize8);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kDeviceAccessRestart);
  EXPECT_TRUE(device.accesses.empty());
  EXPECT_EQ(mmu.stats().device_accesses, 0u);

  mmu.set_device_access_allowed(true);
  o = load(kDevBase + 0x10, kMemSize32);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 0x1004u);  // 32-bit load of the device's 64-bit answer
  ASSERT_FALSE(store(kDevBase + 0x18, 0x1ff, kMemSize8).faulted);
  ASSERT_FALSE(store(kDevBase + 0xf8, 0x0123'4567'89ab'cdef).faulted);
  ASSERT_EQ(device.accesses.size(), 3u);
  EXPECT_FALSE(device.accesses[0].write);
  EXPECT_EQ(device.accesses[0].offset, 0x10u);
  EXPECT_EQ(device.accesses[0].bytes, 4u);
  EXPECT_TRUE(device.accesses[1].write);
  EXPECT_EQ(device.accesses[1].offset, 0x18u);
  EXPECT_EQ(device.accesses[1].bytes, 1u);
  EXPECT_EQ(device.accesses[1].value & 0xff, 0xffu);
  EXPECT_EQ(device.accesses[2].offset, 0xf8u);
  EXPECT_EQ(device.accesses[2].bytes, 8u);
  EXPECT_EQ(device.accesses[2].value, 0x0123'4567'89ab'cdefu);
  EXPECT_EQ(mmu.stats().device_accesses, 3u);
  // Device pages are never entered in the TLB: every access must reach the device.
  EXPECT_EQ(entry(kTlbMachine, kDevBase).read_tag, kTlbInvalidTag);
  EXPECT_EQ(entry(kTlbMachine, kDevBase).write_tag, kTlbInvalidTag);
  EXPECT_EQ(load(kDevBase, kMemSize8 | kMemSigned).value, 0x01u);
  EXPECT_EQ(device.accesses.size(), 4u);

  mmu.set_device_access_allowed(false);
  EXPECT_EQ(load(kDevBase).cause, Cause::kDeviceAccessRestart);
  EXPECT_EQ(device.accesses.size(), 4u);
}

TEST_F(MmuCodeTest, DeviceAccessesOutsideTheWindowAreAccessFaults) {
  mmu.set_device_access_allowed(true);
  Outcome o = load(kDevBase + 0xfc);  // 8 bytes from 0xfc straddle the window end
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadAccessFault);
  o = store(kDevBase + 0x100, 0, kMemSize8);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kStoreAccessFault);
  EXPECT_TRUE(device.accesses.empty());
}

TEST_F(MmuCodeTest, DeviceReachedThroughAPageMappingGetsThePhysicalOffset) {
  pt.map(0x5000, kDevBase, kRWAD);
  enter(Priv::kSupervisor);
  EXPECT_EQ(load(0x5020, kMemSize16).cause, Cause::kDeviceAccessRestart);
  EXPECT_TRUE(device.accesses.empty());
  mmu.set_device_access_allowed(true);
  ASSERT_FALSE(store(0x5020, 0xbeef, kMemSize16).faulted);
  ASSERT_EQ(device.accesses.size(), 1u);
  EXPECT_EQ(device.accesses[0].offset, 0x20u);
  EXPECT_EQ(device.accesses[0].bytes, 2u);
  EXPECT_EQ(device.accesses[0].value & 0xffff, 0xbeefu);
}

TEST_F(MmuCodeTest, TohostStoresReachTheWatchOnlyWhenAllowed) {
  const uint64_t tohost = kData + 0x1000;
  std::vector<uint64_t> seen;
  mmu.watch_tohost(tohost, [&](uint64_t v) { seen.push_back(v); });
  Outcome o = store(tohost, 0x21);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kDeviceAccessRestart);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(phys64(tohost), 0u);

  // Other words of the watched page are plain memory, but never written inline (no tag).
  ASSERT_FALSE(store(tohost + 8, 3).faulted);
  EXPECT_EQ(phys64(tohost + 8), 3u);
  EXPECT_EQ(entry(kTlbMachine, tohost).write_tag, kTlbInvalidTag);
  EXPECT_EQ(entry(kTlbMachine, tohost).read_tag, tohost);
  EXPECT_TRUE(seen.empty());

  mmu.set_device_access_allowed(true);
  ASSERT_FALSE(store(tohost, 0x21).faulted);
  EXPECT_EQ(seen, (std::vector<uint64_t>{0x21}));
  EXPECT_EQ(phys64(tohost), 0x21u);
  EXPECT_EQ(load(tohost).value, 0x21u);  // loads are ordinary
  EXPECT_EQ(seen.size(), 1u);
}

TEST_F(MmuCodeTest, WatchingTohostDropsAnExistingWriteTag) {
  const uint64_t tohost = kData + 0x2000;
  ASSERT_FALSE(store(tohost + 8, 1).faulted);
  ASSERT_EQ(entry(kTlbMachine, tohost).write_tag, tohost);
  int calls = 0;
  mmu.watch_tohost(tohost, [&](uint64_t) { ++calls; });
  mmu.set_device_access_allowed(true);
  ASSERT_FALSE(store(tohost, 1).faulted);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace rwd::systest
