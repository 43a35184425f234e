// What `rewind run` is asked to build: firmware, kernel, initrd, RAM, harts and disks, spelled as
// QEMU spells them (-bios, -kernel, -initrd, -append, -m, -smp, -drive, -nographic). The parsers
// here turn option values into this struct and validate it, so that the command line only wires
// options to them and every mistake is reported as one line before the machine exists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwd::machine {

// Debian's OpenSBI (package `opensbi`), used when -bios is not given.
inline constexpr std::string_view kDefaultBios =
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
inline constexpr uint64_t kGiB = uint64_t{1} << 30;
inline constexpr uint64_t kDefaultRamBytes = 128 * kMiB;  // QEMU's default for virt
inline constexpr uint64_t kMinRamBytes = 16 * kMiB;
inline constexpr uint64_t kMaxRamBytes = 16 * kGiB;
// Raised when the machine loop runs more than one hart; the config already carries the count.
inline constexpr unsigned kMaxHarts = 1;

struct DriveConfig {
  std::string file;
  std::string format = "raw";  // the only format so far
  bool readonly = false;       // the guest sees a read-only disk (VIRTIO_BLK_F_RO)
  // Guest writes always go to an in-memory overlay and never to the file while the machine
  // runs. snapshot=off (QEMU's meaning: writes reach the file) asks the machine to write the
  // overlay back to the file when it ends; on (the default here, unlike QEMU) never does.
  bool snapshot = true;
  std::string id{};      // id=, for -device virtio-blk-device,drive=ID
  bool attached = true;  // false for if=none: only a -device attaches it
};

// A -device: the virtio-mmio devices the board can take.
struct DeviceConfig {
  enum class Kind { kVirtioBlk, kVirtioRng };
  Kind kind = Kind::kVirtioRng;
  std::string drive;  // kVirtioBlk: the id of its -drive
};

// What sits in the virtio-mmio slots, in attachment order (QEMU fills slots from the last).
struct VirtioAttachment {
  DeviceConfig::Kind kind;
  size_t drive_index = 0;  // into MachineConfig::drives, for kVirtioBlk
};

struct MachineConfig {
  std::string bios;  // "" = kDefaultBios, "none" = no firmware
  std::string kernel;
  std::string initrd;
  std::string append;
  uint64_t ram_bytes = kDefaultRamBytes;
  unsigned harts = 1;
  std::vector<DriveConfig> drives;  // in order: the first is the first virtio-mmio disk
  std::vector<DeviceConfig> devices;
  bool nographic = false;
};

// The firmware file to load, or "" for -bios none.
std::string firmware_path(const MachineConfig& config);

// -m: "256M", "1G", "128m", "2048k", "1.5G", "512" (no suffix = MiB, as QEMU), also QEMU's
// "size=256M" form. Suffixes B K M G T are powers of 1024, either case. Sets *error (one line
// naming the value) and returns nullopt when malformed; range checks are in validate_config.
std::optional<uint64_t> parse_memory_size(std::string_view text, std::string* error);

// -drive: "file=F,format=raw[,if=virtio][,readonly=on|off][,snapshot=on|off]". As in QEMU, a
// comma inside a value is written ",,". Unknown keys and formats are refused by name.
std::optional<DriveConfig> parse_drive_spec(std::string_view text, std::string* error);

// -smp: "N" or "cpus=N". Only the count is parsed; validate_config enforces kMaxHarts.
// "virtio-blk-device,drive=ID" or "virtio-rng-device".
std::optional<DeviceConfig> parse_device_spec(std::string_view text, std::string* error);
// The virtio devices to attach: drives given with if=virtio (or no if=) in order, then every
// -device in order. Fails naming a -device whose drive= does not exist or a drive used twice.
std::optional<std::vector<VirtioAttachment>> resolve_virtio_devices(const MachineConfig& config,
                                                                   std::string* error);

std::optional<unsigned> parse_smp(std::string_view text, std::string* error);

// Checks what the parsers cannot see alone: RAM within [kMinRamBytes, kMaxRamBytes] and a whole
// number of 4 KiB pages, the hart count, -initrd/-append only with -kernel, and that every file
// named (firmware, kernel, initrd, drives) is a readable regular file or block device.
bool validate_config(const MachineConfig& config, std::string* error);

}  // namespace rwd::machine
