#include "jit/jit_engine.h"

#define XBYAK_NO_OP_NAMES
#include <xbyak/xbyak.h>

#include <chrono>
#include <cstddef>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "cpu/guest_memory.h"
#include "jit/llvm/llvm_compiler.h"

namespace rwd::jit {

uint64_t hash_ir(const ir::Block& block);  // jit_engine_hot.cpp

namespace {

// Out-of-line memory access from translated code: the memory's own load/store, which raise.
uint64_t load_from_jit(CpuState* cpu, uint64_t addr, uint64_t memop) {
  return cpu->memory->load(*cpu, addr, MemOp(memop));
}
uint64_t store_from_jit(CpuState* cpu, uint64_t addr, uint64_t value, uint64_t memop) {
  cpu->memory->store(*cpu, addr, value, MemOp(memop));
  return 0;
}

int log2_exact(uint64_t v) {
  int bits = 0;
  while ((uint64_t{1} << bits) < v) ++bits;
  return (uint64_t{1} << bits) == v ? bits : -1;
}

}  // namespace

JitEngine::JitEngine(const BlockSource& source, size_t code_cache_bytes)
    : JitEngine(source, JitOptions{.code_cache_bytes = code_cache_bytes}) {}

JitEngine::JitEngine(const BlockSource& source, const JitOptions& options)
    : source_(source), buffer_(options.code_cache_bytes), options_(options) {
  emit_trampolines();
  env_.helpers = &source_.helpers();
  env_.epilogue = epilogue_;
  env_.fast_table = cache_.fast_table();
  env_.fast_entries = BlockCache<JitBlock>::kFastEntries;
  env_.load_fn = reinterpret_cast<const void*>(&load_from_jit);
  env_.store_fn = reinterpret_cast<const void*>(&store_from_jit);
  env_.sites = &sites_;
  env_.new_token = [this](uint64_t pc, uint32_t unretired) {
    tokens_.push_back({pc, unretired});
    return uint32_t(tokens_.size() - 1);
  };
  tokens_.push_back({0, 0});
  env_.count_heat = options_.tier == Tier::kAuto;
  if (options_.tier != Tier::kTemplate) {
    llvm_ = std::make_unique<llvm_tier::LlvmCompiler>(options_.llvm_opt_level,
                                                      options_.llvm_compile_share / 100.0);
  }
}

JitEngine::~JitEngine() = default;

// enter(cpu, code, memory_base): saves the callee-saved registers, sets up the frame that
// translated code spills into, and jumps to `code`. Translated code leaves through the
// epilogue with rax = the ChainSite it left by (or null).
void JitEngine::emit_trampolines() {
  struct Trampolines : Xbyak::CodeGenerator {
    Trampolines(CodeBuffer& b) : Xbyak::CodeGenerator(b.remaining(), b.cursor()) {
      push(rbp);
      push(rbx);
      push(r12);
      push(r13);
      push(r14);
      push(r15);
      sub(rsp, kFrameBytes);
      mov(rbp, rdi);
      mov(r15, rdx);
      // r14: the instruction budget left (see jit/compiler.h).
      mov(r14, qword[rbp + offsetof(CpuState, icount_limit)]);
      sub(r14, qword[rbp + offsetof(CpuState, icount)]);
      jmp(rsi);
      align(16);
      epilogue = getCurr();
      mov(rcx, qword[rbp + offsetof(CpuState, icount_limit)]);  // rax holds the result
      sub(rcx, r14);
      mov(qword[rbp + offsetof(CpuState, icount)], rcx);
      add(rsp, kFrameBytes);
      pop(r15);
      pop(r14);
      pop(r13);
      pop(r12);
      pop(rbx);
      pop(rbp);
      ret();
      align(16);
    }
    const uint8_t* epilogue = nullptr;
  } t(buffer_);
  enter_ = reinterpret_cast<EnterFn>(const_cast<uint8_t*>(t.getCode()));
  epilogue_ = t.epilogue;
  buffer_.commit(t.getSize());
  trampoline_bytes_ = buffer_.used();
}

void JitEngine::clear_jump_cache() {
  std::fill(jump_cache_.begin(), jump_cache_.end(), JumpCacheEntry{});
}

void JitEngine::flush() {
  for (auto& [job, block] : installed_) dropped_jobs_.push_back(job);
  installed_.clear();
  for (auto& [job, pending] : pending_) dropped_jobs_.push_back(job);  // its result is discarded
  pending_.clear();
  region_members_.clear();
  clear_jump_cache();
  cache_.clear();
  single_cache_.clear();
  short_block_.reset();
  code_index_.clear();
  sites_.clear();
  tokens_.resize(1);
  buffer_.reset_to(trampoline_bytes_);
  stats_.flushes++;
}

void JitEngine::invalidate(uint64_t start, uint64_t len) {
  clear_jump_cache();
  cache_.invalidate(start, len, [this](JitBlock& b) { drop_block(b); });
  single_cache_.invalidate(start, len, [this](JitBlock& b) { unindex_code(b); });
}

void JitEngine::drop_block(JitBlock& block) {
  drop_regions_through(block);
  unlink_incoming(block);
  unindex_code(block);
  if (block.hot == JitBlock::Hot::kQueued) pending_.erase(block.llvm_job);
  if (block.hot == JitBlock::Hot::kQueued || block.hot == JitBlock::Hot::kInstalled) {
    installed_.erase(block.llvm_job);
    dropped_jobs_.push_back(block.llvm_job);
  }
}

void JitEngine::invalidate_pc_range(uint64_t start, uint64_t len) {
  clear_jump_cache();
  cache_.invalidate_pc_range(start, len, [this](JitBlock& b) { drop_block(b); });
  single_cache_.invalidate_pc_range(start, len, [this](JitBlock& b) { unindex_code(b); });
}

void JitEngine::index_code(JitBlock& block) { code_index_[block.template_entry] = &block; }

void JitEngine::unindex_code(const JitBlock& block) {
  auto it = code_index_.find(block.template_entry);
  if (it != code_index_.end() && it->second == &block) code_index_.erase(it);
}

void JitEngine::unlink_incoming(JitBlock& block) {
  for (ChainSite* site : block.incoming) {
    if (site->linked_to != &block) continue;
    const int32_t rel = int32_t(site->stub - (site->rel32 + 4));
    std::memcpy(site->rel32, &rel, 4);
    site->linked_to = nullptr;
  }
  block.incoming.clear();
}

void JitEngine::link(ChainSite& site, JitBlock& target) {
  const int32_t rel = int32_t(target.entry - (site.rel32 + 4));
  std::memcpy(site.rel32, &rel, 4);
  site.linked_to = &target;
  target.incoming.push_back(&site);
  stats_.links++;
}

std::unique_ptr<JitBlock> JitEngine::compile(CpuState& cpu, uint64_t pc, uint32_t max_insns,
                                             uint32_t flags) {
  const auto started = std::chrono::steady_clock::now();  // statistics only, never guest-visible
  for (int attempt = 0;; ++attempt) {
    TranslateResult tr = source_.translate(*cpu.memory, pc, max_insns, flags);
    if (!tr.block) cpu.memory->raise_fetch_fault(cpu, tr.fetch_fault_addr);
    if (dump_ir_) std::fputs(tr.block->dump().c_str(), stderr);
    auto block = std::make_unique<JitBlock>();
    block->pc = pc;
    block->n_insns = tr.block->n_insns;
    block->size_bytes = tr.block->size_bytes;
    // Counted down only in the auto tier, and only cached blocks start from the threshold: a
    // block compiled for one run (cut short, re-execution) must never return to be queued.
    block->hot_countdown = std::numeric_limits<int32_t>::max();
    if (llvm_) block->ir_hash = hash_ir(*tr.block);
    const CompileStatus status = compile_block(*tr.block, buffer_, env_, *block);
    if (status == CompileStatus::kOk) {
      if (perf_map_) {
        std::fprintf(perf_map_, "%lx %x guest:%lx+%u\n", reinterpret_cast<uintptr_t>(block->entry),
                     block->host_bytes, static_cast<unsigned long>(pc), block->n_insns);
      }
      stats_.blocks_compiled++;
      stats_.guest_insns_compiled += block->n_insns;
      stats_.host_bytes += block->host_bytes;
      stats_.compile_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      return block;
    }
    if (status == CompileStatus::kTooManyLocals) {
      // Fewer instructions need fewer spill slots, down to one instruction, which no frontend
      // instruction comes near; beyond that the block cannot be compiled at all.
      if (tr.block->n_insns <= 1) {
        throw std::runtime_error("one instruction needs more than " +
                                 std::to_string(kSpillSlots) + " JIT spill slots");
      }
      max_insns = tr.block->n_insns / 2;
      continue;
    }
    if (attempt > 0) throw std::runtime_error("code cache too small for one block");
    flush();  // buffer full: start over with an empty cache
  }
}

JitBlock* JitEngine::block_for(CpuState& cpu, uint64_t max_insns) {
  GuestMemory& memory = *cpu.memory;
  const CodeLocation where = memory.locate_code(cpu);
  JitBlock* block = cache_.find(cpu.pc, where);
  if (!block) {
    auto fresh = compile(cpu, cpu.pc, Translator::kMaxBlockInsns, where.flags);
    const uint64_t size = fresh->size_bytes;
    if (memory.cacheable_block(cpu.pc, size)) {
      fresh->hot_countdown = int32_t(std::max<uint32_t>(options_.hot_threshold, 1));
      block = cache_.insert(cpu.pc, where, size, std::move(fresh));
      index_code(*block);
    } else if (fresh->n_insns <= max_insns) {
      if (short_block_) unindex_code(*short_block_);
      short_block_ = std::move(fresh);
      short_block_->cacheable = false;
      index_code(*short_block_);
      return short_block_.get();
    }
  }
  if (block && block->n_insns <= max_insns) {
    const bool compile_everything = options_.tier == Tier::kLlvm;
    if (llvm_ && block->hot == JitBlock::Hot::kCold &&
        (compile_everything || block->hot_countdown <= 0)) {
      if (compile_everything || llvm_->batch_due()) {
        queue_hot(cpu, *block, where.flags, compile_everything);
      } else {
        // The compile share holds batches back for now: count again rather than queue.
        block->hot_countdown = int32_t(std::max<uint32_t>(options_.hot_threshold, 1));
      }
    } else if (block->hot_countdown <= 0) {
      // Queued and still compiling: look again after as many entries; otherwise never.
      block->hot_countdown = block->hot == JitBlock::Hot::kQueued
                                 ? kHotRecheckEntries
                                 : std::numeric_limits<int32_t>::max();
    }
    if (env_.jump_cache) jump_cache_[jump_cache_index(cpu.pc)] = {cpu.pc, where.flags, block, 0};
    return block;
  }
  if (max_insns == 1) {
    // One-instruction runs recur (the machine runs every device access alone): keep them,
    // unlinked like every shortened block.
    if (JitBlock* single = single_cache_.find(cpu.pc, where)) return single;
    auto fresh = compile(cpu, cpu.pc, 1, where.flags);
    fresh->cacheable = false;
    const uint64_t size = fresh->size_bytes;
    JitBlock* single = single_cache_.insert(cpu.pc, where, size, std::move(fresh));
    index_code(*single);
    return single;
  }
  if (short_block_) unindex_code(*short_block_);
  short_block_ = compile(cpu, cpu.pc, uint32_t(max_insns), where.flags);
  short_block_->cacheable = false;
  index_code(*short_block_);
  return short_block_.get();
}

bool JitEngine::restore_after_exception(CpuState& cpu) {
  const auto* host_pc = reinterpret_cast<const uint8_t*>(cpu.fault_host_pc);
  if (host_pc && buffer_.contains(host_pc)) {
    // A host fault in an inline access: its block's fault table names the instruction, and
    // the budget left was in r14 at the time.
    auto it = code_index_.upper_bound(host_pc);
    if (it != code_index_.begin()) {
      const JitBlock& block = *std::prev(it)->second;
      const uint32_t offset = uint32_t(host_pc - block.entry);
      for (const FaultSite& site : block.fault_sites) {
        if (site.host_offset != offset) continue;
        for (uint32_t i = 0; i < site.n_globals; ++i) {
          const LiveGlobal& g = block.fault_globals[site.first_global + i];
          std::memcpy(reinterpret_cast<uint8_t*>(&cpu) + g.offset, &cpu.fault_host_regs[g.host_reg], 8);
        }
        cpu.icount = cpu.icount_limit - cpu.fault_host_regs[14] - tokens_[site.token].unretired;
        cpu.pc = tokens_[site.token].pc;
        return false;
      }
    }
    std::abort();  // a host fault in translated code that is not a guest access: a JIT bug
  }
  const uint32_t token = cpu.insn_index;
  if (token & llvm_tier::kLlvmToken) {
    // LLVM code stored the count and registers at the token's instruction (see the tokens in
    // jit/llvm/lower_to_llvm.h).
    const Region& region = regions_.at(active_region_);
    const uint32_t k = token & llvm_tier::kTokenInsnMask;
    const bool uncounted = (token & llvm_tier::kUncountedToken) != 0;
    cpu.pc = region.insn_pcs.at(k);
    if (!uncounted) cpu.icount -= region.unretired.at(k);
    if ((token & llvm_tier::kRestartToken) && cpu.fault_host_pc) {
      reexecute_insns_ = region.unretired.at(k);  // to the end of the instruction's block
      stats_.llvm_reexecutions++;
      uninstall(active_region_);
      return true;
    }
    return false;
  }
  if (token == 0 || token >= tokens_.size()) return false;  // raised outside translated code
  cpu.icount -= tokens_[token].unretired;
  cpu.pc = tokens_[token].pc;
  return false;
}

StopInfo JitEngine::run(CpuState& cpu) {
  GuestMemory& memory = *cpu.memory;
  if (env_memory_ != &memory) {
    // Code compiled for one memory layout must not run against another.
    if (env_memory_) flush();
    env_memory_ = &memory;
    const int bits = log2_exact(memory.linear_size());
    env_.linear_memory = memory.linear_base() != nullptr && bits > 0;
    env_.linear_bits = bits;
    env_.fast_table = memory.lookup_by_pc_alone() ? cache_.fast_table() : nullptr;
    env_.tlb = memory.uses_tlb();
    jump_cache_.assign(memory.lookup_by_pc_alone() ? 0 : kJumpCacheEntries, JumpCacheEntry{});
    env_.jump_cache = jump_cache_.empty() ? nullptr : jump_cache_.data();
    jump_cache_generation_ = memory.mapping_generation();
  }
  release_dropped();  // no translated code is running now
  for (;;) {
    std::jmp_buf exit_jmp;
    cpu.exit_jmp = &exit_jmp;
    cpu.insn_index = 0;
    cpu.fault_host_pc = 0;
    if (setjmp(exit_jmp)) {
      memory.leave_inline_access();
      const bool reexecute = restore_after_exception(cpu);
      cpu.insn_index = 0;
      cpu.fault_host_pc = 0;
      if (reexecute) continue;
      return {StopReason::kException, Cause(cpu.exception_cause), cpu.exception_tval};
    }
    memory.enter_inline_access(cpu);
    return dispatch(cpu);
  }
}

StopInfo JitEngine::dispatch(CpuState& cpu) {
  GuestMemory& memory = *cpu.memory;
  ChainSite* came_from = nullptr;
  for (;;) {
    if (cpu.exit_requests) {
      const uint32_t requests = cpu.exit_requests;
      cpu.exit_requests = 0;
      came_from = nullptr;
      if (requests & kExitFlushCode) flush();
      if (requests & kExitToMachine) {
        memory.leave_inline_access();
        return {StopReason::kExitRequest};
      }
    }
    if (cpu.icount >= cpu.icount_limit) {
      memory.leave_inline_access();
      return {StopReason::kIcountLimit};
    }
    const size_t flushes_before = stats_.flushes;
    cpu.insn_index = 0;
    if (env_.jump_cache && memory.mapping_generation() != jump_cache_generation_) {
      clear_jump_cache();
      jump_cache_generation_ = memory.mapping_generation();
    }
    if (llvm_ && llvm_->has_finished()) install_finished();
    if (options_.tier == Tier::kAuto && stats_.dispatcher_entries % 256 == 0) review_regions();
    JitBlock* block = reexecute_insns_ ? reexecution_block(cpu)
                                       : block_for(cpu, cpu.icount_limit - cpu.icount);
    if (stats_.flushes != flushes_before) came_from = nullptr;  // its site is gone
    if (came_from && block->cacheable && came_from->owner->cacheable && !came_from->linked_to &&
        memory.may_chain(came_from->owner->pc, block->pc)) {
      link(*came_from, *block);
    }
    stats_.dispatcher_entries++;
    came_from = enter_(&cpu, block->entry, memory.linear_base());
    if (came_from) cpu.pc = came_from->target_pc;
  }
}

}  // namespace rwd::jit
