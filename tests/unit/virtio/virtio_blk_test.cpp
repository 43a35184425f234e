// virtio-blk through the transport, as a driver uses it: reads, writes into the copy-on-write
// overlay (the image file never changes), flush, GET_ID, errors, snapshots and commit.
#include "devices/virtio/virtio_blk.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "devices/virtio/virtio_mmio.h"
#include "tests/unit/virtio/fake_guest.h"

namespace rwd::dev {
namespace {

using testing::Buffer;
using testing::FakeGuestMemory;
using testing::FakeInterruptSink;
using testing::TestDriver;
using testing::UsedElement;
namespace reg = virtio_mmio_reg;

constexpr uint64_t kSectors = 64;  // 32 KiB: eight overlay clusters
constexpr uint64_t kWanted = feature_bit(kVirtioFVersion1) | feature_bit(kVirtioFRingIndirectDesc) |
                             feature_bit(kVirtioBlkFFlush) | feature_bit(kVirtioBlkFSegMax) |
                             feature_bit(kVirtioBlkFBlkSize) | feature_bit(kVirtioBlkFRo);

uint8_t image_byte(uint64_t offset) {
  return uint8_t(offset * 13 + (offset >> 9) * 7 + 1);
}

std::vector<uint8_t> image_pattern(uint64_t size) {
  std::vector<uint8_t> bytes(size);
  for (uint64_t i = 0; i < size; ++i) bytes[i] = image_byte(i);
  return bytes;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

// A raw image file in the temp directory, removed afterwards.
class TempImage {
 public:
  explicit TempImage(const std::vector<uint8_t>& bytes) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "rewind-virtio-blk-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
    ::close(fd);
    path_ = pattern;
  }
  ~TempImage() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class VirtioBlkTest : public ::testing::Test {
 protected:
  VirtioBlkTest() : image(image_pattern(kSectors * 512)) {}
  void SetUp() override { attach(VirtioBlk::open_file(image.path(), options)); }

  void attach(std::unique_ptr<VirtioBlk> backend) {
    blk = backend.get();
    transport = std::make_unique<VirtioMmio>(std::move(backend), memory, irq, 1);
    driver = std::make_unique<TestDriver>(*transport, memory);
    ASSERT_TRUE(driver->initialize(kWanted, {VirtioBlk::kQueueSize}));
  }

  // One request as Linux lays it out: header | data | status. Returns the status byte.
  uint8_t request(uint32_t type, uint64_t sector, uint64_t data_addr, uint32_t data_len,
                  bool data_device_writable) {
    const uint64_t header = driver->alloc(16);
    memory.put<uint32_t>(header, type);
    memory.put<uint32_t>(header + 4, 0);
    memory.put<uint64_t>(header + 8, sector);
    const uint64_t status = driver->alloc(1);
    memory.put<uint8_t>(status, 0xee);
    std::vector<Buffer> buffers{{header, 16, false}};
    if (data_len) buffers.push_back({data_addr, data_len, data_device_writable});
    buffers.push_back({status, 1, true});
    driver->submit(0, buffers);
    EXPECT_TRUE(driver->take_used(0, last_used));
    return memory.get<uint8_t>(status);
  }
  uint8_t read_sectors(uint64_t sector, uint64_t addr, uint32_t len) {
    return request(kVirtioBlkTIn, sector, addr, len, true);
  }
  uint8_t write_sectors(uint64_t sector, uint64_t addr, uint32_t len) {
    return request(kVirtioBlkTOut, sector, addr, len, false);
  }
  std::vector<uint8_t> read_back(uint64_t sector, uint32_t len) {
    const uint64_t buf = driver->alloc(len);
    EXPECT_EQ(read_sectors(sector, buf, len), kVirtioBlkSOk);
    return memory.bytes_at(buf, len);
  }
  uint64_t fill(uint32_t len, uint8_t seed) {
    const uint64_t buf = driver->alloc(len);
    for (uint32_t i = 0; i < len; ++i) memory.put<uint8_t>(buf + i, uint8_t(seed + i * 3));
    return buf;
  }
  std::vector<uint8_t> expected_image(uint64_t offset, uint64_t len) {
    std::vector<uint8_t> bytes(len);
    for (uint64_t i = 0; i < len; ++i) bytes[i] = image_byte(offset + i);
    return bytes;
  }
  bool needs_reset() { return driver->status() & kVirtioStatusNeedsReset; }

  TempImage image;
  VirtioBlkOptions options;
  FakeGuestMemory memory{4 << 20};
  FakeInterruptSink irq;
  VirtioBlk* blk = nullptr;
  std::unique_ptr<VirtioMmio> transport;
  std::unique_ptr<TestDriver> driver;
  UsedElement last_used{};
};

TEST_F(VirtioBlkTest, IdentityFeaturesAndConfig) {
  EXPECT_EQ(driver->reg(reg::kDeviceId), kVirtioIdBlock);
  const uint64_t offered = driver->device_features();
  EXPECT_TRUE(offered & feature_bit(kVirtioBlkFFlush));
  EXPECT_TRUE(offered & feature_bit(kVirtioFVersion1));
  EXPECT_FALSE(offered & feature_bit(kVirtioBlkFRo));
  // Linux reads the 64-bit capacity as two 32-bit halves.
  EXPECT_EQ(transport->read(reg::kConfig + 0, 4), kSectors);
  EXPECT_EQ(transport->read(reg::kConfig + 4, 4), 0u);
  EXPECT_EQ(transport->read(reg::kConfig + 0, 8), kSectors);
  EXPECT_EQ(transport->read(reg::kConfig + 12, 4), VirtioBlk::kQueueSize - 2);  // seg_max
  EXPECT_EQ(transport->read(reg::kConfig + 20, 4), 512u);                       // blk_size
  EXPECT_EQ(blk->capacity_sectors(), kSectors);
}

TEST_F(VirtioBlkTest, ReadReturnsImageBytes) {
  EXPECT_EQ(read_back(3, 1024), expected_image(3 * 512, 1024));
  EXPECT_EQ(last_used.len, 1024u + 1);  // data and status byte written
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(driver->acknowledge_interrupt(), kVirtioInterruptUsedBuffer);
}

TEST_F(VirtioBlkTest, LargeReadCrossesTransferChunks) {
  EXPECT_EQ(read_back(0, kSectors * 512), image_pattern(kSectors * 512));
}

TEST_F(VirtioBlkTest, WriteIsSeenByReadsButImageFileIsUnchanged) {
  const std::vector<uint8_t> before = file_bytes(image.path());
  const uint64_t data = fill(1536, 0x40);
  EXPECT_EQ(write_sectors(7, data, 1536), kVirtioBlkSOk);  // crosses a cluster boundary
  EXPECT_EQ(last_used.len, 1u);
  EXPECT_EQ(read_back(7, 1536), memory.bytes_at(data, 1536));
  // Neighbouring sectors inside the touched clusters keep the image's bytes.
  EXPECT_EQ(read_back(6, 512), expected_image(6 * 512, 512));
  EXPECT_EQ(read_back(10, 512), expected_image(10 * 512, 512));
  EXPECT_EQ(blk->overlay_clusters(), 2u);
  EXPECT_EQ(file_bytes(image.path()), before);
}

TEST_F(VirtioBlkTest, RewritingTheSameSectorKeepsLatestData) {
  const uint64_t first = fill(512, 1), second = fill(512, 2);
  EXPECT_EQ(write_sectors(5, first, 512), kVirtioBlkSOk);
  EXPECT_EQ(write_sectors(5, second, 512), kVirtioBlkSOk);
  EXPECT_EQ(read_back(5, 512), memory.bytes_at(second, 512));
  EXPECT_EQ(blk->overlay_clusters(), 1u);
}

TEST_F(VirtioBlkTest, RequestFramingDoesNotMatter) {
  // Header split over two descriptors, data and status sharing one writable buffer.
  const uint64_t header = driver->alloc(16);
  memory.put<uint32_t>(header, kVirtioBlkTIn);
  memory.put<uint64_t>(header + 8, 2);
  const uint64_t in = driver->alloc(513);
  driver->submit(0, {{header, 5, false}, {header + 5, 11, false}, {in, 513, true}});
  EXPECT_EQ(memory.get<uint8_t>(in + 512), kVirtioBlkSOk);
  EXPECT_EQ(memory.bytes_at(in, 512), expected_image(2 * 512, 512));
}

TEST_F(VirtioBlkTest, IndirectRequest) {
  const uint64_t header = driver->alloc(16);
  memory.put<uint32_t>(header, kVirtioBlkTIn);
  memory.put<uint64_t>(header + 8, 9);
  const uint64_t a = driver->alloc(512), b = driver->alloc(512), status = driver->alloc(1);
  driver->submit_indirect(0,
                          {{header, 16, false}, {a, 512, true}, {b, 512, true}, {status, 1, true}});
  EXPECT_EQ(memory.get<uint8_t>(status), kVirtioBlkSOk);
  EXPECT_EQ(memory.bytes_at(a, 512), expected_image(9 * 512, 512));
  EXPECT_EQ(memory.bytes_at(b, 512), expected_image(10 * 512, 512));
}

TEST_F(VirtioBlkTest, RequestsBeyondCapacityFail) {
  const uint64_t buf = driver->alloc(1024);
  EXPECT_EQ(read_sectors(kSectors, buf, 512), kVirtioBlkSIoErr);
  EXPECT_EQ(read_sectors(kSectors - 1, buf, 1024), kVirtioBlkSIoErr);
  EXPECT_EQ(write_sectors(kSectors, buf, 512), kVirtioBlkSIoErr);
  EXPECT_EQ(read_sectors(~uint64_t{0}, buf, 512), kVirtioBlkSIoErr);  // no overflow
  EXPECT_EQ(write_sectors(~uint64_t{0} / 512 + 1, buf, 512), kVirtioBlkSIoErr);
  EXPECT_EQ(read_sectors(kSectors - 1, buf, 512), kVirtioBlkSOk);  // the last sector is fine
  EXPECT_EQ(blk->overlay_clusters(), 0u);
  EXPECT_FALSE(needs_reset());
}

TEST_F(VirtioBlkTest, PartialSectorTransfersFail) {
  const uint64_t buf = driver->alloc(1024);
  EXPECT_EQ(read_sectors(0, buf, 100), kVirtioBlkSIoErr);
  EXPECT_EQ(write_sectors(0, buf, 513), kVirtioBlkSIoErr);
  EXPECT_EQ(blk->overlay_clusters(), 0u);
}

TEST_F(VirtioBlkTest, FlushSucceeds) {
  EXPECT_EQ(request(kVirtioBlkTFlush, 0, 0, 0, false), kVirtioBlkSOk);
}

TEST_F(VirtioBlkTest, UnknownRequestTypeIsUnsupported) {
  EXPECT_EQ(request(11 /* DISCARD, not offered */, 0, 0, 0, false), kVirtioBlkSUnsupp);
  EXPECT_EQ(request(0x7777, 0, 0, 0, false), kVirtioBlkSUnsupp);
}

TEST_F(VirtioBlkTest, GetIdPadsTheSerial) {
  attach(std::make_unique<VirtioBlk>(std::make_unique<MemoryImage>(image_pattern(kSectors * 512)),
                                     VirtioBlkOptions{false, "rewind-disk0"}));
  const uint64_t id = driver->alloc(kVirtioBlkIdBytes);
  std::fill_n(memory.at(id), kVirtioBlkIdBytes, 0xff);
  EXPECT_EQ(request(kVirtioBlkTGetId, 0, id, kVirtioBlkIdBytes, true), kVirtioBlkSOk);
  std::vector<uint8_t> expected(kVirtioBlkIdBytes, 0);
  std::string serial = "rewind-disk0";
  std::copy(serial.begin(), serial.end(), expected.begin());
  EXPECT_EQ(memory.bytes_at(id, kVirtioBlkIdBytes), expected);
}

TEST_F(VirtioBlkTest, GetIdWithLongSerialAndShortBuffer) {
  attach(std::make_unique<VirtioBlk>(std::make_unique<MemoryImage>(image_pattern(kSectors * 512)),
                                     VirtioBlkOptions{false, "0123456789abcdefghijKLMN"}));
  const uint64_t id = driver->alloc(32);
  std::fill_n(memory.at(id), 32, 0xff);
  EXPECT_EQ(request(kVirtioBlkTGetId, 0, id, 8, true), kVirtioBlkSOk);
  EXPECT_EQ(memory.bytes_at(id, 9),
            (std::vector<uint8_t>{'0', '1', '2', '3', '4', '5', '6', '7', 0xff}));
  EXPECT_EQ(request(kVirtioBlkTGetId, 0, id, 32, true), kVirtioBlkSOk);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory.at(id)), 20), "0123456789abcdefghij");
  EXPECT_EQ(memory.get<uint8_t>(id + 20), 0xff);  // only 20 bytes are an ID
}

TEST_F(VirtioBlkTest, RequestWithoutStatusByteNeedsReset) {
  const uint64_t header = driver->alloc(16);
  memory.put<uint32_t>(header, kVirtioBlkTFlush);
  driver->submit(0, {{header, 16, false}});
  EXPECT_TRUE(needs_reset());
}

TEST_F(VirtioBlkTest, ShortHeaderNeedsReset) {
  const uint64_t header = driver->alloc(16), status = driver->alloc(1);
  driver->submit(0, {{header, 8, false}, {status, 1, true}});
  EXPECT_TRUE(needs_reset());
}

TEST_F(VirtioBlkTest, DataBufferOutsideRamNeedsReset) {
  const uint64_t header = driver->alloc(16), status = driver->alloc(1);
  memory.put<uint32_t>(header, kVirtioBlkTIn);
  memory.put<uint64_t>(header + 8, 0);
  driver->submit(0, {{header, 16, false}, {0x1000, 512, true}, {status, 1, true}});
  EXPECT_TRUE(needs_reset());
  EXPECT_EQ(driver->used_idx(0), 0u);
}

TEST_F(VirtioBlkTest, ResetKeepsDiskContents) {
  const uint64_t data = fill(512, 9);
  EXPECT_EQ(write_sectors(1, data, 512), kVirtioBlkSOk);
  transport->reset();
  ASSERT_TRUE(driver->initialize(kWanted, {VirtioBlk::kQueueSize}));
  EXPECT_EQ(read_back(1, 512), memory.bytes_at(data, 512));
}

TEST_F(VirtioBlkTest, SnapshotCarriesTheOverlay) {
  const uint64_t data = fill(4096 + 512, 0x21);
  EXPECT_EQ(write_sectors(15, data, 4096 + 512), kVirtioBlkSOk);
  StateWriter saved;
  transport->save(saved);
  const std::vector<uint8_t> written = memory.bytes_at(data, 4096 + 512);

  // Later writes are undone by loading the snapshot.
  const uint64_t later = fill(512, 0x77);
  EXPECT_EQ(write_sectors(40, later, 512), kVirtioBlkSOk);
  StateReader reader(saved.data());
  transport->load(reader);
  // The snapshot's rings describe guest RAM as it was then, which this test does not restore;
  // start the driver over (a reset keeps the disk).
  ASSERT_TRUE(driver->initialize(kWanted, {VirtioBlk::kQueueSize}));
  EXPECT_EQ(read_back(15, 4096 + 512), written);
  EXPECT_EQ(read_back(40, 512), expected_image(40 * 512, 512));

  // A fresh device on the same image restores the same disk.
  FakeInterruptSink other_irq;
  auto other_backend = VirtioBlk::open_file(image.path());
  VirtioBlk* other_blk = other_backend.get();
  VirtioMmio other(std::move(other_backend), memory, other_irq, 1);
  StateReader other_reader(saved.data());
  other.load(other_reader);
  EXPECT_TRUE(other_reader.at_end());
  EXPECT_EQ(other_blk->overlay_clusters(), blk->overlay_clusters());
  TestDriver other_driver(other, memory);
  ASSERT_TRUE(other_driver.initialize(kWanted, {VirtioBlk::kQueueSize}));
  driver = std::make_unique<TestDriver>(other_driver);
  EXPECT_EQ(read_back(15, 4096 + 512), written);
  EXPECT_EQ(file_bytes(image.path()), image_pattern(kSectors * 512));
}

TEST_F(VirtioBlkTest, LoadRefusesMismatchedOrCorruptOverlay) {
  const uint64_t data = fill(512, 3);
  EXPECT_EQ(write_sectors(0, data, 512), kVirtioBlkSOk);
  StateWriter saved;
  blk->save(saved);
  const std::vector<uint8_t>& bytes = saved.data();

  VirtioBlk smaller(std::make_unique<MemoryImage>(image_pattern((kSectors - 1) * 512)));
  StateReader capacity_reader(bytes);
  EXPECT_THROW(smaller.load(capacity_reader), StateError);

  std::vector<uint8_t> bad_index = bytes;
  bad_index[4 + 8 + 8] = 200;  // cluster index past the disk
  StateReader index_reader(bad_index);
  EXPECT_THROW(blk->load(index_reader), StateError);

  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 1);
  StateReader truncated_reader(truncated);
  EXPECT_THROW(blk->load(truncated_reader), StateError);

  // Failed loads left the overlay alone.
  EXPECT_EQ(read_back(0, 512), memory.bytes_at(data, 512));
}

TEST_F(VirtioBlkTest, CommitWritesOverlayIntoTheImage) {
  const uint64_t data = fill(1024, 0x55);
  EXPECT_EQ(write_sectors(63, data, 512), kVirtioBlkSOk);  // the last sector
  EXPECT_EQ(write_sectors(20, data, 1024), kVirtioBlkSOk);
  blk->commit_to_image();
  std::vector<uint8_t> expected = image_pattern(kSectors * 512);
  std::copy_n(memory.at(data), 512, expected.begin() + 63 * 512);
  std::copy_n(memory.at(data), 1024, expected.begin() + 20 * 512);
  EXPECT_EQ(file_bytes(image.path()), expected);

  auto fresh = VirtioBlk::open_file(image.path());
  attach(std::move(fresh));
  EXPECT_EQ(read_back(20, 1024), memory.bytes_at(data, 1024));
}

TEST_F(VirtioBlkTest, ImageWithPartialTrailingSector) {
  std::vector<uint8_t> odd = image_pattern(4 * 512 + 100);
  TempImage odd_image(odd);
  attach(VirtioBlk::open_file(odd_image.path()));
  EXPECT_EQ(blk->capacity_sectors(), 4u);
  const uint64_t data = fill(512, 0x11);
  EXPECT_EQ(write_sectors(3, data, 512), kVirtioBlkSOk);
  blk->commit_to_image();
  std::vector<uint8_t> expected = odd;
  std::copy_n(memory.at(data), 512, expected.begin() + 3 * 512);
  EXPECT_EQ(file_bytes(odd_image.path()), expected);  // same size, tail bytes kept
}

class VirtioBlkReadOnlyTest : public VirtioBlkTest {
 protected:
  void SetUp() override {
    options.read_only = true;
    VirtioBlkTest::SetUp();
  }
};

TEST_F(VirtioBlkReadOnlyTest, OffersRoAndRefusesWrites) {
  EXPECT_TRUE(driver->negotiated & feature_bit(kVirtioBlkFRo));
  const uint64_t data = fill(512, 1);
  EXPECT_EQ(write_sectors(0, data, 512), kVirtioBlkSIoErr);
  EXPECT_EQ(blk->overlay_clusters(), 0u);
  EXPECT_EQ(read_back(0, 512), expected_image(0, 512));
}

TEST(VirtioBlkOpen, MissingImageThrowsOneLineNamingTheFile) {
  const std::string path = "/nonexistent/rewind/disk.img";
  try {
    VirtioBlk::open_file(path);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(VirtioBlkOpen, DirectoryIsRefused) {
  const std::string path = std::filesystem::temp_directory_path().string();
  try {
    VirtioBlk::open_file(path);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
  }
}

TEST(VirtioBlkOpen, ImageIsOpenedReadOnly) {
  // A file without write permission still works as long as nothing commits.
  TempImage image(image_pattern(2048));
  std::filesystem::permissions(image.path(), std::filesystem::perms::owner_read);
  auto blk = VirtioBlk::open_file(image.path());
  EXPECT_EQ(blk->capacity_sectors(), 4u);
  if (::geteuid() != 0) {
    EXPECT_THROW(blk->commit_to_image(), std::runtime_error);
  }
}

}  // namespace
}  // namespace rwd::dev
