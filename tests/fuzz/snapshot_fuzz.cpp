// Fuzz target: `rewind run --load` and `replay --from` read snapshot files that may be damaged
// or hostile, so every byte string must end in a clean one-line error or a snapshot whose
// fields are within bounds — never a crash, an out-of-bounds read or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "traces/snapshot_file.h"

namespace {

void check(const std::optional<rwd::trace::LoadedSnapshot>& s, const std::string& error) {
  if (!s) {
    if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();
    return;
  }
  // What a caller does with a snapshot: every page must land inside its RAM.
  for (const auto& [index, bytes] : s->pages) {
    if (index >= s->ram_size / rwd::trace::kSnapshotPageBytes ||
        bytes->size() != rwd::trace::kSnapshotPageBytes) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwd::trace;
  std::string error;
  check(read_snapshot_memory(std::vector<uint8_t>(data, data + size), &error), error);

  // The same bytes as bare frames, [u8 kind][u16 length][payload]..., past the checksums that
  // keep mutations away from the decoder in a real file.
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> frames;
  size_t at = 0;
  while (at + 3 <= size) {
    const uint32_t kind = data[at] & 7;
    const size_t len = std::min<size_t>(size - at - 3, size_t(data[at + 1]) | size_t(data[at + 2]) << 8);
    frames.emplace_back(kind, std::vector<uint8_t>(data + at + 3, data + at + 3 + len));
    at += 3 + len;
  }
  error.clear();
  check(decode_snapshot_frames(frames, &error), error);
  return 0;
}
