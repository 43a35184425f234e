// Fuzz target: `rewind replay` and `rewind trace` read trace files that may be damaged or hostile,
// so every byte string must end in a clean error or a partial read — never a crash, a hang, an
// out-of-bounds read or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "traces/trace_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwd::trace;
  std::string error;
  // The bytes as a bare message too: frame checksums keep mutated bytes away from the Cap'n
  // Proto decoder, so it is fuzzed directly.
  const std::vector<uint8_t> message(data, data + size);
  TraceHeader header;
  std::vector<Event> decoded;
  uint64_t first = 0;
  decode_header_message(message, &header, &error);
  decode_chunk_message(message, &first, &decoded, &error);
  auto reader = TraceReader::open_memory(std::vector<uint8_t>(data, data + size), &error);
  if (!reader) {
    if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  // What `trace info` does: the header, the chunk list, every event.
  volatile size_t sink = reader->header().run_args.size() + reader->header().images.size();
  const auto chunks = reader->chunks(&error);
  reader->has_index();
  Event e;
  uint64_t events = 0;
  while (reader->next(&e)) sink = sink + e.data.size() + e.text.size(), ++events;
  if (reader->status() == TraceReader::Status::kReading) __builtin_trap();
  if (reader->status() != TraceReader::Status::kComplete &&
      (reader->message().empty() || reader->message().find('\n') != std::string::npos)) {
    __builtin_trap();
  }
  // What `trace dump --raw-chunk` and a replay that seeks do.
  std::vector<uint8_t> raw;
  if (!chunks.empty()) reader->raw_chunk(chunks.size() - 1, &raw, &error);
  for (uint64_t target : {events / 2, events, uint64_t(0)}) {
    if (reader->seek_to_event(target, &error) && reader->next(&e)) sink = sink + e.clock;
  }
  (void)sink;
  return 0;
}
