#include "devices/virtio/virtio_rng.h"

#include <algorithm>

namespace rwd::dev {
namespace {
constexpr uint32_t kStateVersion = 1;
constexpr uint64_t kChunk = 4096;
}  // namespace

bool VirtioRng::process(unsigned, DescriptorChain& chain) {
  const uint64_t total = std::min(chain.writable_bytes(), kMaxBytesPerRequest);
  uint8_t buffer[kChunk];
  for (uint64_t done = 0; done < total;) {
    const uint64_t chunk = std::min(total - done, kChunk);
    host_.entropy(buffer, chunk);
    // A failed write marks the chain, and the transport then asks for a reset.
    if (!chain.write(done, buffer, chunk)) break;
    done += chunk;
  }
  return true;
}

// No state beyond the queues (the transport's); the version keeps the stream self-checking.
void VirtioRng::save(StateWriter& out) const {
  out.u32(kStateVersion);
}

void VirtioRng::load(StateReader& in) {
  if (in.u32() != kStateVersion) throw StateError("virtio-rng: unknown state version");
}

}  // namespace rwd::dev
