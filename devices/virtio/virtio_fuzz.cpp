#include "devices/virtio/virtio_fuzz.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_mmio.h"
#include "devices/virtio/virtio_rng.h"

namespace rwd::dev {
namespace {

namespace reg = virtio_mmio_reg;

constexpr uint64_t kRamBase = 0x8000'0000;
constexpr uint64_t kRamSize = 64 * 1024;
constexpr uint64_t kDiskSize = 16 * 1024;
constexpr size_t kMaxOps = 512;
constexpr size_t kOpSize = 8;
// Where the built-in driver puts queue 0 when the input asks for an initialized device.
constexpr uint64_t kDescOffset = 0x0000;
constexpr uint64_t kAvailOffset = 0x1000;
constexpr uint64_t kUsedOffset = 0x2000;

class FuzzMemory : public DmaMemory {
 public:
  FuzzMemory() : bytes_(kRamSize) {}
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
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  static bool contains(uint64_t paddr, uint64_t len) {
    return paddr >= kRamBase && paddr - kRamBase <= kRamSize &&
           len <= kRamSize - (paddr - kRamBase);
  }
  std::vector<uint8_t> bytes_;
};

class FuzzIrq : public InterruptSink {
 public:
  void set_irq(unsigned, bool new_level) override { level = new_level; }
  bool level = false;
};

class FuzzEntropy : public HostInput {
 public:
  uint64_t wall_clock_ns() override { return 0; }
  void entropy(uint8_t* dst, uint64_t len) override {
    for (uint64_t i = 0; i < len; ++i) dst[i] = uint8_t(counter_++ * 131);
  }

 private:
  uint64_t counter_ = 0;
};

class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | (u8() << 8)); }
  uint32_t u32() { return uint32_t(u16()) | uint32_t(u16()) << 16; }
  size_t remaining() const { return size_ - pos_; }
  void skip(size_t n) { pos_ += std::min(n, remaining()); }
  const uint8_t* rest() const { return data_ + pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

std::vector<uint8_t> disk_pattern() {
  std::vector<uint8_t> disk(kDiskSize);
  for (size_t i = 0; i < disk.size(); ++i) disk[i] = uint8_t(i * 7 + (i >> 9));
  return disk;
}

// One complete machine-side setup: the transport plus what it talks to.
struct Rig {
  FuzzIrq irq;
  FuzzEntropy entropy;
  std::unique_ptr<VirtioMmio> transport;
  Rig(unsigned backend_choice, const std::vector<uint8_t>& disk, DmaMemory& memory) {
    std::unique_ptr<VirtioDevice> backend;
    switch (backend_choice) {
      case 0:
      case 1:
        backend = std::make_unique<VirtioBlk>(std::make_unique<MemoryImage>(disk),
                                              VirtioBlkOptions{backend_choice == 1, "fuzz"});
        break;
      case 2:
        backend = std::make_unique<VirtioRng>(entropy);
        break;
      default:
        break;  // an empty slot
    }
    transport = std::make_unique<VirtioMmio>(std::move(backend), memory, irq, 1);
  }
};

void write32(VirtioMmio& dev, uint64_t offset, uint32_t value) {
  dev.write(offset, 4, value);
}

// The driver side of spec 3.1.1, with queue 0 at fixed places in RAM.
void initialize(VirtioMmio& dev, uint32_t queue_size) {
  write32(dev, reg::kStatus, 0);
  write32(dev, reg::kStatus, kVirtioStatusAcknowledge);
  write32(dev, reg::kStatus, kVirtioStatusAcknowledge | kVirtioStatusDriver);
  const uint64_t offered = dev.offered_features();
  write32(dev, reg::kDriverFeaturesSel, 0);
  write32(dev, reg::kDriverFeatures, uint32_t(offered));
  write32(dev, reg::kDriverFeaturesSel, 1);
  write32(dev, reg::kDriverFeatures, uint32_t(offered >> 32));
  write32(dev, reg::kStatus,
          kVirtioStatusAcknowledge | kVirtioStatusDriver | kVirtioStatusFeaturesOk);
  write32(dev, reg::kQueueSel, 0);
  write32(dev, reg::kQueueNum, queue_size);
  write32(dev, reg::kQueueDescLow, uint32_t(kRamBase + kDescOffset));
  write32(dev, reg::kQueueDriverLow, uint32_t(kRamBase + kAvailOffset));
  write32(dev, reg::kQueueDeviceLow, uint32_t(kRamBase + kUsedOffset));
  write32(dev, reg::kQueueReady, 1);
  write32(dev, reg::kStatus,
          kVirtioStatusAcknowledge | kVirtioStatusDriver | kVirtioStatusFeaturesOk |
              kVirtioStatusDriverOk);
}

template <typename T>
T load(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}
template <typename T>
void store(uint8_t* p, T value) {
  std::memcpy(p, &value, sizeof value);
}

// Whether three chosen bits of a random value are all set: true one time in eight.
bool one_in_eight(uint64_t raw, unsigned shift) {
  return ((raw >> shift) & 7) == 7;
}

// Bends random RAM towards well-formed rings and block requests while keeping some randomness,
// so inputs reach chain walking and the devices instead of failing on the first address or
// index. Descriptors mostly form consecutive runs shaped like block requests (a header whose
// type matches the data direction, whole sectors of data, a status byte), and the avail ring
// mostly names run heads. One field in eight stays raw.
void shape_rings(std::vector<uint8_t>& ram, uint32_t queue_size) {
  constexpr uint64_t kDataOffset = 0x3000;
  static constexpr uint32_t kTypes[] = {kVirtioBlkTIn, kVirtioBlkTOut, kVirtioBlkTFlush,
                                        kVirtioBlkTGetId};
  std::vector<uint16_t> run_heads;
  bool in_run = false;
  bool data_device_writable = false;
  for (uint32_t i = 0; i < queue_size; ++i) {
    uint8_t* desc = &ram[kDescOffset + 16 * i];
    const uint64_t raw_addr = load<uint64_t>(desc);
    const uint32_t raw_len = load<uint32_t>(desc + 8);
    const uint16_t raw_flags = load<uint16_t>(desc + 12);
    const uint16_t raw_next = load<uint16_t>(desc + 14);
    uint64_t addr = kDataOffset + raw_addr % (kRamSize - kDataOffset);
    uint32_t len;
    uint16_t flags = raw_flags & kVirtqDescNext;
    if (one_in_eight(raw_flags, 13)) {
      len = raw_len % 0x1800;
      flags = raw_flags & (kVirtqDescNext | kVirtqDescWrite);
    } else if (!in_run) {  // a request header
      run_heads.push_back(uint16_t(i));
      addr &= ~uint64_t{15};
      len = 16;
      const uint32_t type = kTypes[raw_len % 4];
      data_device_writable = type == kVirtioBlkTIn || type == kVirtioBlkTGetId;
      store<uint32_t>(&ram[addr], one_in_eight(raw_len, 8) ? raw_len : type);
      store<uint64_t>(&ram[addr + 8], (raw_addr >> 32) % 40);  // near the 32-sector disk's end
    } else if (!(flags & kVirtqDescNext)) {                    // a status byte
      len = 1;
      flags |= kVirtqDescWrite;
    } else {  // data
      len = 512 * (1 + raw_len % 8);
      if (data_device_writable) flags |= kVirtqDescWrite;
    }
    if ((raw_flags & kVirtqDescIndirect) && one_in_eight(raw_flags, 10)) {
      flags = kVirtqDescIndirect;  // never with NEXT
      len = (raw_len % 8 + 1) * 16;
    }
    // Consecutive runs: random links loop too often to get anywhere.
    const uint16_t next =
        uint16_t(one_in_eight(raw_next, 13) ? raw_next % queue_size : (i + 1) % queue_size);
    store<uint64_t>(desc, kRamBase + addr);
    store<uint32_t>(desc + 8, len);
    store<uint16_t>(desc + 12, flags);
    store<uint16_t>(desc + 14, next);
    in_run = flags & kVirtqDescNext;
  }
  uint8_t* avail = &ram[kAvailOffset];
  store<uint16_t>(avail + 2, uint16_t(load<uint16_t>(avail + 2) % (queue_size + 1)));
  for (uint32_t i = 0; i < queue_size; ++i) {
    uint8_t* entry = avail + 4 + 2 * i;
    const uint16_t raw = load<uint16_t>(entry);
    const bool use_raw = one_in_eight(raw, 13) || run_heads.empty();
    store<uint16_t>(entry,
                    uint16_t(use_raw ? raw % queue_size : run_heads[raw % run_heads.size()]));
  }
}

std::string check_invariants(const Rig& rig) {
  if (rig.irq.level != (rig.transport->interrupt_status() != 0)) {
    return "interrupt line differs from InterruptStatus";
  }
  if (rig.transport->status() > 0xff) return "status wider than 8 bits";
  return {};
}

// save -> load into a fresh device -> save must reproduce the same bytes.
std::string check_snapshot_round_trip(const Rig& rig, unsigned backend_choice,
                                      const std::vector<uint8_t>& disk, DmaMemory& memory) {
  StateWriter first;
  rig.transport->save(first);
  Rig copy(backend_choice, disk, memory);
  StateReader reader(first.data());
  try {
    copy.transport->load(reader);
  } catch (const StateError& e) {
    return std::string("own snapshot refused: ") + e.what();
  }
  if (!reader.at_end()) return "snapshot has trailing bytes";
  StateWriter second;
  copy.transport->save(second);
  if (first.data() != second.data()) return "snapshot does not round-trip";
  return {};
}

// A snapshot with one byte changed must be refused with StateError or give a device that
// still behaves (snapshots come from files, which can be damaged).
std::string check_corrupt_snapshot(const Rig& rig, unsigned backend_choice,
                                   const std::vector<uint8_t>& disk, DmaMemory& memory,
                                   uint64_t seed) {
  StateWriter saved;
  rig.transport->save(saved);
  std::vector<uint8_t> bytes = saved.data();
  const size_t position = (seed * 2654435761u) % bytes.size();
  bytes[position] = uint8_t(bytes[position] + 1 + seed % 255);
  Rig copy(backend_choice, disk, memory);
  StateReader reader(bytes);
  try {
    copy.transport->load(reader);
  } catch (const StateError&) {
    return {};
  }
  for (uint32_t queue = 0; queue < 2; ++queue) write32(*copy.transport, reg::kQueueNotify, queue);
  return check_invariants(copy);
}

}  // namespace

std::string fuzz_virtio_mmio(const uint8_t* data, size_t size) {
  InputReader input(data, size);
  const uint8_t setup = input.u8();
  const unsigned backend_choice = setup & 3;
  const bool do_initialize = setup & 4;
  const bool shape = setup & 8;
  const uint32_t queue_size = 1u << ((setup >> 4) % 9);
  const size_t op_count = std::min<size_t>(input.u16(), kMaxOps);

  // Operations past the end of the input read as zeros, like the reader's other fields.
  std::vector<uint8_t> ops(op_count * kOpSize);
  const size_t op_bytes = std::min(ops.size(), input.remaining());
  if (op_bytes > 0) std::memcpy(ops.data(), input.rest(), op_bytes);
  input.skip(op_bytes);

  FuzzMemory memory;
  // The rest of the input, repeated: zero-filled RAM would make every request look alike.
  for (size_t at = 0; input.remaining() > 0 && at < kRamSize; at += input.remaining()) {
    std::memcpy(&memory.bytes()[at], input.rest(),
                std::min<size_t>(input.remaining(), kRamSize - at));
  }
  if (shape) shape_rings(memory.bytes(), queue_size);

  const std::vector<uint8_t> disk = disk_pattern();
  Rig rig(backend_choice, disk, memory);
  VirtioMmio& dev = *rig.transport;
  if (do_initialize) {
    initialize(dev, queue_size);
    write32(dev, reg::kQueueNotify, 0);
  }
  if (std::string broken = check_invariants(rig); !broken.empty()) return broken;

  for (size_t i = 0; i < op_count; ++i) {
    InputReader op(&ops[i * kOpSize], kOpSize);
    const uint8_t kind = op.u8();
    const uint8_t where = op.u8();
    const uint32_t value = op.u32();
    const uint16_t extra = op.u16();
    const unsigned width = 1u << (extra % 4);
    switch (kind % 8) {
      case 0:
        dev.write(uint64_t{where} * 4 % reg::kConfig, 4, value);
        break;
      case 1:
        dev.read(uint64_t{where} * 4 % reg::kConfig, 4);
        break;
      case 2:
        dev.read(reg::kConfig + where, width);
        break;
      case 3:
        dev.write(reg::kConfig + where, width, value);
        break;
      case 4: {
        const uint64_t at = uint64_t{extra} * 4 % kRamSize;
        std::memcpy(&memory.bytes()[at], &value, sizeof value);
        break;
      }
      case 5:
        write32(dev, reg::kQueueNotify, value % 2);
        break;
      case 6:
        // An address register aimed into RAM: the interesting values are rarely random.
        write32(dev, reg::kQueueDescLow + 0x10 * (where % 3),
                uint32_t(kRamBase + value % kRamSize));
        break;
      case 7:
        // Round trips cost a second device each; a few per input are enough.
        if (where % 16 != 0) break;
        if (std::string broken = check_snapshot_round_trip(rig, backend_choice, disk, memory);
            !broken.empty()) {
          return broken;
        }
        break;
    }
    if (std::string broken = check_invariants(rig); !broken.empty()) return broken;
  }
  if (std::string broken = check_snapshot_round_trip(rig, backend_choice, disk, memory);
      !broken.empty()) {
    return broken;
  }
  return check_corrupt_snapshot(rig, backend_choice, disk, memory, size * 131 + setup);
}

}  // namespace rwd::dev
