// virtio-blk (device ID 2, spec 5.2) over a raw disk image that is never modified while the
// machine runs: guest writes land in a copy-on-write overlay of 4 KiB clusters held in memory,
// which reads consult first. The overlay is part of the device state (save/load), so snapshots
// and replays see exactly the disk the guest wrote; commit_to_image() writes it back on request.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "devices/virtio/virtio_device.h"

namespace rwd::dev {

// Feature bits (5.2.3).
inline constexpr unsigned kVirtioBlkFSegMax = 2;
inline constexpr unsigned kVirtioBlkFRo = 5;
inline constexpr unsigned kVirtioBlkFBlkSize = 6;
inline constexpr unsigned kVirtioBlkFFlush = 9;

// Request types and status values (5.2.6).
inline constexpr uint32_t kVirtioBlkTIn = 0;
inline constexpr uint32_t kVirtioBlkTOut = 1;
inline constexpr uint32_t kVirtioBlkTFlush = 4;
inline constexpr uint32_t kVirtioBlkTGetId = 8;
inline constexpr uint8_t kVirtioBlkSOk = 0;
inline constexpr uint8_t kVirtioBlkSIoErr = 1;
inline constexpr uint8_t kVirtioBlkSUnsupp = 2;

inline constexpr uint64_t kVirtioBlkSectorSize = 512;
inline constexpr uint32_t kVirtioBlkIdBytes = 20;

// The base medium under the overlay.
class DiskImage {
 public:
  struct Extent {
    uint64_t offset;
    std::span<const uint8_t> bytes;
  };
  virtual ~DiskImage() = default;
  virtual uint64_t size_bytes() const = 0;
  // False on a host I/O error; the range is always inside size_bytes().
  virtual bool read(uint64_t offset, void* dst, uint64_t len) const = 0;
  // Writes the extents to the medium durably. Throws std::runtime_error (one line) on failure.
  virtual void write_back(std::span<const Extent> extents) = 0;
};

// A raw image file, opened read-only; only write_back opens it for writing.
class RawImageFile : public DiskImage {
 public:
  // Throws std::runtime_error naming the file if it cannot be opened.
  explicit RawImageFile(std::string path);
  ~RawImageFile() override;
  RawImageFile(const RawImageFile&) = delete;
  RawImageFile& operator=(const RawImageFile&) = delete;

  uint64_t size_bytes() const override { return size_; }
  bool read(uint64_t offset, void* dst, uint64_t len) const override;
  void write_back(std::span<const Extent> extents) override;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// An image held in memory (tests and fuzzing).
class MemoryImage : public DiskImage {
 public:
  explicit MemoryImage(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  uint64_t size_bytes() const override { return bytes_.size(); }
  bool read(uint64_t offset, void* dst, uint64_t len) const override;
  void write_back(std::span<const Extent> extents) override;
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

struct VirtioBlkOptions {
  bool read_only = false;
  std::string serial;  // GET_ID answer, at most 20 bytes are used
};

class VirtioBlk : public VirtioDevice {
 public:
  static constexpr uint64_t kClusterSize = 4096;
  static constexpr uint32_t kQueueSize = 256;

  VirtioBlk(std::unique_ptr<DiskImage> image, VirtioBlkOptions options = {});
  // Opens a raw image file read-only; throws std::runtime_error naming the file on failure.
  static std::unique_ptr<VirtioBlk> open_file(const std::string& path,
                                              VirtioBlkOptions options = {});

  std::string_view name() const override { return "virtio-blk"; }
  uint32_t device_id() const override { return kVirtioIdBlock; }
  uint64_t features() const override;
  unsigned queue_count() const override { return 1; }
  uint32_t queue_max_size(unsigned) const override { return kQueueSize; }
  uint32_t config_size() const override;
  void read_config(uint32_t offset, uint8_t* dst, uint32_t len) const override;
  bool process(unsigned queue, DescriptorChain& chain) override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;

  uint64_t capacity_sectors() const { return capacity_sectors_; }
  size_t overlay_clusters() const { return overlay_.size(); }
  // Writes every overlay cluster into the image. The overlay stays, so the device's state (and
  // its snapshots) do not depend on whether or when a commit happened.
  void commit_to_image();

 private:
  using Cluster = std::vector<uint8_t>;  // kClusterSize bytes

  uint8_t handle_read(DescriptorChain& chain, uint64_t sector);
  uint8_t handle_write(DescriptorChain& chain, uint64_t sector);
  uint8_t handle_get_id(DescriptorChain& chain);
  // Whether [sector, sector + bytes / 512) is inside the disk and bytes is whole sectors.
  bool sector_range_ok(uint64_t sector, uint64_t bytes) const;
  bool read_disk(uint64_t offset, uint8_t* dst, uint64_t len) const;
  bool write_disk(uint64_t offset, const uint8_t* src, uint64_t len);
  // The overlay cluster for `index`, created from the image on first write.
  Cluster* overlay_cluster(uint64_t index);
  uint64_t cluster_count() const;

  std::unique_ptr<DiskImage> image_;
  VirtioBlkOptions options_;
  uint64_t capacity_sectors_;
  // Ordered, so save() emits clusters in a deterministic order.
  std::map<uint64_t, Cluster> overlay_;
};

}  // namespace rwd::dev
