#include "machine/fdt_builder.h"

extern "C" {
#include <libfdt.h>
}

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "machine/virt_layout.h"

namespace rwd::machine {
namespace {

struct Tree {
  std::vector<uint8_t> blob;
  const void* fdt() const { return blob.data(); }
  int path(const char* p) const { return fdt_path_offset(fdt(), p); }
  std::string str(const char* node, const char* prop) const {
    int len = 0;
    const void* v = fdt_getprop(fdt(), path(node), prop, &len);
    return v ? std::string(static_cast<const char*>(v), len > 0 ? len - 1 : 0) : "<missing>";
  }
  uint32_t u32(const char* node, const char* prop, int index = 0) const {
    int len = 0;
    const auto* v = static_cast<const fdt32_t*>(fdt_getprop(fdt(), path(node), prop, &len));
    EXPECT_NE(v, nullptr) << node << " " << prop;
    EXPECT_GE(len, int(4 * (index + 1))) << node << " " << prop;
    return v && len >= 4 * (index + 1) ? fdt32_to_cpu(v[index]) : 0;
  }
  uint64_t u64(const char* node, const char* prop) const {
    return uint64_t(u32(node, prop, 0)) << 32 | u32(node, prop, 1);
  }
  bool has(const char* node, const char* prop) const {
    return fdt_getprop(fdt(), path(node), prop, nullptr) != nullptr;
  }
};

FdtConfig basic() {
  FdtConfig c;
  c.ram_base = virt::kDramBase;
  c.ram_size = 256ull << 20;
  c.bootargs = "console=ttyS0 quiet";
  c.virtio_slots = virt::kVirtioSlots;
  return c;
}

TEST(FdtBuilder, DescribesMemoryChosenAndCpus) {
  FdtConfig c = basic();
  c.initrd_start = 0x88000000;
  c.initrd_end = 0x88100000;
  Tree t{build_fdt(c)};
  ASSERT_EQ(fdt_check_header(t.fdt()), 0);
  EXPECT_EQ(t.str("/chosen", "bootargs"), "console=ttyS0 quiet");
  EXPECT_EQ(t.str("/chosen", "stdout-path"), "/soc/serial@10000000");
  EXPECT_EQ(t.u64("/chosen", "linux,initrd-start"), 0x88000000u);
  EXPECT_EQ(t.u64("/chosen", "linux,initrd-end"), 0x88100000u);
  EXPECT_EQ(t.u32("/memory@80000000", "reg", 1), 0x80000000u);
  EXPECT_EQ(t.u32("/memory@80000000", "reg", 3), 256u << 20);
  EXPECT_EQ(t.u32("/cpus", "timebase-frequency"), 10'000'000u);
  EXPECT_EQ(t.str("/cpus/cpu@0", "riscv,isa"), "rv64imafdc");
  EXPECT_GE(t.path("/cpus/cpu@0/interrupt-controller"), 0);
}

TEST(FdtBuilder, InitrdAndBootargsOnlyWhenGiven) {
  FdtConfig c = basic();
  c.bootargs.clear();
  Tree t{build_fdt(c)};
  EXPECT_FALSE(t.has("/chosen", "bootargs"));
  EXPECT_FALSE(t.has("/chosen", "linux,initrd-start"));
}

TEST(FdtBuilder, DevicesAreWiredToThePlicAndTheHartInterruptController) {
  Tree t{build_fdt(basic())};
  const uint32_t plic = t.u32("/soc/plic@c000000", "phandle");
  EXPECT_EQ(t.u32("/soc/serial@10000000", "interrupt-parent"), plic);
  EXPECT_EQ(t.u32("/soc/serial@10000000", "interrupts"), 10u);
  EXPECT_EQ(t.u32("/soc/rtc@101000", "interrupts"), 11u);
  EXPECT_EQ(t.u32("/soc/virtio_mmio@10008000", "interrupts"), 8u);
  EXPECT_EQ(t.u32("/soc/plic@c000000", "riscv,ndev"), 95u);
  const uint32_t intc = t.u32("/cpus/cpu@0/interrupt-controller", "phandle");
  EXPECT_EQ(t.u32("/soc/clint@2000000", "interrupts-extended", 0), intc);
  EXPECT_EQ(t.u32("/soc/clint@2000000", "interrupts-extended", 1), 3u);
  EXPECT_EQ(t.u32("/soc/clint@2000000", "interrupts-extended", 3), 7u);
  EXPECT_EQ(t.u32("/soc/plic@c000000", "interrupts-extended", 1), 11u);
  EXPECT_EQ(t.u32("/soc/plic@c000000", "interrupts-extended", 3), 9u);
  const uint32_t test = t.u32("/soc/test@100000", "phandle");
  EXPECT_EQ(t.u32("/poweroff", "regmap"), test);
  EXPECT_EQ(t.u32("/poweroff", "value"), 0x5555u);
  EXPECT_EQ(t.u32("/reboot", "value"), 0x7777u);
}

TEST(FdtBuilder, OneCpuNodePerHart) {
  FdtConfig c = basic();
  c.harts = 2;
  Tree t{build_fdt(c)};
  EXPECT_GE(t.path("/cpus/cpu@1"), 0);
  EXPECT_EQ(t.u32("/soc/clint@2000000", "interrupts-extended", 4),
            t.u32("/cpus/cpu@1/interrupt-controller", "phandle"));
  EXPECT_LT(t.path("/cpus/cpu@2"), 0);
}

TEST(FdtBuilder, LongBootargsFit) {
  FdtConfig c = basic();
  c.bootargs = std::string(100000, 'x');
  Tree t{build_fdt(c)};
  EXPECT_EQ(t.str("/chosen", "bootargs").size(), 100000u);
}

}  // namespace
}  // namespace rwd::machine
