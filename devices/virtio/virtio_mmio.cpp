#include "devices/virtio/virtio_mmio.h"

#include <algorithm>
#include <utility>

namespace rwd::dev {
namespace {

namespace reg = virtio_mmio_reg;

constexpr uint32_t kVersionModern = 2;
constexpr uint32_t kStateVersion = 1;
constexpr uint32_t kNoSharedMemory = 0xffffffff;  // length -1: no such region (4.2.2)

uint32_t low_half(uint64_t v) {
  return uint32_t(v);
}
uint32_t high_half(uint64_t v) {
  return uint32_t(v >> 32);
}
void set_low_half(uint64_t& v, uint32_t half) {
  v = (v & ~uint64_t{0xffffffff}) | half;
}
void set_high_half(uint64_t& v, uint32_t half) {
  v = (v & 0xffffffff) | uint64_t{half} << 32;
}

bool is_access_size(unsigned bytes) {
  return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
}

}  // namespace

VirtioMmio::VirtioMmio(std::unique_ptr<VirtioDevice> backend, DmaMemory& memory, InterruptSink& irq,
                       unsigned irq_source)
    : backend_(std::move(backend)), memory_(memory), irq_(irq), irq_source_(irq_source) {
  if (backend_) queues_.resize(backend_->queue_count());
  reset_transport();
}

uint64_t VirtioMmio::offered_features() const {
  if (!backend_) return 0;
  return backend_->features() | feature_bit(kVirtioFVersion1) |
         feature_bit(kVirtioFRingIndirectDesc);
}

uint64_t VirtioMmio::read(uint64_t offset, unsigned bytes) {
  if (offset >= reg::kConfig) return read_config(offset - reg::kConfig, bytes);
  if (bytes != 4 || offset % 4 != 0) return 0;
  return read_register(offset);
}

void VirtioMmio::write(uint64_t offset, unsigned bytes, uint64_t value) {
  if (offset >= reg::kConfig) {
    write_config(offset - reg::kConfig, bytes, value);
    return;
  }
  if (bytes != 4 || offset % 4 != 0) return;
  write_register(offset, uint32_t(value));
}

uint32_t VirtioMmio::read_register(uint64_t offset) {
  switch (offset) {
    case reg::kMagicValue:
      return kVirtioMmioMagic;
    case reg::kVersion:
      return kVersionModern;
    case reg::kDeviceId:
      return backend_ ? backend_->device_id() : kVirtioIdNone;
    case reg::kVendorId:
      return kVirtioMmioVendorId;
  }
  // An empty slot has nothing behind the identification registers.
  if (!backend_) return 0;
  switch (offset) {
    case reg::kDeviceFeatures:
      if (device_features_sel_ == 0) return low_half(offered_features());
      if (device_features_sel_ == 1) return high_half(offered_features());
      return 0;
    case reg::kQueueNumMax:
      return selected_queue_max_size();
    case reg::kQueueReady: {
      const SplitQueue* queue = selected_queue();
      return queue && queue->ready ? 1 : 0;
    }
    case reg::kInterruptStatus:
      return interrupt_status_;
    case reg::kStatus:
      return status_;
    case reg::kShmLenLow:
    case reg::kShmLenHigh:
    case reg::kShmBaseLow:
    case reg::kShmBaseHigh:
      return kNoSharedMemory;
    case reg::kConfigGeneration:
      return config_generation_;
    default:
      // Write-only registers and holes read as 0.
      return 0;
  }
}

void VirtioMmio::write_register(uint64_t offset, uint32_t value) {
  if (!backend_) return;
  SplitQueue* queue = selected_queue();
  // Queue layout registers are frozen while the queue is live (4.2.2.3: the driver writes
  // them only with QueueReady 0), so a late write cannot move a ring under the device.
  SplitQueue* configurable = queue && !queue->ready ? queue : nullptr;
  switch (offset) {
    case reg::kDeviceFeaturesSel:
      device_features_sel_ = value;
      break;
    case reg::kDriverFeatures:
      // Features are settled once FEATURES_OK is accepted.
      if (status_ & kVirtioStatusFeaturesOk) break;
      if (driver_features_sel_ == 0) set_low_half(driver_features_, value);
      if (driver_features_sel_ == 1) set_high_half(driver_features_, value);
      break;
    case reg::kDriverFeaturesSel:
      driver_features_sel_ = value;
      break;
    case reg::kQueueSel:
      queue_sel_ = value;
      break;
    case reg::kQueueNum:
      if (configurable) configurable->size = value;
      break;
    case reg::kQueueReady:
      write_queue_ready(value);
      break;
    case reg::kQueueNotify:
      // Without VIRTIO_F_NOTIFICATION_DATA the value is just the queue index.
      if (value < queues_.size() && queues_[value].ready) process_queue(value);
      break;
    case reg::kInterruptAck:
      interrupt_status_ &= ~value;
      update_irq_line();
      break;
    case reg::kStatus:
      write_status(value);
      break;
    case reg::kQueueDescLow:
      if (configurable) set_low_half(configurable->desc_addr, value);
      break;
    case reg::kQueueDescHigh:
      if (configurable) set_high_half(configurable->desc_addr, value);
      break;
    case reg::kQueueDriverLow:
      if (configurable) set_low_half(configurable->avail_addr, value);
      break;
    case reg::kQueueDriverHigh:
      if (configurable) set_high_half(configurable->avail_addr, value);
      break;
    case reg::kQueueDeviceLow:
      if (configurable) set_low_half(configurable->used_addr, value);
      break;
    case reg::kQueueDeviceHigh:
      if (configurable) set_high_half(configurable->used_addr, value);
      break;
    default:
      // Read-only registers, SHMSel (no shared memory regions) and holes.
      break;
  }
}

uint64_t VirtioMmio::read_config(uint64_t offset, unsigned bytes) const {
  if (!backend_ || !is_access_size(bytes)) return 0;
  const uint64_t size = backend_->config_size();
  if (offset >= size) return 0;
  uint8_t raw[8] = {};
  backend_->read_config(uint32_t(offset), raw, uint32_t(std::min<uint64_t>(bytes, size - offset)));
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; ++i) value |= uint64_t{raw[i]} << (8 * i);
  return value;
}

void VirtioMmio::write_config(uint64_t offset, unsigned bytes, uint64_t value) {
  if (!backend_ || !is_access_size(bytes)) return;
  const uint64_t size = backend_->config_size();
  if (offset >= size) return;
  uint8_t raw[8];
  for (unsigned i = 0; i < bytes; ++i) raw[i] = uint8_t(value >> (8 * i));
  backend_->write_config(uint32_t(offset), raw, uint32_t(std::min<uint64_t>(bytes, size - offset)));
}

void VirtioMmio::write_status(uint32_t value) {
  if (value == 0) {
    reset_transport();
    return;
  }
  // NEEDS_RESET belongs to the device: the driver can neither set nor clear it.
  uint32_t next = (value & 0xff & ~kVirtioStatusNeedsReset) | (status_ & kVirtioStatusNeedsReset);
  const bool features_ok_now = (next & ~status_) & kVirtioStatusFeaturesOk;
  if (features_ok_now) {
    // Refusing FEATURES_OK is how a device rejects a feature set (3.1.1 step 6).
    if (features_acceptable()) {
      backend_->features_negotiated(driver_features_);
    } else {
      next &= ~kVirtioStatusFeaturesOk;
    }
  }
  const bool driver_ok_now = (next & ~status_) & kVirtioStatusDriverOk;
  status_ = next;
  // Buffers made available before DRIVER_OK had their notification ignored; serve them now.
  if (driver_ok_now) process_all_queues();
}

void VirtioMmio::write_queue_ready(uint32_t value) {
  SplitQueue* queue = selected_queue();
  if (!queue) return;
  if ((value & 1) == 0) {
    queue->ready = false;
    return;
  }
  if (queue->ready) return;
  if (!queue->layout_valid(selected_queue_max_size())) {
    enter_needs_reset();
    return;
  }
  // A queue enabled afresh is a fresh ring: the driver starts both indices at 0.
  queue->ready = true;
  queue->last_avail_idx = 0;
  queue->used_idx = 0;
}

SplitQueue* VirtioMmio::selected_queue() {
  return queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
}

uint32_t VirtioMmio::selected_queue_max_size() const {
  if (!backend_ || queue_sel_ >= queues_.size()) return 0;
  return std::min(backend_->queue_max_size(queue_sel_), kMaxQueueSize);
}

bool VirtioMmio::features_acceptable() const {
  // A modern transport has no legacy interface, so VERSION_1 is mandatory (4.2.4).
  return (driver_features_ & ~offered_features()) == 0 &&
         (driver_features_ & feature_bit(kVirtioFVersion1)) != 0;
}

bool VirtioMmio::operational() const {
  constexpr uint32_t kRequired = kVirtioStatusFeaturesOk | kVirtioStatusDriverOk;
  return backend_ && (status_ & kRequired) == kRequired &&
         !(status_ & (kVirtioStatusNeedsReset | kVirtioStatusFailed));
}

void VirtioMmio::process_queue(unsigned index) {
  if (!operational()) return;
  SplitQueue& queue = queues_[index];
  uint16_t pending = 0;
  if (queue.pending_chains(memory_, pending) != SplitQueue::Result::kOk) {
    enter_needs_reset();
    return;
  }
  const bool indirect_allowed = driver_features_ & feature_bit(kVirtioFRingIndirectDesc);
  bool completed_any = false;
  bool malformed = false;
  // The count is read once: buffers the device writes cannot extend the loop even if a hostile
  // driver pointed them at the avail ring.
  for (; pending > 0; --pending) {
    DescriptorChain chain(memory_);
    if (queue.next_chain(memory_, indirect_allowed, chain) != SplitQueue::Result::kOk ||
        !backend_->process(index, chain) || chain.dma_failed() ||
        queue.complete(memory_, chain.head(), chain.bytes_written()) != SplitQueue::Result::kOk) {
      malformed = true;
      break;
    }
    completed_any = true;
  }
  if (completed_any && !queue.interrupt_suppressed(memory_)) {
    raise_interrupt(kVirtioInterruptUsedBuffer);
  }
  if (malformed) enter_needs_reset();
}

void VirtioMmio::process_all_queues() {
  for (unsigned i = 0; i < queues_.size(); ++i) {
    if (queues_[i].ready) process_queue(i);
  }
}

void VirtioMmio::enter_needs_reset() {
  if (status_ & kVirtioStatusNeedsReset) return;
  status_ |= kVirtioStatusNeedsReset;
  raise_interrupt(kVirtioInterruptConfigChange);
}

void VirtioMmio::notify_config_change() {
  ++config_generation_;
  raise_interrupt(kVirtioInterruptConfigChange);
}

void VirtioMmio::reset_transport() {
  device_features_sel_ = 0;
  driver_features_sel_ = 0;
  driver_features_ = 0;
  queue_sel_ = 0;
  status_ = 0;
  interrupt_status_ = 0;
  for (unsigned i = 0; i < queues_.size(); ++i) {
    queues_[i].clear();
    queues_[i].size = std::min(backend_->queue_max_size(i), kMaxQueueSize);
  }
  if (backend_) backend_->reset();
  update_irq_line();
}

void VirtioMmio::reset() {
  reset_transport();
}

void VirtioMmio::raise_interrupt(uint32_t bits) {
  interrupt_status_ |= bits;
  update_irq_line();
}

void VirtioMmio::update_irq_line() {
  irq_.set_irq(irq_source_, interrupt_status_ != 0);
}

void VirtioMmio::save(StateWriter& out) const {
  out.u32(kStateVersion);
  out.u32(backend_ ? backend_->device_id() : kVirtioIdNone);
  out.u32(device_features_sel_);
  out.u32(driver_features_sel_);
  out.u64(driver_features_);
  out.u32(queue_sel_);
  out.u32(status_);
  out.u32(interrupt_status_);
  out.u32(config_generation_);
  out.u32(uint32_t(queues_.size()));
  for (const SplitQueue& queue : queues_) {
    out.u32(queue.size);
    out.boolean(queue.ready);
    out.u64(queue.desc_addr);
    out.u64(queue.avail_addr);
    out.u64(queue.used_addr);
    out.u32(queue.last_avail_idx);
    out.u32(queue.used_idx);
  }
  if (backend_) backend_->save(out);
}

void VirtioMmio::load(StateReader& in) {
  if (in.u32() != kStateVersion) throw StateError("virtio-mmio: unknown state version");
  if (in.u32() != (backend_ ? backend_->device_id() : kVirtioIdNone)) {
    throw StateError("virtio-mmio: state is for a different device type");
  }
  // Decode into locals first so a corrupt snapshot leaves the device as it was.
  const uint32_t device_features_sel = in.u32();
  const uint32_t driver_features_sel = in.u32();
  const uint64_t driver_features = in.u64();
  const uint32_t queue_sel = in.u32();
  const uint32_t status = in.u32();
  const uint32_t interrupt_status = in.u32();
  const uint32_t config_generation = in.u32();
  if (status > 0xff) throw StateError("virtio-mmio: bad status");
  if (interrupt_status & ~(kVirtioInterruptUsedBuffer | kVirtioInterruptConfigChange)) {
    throw StateError("virtio-mmio: bad interrupt status");
  }
  if (in.u32() != queues_.size()) throw StateError("virtio-mmio: queue count differs");
  std::vector<SplitQueue> queues(queues_.size());
  for (unsigned i = 0; i < queues.size(); ++i) {
    SplitQueue& queue = queues[i];
    queue.size = in.u32();
    queue.ready = in.boolean();
    queue.desc_addr = in.u64();
    queue.avail_addr = in.u64();
    queue.used_addr = in.u64();
    const uint32_t last_avail = in.u32();
    const uint32_t used = in.u32();
    if (last_avail > 0xffff || used > 0xffff) throw StateError("virtio-mmio: bad ring index");
    queue.last_avail_idx = uint16_t(last_avail);
    queue.used_idx = uint16_t(used);
    if (queue.ready && !queue.layout_valid(std::min(backend_->queue_max_size(i), kMaxQueueSize))) {
      throw StateError("virtio-mmio: bad queue layout");
    }
  }
  if (backend_) backend_->load(in);
  device_features_sel_ = device_features_sel;
  driver_features_sel_ = driver_features_sel;
  driver_features_ = driver_features;
  queue_sel_ = queue_sel;
  status_ = status;
  interrupt_status_ = interrupt_status;
  config_generation_ = config_generation;
  queues_ = std::move(queues);
  // The line is an output of this state; drive it so the interrupt controller agrees.
  update_irq_line();
}

}  // namespace rwd::dev
