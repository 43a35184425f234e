// PMP: address matching (OFF/TOR/NA4/NAPOT), permissions by privilege and L, priority and
// partial matches, the CSR WARL and lock rules, and the page-uniformity question a TLB asks.
// pmpaddr values are written out by hand with the range they encode.
#include "mmu/pmp.h"

#include <gtest/gtest.h>

namespace rwd::mmu {
namespace {

constexpr uint8_t kR = pmpcfg::kR, kW = pmpcfg::kW, kX = pmpcfg::kX, kL = pmpcfg::kL;
constexpr uint8_t kTor = 1 << 3, kNa4 = 2 << 3, kNapot = 3 << 3;
constexpr uint8_t kRWX = kR | kW | kX;

constexpr Privilege M = Privilege::kMachine, S = Privilege::kSupervisor, U = Privilege::kUser;
constexpr AccessType F = AccessType::kFetch, L = AccessType::kLoad, St = AccessType::kStore;

// Sets one entry directly (the CSR write rules are tested separately).
void set_entry(PmpState& state, unsigned index, uint8_t cfg, uint64_t addr) {
  state.cfg[index] = cfg;
  state.addr[index] = addr;
}

bool loads(const PmpState& state, uint64_t paddr, uint64_t size, Privilege privilege = S) {
  return pmp_allows(state, paddr, size, L, privilege);
}

// --- No match ---

TEST(PmpNoMatch, NoEntriesImplementedAllowsEverything) {
  PmpState state;
  state.entry_count = 0;
  for (Privilege privilege : {U, S, M}) {
    for (AccessType access : {F, L, St}) {
      EXPECT_TRUE(pmp_allows(state, 0x8000'0000, 8, access, privilege));
    }
  }
}

TEST(PmpNoMatch, AllEntriesOffDeniesSupervisorAndUserOnly) {
  PmpState state;  // 16 entries, all OFF
  for (AccessType access : {F, L, St}) {
    EXPECT_TRUE(pmp_allows(state, 0x8000'0000, 4, access, M));
    EXPECT_FALSE(pmp_allows(state, 0x8000'0000, 4, access, S));
    EXPECT_FALSE(pmp_allows(state, 0x8000'0000, 4, access, U));
  }
}

TEST(PmpNoMatch, OffEntryMatchesNothing) {
  PmpState state;
  set_entry(state, 0, kRWX, ~uint64_t{0});  // A = OFF: its address is irrelevant
  EXPECT_FALSE(loads(state, 0x1000, 4));
}

// --- TOR ---

TEST(PmpTor, EntryZeroStartsAtAddressZero) {
  PmpState state;
  set_entry(state, 0, kTor | kR, 0x400);  // [0, 0x1000)
  EXPECT_TRUE(loads(state, 0, 8));
  EXPECT_TRUE(loads(state, 0xff8, 8));
  EXPECT_FALSE(loads(state, 0x1000, 1));  // above the top: no match
  EXPECT_FALSE(loads(state, 0xffc, 8));   // straddles the top
  EXPECT_FALSE(pmp_allows(state, 0x10, 4, St, S));
}

TEST(PmpTor, BottomIsThePreviousAddressEvenWhenThatEntryIsOff) {
  PmpState state;
  set_entry(state, 0, 0, 0x400);               // OFF, but bounds entry 1
  set_entry(state, 1, kTor | kR | kW, 0x800);  // [0x1000, 0x2000)
  EXPECT_FALSE(loads(state, 0xfff, 1));
  EXPECT_TRUE(loads(state, 0x1000, 1));
  EXPECT_TRUE(pmp_allows(state, 0x1ff8, 8, St, S));
  EXPECT_FALSE(loads(state, 0x2000, 1));
}

TEST(PmpTor, EmptyWhenBottomIsNotBelowTop) {
  PmpState state;
  set_entry(state, 0, 0, 0x800);
  set_entry(state, 1, kTor | kRWX, 0x400);  // bottom 0x2000 > top 0x1000
  EXPECT_FALSE(loads(state, 0x1800, 4));
  EXPECT_FALSE(loads(state, 0x800, 4));
  state.addr[1] = 0x800;  // bottom == top
  EXPECT_FALSE(loads(state, 0x2000, 4));
  EXPECT_FALSE(loads(state, 0x1ffc, 4));
  // An empty TOR range cannot cause a partial-match failure for M either.
  EXPECT_TRUE(loads(state, 0x1ffc, 8, M));
}

// --- NA4 ---

TEST(PmpNa4, MatchesExactlyFourBytes) {
  PmpState state;
  set_entry(state, 0, kNa4 | kR, 0x401);  // [0x1004, 0x1008)
  EXPECT_TRUE(loads(state, 0x1004, 4));
  EXPECT_TRUE(loads(state, 0x1007, 1));
  EXPECT_FALSE(loads(state, 0x1000, 4));  // no match
  EXPECT_FALSE(loads(state, 0x1008, 1));
  EXPECT_FALSE(loads(state, 0x1000, 8));  // partial
}

// --- NAPOT ---

TEST(PmpNapot, EightBytes) {
  PmpState state;
  set_entry(state, 0, kNapot | kR, 0x400);  // ...0 -> [0x1000, 0x1008)
  EXPECT_TRUE(loads(state, 0x1000, 8));
  EXPECT_FALSE(loads(state, 0x1008, 1));
  EXPECT_FALSE(loads(state, 0xfff, 1));
}

TEST(PmpNapot, SixteenBytes) {
  PmpState state;
  set_entry(state, 0, kNapot | kR, 0x401);  // ...01 -> [0x1000, 0x1010)
  EXPECT_TRUE(loads(state, 0x1000, 8));
  EXPECT_TRUE(loads(state, 0x1008, 8));
  EXPECT_FALSE(loads(state, 0x1010, 1));
}

TEST(PmpNapot, FourKilobytes) {
  PmpState state;
  set_entry(state, 0, kNapot | kR, 0x2000'01ff);  // 9 ones -> 4K at 0x8000'0000
  EXPECT_TRUE(loads(state, 0x8000'0000, 8));
  EXPECT_TRUE(loads(state, 0x8000'0ff8, 8));
  EXPECT_FALSE(loads(state, 0x8000'1000, 1));
  EXPECT_FALSE(loads(state, 0x7fff'ffff, 1));
}

TEST(PmpNapot, TwoGigabytes) {
  PmpState state;
  set_entry(state, 0, kNapot | kR, 0x2fff'ffff);  // 28 ones -> 2G at 0x8000'0000
  EXPECT_TRUE(loads(state, 0x8000'0000, 8));
  EXPECT_TRUE(loads(state, 0xffff'fff8, 8));
  EXPECT_FALSE(loads(state, 0x1'0000'0000, 1));
  EXPECT_FALSE(loads(state, 0x7fff'fff8, 8));
}

TEST(PmpNapot, AllOnesCoversTheWholePhysicalSpace) {
  PmpState state;
  write_pmpaddr(state, 0, ~uint64_t{0});  // what OpenSBI writes for "everything"
  write_pmpcfg(state, 0, kNapot | kRWX);
  EXPECT_TRUE(loads(state, 0, 8));
  EXPECT_TRUE(loads(state, 0x8000'0000, 8));
  EXPECT_TRUE(loads(state, 0xff'ffff'ffff'fff8, 8));  // top of the 56-bit space
}

// --- Permissions ---

TEST(PmpPermissions, EachBitGrantsItsAccessType) {
  PmpState state;
  set_entry(state, 0, kNapot | kX, 0x400);       // [0x1000, 0x1008)
  set_entry(state, 1, kNapot | kR, 0x402);       // [0x1008, 0x1010)
  set_entry(state, 2, kNapot | kR | kW, 0x404);  // [0x1010, 0x1018)
  EXPECT_TRUE(pmp_allows(state, 0x1000, 4, F, S));
  EXPECT_FALSE(pmp_allows(state, 0x1000, 4, L, S));
  EXPECT_FALSE(pmp_allows(state, 0x1000, 4, St, S));
  EXPECT_FALSE(pmp_allows(state, 0x1008, 4, F, U));
  EXPECT_TRUE(pmp_allows(state, 0x1008, 4, L, U));
  EXPECT_FALSE(pmp_allows(state, 0x1008, 4, St, U));
  EXPECT_FALSE(pmp_allows(state, 0x1010, 4, F, S));
  EXPECT_TRUE(pmp_allows(state, 0x1010, 4, L, S));
  EXPECT_TRUE(pmp_allows(state, 0x1010, 4, St, S));
}

TEST(PmpPermissions, UnlockedEntriesDoNotRestrictMachineMode) {
  PmpState state;
  set_entry(state, 0, kNapot, 0x2000'01ff);  // no permissions at all
  for (AccessType access : {F, L, St}) {
    EXPECT_TRUE(pmp_allows(state, 0x8000'0000, 4, access, M));
    EXPECT_FALSE(pmp_allows(state, 0x8000'0000, 4, access, S));
  }
}

TEST(PmpPermissions, LockedEntriesRestrictMachineMode) {
  PmpState state;
  set_entry(state, 0, kL | kNapot | kR, 0x2000'01ff);
  EXPECT_TRUE(pmp_allows(state, 0x8000'0000, 4, L, M));
  EXPECT_FALSE(pmp_allows(state, 0x8000'0000, 4, St, M));
  EXPECT_FALSE(pmp_allows(state, 0x8000'0000, 4, F, M));
  // Outside the locked entry M is still unrestricted.
  EXPECT_TRUE(pmp_allows(state, 0x8000'1000, 4, St, M));
}

// --- Priority and partial matches ---

TEST(PmpPriority, LowestNumberedMatchWins) {
  PmpState state;
  set_entry(state, 0, kNapot, 0x5ff);          // [0x1000, 0x2000): nothing
  set_entry(state, 1, kNapot | kRWX, 0x7fff);  // [0, 0x40000): everything
  EXPECT_FALSE(loads(state, 0x1000, 4));
  EXPECT_TRUE(loads(state, 0x2000, 4));
  // Swapped priorities: the permissive entry now hides the restrictive one.
  std::swap(state.cfg[0], state.cfg[1]);
  std::swap(state.addr[0], state.addr[1]);
  EXPECT_TRUE(loads(state, 0x1000, 4));
}

TEST(PmpPriority, PartialMatchFailsEvenWhenALaterEntryCoversTheAccess) {
  PmpState state;
  set_entry(state, 0, kNa4 | kRWX, 0x401);     // [0x1004, 0x1008)
  set_entry(state, 1, kNapot | kRWX, 0x7fff);  // [0, 0x40000)
  EXPECT_FALSE(loads(state, 0x1000, 8, S));
  // Irrespective of L, R, W, X: also for M-mode through an unlocked entry.
  EXPECT_FALSE(loads(state, 0x1000, 8, M));
  EXPECT_FALSE(loads(state, 0x1006, 4, M));
  EXPECT_TRUE(loads(state, 0x1000, 4, S));  // only entry 1 matches
}

TEST(PmpPriority, LaterPartialMatchDoesNotMatterOnceAnEarlierEntryMatchesFully) {
  PmpState state;
  set_entry(state, 0, kNapot | kR, 0x401);  // [0x1000, 0x1010)
  set_entry(state, 1, kNa4, 0x401);         // [0x1004, 0x1008): nothing
  EXPECT_TRUE(loads(state, 0x1002, 4));
  EXPECT_TRUE(loads(state, 0x1004, 4));
}

TEST(PmpPriority, AccessWrappingTheAddressSpaceFails) {
  PmpState state;
  set_entry(state, 0, kNapot | kRWX, ~uint64_t{0});
  EXPECT_FALSE(loads(state, ~uint64_t{0} - 3, 8, M));
}

// --- Page uniformity ---

TEST(PmpUniform, PageInsideOneEntry) {
  PmpState state;
  set_entry(state, 0, kNapot | kR | kX, 0x2000'03ff);  // 8K at 0x8000'0000
  const auto permissions = pmp_uniform_permissions(state, 0x8000'1000, 0x1000, S);
  ASSERT_TRUE(permissions.has_value());
  EXPECT_EQ(*permissions, (AccessPermissions{true, false, true}));
  // M-mode through an unlocked entry: everything.
  EXPECT_EQ(pmp_uniform_permissions(state, 0x8000'1000, 0x1000, M), kAllPermissions);
}

TEST(PmpUniform, PageCrossingAnEntryBoundary) {
  PmpState state;
  set_entry(state, 0, kNapot | kRWX, 0x2000'03ff);  // 8K at 0x8000'0000
  EXPECT_FALSE(pmp_uniform_permissions(state, 0x8000'1000, 0x2000, S).has_value());
  // Even for M-mode: an access straddling the boundary would fail the partial-match rule.
  EXPECT_FALSE(pmp_uniform_permissions(state, 0x7fff'f000, 0x2000, M).has_value());
}

TEST(PmpUniform, SmallHigherPriorityEntryInsideThePage) {
  PmpState state;
  set_entry(state, 0, kNa4 | kR, 0x2000'0004);      // 4 bytes at 0x8000'0010
  set_entry(state, 1, kNapot | kRWX, 0x2000'03ff);  // 8K at 0x8000'0000
  EXPECT_FALSE(pmp_uniform_permissions(state, 0x8000'0000, 0x1000, S).has_value());
  EXPECT_TRUE(pmp_uniform_permissions(state, 0x8000'1000, 0x1000, S).has_value());
}

TEST(PmpUniform, SmallerLowerPriorityEntryIsHidden) {
  PmpState state;
  set_entry(state, 0, kNapot | kR, 0x2000'03ff);  // 8K at 0x8000'0000 decides first
  set_entry(state, 1, kNa4 | kRWX, 0x2000'0004);
  EXPECT_EQ(pmp_uniform_permissions(state, 0x8000'0000, 0x1000, S),
            (AccessPermissions{true, false, false}));
}

TEST(PmpUniform, NoEntryTouchesThePage) {
  PmpState state;
  set_entry(state, 0, kNapot | kRWX, 0x2000'03ff);
  EXPECT_EQ(pmp_uniform_permissions(state, 0x9000'0000, 0x1000, S), AccessPermissions{});
  EXPECT_EQ(pmp_uniform_permissions(state, 0x9000'0000, 0x1000, M), kAllPermissions);
  state.entry_count = 0;
  EXPECT_EQ(pmp_uniform_permissions(state, 0x9000'0000, 0x1000, U), kAllPermissions);
}

// --- CSR access ---

TEST(PmpCsr, OnlyEvenConfigRegistersExist) {
  for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(pmp_cfg_csr_exists(i), i % 2 == 0) << i;
  EXPECT_FALSE(pmp_cfg_csr_exists(16));
  PmpState state;
  EXPECT_FALSE(write_pmpcfg(state, 1, 0x1f1f'1f1f'1f1f'1f1f));
  EXPECT_EQ(read_pmpcfg(state, 1), 0u);
  for (uint8_t cfg : state.cfg) EXPECT_EQ(cfg, 0);
}

TEST(PmpCsr, ConfigBytesMapToEntries) {
  PmpState state;
  EXPECT_TRUE(write_pmpcfg(state, 0, 0x0f0d'0b09'1f1d'1b19));
  EXPECT_EQ(read_pmpcfg(state, 0), 0x0f0d'0b09'1f1d'1b19u);
  EXPECT_EQ(state.cfg[0], 0x19);
  EXPECT_EQ(state.cfg[7], 0x0f);
  EXPECT_TRUE(write_pmpcfg(state, 2, 0x1f));  // pmpcfg2 holds entries 8..15
  EXPECT_EQ(state.cfg[8], 0x1f);
  EXPECT_EQ(read_pmpcfg(state, 2), 0x1fu);
  EXPECT_EQ(pmp_address_mode(state.cfg[8]), PmpAddressMode::kNapot);
}

TEST(PmpCsr, WriteReportsWhetherAnythingChanged) {
  PmpState state;
  EXPECT_TRUE(write_pmpcfg(state, 0, 0x19));
  EXPECT_FALSE(write_pmpcfg(state, 0, 0x19));
  EXPECT_TRUE(write_pmpaddr(state, 3, 0x1234));
  EXPECT_FALSE(write_pmpaddr(state, 3, 0x1234));
}

TEST(PmpCsr, ReservedConfigBitsReadAsZero) {
  PmpState state;
  write_pmpcfg(state, 0, 0x7f);  // bits 6:5 set
  EXPECT_EQ(read_pmpcfg(state, 0), 0x1fu);
}

TEST(PmpCsr, WriteWithoutReadIsIgnoredPerEntry) {
  PmpState state;
  write_pmpcfg(state, 0, 0x19'19);
  // Entry 0 gets W without R (ignored, keeps 0x19); entry 1 is rewritten normally.
  EXPECT_FALSE(write_pmpcfg(state, 0, 0x19'1a));  // nothing changed
  EXPECT_EQ(state.cfg[0], 0x19);
  EXPECT_EQ(state.cfg[1], 0x19);
  write_pmpcfg(state, 0, 0x0f'1e);  // W|X without R on entry 0 too
  EXPECT_EQ(state.cfg[0], 0x19);
  EXPECT_EQ(state.cfg[1], 0x0f);
}

TEST(PmpCsr, AddressRegisterHoldsBits55To2) {
  PmpState state;
  write_pmpaddr(state, 0, ~uint64_t{0});
  EXPECT_EQ(read_pmpaddr(state, 0), 0x003f'ffff'ffff'ffffu);
}

TEST(PmpCsr, EntriesBeyondTheImplementedCountAreReadOnlyZero) {
  PmpState state;  // 16 entries
  EXPECT_TRUE(write_pmpcfg(state, 2, 0x1f1f'1f1f'1f1f'1f1f));
  EXPECT_EQ(read_pmpcfg(state, 2), 0x1f1f'1f1f'1f1f'1f1fu);
  EXPECT_FALSE(write_pmpcfg(state, 4, 0x1f1f'1f1f'1f1f'1f1f));
  EXPECT_EQ(read_pmpcfg(state, 4), 0u);
  EXPECT_TRUE(write_pmpaddr(state, 15, 0x1000));
  EXPECT_FALSE(write_pmpaddr(state, 16, 0x1000));
  EXPECT_EQ(read_pmpaddr(state, 16), 0u);
  EXPECT_EQ(read_pmpaddr(state, 63), 0u);
}

TEST(PmpCsr, SixtyFourEntries) {
  PmpState state;
  state.entry_count = 64;
  EXPECT_TRUE(write_pmpcfg(state, 14, uint64_t{0x19} << 56));  // entry 63
  EXPECT_EQ(state.cfg[63], 0x19);
  EXPECT_TRUE(write_pmpaddr(state, 63, 0x400));
  EXPECT_TRUE(loads(state, 0x1000, 8));
}

// --- Locks ---

TEST(PmpLock, LockedConfigIgnoresWrites) {
  PmpState state;
  write_pmpcfg(state, 0, kL | kNapot | kR);
  EXPECT_FALSE(write_pmpcfg(state, 0, 0));
  EXPECT_EQ(state.cfg[0], kL | kNapot | kR);
  // Other entries in the same register stay writable.
  EXPECT_TRUE(write_pmpcfg(state, 0, uint64_t{kNapot | kR} << 8));
  EXPECT_EQ(state.cfg[0], kL | kNapot | kR);
  EXPECT_EQ(state.cfg[1], kNapot | kR);
}

TEST(PmpLock, LockedEntryIgnoresAddressWrites) {
  PmpState state;
  write_pmpaddr(state, 2, 0x400);
  write_pmpcfg(state, 0, uint64_t{kL | kNa4 | kR} << 16);  // lock entry 2
  EXPECT_FALSE(write_pmpaddr(state, 2, 0x800));
  EXPECT_EQ(read_pmpaddr(state, 2), 0x400u);
  // A locked NA4 (not TOR) entry leaves the address below it alone.
  EXPECT_TRUE(write_pmpaddr(state, 1, 0x800));
}

TEST(PmpLock, LockedTorEntryAlsoLocksTheAddressBelow) {
  PmpState state;
  write_pmpaddr(state, 0, 0x400);
  write_pmpaddr(state, 1, 0x800);
  write_pmpcfg(state, 0, uint64_t{kL | kTor | kR} << 8);  // lock entry 1 as TOR
  EXPECT_FALSE(write_pmpaddr(state, 0, 0));
  EXPECT_FALSE(write_pmpaddr(state, 1, 0));
  EXPECT_EQ(read_pmpaddr(state, 0), 0x400u);
  EXPECT_EQ(read_pmpaddr(state, 1), 0x800u);
  // Only entry 0's address: its configuration is still writable.
  EXPECT_TRUE(write_pmpcfg(state, 0, (uint64_t{kL | kTor | kR} << 8) | kNapot | kRWX));
  EXPECT_EQ(state.cfg[0], kNapot | kRWX);
}

TEST(PmpLock, LockedTorRangeAppliesToMachineMode) {
  PmpState state;
  write_pmpaddr(state, 0, 0x2000'0000);  // 0x8000'0000
  write_pmpaddr(state, 1, 0x2000'4000);  // 0x8001'0000
  write_pmpcfg(state, 0, uint64_t{kL | kTor | kR | kX} << 8);
  EXPECT_TRUE(pmp_allows(state, 0x8000'0000, 4, F, M));
  EXPECT_FALSE(pmp_allows(state, 0x8000'fffc, 4, St, M));
  EXPECT_TRUE(pmp_allows(state, 0x8001'0000, 4, St, M));  // above: no match, M succeeds
}

}  // namespace
}  // namespace rwd::mmu
