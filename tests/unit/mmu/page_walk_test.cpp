// Successful translations: Bare and M-mode identity, leaves at every level for Sv39 and Sv48,
// what a TLB may cache, and the hardware A/D update including its compare-and-store retry.
// Expectations are hand-computed addresses, not a second implementation of the walk.
#include "mmu/page_walk.h"

#include <gtest/gtest.h>

#include "fake_memory.h"

namespace rwd::mmu {
namespace {

using testing::FakePhysicalMemory;
using testing::kAD;
using testing::kLeafRWX;
using testing::kRomBase;
using testing::make_pte;
using testing::make_satp;
using testing::PageTableBuilder;

constexpr uint64_t kV = pte::kV, kR = pte::kR, kW = pte::kW, kX = pte::kX, kU = pte::kU,
                   kG = pte::kG, kA = pte::kA, kD = pte::kD;

WalkRequest request_for(uint64_t satp, uint64_t vaddr, AccessType access,
                        Privilege privilege = Privilege::kSupervisor) {
  WalkRequest request;
  request.satp = satp;
  request.vaddr = vaddr;
  request.access = access;
  request.privilege = privilege;
  return request;
}

TEST(PageWalkIdentity, BareModeTranslatesNothing) {
  FakePhysicalMemory memory;
  for (Privilege privilege : {Privilege::kUser, Privilege::kSupervisor, Privilege::kMachine}) {
    const WalkResult result =
        translate(request_for(0, 0xdead'beef'1234'5678, AccessType::kStore, privilege), memory);
    ASSERT_TRUE(result.ok);
    EXPECT_FALSE(result.translated);
    EXPECT_EQ(result.paddr, 0xdead'beef'1234'5678u);
    EXPECT_EQ(result.permissions, kAllPermissions);
    EXPECT_TRUE(result.dirty);
  }
  EXPECT_EQ(memory.reads, 0);
}

TEST(PageWalkIdentity, MachineModeIgnoresSatp) {
  FakePhysicalMemory memory;
  // The root would be in unmapped memory: a walk would fault, so none must happen.
  for (uint64_t mode : {satp::kModeSv39, satp::kModeSv48, satp::kModeSv57}) {
    const WalkResult result =
        translate(request_for(make_satp(mode, testing::kHoleBase), 0x8000'0123, AccessType::kFetch,
                              Privilege::kMachine),
                  memory);
    ASSERT_TRUE(result.ok);
    EXPECT_FALSE(result.translated);
    EXPECT_EQ(result.paddr, 0x8000'0123u);
  }
  EXPECT_EQ(memory.reads, 0);
}

TEST(PageWalkSizes, PageBytes) {
  EXPECT_EQ(page_bytes(PageSize::k4K), 0x1000u);
  EXPECT_EQ(page_bytes(PageSize::k2M), 0x20'0000u);
  EXPECT_EQ(page_bytes(PageSize::k1G), 0x4000'0000u);
  EXPECT_EQ(page_bytes(PageSize::k512G), 0x80'0000'0000u);
}

// Each test runs for Sv39 (3 levels) and Sv48 (4 levels).
class PageWalkTest : public ::testing::TestWithParam<int> {
 protected:
  int levels() const { return GetParam(); }

  WalkResult walk(uint64_t vaddr, AccessType access, Privilege privilege = Privilege::kSupervisor) {
    return translate(request_for(tables.satp(), vaddr, access, privilege), memory);
  }

  FakePhysicalMemory memory;
  PageTableBuilder tables{memory, GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Modes, PageWalkTest, ::testing::Values(3, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 3 ? std::string("Sv39") : std::string("Sv48");
                         });

TEST_P(PageWalkTest, Leaf4K) {
  tables.map(0x1234'5000, 0x9abc'd000, 0, kLeafRWX);
  const WalkResult result = walk(0x1234'5678, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_TRUE(result.translated);
  EXPECT_EQ(result.paddr, 0x9abc'd678u);
  EXPECT_EQ(result.page_size, PageSize::k4K);
  EXPECT_EQ(result.permissions, (AccessPermissions{true, true, true}));
  EXPECT_TRUE(result.dirty);
  EXPECT_FALSE(result.global);
  EXPECT_EQ(memory.reads, levels());  // one PTE per level
  EXPECT_EQ(memory.update_attempts, 0);
}

TEST_P(PageWalkTest, Leaf2M) {
  tables.map(0x4020'0000, 0xc000'0000, 1, kLeafRWX);
  const WalkResult result = walk(0x4021'2345, AccessType::kStore);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0xc001'2345u);
  EXPECT_EQ(result.page_size, PageSize::k2M);
  EXPECT_EQ(memory.reads, levels() - 1);
}

TEST_P(PageWalkTest, Leaf1G) {
  tables.map(0x4000'0000, 0x1'8000'0000, 2, kLeafRWX);
  const WalkResult result = walk(0x7fed'cba9, AccessType::kFetch);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0x1'bfed'cba9u);
  EXPECT_EQ(result.page_size, PageSize::k1G);
  EXPECT_EQ(memory.reads, levels() - 2);
}

TEST_P(PageWalkTest, HighestPhysicalAddressBits) {
  // The PPN is 44 bits: a 56-bit physical address.
  tables.map(0x5000, 0xff'ffff'ffff'f000, 0, kLeafRWX);
  const WalkResult result = walk(0x5abc, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0xff'ffff'ffff'fabcu);
}

TEST_P(PageWalkTest, UpperHalfCanonicalAddress) {
  // Bit 38 (Sv39) or 47 (Sv48) set and copied into all bits above it.
  const uint64_t vaddr = levels() == 3 ? 0xffff'ffc0'1234'5000 : 0xffff'8000'1234'5000;
  tables.map(vaddr, 0x8765'4000, 0, kLeafRWX);
  const WalkResult result = walk(vaddr + 0x321, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0x8765'4321u);
}

TEST_P(PageWalkTest, SoftwareBitsAreIgnored) {
  tables.map(0x3000, 0x9000, 0, kLeafRWX | (3 << 8));  // RSW = 3
  const WalkResult result = walk(0x3004, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0x9004u);
}

TEST_P(PageWalkTest, GlobalFromLeaf) {
  tables.map(0x3000, 0x9000, 0, kLeafRWX | kG);
  const WalkResult result = walk(0x3000, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_TRUE(result.global);
}

TEST_P(PageWalkTest, GlobalInheritedFromPointer) {
  tables.map(0x3000, 0x9000, 0, kLeafRWX);
  const uint64_t root_slot = tables.pte_address_at(0x3000, levels() - 1);
  memory.poke(root_slot, memory.peek(root_slot) | kG);
  const WalkResult result = walk(0x3000, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_TRUE(result.global);
}

TEST_P(PageWalkTest, LoadSetsAccessedButNotDirty) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW);
  const WalkResult result = walk(0x6008, AccessType::kLoad);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR | kW | kA));
  EXPECT_EQ(memory.updates, 1);
  // Writable, but a store through the cached entry must come back to set D.
  EXPECT_TRUE(result.permissions.write);
  EXPECT_FALSE(result.dirty);
}

TEST_P(PageWalkTest, FetchSetsAccessedButNotDirty) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kX | kW | kR);
  ASSERT_TRUE(walk(0x6000, AccessType::kFetch).ok);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR | kW | kX | kA));
}

TEST_P(PageWalkTest, StoreSetsAccessedAndDirty) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW);
  const WalkResult result = walk(0x6008, AccessType::kStore);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR | kW | kA | kD));
  EXPECT_EQ(memory.updates, 1);
  EXPECT_TRUE(result.dirty);
}

TEST_P(PageWalkTest, StoreToAccessedCleanPageSetsDirty) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW | kA);
  ASSERT_TRUE(walk(0x6000, AccessType::kStore).ok);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR | kW | kA | kD));
}

TEST_P(PageWalkTest, SuperpageLeafGetsAccessedAndDirty) {
  const uint64_t slot = tables.map(0x4000'0000, 0x8000'0000, 2, kV | kR | kW);
  ASSERT_TRUE(walk(0x4000'1000, AccessType::kStore).ok);
  EXPECT_EQ(memory.peek(slot), make_pte(0x8000'0000, kV | kR | kW | kA | kD));
}

TEST_P(PageWalkTest, NoUpdateWhenBitsAlreadySet) {
  tables.map(0x6000, 0x9000, 0, kV | kR | kW | kA);
  tables.map(0x7000, 0xa000, 0, kV | kR | kW | kA | kD);
  ASSERT_TRUE(walk(0x6000, AccessType::kLoad).ok);
  ASSERT_TRUE(walk(0x7000, AccessType::kStore).ok);
  EXPECT_EQ(memory.update_attempts, 0);
}

TEST_P(PageWalkTest, PointerPtesAreNeverUpdated) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW);
  const uint64_t root_slot = tables.pte_address_at(0x6000, levels() - 1);
  const uint64_t root_entry = memory.peek(root_slot);
  ASSERT_TRUE(walk(0x6000, AccessType::kStore).ok);
  EXPECT_EQ(memory.peek(root_slot), root_entry);
  EXPECT_EQ(memory.peek(slot) & kAD, kAD);
}

TEST_P(PageWalkTest, ConcurrentChangeIsWalkedAgain) {
  // Another hart remaps the page between the walk's read and its A/D store: the store must
  // not clobber the new PTE, and the translation must use it.
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW);
  memory.before_update = [&](uint64_t paddr) {
    EXPECT_EQ(paddr, slot);
    memory.poke(slot, make_pte(0xb000, kV | kR | kW));
    memory.before_update = nullptr;
  };
  const WalkResult result = walk(0x6010, AccessType::kStore);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0xb010u);
  EXPECT_EQ(memory.update_attempts, 2);
  EXPECT_EQ(memory.peek(slot), make_pte(0xb000, kV | kR | kW | kA | kD));
  // The retry re-reads only the leaf (step 2 at the same level), not the whole path.
  EXPECT_EQ(memory.reads, levels() + 1);
}

TEST_P(PageWalkTest, ConcurrentUpdateOfAccessedBitNeedsNoSecondStore) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR);
  memory.before_update = [&](uint64_t) {
    memory.poke(slot, make_pte(0x9000, kV | kR | kA));  // the other hart set A first
    memory.before_update = nullptr;
  };
  ASSERT_TRUE(walk(0x6000, AccessType::kLoad).ok);
  EXPECT_EQ(memory.update_attempts, 1);
  EXPECT_EQ(memory.updates, 0);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR | kA));
}

TEST_P(PageWalkTest, ConcurrentInvalidationFaults) {
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW);
  memory.before_update = [&](uint64_t) { memory.poke(slot, 0); };
  const WalkResult result = walk(0x6000, AccessType::kStore);
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.cause, Cause::kStorePageFault);
  EXPECT_EQ(memory.peek(slot), 0u);
}

TEST_P(PageWalkTest, ConcurrentPermissionLossFaults) {
  // After the retry the page is read-only: the store now faults and sets nothing.
  const uint64_t slot = tables.map(0x6000, 0x9000, 0, kV | kR | kW);
  memory.before_update = [&](uint64_t) {
    memory.poke(slot, make_pte(0x9000, kV | kR));
    memory.before_update = nullptr;
  };
  const WalkResult result = walk(0x6000, AccessType::kStore);
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.cause, Cause::kStorePageFault);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR));
}

TEST(PageWalkSv48, Leaf512G) {
  FakePhysicalMemory memory;
  PageTableBuilder tables(memory, 4);
  tables.map(0x80'0000'0000, 0x100'0000'0000, 3, kLeafRWX);
  const WalkResult result =
      translate(request_for(tables.satp(), 0xab'cdef'0123, AccessType::kLoad), memory);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0x12b'cdef'0123u);
  EXPECT_EQ(result.page_size, PageSize::k512G);
  EXPECT_EQ(memory.reads, 1);
}

TEST(PageWalkSv48, AddressCanonicalInSv48OnlyTranslates) {
  // Bit 39 set, bits above clear: outside Sv39 but inside the lower half of Sv48.
  FakePhysicalMemory memory;
  PageTableBuilder tables(memory, 4);
  tables.map(0x80'0000'0000, 0x9000, 0, kLeafRWX);
  const WalkResult result =
      translate(request_for(tables.satp(), 0x80'0000'0abc, AccessType::kLoad), memory);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0x9abcu);
}

TEST(PageWalkAccessedBit, ReadOnlyPageTableWithBitsSetWalks) {
  // Page tables in ROM work as long as no A/D update is needed.
  FakePhysicalMemory memory;
  memory.poke(kRomBase, make_pte(0x8000'0000, kLeafRWX));  // 1G leaf for vaddr 0
  const WalkResult result = translate(
      request_for(make_satp(satp::kModeSv39, kRomBase), 0x1234, AccessType::kStore), memory);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.paddr, 0x8000'1234u);
}

}  // namespace
}  // namespace rwd::mmu
