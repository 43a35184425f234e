#include "devices/virtio/virtqueue.h"

#include <algorithm>
#include <limits>

namespace rwd::dev {
namespace {

constexpr uint64_t kDescriptorSize = 16;  // le64 addr, le32 len, le16 flags, le16 next
constexpr uint64_t kRingHeaderSize = 4;   // le16 flags, le16 idx (avail and used rings)
constexpr uint64_t kUsedElementSize = 8;  // le32 id, le32 len

// Guest structures are little-endian whatever the host; decode them byte by byte.
uint16_t load_le16(const uint8_t* p) {
  return uint16_t(p[0] | (p[1] << 8));
}
uint32_t load_le32(const uint8_t* p) {
  return uint32_t(load_le16(p)) | uint32_t(load_le16(p + 2)) << 16;
}
uint64_t load_le64(const uint8_t* p) {
  return uint64_t(load_le32(p)) | uint64_t(load_le32(p + 4)) << 32;
}
void store_le16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
void store_le32(uint8_t* p, uint32_t v) {
  store_le16(p, uint16_t(v));
  store_le16(p + 2, uint16_t(v >> 16));
}

struct Descriptor {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

Descriptor decode_descriptor(const uint8_t* raw) {
  return {load_le64(raw), load_le32(raw + 8), load_le16(raw + 12), load_le16(raw + 14)};
}

bool read_descriptor(DmaMemory& memory, uint64_t addr, Descriptor& out) {
  uint8_t raw[kDescriptorSize];
  if (!memory.read(addr, raw, sizeof raw)) return false;
  out = decode_descriptor(raw);
  return true;
}

bool range_wraps(uint64_t addr, uint64_t len) {
  return len != 0 && addr > std::numeric_limits<uint64_t>::max() - (len - 1);
}

}  // namespace

bool DescriptorChain::append(uint64_t addr, uint32_t len, bool device_writable) {
  // Readable buffers come first (spec 2.7.4.2); a device that accepted them out of order could
  // not tell the driver's request from its reply.
  if (!device_writable && !writable_.empty()) return false;
  if (range_wraps(addr, len)) return false;
  uint64_t& total = device_writable ? writable_bytes_ : readable_bytes_;
  // The used-ring length is 32 bits, so a larger chain could not be reported.
  if (total + len > std::numeric_limits<uint32_t>::max()) return false;
  total += len;
  if (len != 0) (device_writable ? writable_ : readable_).push_back({addr, len});
  return true;
}

bool DescriptorChain::read(uint64_t offset, void* dst, uint64_t len) {
  if (offset > readable_bytes_ || len > readable_bytes_ - offset) return false;
  auto* out = static_cast<uint8_t*>(dst);
  for (const Segment& segment : readable_) {
    if (len == 0) break;
    if (offset >= segment.len) {
      offset -= segment.len;
      continue;
    }
    const uint64_t chunk = std::min<uint64_t>(len, segment.len - offset);
    if (!memory_->read(segment.addr + offset, out, chunk)) {
      dma_failed_ = true;
      return false;
    }
    out += chunk;
    len -= chunk;
    offset = 0;
  }
  return true;
}

bool DescriptorChain::write(uint64_t offset, const void* src, uint64_t len) {
  if (offset > writable_bytes_ || len > writable_bytes_ - offset) return false;
  const uint64_t end = offset + len;
  const auto* in = static_cast<const uint8_t*>(src);
  for (const Segment& segment : writable_) {
    if (len == 0) break;
    if (offset >= segment.len) {
      offset -= segment.len;
      continue;
    }
    const uint64_t chunk = std::min<uint64_t>(len, segment.len - offset);
    if (!memory_->write(segment.addr + offset, in, chunk)) {
      dma_failed_ = true;
      return false;
    }
    in += chunk;
    len -= chunk;
    offset = 0;
  }
  // end <= writable_bytes_ <= UINT32_MAX (checked in append).
  bytes_written_ = std::max(bytes_written_, uint32_t(end));
  return true;
}

bool SplitQueue::layout_valid(uint32_t max_size) const {
  if (size == 0 || size > max_size || size > kMaxQueueSize || (size & (size - 1)) != 0) {
    return false;
  }
  // Alignments of spec 2.7 table "Virtqueue Part Alignment".
  if (desc_addr % 16 != 0 || avail_addr % 2 != 0 || used_addr % 4 != 0) return false;
  const uint64_t desc_len = kDescriptorSize * size;
  const uint64_t avail_len = kRingHeaderSize + 2ull * size + 2;             // + used_event
  const uint64_t used_len = kRingHeaderSize + kUsedElementSize * size + 2;  // + avail_event
  return !range_wraps(desc_addr, desc_len) && !range_wraps(avail_addr, avail_len) &&
         !range_wraps(used_addr, used_len);
}

SplitQueue::Result SplitQueue::pending_chains(DmaMemory& memory, uint16_t& count) const {
  uint8_t raw[2];
  if (!memory.read(avail_addr + 2, raw, sizeof raw)) return Result::kMalformed;
  count = uint16_t(load_le16(raw) - last_avail_idx);
  return count > size ? Result::kMalformed : Result::kOk;
}

SplitQueue::Result SplitQueue::next_chain(DmaMemory& memory, bool indirect_allowed,
                                          DescriptorChain& chain) const {
  uint8_t raw[2];
  const uint64_t slot = last_avail_idx % size;
  if (!memory.read(avail_addr + kRingHeaderSize + 2 * slot, raw, sizeof raw)) {
    return Result::kMalformed;
  }
  const uint16_t head = load_le16(raw);
  if (head >= size) return Result::kMalformed;
  chain.head_ = head;

  uint16_t index = head;
  // A chain visits each descriptor at most once, so more than `size` steps means a loop.
  for (uint32_t steps = 1;; ++steps) {
    if (steps > size) return Result::kMalformed;
    Descriptor desc;
    if (!read_descriptor(memory, desc_addr + kDescriptorSize * index, desc)) {
      return Result::kMalformed;
    }
    if (desc.flags & kVirtqDescIndirect) {
      // An indirect descriptor ends the chain: NEXT beside INDIRECT is forbidden (2.7.5.3.1).
      if (!indirect_allowed || (desc.flags & kVirtqDescNext)) return Result::kMalformed;
      return walk_indirect(memory, desc.addr, desc.len, chain);
    }
    if (!chain.append(desc.addr, desc.len, desc.flags & kVirtqDescWrite)) {
      return Result::kMalformed;
    }
    if (!(desc.flags & kVirtqDescNext)) return Result::kOk;
    if (desc.next >= size) return Result::kMalformed;
    index = desc.next;
  }
}

SplitQueue::Result SplitQueue::walk_indirect(DmaMemory& memory, uint64_t table_addr,
                                             uint32_t table_len, DescriptorChain& chain) const {
  if (table_len == 0 || table_len % kDescriptorSize != 0) return Result::kMalformed;
  const uint32_t entries = table_len / kDescriptorSize;
  if (entries > kMaxIndirectDescriptors) return Result::kMalformed;
  // Read the table once: the driver cannot change it under us, and each entry costs one access.
  std::vector<uint8_t> table(table_len);
  if (!memory.read(table_addr, table.data(), table_len)) return Result::kMalformed;

  uint32_t index = 0;
  for (uint32_t steps = 1;; ++steps) {
    if (steps > entries) return Result::kMalformed;
    const Descriptor desc = decode_descriptor(&table[kDescriptorSize * index]);
    if (desc.flags & kVirtqDescIndirect) return Result::kMalformed;  // no nesting (2.7.5.3.1)
    if (!chain.append(desc.addr, desc.len, desc.flags & kVirtqDescWrite)) {
      return Result::kMalformed;
    }
    if (!(desc.flags & kVirtqDescNext)) return Result::kOk;
    if (desc.next >= entries) return Result::kMalformed;
    index = desc.next;
  }
}

SplitQueue::Result SplitQueue::complete(DmaMemory& memory, uint16_t head, uint32_t written_len) {
  uint8_t element[kUsedElementSize];
  store_le32(element, head);
  store_le32(element + 4, written_len);
  const uint64_t slot = used_idx % size;
  if (!memory.write(used_addr + kRingHeaderSize + kUsedElementSize * slot, element,
                    sizeof element)) {
    return Result::kMalformed;
  }
  ++last_avail_idx;
  ++used_idx;
  // The element is written before the index that publishes it, as the driver expects.
  uint8_t idx[2];
  store_le16(idx, used_idx);
  return memory.write(used_addr + 2, idx, sizeof idx) ? Result::kOk : Result::kMalformed;
}

bool SplitQueue::interrupt_suppressed(DmaMemory& memory) const {
  uint8_t raw[2];
  if (!memory.read(avail_addr, raw, sizeof raw)) return false;
  return load_le16(raw) & kVirtqAvailNoInterrupt;
}

}  // namespace rwd::dev
