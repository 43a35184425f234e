// libFuzzer entry for the virtio-mmio transport (built with -DREWIND_FUZZ=ON and clang).
#include <cstddef>
#include <cstdint>

#include "devices/virtio/virtio_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!rwd::dev::fuzz_virtio_mmio(data, size).empty()) __builtin_trap();
  return 0;
}
