// virtio-rng (entropy device, ID 4, spec 5.4): every device-writable buffer the driver offers
// is filled with host entropy. The bytes come from HostInput, the machine's recorded input
// layer, so a replay hands the guest the same "random" bytes.
#pragma once

#include <cstdint>
#include <string_view>

#include "devices/device.h"
#include "devices/virtio/virtio_device.h"

namespace rwd::dev {

class VirtioRng : public VirtioDevice {
 public:
  static constexpr uint32_t kQueueSize = 64;
  // Every entropy byte is recorded in the trace, so a single request cannot ask for more than
  // this; the used length tells the driver how much it got (Linux offers a cache line at a time).
  static constexpr uint64_t kMaxBytesPerRequest = 64 * 1024;

  explicit VirtioRng(HostInput& host) : host_(host) {}

  std::string_view name() const override { return "virtio-rng"; }
  uint32_t device_id() const override { return kVirtioIdEntropy; }
  uint64_t features() const override { return 0; }
  unsigned queue_count() const override { return 1; }
  uint32_t queue_max_size(unsigned) const override { return kQueueSize; }
  bool process(unsigned queue, DescriptorChain& chain) override;
  void save(StateWriter& out) const override;
  void load(StateReader& in) override;

 private:
  HostInput& host_;
};

}  // namespace rwd::dev
