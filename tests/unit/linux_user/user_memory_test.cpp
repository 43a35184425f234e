#include "linux_user/user_memory.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "test_support.h"

namespace rwd::linux_user {
namespace {

using testing::catch_fault;

constexpr int kRW = kProtRead | kProtWrite;
constexpr int kAnon = MAP_PRIVATE | MAP_ANONYMOUS;
constexpr uint64_t kPage = kGuestPageSize;

class UserMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    memory = UserMemory::create(&error);
    ASSERT_TRUE(memory) << error;
    std::memset(&cpu, 0, sizeof cpu);
    cpu.memory = memory.get();
  }

  uint64_t load(uint64_t addr, MemOp op = kMemSize64) { return memory->load(cpu, addr, op); }
  void store(uint64_t addr, uint64_t value, MemOp op = kMemSize64) {
    memory->store(cpu, addr, value, op);
  }
  std::vector<std::pair<uint64_t, uint64_t>> vma_ranges() const {
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& [start, vma] : memory->vmas()) ranges.emplace_back(vma.start, vma.end);
    return ranges;
  }

  std::unique_ptr<UserMemory> memory;
  CpuState cpu;
};

TEST_F(UserMemoryTest, GuestAddressesMapLinearlyIntoTheReservation) {
  ASSERT_NE(memory->linear_base(), nullptr);
  EXPECT_EQ(memory->host_pointer(0x10000, kPage), memory->linear_base() + 0x10000);
  EXPECT_EQ(memory->host_pointer(kGuestSpaceSize - 1, 2), nullptr);
  EXPECT_EQ(memory->host_pointer(UINT64_MAX, 2), nullptr);
}

TEST_F(UserMemoryTest, AnonymousMappingsGrowDownBelowTheCeiling) {
  memory->set_mmap_ceiling(0x40000000);
  const int64_t first = memory->map(0, 2 * kPage, kRW, kAnon, -1, 0, "");
  const int64_t second = memory->map(0, kPage, kRW, kAnon, -1, 0, "");
  EXPECT_EQ(first, 0x40000000 - 2 * kPage);
  EXPECT_EQ(second, first - static_cast<int64_t>(kPage));
  EXPECT_FALSE(catch_fault(cpu, [&] { store(first + 8, 0x1122334455667788); }));
  EXPECT_EQ(load(first + 8), 0x1122334455667788u);
}

TEST_F(UserMemoryTest, HintIsUsedWhenFree) {
  EXPECT_EQ(memory->map(0x500000, kPage, kRW, kAnon, -1, 0, ""), 0x500000);
  const int64_t elsewhere = memory->map(0x500000, kPage, kRW, kAnon, -1, 0, "");
  EXPECT_NE(elsewhere, 0x500000);
  EXPECT_GT(elsewhere, 0);
}

TEST_F(UserMemoryTest, MapFixedReplacesTheMiddleOfAMapping) {
  const uint64_t base = 0x1000000;
  ASSERT_EQ(memory->map(base, 3 * kPage, kRW, kAnon | MAP_FIXED, -1, 0, "a"), int64_t(base));
  store(base + kPage, 99);
  ASSERT_EQ(memory->map(base + kPage, kPage, kProtRead, kAnon | MAP_FIXED, -1, 0, "b"),
            int64_t(base + kPage));
  EXPECT_EQ(vma_ranges(), (std::vector<std::pair<uint64_t, uint64_t>>{
                              {base, base + kPage},
                              {base + kPage, base + 2 * kPage},
                              {base + 2 * kPage, base + 3 * kPage}}));
  EXPECT_EQ(memory->find_vma(base + kPage)->prot, kProtRead);
  EXPECT_EQ(memory->find_vma(base + kPage)->name, "b");
  EXPECT_EQ(load(base + kPage), 0u) << "a fresh mapping is zero-filled";
}

TEST_F(UserMemoryTest, FixedNoReplaceRefusesOccupiedRanges) {
  ASSERT_GT(memory->map(0x2000000, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  EXPECT_EQ(memory->map(0x2000000, kPage, kRW, kAnon | MAP_FIXED_NOREPLACE, -1, 0, ""), -EEXIST);
  EXPECT_EQ(memory->map(0x2001000, kPage, kRW, kAnon | MAP_FIXED_NOREPLACE, -1, 0, ""),
            0x2001000);
}

TEST_F(UserMemoryTest, RejectsBadMapArguments) {
  EXPECT_EQ(memory->map(0, 0, kRW, kAnon, -1, 0, ""), -EINVAL);
  EXPECT_EQ(memory->map(0x10001, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), -EINVAL);
  EXPECT_EQ(memory->map(0x1000, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), -EPERM);
  EXPECT_EQ(memory->map(kGuestSpaceSize - kPage, 2 * kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""),
            -ENOMEM);
  EXPECT_EQ(memory->map(0, UINT64_MAX, kRW, kAnon, -1, 0, ""), -ENOMEM);
  EXPECT_EQ(memory->map(0, kPage, kRW, MAP_ANONYMOUS, -1, 0, ""), -EINVAL) << "no map type";
}

TEST_F(UserMemoryTest, MunmapSplitsAndTheHoleFaults) {
  const uint64_t base = 0x3000000;
  ASSERT_GT(memory->map(base, 3 * kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  ASSERT_EQ(memory->unmap(base + kPage, kPage), 0);
  EXPECT_EQ(vma_ranges(), (std::vector<std::pair<uint64_t, uint64_t>>{
                              {base, base + kPage}, {base + 2 * kPage, base + 3 * kPage}}));
  auto fault = catch_fault(cpu, [&] { load(base + kPage + 16); });
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->cause, Cause::kLoadPageFault);
  EXPECT_EQ(fault->tval, base + kPage + 16);
  EXPECT_FALSE(catch_fault(cpu, [&] { load(base + 2 * kPage); }));
  EXPECT_EQ(memory->unmap(base + 1, kPage), -EINVAL);
}

TEST_F(UserMemoryTest, MprotectSplitsAndHostProtectionFollows) {
  const uint64_t base = 0x4000000;
  ASSERT_GT(memory->map(base, 3 * kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  store(base + kPage, 5);
  ASSERT_EQ(memory->protect(base + kPage, kPage, kProtRead), 0);
  EXPECT_EQ(memory->vmas().size(), 3u);
  EXPECT_EQ(load(base + kPage), 5u);
  auto fault = catch_fault(cpu, [&] { store(base + kPage + 4, 1, kMemSize32); });
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->cause, Cause::kStorePageFault);
  EXPECT_EQ(fault->tval, base + kPage + 4);
  EXPECT_FALSE(catch_fault(cpu, [&] { store(base + 2 * kPage, 1); }));
  EXPECT_EQ(memory->protect(base + 3 * kPage, kPage, kProtRead), -ENOMEM) << "unmapped";
  EXPECT_EQ(memory->protect(base, 3 * kPage, kProtNone), 0);
  EXPECT_TRUE(catch_fault(cpu, [&] { load(base); }));
}

TEST_F(UserMemoryTest, AStoreStraddlingIntoAnUnmappedPageReportsThatPage) {
  const uint64_t base = 0x5000000;
  ASSERT_GT(memory->map(base, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  auto fault = catch_fault(cpu, [&] { store(base + kPage - 4, 0, kMemSize64); });
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->cause, Cause::kStorePageFault);
  EXPECT_EQ(fault->tval, base + kPage);
}

TEST_F(UserMemoryTest, MisalignmentOnlyMattersForAlignedOps) {
  const uint64_t base = 0x6000000;
  ASSERT_GT(memory->map(base, 2 * kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  EXPECT_FALSE(catch_fault(cpu, [&] { store(base + kPage - 3, 0xa1b2c3d4e5f60718); }));
  EXPECT_EQ(load(base + kPage - 3), 0xa1b2c3d4e5f60718u);
  auto fault = catch_fault(cpu, [&] { load(base + 4, kMemSize64 | kMemAligned); });
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->cause, Cause::kLoadMisaligned);
  EXPECT_EQ(fault->tval, base + 4);
  fault = catch_fault(cpu, [&] { store(base + 2, 0, kMemSize32 | kMemAligned); });
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->cause, Cause::kStoreMisaligned);
}

TEST_F(UserMemoryTest, LoadsExtendBySignedness) {
  const uint64_t base = 0x7000000;
  ASSERT_GT(memory->map(base, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  store(base, 0x80ff, kMemSize16);
  EXPECT_EQ(load(base, kMemSize16), 0x80ffu);
  EXPECT_EQ(load(base, kMemSize16 | kMemSigned), 0xffffffffffff80ffu);
  EXPECT_EQ(load(base, kMemSize8 | kMemSigned), UINT64_MAX);
}

TEST_F(UserMemoryTest, AccessesOutsideTheGuestSpaceFault) {
  auto fault = catch_fault(cpu, [&] { load(kGuestSpaceSize); });
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->cause, Cause::kLoadPageFault);
  EXPECT_EQ(fault->tval, kGuestSpaceSize);
  EXPECT_TRUE(catch_fault(cpu, [&] { store(UINT64_MAX - 3, 0); }));
  EXPECT_TRUE(catch_fault(cpu, [&] { load(0); })) << "guest NULL is never mapped";
}

TEST_F(UserMemoryTest, FetchNeedsExecutePermissionAndProtectionChangesAreReported) {
  const uint64_t base = 0x8000000;
  ASSERT_GT(memory->map(base, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  store(base, 0x00000073, kMemSize32);
  memory->take_code_changes();
  uint16_t half = 0;
  EXPECT_FALSE(memory->fetch16(base, &half));
  ASSERT_EQ(memory->protect(base, kPage, kProtRead | kProtExec), 0);
  EXPECT_TRUE(memory->fetch16(base, &half));
  EXPECT_EQ(half, 0x0073);
  EXPECT_FALSE(memory->fetch16(base + 1, &half)) << "odd pc";
  auto changes = memory->take_code_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], std::make_pair(base, kPage));
  ASSERT_EQ(memory->unmap(base, kPage), 0);
  EXPECT_FALSE(memory->fetch16(base, &half)) << "the fetch cache must forget unmapped code";
  EXPECT_EQ(memory->take_code_changes().size(), 1u);
  // Execute-only pages stay fetchable (host-readable underneath).
  ASSERT_GT(memory->map(base, kPage, kProtExec, kAnon | MAP_FIXED, -1, 0, ""), 0);
  EXPECT_TRUE(memory->fetch16(base, &half));
}

TEST_F(UserMemoryTest, BrkGrowsAndShrinksTheHeap) {
  const uint64_t start = 0x9000000;
  memory->set_brk_start(start);
  EXPECT_EQ(memory->brk(0), start);
  EXPECT_EQ(memory->brk(start + 10000), start + 10000);
  EXPECT_EQ(memory->find_vma(start)->name, "[heap]");
  EXPECT_FALSE(catch_fault(cpu, [&] { store(start + 9992, 1); }));
  EXPECT_EQ(memory->brk(start + 100), start + 100);
  EXPECT_TRUE(catch_fault(cpu, [&] { load(start + 2 * kPage); }));
  EXPECT_FALSE(catch_fault(cpu, [&] { load(start + 8); }));
  // Growing into another mapping fails and leaves the break alone.
  ASSERT_GT(memory->map(start + 4 * kPage, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  EXPECT_EQ(memory->brk(start + 8 * kPage), start + 100);
  EXPECT_EQ(memory->brk(start - 1), start + 100) << "below the start";
}

TEST_F(UserMemoryTest, MremapGrowsInPlaceMovesAndShrinks) {
  const uint64_t base = 0xa000000;
  ASSERT_GT(memory->map(base, kPage, kRW, kAnon | MAP_FIXED, -1, 0, "x"), 0);
  store(base, 0x1234);
  EXPECT_EQ(memory->remap(base, kPage, 2 * kPage, 0, 0), int64_t(base));
  EXPECT_EQ(load(base), 0x1234u);
  EXPECT_FALSE(catch_fault(cpu, [&] { store(base + kPage, 1); }));
  // Blocked: needs MREMAP_MAYMOVE.
  ASSERT_GT(memory->map(base + 2 * kPage, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  EXPECT_EQ(memory->remap(base, 2 * kPage, 4 * kPage, 0, 0), -ENOMEM);
  const int64_t moved = memory->remap(base, 2 * kPage, 4 * kPage, MREMAP_MAYMOVE, 0);
  ASSERT_GT(moved, 0);
  EXPECT_NE(moved, int64_t(base));
  EXPECT_EQ(load(moved), 0x1234u);
  EXPECT_EQ(memory->find_vma(moved)->name, "x");
  EXPECT_EQ(memory->find_vma(moved)->end, uint64_t(moved) + 4 * kPage);
  EXPECT_TRUE(catch_fault(cpu, [&] { load(base); })) << "the old range is gone";
  EXPECT_EQ(memory->remap(moved, 4 * kPage, kPage, 0, 0), moved);
  EXPECT_TRUE(catch_fault(cpu, [&] { load(moved + kPage); }));
  EXPECT_EQ(memory->remap(base, kPage, kPage, 0, 0), -EFAULT) << "not mapped";
}

TEST_F(UserMemoryTest, CheckedCopiesRespectProtection) {
  const uint64_t base = 0xb000000;
  ASSERT_GT(memory->map(base, 2 * kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  const char text[] = "path/name";
  EXPECT_TRUE(memory->copy_to_guest(base + kPage - 4, text, sizeof text));
  EXPECT_EQ(memory->read_string(base + kPage - 4, 4096), "path/name");
  EXPECT_EQ(memory->read_string(base + kPage - 4, 3), std::nullopt) << "too long";
  ASSERT_EQ(memory->protect(base + kPage, kPage, kProtRead), 0);
  EXPECT_FALSE(memory->copy_to_guest(base + kPage - 4, text, sizeof text));
  char back[sizeof text] = {};
  EXPECT_TRUE(memory->copy_from_guest(back, base + kPage - 4, sizeof text));
  EXPECT_FALSE(memory->copy_from_guest(back, base + 2 * kPage - 4, sizeof text));
  EXPECT_EQ(memory->read_string(0, 10), std::nullopt);
}

TEST_F(UserMemoryTest, FreeRangeSearchSkipsMappings) {
  ASSERT_GT(memory->map(0x100000, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  ASSERT_GT(memory->map(0x102000, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  EXPECT_EQ(memory->find_free_range(kPage, 0x103000), 0x101000u);
  EXPECT_EQ(memory->find_free_range(2 * kPage, 0x103000), 0x100000u - 2 * kPage);
  EXPECT_EQ(memory->find_free_range(kPage, kMinMmapAddress), std::nullopt);
}

TEST_F(UserMemoryTest, FailedFileMappingLeavesTheOldMappingAlone) {
  const uint64_t base = 0xc000000;
  ASSERT_GT(memory->map(base, kPage, kRW, kAnon | MAP_FIXED, -1, 0, ""), 0);
  store(base, 77);
  const int fd = ::open("/proc/self/exe", O_RDONLY);
  ASSERT_GE(fd, 0);
  // Shared + writable on a read-only descriptor: EACCES.
  EXPECT_EQ(memory->map(base, kPage, kRW, MAP_SHARED | MAP_FIXED, fd, 0, "f"), -EACCES);
  EXPECT_EQ(load(base), 77u);
  EXPECT_EQ(memory->map(base, kPage, kProtRead, MAP_PRIVATE | MAP_FIXED, fd, 0, "f"),
            int64_t(base));
  EXPECT_EQ(load(base, kMemSize32), 0x464c457fu) << "ELF magic from the file";
  EXPECT_EQ(memory->map(base, kPage, kProtRead, MAP_PRIVATE | MAP_FIXED, 9999, 0, "f"), -EBADF);
  EXPECT_EQ(memory->find_vma(base)->name, "f");
  ::close(fd);
}

using UserMemoryDeathTest = UserMemoryTest;
TEST_F(UserMemoryDeathTest, HostFaultsThatAreNotGuestAccessesStillCrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        volatile int* null_pointer = nullptr;
        *null_pointer = 1;
      },
      "");
}

}  // namespace
}  // namespace rwd::linux_user
