#include <cstdio>
#include <string>

#include "jit/jit_engine.h"

namespace rwd::jit {

bool parse_tier(const std::string& name, Tier* tier) {
  if (name == "jit") *tier = Tier::kTemplate;
  else if (name == "llvm") *tier = Tier::kLlvm;
  else if (name == "auto") *tier = Tier::kAuto;
  else return false;
  return true;
}

std::string describe_stats(const JitStats& s, Tier tier, uint64_t retired,
                           const std::string& prefix) {
  char line[512];
  std::snprintf(line, sizeof line,
                "jit: %llu blocks (%llu instructions) compiled into %llu bytes in %.3f s, "
                "%llu dispatcher entries, %llu links, %llu flushes",
                (unsigned long long)s.blocks_compiled, (unsigned long long)s.guest_insns_compiled,
                (unsigned long long)s.host_bytes, s.compile_seconds,
                (unsigned long long)s.dispatcher_entries, (unsigned long long)s.links,
                (unsigned long long)s.flushes);
  std::string out = line;
  if (tier == Tier::kTemplate) return out;
  double share = retired ? 100.0 * double(s.llvm_guest_insns) / double(retired) : 0.0;
  share = share > 100.0 ? 100.0 : share;  // faults retire less than the count assumed
  std::snprintf(line, sizeof line,
                "llvm: %llu blocks queued (%.1f blocks per region), %llu installed, %llu failed, "
                "%llu discarded, %llu back to template code (short stays); "
                "compile %.3f s on the background thread (slowest %.1f ms), mean latency %.1f ms; "
                "%.1f%% of guest instructions in LLVM code, %.1f%% in template code; "
                "%llu re-executions",
                (unsigned long long)s.llvm_queued,
                s.llvm_queued ? double(s.llvm_region_blocks) / double(s.llvm_queued) : 0.0,
                (unsigned long long)s.llvm_installed, (unsigned long long)s.llvm_failed,
                (unsigned long long)s.llvm_discarded, (unsigned long long)s.llvm_short_entries,
                s.llvm_compile_seconds, 1e3 * s.llvm_max_compile_seconds,
                s.llvm_installed ? 1e3 * s.llvm_latency_seconds / double(s.llvm_installed) : 0.0,
                share, 100.0 - share, (unsigned long long)s.llvm_reexecutions);
  return out + "\n" + prefix + line;
}

}  // namespace rwd::jit
