// A fake guest for virtio tests: RAM behind DmaMemory, an interrupt line, recorded host input,
// and a driver that programs the transport the way Linux and U-Boot do (spec 3.1.1).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "devices/device.h"
#include "devices/virtio/virtio_mmio.h"

namespace rwd::dev::testing {

namespace reg = virtio_mmio_reg;

inline constexpr uint64_t kRamBase = 0x8000'0000;

class FakeGuestMemory : public DmaMemory {
 public:
  explicit FakeGuestMemory(uint64_t size = 1 << 20) : bytes_(size) {}
  bool read(uint64_t paddr, void* dst, uint64_t len) override {
    if (!contains(paddr, len)) return false;
    std::memcpy(dst, &bytes_[paddr - kRamBase], len);
    return true;
  }
  bool write(uint64_t paddr, const void* src, uint64_t len) override {
    if (!contains(paddr, len)) return false;
    std::memcpy(&bytes_[paddr - kRamBase], src, len);
    return true;
  }
  bool contains(uint64_t paddr, uint64_t len) const {
    return paddr >= kRamBase && paddr - kRamBase <= bytes_.size() &&
           len <= bytes_.size() - (paddr - kRamBase);
  }
  uint8_t* at(uint64_t paddr) { return &bytes_[paddr - kRamBase]; }
  uint64_t size() const { return bytes_.size(); }

  template <typename T>
  void put(uint64_t paddr, T value) {
    std::memcpy(at(paddr), &value, sizeof value);  // the host is little-endian, like the guest
  }
  template <typename T>
  T get(uint64_t paddr) {
    T value;
    std::memcpy(&value, at(paddr), sizeof value);
    return value;
  }
  std::vector<uint8_t> bytes_at(uint64_t paddr, uint64_t len) {
    return std::vector<uint8_t>(at(paddr), at(paddr) + len);
  }

 private:
  std::vector<uint8_t> bytes_;
};

class FakeInterruptSink : public InterruptSink {
 public:
  void set_irq(unsigned source, bool new_level) override {
    last_source = source;
    level = new_level;
    ++calls;
  }
  unsigned last_source = ~0u;
  bool level = false;
  int calls = 0;
};

// Entropy is a known sequence, so tests can check exactly which bytes reached the guest.
class FakeHostInput : public HostInput {
 public:
  uint64_t wall_clock_ns() override { return 0; }
  void entropy(uint8_t* dst, uint64_t len) override {
    for (uint64_t i = 0; i < len; ++i) dst[i] = expected_byte(handed_out++);
  }
  static uint8_t expected_byte(uint64_t index) { return uint8_t(index * 37 + 11); }
  uint64_t handed_out = 0;
};

struct Buffer {
  uint64_t addr;
  uint32_t len;
  bool device_writable;
};

struct UsedElement {
  uint32_t id;
  uint32_t len;
};

class TestDriver {
 public:
  struct Queue {
    uint32_t size = 0;
    uint64_t desc = 0, avail = 0, used = 0;
    uint16_t next_desc = 0;
    uint16_t avail_idx = 0;
    uint16_t seen_used = 0;
  };

  TestDriver(VirtioMmio& device, FakeGuestMemory& memory) : device_(device), memory_(memory) {}

  uint32_t reg(uint64_t offset) { return uint32_t(device_.read(offset, 4)); }
  void set_reg(uint64_t offset, uint32_t value) { device_.write(offset, 4, value); }
  uint32_t status() { return reg(reg::kStatus); }
  void add_status(uint32_t bits) { set_reg(reg::kStatus, status() | bits); }

  uint64_t device_features() {
    set_reg(reg::kDeviceFeaturesSel, 1);
    uint64_t features = uint64_t{reg(reg::kDeviceFeatures)} << 32;
    set_reg(reg::kDeviceFeaturesSel, 0);
    return features | reg(reg::kDeviceFeatures);
  }
  void set_driver_features(uint64_t features) {
    set_reg(reg::kDriverFeaturesSel, 1);
    set_reg(reg::kDriverFeatures, uint32_t(features >> 32));
    set_reg(reg::kDriverFeaturesSel, 0);
    set_reg(reg::kDriverFeatures, uint32_t(features));
  }

  // Bump allocator over guest RAM (the upper part; the lower part is free for tests to use).
  uint64_t alloc(uint64_t len, uint64_t align = 16) {
    next_free_ = (next_free_ + align - 1) / align * align;
    const uint64_t at = next_free_;
    next_free_ += len;
    EXPECT_LE(next_free_, kRamBase + memory_.size()) << "fake guest RAM exhausted";
    return at;
  }

  // Steps 1-6 of spec 3.1.1; accepts `wanted` & offered features.
  ::testing::AssertionResult negotiate(uint64_t wanted) {
    set_reg(reg::kStatus, 0);
    if (status() != 0) return ::testing::AssertionFailure() << "reset did not clear status";
    add_status(kVirtioStatusAcknowledge);
    add_status(kVirtioStatusDriver);
    negotiated = device_features() & wanted;
    set_driver_features(negotiated);
    add_status(kVirtioStatusFeaturesOk);
    if (!(status() & kVirtioStatusFeaturesOk)) {
      return ::testing::AssertionFailure() << "device refused features " << std::hex << negotiated;
    }
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult setup_queue(unsigned index, uint32_t size) {
    set_reg(reg::kQueueSel, index);
    if (reg(reg::kQueueReady) != 0) return ::testing::AssertionFailure() << "queue already live";
    const uint32_t max = reg(reg::kQueueNumMax);
    if (max == 0 || size > max) return ::testing::AssertionFailure() << "QueueNumMax " << max;
    Queue& queue = queues_[index];
    queue = Queue{};
    queue.size = size;
    queue.desc = alloc(16 * size, 16);
    queue.avail = alloc(6 + 2 * size, 2);
    queue.used = alloc(6 + 8 * size, 4);
    // Drivers start from zeroed rings (Linux and U-Boot allocate them zeroed).
    std::fill_n(memory_.at(queue.avail), 6 + 2 * size, 0);
    std::fill_n(memory_.at(queue.used), 6 + 8 * size, 0);
    set_reg(reg::kQueueNum, size);
    set_reg(reg::kQueueDescLow, uint32_t(queue.desc));
    set_reg(reg::kQueueDescHigh, uint32_t(queue.desc >> 32));
    set_reg(reg::kQueueDriverLow, uint32_t(queue.avail));
    set_reg(reg::kQueueDriverHigh, uint32_t(queue.avail >> 32));
    set_reg(reg::kQueueDeviceLow, uint32_t(queue.used));
    set_reg(reg::kQueueDeviceHigh, uint32_t(queue.used >> 32));
    set_reg(reg::kQueueReady, 1);
    if (reg(reg::kQueueReady) != 1) return ::testing::AssertionFailure() << "queue not ready";
    return ::testing::AssertionSuccess();
  }

  // The whole init sequence with one queue per entry of `queue_sizes`.
  ::testing::AssertionResult initialize(uint64_t wanted, std::vector<uint32_t> queue_sizes) {
    if (auto ok = negotiate(wanted); !ok) return ok;
    for (unsigned i = 0; i < queue_sizes.size(); ++i) {
      if (auto ok = setup_queue(i, queue_sizes[i]); !ok) return ok;
    }
    add_status(kVirtioStatusDriverOk);
    if (status() != (kVirtioStatusAcknowledge | kVirtioStatusDriver | kVirtioStatusFeaturesOk |
                     kVirtioStatusDriverOk)) {
      return ::testing::AssertionFailure() << "status " << status();
    }
    return ::testing::AssertionSuccess();
  }

  Queue& queue(unsigned index) { return queues_[index]; }

  void write_descriptor(unsigned q, uint16_t index, uint64_t addr, uint32_t len, uint16_t flags,
                        uint16_t next) {
    const uint64_t at = queues_[q].desc + 16 * uint64_t{index};
    memory_.put<uint64_t>(at, addr);
    memory_.put<uint32_t>(at + 8, len);
    memory_.put<uint16_t>(at + 12, flags);
    memory_.put<uint16_t>(at + 14, next);
  }

  // Makes `head` available (does not notify).
  void publish(unsigned q, uint16_t head) {
    Queue& queue = queues_[q];
    memory_.put<uint16_t>(queue.avail + 4 + 2 * (queue.avail_idx % queue.size), head);
    ++queue.avail_idx;
    memory_.put<uint16_t>(queue.avail + 2, queue.avail_idx);
  }
  void notify(unsigned q) { set_reg(reg::kQueueNotify, q); }
  void set_avail_flags(unsigned q, uint16_t flags) {
    memory_.put<uint16_t>(queues_[q].avail, flags);
  }

  // Writes `buffers` as one direct chain in consecutive descriptor slots, publishes and
  // notifies. Returns the head index.
  uint16_t submit(unsigned q, const std::vector<Buffer>& buffers, bool notify_device = true) {
    Queue& queue = queues_[q];
    const uint16_t head = queue.next_desc;
    for (size_t i = 0; i < buffers.size(); ++i) {
      const uint16_t index = uint16_t((head + i) % queue.size);
      const bool last = i + 1 == buffers.size();
      const uint16_t flags = uint16_t((buffers[i].device_writable ? kVirtqDescWrite : 0) |
                                      (last ? 0 : kVirtqDescNext));
      write_descriptor(q, index, buffers[i].addr, buffers[i].len, flags,
                       uint16_t((index + 1) % queue.size));
    }
    queue.next_desc = uint16_t((head + buffers.size()) % queue.size);
    publish(q, head);
    if (notify_device) notify(q);
    return head;
  }

  // Same, through one indirect descriptor whose table lives in guest RAM.
  uint16_t submit_indirect(unsigned q, const std::vector<Buffer>& buffers) {
    const uint64_t table = alloc(16 * buffers.size(), 16);
    for (size_t i = 0; i < buffers.size(); ++i) {
      const bool last = i + 1 == buffers.size();
      const uint64_t at = table + 16 * i;
      memory_.put<uint64_t>(at, buffers[i].addr);
      memory_.put<uint32_t>(at + 8, buffers[i].len);
      memory_.put<uint16_t>(at + 12, uint16_t((buffers[i].device_writable ? kVirtqDescWrite : 0) |
                                              (last ? 0 : kVirtqDescNext)));
      memory_.put<uint16_t>(at + 14, uint16_t(i + 1));
    }
    Queue& queue = queues_[q];
    const uint16_t head = queue.next_desc;
    write_descriptor(q, head, table, uint32_t(16 * buffers.size()), kVirtqDescIndirect, 0);
    queue.next_desc = uint16_t((head + 1) % queue.size);
    publish(q, head);
    notify(q);
    return head;
  }

  uint16_t used_idx(unsigned q) { return memory_.get<uint16_t>(queues_[q].used + 2); }
  UsedElement used_element(unsigned q, uint16_t position) {
    const uint64_t at = queues_[q].used + 4 + 8 * uint64_t{position % queues_[q].size};
    return {memory_.get<uint32_t>(at), memory_.get<uint32_t>(at + 4)};
  }
  // The next completion the driver has not seen yet, as Linux's virtqueue_get_buf.
  ::testing::AssertionResult take_used(unsigned q, UsedElement& out) {
    Queue& queue = queues_[q];
    if (used_idx(q) == queue.seen_used) return ::testing::AssertionFailure() << "nothing used";
    out = used_element(q, queue.seen_used++);
    return ::testing::AssertionSuccess();
  }

  // The interrupt handler of Linux's virtio_mmio: read the status, acknowledge what was read.
  uint32_t acknowledge_interrupt() {
    const uint32_t pending = reg(reg::kInterruptStatus);
    set_reg(reg::kInterruptAck, pending);
    return pending;
  }

  uint64_t negotiated = 0;

 private:
  VirtioMmio& device_;
  FakeGuestMemory& memory_;
  Queue queues_[4];
  uint64_t next_free_ = kRamBase + 0x10000;
};

}  // namespace rwd::dev::testing
