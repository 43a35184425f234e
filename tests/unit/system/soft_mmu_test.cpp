// SoftMmu data accesses: physical (M mode), Sv39 4 KiB and 2 MiB pages, TLB fills and
// flushes, A/D updates, page faults, SUM/MPRV/MXR and misaligned accesses across pages.
#include "system/soft_mmu.h"

#include <gtest/gtest.h>

#include "mmu_fixture.h"

namespace rwd::systest {
namespace {

using priv::Priv;
namespace pte = mmu::pte;
namespace ms = priv::mstatus;

TEST_F(MmuTest, MachineModeIsPhysicalAndFillsTheMachineTlb) {
  const uint64_t pa = kData + 0x18;
  poke64(pa, 0x8877665544332211);
  ASSERT_EQ(mmu.data_mode(), kTlbMachine);
  EXPECT_EQ(load(pa).value, 0x8877665544332211u);
  EXPECT_EQ(load(pa + 1, kMemSize8).value, 0x22u);
  EXPECT_EQ(load(pa + 7, kMemSize8 | kMemSigned).value, 0xffff'ffff'ffff'ff88u);
  EXPECT_EQ(load(pa + 4, kMemSize32 | kMemSigned).value, 0xffff'ffff'8877'6655u);
  EXPECT_EQ(load(pa + 4, kMemSize32).value, 0x8877'6655u);

  const TlbEntry& e = entry(kTlbMachine, pa);
  EXPECT_EQ(e.read_tag, pa & ~(kPage - 1));
  // A load does not let stores into a page not yet marked dirty: the first store must come
  // to the slow path, which marks it for the checkpoints.
  EXPECT_EQ(e.write_tag, kTlbInvalidTag);
  EXPECT_EQ(host_of(kTlbMachine, pa), host_ram(pa));
  // Other modes are untouched.
  EXPECT_EQ(entry(kTlbSupervisor, pa).read_tag, kTlbInvalidTag);

  ASSERT_FALSE(store(pa, 0xabcd, kMemSize16).faulted);
  EXPECT_EQ(phys64(pa), 0x887766554433abcdu);
  EXPECT_EQ(e.write_tag, pa & ~(kPage - 1));
  EXPECT_TRUE(bus.page_dirty(pa));
}

TEST_F(MmuTest, StoresAfterTheDirtyRecordIsTakenAreSeenAgain) {
  const uint64_t pa = kData + 0x5000;
  ASSERT_FALSE(store(pa, 1).faulted);
  const std::vector<uint32_t> first = bus.take_dirty_pages();
  EXPECT_NE(std::find(first.begin(), first.end(), uint32_t((pa - kRamBase) >> 12)), first.end());
  EXPECT_TRUE(bus.take_dirty_pages().empty());
  mmu.revoke_inline_stores();
  ASSERT_FALSE(store(pa + 8, 2).faulted);
  EXPECT_EQ(bus.take_dirty_pages(), std::vector<uint32_t>{uint32_t((pa - kRamBase) >> 12)});
}

TEST_F(MmuTest, TlbHitsDoNotWalkOrCountAsSlow) {
  const uint64_t pa = kData;
  ASSERT_FALSE(load(pa).faulted);
  ASSERT_FALSE(store(pa, 1).faulted);  // the first store marks the page dirty, slowly
  const system::MmuStats before = mmu.stats();
  ASSERT_FALSE(load(pa + 8).faulted);
  ASSERT_FALSE(store(pa + 16, 1).faulted);
  EXPECT_EQ(mmu.stats().slow_loads, before.slow_loads);
  EXPECT_EQ(mmu.stats().slow_stores, before.slow_stores);
}

TEST_F(MmuTest, AlignedOpsRaiseMisalignedWithTheAddress) {
  Outcome o = load(kData + 4, kMemSize64 | kMemAligned);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadMisaligned);
  EXPECT_EQ(o.tval, kData + 4);
  o = store(kData + 2, 0, kMemSize32 | kMemAligned);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kStoreMisaligned);
  EXPECT_EQ(o.tval, kData + 2);
  EXPECT_FALSE(load(kData + 4, kMemSize64).faulted);  // without the flag: fine
}

TEST_F(MmuTest, PhysicalHolesRaiseAccessFaults) {
  Outcome o = load(0x4000'0000);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadAccessFault);
  EXPECT_EQ(o.tval, 0x4000'0000u);
  o = store(kRamBase + kRamSize, 0);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kStoreAccessFault);
}

TEST_F(MmuTest, Sv39FourKPageTranslatesAndFillsTheSupervisorTlb) {
  const uint64_t va = 0x1234'5000, pa = kData + 0x3000;
  pt.map(va, pa, kRWAD);
  poke64(pa + 0x40, 42);
  enter(Priv::kSupervisor);
  ASSERT_EQ(mmu.data_mode(), kTlbSupervisor);
  const Outcome o = load(va + 0x40);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 42u);
  const TlbEntry& e = entry(kTlbSupervisor, va);
  EXPECT_EQ(e.read_tag, va);
  EXPECT_EQ(host_of(kTlbSupervisor, va), host_ram(pa));
  ASSERT_FALSE(store(va + 0x48, 7).faulted);
  EXPECT_EQ(e.write_tag, va);
  EXPECT_EQ(phys64(pa + 0x48), 7u);
  // The identity-mapped physical address is not mapped.
  EXPECT_TRUE(load(pa).faulted);
}

TEST_F(MmuTest, Sv39MegapageMapsEveryFourKPieceAtItsOffset) {
  const uint64_t va = 0x0060'0000, pa = kRamBase + 0x40'0000;  // both 2 MiB aligned
  pt.map(va, pa, kRWAD, 1);
  poke64(pa + 0x1'2340, 0x5151);
  enter(Priv::kSupervisor);
  const Outcome o = load(va + 0x1'2340);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 0x5151u);
  EXPECT_EQ(entry(kTlbSupervisor, va + 0x1'2000).read_tag, va + 0x1'2000);
  EXPECT_EQ(host_of(kTlbSupervisor, va + 0x1'2000), host_ram(pa + 0x1'2000));
  ASSERT_FALSE(store(va + 0x1f'fff8, 99).faulted);
  EXPECT_EQ(phys64(pa + 0x1f'fff8), 99u);
}

TEST_F(MmuTest, WalkSetsAOnLoadAndDOnlyOnStoreAndCleanPagesAreNotWritableInline) {
  const uint64_t va = 0x4000, pa = kData;
  const uint64_t leaf = pt.map(va, pa, pte::kR | pte::kW);
  enter(Priv::kSupervisor);
  ASSERT_FALSE(load(va).faulted);
  EXPECT_EQ(pt.read(leaf) & (pte::kA | pte::kD), pte::kA);
  // Loaded but clean: a store must not hit inline (it has to set D).
  EXPECT_EQ(entry(kTlbSupervisor, va).read_tag, va);
  EXPECT_EQ(entry(kTlbSupervisor, va).write_tag, kTlbInvalidTag);
  const uint64_t slow_before = mmu.stats().slow_stores;
  ASSERT_FALSE(store(va + 8, 1).faulted);
  EXPECT_EQ(mmu.stats().slow_stores, slow_before + 1);
  EXPECT_EQ(pt.read(leaf) & (pte::kA | pte::kD), pte::kA | pte::kD);
  EXPECT_EQ(entry(kTlbSupervisor, va).write_tag, va);
}

TEST_F(MmuTest, PageFaultsCarryTheRightCauseAndAddress) {
  pt.map(0x5000, kData, pte::kR | pte::kA);            // read-only
  pt.map(0x6000, kData + kPage, pte::kX | pte::kA);    // execute-only
  enter(Priv::kSupervisor);
  Outcome o = load(0x7008);  // unmapped
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadPageFault);
  EXPECT_EQ(o.tval, 0x7008u);
  o = store(0x5010, 1);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kStorePageFault);
  EXPECT_EQ(o.tval, 0x5010u);
  EXPECT_EQ(phys64(kData + 0x10), 0u);
  o = load(0x6000);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadPageFault);
  o = locate(0x5000);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kInsnPageFault);
  EXPECT_EQ(o.tval, 0x5000u);
  // A read-only page that was loaded from must still refuse stores (no write tag).
  ASSERT_FALSE(load(0x5000).faulted);
  EXPECT_TRUE(store(0x5000, 1).faulted);
}

TEST_F(MmuTest, MappingToAPhysicalHoleIsAnAccessFault) {
  pt.map(0x5000, 0x4000'0000, kRWAD);  // maps to a hole
  enter(Priv::kSupervisor);
  const Outcome o = load(0x5000);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadAccessFault);
  EXPECT_EQ(o.tval, 0x5000u);
}

TEST_F(MmuTest, SfenceOfOnePageDropsOnlyThatPage) {
  const uint64_t leaf_a = pt.map(0x1000, kData, kRWAD);
  pt.map(0x2000, kData + kPage, kRWAD);
  poke64(kData, 1);
  poke64(kData + kPage, 2);
  poke64(kData + 2 * kPage, 3);
  enter(Priv::kSupervisor);
  ASSERT_EQ(load(0x1000).value, 1u);
  ASSERT_EQ(load(0x2000).value, 2u);
  // Remap both pages to the third frame without a fence: the TLB still has the old mappings.
  pt.write(leaf_a, ((kData + 2 * kPage) >> 12) << pte::kPpnShift | kRWAD | pte::kV);
  pt.map(0x2000, kData + 2 * kPage, kRWAD);
  EXPECT_EQ(load(0x1000).value, 1u);
  mmu.flush_tlb_page(0x1ff8);  // any address inside the page
  EXPECT_EQ(load(0x1000).value, 3u);
  EXPECT_EQ(load(0x2000).value, 2u);  // not flushed
  mmu.flush_tlb();
  EXPECT_EQ(load(0x2000).value, 3u);
}

TEST_F(MmuTest, FlushTlbInvalidatesEveryModeAndInstructionFetch) {
  ASSERT_FALSE(load(kData).faulted);
  pt.map(0x1000, kData, kRWXAD);
  enter(Priv::kSupervisor);
  ASSERT_FALSE(load(0x1000).faulted);
  ASSERT_FALSE(locate(0x1000).faulted);
  uint64_t walks = mmu.stats().page_walks;
  ASSERT_FALSE(locate(0x1004).faulted);
  ASSERT_EQ(mmu.stats().page_walks, walks);  // the fetch translation is cached
  const uint64_t flushes = mmu.stats().tlb_flushes;
  mmu.flush_tlb();
  EXPECT_EQ(mmu.stats().tlb_flushes, flushes + 1);
  for (unsigned m = 0; m < kTlbModes; ++m) {
    for (unsigned i = 0; i < kTlbEntries; ++i) {
      const TlbEntry& e = cpu.tlb.entries[m][i];
      ASSERT_EQ(e.read_tag, kTlbInvalidTag);
      ASSERT_EQ(e.write_tag, kTlbInvalidTag);
    }
  }
  walks = mmu.stats().page_walks;
  ASSERT_FALSE(locate(0x1004).faulted);
  EXPECT_EQ(mmu.stats().page_walks, walks + 1);  // ... and was flushed too
}

TEST_F(MmuTest, SfenceOfOnePageAlsoDropsItsFetchTranslation) {
  const uint64_t leaf = pt.map(0x1000, kData, kRWXAD);
  enter(Priv::kSupervisor);
  ASSERT_EQ(locate(0x1010).value, kData + 0x10);
  pt.write(leaf, ((kData + kPage) >> 12) << pte::kPpnShift | kRWXAD | pte::kV);
  EXPECT_EQ(locate(0x1010).value, kData + 0x10);  // cached until the fence
  mmu.flush_tlb_page(0x1000);
  EXPECT_EQ(locate(0x1010).value, kData + kPage + 0x10);
}

// Bug: SoftMmu::flush_tlb_page (core/system/soft_mmu.cpp) drops only the 4 KiB TLB entry at
// tlb_index(vaddr), but a 2 MiB page is entered as one 4 KiB entry per piece touched, so
// sfence.vma with an address in a superpage leaves the other pieces' stale translations.
// The spec's sfence.vma rs1 orders accesses through the *leaf PTE* for vaddr, which for a
// superpage covers all of it (Linux flushes a huge mapping with one sfence.vma per 2 MiB:
// flush_tlb_range with stride PMD_SIZE). QEMU flushes the whole large page (tlb_flush_page
// on an address within the recorded large-page region flushes everything).
TEST_F(MmuTest, SfenceOfAnAddressInAMegapageDropsTheWholeMegapage) {
  const uint64_t va = 0x0060'0000;
  const uint64_t old_pa = kRamBase + 0x40'0000, new_pa = kRamBase + 0x60'0000;
  const uint64_t leaf = pt.map(va, old_pa, kRWAD, 1);
  poke64(old_pa + 0x5000, 1);
  poke64(new_pa + 0x5000, 2);
  enter(Priv::kSupervisor);
  ASSERT_EQ(load(va + 0x5000).value, 1u);
  pt.write(leaf, (new_pa >> 12) << pte::kPpnShift | kRWAD | pte::kV);
  mmu.flush_tlb_page(va);  // sfence.vma va: the leaf PTE of the whole 2 MiB page
  EXPECT_EQ(load(va + 0x5000).value, 2u);
}

TEST_F(MmuTest, SumSelectsItsOwnTlbAndAllowsUserPages) {
  const uint64_t va = 0x8000;
  pt.map(va, kData, kRWAD | pte::kU);
  poke64(kData, 77);
  enter(Priv::kSupervisor);
  ASSERT_EQ(mmu.data_mode(), kTlbSupervisor);
  Outcome o = load(va);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadPageFault);

  set_mstatus_bit(ms::kSUM, true);
  ASSERT_EQ(mmu.data_mode(), kTlbSupervisorSum);
  o = load(va);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 77u);
  EXPECT_EQ(entry(kTlbSupervisorSum, va).read_tag, va);
  EXPECT_EQ(entry(kTlbSupervisor, va).read_tag, kTlbInvalidTag);

  // Clearing SUM needs no flush: the plain supervisor TLB still refuses.
  set_mstatus_bit(ms::kSUM, false);
  EXPECT_TRUE(load(va).faulted);
  // User mode uses its own TLB.
  enter(Priv::kUser);
  ASSERT_EQ(mmu.data_mode(), kTlbUser);
  EXPECT_EQ(load(va).value, 77u);
  EXPECT_EQ(entry(kTlbUser, va).read_tag, va);
}

TEST_F(MmuTest, MprvWithMppSupervisorTranslatesMachineLoadsAndStores) {
  const uint64_t va = 0x9000;
  pt.map(va, kData, kRWAD);
  poke64(kData, 0x600d);
  hart.state().satp = pt.satp();
  mmu.mapping_may_have_changed();
  ASSERT_EQ(hart.state().priv, Priv::kMachine);
  hart.state().mstatus |= ms::kMPRV | (uint64_t{1} << ms::kMPPShift);
  EXPECT_EQ(mmu.data_mode(), kTlbSupervisor);
  EXPECT_EQ(mmu.fetch_mode(), kTlbMachine);  // fetches ignore MPRV
  EXPECT_EQ(load(va).value, 0x600du);
  ASSERT_FALSE(store(va + 8, 5).faulted);
  EXPECT_EQ(phys64(kData + 8), 5u);
  // MPP=M: physical again.
  hart.state().mstatus |= ms::kMPP;
  EXPECT_EQ(mmu.data_mode(), kTlbMachine);
  EXPECT_EQ(load(kData).value, 0x600du);
  // MPRV outside M mode has no effect.
  hart.state().mstatus = ms::kMPRV;  // MPP = U
  enter(Priv::kSupervisor);
  EXPECT_EQ(mmu.data_mode(), kTlbSupervisor);
}

TEST_F(MmuTest, MxrChangeFlushesThroughMappingMayHaveChanged) {
  const uint64_t va = 0xa000;
  pt.map(va, kData, pte::kX | pte::kA);
  poke64(kData, 0x3c);
  enter(Priv::kSupervisor);
  ASSERT_TRUE(load(va).faulted);
  uint64_t flushes = mmu.stats().tlb_flushes;
  mmu.mapping_may_have_changed();  // nothing changed: no flush
  EXPECT_EQ(mmu.stats().tlb_flushes, flushes);

  set_mstatus_bit(ms::kMXR, true);
  mmu.mapping_may_have_changed();
  EXPECT_EQ(mmu.stats().tlb_flushes, flushes + 1);
  Outcome o = load(va);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 0x3cu);
  EXPECT_EQ(entry(kTlbSupervisor, va).read_tag, va);

  // Back off: the entry filled under MXR must not keep allowing the load.
  set_mstatus_bit(ms::kMXR, false);
  flushes = mmu.stats().tlb_flushes;
  mmu.mapping_may_have_changed();
  EXPECT_EQ(mmu.stats().tlb_flushes, flushes + 1);
  o = load(va);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadPageFault);
}

TEST_F(MmuTest, SatpChangeFlushesThroughMappingMayHaveChanged) {
  pt.map(0xb000, kData, kRWAD);
  enter(Priv::kSupervisor);
  ASSERT_FALSE(load(0xb000).faulted);
  Sv39Tables other(bus, kRamBase + 0x18'0000);
  other.map(0xb000, kData + kPage, kRWAD);
  poke64(kData + kPage, 0x0b);
  hart.state().satp = other.satp();
  mmu.mapping_may_have_changed();
  EXPECT_EQ(load(0xb000).value, 0x0bu);
}

TEST_F(MmuTest, MisalignedStoreAcrossPagesIsPreciseWhenTheSecondPageFaults) {
  pt.map(0xc000, kData, kRWAD);  // 0xd000 unmapped
  enter(Priv::kSupervisor);
  poke64(kData + 0xff8, 0x1111111111111111);
  const Outcome o = store(0xcffc, 0xaabbccddeeff0011);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kStorePageFault);
  EXPECT_GE(o.tval, 0xcffcu);
  EXPECT_LT(o.tval, 0xd004u);
  EXPECT_EQ(phys64(kData + 0xff8), 0x1111111111111111u);  // not one byte written
}

TEST_F(MmuTest, MisalignedStoreAcrossPagesToReadOnlySecondPageIsPrecise) {
  pt.map(0xc000, kData, kRWAD);
  pt.map(0xd000, kData + kPage, pte::kR | pte::kA);
  enter(Priv::kSupervisor);
  const Outcome o = store(0xcffe, 0xffffffff, kMemSize32);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kStorePageFault);
  EXPECT_EQ(phys64(kData + 0xff8), 0u);
  EXPECT_EQ(phys64(kData + kPage), 0u);
}

TEST_F(MmuTest, MisalignedAccessesAcrossPagesFollowEachPagesMapping) {
  // Virtually adjacent, physically apart (second page below the first).
  pt.map(0xe000, kData + 5 * kPage, kRWAD);
  pt.map(0xf000, kData + 2 * kPage, kRWAD);
  enter(Priv::kSupervisor);
  ASSERT_FALSE(store(0xeffd, 0x8877665544332211).faulted);
  EXPECT_EQ(phys64(kData + 5 * kPage + 0xff8) >> 40, 0x332211u);
  EXPECT_EQ(phys64(kData + 2 * kPage) & 0xff'ffff'ffff, 0x8877665544u);
  EXPECT_EQ(load(0xeffd).value, 0x8877665544332211u);
  EXPECT_EQ(load(0xeffe, kMemSize32 | kMemSigned).value, 0x5544'3322u);
  EXPECT_EQ(load(0xefff, kMemSize16 | kMemSigned).value, 0x4433u);
  ASSERT_FALSE(store(0xf000, 0x80, kMemSize8).faulted);
  EXPECT_EQ(load(0xefff, kMemSize16 | kMemSigned).value, 0xffff'ffff'ffff'8033u);
  EXPECT_EQ(load(0xefff, kMemSize16).value, 0x8033u);
  const Outcome o = load(0xeffd, kMemSize64 | kMemAligned);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadMisaligned);
}

TEST_F(MmuTest, NonUniformPmpPageIsNeverCachedButStillChecked) {
  // Entry 0 (highest priority): NA4 at kData + 0x100, no permissions. Entry 1: everything.
  csr_write(priv::csr::kPmpaddr0, (kData + 0x100) >> 2);
  csr_write(priv::csr::kPmpaddr0 + 1, mmu::kPmpAddrMask);
  const uint64_t napot = uint64_t(mmu::PmpAddressMode::kNapot) << mmu::pmpcfg::kModeShift;
  const uint64_t na4 = uint64_t(mmu::PmpAddressMode::kNa4) << mmu::pmpcfg::kModeShift;
  csr_write(priv::csr::kPmpcfg0, na4 | (napot | 7) << 8);
  pt.map(0x3000, kData, kRWAD);
  enter(Priv::kSupervisor);
  ASSERT_FALSE(load(0x3000).faulted);
  EXPECT_EQ(entry(kTlbSupervisor, 0x3000).read_tag, kTlbInvalidTag);
  const Outcome o = load(0x3100, kMemSize32);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kLoadAccessFault);
  EXPECT_EQ(o.tval, 0x3100u);
}

}  // namespace
}  // namespace rwd::systest
