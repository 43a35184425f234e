#include "machine/boot_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "machine/boot_rom.h"
#include "machine/virt_layout.h"

namespace rwd::machine {
namespace {

constexpr uint64_t kKernelAlign = 2 * kMiB;  // QEMU's riscv_calc_kernel_start_addr for RV64
constexpr uint64_t kFdtAlign = 2 * kMiB;
// QEMU keeps the device tree below 3 GiB so that 32-bit code could reach it too.
constexpr uint64_t kFdtCeiling = 3 * kGiB;
constexpr uint64_t kInitrdMaxOffset = 128 * kMiB;

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}
uint64_t align_down(uint64_t v, uint64_t a) {
  return v & ~(a - 1);
}

std::string range_text(const PhysRange& r) {
  return fmt::format("{:#x}-{:#x}", r.start, r.end);
}

std::nullopt_t fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

// One thing placed in memory, for the overlap and RAM checks.
struct Placement {
  std::string label;  // "-kernel FILE", "the device tree"
  PhysRange range;
};

void add_pieces(const BootImage& image, const std::string& option,
                std::vector<Placement>& placements) {
  for (const BootImage::Piece& p : image.pieces) {
    placements.push_back({fmt::format("{} {}", option, image.path), {p.paddr, p.paddr + p.memsz}});
  }
}

bool check_placements(const std::vector<Placement>& placed, const PhysRange& ram,
                      std::string* error) {
  for (size_t i = 0; i < placed.size(); ++i) {
    const Placement& p = placed[i];
    if (!ram.contains(p.range)) {
      fail(error, fmt::format("{}: {} lies outside RAM ({})", p.label, range_text(p.range),
                              range_text(ram)));
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      // Pieces of one ELF are its own business; different images must not collide.
      if (placed[j].label == p.label || !placed[j].range.overlaps(p.range)) continue;
      fail(error, fmt::format("{}: {} overlaps {} at {}", p.label, range_text(p.range),
                              placed[j].label, range_text(placed[j].range)));
      return false;
    }
  }
  return true;
}

// Reads one image; messages gain the option that named the file.
std::optional<BootImage> read_labelled(const char* option, const std::string& path, bool raw_only,
                                       uint64_t base, const PhysRange& ram, std::string* error) {
  const uint64_t room = base >= ram.start && base < ram.end ? ram.end - base : 0;
  std::string why;
  auto image =
      raw_only ? read_raw_image(path, base, room, &why) : read_boot_image(path, base, room, &why);
  if (!image) fail(error, fmt::format("{} {}", option, why));
  return image;
}

}  // namespace

std::optional<BootPlan> load_boot_images(const MachineConfig& config, FdtConfig devices,
                                         PhysicalWriter& memory, std::string* error) {
  const PhysRange ram{virt::kDramBase, virt::kDramBase + config.ram_bytes};
  BootPlan plan;
  plan.reset_pc = virt::kBootRomBase;
  plan.fw_dynamic_info_addr = virt::kBootRomBase + kRomFwDynamicOffset;
  plan.start_addr = ram.start;
  std::vector<Placement> placed;

  std::optional<BootImage> firmware, kernel, initrd;
  const std::string firmware_file = firmware_path(config);
  uint64_t firmware_end = ram.start;
  if (!firmware_file.empty()) {
    firmware = read_labelled("-bios", firmware_file, false, virt::kFirmwareBase, ram, error);
    if (!firmware) return std::nullopt;
    add_pieces(*firmware, "-bios", placed);
    plan.firmware = firmware->span;
    plan.start_addr = firmware->entry;
    firmware_end = firmware->span.end;
  }
  if (!config.kernel.empty()) {
    const uint64_t raw_base = align_up(firmware_end, kKernelAlign);
    kernel = read_labelled("-kernel", config.kernel, false, raw_base, ram, error);
    if (!kernel) return std::nullopt;
    add_pieces(*kernel, "-kernel", placed);
    plan.kernel = kernel->span;
    // QEMU hands firmware the lowest loaded address, not e_entry, so an ELF kernel starts
    // where a raw image of it would (what fw_jump and fw_payload assume too).
    plan.kernel_entry = kernel->span.start;
    if (!firmware) plan.start_addr = kernel->entry;
  }
  if (!config.initrd.empty()) {
    if (!kernel) return fail(error, "-initrd only allowed with -kernel option");
    // Far enough above the kernel that its decompression does not clobber the initrd, but
    // within the first half of a small RAM.
    const uint64_t base = plan.kernel_entry + std::min(config.ram_bytes / 2, kInitrdMaxOffset);
    initrd = read_labelled("-initrd", config.initrd, true, base, ram, error);
    if (!initrd) return std::nullopt;
    add_pieces(*initrd, "-initrd", placed);
    plan.initrd = initrd->span;
  }

  devices.ram_base = ram.start;
  devices.ram_size = config.ram_bytes;
  devices.harts = config.harts;
  devices.bootargs = config.append;
  devices.initrd_start = plan.initrd.start;
  devices.initrd_end = plan.initrd.end;
  try {
    plan.fdt_blob = build_fdt(devices);
  } catch (const std::exception& e) {
    return fail(error, e.what());
  }
  const uint64_t fdt_top = std::min(ram.end, kFdtCeiling);
  const uint64_t fdt_size = plan.fdt_blob.size();
  if (fdt_size > fdt_top - ram.start) return fail(error, "the device tree does not fit in RAM");
  plan.fdt_addr = align_down(fdt_top - fdt_size, kFdtAlign);
  plan.fdt = {plan.fdt_addr, plan.fdt_addr + fdt_size};
  placed.push_back({"the device tree", plan.fdt});
  if (!check_placements(placed, ram, error)) return std::nullopt;

  for (const std::optional<BootImage>* image : {&kernel, &firmware}) {
    if (*image && (*image)->tohost) {
      plan.htif_tohost = (*image)->tohost;
      plan.htif_fromhost = (*image)->fromhost;
      break;
    }
  }

  const std::vector<uint8_t> rom = build_boot_rom(
      {.start_addr = plan.start_addr, .fdt_addr = plan.fdt_addr, .next_addr = plan.kernel_entry});
  for (const std::optional<BootImage>* image : {&firmware, &kernel, &initrd}) {
    if (*image && !write_boot_image(**image, memory, error)) return std::nullopt;
  }
  if (!memory.write(plan.fdt_addr, plan.fdt_blob)) {
    return fail(error, fmt::format("the device tree: cannot write {}", range_text(plan.fdt)));
  }
  if (rom.size() > virt::kBootRomSize || !memory.write(virt::kBootRomBase, rom)) {
    return fail(error, fmt::format("the boot ROM at {:#x}: cannot write it", virt::kBootRomBase));
  }
  return plan;
}

}  // namespace rwd::machine
