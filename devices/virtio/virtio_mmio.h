// The virtio-mmio transport, version 2 ("modern", VIRTIO 1.2 section 4.2.2), as on QEMU's virt
// board: one slot of registers, split virtqueues, one level-triggered interrupt line.
//
// Requests complete synchronously inside the QueueNotify write and the used-buffer interrupt is
// raised before the write returns, so device behaviour depends only on guest actions (and on
// recorded host input the backend consumes), which is what record/replay needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "devices/device.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtqueue.h"

namespace rwd::dev {

// Device status bits (spec 2.1).
inline constexpr uint32_t kVirtioStatusAcknowledge = 1;
inline constexpr uint32_t kVirtioStatusDriver = 2;
inline constexpr uint32_t kVirtioStatusDriverOk = 4;
inline constexpr uint32_t kVirtioStatusFeaturesOk = 8;
inline constexpr uint32_t kVirtioStatusNeedsReset = 64;
inline constexpr uint32_t kVirtioStatusFailed = 128;

// InterruptStatus bits.
inline constexpr uint32_t kVirtioInterruptUsedBuffer = 1;
inline constexpr uint32_t kVirtioInterruptConfigChange = 2;

// Register offsets (spec 4.2.2, table "MMIO Device Register Layout").
namespace virtio_mmio_reg {
inline constexpr uint64_t kMagicValue = 0x000;
inline constexpr uint64_t kVersion = 0x004;
inline constexpr uint64_t kDeviceId = 0x008;
inline constexpr uint64_t kVendorId = 0x00c;
inline constexpr uint64_t kDeviceFeatures = 0x010;
inline constexpr uint64_t kDeviceFeaturesSel = 0x014;
inline constexpr uint64_t kDriverFeatures = 0x020;
inline constexpr uint64_t kDriverFeaturesSel = 0x024;
inline constexpr uint64_t kQueueSel = 0x030;
inline constexpr uint64_t kQueueNumMax = 0x034;
inline constexpr uint64_t kQueueNum = 0x038;
inline constexpr uint64_t kQueueReady = 0x044;
inline constexpr uint64_t kQueueNotify = 0x050;
inline constexpr uint64_t kInterruptStatus = 0x060;
inline constexpr uint64_t kInterruptAck = 0x064;
inline constexpr uint64_t kStatus = 0x070;
inline constexpr uint64_t kQueueDescLow = 0x080;
inline constexpr uint64_t kQueueDescHigh = 0x084;
inline constexpr uint64_t kQueueDriverLow = 0x090;
inline constexpr uint64_t kQueueDriverHigh = 0x094;
inline constexpr uint64_t kQueueDeviceLow = 0x0a0;
inline constexpr uint64_t kQueueDeviceHigh = 0x0a4;
inline constexpr uint64_t kShmSel = 0x0ac;
inline constexpr uint64_t kShmLenLow = 0x0b0;
inline constexpr uint64_t kShmLenHigh = 0x0b4;
inline constexpr uint64_t kShmBaseLow = 0x0b8;
inline constexpr uint64_t kShmBaseHigh = 0x0bc;
inline constexpr uint64_t kConfigGeneration = 0x0fc;
inline constexpr uint64_t kConfig = 0x100;
}  // namespace virtio_mmio_reg

inline constexpr uint32_t kVirtioMmioMagic = 0x74726976;     // "virt"
inline constexpr uint32_t kVirtioMmioVendorId = 0x554d4551;  // "QEMU", what guests see on virt

class VirtioMmio : public Device {
 public:
  // A null backend is an empty slot (device ID 0): drivers find the magic value, then stop.
  VirtioMmio(std::unique_ptr<VirtioDevice> backend, DmaMemory& memory, InterruptSink& irq,
             unsigned irq_source);

  std::string_view name() const override { return "virtio-mmio"; }
  // QEMU's region size; the device tree may advertise the whole 4 KiB slot.
  uint64_t mmio_size() const override { return 0x200; }
  // Registers take 32-bit aligned accesses only (spec 4.2.2.2); other accesses read 0 and
  // writes are ignored. The configuration space takes any width.
  uint64_t read(uint64_t offset, unsigned bytes) override;
  void write(uint64_t offset, unsigned bytes, uint64_t value) override;
  void reset() override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;

  VirtioDevice* backend() { return backend_.get(); }
  const VirtioDevice* backend() const { return backend_.get(); }
  uint32_t status() const { return status_; }
  uint32_t interrupt_status() const { return interrupt_status_; }
  uint64_t offered_features() const;

  // For backends whose configuration changes at run time (e.g. a resized disk).
  void notify_config_change();

 private:
  uint32_t read_register(uint64_t offset);
  void write_register(uint64_t offset, uint32_t value);
  uint64_t read_config(uint64_t offset, unsigned bytes) const;
  void write_config(uint64_t offset, unsigned bytes, uint64_t value);

  void write_status(uint32_t value);
  void write_queue_ready(uint32_t value);
  SplitQueue* selected_queue();
  uint32_t selected_queue_max_size() const;
  bool features_acceptable() const;
  bool operational() const;
  void process_queue(unsigned index);
  void process_all_queues();
  // The device cannot go on without a reset (spec 2.1.2): stop using the queues and tell the
  // driver through a configuration change interrupt.
  void enter_needs_reset();
  void reset_transport();
  void raise_interrupt(uint32_t bits);
  void update_irq_line();

  std::unique_ptr<VirtioDevice> backend_;
  DmaMemory& memory_;
  InterruptSink& irq_;
  unsigned irq_source_;

  uint32_t device_features_sel_ = 0;
  uint32_t driver_features_sel_ = 0;
  uint64_t driver_features_ = 0;
  uint32_t queue_sel_ = 0;
  uint32_t status_ = 0;
  uint32_t interrupt_status_ = 0;
  uint32_t config_generation_ = 0;
  std::vector<SplitQueue> queues_;
};

}  // namespace rwd::dev
