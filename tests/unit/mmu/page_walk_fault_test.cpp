// Failing translations and the permission rules: every page-fault condition of the v1.12
// algorithm, access faults from page tables outside RAM or denied by PMP, and a hand-written
// table of U/SUM/MXR/R/W/X combinations. Each case runs for Sv39 and Sv48.
#include <gtest/gtest.h>

#include <string>

#include "fake_memory.h"
#include "mmu/page_walk.h"
#include "mmu/pmp.h"

namespace rwd::mmu {
namespace {

using testing::FakePhysicalMemory;
using testing::kAD;
using testing::kHoleBase;
using testing::kLeafRWX;
using testing::kRamBase;
using testing::kRamSize;
using testing::kRomBase;
using testing::make_pte;
using testing::make_satp;
using testing::PageTableBuilder;

constexpr uint64_t kV = pte::kV, kR = pte::kR, kW = pte::kW, kX = pte::kX, kU = pte::kU,
                   kA = pte::kA, kD = pte::kD;

constexpr AccessType kAllAccesses[] = {AccessType::kFetch, AccessType::kLoad, AccessType::kStore};

// The causes spelled out (not via page_fault_cause) so the test checks the numbers themselves.
uint32_t expected_page_fault(AccessType access) {
  return access == AccessType::kFetch ? 12 : access == AccessType::kLoad ? 13 : 15;
}
uint32_t expected_access_fault(AccessType access) {
  return access == AccessType::kFetch ? 1 : access == AccessType::kLoad ? 5 : 7;
}

class PageWalkFaultTest : public ::testing::TestWithParam<int> {
 protected:
  int levels() const { return GetParam(); }

  WalkResult walk(uint64_t vaddr, AccessType access, Privilege privilege = Privilege::kSupervisor,
                  bool sum = false, bool mxr = false) {
    WalkRequest request;
    request.satp = satp_override ? satp_override : tables.satp();
    request.vaddr = vaddr;
    request.access = access;
    request.privilege = privilege;
    request.sum = sum;
    request.mxr = mxr;
    request.pmp = pmp;
    return translate(request, memory);
  }

  // Every access type faults at `vaddr` with a page fault, tval = vaddr, and no PTE changes.
  void expect_page_fault_for_all(uint64_t vaddr) {
    for (AccessType access : kAllAccesses) {
      SCOPED_TRACE(static_cast<int>(access));
      const WalkResult result = walk(vaddr, access);
      ASSERT_FALSE(result.ok);
      EXPECT_EQ(static_cast<uint32_t>(result.cause), expected_page_fault(access));
      EXPECT_EQ(result.tval, vaddr);
    }
    EXPECT_EQ(memory.update_attempts, 0);
  }

  void expect_access_fault_for_all(uint64_t vaddr) {
    for (AccessType access : kAllAccesses) {
      SCOPED_TRACE(static_cast<int>(access));
      const WalkResult result = walk(vaddr, access);
      ASSERT_FALSE(result.ok);
      EXPECT_EQ(static_cast<uint32_t>(result.cause), expected_access_fault(access));
      EXPECT_EQ(result.tval, vaddr);
    }
  }

  FakePhysicalMemory memory;
  PageTableBuilder tables{memory, GetParam()};
  uint64_t satp_override = 0;
  const PmpState* pmp = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Modes, PageWalkFaultTest, ::testing::Values(3, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 3 ? std::string("Sv39") : std::string("Sv48");
                         });

TEST_P(PageWalkFaultTest, NonCanonicalAddresses) {
  const int top = levels() == 3 ? 38 : 47;  // highest translated bit
  // Bit `top` set without the bits above it, and the bits above set without bit `top`.
  const uint64_t missing_extension = uint64_t{1} << top;
  const uint64_t wrong_extension = ~((uint64_t{1} << (top + 1)) - 1);
  const uint64_t one_stray_bit = uint64_t{1} << 63;
  for (uint64_t vaddr : {missing_extension, wrong_extension, one_stray_bit}) {
    SCOPED_TRACE(vaddr);
    expect_page_fault_for_all(vaddr);
  }
  EXPECT_EQ(memory.reads, 0);  // rejected before the walk
}

TEST(PageWalkFaultSv39, RejectsWhatSv48Accepts) {
  // Bit 39 set, bits 63:40 clear: canonical for Sv48 (see PageWalkSv48), not for Sv39.
  FakePhysicalMemory memory;
  PageTableBuilder tables(memory, 3);
  WalkRequest request;
  request.satp = tables.satp();
  request.vaddr = 0x80'0000'0000;
  const WalkResult result = translate(request, memory);
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.cause, Cause::kLoadPageFault);
  EXPECT_EQ(memory.reads, 0);
}

TEST_P(PageWalkFaultTest, InvalidLeaf) {
  tables.map(0x5000, 0x9000, 0, kLeafRWX & ~kV);
  expect_page_fault_for_all(0x5000);
}

TEST_P(PageWalkFaultTest, EmptyRootEntry) {
  expect_page_fault_for_all(0x5000);
  EXPECT_EQ(memory.reads, 3);  // one root read per attempt
}

TEST_P(PageWalkFaultTest, InvalidPointerAtEveryLevel) {
  for (int level = levels() - 1; level >= 1; --level) {
    SCOPED_TRACE(level);
    FakePhysicalMemory fresh;
    PageTableBuilder fresh_tables(fresh, levels());
    fresh_tables.map(0x5000, 0x9000, 0, kLeafRWX);
    const uint64_t slot = fresh_tables.pte_address_at(0x5000, level);
    fresh.poke(slot, fresh.peek(slot) & ~kV);
    WalkRequest request;
    request.satp = fresh_tables.satp();
    request.vaddr = 0x5000;
    const WalkResult result = translate(request, fresh);
    ASSERT_FALSE(result.ok);
    EXPECT_EQ(result.cause, Cause::kLoadPageFault);
  }
}

TEST_P(PageWalkFaultTest, WriteWithoutReadIsReserved) {
  tables.map(0x5000, 0x9000, 0, kV | kW | kAD);
  tables.map(0x6000, 0x9000, 0, kV | kW | kX | kAD);
  tables.map(0x7000, 0x9000, 0, kV | kW | kU | kAD);
  expect_page_fault_for_all(0x5000);
  expect_page_fault_for_all(0x6000);
  expect_page_fault_for_all(0x7000);
}

TEST_P(PageWalkFaultTest, ReservedHighBitsInLeaf) {
  for (int bit = 54; bit <= 63; ++bit) {
    SCOPED_TRACE(bit);
    const uint64_t vaddr = 0x10'0000 + uint64_t(bit) * 0x1000;
    const uint64_t slot = tables.map(vaddr, 0x9000, 0, kLeafRWX);
    memory.poke(slot, memory.peek(slot) | (uint64_t{1} << bit));
    expect_page_fault_for_all(vaddr);
  }
}

TEST_P(PageWalkFaultTest, ReservedHighBitsInPointer) {
  tables.map(0x5000, 0x9000, 0, kLeafRWX);
  const uint64_t slot = tables.pte_address_at(0x5000, 1);
  const uint64_t pointer = memory.peek(slot);
  for (int bit = 54; bit <= 63; ++bit) {
    SCOPED_TRACE(bit);
    memory.poke(slot, pointer | (uint64_t{1} << bit));
    expect_page_fault_for_all(0x5000);
  }
  memory.poke(slot, pointer);
  EXPECT_TRUE(walk(0x5000, AccessType::kLoad).ok);  // the table itself was fine
}

TEST_P(PageWalkFaultTest, AccessedDirtyUserBitsAreReservedInPointers) {
  tables.map(0x5000, 0x9000, 0, kLeafRWX);
  const uint64_t slot = tables.pte_address_at(0x5000, levels() - 1);
  const uint64_t pointer = memory.peek(slot);
  for (uint64_t bit : {kA, kD, kU}) {
    SCOPED_TRACE(bit);
    memory.poke(slot, pointer | bit);
    expect_page_fault_for_all(0x5000);
  }
}

TEST_P(PageWalkFaultTest, PointerAtLastLevel) {
  // A non-leaf PTE where only leaves may be (level 0).
  const uint64_t slot = tables.map(0x5000, kRamBase, 0, kLeafRWX);
  memory.poke(slot, make_pte(kRamBase, kV));
  expect_page_fault_for_all(0x5000);
}

TEST_P(PageWalkFaultTest, MisalignedMegapage) {
  tables.map(0x20'0000, 0x8000'1000, 1, kLeafRWX);  // PPN[0] = 1
  expect_page_fault_for_all(0x20'0000);
  tables.map(0x40'0000, 0x8020'0000, 1, kLeafRWX);  // aligned: works
  EXPECT_TRUE(walk(0x40'0000, AccessType::kLoad).ok);
}

TEST_P(PageWalkFaultTest, MisalignedGigapage) {
  tables.map(0x4000'0000, 0x8020'0000, 2, kLeafRWX);  // PPN[1] = 1, PPN[0] = 0
  expect_page_fault_for_all(0x4000'0000);
  tables.map(0x8000'0000, 0x8000'1000, 2, kLeafRWX);  // PPN[0] = 1, PPN[1] = 0
  expect_page_fault_for_all(0x8000'0000);
}

TEST_P(PageWalkFaultTest, MisalignedSuperpageDoesNotSetAccessed) {
  const uint64_t slot = tables.map(0x20'0000, 0x8000'1000, 1, kV | kR | kW | kX);
  expect_page_fault_for_all(0x20'0000);
  EXPECT_EQ(memory.peek(slot) & kA, 0u);
}

TEST(PageWalkFaultSv48, MisalignedTerapage) {
  FakePhysicalMemory memory;
  PageTableBuilder tables(memory, 4);
  tables.map(0, 0x100'4000'0000, 3, kLeafRWX);  // PPN[2] = 1
  WalkRequest request;
  request.satp = tables.satp();
  request.vaddr = 0x1234;
  request.access = AccessType::kFetch;
  const WalkResult result = translate(request, memory);
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.cause, Cause::kInsnPageFault);
  EXPECT_EQ(result.tval, 0x1234u);
}

TEST_P(PageWalkFaultTest, RootTableOutsideRam) {
  satp_override = make_satp(levels() == 3 ? satp::kModeSv39 : satp::kModeSv48, kHoleBase);
  expect_access_fault_for_all(0x5000);
}

TEST_P(PageWalkFaultTest, PointerOutsideRam) {
  tables.map(0x5000, 0x9000, 0, kLeafRWX);
  memory.poke(tables.pte_address_at(0x5000, 1), make_pte(kHoleBase, kV));
  expect_access_fault_for_all(0x5000);
}

TEST_P(PageWalkFaultTest, AccessedUpdateToReadOnlyMemory) {
  // The leaf table is in ROM and its PTE lacks A: the store of A cannot be done.
  tables.map(0x5000, 0x9000, 0, kLeafRWX);
  memory.poke(tables.pte_address_at(0x5000, 1), make_pte(kRomBase, kV));
  memory.poke(kRomBase + 5 * 8, make_pte(0x9000, kV | kR | kW | kX));
  expect_access_fault_for_all(0x5000);
  EXPECT_EQ(memory.updates, 0);
}

TEST_P(PageWalkFaultTest, PermissionFaultSetsNothing) {
  const uint64_t slot = tables.map(0x5000, 0x9000, 0, kV | kR);
  const WalkResult result = walk(0x5000, AccessType::kStore);
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.cause, Cause::kStorePageFault);
  EXPECT_EQ(memory.peek(slot), make_pte(0x9000, kV | kR));
  EXPECT_EQ(memory.update_attempts, 0);
}

TEST_P(PageWalkFaultTest, UnsupportedModeFaults) {
  // Sv57 is never written to satp (WARL); if it ever reached the walk it must not translate.
  satp_override = make_satp(satp::kModeSv57, tables.root());
  tables.map(0x5000, 0x9000, 0, kLeafRWX);
  expect_page_fault_for_all(0x5000);
  EXPECT_FALSE(satp_mode_supported(satp::kModeSv57));
  EXPECT_TRUE(satp_mode_supported(satp::kModeSv48));
}

// --- PMP on the walk's own accesses (checked as S-mode, even for U-mode translations) ---

TEST_P(PageWalkFaultTest, PmpDeniesPageTableRead) {
  tables.map(0x5000, 0x9000, 0, kLeafRWX | kU);
  PmpState state;
  // One entry granting everything below the page tables' RAM: the tables match nothing, so
  // S-mode reads of them fail.
  ASSERT_TRUE(write_pmpaddr(state, 0, kRamBase >> 2));
  ASSERT_TRUE(write_pmpcfg(state, 0, pmpcfg::kR | pmpcfg::kW | pmpcfg::kX | (1 << 3)));  // TOR
  pmp = &state;
  expect_access_fault_for_all(0x5000);
  const WalkResult from_user = walk(0x5000, AccessType::kLoad, Privilege::kUser);
  ASSERT_FALSE(from_user.ok);
  EXPECT_EQ(from_user.cause, Cause::kLoadAccessFault);
  EXPECT_EQ(memory.reads, 0);  // checked before reading
}

TEST_P(PageWalkFaultTest, PmpReadOnlyPageTables) {
  // Page-table RAM readable but not writable by S-mode: walks that need no A/D update work,
  // the others fault with an access fault of the original type.
  tables.map(0x5000, 0x9000, 0, kLeafRWX);                            // A and D set
  const uint64_t slot = tables.map(0x6000, 0xa000, 0, kV | kR | kW);  // neither
  PmpState state;
  // NAPOT over the whole RAM (a power of two at an aligned base), read-only.
  ASSERT_TRUE(write_pmpaddr(state, 0, (kRamBase | (kRamSize / 2 - 1)) >> 2));
  ASSERT_TRUE(write_pmpcfg(state, 0, pmpcfg::kR | (3 << 3)));
  pmp = &state;
  EXPECT_TRUE(walk(0x5000, AccessType::kStore).ok);
  for (AccessType access : {AccessType::kLoad, AccessType::kStore}) {
    const WalkResult result = walk(0x6000, access);
    ASSERT_FALSE(result.ok);
    EXPECT_EQ(static_cast<uint32_t>(result.cause), expected_access_fault(access));
  }
  EXPECT_EQ(memory.update_attempts, 0);
  EXPECT_EQ(memory.peek(slot), make_pte(0xa000, kV | kR | kW));
}

// --- Permission table ---

struct PermissionCase {
  const char* name;
  uint64_t flags;  // R/W/X/U of the leaf (V, A and D are added)
  Privilege privilege;
  bool sum;
  bool mxr;
  AccessType access;
  bool allowed;
  AccessPermissions cached;  // what a TLB may cache; checked only when allowed
};

constexpr Privilege S = Privilege::kSupervisor, U = Privilege::kUser;
constexpr AccessType F = AccessType::kFetch, L = AccessType::kLoad, St = AccessType::kStore;
constexpr AccessPermissions kNone{}, kRead{true, false, false}, kReadWrite{true, true, false},
    kExec{false, false, true}, kReadExec{true, false, true};

const PermissionCase kPermissionCases[] = {
    // S-mode on supervisor pages.
    {"S_R_load", kR, S, false, false, L, true, kRead},
    {"S_R_store", kR, S, false, false, St, false, kNone},
    {"S_R_fetch", kR, S, false, false, F, false, kNone},
    {"S_RW_store", kR | kW, S, false, false, St, true, kReadWrite},
    {"S_X_fetch", kX, S, false, false, F, true, kExec},
    {"S_X_load", kX, S, false, false, L, false, kNone},
    {"S_X_load_MXR", kX, S, false, true, L, true, kReadExec},
    {"S_X_store_MXR", kX, S, false, true, St, false, kNone},
    {"S_RX_load", kR | kX, S, false, false, L, true, kReadExec},
    {"S_RWX_fetch", kR | kW | kX, S, false, false, F, true, {true, true, true}},
    // S-mode on user pages: data only with SUM, never instructions.
    {"S_user_load", kR | kW | kX | kU, S, false, false, L, false, kNone},
    {"S_user_load_SUM", kR | kW | kX | kU, S, true, false, L, true, kReadWrite},
    {"S_user_store", kR | kW | kX | kU, S, false, false, St, false, kNone},
    {"S_user_store_SUM", kR | kW | kX | kU, S, true, false, St, true, kReadWrite},
    {"S_user_fetch_SUM", kR | kW | kX | kU, S, true, false, F, false, kNone},
    {"S_user_X_load_SUM_MXR", kX | kU, S, true, true, L, true, kRead},
    {"S_user_X_load_MXR", kX | kU, S, false, true, L, false, kNone},
    // U-mode on supervisor pages: nothing, SUM notwithstanding.
    {"U_super_load", kR | kW | kX, U, false, false, L, false, kNone},
    {"U_super_fetch", kR | kW | kX, U, false, false, F, false, kNone},
    {"U_super_store_SUM", kR | kW | kX, U, true, false, St, false, kNone},
    // U-mode on user pages.
    {"U_R_load", kR | kU, U, false, false, L, true, kRead},
    {"U_R_store", kR | kU, U, false, false, St, false, kNone},
    {"U_X_fetch", kX | kU, U, false, false, F, true, kExec},
    {"U_X_load", kX | kU, U, false, false, L, false, kNone},
    {"U_X_load_MXR", kX | kU, U, false, true, L, true, kReadExec},
    {"U_RW_store", kR | kW | kU, U, false, false, St, true, kReadWrite},
    {"U_RW_fetch", kR | kW | kU, U, false, false, F, false, kNone},
};

class PermissionTest : public ::testing::TestWithParam<std::tuple<int, PermissionCase>> {};

TEST_P(PermissionTest, Matches) {
  const auto& [levels, c] = GetParam();
  FakePhysicalMemory memory;
  PageTableBuilder tables(memory, levels);
  tables.map(0x7000, 0x9000, 0, c.flags | kV | kA | kD);
  WalkRequest request;
  request.satp = tables.satp();
  request.vaddr = 0x7ff8;
  request.access = c.access;
  request.privilege = c.privilege;
  request.sum = c.sum;
  request.mxr = c.mxr;
  const WalkResult result = translate(request, memory);
  ASSERT_EQ(result.ok, c.allowed);
  if (c.allowed) {
    EXPECT_EQ(result.paddr, 0x9ff8u);
    EXPECT_EQ(result.permissions, c.cached);
  } else {
    EXPECT_EQ(static_cast<uint32_t>(result.cause), expected_page_fault(c.access));
    EXPECT_EQ(result.tval, 0x7ff8u);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, PermissionTest,
                         ::testing::Combine(::testing::Values(3, 4),
                                            ::testing::ValuesIn(kPermissionCases)),
                         [](const ::testing::TestParamInfo<std::tuple<int, PermissionCase>>& info) {
                           return std::string(std::get<0>(info.param) == 3 ? "Sv39_" : "Sv48_") +
                                  std::get<1>(info.param).name;
                         });

}  // namespace
}  // namespace rwd::mmu
