#include "machine/machine_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_elf.h"

namespace rwd::machine {
namespace {

using testing::make_temp_dir;
using testing::write_file;

uint64_t size_ok(const char* text) {
  std::string error;
  const auto v = parse_memory_size(text, &error);
  EXPECT_TRUE(v) << text << ": " << error;
  return v.value_or(0);
}

std::string size_error(const char* text) {
  std::string error;
  EXPECT_FALSE(parse_memory_size(text, &error)) << text;
  return error;
}

TEST(MemorySize, QemuSpellings) {
  EXPECT_EQ(size_ok("256M"), 256 * kMiB);
  EXPECT_EQ(size_ok("128m"), 128 * kMiB);
  EXPECT_EQ(size_ok("1G"), kGiB);
  EXPECT_EQ(size_ok("2g"), 2 * kGiB);
  EXPECT_EQ(size_ok("512"), 512 * kMiB);  // a bare number is MiB
  EXPECT_EQ(size_ok("65536K"), 64 * kMiB);
  EXPECT_EQ(size_ok("16777216B"), 16 * kMiB);
  EXPECT_EQ(size_ok("1.5G"), kGiB + kGiB / 2);
  EXPECT_EQ(size_ok("0.25g"), kGiB / 4);
  EXPECT_EQ(size_ok("size=384M"), 384 * kMiB);
  EXPECT_EQ(size_ok("1T"), uint64_t{1} << 40);
}

TEST(MemorySize, MalformedValuesNameThemselves) {
  for (const char* bad : {"", "M", "abc", "12X", "1.G", ".5G", "-1G", "1 G", "1GG", "0x10M", "1.5B",
                          "size=", "99999999999999999999"}) {
    const std::string error = size_error(bad);
    EXPECT_EQ(error.rfind(std::string("-m ") + bad + ":", 0), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
  EXPECT_NE(size_error("20000000T").find("too large"), std::string::npos);
}

std::optional<DriveConfig> drive(const char* text, std::string* error) {
  return parse_drive_spec(text, error);
}

TEST(DriveSpec, Accepted) {
  std::string error;
  auto d = drive("file=disk.img,format=raw", &error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->file, "disk.img");
  EXPECT_EQ(d->format, "raw");
  EXPECT_FALSE(d->readonly);
  EXPECT_TRUE(d->snapshot);

  d = drive("format=raw,file=/x/y.img,if=virtio,readonly=on,snapshot=off", &error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->file, "/x/y.img");
  EXPECT_TRUE(d->readonly);
  EXPECT_FALSE(d->snapshot);

  d = drive("file=a,,b.img,readonly", &error);  // ",," is a literal comma; bare key = on
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->file, "a,b.img");
  EXPECT_TRUE(d->readonly);

  // An escaped comma swallows what would otherwise be the next option.
  d = drive("file=a,,format=raw", &error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->file, "a,format=raw");

  d = drive("file=x,readonly=off,snapshot=yes", &error);  // format defaults to raw
  ASSERT_TRUE(d) << error;
  EXPECT_FALSE(d->readonly);
  EXPECT_TRUE(d->snapshot);
}

TEST(DriveSpec, RefusedWithTheCulpritNamed) {
  struct Case {
    const char* spec;
    const char* mentions;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"file=d.img,format=qcow2", "format 'qcow2'"},
           {"file=d.img,cache=none", "unknown option 'cache'"},
           {"file=d.img,if=ide", "if=ide"},
           {"file=d.img,if=scsi", "if=scsi"},
           {"file=d.img,id=", "id= needs a name"},
           {"format=raw", "missing file="},
           {"file=", "file= needs a file name"},
           {"file=a,file=b", "'file' given twice"},
           {"file=a,readonly=maybe", "readonly=maybe"},
           {"file=a,", "empty option"},
           {"", "empty option"},
       }) {
    std::string error;
    const auto d = drive(c.spec, &error);
    EXPECT_FALSE(d) << c.spec;
    EXPECT_EQ(error.rfind(std::string("-drive ") + c.spec + ":", 0), 0u) << error;
    EXPECT_NE(error.find(c.mentions), std::string::npos) << error;
  }
}

TEST(Smp, CountAndCpusForms) {
  std::string error;
  EXPECT_EQ(parse_smp("1", &error), 1u);
  EXPECT_EQ(parse_smp("cpus=1", &error), 1u);
  EXPECT_EQ(parse_smp("4", &error), 4u);  // parsed; validate_config refuses it
  EXPECT_EQ(parse_smp("cpus=2", &error), 2u);
  for (const char* bad : {"", "0", "x", "cpus=", "2,sockets=2", "cores=2", "-1"}) {
    EXPECT_FALSE(parse_smp(bad, &error)) << bad;
    EXPECT_EQ(error.rfind(std::string("-smp ") + bad + ":", 0), 0u) << error;
  }
}

class Validate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = make_temp_dir();
    image = write_file(dir, "image.bin", {1, 2, 3, 4});
    config.bios = "none";
  }
  std::string error_of(const MachineConfig& c) {
    std::string error;
    EXPECT_FALSE(validate_config(c, &error));
    EXPECT_EQ(error.find('\n'), std::string::npos);
    return error;
  }
  std::string dir, image;
  MachineConfig config;
};

TEST_F(Validate, DefaultsAreValid) {
  MachineConfig c;
  c.bios = image;
  c.kernel = image;
  c.initrd = image;
  c.append = "console=ttyS0";
  c.drives.push_back({.file = image});
  std::string error;
  EXPECT_TRUE(validate_config(c, &error)) << error;
  EXPECT_EQ(c.ram_bytes, 128 * kMiB);
  EXPECT_EQ(firmware_path(c), image);
  c.bios.clear();
  EXPECT_EQ(firmware_path(c), kDefaultBios);
  c.bios = "none";
  EXPECT_EQ(firmware_path(c), "");
}

TEST_F(Validate, RamLimits) {
  config.ram_bytes = 8 * kMiB;
  EXPECT_EQ(error_of(config), "-m 8 MiB: RAM must be between 16 MiB and 16 GiB");
  config.ram_bytes = 17 * kGiB;
  EXPECT_EQ(error_of(config), "-m 17 GiB: RAM must be between 16 MiB and 16 GiB");
  config.ram_bytes = 16 * kMiB + 1;
  EXPECT_NE(error_of(config).find("4 KiB pages"), std::string::npos);
  std::string error;
  config.ram_bytes = 16 * kMiB;
  EXPECT_TRUE(validate_config(config, &error)) << error;
  config.ram_bytes = 16 * kGiB;
  EXPECT_TRUE(validate_config(config, &error)) << error;
}

TEST_F(Validate, OneHartSoFar) {
  config.harts = 2;
  EXPECT_EQ(error_of(config), "-smp 2: only 1 hart is supported so far");
}

TEST_F(Validate, InitrdAndAppendNeedAKernel) {
  MachineConfig c = config;
  c.initrd = image;
  EXPECT_EQ(error_of(c), "-initrd only allowed with -kernel option");
  c = config;
  c.append = "quiet";
  EXPECT_EQ(error_of(c), "-append only allowed with -kernel option");
}

TEST_F(Validate, MissingAndUnreadableFilesAreNamed) {
  const std::string missing = dir + "/missing.img";
  MachineConfig c = config;
  c.kernel = missing;
  EXPECT_EQ(error_of(c), "-kernel " + missing + ": No such file or directory");
  c = config;
  c.bios = missing;
  EXPECT_EQ(error_of(c), "-bios " + missing + ": No such file or directory");
  c = config;
  c.kernel = image;
  c.initrd = dir;
  EXPECT_EQ(error_of(c), "-initrd " + dir + ": is a directory");
  c = config;
  c.kernel = write_file(dir, "empty", {});
  EXPECT_NE(error_of(c).find("empty file"), std::string::npos);
  c = config;
  c.drives.push_back({.file = missing});
  EXPECT_EQ(error_of(c), "-drive file=" + missing + ": No such file or directory");
  if (geteuid() != 0) {  // root reads everything
    const std::string locked = write_file(dir, "locked", {1});
    chmod(locked.c_str(), 0);
    c = config;
    c.kernel = locked;
    EXPECT_EQ(error_of(c), "-kernel " + locked + ": Permission denied");
  }
}

TEST_F(Validate, DefaultFirmwareMessageSaysWhereItComesFrom) {
  MachineConfig c = config;
  c.bios.clear();
  std::string error;
  if (validate_config(c, &error)) GTEST_SKIP() << "Debian's opensbi is installed";
  EXPECT_NE(error.find(std::string(kDefaultBios)), std::string::npos) << error;
  EXPECT_NE(error.find("opensbi"), std::string::npos) << error;
}

TEST_F(Validate, SnapshotOffNeedsAWritableDisk) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes everything";
  const std::string disk = write_file(dir, "ro.img", std::vector<uint8_t>(512));
  chmod(disk.c_str(), 0444);
  MachineConfig c = config;
  c.drives.push_back({.file = disk, .snapshot = false});
  EXPECT_NE(error_of(c).find("snapshot=off"), std::string::npos);
  c.drives.back().readonly = true;  // a read-only disk is never written back
  std::string error;
  EXPECT_TRUE(validate_config(c, &error)) << error;
}

}  // namespace
TEST(DriveSpec, IfNoneWithIdWaitsForADevice) {
  std::string error;
  const auto d = parse_drive_spec("file=disk.img,format=raw,if=none,id=d0", &error);
  ASSERT_TRUE(d) << error;
  EXPECT_FALSE(d->attached);
  EXPECT_EQ(d->id, "d0");
  const auto plain = parse_drive_spec("file=disk.img", &error);
  ASSERT_TRUE(plain) << error;
  EXPECT_TRUE(plain->attached);
}

TEST(DeviceSpec, VirtioDevicesAndErrors) {
  std::string error;
  const auto rng = parse_device_spec("virtio-rng-device", &error);
  ASSERT_TRUE(rng) << error;
  EXPECT_EQ(rng->kind, DeviceConfig::Kind::kVirtioRng);
  const auto blk = parse_device_spec("virtio-blk-device,drive=d0", &error);
  ASSERT_TRUE(blk) << error;
  EXPECT_EQ(blk->kind, DeviceConfig::Kind::kVirtioBlk);
  EXPECT_EQ(blk->drive, "d0");
  for (const char* bad : {"e1000", "virtio-blk-device", "virtio-rng-device,foo=1", ""}) {
    EXPECT_FALSE(parse_device_spec(bad, &error)) << bad;
    EXPECT_EQ(error.rfind(std::string("-device ") + bad + ":", 0), 0u) << error;
  }
}

TEST(DeviceSpec, AttachmentOrderAndDanglingDrives) {
  MachineConfig c;
  std::string error;
  c.drives.push_back(*parse_drive_spec("file=a.img", &error));
  c.drives.push_back(*parse_drive_spec("file=b.img,if=none,id=b", &error));
  c.devices.push_back(*parse_device_spec("virtio-rng-device", &error));
  c.devices.push_back(*parse_device_spec("virtio-blk-device,drive=b", &error));
  const auto attached = resolve_virtio_devices(c, &error);
  ASSERT_TRUE(attached) << error;
  ASSERT_EQ(attached->size(), 3u);
  EXPECT_EQ((*attached)[0].kind, DeviceConfig::Kind::kVirtioBlk);
  EXPECT_EQ((*attached)[0].drive_index, 0u);
  EXPECT_EQ((*attached)[1].kind, DeviceConfig::Kind::kVirtioRng);
  EXPECT_EQ((*attached)[2].drive_index, 1u);

  c.devices.push_back(*parse_device_spec("virtio-blk-device,drive=nope", &error));
  EXPECT_FALSE(resolve_virtio_devices(c, &error));
  EXPECT_NE(error.find("no -drive with id=nope"), std::string::npos) << error;
  c.devices.back().drive = "b";
  EXPECT_FALSE(resolve_virtio_devices(c, &error));
  EXPECT_NE(error.find("already attached"), std::string::npos) << error;
}

}  // namespace rwd::machine
