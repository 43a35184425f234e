// A fuzz entry point for the virtio-mmio transport and its devices: the input chooses a device,
// the guest memory contents and a sequence of register accesses, memory pokes and snapshot round
// trips. Guests are untrusted, so any input must leave the emulator standing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rwd::dev {

// Runs one input. Returns an empty string, or a description of the first broken invariant
// (interrupt line out of step with InterruptStatus, a snapshot that does not round-trip, ...).
// Crashes, hangs and sanitizer reports are failures too, found by the caller's tooling.
std::string fuzz_virtio_mmio(const uint8_t* data, size_t size);

}  // namespace rwd::dev
