#include "machine/fdt_builder.h"

extern "C" {
#include <libfdt.h>
}

#include <fmt/format.h>

#include <stdexcept>

#include "machine/virt_layout.h"

namespace rwd::machine {

namespace {

// Thin checked wrapper over libfdt's sequential-write API.
class FdtWriter {
 public:
  explicit FdtWriter(size_t capacity) : buf_(capacity) {
    check(fdt_create(buf_.data(), int(buf_.size())), "create");
    check(fdt_finish_reservemap(buf_.data()), "reserve map");
  }
  void begin(const std::string& name) { check(fdt_begin_node(buf_.data(), name.c_str()), name); }
  void end() { check(fdt_end_node(buf_.data()), "end node"); }
  void string(const char* name, const std::string& value) {
    check(fdt_property_string(buf_.data(), name, value.c_str()), name);
  }
  // A string list: NUL-separated, as "compatible" needs.
  void strings(const char* name, std::initializer_list<const char*> values) {
    std::string joined;
    for (const char* v : values) joined.append(v).push_back('\0');
    check(fdt_property(buf_.data(), name, joined.data(), int(joined.size())), name);
  }
  void u32(const char* name, uint32_t value) {
    check(fdt_property_u32(buf_.data(), name, value), name);
  }
  void u64(const char* name, uint64_t value) {
    check(fdt_property_u64(buf_.data(), name, value), name);
  }
  void cells(const char* name, const std::vector<uint32_t>& values) {
    std::vector<fdt32_t> be;
    for (uint32_t v : values) be.push_back(cpu_to_fdt32(v));
    check(fdt_property(buf_.data(), name, be.data(), int(be.size() * sizeof(fdt32_t))), name);
  }
  // reg = <addr size> with two cells each.
  void reg(uint64_t base, uint64_t size) {
    cells("reg", {uint32_t(base >> 32), uint32_t(base), uint32_t(size >> 32), uint32_t(size)});
  }
  void bytes(const char* name, const std::vector<uint8_t>& value) {
    check(fdt_property(buf_.data(), name, value.data(), int(value.size())), name);
  }
  void empty(const char* name) { check(fdt_property(buf_.data(), name, nullptr, 0), name); }
  std::vector<uint8_t> finish() {
    check(fdt_finish(buf_.data()), "finish");
    buf_.resize(fdt_totalsize(buf_.data()));
    return std::move(buf_);
  }

 private:
  static void check(int err, const std::string& what) {
    if (err < 0)
      throw std::runtime_error(fmt::format("device tree: {}: {}", what, fdt_strerror(err)));
  }
  std::vector<uint8_t> buf_;
};

constexpr uint32_t kPlicPhandle = 1, kTestPhandle = 2, kFirstIntcPhandle = 16;
constexpr uint32_t kUartClockHz = 0x384000;  // as QEMU describes its 16550

std::string node(const char* name, uint64_t addr) {
  return fmt::format("{}@{:x}", name, addr);
}

}  // namespace

std::vector<uint8_t> build_fdt(const FdtConfig& c) {
  using namespace virt;
  FdtWriter w(64 * 1024 + c.bootargs.size() + c.rng_seed.size());
  w.begin("");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);
  w.string("compatible", "riscv-virtio");
  w.string("model", "riscv-virtio,qemu");

  w.begin("chosen");
  if (!c.bootargs.empty()) w.string("bootargs", c.bootargs);
  w.string("stdout-path", fmt::format("/soc/{}", node("serial", kUartBase)));
  if (c.initrd_end > c.initrd_start) {
    w.u64("linux,initrd-start", c.initrd_start);
    w.u64("linux,initrd-end", c.initrd_end);
  }
  if (!c.rng_seed.empty()) w.bytes("rng-seed", c.rng_seed);
  w.end();

  w.begin(node("memory", c.ram_base));
  w.string("device_type", "memory");
  w.reg(c.ram_base, c.ram_size);
  w.end();

  w.begin("cpus");
  w.u32("#address-cells", 1);
  w.u32("#size-cells", 0);
  w.u32("timebase-frequency", uint32_t(kTimebaseHz));
  for (unsigned h = 0; h < c.harts; ++h) {
    w.begin(fmt::format("cpu@{}", h));
    w.string("device_type", "cpu");
    w.u32("reg", h);
    w.string("status", "okay");
    w.string("compatible", "riscv");
    w.string("riscv,isa", c.isa);
    w.string("mmu-type", c.mmu_type);
    w.u32("phandle", kFirstIntcPhandle + 2 * h + 1);
    w.begin("interrupt-controller");
    w.u32("#interrupt-cells", 1);
    w.empty("interrupt-controller");
    w.string("compatible", "riscv,cpu-intc");
    w.u32("phandle", kFirstIntcPhandle + 2 * h);
    w.end();
    w.end();
  }
  w.begin("cpu-map");
  w.begin("cluster0");
  for (unsigned h = 0; h < c.harts; ++h) {
    w.begin(fmt::format("core{}", h));
    w.u32("cpu", kFirstIntcPhandle + 2 * h + 1);
    w.end();
  }
  w.end();
  w.end();
  w.end();  // cpus

  // syscon-based power control through the test finisher, as QEMU describes it.
  w.begin("poweroff");
  w.string("compatible", "syscon-poweroff");
  w.u32("regmap", kTestPhandle);
  w.u32("offset", 0);
  w.u32("value", 0x5555);
  w.end();
  w.begin("reboot");
  w.string("compatible", "syscon-reboot");
  w.u32("regmap", kTestPhandle);
  w.u32("offset", 0);
  w.u32("value", 0x7777);
  w.end();

  w.begin("soc");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);
  w.string("compatible", "simple-bus");
  w.empty("ranges");

  std::vector<uint32_t> clint_irqs, plic_irqs;
  for (unsigned h = 0; h < c.harts; ++h) {
    const uint32_t intc = kFirstIntcPhandle + 2 * h;
    clint_irqs.insert(clint_irqs.end(), {intc, 3, intc, 7});  // MSI, MTI
    plic_irqs.insert(plic_irqs.end(), {intc, 11, intc, 9});   // M then S external
  }
  w.begin(node("clint", kClintBase));
  w.strings("compatible", {"sifive,clint0", "riscv,clint0"});
  w.reg(kClintBase, kClintSize);
  w.cells("interrupts-extended", clint_irqs);
  w.end();

  w.begin(node("plic", kPlicBase));
  w.strings("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
  w.u32("#address-cells", 0);
  w.u32("#interrupt-cells", 1);
  w.empty("interrupt-controller");
  w.reg(kPlicBase, kPlicSize);
  w.u32("riscv,ndev", kPlicSources - 1);
  w.cells("interrupts-extended", plic_irqs);
  w.u32("phandle", kPlicPhandle);
  w.end();

  w.begin(node("serial", kUartBase));
  w.string("compatible", "ns16550a");
  w.reg(kUartBase, kUartSize);
  w.u32("clock-frequency", kUartClockHz);
  w.u32("interrupts", kUartIrq);
  w.u32("interrupt-parent", kPlicPhandle);
  w.end();

  w.begin(node("test", kTestBase));
  w.strings("compatible", {"sifive,test1", "sifive,test0", "syscon"});
  w.reg(kTestBase, kTestSize);
  w.u32("phandle", kTestPhandle);
  w.end();

  w.begin(node("rtc", kRtcBase));
  w.string("compatible", "google,goldfish-rtc");
  w.reg(kRtcBase, kRtcSize);
  w.u32("interrupts", kRtcIrq);
  w.u32("interrupt-parent", kPlicPhandle);
  w.end();

  for (unsigned i = 0; i < c.virtio_slots; ++i) {
    const uint64_t base = kVirtioBase + i * kVirtioStride;
    w.begin(node("virtio_mmio", base));
    w.string("compatible", "virtio,mmio");
    w.reg(base, kVirtioStride);
    w.u32("interrupts", kVirtioIrqFirst + i);
    w.u32("interrupt-parent", kPlicPhandle);
    w.end();
  }
  w.end();  // soc
  w.end();  // root
  return w.finish();
}

}  // namespace rwd::machine
