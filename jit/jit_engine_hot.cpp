// The JIT engine's LLVM tier: queueing hot blocks, swapping finished code in at block
// boundaries, and re-executing from a restart point after a host fault in LLVM code.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <optional>
#include <thread>

#include <xxhash.h>

#include "cpu/guest_memory.h"
#include "jit/jit_engine.h"
#include "jit/llvm/llvm_compiler.h"
#include "jit/llvm_entry.h"

namespace rwd::jit {

namespace {

double host_seconds() {  // statistics only, never guest-visible
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

uint64_t hash_ir(const ir::Block& block) {
  // Over the fields that define the block's meaning, not over Op's padding.
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  auto add = [state](uint64_t v) { XXH3_64bits_update(state, &v, sizeof v); };
  add(block.pc);
  add(uint64_t(block.n_insns) << 32 | block.size_bytes);
  add(block.flags);
  for (const ir::Temp& t : block.temps) {
    add(uint64_t(t.kind) << 8 | uint64_t(t.type));
    add(uint64_t(t.value));
  }
  for (const ir::Op& op : block.ops) {
    add(uint64_t(op.opc) | uint64_t(op.type) << 8 | uint64_t(op.cond) << 16 |
        uint64_t(op.memop) << 24 | uint64_t(op.nout) << 32 | uint64_t(op.nin) << 40);
    for (int i = 0; i < op.nout + op.nin; ++i) add(op.args[i]);
    add(uint64_t(op.imm));
  }
  const uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return h;
}

const JitStats& JitEngine::stats() const {
  if (llvm_) {
    const llvm_tier::CompilerStats c = llvm_->stats();
    stats_.llvm_compile_seconds = c.seconds;
    stats_.llvm_max_compile_seconds = c.max_seconds;
    stats_.llvm_guest_insns = llvm_insns_released_;
    for (const auto& [job, region] : regions_) stats_.llvm_guest_insns += region.counters.insns;
  }
  return stats_;
}

void JitEngine::keep_template_code(JitBlock& block) {
  block.hot = JitBlock::Hot::kFailed;
  block.hot_countdown = std::numeric_limits<int32_t>::max();
  stop_counting(block);
}

void JitEngine::stop_counting(JitBlock& block) {
  // Its tier is settled: counting its entries would only slow its template code down (by
  // about a tenth on xz). A short jump over each count; x86 keeps the instruction stream
  // coherent with these stores, and no other thread runs translated code.
  for (uint32_t offset : block.heat_counts) {
    auto* at = const_cast<uint8_t*>(block.template_entry) + offset;
    at[0] = 0xeb;  // jmp rel8
    at[1] = uint8_t(kHeatCountBytes - 2);
  }
  block.heat_counts.clear();
}

std::optional<ir::Block> JitEngine::translate_unchanged(CpuState& cpu, const JitBlock& block,
                                                        uint32_t flags) {
  // The IR again, from the same guest bytes: a block is only kept while its code is unchanged.
  // Its hash must match the one the template code was compiled from, or the two tiers would
  // run different code (stores to code pages take effect at the next fence.i).
  TranslateResult tr = source_.translate(*cpu.memory, block.pc, block.n_insns, flags);
  if (!tr.block || hash_ir(*tr.block) != block.ir_hash) return std::nullopt;
  return std::move(*tr.block);
}

void JitEngine::queue_hot(CpuState& cpu, JitBlock& block, uint32_t flags, bool wait) {
  std::optional<ir::Block> ir = translate_unchanged(cpu, block, flags);
  if (!ir) {
    keep_template_code(block);
    stats_.llvm_failed++;
    return;
  }
  llvm_tier::CompileJob job;
  job.id = next_job_++;
  job.env.helpers = &source_.helpers();
  job.env.linear_memory = env_.linear_memory;
  job.env.linear_limit = env_.linear_memory ? uint64_t{1} << env_.linear_bits : 0;
  job.env.tlb = env_.tlb;
  job.env.load_fn = env_.load_fn;
  job.env.store_fn = env_.store_fn;
  job.env.active_region = &active_region_;
  job.env.region_tag = job.id;
  job.env.fast_table = env_.fast_table;
  job.env.fast_entries = env_.fast_entries;
  job.env.jump_cache = env_.jump_cache;
  Region region;
  add_member(region, *ir);
  job.blocks.push_back(std::move(*ir));
  if (options_.tier == Tier::kAuto) {
    for (JitBlock* member : region_members(block)) {
      std::optional<ir::Block> more = translate_unchanged(cpu, *member, flags);
      if (!more) continue;
      add_member(region, *more);
      job.blocks.push_back(std::move(*more));
      region_members_.emplace(member, job.id);
    }
  }
  stats_.llvm_region_blocks += job.blocks.size();
  regions_[job.id] = std::move(region);
  block.llvm_job = job.id;
  block.hot = JitBlock::Hot::kQueued;
  stats_.llvm_queued++;
  const double now = host_seconds();
  pending_[job.id] = Pending{&block, flags, now};
  if (wait) {
    accept(llvm_->compile_now(std::move(job)));
    return;
  }
  block.hot_countdown = kHotRecheckEntries;  // come back to look for the finished code
  llvm_->submit(std::move(job));
}

void JitEngine::add_member(Region& region, const ir::Block& member) {
  for (uint32_t k = 0; k < member.n_insns; ++k) {
    region.insn_pcs.push_back(member.insn_pcs.at(k));
    region.unretired.push_back(member.n_insns - k);
  }
}

std::vector<JitBlock*> JitEngine::region_members(JitBlock& entry) const {
  // Blocks that run together with the entry: those its exits were chained to (so they ran
  // after it, under the same modes), and theirs, while they have run often enough themselves.
  const auto warm = [this](const JitBlock& b) {
    const auto threshold = int32_t(std::max<uint32_t>(options_.hot_threshold, 1));
    return b.cacheable && (b.hot != JitBlock::Hot::kCold || b.hot_countdown <= threshold / 2);
  };
  std::vector<JitBlock*> members{&entry};
  uint32_t insns = entry.n_insns;
  for (size_t i = 0; i < members.size() && members.size() < kMaxRegionBlocks; ++i) {
    for (const ChainSite* site : members[i]->outgoing) {
      JitBlock* next = site->linked_to;
      if (!next || !warm(*next) || insns + next->n_insns > kMaxRegionInsns) continue;
      if (std::find(members.begin(), members.end(), next) != members.end()) continue;
      members.push_back(next);
      insns += next->n_insns;
      if (members.size() == kMaxRegionBlocks) break;
    }
  }
  members.erase(members.begin());
  return members;
}

void JitEngine::drop_regions_through(JitBlock& member) {
  // The block's code changed or went away: regions that include it must not run it again.
  auto [first, last] = region_members_.equal_range(&member);
  std::vector<uint64_t> jobs;
  for (auto it = first; it != last; ++it) jobs.push_back(it->second);
  region_members_.erase(first, last);
  for (uint64_t job : jobs) {
    auto pending = pending_.find(job);
    if (pending != pending_.end()) {
      keep_template_code(*pending->second.block);
      pending_.erase(pending);
      dropped_jobs_.push_back(job);
    } else {
      uninstall(job);
    }
  }
}

void JitEngine::install_finished() {
  for (llvm_tier::CompileResult& result : llvm_->take_finished()) {
    auto it = pending_.find(result.id);
    if (it == pending_.end()) {
      // Its block was invalidated or flushed while LLVM worked on it.
      stats_.llvm_discarded++;
      dropped_jobs_.push_back(result.id);
      continue;
    }
    accept(result);
  }
  if (options_.tier == Tier::kAuto) review_regions();
}

void JitEngine::accept(const llvm_tier::CompileResult& result) {
  auto it = pending_.find(result.id);
  const Pending pending = it->second;
  pending_.erase(it);
  if (!result.code) {
    keep_template_code(*pending.block);
    stats_.llvm_failed++;
    regions_.erase(result.id);
    return;
  }
  install(*pending.block, result.code, pending.flags);
  if (perf_map_ && result.code_bytes) {
    const auto region = regions_.find(result.id);
    const size_t insns = region == regions_.end() ? 0 : region->second.insn_pcs.size();
    std::fprintf(perf_map_, "%lx %zx llvm:%lx+%zu\n", reinterpret_cast<uintptr_t>(result.code),
                 result.code_bytes, static_cast<unsigned long>(pending.block->pc), insns);
    std::fflush(perf_map_);  // a profiler attached mid-run sees the regions installed so far
  }
  stats_.llvm_latency_seconds += host_seconds() - pending.queued_at;
}

void JitEngine::install(JitBlock& block, const void* code, uint32_t flags) {
  // regions_ is node-based: the counters stay where the stub points while the region exists.
  const uint8_t* stub =
      emit_llvm_entry(buffer_, env_, code, flags, &regions_.at(block.llvm_job).counters);
  if (!stub) {
    // No room for the stub: the block keeps its template code until the next flush.
    keep_template_code(block);
    dropped_jobs_.push_back(block.llvm_job);
    return;
  }
  block.entry = stub;
  block.llvm_code = code;
  block.hot = JitBlock::Hot::kInstalled;
  block.hot_countdown = std::numeric_limits<int32_t>::max();
  installed_[block.llvm_job] = &block;
  // Jumps already chained to the template code now go to the stub. Lookups (the block cache's
  // table, the jump cache) go through JitBlock::entry and see it at once.
  repoint_incoming(block, stub);
  stats_.llvm_installed++;
}

void JitEngine::repoint_incoming(JitBlock& block, const uint8_t* target) {
  for (ChainSite* site : block.incoming) {
    if (site->linked_to != &block) continue;
    const int32_t rel = int32_t(target - (site->rel32 + 4));
    std::memcpy(site->rel32, &rel, 4);
  }
}

void JitEngine::uninstall(uint64_t job) {
  // Back to template code for good. After a host fault: a block that faulted once may fault
  // again, and re-running it from its entry each time would repeat its earlier iterations over
  // and over. After review_regions: its stays are as short as before.
  auto it = installed_.find(job);
  if (it == installed_.end()) return;
  JitBlock& block = *it->second;
  installed_.erase(it);
  block.entry = block.template_entry;
  block.llvm_code = nullptr;
  keep_template_code(block);
  repoint_incoming(block, block.template_entry);
  dropped_jobs_.push_back(job);  // freed when no translated code runs
}

void JitEngine::review_regions() {
  // Auto tier only: --tier=llvm is there to run LLVM code, short stays included.
  // Entering a region from template code costs the stub, loading the guest registers the
  // region uses and, on the way out, storing them and looking the next block up: tens of host
  // instructions, more than LLVM's code saves over a short stay. A region whose entries retire
  // few instructions each costs more than it saves, and goes back to template code for good.
  std::vector<uint64_t> short_stays;
  for (const auto& [job, block] : installed_) {
    Region& region = regions_.at(job);
    if (region.reviewed || region.counters.entries < kReviewEntries) continue;
    region.reviewed = true;
    if (region.counters.insns < kMinInsnsPerEntry * region.counters.entries) {
      short_stays.push_back(job);
    }
  }
  for (uint64_t job : short_stays) uninstall(job);
  stats_.llvm_short_entries += short_stays.size();
}

void JitEngine::release_dropped() {
  for (uint64_t job : dropped_jobs_) {
    llvm_->release(job);
    auto region = regions_.find(job);
    if (region == regions_.end()) continue;
    llvm_insns_released_ += region->second.counters.insns;
    regions_.erase(region);
  }
  dropped_jobs_.clear();
}

JitBlock* JitEngine::reexecution_block(CpuState& cpu) {
  // From the restart point to the end of the LLVM block, as template code (never cached), so
  // the host fault happens again there and is mapped to its precise instruction.
  const uint64_t budget = cpu.icount_limit - cpu.icount;
  const auto n = uint32_t(std::min<uint64_t>(reexecute_insns_, budget));
  reexecute_insns_ = 0;
  const CodeLocation where = cpu.memory->locate_code(cpu);
  if (short_block_) unindex_code(*short_block_);
  short_block_ = compile(cpu, cpu.pc, n, where.flags);
  short_block_->cacheable = false;
  index_code(*short_block_);
  return short_block_.get();
}

void JitEngine::drain_llvm() {
  if (!llvm_) return;
  while (llvm_->in_flight() > 0) {
    if (llvm_->has_finished()) {
      install_finished();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  install_finished();
}

}  // namespace rwd::jit
