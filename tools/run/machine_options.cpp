#include "run/machine_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace rwd::run {

namespace {

bool contains(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

std::string absolute(const std::string& path) {
  if (path.empty() || path == "none") return path;
  std::error_code ec;
  const auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// -drive values separate keys with commas, so a comma inside a file name is doubled.
std::string escape_commas(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

}  // namespace

void MachineOptions::add_to(CLI::App& app) {
  app.add_option("-M,--machine", machine_name, "Machine type (only virt)");
  app.add_option("-m", memory, "RAM size, e.g. 256M or 1G (default 128M)");
  app.add_option("--smp", smp, "Number of harts (1)");
  app.add_option("--bios", config.bios,
                 "Firmware image, or none (default: Debian's OpenSBI fw_dynamic.bin)");
  app.add_option("--kernel", config.kernel, "Kernel: raw image or ELF");
  app.add_option("--initrd", config.initrd, "Initial ramdisk");
  app.add_option("--append", config.append, "Kernel command line");
  app.add_option("--drive", drives, "Disk: file=F,format=raw[,if=virtio|none][,id=ID]")->take_all();
  app.add_option("--device", devices, "virtio-blk-device,drive=ID or virtio-rng-device")
      ->take_all();
  app.add_flag("--nographic", config.nographic,
               "Serial console on stdio (always the case; Ctrl-A X quits, Ctrl-A H helps)");
}

bool MachineOptions::finish(std::string* error) {
  if (!machine_name.empty() && machine_name != "virt") {
    *error = fmt::format("-M {}: only the virt machine is supported", machine_name);
    return false;
  }
  if (!memory.empty()) {
    const auto bytes = machine::parse_memory_size(memory, error);
    if (!bytes) return false;
    config.ram_bytes = *bytes;
  }
  if (!smp.empty()) {
    const auto harts = machine::parse_smp(smp, error);
    if (!harts) return false;
    config.harts = *harts;
  }
  config.drives.clear();
  for (const std::string& d : drives) {
    auto drive = machine::parse_drive_spec(d, error);
    if (!drive) return false;
    config.drives.push_back(std::move(*drive));
  }
  config.devices.clear();
  for (const std::string& d : devices) {
    auto device = machine::parse_device_spec(d, error);
    if (!device) return false;
    config.devices.push_back(std::move(*device));
  }
  return true;
}

std::vector<std::string> qemu_style_arguments(const std::vector<std::string>& args,
                                              const std::vector<std::string>& subcommands) {
  static const std::vector<std::string> kTakesValue = {"bios",   "kernel", "initrd",  "append",
                                                       "smp",    "drive",  "device",  "machine",
                                                       "m",      "M",     "gdb"};
  static const std::vector<std::string> kFlags = {"nographic"};
  std::vector<std::string> out = args;
  bool in_subcommand = subcommands.empty();
  for (size_t i = 0; i < out.size(); ++i) {
    std::string& a = out[i];
    if (!in_subcommand) {
      in_subcommand = contains(subcommands, a);
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || a[1] == '-') continue;
    const std::string name = a.substr(1);
    if (contains(kTakesValue, name)) {
      if (name.size() > 1) a = "--" + name;
      ++i;  // the value, whatever it looks like
    } else if (contains(kFlags, name)) {
      a = "--" + name;
    }
  }
  return out;
}

std::vector<std::string> machine_arguments(const machine::MachineConfig& c) {
  std::vector<std::string> a = {"-M", "virt", "-m", fmt::format("{}K", c.ram_bytes >> 10),
                                "-smp", std::to_string(c.harts)};
  auto add = [&](const char* option, const std::string& value) {
    if (value.empty()) return;
    a.push_back(option);
    a.push_back(value);
  };
  add("-bios", absolute(c.bios));
  add("-kernel", absolute(c.kernel));
  add("-initrd", absolute(c.initrd));
  add("-append", c.append);
  for (const machine::DriveConfig& d : c.drives) {
    std::string spec = "file=" + escape_commas(absolute(d.file)) + ",format=" + d.format;
    if (!d.attached) spec += ",if=none";
    if (!d.id.empty()) spec += ",id=" + escape_commas(d.id);
    spec += d.readonly ? ",readonly=on" : ",readonly=off";
    spec += d.snapshot ? ",snapshot=on" : ",snapshot=off";
    add("-drive", spec);
  }
  for (const machine::DeviceConfig& d : c.devices) {
    add("-device", d.kind == machine::DeviceConfig::Kind::kVirtioRng
                       ? std::string("virtio-rng-device")
                       : "virtio-blk-device,drive=" + d.drive);
  }
  if (c.nographic) a.push_back("-nographic");
  return a;
}

std::optional<machine::MachineConfig> parse_machine_arguments(const std::vector<std::string>& args,
                                                              std::string* error) {
  CLI::App app{"machine"};
  MachineOptions options;
  options.add_to(app);
  std::vector<std::string> words = {"machine"};
  const auto rewritten = qemu_style_arguments(args, {});
  words.insert(words.end(), rewritten.begin(), rewritten.end());
  std::vector<char*> ptrs;
  for (std::string& w : words) ptrs.push_back(w.data());
  try {
    app.parse(int(ptrs.size()), ptrs.data());
  } catch (const CLI::ParseError& e) {
    *error = fmt::format("machine arguments: {}", e.what());
    return std::nullopt;
  }
  if (!options.finish(error)) return std::nullopt;
  return options.config;
}

}  // namespace rwd::run
