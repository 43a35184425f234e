#include "devices/virtio/virtio_blk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rwd::dev {
namespace {

constexpr uint32_t kStateVersion = 1;
constexpr uint64_t kRequestHeaderSize = 16;  // le32 type, le32 reserved, le64 sector
// Data moves through a bounce buffer of this size, so a request of any size costs bounded host
// memory.
constexpr uint64_t kTransferChunk = 64 * 1024;

// struct virtio_blk_config up to and including the write-zeroes fields (5.2.4).
constexpr uint32_t kConfigSize = 60;
constexpr uint32_t kConfigCapacity = 0;
constexpr uint32_t kConfigSegMax = 12;
constexpr uint32_t kConfigBlkSize = 20;
constexpr uint32_t kConfigNumQueues = 34;

void put_le(uint8_t* p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint64_t get_le(const uint8_t* p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

// ---- RawImageFile ----

RawImageFile::RawImageFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw std::runtime_error("virtio-blk: cannot open disk image '" + path_ + "': " + errno_text());
  }
  struct stat info {};
  if (::fstat(fd_, &info) != 0 || S_ISDIR(info.st_mode)) {
    const std::string why = S_ISDIR(info.st_mode) ? "is a directory" : errno_text();
    ::close(fd_);
    throw std::runtime_error("virtio-blk: cannot open disk image '" + path_ + "': " + why);
  }
  // lseek also sizes block devices, where st_size is 0.
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) {
    const std::string why = errno_text();
    ::close(fd_);
    throw std::runtime_error("virtio-blk: cannot size disk image '" + path_ + "': " + why);
  }
  size_ = uint64_t(end);
}

RawImageFile::~RawImageFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawImageFile::read(uint64_t offset, void* dst, uint64_t len) const {
  auto* out = static_cast<uint8_t*>(dst);
  while (len > 0) {
    const ssize_t got = ::pread(fd_, out, len, off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;  // an error, or the file shrank under us
    out += got;
    offset += uint64_t(got);
    len -= uint64_t(got);
  }
  return true;
}

void RawImageFile::write_back(std::span<const Extent> extents) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::runtime_error("virtio-blk: cannot open disk image '" + path_ +
                             "' for writing: " + errno_text());
  }
  auto fail = [&](const char* what) {
    const std::string why = errno_text();
    ::close(fd);
    throw std::runtime_error("virtio-blk: cannot " + std::string(what) + " disk image '" + path_ +
                             "': " + why);
  };
  for (const Extent& extent : extents) {
    const uint8_t* in = extent.bytes.data();
    uint64_t offset = extent.offset;
    uint64_t len = extent.bytes.size();
    while (len > 0) {
      const ssize_t put = ::pwrite(fd, in, len, off_t(offset));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) fail("write");
      in += put;
      offset += uint64_t(put);
      len -= uint64_t(put);
    }
  }
  if (::fsync(fd) != 0) fail("sync");
  if (::close(fd) != 0) {
    throw std::runtime_error("virtio-blk: cannot close disk image '" + path_ +
                             "': " + errno_text());
  }
}

// ---- MemoryImage ----

bool MemoryImage::read(uint64_t offset, void* dst, uint64_t len) const {
  if (offset > bytes_.size() || len > bytes_.size() - offset) return false;
  std::memcpy(dst, bytes_.data() + offset, len);
  return true;
}

void MemoryImage::write_back(std::span<const Extent> extents) {
  for (const Extent& extent : extents) {
    if (extent.offset > bytes_.size()) continue;
    const uint64_t len = std::min<uint64_t>(extent.bytes.size(), bytes_.size() - extent.offset);
    std::memcpy(bytes_.data() + extent.offset, extent.bytes.data(), len);
  }
}

// ---- VirtioBlk ----

VirtioBlk::VirtioBlk(std::unique_ptr<DiskImage> image, VirtioBlkOptions options)
    : image_(std::move(image)),
      options_(std::move(options)),
      // A trailing partial sector is not addressable, as in QEMU.
      capacity_sectors_(image_->size_bytes() / kVirtioBlkSectorSize) {}

std::unique_ptr<VirtioBlk> VirtioBlk::open_file(const std::string& path, VirtioBlkOptions options) {
  return std::make_unique<VirtioBlk>(std::make_unique<RawImageFile>(path), std::move(options));
}

uint64_t VirtioBlk::features() const {
  uint64_t bits = feature_bit(kVirtioBlkFSegMax) | feature_bit(kVirtioBlkFBlkSize) |
                  feature_bit(kVirtioBlkFFlush);
  if (options_.read_only) bits |= feature_bit(kVirtioBlkFRo);
  return bits;
}

uint32_t VirtioBlk::config_size() const {
  return kConfigSize;
}

void VirtioBlk::read_config(uint32_t offset, uint8_t* dst, uint32_t len) const {
  std::array<uint8_t, kConfigSize> config{};
  put_le(&config[kConfigCapacity], capacity_sectors_, 8);
  // Two descriptors of every request carry the header and the status byte.
  put_le(&config[kConfigSegMax], kQueueSize - 2, 4);
  put_le(&config[kConfigBlkSize], kVirtioBlkSectorSize, 4);
  put_le(&config[kConfigNumQueues], 1, 2);
  std::memcpy(dst, &config[offset], len);
}

bool VirtioBlk::process(unsigned, DescriptorChain& chain) {
  uint8_t header[kRequestHeaderSize];
  // Without a header or a status byte there is no request and nowhere to report an error.
  if (chain.writable_bytes() == 0 || !chain.read(0, header, sizeof header)) return false;
  const auto type = uint32_t(get_le(header, 4));
  const uint64_t sector = get_le(header + 8, 8);
  uint8_t status;
  switch (type) {
    case kVirtioBlkTIn:
      status = handle_read(chain, sector);
      break;
    case kVirtioBlkTOut:
      status = handle_write(chain, sector);
      break;
    case kVirtioBlkTFlush:
      // The overlay lives in host memory; there is no volatile cache between it and the disk.
      status = kVirtioBlkSOk;
      break;
    case kVirtioBlkTGetId:
      status = handle_get_id(chain);
      break;
    default:
      status = kVirtioBlkSUnsupp;
      break;
  }
  if (chain.dma_failed()) return false;
  return chain.write(chain.writable_bytes() - 1, &status, 1);
}

bool VirtioBlk::sector_range_ok(uint64_t sector, uint64_t bytes) const {
  return bytes % kVirtioBlkSectorSize == 0 && sector <= capacity_sectors_ &&
         bytes / kVirtioBlkSectorSize <= capacity_sectors_ - sector;
}

uint8_t VirtioBlk::handle_read(DescriptorChain& chain, uint64_t sector) {
  const uint64_t data_len = chain.writable_bytes() - 1;
  if (!sector_range_ok(sector, data_len)) return kVirtioBlkSIoErr;
  std::vector<uint8_t> buffer(std::min(data_len, kTransferChunk));
  const uint64_t disk_offset = sector * kVirtioBlkSectorSize;
  for (uint64_t done = 0; done < data_len;) {
    const uint64_t chunk = std::min(data_len - done, kTransferChunk);
    if (!read_disk(disk_offset + done, buffer.data(), chunk)) return kVirtioBlkSIoErr;
    if (!chain.write(done, buffer.data(), chunk)) return kVirtioBlkSIoErr;
    done += chunk;
  }
  return kVirtioBlkSOk;
}

uint8_t VirtioBlk::handle_write(DescriptorChain& chain, uint64_t sector) {
  const uint64_t data_len = chain.readable_bytes() - kRequestHeaderSize;
  if (options_.read_only || !sector_range_ok(sector, data_len)) return kVirtioBlkSIoErr;
  std::vector<uint8_t> buffer(std::min(data_len, kTransferChunk));
  const uint64_t disk_offset = sector * kVirtioBlkSectorSize;
  for (uint64_t done = 0; done < data_len;) {
    const uint64_t chunk = std::min(data_len - done, kTransferChunk);
    if (!chain.read(kRequestHeaderSize + done, buffer.data(), chunk)) return kVirtioBlkSIoErr;
    if (!write_disk(disk_offset + done, buffer.data(), chunk)) return kVirtioBlkSIoErr;
    done += chunk;
  }
  return kVirtioBlkSOk;
}

uint8_t VirtioBlk::handle_get_id(DescriptorChain& chain) {
  // The ID is NUL-padded; a 20-byte serial has no terminator (5.2.6).
  uint8_t id[kVirtioBlkIdBytes] = {};
  std::memcpy(id, options_.serial.data(),
              std::min<size_t>(options_.serial.size(), kVirtioBlkIdBytes));
  const uint64_t len = std::min<uint64_t>(chain.writable_bytes() - 1, kVirtioBlkIdBytes);
  return chain.write(0, id, len) ? kVirtioBlkSOk : kVirtioBlkSIoErr;
}

uint64_t VirtioBlk::cluster_count() const {
  return (capacity_sectors_ * kVirtioBlkSectorSize + kClusterSize - 1) / kClusterSize;
}

bool VirtioBlk::read_disk(uint64_t offset, uint8_t* dst, uint64_t len) const {
  while (len > 0) {
    const uint64_t index = offset / kClusterSize;
    const uint64_t within = offset % kClusterSize;
    const uint64_t chunk = std::min(len, kClusterSize - within);
    auto it = overlay_.find(index);
    if (it != overlay_.end()) {
      std::memcpy(dst, it->second.data() + within, chunk);
    } else if (!image_->read(offset, dst, chunk)) {
      return false;
    }
    dst += chunk;
    offset += chunk;
    len -= chunk;
  }
  return true;
}

bool VirtioBlk::write_disk(uint64_t offset, const uint8_t* src, uint64_t len) {
  while (len > 0) {
    const uint64_t within = offset % kClusterSize;
    const uint64_t chunk = std::min(len, kClusterSize - within);
    Cluster* cluster = overlay_cluster(offset / kClusterSize);
    if (!cluster) return false;
    std::memcpy(cluster->data() + within, src, chunk);
    src += chunk;
    offset += chunk;
    len -= chunk;
  }
  return true;
}

VirtioBlk::Cluster* VirtioBlk::overlay_cluster(uint64_t index) {
  auto it = overlay_.find(index);
  if (it != overlay_.end()) return &it->second;
  // A partial write keeps the rest of the cluster, so the cluster starts as the image's bytes
  // (zeros past the end of the image, which no request can reach).
  Cluster cluster(kClusterSize, 0);
  const uint64_t start = index * kClusterSize;
  const uint64_t from_image = std::min(kClusterSize, image_->size_bytes() - start);
  if (!image_->read(start, cluster.data(), from_image)) return nullptr;
  return &overlay_.emplace(index, std::move(cluster)).first->second;
}

void VirtioBlk::commit_to_image() {
  std::vector<DiskImage::Extent> extents;
  extents.reserve(overlay_.size());
  for (const auto& [index, cluster] : overlay_) {
    const uint64_t start = index * kClusterSize;
    const uint64_t len = std::min(kClusterSize, image_->size_bytes() - start);
    extents.push_back({start, std::span<const uint8_t>(cluster.data(), len)});
  }
  image_->write_back(extents);
}

void VirtioBlk::save(StateWriter& out) const {
  out.u32(kStateVersion);
  // The overlay only means something on top of an image of the same size.
  out.u64(capacity_sectors_);
  out.u64(overlay_.size());
  for (const auto& [index, cluster] : overlay_) {
    out.u64(index);
    out.bytes(cluster.data(), cluster.size());
  }
}

void VirtioBlk::load(StateReader& in) {
  if (in.u32() != kStateVersion) throw StateError("virtio-blk: unknown state version");
  if (in.u64() != capacity_sectors_) throw StateError("virtio-blk: disk capacity differs");
  const uint64_t count = in.u64();
  if (count > cluster_count()) throw StateError("virtio-blk: bad overlay cluster count");
  std::map<uint64_t, Cluster> overlay;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t index = in.u64();
    // Strictly increasing (as save writes them) also rules out duplicates.
    if (index >= cluster_count() || (!overlay.empty() && index <= overlay.rbegin()->first)) {
      throw StateError("virtio-blk: bad overlay cluster index");
    }
    Cluster cluster(kClusterSize);
    in.bytes(cluster.data(), cluster.size());
    overlay.emplace_hint(overlay.end(), index, std::move(cluster));
  }
  overlay_ = std::move(overlay);
}

}  // namespace rwd::dev
