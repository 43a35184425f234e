// A small trace with every event kind, shared by the unit tests and the sample-trace tool (which
// writes fuzz seeds and the input of the `capnp decode` test).
#pragma once

#include <string>
#include <vector>

#include "traces/trace_file.h"

namespace rwd::trace::testing {

inline TraceHeader sample_header() {
  TraceHeader h;
  h.run_args = {"-kernel", "Image", "-append", "console=ttyS0 quiet", "-m", "256M"};
  h.images = {{"kernel", "Image", 4096, 0x0123456789abcdefull},
              {"bios", "fw_dynamic.bin", 123, 0xfedcba9876543210ull}};
  h.hash_interval = 1000;
  h.recorder = "rewind 0.1, tier jit (test)";
  return h;
}

// `rounds` hash intervals, each with one event of every input kind, then stop and end.
inline std::vector<Event> sample_events(int rounds = 3) {
  std::vector<Event> events;
  uint64_t clock = 0, icount = 0;
  auto add = [&](EventKind kind, uint64_t step) {
    clock += step;
    icount += step;
    Event e;
    e.kind = kind;
    e.clock = clock;
    e.icount = icount;
    events.push_back(e);
    return &events.back();
  };
  for (int r = 0; r < rounds; ++r) {
    add(EventKind::kWallClock, 10)->value = 1700000000000000000ull + uint64_t(r);
    Event* e = add(EventKind::kEntropy, 20);
    for (int i = 0; i < 40; ++i) e->data.push_back(uint8_t(i * 37 + r));
    e = add(EventKind::kConsoleInput, 30);
    e->data = {'l', 's', '\n', 0x1b, '"', '\\', 0x7f};
    e = add(EventKind::kIdle, 40);
    e->value = e->clock + 5000;
    clock += 5000;
    e->data = {'y'};
    add(EventKind::kStateHash, 1000 - 100)->value = 0x9e3779b97f4a7c15ull * uint64_t(r + 1);
  }
  Event* stop = add(EventKind::kStop, 7);
  stop->exit_code = 3;
  stop->text = "quit from the console";
  Event* end = add(EventKind::kEnd, 0);
  end->value = 0xabcdef;
  end->text = "power-off";
  return events;
}

}  // namespace rwd::trace::testing
