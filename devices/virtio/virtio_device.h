// What a virtio device type (block, entropy, ...) implements behind a transport. The transport
// (virtio_mmio.h) owns registers, feature negotiation, status and the virtqueues; a device only
// describes itself and handles one descriptor chain at a time.
#pragma once

#include <cstdint>
#include <string_view>

#include "devices/device.h"
#include "devices/state_io.h"
#include "devices/virtio/virtqueue.h"

namespace rwd::dev {

// Device IDs (spec 5).
inline constexpr uint32_t kVirtioIdNone = 0;  // an empty slot, as QEMU's virt board has
inline constexpr uint32_t kVirtioIdBlock = 2;
inline constexpr uint32_t kVirtioIdEntropy = 4;

// Reserved feature bits (spec 6) the transport handles itself.
inline constexpr unsigned kVirtioFRingIndirectDesc = 28;
inline constexpr unsigned kVirtioFRingEventIdx = 29;
inline constexpr unsigned kVirtioFVersion1 = 32;

constexpr uint64_t feature_bit(unsigned bit) {
  return uint64_t{1} << bit;
}

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;
  virtual std::string_view name() const = 0;
  virtual uint32_t device_id() const = 0;
  // Device-type feature bits (0..23). The transport adds the ring and version bits it offers.
  virtual uint64_t features() const = 0;
  virtual unsigned queue_count() const = 0;
  // A power of two no larger than kMaxQueueSize.
  virtual uint32_t queue_max_size(unsigned queue) const = 0;

  // Device-specific configuration space (little-endian, as the guest sees it at offset 0x100).
  // The transport only passes ranges inside [0, config_size()).
  virtual uint32_t config_size() const { return 0; }
  virtual void read_config(uint32_t offset, uint8_t* dst, uint32_t len) const {}
  virtual void write_config(uint32_t offset, const uint8_t* src, uint32_t len) {}

  // Called when the driver's FEATURES_OK is accepted, with the negotiated features.
  virtual void features_negotiated(uint64_t features) {}

  // Handles one available chain of `queue`; the chain goes to the used ring afterwards with
  // chain.bytes_written() as its length. Returns false for a request so malformed that only
  // DEVICE_NEEDS_RESET can answer it (e.g. a block request without a status byte).
  virtual bool process(unsigned queue, DescriptorChain& chain) = 0;

  // Device reset (the driver wrote status 0, or the machine reset). Clears what the driver set
  // up, never the medium: a disk keeps its contents across resets.
  virtual void reset() {}
  virtual void save(StateWriter& out) const = 0;
  virtual void load(StateReader& in) = 0;  // throws StateError on malformed state
};

}  // namespace rwd::dev
