#include "machine/machine_config.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <utility>

namespace rwd::machine {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

std::optional<uint64_t> parse_decimal(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "on" || v == "yes" || v == "true") return true;
  if (v == "off" || v == "no" || v == "false") return false;
  return std::nullopt;
}

// Splits QEMU's "key=value,key=value" option syntax, where ",," stands for a literal comma.
std::vector<std::string> split_options(std::string_view text) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ',') {
      items.back().push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == ',') {
      items.back().push_back(',');
      ++i;
    } else {
      items.emplace_back();
    }
  }
  return items;
}

std::string size_text(uint64_t bytes) {
  if (bytes != 0 && bytes % kGiB == 0) return fmt::format("{} GiB", bytes / kGiB);
  if (bytes != 0 && bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  if (bytes != 0 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

enum class FileUse { kImage, kDisk };

// One readable file: an image must be a non-empty regular file; a disk may also be a block
// device. `what` is how the message names it, e.g. "-kernel Image".
bool check_file(const std::string& path, FileUse use, const std::string& what, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error, fmt::format("{}: {}", what, std::strerror(errno)));
  struct stat st {};
  const int rc = fstat(fd, &st);
  const int saved_errno = errno;
  close(fd);
  if (rc != 0) return fail(error, fmt::format("{}: {}", what, std::strerror(saved_errno)));
  if (S_ISDIR(st.st_mode)) return fail(error, fmt::format("{}: is a directory", what));
  const bool block = S_ISBLK(st.st_mode);
  if (!S_ISREG(st.st_mode) && !(use == FileUse::kDisk && block)) {
    return fail(error, fmt::format("{}: not a regular file", what));
  }
  if (use == FileUse::kImage && st.st_size == 0) {
    return fail(error, fmt::format("{}: empty file", what));
  }
  return true;
}

}  // namespace

std::string firmware_path(const MachineConfig& config) {
  if (config.bios == "none") return "";
  return config.bios.empty() ? std::string(kDefaultBios) : config.bios;
}

std::optional<uint64_t> parse_memory_size(std::string_view text, std::string* error) {
  const auto invalid = [&](std::string_view why) {
    fail(error, fmt::format("-m {}: {}", text, why));
    return std::nullopt;
  };
  std::string_view s = text;
  if (s.starts_with("size=")) s.remove_prefix(5);
  uint64_t unit = kMiB;  // QEMU reads a bare number as MiB
  // QEMU's suffixes, each 1024 times the previous one, in either case.
  constexpr std::string_view kSuffixes = "bkmgt";
  const size_t suffix =
      s.empty() ? std::string_view::npos : kSuffixes.find(char(std::tolower(s.back())));
  if (suffix != std::string_view::npos) {
    unit = uint64_t{1} << (10 * suffix);
    s.remove_suffix(1);
  }
  const size_t dot = s.find('.');
  const std::string_view whole_digits = s.substr(0, dot);
  const std::string_view frac_digits = dot == s.npos ? std::string_view() : s.substr(dot + 1);
  const auto whole = parse_decimal(whole_digits);
  if (!whole) return invalid("invalid size (expected e.g. 256M, 1G or a number of MiB)");
  uint64_t fraction = 0;
  if (dot != s.npos) {
    // Enough digits for any fraction of a TiB to be exact to the byte.
    const auto frac = frac_digits.size() <= 12 ? parse_decimal(frac_digits) : std::nullopt;
    if (!frac) return invalid("invalid size (expected e.g. 256M, 1G or a number of MiB)");
    uint64_t scale = 1;
    for (size_t i = 0; i < frac_digits.size(); ++i) scale *= 10;
    // unit * frac can exceed 64 bits for TiB with 12 digits; 128-bit keeps it exact.
    const unsigned __int128 scaled = static_cast<unsigned __int128>(unit) * *frac / scale;
    if (unit == 1 && *frac != 0) return invalid("a size in bytes cannot have a fraction");
    fraction = static_cast<uint64_t>(scaled);
  }
  if (*whole > (std::numeric_limits<uint64_t>::max() - fraction) / unit) {
    return invalid("size too large");
  }
  return *whole * unit + fraction;
}

std::optional<DriveConfig> parse_drive_spec(std::string_view text, std::string* error) {
  const auto invalid = [&](const std::string& why) {
    fail(error, fmt::format("-drive {}: {}", text, why));
    return std::nullopt;
  };
  DriveConfig drive;
  bool have_file = false;
  std::vector<std::string> seen;
  for (const std::string& item : split_options(text)) {
    if (item.empty()) return invalid("empty option");
    const size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    // QEMU accepts a bare boolean key as key=on.
    std::string value = eq == std::string::npos ? "on" : item.substr(eq + 1);
    for (const std::string& k : seen) {
      if (k == key) return invalid(fmt::format("'{}' given twice", key));
    }
    seen.push_back(key);
    if (key == "file") {
      if (eq == std::string::npos || value.empty()) return invalid("file= needs a file name");
      drive.file = value;
      have_file = true;
    } else if (key == "format") {
      if (value != "raw") {
        return invalid(fmt::format("format '{}' is not supported (only raw)", value));
      }
    } else if (key == "if") {
      if (value != "virtio" && value != "none") {
        return invalid(fmt::format("if={} is not supported (only if=virtio or if=none)", value));
      }
      drive.attached = value == "virtio";
    } else if (key == "id") {
      if (value.empty()) return invalid("id= needs a name");
      drive.id = value;
    } else if (key == "readonly" || key == "snapshot") {
      const auto on = parse_bool(value);
      if (!on) return invalid(fmt::format("{}={}: expected on or off", key, value));
      (key == "readonly" ? drive.readonly : drive.snapshot) = *on;
    } else {
      return invalid(fmt::format(
          "unknown option '{}' (supported: file, format, if, id, readonly, snapshot)", key));
    }
  }
  if (!have_file) return invalid("missing file=");
  return drive;
}

std::optional<DeviceConfig> parse_device_spec(std::string_view text, std::string* error) {
  const auto invalid = [&](const std::string& why) {
    fail(error, fmt::format("-device {}: {}", text, why));
    return std::nullopt;
  };
  const std::vector<std::string> items = split_options(text);
  if (items.empty() || items[0].empty()) return invalid("missing device name");
  DeviceConfig device;
  if (items[0] == "virtio-rng-device") {
    device.kind = DeviceConfig::Kind::kVirtioRng;
  } else if (items[0] == "virtio-blk-device") {
    device.kind = DeviceConfig::Kind::kVirtioBlk;
  } else {
    return invalid(fmt::format(
        "unknown device '{}' (supported: virtio-blk-device, virtio-rng-device)", items[0]));
  }
  for (size_t i = 1; i < items.size(); ++i) {
    const size_t eq = items[i].find('=');
    const std::string key = items[i].substr(0, eq);
    if (key == "drive" && device.kind == DeviceConfig::Kind::kVirtioBlk && eq != std::string::npos &&
        eq + 1 < items[i].size() && device.drive.empty()) {
      device.drive = items[i].substr(eq + 1);
    } else {
      return invalid(fmt::format("unsupported option '{}'", items[i]));
    }
  }
  if (device.kind == DeviceConfig::Kind::kVirtioBlk && device.drive.empty()) {
    return invalid("virtio-blk-device needs drive=ID");
  }
  return device;
}

std::optional<std::vector<VirtioAttachment>> resolve_virtio_devices(const MachineConfig& config,
                                                                   std::string* error) {
  std::vector<VirtioAttachment> out;
  std::vector<bool> used(config.drives.size(), false);
  for (size_t i = 0; i < config.drives.size(); ++i) {
    if (!config.drives[i].attached) continue;
    out.push_back({DeviceConfig::Kind::kVirtioBlk, i});
    used[i] = true;
  }
  for (const DeviceConfig& device : config.devices) {
    if (device.kind == DeviceConfig::Kind::kVirtioRng) {
      out.push_back({device.kind, 0});
      continue;
    }
    size_t found = config.drives.size();
    for (size_t i = 0; i < config.drives.size(); ++i) {
      if (config.drives[i].id == device.drive) found = i;
    }
    if (found == config.drives.size()) {
      fail(error, fmt::format("-device virtio-blk-device,drive={}: no -drive with id={}",
                              device.drive, device.drive));
      return std::nullopt;
    }
    if (used[found]) {
      fail(error, fmt::format("-device virtio-blk-device,drive={}: drive already attached",
                              device.drive));
      return std::nullopt;
    }
    used[found] = true;
    out.push_back({device.kind, found});
  }
  if (out.size() > 8) {
    fail(error, fmt::format("{} virtio devices given; the virt board has 8 slots", out.size()));
    return std::nullopt;
  }
  return out;
}

std::optional<unsigned> parse_smp(std::string_view text, std::string* error) {
  const auto invalid = [&](const std::string& why) {
    fail(error, fmt::format("-smp {}: {}", text, why));
    return std::nullopt;
  };
  std::string_view count = text;
  if (count.starts_with("cpus=")) count.remove_prefix(5);
  if (count.find_first_of(",=") != std::string_view::npos) {
    return invalid("only N or cpus=N is supported");
  }
  const auto n = parse_decimal(count);
  if (!n) return invalid("expected a number of harts");
  if (*n == 0) return invalid("at least 1 hart is needed");
  if (*n > std::numeric_limits<unsigned>::max()) return invalid("too many harts");
  return static_cast<unsigned>(*n);
}

bool validate_config(const MachineConfig& c, std::string* error) {
  if (c.ram_bytes < kMinRamBytes || c.ram_bytes > kMaxRamBytes) {
    return fail(error, fmt::format("-m {}: RAM must be between {} and {}", size_text(c.ram_bytes),
                                   size_text(kMinRamBytes), size_text(kMaxRamBytes)));
  }
  if (c.ram_bytes % 4096 != 0) {
    return fail(error, fmt::format("-m {}: RAM must be a whole number of 4 KiB pages",
                                   size_text(c.ram_bytes)));
  }
  if (c.harts == 0 || c.harts > kMaxHarts) {
    return fail(error, fmt::format("-smp {}: only {} hart{} supported so far", c.harts, kMaxHarts,
                                   kMaxHarts == 1 ? " is" : "s are"));
  }
  // QEMU's own wording for these two.
  if (c.kernel.empty() && !c.initrd.empty()) {
    return fail(error, "-initrd only allowed with -kernel option");
  }
  if (c.kernel.empty() && !c.append.empty()) {
    return fail(error, "-append only allowed with -kernel option");
  }
  const std::string bios = firmware_path(c);
  if (!bios.empty()) {
    const std::string what =
        c.bios.empty()
            ? fmt::format("default firmware {} (Debian package opensbi, or pass -bios)", bios)
            : fmt::format("-bios {}", bios);
    if (!check_file(bios, FileUse::kImage, what, error)) return false;
  }
  if (!c.kernel.empty() &&
      !check_file(c.kernel, FileUse::kImage, fmt::format("-kernel {}", c.kernel), error)) {
    return false;
  }
  if (!c.initrd.empty() &&
      !check_file(c.initrd, FileUse::kImage, fmt::format("-initrd {}", c.initrd), error)) {
    return false;
  }
  for (const DriveConfig& d : c.drives) {
    const std::string what = fmt::format("-drive file={}", d.file);
    if (d.format != "raw")
      return fail(error, fmt::format("{}: format '{}' is not supported", what, d.format));
    if (!check_file(d.file, FileUse::kDisk, what, error)) return false;
    if (!d.snapshot && !d.readonly && access(d.file.c_str(), W_OK) != 0) {
      return fail(error, fmt::format("{}: snapshot=off writes the disk back, but: {}", what,
                                     std::strerror(errno)));
    }
  }
  return true;
}

}  // namespace rwd::machine
