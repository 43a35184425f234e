// The virtio-mmio transport against a recording backend: registers, the init sequence, feature
// negotiation, queues, interrupts, reset, snapshots, and hostile rings.
#include "devices/virtio/virtio_mmio.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "tests/unit/virtio/fake_guest.h"

namespace rwd::dev {
namespace {

using testing::Buffer;
using testing::FakeGuestMemory;
using testing::FakeInterruptSink;
using testing::kRamBase;
using testing::TestDriver;
using testing::UsedElement;
namespace reg = virtio_mmio_reg;

constexpr unsigned kIrqSource = 3;
constexpr uint32_t kTestDeviceId = 42;
constexpr uint64_t kTestFeatureA = feature_bit(0);
constexpr uint64_t kTestFeatureB = feature_bit(3);
constexpr uint64_t kVersion1 = feature_bit(kVirtioFVersion1);
constexpr uint64_t kIndirect = feature_bit(kVirtioFRingIndirectDesc);

// Records what each request carried and answers with its readable bytes reversed.
class RecordingDevice : public VirtioDevice {
 public:
  std::string_view name() const override { return "recording"; }
  uint32_t device_id() const override { return kTestDeviceId; }
  uint64_t features() const override { return kTestFeatureA | kTestFeatureB; }
  unsigned queue_count() const override { return 2; }
  uint32_t queue_max_size(unsigned queue) const override { return queue == 0 ? 16 : 8; }
  uint32_t config_size() const override { return 12; }
  void read_config(uint32_t offset, uint8_t* dst, uint32_t len) const override {
    for (uint32_t i = 0; i < len; ++i) dst[i] = config[offset + i];
  }
  void write_config(uint32_t offset, const uint8_t* src, uint32_t len) override {
    for (uint32_t i = 0; i < len; ++i) config[offset + i] = src[i];
  }
  void features_negotiated(uint64_t features) override { negotiated = features; }
  bool process(unsigned queue, DescriptorChain& chain) override {
    std::vector<uint8_t> request(chain.readable_bytes());
    if (!chain.read(0, request.data(), request.size())) return false;
    requests.push_back({queue, request});
    std::vector<uint8_t> reply(request.rbegin(), request.rend());
    reply.resize(std::min<uint64_t>(reply.size(), chain.writable_bytes()));
    chain.write(0, reply.data(), reply.size());
    return accept;
  }
  void reset() override { ++resets; }
  void save(StateWriter& out) const override { out.bytes(config, sizeof config); }
  void load(StateReader& in) override { in.bytes(config, sizeof config); }

  struct Request {
    unsigned queue;
    std::vector<uint8_t> bytes;
  };
  uint8_t config[12] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
  std::vector<Request> requests;
  uint64_t negotiated = 0;
  bool accept = true;
  int resets = 0;
};

class VirtioMmioTest : public ::testing::Test {
 protected:
  VirtioMmioTest() {
    auto backend = std::make_unique<RecordingDevice>();
    device = backend.get();
    transport = std::make_unique<VirtioMmio>(std::move(backend), memory, irq, kIrqSource);
    driver = std::make_unique<TestDriver>(*transport, memory);
  }
  // A request of `len` readable bytes (value `fill`) and as many writable bytes.
  uint16_t echo(unsigned queue, uint32_t len, uint8_t fill) {
    const uint64_t out = driver->alloc(len), in = driver->alloc(len);
    std::fill_n(memory.at(out), len, fill);
    return driver->submit(queue, {{out, len, false}, {in, len, true}});
  }
  bool needs_reset() { return driver->status() & kVirtioStatusNeedsReset; }

  FakeGuestMemory memory;
  FakeInterruptSink irq;
  RecordingDevice* device;
  std::unique_ptr<VirtioMmio> transport;
  std::unique_ptr<TestDriver> driver;
};

TEST_F(VirtioMmioTest, IdentificationRegisters) {
  EXPECT_EQ(driver->reg(reg::kMagicValue), 0x74726976u);
  EXPECT_EQ(driver->reg(reg::kVersion), 2u);
  EXPECT_EQ(driver->reg(reg::kDeviceId), kTestDeviceId);
  EXPECT_EQ(driver->reg(reg::kVendorId), 0x554d4551u);
  EXPECT_EQ(transport->mmio_size(), 0x200u);
}

TEST_F(VirtioMmioTest, EmptySlotHasDeviceIdZeroAndIgnoresWrites) {
  FakeInterruptSink empty_irq;
  VirtioMmio empty(nullptr, memory, empty_irq, 1);
  TestDriver probe(empty, memory);
  EXPECT_EQ(probe.reg(reg::kMagicValue), kVirtioMmioMagic);
  EXPECT_EQ(probe.reg(reg::kVersion), 2u);
  EXPECT_EQ(probe.reg(reg::kDeviceId), 0u);
  probe.set_reg(reg::kStatus, kVirtioStatusAcknowledge);
  EXPECT_EQ(probe.status(), 0u);
  EXPECT_EQ(probe.reg(reg::kQueueNumMax), 0u);
  EXPECT_EQ(empty.read(reg::kConfig, 4), 0u);
  EXPECT_FALSE(empty_irq.level);
}

TEST_F(VirtioMmioTest, FeatureWordsOfferVersion1AndIndirect) {
  EXPECT_EQ(driver->device_features(), kTestFeatureA | kTestFeatureB | kVersion1 | kIndirect);
  driver->set_reg(reg::kDeviceFeaturesSel, 2);
  EXPECT_EQ(driver->reg(reg::kDeviceFeatures), 0u);
}

TEST_F(VirtioMmioTest, InitSequenceNegotiatesTheAcceptedSubset) {
  ASSERT_TRUE(driver->initialize(kTestFeatureB | kVersion1, {16, 8}));
  EXPECT_EQ(device->negotiated, kTestFeatureB | kVersion1);
  EXPECT_FALSE(needs_reset());
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioMmioTest, FeaturesOkRefusedWithoutVersion1) {
  EXPECT_FALSE(driver->negotiate(kTestFeatureA));
  EXPECT_EQ(driver->status() & kVirtioStatusFeaturesOk, 0u);
}

TEST_F(VirtioMmioTest, FeaturesOkRefusedForFeaturesNotOffered) {
  driver->set_reg(reg::kStatus, kVirtioStatusAcknowledge | kVirtioStatusDriver);
  driver->set_driver_features(kVersion1 | feature_bit(7));
  driver->add_status(kVirtioStatusFeaturesOk);
  EXPECT_EQ(driver->status() & kVirtioStatusFeaturesOk, 0u);
  // Dropping the unknown bit makes the same set acceptable.
  driver->set_driver_features(kVersion1);
  driver->add_status(kVirtioStatusFeaturesOk);
  EXPECT_NE(driver->status() & kVirtioStatusFeaturesOk, 0u);
}

TEST_F(VirtioMmioTest, DriverFeaturesFrozenAfterFeaturesOk) {
  ASSERT_TRUE(driver->negotiate(kVersion1));
  driver->set_driver_features(kVersion1 | kTestFeatureA);
  StateWriter state;
  transport->save(state);
  StateReader reader(state.data());
  reader.u32();                        // state version
  reader.u32();                        // device id
  reader.u32();                        // device features sel
  reader.u32();                        // driver features sel
  EXPECT_EQ(reader.u64(), kVersion1);  // driver features
}

TEST_F(VirtioMmioTest, QueueRegistersPerQueue) {
  driver->set_reg(reg::kQueueSel, 0);
  EXPECT_EQ(driver->reg(reg::kQueueNumMax), 16u);
  driver->set_reg(reg::kQueueSel, 1);
  EXPECT_EQ(driver->reg(reg::kQueueNumMax), 8u);
  driver->set_reg(reg::kQueueSel, 2);
  EXPECT_EQ(driver->reg(reg::kQueueNumMax), 0u);  // drivers stop at the first missing queue
  EXPECT_EQ(driver->reg(reg::kQueueReady), 0u);
  driver->set_reg(reg::kQueueReady, 1);  // ignored, no such queue
  EXPECT_FALSE(needs_reset());
}

TEST_F(VirtioMmioTest, QueueReadyZeroTakesEffect) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16}));
  driver->set_reg(reg::kQueueSel, 0);
  driver->set_reg(reg::kQueueReady, 0);
  // U-Boot and Linux WARN unless the read-back is 0.
  EXPECT_EQ(driver->reg(reg::kQueueReady), 0u);
  echo(0, 4, 1);
  EXPECT_TRUE(device->requests.empty());
}

TEST_F(VirtioMmioTest, EchoRequestCompletesSynchronouslyWithInterrupt) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16, 8}));
  const uint64_t out = driver->alloc(4), in = driver->alloc(8);
  memory.put<uint32_t>(out, 0x04030201);
  const uint16_t head = driver->submit(1, {{out, 4, false}, {in, 8, true}});
  ASSERT_EQ(device->requests.size(), 1u);
  EXPECT_EQ(device->requests[0].queue, 1u);
  EXPECT_EQ(device->requests[0].bytes, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(memory.get<uint32_t>(in), 0x01020304u);
  UsedElement used;
  ASSERT_TRUE(driver->take_used(1, used));
  EXPECT_EQ(used.id, head);
  EXPECT_EQ(used.len, 4u);  // bytes written, not the writable size
  EXPECT_EQ(driver->reg(reg::kInterruptStatus), kVirtioInterruptUsedBuffer);
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(irq.last_source, kIrqSource);
  EXPECT_EQ(driver->acknowledge_interrupt(), kVirtioInterruptUsedBuffer);
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(driver->reg(reg::kInterruptStatus), 0u);
}

TEST_F(VirtioMmioTest, SeveralPendingChainsCompleteInOrder) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16}));
  for (uint8_t i = 0; i < 20; ++i) {  // more than the queue size: the ring wraps
    const uint64_t out = driver->alloc(1);
    memory.put<uint8_t>(out, i);
    driver->submit(0, {{out, 1, false}}, /*notify_device=*/i % 3 == 2);
  }
  driver->notify(0);
  ASSERT_EQ(device->requests.size(), 20u);
  for (uint8_t i = 0; i < 20; ++i) EXPECT_EQ(device->requests[i].bytes[0], i);
  EXPECT_EQ(driver->used_idx(0), 20u);
}

TEST_F(VirtioMmioTest, NoInterruptFlagSuppressesUsedBufferInterrupt) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16}));
  driver->set_avail_flags(0, kVirtqAvailNoInterrupt);
  echo(0, 2, 9);
  EXPECT_EQ(driver->used_idx(0), 1u);
  EXPECT_EQ(driver->reg(reg::kInterruptStatus), 0u);
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioMmioTest, BuffersMadeAvailableBeforeDriverOkAreServedAtDriverOk) {
  ASSERT_TRUE(driver->negotiate(kVersion1));
  ASSERT_TRUE(driver->setup_queue(0, 16));
  echo(0, 2, 5);
  EXPECT_TRUE(device->requests.empty());  // no buffers used before DRIVER_OK (spec 3.1.1)
  driver->add_status(kVirtioStatusDriverOk);
  EXPECT_EQ(device->requests.size(), 1u);
  EXPECT_EQ(driver->used_idx(0), 1u);
}

TEST_F(VirtioMmioTest, StatusZeroResetsEverything) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16, 8}));
  echo(0, 2, 5);
  ASSERT_TRUE(irq.level);
  const int resets_before = device->resets;
  driver->set_reg(reg::kStatus, 0);
  EXPECT_EQ(driver->status(), 0u);
  EXPECT_EQ(driver->reg(reg::kInterruptStatus), 0u);
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(device->resets, resets_before + 1);
  driver->set_reg(reg::kQueueSel, 0);
  EXPECT_EQ(driver->reg(reg::kQueueReady), 0u);
  // The device is usable again after a fresh init; ring indices start over.
  ASSERT_TRUE(driver->initialize(kVersion1, {16, 8}));
  echo(0, 2, 6);
  EXPECT_EQ(driver->used_idx(0), 1u);
}

TEST_F(VirtioMmioTest, MachineResetEqualsStatusZero) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16}));
  echo(0, 2, 5);
  transport->reset();
  EXPECT_EQ(driver->status(), 0u);
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioMmioTest, ConfigSpaceAnyWidthLittleEndian) {
  EXPECT_EQ(transport->read(reg::kConfig + 0, 1), 0x11u);
  EXPECT_EQ(transport->read(reg::kConfig + 2, 2), 0x4433u);
  EXPECT_EQ(transport->read(reg::kConfig + 4, 4), 0x88776655u);
  EXPECT_EQ(transport->read(reg::kConfig + 0, 8), 0x8877665544332211u);
  // Past the end of the device's config space reads as 0, partially.
  EXPECT_EQ(transport->read(reg::kConfig + 10, 4), 0xccbbu);
  EXPECT_EQ(transport->read(reg::kConfig + 12, 4), 0u);
  transport->write(reg::kConfig + 1, 2, 0xbeef);
  EXPECT_EQ(device->config[1], 0xef);
  EXPECT_EQ(device->config[2], 0xbe);
  transport->write(reg::kConfig + 1, 3, 0);  // not an access size
  EXPECT_EQ(device->config[1], 0xef);
}

TEST_F(VirtioMmioTest, RegistersTakeOnlyAligned32BitAccesses) {
  EXPECT_EQ(transport->read(reg::kMagicValue, 8), 0u);
  EXPECT_EQ(transport->read(reg::kMagicValue, 2), 0u);
  EXPECT_EQ(transport->read(reg::kMagicValue + 2, 4), 0u);
  transport->write(reg::kStatus, 1, kVirtioStatusAcknowledge);
  EXPECT_EQ(driver->status(), 0u);
}

TEST_F(VirtioMmioTest, NoSharedMemoryRegions) {
  driver->set_reg(reg::kShmSel, 0);
  EXPECT_EQ(driver->reg(reg::kShmLenLow), 0xffffffffu);
  EXPECT_EQ(driver->reg(reg::kShmLenHigh), 0xffffffffu);
}

TEST_F(VirtioMmioTest, ConfigChangeNotificationBumpsGeneration) {
  const uint32_t generation = driver->reg(reg::kConfigGeneration);
  transport->notify_config_change();
  EXPECT_EQ(driver->reg(reg::kConfigGeneration), generation + 1);
  EXPECT_EQ(driver->acknowledge_interrupt(), kVirtioInterruptConfigChange);
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioMmioTest, SnapshotRoundTripMidRun) {
  ASSERT_TRUE(driver->initialize(kVersion1 | kTestFeatureA, {16, 8}));
  echo(0, 3, 7);
  device->config[0] = 0x5a;
  StateWriter saved;
  transport->save(saved);

  // A second machine with the same RAM picks up where the first one stopped.
  FakeInterruptSink other_irq;
  auto other_backend = std::make_unique<RecordingDevice>();
  RecordingDevice* other_device = other_backend.get();
  VirtioMmio other(std::move(other_backend), memory, other_irq, kIrqSource);
  StateReader reader(saved.data());
  other.load(reader);
  EXPECT_TRUE(reader.at_end());
  EXPECT_TRUE(other_irq.level);  // the pending interrupt is driven after load
  EXPECT_EQ(other_device->config[0], 0x5a);
  StateWriter resaved;
  other.save(resaved);
  EXPECT_EQ(saved.data(), resaved.data());

  TestDriver other_driver(other, memory);
  other_driver.queue(0) = driver->queue(0);
  const uint64_t out = driver->alloc(2), in = driver->alloc(2);
  other_driver.submit(0, {{out, 2, false}, {in, 2, true}});
  EXPECT_EQ(other_driver.used_idx(0), 2u);
  EXPECT_EQ(other_device->requests.size(), 1u);
}

TEST_F(VirtioMmioTest, LoadRejectsCorruptStateAndKeepsRunning) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16, 8}));
  StateWriter saved;
  transport->save(saved);
  std::vector<uint8_t> bytes = saved.data();

  std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + 20);
  StateReader short_reader(truncated);
  EXPECT_THROW(transport->load(short_reader), StateError);

  std::vector<uint8_t> wrong_device = bytes;
  wrong_device[4] ^= 1;
  StateReader wrong_reader(wrong_device);
  EXPECT_THROW(transport->load(wrong_reader), StateError);

  std::vector<uint8_t> bad_status = bytes;
  bad_status[4 * 4 + 8 + 4 + 1] = 1;  // status > 0xff
  StateReader bad_reader(bad_status);
  EXPECT_THROW(transport->load(bad_reader), StateError);

  echo(0, 2, 3);
  EXPECT_EQ(driver->used_idx(0), 1u);
}

// ---- hostile drivers: every case ends in DEVICE_NEEDS_RESET, never a crash or a hang ----

class HostileRingTest : public VirtioMmioTest {
 protected:
  void SetUp() override { ASSERT_TRUE(driver->initialize(kVersion1 | kIndirect, {16, 8})); }
  void expect_needs_reset_with_interrupt() {
    EXPECT_TRUE(needs_reset());
    EXPECT_NE(driver->reg(reg::kInterruptStatus) & kVirtioInterruptConfigChange, 0u);
    EXPECT_TRUE(irq.level);
    // Further notifications are ignored until the driver resets the device.
    const size_t served = device->requests.size();
    echo(0, 2, 1);
    EXPECT_EQ(device->requests.size(), served);
    // And a reset brings it back.
    ASSERT_TRUE(driver->initialize(kVersion1, {16, 8}));
    echo(0, 2, 1);
    EXPECT_EQ(device->requests.size(), served + 1);
  }
  uint64_t scratch() { return driver->alloc(64); }
};

TEST_F(HostileRingTest, DescriptorAddressOutsideRam) {
  driver->submit(0, {{0x1000, 16, false}});
  EXPECT_TRUE(device->requests.empty());
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, WritableDescriptorOutsideRam) {
  driver->submit(0, {{scratch(), 4, false}, {kRamBase + memory.size() - 2, 4, true}});
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, DescriptorRangeWrapsAroundAddressSpace) {
  driver->submit(0, {{~uint64_t{0} - 3, 16, false}});
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, DescriptorLoop) {
  const uint64_t buf = scratch();
  driver->write_descriptor(0, 0, buf, 4, kVirtqDescNext, 1);
  driver->write_descriptor(0, 1, buf, 4, kVirtqDescNext, 2);
  driver->write_descriptor(0, 2, buf, 4, kVirtqDescNext, 0);
  driver->publish(0, 0);
  driver->notify(0);
  EXPECT_TRUE(device->requests.empty());
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, SelfLoop) {
  driver->write_descriptor(0, 5, scratch(), 4, kVirtqDescNext, 5);
  driver->publish(0, 5);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, NextIndexBeyondQueue) {
  driver->write_descriptor(0, 0, scratch(), 4, kVirtqDescNext, 16);
  driver->publish(0, 0);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, HeadIndexBeyondQueue) {
  driver->publish(0, 200);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, AvailIndexJumpsPastQueueSize) {
  memory.put<uint16_t>(driver->queue(0).avail + 2, 17);
  driver->notify(0);
  EXPECT_TRUE(device->requests.empty());
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, ZeroLengthDescriptorsAreHarmless) {
  const uint64_t buf = scratch();
  memory.put<uint8_t>(buf, 0xab);
  driver->submit(0, {{buf, 0, false}, {buf, 1, false}, {buf, 0, false}, {buf + 8, 0, true}});
  ASSERT_EQ(device->requests.size(), 1u);
  EXPECT_EQ(device->requests[0].bytes, std::vector<uint8_t>{0xab});
  UsedElement used;
  ASSERT_TRUE(driver->take_used(0, used));
  EXPECT_EQ(used.len, 0u);
  EXPECT_FALSE(needs_reset());
}

TEST_F(HostileRingTest, ChainUsingEveryDescriptorIsAccepted) {
  std::vector<Buffer> buffers(16, Buffer{scratch(), 1, false});
  driver->submit(0, buffers);
  EXPECT_EQ(device->requests.size(), 1u);
  EXPECT_FALSE(needs_reset());
}

TEST_F(HostileRingTest, ChainLongerThan4GiB) {
  const uint64_t buf = scratch();
  driver->submit(0, {{buf, 0xffffffff, true}, {buf, 0xffffffff, true}});
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, ReadableAfterWritable) {
  const uint64_t buf = scratch();
  driver->submit(0, {{buf, 4, true}, {buf + 8, 4, false}});
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, UsedRingOutsideRam) {
  // A fresh queue whose used ring ends past RAM.
  ASSERT_TRUE(driver->negotiate(kVersion1));
  driver->set_reg(reg::kQueueSel, 0);
  driver->set_reg(reg::kQueueNum, 16);
  TestDriver::Queue& queue = driver->queue(0);
  queue = TestDriver::Queue{};
  queue.size = 16;
  queue.desc = driver->alloc(256);
  queue.avail = driver->alloc(64);
  queue.used = kRamBase + memory.size() - 8;
  driver->set_reg(reg::kQueueDescLow, uint32_t(queue.desc));
  driver->set_reg(reg::kQueueDescHigh, uint32_t(queue.desc >> 32));
  driver->set_reg(reg::kQueueDriverLow, uint32_t(queue.avail));
  driver->set_reg(reg::kQueueDriverHigh, uint32_t(queue.avail >> 32));
  driver->set_reg(reg::kQueueDeviceLow, uint32_t(queue.used));
  driver->set_reg(reg::kQueueDeviceHigh, uint32_t(queue.used >> 32));
  driver->set_reg(reg::kQueueReady, 1);
  driver->add_status(kVirtioStatusDriverOk);
  driver->submit(0, {{scratch(), 4, false}});
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, IndirectChainIsServed) {
  const uint64_t out = scratch(), in = scratch();
  memory.put<uint16_t>(out, 0x0201);
  driver->submit_indirect(0, {{out, 1, false}, {out + 1, 1, false}, {in, 2, true}});
  ASSERT_EQ(device->requests.size(), 1u);
  EXPECT_EQ(memory.get<uint16_t>(in), 0x0102u);
  EXPECT_FALSE(needs_reset());
}

TEST_F(HostileRingTest, IndirectWithoutNegotiation) {
  ASSERT_TRUE(driver->initialize(kVersion1, {16, 8}));
  driver->submit_indirect(0, {{scratch(), 1, false}});
  EXPECT_TRUE(device->requests.empty());
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, IndirectTooManyDescriptors) {
  std::vector<Buffer> buffers(kMaxIndirectDescriptors + 1, Buffer{scratch(), 1, false});
  driver->submit_indirect(0, buffers);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, IndirectTableLengthNotWholeDescriptors) {
  driver->write_descriptor(0, 0, scratch(), 24, kVirtqDescIndirect, 0);
  driver->publish(0, 0);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, IndirectTableOutsideRam) {
  driver->write_descriptor(0, 0, 0x2000, 32, kVirtqDescIndirect, 0);
  driver->publish(0, 0);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, IndirectLoopInsideTable) {
  const uint64_t table = driver->alloc(32);
  const uint64_t buf = scratch();
  for (int i = 0; i < 2; ++i) {
    memory.put<uint64_t>(table + 16 * i, buf);
    memory.put<uint32_t>(table + 16 * i + 8, 1);
    memory.put<uint16_t>(table + 16 * i + 12, kVirtqDescNext);
    memory.put<uint16_t>(table + 16 * i + 14, uint16_t(1 - i));
  }
  driver->write_descriptor(0, 0, table, 32, kVirtqDescIndirect, 0);
  driver->publish(0, 0);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, NestedIndirect) {
  const uint64_t table = driver->alloc(16);
  memory.put<uint64_t>(table, table);
  memory.put<uint32_t>(table + 8, 16);
  memory.put<uint16_t>(table + 12, kVirtqDescIndirect);
  driver->write_descriptor(0, 0, table, 16, kVirtqDescIndirect, 0);
  driver->publish(0, 0);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, IndirectWithNextFlag) {
  const uint64_t table = driver->alloc(16);
  memory.put<uint64_t>(table, scratch());
  memory.put<uint32_t>(table + 8, 1);
  driver->write_descriptor(0, 0, table, 16, kVirtqDescIndirect | kVirtqDescNext, 1);
  driver->write_descriptor(0, 1, scratch(), 1, 0, 0);
  driver->publish(0, 0);
  driver->notify(0);
  expect_needs_reset_with_interrupt();
}

TEST_F(HostileRingTest, DeviceRefusingARequest) {
  device->accept = false;
  echo(0, 2, 1);
  EXPECT_EQ(driver->used_idx(0), 0u);
  device->accept = true;
  expect_needs_reset_with_interrupt();
}

// ---- queue setup errors ----

class QueueSetupTest : public VirtioMmioTest {
 protected:
  void program(uint32_t size, uint64_t desc, uint64_t avail, uint64_t used) {
    ASSERT_TRUE(driver->negotiate(kVersion1));
    driver->set_reg(reg::kQueueSel, 0);
    driver->set_reg(reg::kQueueNum, size);
    driver->set_reg(reg::kQueueDescLow, uint32_t(desc));
    driver->set_reg(reg::kQueueDescHigh, uint32_t(desc >> 32));
    driver->set_reg(reg::kQueueDriverLow, uint32_t(avail));
    driver->set_reg(reg::kQueueDriverHigh, uint32_t(avail >> 32));
    driver->set_reg(reg::kQueueDeviceLow, uint32_t(used));
    driver->set_reg(reg::kQueueDeviceHigh, uint32_t(used >> 32));
    driver->set_reg(reg::kQueueReady, 1);
  }
  void expect_refused() {
    EXPECT_EQ(driver->reg(reg::kQueueReady), 0u);
    EXPECT_TRUE(needs_reset());
    EXPECT_TRUE(irq.level);
  }
};

TEST_F(QueueSetupTest, SizeNotPowerOfTwo) {
  program(12, kRamBase, kRamBase + 0x1000, kRamBase + 0x2000);
  expect_refused();
}

TEST_F(QueueSetupTest, SizeAboveMaximum) {
  program(32, kRamBase, kRamBase + 0x1000, kRamBase + 0x2000);
  expect_refused();
}

TEST_F(QueueSetupTest, SizeZero) {
  program(0, kRamBase, kRamBase + 0x1000, kRamBase + 0x2000);
  expect_refused();
}

TEST_F(QueueSetupTest, MisalignedDescriptorTable) {
  program(16, kRamBase + 8, kRamBase + 0x1000, kRamBase + 0x2000);
  expect_refused();
}

TEST_F(QueueSetupTest, MisalignedUsedRing) {
  program(16, kRamBase, kRamBase + 0x1000, kRamBase + 0x2002);
  expect_refused();
}

TEST_F(QueueSetupTest, RingWrapsAroundAddressSpace) {
  program(16, ~uint64_t{0} & ~uint64_t{0xf}, kRamBase + 0x1000, kRamBase + 0x2000);
  expect_refused();
}

TEST_F(QueueSetupTest, LayoutFrozenWhileReady) {
  program(16, kRamBase, kRamBase + 0x1000, kRamBase + 0x2000);
  ASSERT_EQ(driver->reg(reg::kQueueReady), 1u);
  driver->set_reg(reg::kQueueNum, 3);
  driver->set_reg(reg::kQueueDescLow, 0x1234);
  StateWriter state;
  transport->save(state);
  StateReader reader(state.data());
  for (int i = 0; i < 4; ++i) reader.u32();
  reader.u64();
  for (int i = 0; i < 5; ++i) reader.u32();  // queue sel .. queue count
  EXPECT_EQ(reader.u32(), 16u);              // queue 0 size
  EXPECT_TRUE(reader.boolean());
  EXPECT_EQ(reader.u64(), kRamBase);  // desc
}

}  // namespace
}  // namespace rwd::dev
