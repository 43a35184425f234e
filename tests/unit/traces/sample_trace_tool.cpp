// Writes sample traces for tests that need a file: fuzz seeds and the `capnp decode` check.
//   trace_sample_tool OUT [--unfinished] [--rounds N] [--chunk-limit N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/unit/traces/sample_trace.h"

int main(int argc, char** argv) {
  using namespace rwd::trace;
  if (argc < 2) {
    std::fprintf(stderr, "usage: trace_sample_tool OUT [--unfinished] [--rounds N] [--chunk-limit N]\n");
    return 2;
  }
  bool unfinished = false;
  int rounds = 3;
  uint32_t chunk_limit = 4096;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--unfinished")) {
      unfinished = true;
    } else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--chunk-limit") && i + 1 < argc) {
      chunk_limit = uint32_t(std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "trace_sample_tool: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  std::string error;
  auto w = TraceWriter::create(argv[1], testing::sample_header(), &error);
  if (!w) {
    std::fprintf(stderr, "trace_sample_tool: %s\n", error.c_str());
    return 1;
  }
  w->set_chunk_event_limit(chunk_limit);
  for (const Event& e : testing::sample_events(rounds)) {
    if (!w->append(e)) break;
  }
  // An unfinished trace keeps its last chunk only if flushed: what a killed recorder leaves.
  const bool ok = unfinished ? w->flush() : w->finish();
  if (!ok) {
    std::fprintf(stderr, "trace_sample_tool: %s\n", w->error().c_str());
    return 1;
  }
  return 0;
}
