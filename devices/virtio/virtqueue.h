// Split virtqueues (VIRTIO 1.2 section 2.7): walking a descriptor chain that the driver made
// available, and returning it through the used ring. Every value read from guest memory is
// untrusted: a chain that cannot be walked safely is reported as malformed, and the transport
// answers with DEVICE_NEEDS_RESET instead of crashing, looping or allocating without bound.
#pragma once

#include <cstdint>
#include <vector>

#include "devices/device.h"

namespace rwd::dev {

// Descriptor flags (struct virtq_desc).
inline constexpr uint16_t kVirtqDescNext = 1;
inline constexpr uint16_t kVirtqDescWrite = 2;
inline constexpr uint16_t kVirtqDescIndirect = 4;
// avail->flags: the driver asks not to be interrupted (honoured without VIRTIO_F_EVENT_IDX).
inline constexpr uint16_t kVirtqAvailNoInterrupt = 1;

// Split rings are at most 32768 entries; indirect tables have no architectural bound, so this
// one keeps a hostile table from costing more than a few pages of host memory (Linux builds
// tables of at most queue-size entries; QEMU allows 1024).
inline constexpr uint32_t kMaxQueueSize = 32768;
inline constexpr uint32_t kMaxIndirectDescriptors = 1024;

// The buffers of one request as the device sees them: a device-readable byte stream followed
// by a device-writable one, each scattered over guest memory. Devices address both parts by
// byte offset, so they never depend on how the driver split a request into descriptors (the
// spec forbids relying on message framing).
class DescriptorChain {
 public:
  explicit DescriptorChain(DmaMemory& memory) : memory_(&memory) {}

  uint16_t head() const { return head_; }
  uint64_t readable_bytes() const { return readable_bytes_; }
  uint64_t writable_bytes() const { return writable_bytes_; }

  // Copy from / to the chain at a byte offset within the readable / writable part. False if the
  // range does not fit the part (nothing is copied) or guest memory refused an access (then
  // dma_failed() is set and the copy may be partial).
  bool read(uint64_t offset, void* dst, uint64_t len);
  bool write(uint64_t offset, const void* src, uint64_t len);

  // The used-ring length: how far into the writable part the device wrote.
  uint32_t bytes_written() const { return bytes_written_; }
  bool dma_failed() const { return dma_failed_; }

 private:
  friend class SplitQueue;
  struct Segment {
    uint64_t addr;
    uint32_t len;
  };
  // False if the segment breaks a rule of chain layout (readable after writable, sizes).
  bool append(uint64_t addr, uint32_t len, bool device_writable);

  DmaMemory* memory_;
  uint16_t head_ = 0;
  std::vector<Segment> readable_;
  std::vector<Segment> writable_;
  uint64_t readable_bytes_ = 0;
  uint64_t writable_bytes_ = 0;
  uint32_t bytes_written_ = 0;
  bool dma_failed_ = false;
};

// One split virtqueue's driver-programmed layout plus the device's private ring indices.
class SplitQueue {
 public:
  // Driver-visible registers (virtio-mmio QueueNum/QueueReady/QueueDesc/Driver/Device).
  uint32_t size = 0;
  bool ready = false;
  uint64_t desc_addr = 0;
  uint64_t avail_addr = 0;
  uint64_t used_addr = 0;
  // The device's shadow indices. The used index is never read back from guest memory, so a
  // driver scribbling on the used ring cannot confuse the device.
  uint16_t last_avail_idx = 0;
  uint16_t used_idx = 0;

  // Whether the programmed size and ring addresses are acceptable for a queue whose largest
  // size is `max_size` (power of two, alignment, no address wrap-around).
  bool layout_valid(uint32_t max_size) const;
  void clear() { *this = SplitQueue{}; }

  enum class Result { kOk, kMalformed };

  // Reads avail->idx and returns how many chains are pending, or kMalformed if the driver
  // claims more than a full ring.
  Result pending_chains(DmaMemory& memory, uint16_t& count) const;
  // Fills `chain` with the next available chain (does not consume it).
  Result next_chain(DmaMemory& memory, bool indirect_allowed, DescriptorChain& chain) const;
  // Consumes the chain returned by next_chain and publishes it in the used ring.
  Result complete(DmaMemory& memory, uint16_t head, uint32_t written_len);
  // Whether the driver asked not to be interrupted (avail->flags).
  bool interrupt_suppressed(DmaMemory& memory) const;

 private:
  Result walk_indirect(DmaMemory& memory, uint64_t table_addr, uint32_t table_len,
                       DescriptorChain& chain) const;
};

}  // namespace rwd::dev
