#include "machine/boot_loader.h"

extern "C" {
#include <libfdt.h>
}

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "machine/boot_rom.h"
#include "machine/virt_layout.h"
#include "test_elf.h"

namespace rwd::machine {
namespace {

using testing::make_temp_dir;
using testing::TestElf;
using testing::write_file;
using testing::write_test_elf;

constexpr uint64_t kDram = virt::kDramBase;

// Sparse guest memory: the boot ROM and DRAM, 4 KiB pages allocated on first write.
class FakeMemory : public PhysicalWriter {
 public:
  explicit FakeMemory(uint64_t ram_bytes) : ram_{kDram, kDram + ram_bytes} {}
  bool write(uint64_t paddr, std::span<const uint8_t> bytes) override {
    const PhysRange r{paddr, paddr + bytes.size()};
    const PhysRange rom{virt::kBootRomBase, virt::kBootRomBase + virt::kBootRomSize};
    if ((!rom.contains(r) || refuse_rom) && !ram_.contains(r)) return false;
    for (size_t done = 0; done < bytes.size();) {
      const uint64_t at = paddr + done;
      const size_t n = std::min<size_t>(bytes.size() - done, 4096 - (at & 4095));
      std::memcpy(page(at).data() + (at & 4095), bytes.data() + done, n);
      done += n;
    }
    writes.push_back(r);
    return true;
  }
  std::vector<uint8_t> read(uint64_t paddr, size_t len) {
    std::vector<uint8_t> out(len);
    for (size_t i = 0; i < len; ++i) out[i] = page(paddr + i)[(paddr + i) & 4095];
    return out;
  }
  uint64_t dword(uint64_t paddr) {
    uint64_t v = 0;
    const auto bytes = read(paddr, 8);
    std::memcpy(&v, bytes.data(), 8);
    return v;
  }
  std::vector<PhysRange> writes;
  bool refuse_rom = false;

 private:
  std::array<uint8_t, 4096>& page(uint64_t paddr) { return pages_[paddr >> 12]; }
  PhysRange ram_;
  std::unordered_map<uint64_t, std::array<uint8_t, 4096>> pages_;
};

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(seed + i * 7);
  return v;
}

class BootLoader : public ::testing::Test {
 protected:
  void SetUp() override { dir = make_temp_dir(); }

  std::optional<BootPlan> load(const MachineConfig& c, FakeMemory& mem) {
    FdtConfig devices;
    devices.virtio_slots = virt::kVirtioSlots;
    return load_boot_images(c, devices, mem, &error);
  }
  // Loads `c`, expecting failure; memory must be untouched then.
  std::string failure(const MachineConfig& c) {
    FakeMemory mem(c.ram_bytes);
    EXPECT_FALSE(load(c, mem));
    EXPECT_TRUE(mem.writes.empty()) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    return error;
  }
  std::string elf(const std::string& name, const TestElf& spec) {
    const std::string path = dir + "/" + name;
    write_test_elf(path, spec);
    return path;
  }
  MachineConfig bare(uint64_t ram = 64 * kMiB) {
    MachineConfig c;
    c.bios = "none";
    c.ram_bytes = ram;
    return c;
  }

  std::string dir, error;
};

// The device tree as written to guest memory.
struct Tree {
  std::vector<uint8_t> blob;
  const void* fdt() const { return blob.data(); }
  uint64_t u64(const char* node, const char* prop) const {
    int len = 0;
    const auto* v =
        static_cast<const fdt32_t*>(fdt_getprop(fdt(), fdt_path_offset(fdt(), node), prop, &len));
    if (!v || len < 8) return ~uint64_t{0};  // the first 8 bytes (reg: the address)
    return uint64_t(fdt32_to_cpu(v[0])) << 32 | fdt32_to_cpu(v[1]);
  }
  std::string str(const char* node, const char* prop) const {
    const char* v =
        static_cast<const char*>(fdt_getprop(fdt(), fdt_path_offset(fdt(), node), prop, nullptr));
    return v ? v : "<missing>";
  }
};
Tree tree_in(FakeMemory& mem, const BootPlan& plan) {
  Tree t{mem.read(plan.fdt_addr, plan.fdt.end - plan.fdt.start)};
  EXPECT_EQ(fdt_check_header(t.fdt()), 0);
  EXPECT_EQ(t.blob, plan.fdt_blob);
  return t;
}

TEST_F(BootLoader, BiosNoneRawKernelRunsFromDramBase) {
  MachineConfig c = bare();
  const auto kernel = pattern(100, 1);
  c.kernel = write_file(dir, "Image", kernel);
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->reset_pc, 0x1000u);
  EXPECT_EQ(plan->start_addr, kDram);
  EXPECT_EQ(plan->kernel_entry, kDram);
  EXPECT_EQ(plan->kernel.start, kDram);
  EXPECT_EQ(plan->kernel.end, kDram + 100);
  EXPECT_TRUE(plan->firmware.empty());
  EXPECT_TRUE(plan->initrd.empty());
  EXPECT_EQ(mem.read(kDram, 100), kernel);
  // Highest 2 MiB boundary with room for the tree below the end of 64 MiB of RAM.
  EXPECT_EQ(plan->fdt_addr, kDram + 62 * kMiB);
  EXPECT_EQ(plan->fw_dynamic_info_addr, 0x1000u + 40);
  EXPECT_EQ(mem.dword(0x1000 + kRomStartAddrOffset), kDram);
  EXPECT_EQ(mem.dword(0x1000 + kRomFdtAddrOffset), plan->fdt_addr);
  EXPECT_EQ(mem.dword(plan->fw_dynamic_info_addr), kFwDynamicMagic);
  EXPECT_EQ(mem.dword(plan->fw_dynamic_info_addr + 16), kDram);  // next_addr
  EXPECT_FALSE(plan->htif_tohost);
  const Tree t = tree_in(mem, *plan);
  EXPECT_EQ(t.u64("/memory@80000000", "reg"), kDram);
  EXPECT_EQ(t.str("/chosen", "bootargs"), "<missing>");
  EXPECT_GE(fdt_path_offset(t.fdt(), "/soc/virtio_mmio@10008000"), 0);
}

TEST_F(BootLoader, FirmwareKernelInitrdWhereQemuPutsThem) {
  MachineConfig c;
  c.ram_bytes = 128 * kMiB;
  c.bios = write_file(dir, "fw.bin", pattern(5000, 2));
  c.kernel = write_file(dir, "Image", pattern(3000, 3));
  c.initrd = write_file(dir, "initrd", pattern(777, 4));
  c.append = "console=ttyS0 earlycon";
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->start_addr, kDram);  // the ROM jumps to the firmware...
  EXPECT_EQ(plan->firmware.start, kDram);
  EXPECT_EQ(plan->firmware.end, kDram + 5000);
  EXPECT_EQ(plan->kernel.start, 0x80200000u);  // ...which finds the kernel at the next 2 MiB
  EXPECT_EQ(plan->kernel_entry, 0x80200000u);
  EXPECT_EQ(mem.dword(plan->fw_dynamic_info_addr + 16), 0x80200000u);
  EXPECT_EQ(plan->initrd.start, 0x80200000u + 64 * kMiB);  // half of 128 MiB
  EXPECT_EQ(plan->initrd.end, plan->initrd.start + 777);
  EXPECT_EQ(plan->fdt_addr, 0x87e00000u);
  EXPECT_EQ(mem.read(kDram, 5000), pattern(5000, 2));
  EXPECT_EQ(mem.read(0x80200000, 3000), pattern(3000, 3));
  EXPECT_EQ(mem.read(plan->initrd.start, 777), pattern(777, 4));
  const Tree t = tree_in(mem, *plan);
  EXPECT_EQ(t.str("/chosen", "bootargs"), "console=ttyS0 earlycon");
  EXPECT_EQ(t.u64("/chosen", "linux,initrd-start"), plan->initrd.start);
  EXPECT_EQ(t.u64("/chosen", "linux,initrd-end"), plan->initrd.end);
}

TEST_F(BootLoader, InitrdAt128MiBAndFdtBelow3GiBOnLargeMachines) {
  MachineConfig c;
  c.ram_bytes = 4 * kGiB;
  c.bios = write_file(dir, "fw.bin", pattern(64, 2));
  c.kernel = write_file(dir, "Image", pattern(64, 3));
  c.initrd = write_file(dir, "initrd", pattern(64, 4));
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->initrd.start, 0x80200000u + 128 * kMiB);
  EXPECT_EQ(plan->fdt_addr, 3 * kGiB - 2 * kMiB);
  c.ram_bytes = 256 * kMiB;
  FakeMemory mem256(c.ram_bytes);
  const auto plan256 = load(c, mem256);
  ASSERT_TRUE(plan256) << error;
  EXPECT_EQ(plan256->initrd.start, 0x80200000u + 128 * kMiB);
  EXPECT_EQ(plan256->fdt_addr, kDram + 254 * kMiB);
}

TEST_F(BootLoader, LargeFirmwarePushesTheKernelToTheNext2MiB) {
  MachineConfig c;
  c.bios = write_file(dir, "fw.bin", pattern(2 * kMiB + 1, 2));
  c.kernel = write_file(dir, "Image", pattern(64, 3));
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->kernel.start, 0x80400000u);
}

TEST_F(BootLoader, ElfKernelGoesToPhysicalAddressesWithZeroedBss) {
  MachineConfig c = bare();
  TestElf spec;
  // Linked for a high virtual address, loaded at its physical one (as vmlinux is).
  spec.entry = 0xffffffff80000010;
  spec.segments.push_back({0xffffffff80000000, 0x80200000, pattern(64, 5), 0x3000});
  spec.segments.push_back({0xffffffff80010000, 0x80210000, pattern(16, 6), 0});
  c.kernel = elf("vmlinux", spec);
  FakeMemory mem(c.ram_bytes);
  const std::vector<uint8_t> garbage(0x3000, 0xee);
  ASSERT_TRUE(mem.write(0x80200000, garbage));
  mem.writes.clear();
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->kernel.start, 0x80200000u);
  EXPECT_EQ(plan->kernel.end, 0x80210010u);
  EXPECT_EQ(plan->kernel_entry, 0x80200000u);  // lowest address, as QEMU hands on
  EXPECT_EQ(plan->start_addr, 0x80200010u);    // -bios none: e_entry, made physical
  EXPECT_EQ(mem.read(0x80200000, 64), pattern(64, 5));
  EXPECT_EQ(mem.read(0x80200040, 0x3000 - 64), std::vector<uint8_t>(0x3000 - 64, 0));
  EXPECT_EQ(mem.read(0x80210000, 16), pattern(16, 6));
}

TEST_F(BootLoader, ElfFirmwareStartsAtItsEntry) {
  MachineConfig c;
  TestElf spec;
  spec.entry = 0x80000100;
  spec.segments.push_back({0x80000000, 0x80000000, pattern(0x200, 7), 0x300000});
  c.bios = elf("fw.elf", spec);
  c.kernel = write_file(dir, "Image", pattern(64, 3));
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->start_addr, 0x80000100u);
  EXPECT_EQ(plan->firmware.end, 0x80300000u);
  EXPECT_EQ(plan->kernel.start, 0x80400000u);  // after the firmware's bss, 2 MiB aligned
}

TEST_F(BootLoader, HtifMailboxesOfACrossCompiledTest) {
  MachineConfig c = bare();
  c.kernel = MACHINE_FIXTURE_DIR "/htif_test.elf";
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->start_addr, kDram);
  ASSERT_TRUE(plan->htif_tohost);
  EXPECT_EQ(*plan->htif_tohost, 0x80001000u);
  ASSERT_TRUE(plan->htif_fromhost);
  EXPECT_EQ(*plan->htif_fromhost, 0x80001040u);
  EXPECT_EQ(mem.read(kDram, 2), (std::vector<uint8_t>{0x05, 0x45}));  // c.li a0, 1
}

TEST_F(BootLoader, HtifSymbolsAreTranslatedToPhysicalAddresses) {
  MachineConfig c = bare();
  TestElf spec;
  spec.entry = 0x1000;
  spec.segments.push_back({0x1000, kDram, pattern(0x100, 8), 0});
  spec.symbols = {{"tohost", 0x1080}, {"fromhost", 0x10c0}, {"other", 0x1000}};
  c.kernel = elf("test.elf", spec);
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->htif_tohost, kDram + 0x80);
  EXPECT_EQ(plan->htif_fromhost, kDram + 0xc0);
}

TEST_F(BootLoader, HtifFromFirmwareWhenTheKernelHasNone) {
  MachineConfig c;
  TestElf spec;
  spec.entry = kDram;
  spec.segments.push_back({kDram, kDram, pattern(0x100, 8), 0});
  spec.symbols = {{"tohost", kDram + 0x40}};
  c.bios = elf("test.elf", spec);
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->htif_tohost, kDram + 0x40);
  EXPECT_FALSE(plan->htif_fromhost);
}

TEST_F(BootLoader, BadElfFilesAreRefusedByName) {
  struct Case {
    const char* name;
    TestElf spec;
    const char* mentions;
  };
  TestElf rv32;
  rv32.elf_class = ELFCLASS32;
  rv32.segments.push_back({kDram, kDram, pattern(16, 1), 0});
  TestElf x86;
  x86.machine = EM_X86_64;
  x86.segments.push_back({kDram, kDram, pattern(16, 1), 0});
  TestElf object;
  object.type = ET_REL;
  TestElf low;
  low.segments.push_back({0x10000000, 0x10000000, pattern(16, 1), 0});
  TestElf beyond;
  beyond.segments.push_back({kDram, kDram + 64 * kMiB - 8, pattern(16, 1), 0});
  TestElf empty;
  for (const Case& k : {Case{"rv32.elf", rv32, "not a 64-bit ELF"},
                        Case{"x86.elf", x86, "not a RISC-V ELF file (e_machine 62)"},
                        Case{"object.o", object, "not an executable"},
                        Case{"low.elf", low, "0x10000000-0x10000010 lies outside RAM"},
                        Case{"beyond.elf", beyond, "lies outside RAM (0x80000000-0x84000000)"},
                        Case{"empty.elf", empty, "no loadable segments"}}) {
    MachineConfig c = bare();
    c.kernel = elf(k.name, k.spec);
    const std::string e = failure(c);
    EXPECT_EQ(e.rfind("-kernel " + c.kernel + ": ", 0), 0u) << e;
    EXPECT_NE(e.find(k.mentions), std::string::npos) << e;
  }
}

TEST_F(BootLoader, TruncatedElfIsNotLoadedAsARawImage) {
  MachineConfig c = bare();
  c.kernel = write_file(dir, "broken.elf", {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0});
  EXPECT_NE(failure(c).find("broken.elf: truncated or malformed ELF"), std::string::npos);
}

TEST_F(BootLoader, ImagesLargerThanRamAreRefused) {
  MachineConfig c = bare(16 * kMiB);
  c.kernel = write_file(dir, "huge", std::vector<uint8_t>(16 * kMiB + 1));
  EXPECT_NE(failure(c).find("-kernel " + c.kernel + ": 16777217 bytes do not fit"),
            std::string::npos);
  c = bare(16 * kMiB);
  c.bios = write_file(dir, "huge", std::vector<uint8_t>(16 * kMiB + 1));
  EXPECT_NE(failure(c).find("-bios " + c.bios), std::string::npos);
}

TEST_F(BootLoader, OverlapsAreRefusedNamingBothSides) {
  // An ELF kernel linked over the firmware.
  MachineConfig c;
  c.bios = write_file(dir, "fw.bin", pattern(0x1000, 1));
  TestElf at_base;
  at_base.segments.push_back({kDram, kDram + 0x800, pattern(16, 1), 0});
  c.kernel = elf("k.elf", at_base);
  std::string e = failure(c);
  EXPECT_NE(e.find("-kernel " + c.kernel + ": 0x80000800-0x80000810 overlaps -bios " + c.bios),
            std::string::npos)
      << e;

  // A kernel whose bss reaches the initrd (placed at kernel + RAM/2).
  c = bare(64 * kMiB);
  TestElf big_bss;
  big_bss.segments.push_back({kDram, kDram, pattern(16, 1), 40 * kMiB});
  c.kernel = elf("big.elf", big_bss);
  c.initrd = write_file(dir, "initrd", pattern(16, 2));
  e = failure(c);
  EXPECT_NE(e.find("-initrd " + c.initrd + ": "), std::string::npos) << e;
  EXPECT_NE(e.find("overlaps -kernel " + c.kernel), std::string::npos) << e;

  // An initrd running into the device tree at the top of RAM.
  c = bare(16 * kMiB);
  c.kernel = write_file(dir, "Image", pattern(16, 3));
  c.initrd = write_file(dir, "initrd", std::vector<uint8_t>(8 * kMiB - 4096));
  e = failure(c);
  EXPECT_NE(e.find("the device tree"), std::string::npos) << e;
  EXPECT_NE(e.find(c.initrd), std::string::npos) << e;
}

TEST_F(BootLoader, InitrdWithoutKernelIsRefused) {
  MachineConfig c = bare();
  c.initrd = write_file(dir, "initrd", pattern(16, 2));
  EXPECT_EQ(failure(c), "-initrd only allowed with -kernel option");
}

TEST_F(BootLoader, NothingToLoadStillGivesARom) {
  MachineConfig c = bare();
  FakeMemory mem(c.ram_bytes);
  const auto plan = load(c, mem);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->start_addr, kDram);
  EXPECT_EQ(plan->kernel_entry, 0u);
  EXPECT_EQ(mem.dword(0x1000 + kRomStartAddrOffset), kDram);
}

TEST_F(BootLoader, WriterRefusalIsReported) {
  MachineConfig c = bare();
  FakeMemory mem(c.ram_bytes);
  mem.refuse_rom = true;
  EXPECT_FALSE(load(c, mem));
  EXPECT_NE(error.find("boot ROM"), std::string::npos) << error;
}

TEST_F(BootLoader, RngSeedAndDevicesReachTheTree) {
  MachineConfig c = bare();
  FdtConfig devices;
  devices.rng_seed = pattern(32, 9);
  FakeMemory mem(c.ram_bytes);
  const auto plan = load_boot_images(c, devices, mem, &error);
  ASSERT_TRUE(plan) << error;
  const Tree t = tree_in(mem, *plan);
  int len = 0;
  const void* seed = fdt_getprop(t.fdt(), fdt_path_offset(t.fdt(), "/chosen"), "rng-seed", &len);
  ASSERT_NE(seed, nullptr);
  ASSERT_EQ(len, 32);
  EXPECT_EQ(std::memcmp(seed, devices.rng_seed.data(), 32), 0);
  EXPECT_LT(fdt_path_offset(t.fdt(), "/soc/virtio_mmio@10001000"), 0);  // no slots asked for
}

TEST_F(BootLoader, DebianOpenSbi) {
  for (const char* fw : {"fw_dynamic.bin", "fw_dynamic.elf"}) {
    const std::string path = std::string("/usr/lib/riscv64-linux-gnu/opensbi/generic/") + fw;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "Debian's opensbi is not installed";
    MachineConfig c;
    if (std::string(fw) != "fw_dynamic.bin") c.bios = path;  // the .bin is the default
    c.kernel = write_file(dir, "Image", pattern(64, 3));
    FakeMemory mem(c.ram_bytes);
    const auto plan = load(c, mem);
    ASSERT_TRUE(plan) << fw << ": " << error;
    EXPECT_EQ(plan->start_addr, kDram) << fw;
    EXPECT_EQ(plan->firmware.start, kDram) << fw;
    EXPECT_EQ(plan->kernel.start, 0x80200000u) << fw;
    EXPECT_EQ(mem.dword(plan->fw_dynamic_info_addr + 16), 0x80200000u) << fw;
  }
}

}  // namespace
}  // namespace rwd::machine
