// virtio-rng: every device-writable byte comes from HostInput::entropy, in order.
#include "devices/virtio/virtio_rng.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "devices/virtio/virtio_mmio.h"
#include "tests/unit/virtio/fake_guest.h"

namespace rwd::dev {
namespace {

using testing::FakeGuestMemory;
using testing::FakeHostInput;
using testing::FakeInterruptSink;
using testing::TestDriver;
using testing::UsedElement;
namespace reg = virtio_mmio_reg;

class VirtioRngTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport = std::make_unique<VirtioMmio>(std::make_unique<VirtioRng>(host), memory, irq, 2);
    driver = std::make_unique<TestDriver>(*transport, memory);
    ASSERT_TRUE(driver->initialize(feature_bit(kVirtioFVersion1), {VirtioRng::kQueueSize}));
  }
  std::vector<uint8_t> expected_entropy(uint64_t first, uint64_t count) {
    std::vector<uint8_t> bytes(count);
    for (uint64_t i = 0; i < count; ++i) bytes[i] = FakeHostInput::expected_byte(first + i);
    return bytes;
  }

  FakeGuestMemory memory{1 << 20};
  FakeInterruptSink irq;
  FakeHostInput host;
  std::unique_ptr<VirtioMmio> transport;
  std::unique_ptr<TestDriver> driver;
};

TEST_F(VirtioRngTest, IdentityAndNoConfig) {
  EXPECT_EQ(driver->reg(reg::kDeviceId), kVirtioIdEntropy);
  EXPECT_EQ(driver->device_features() & 0xffffff, 0u);
  EXPECT_EQ(transport->read(reg::kConfig, 4), 0u);
}

TEST_F(VirtioRngTest, FillsBufferWithHostEntropy) {
  const uint64_t buf = driver->alloc(64);
  const uint16_t head = driver->submit(0, {{buf, 64, true}});
  EXPECT_EQ(memory.bytes_at(buf, 64), expected_entropy(0, 64));
  EXPECT_EQ(host.handed_out, 64u);
  UsedElement used;
  ASSERT_TRUE(driver->take_used(0, used));
  EXPECT_EQ(used.id, head);
  EXPECT_EQ(used.len, 64u);
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(irq.last_source, 2u);
}

TEST_F(VirtioRngTest, ConsecutiveRequestsContinueTheStream) {
  const uint64_t a = driver->alloc(10), b = driver->alloc(7);
  driver->submit(0, {{a, 10, true}});
  driver->submit(0, {{b, 7, true}});
  EXPECT_EQ(memory.bytes_at(a, 10), expected_entropy(0, 10));
  EXPECT_EQ(memory.bytes_at(b, 7), expected_entropy(10, 7));
}

TEST_F(VirtioRngTest, ScatteredWritableBuffersFilledInOrderReadablesIgnored) {
  const uint64_t readable = driver->alloc(8), a = driver->alloc(3), b = driver->alloc(5);
  std::fill_n(memory.at(readable), 8, 0xcc);
  driver->submit(0, {{readable, 8, false}, {a, 3, true}, {b, 5, true}});
  EXPECT_EQ(memory.bytes_at(a, 3), expected_entropy(0, 3));
  EXPECT_EQ(memory.bytes_at(b, 5), expected_entropy(3, 5));
  EXPECT_EQ(memory.bytes_at(readable, 8), std::vector<uint8_t>(8, 0xcc));
  UsedElement used;
  ASSERT_TRUE(driver->take_used(0, used));
  EXPECT_EQ(used.len, 8u);
}

TEST_F(VirtioRngTest, HugeRequestIsCapped) {
  const uint32_t size = 100 * 1024;
  const uint64_t buf = driver->alloc(size);
  driver->submit(0, {{buf, size, true}});
  UsedElement used;
  ASSERT_TRUE(driver->take_used(0, used));
  EXPECT_EQ(used.len, VirtioRng::kMaxBytesPerRequest);
  EXPECT_EQ(host.handed_out, VirtioRng::kMaxBytesPerRequest);
  EXPECT_EQ(memory.bytes_at(buf, VirtioRng::kMaxBytesPerRequest),
            expected_entropy(0, VirtioRng::kMaxBytesPerRequest));
}

TEST_F(VirtioRngTest, EmptyRequestCompletesWithLengthZero) {
  const uint64_t buf = driver->alloc(8);
  driver->submit(0, {{buf, 0, true}});
  UsedElement used;
  ASSERT_TRUE(driver->take_used(0, used));
  EXPECT_EQ(used.len, 0u);
  EXPECT_EQ(host.handed_out, 0u);
}

TEST_F(VirtioRngTest, BufferOutsideRamNeedsReset) {
  driver->submit(0, {{0x4000, 16, true}});
  EXPECT_TRUE(driver->status() & kVirtioStatusNeedsReset);
  EXPECT_EQ(driver->used_idx(0), 0u);
}

TEST_F(VirtioRngTest, SnapshotRoundTrip) {
  const uint64_t buf = driver->alloc(4);
  driver->submit(0, {{buf, 4, true}});
  StateWriter saved;
  transport->save(saved);
  StateReader reader(saved.data());
  transport->load(reader);
  EXPECT_TRUE(reader.at_end());
  driver->submit(0, {{buf, 4, true}});
  EXPECT_EQ(driver->used_idx(0), 2u);
}

}  // namespace
}  // namespace rwd::dev
