#include "devices/plic.h"

#include <stdexcept>
#include <string>

#include "devices/device_support.h"

namespace rwd::dev {

namespace {

constexpr uint8_t kStateVersion = 1;
// Source 0 does not exist: its enable and pending bits read as zero.
constexpr uint32_t kSourceZeroBit = 1;

}  // namespace

Plic::Plic(unsigned hart_count, HartInterrupts& harts) : harts_(harts) {
  if (hart_count == 0 || hart_count > kMaxHarts) {
    throw std::invalid_argument("plic: hart count must be 1.." + std::to_string(kMaxHarts));
  }
  s_.enable.resize(size_t(hart_count) * kContextsPerHart);
  s_.threshold.resize(size_t(hart_count) * kContextsPerHart);
  reset();
}

void Plic::reset() {
  const size_t contexts = s_.threshold.size();
  s_ = State{};
  s_.enable.assign(contexts, Bits{});
  s_.threshold.assign(contexts, 0);
  update_outputs();
}

uint32_t Plic::pending_word(unsigned word) const {
  return s_.input_level[word] & ~s_.claimed[word];
}

// The source a claim by `context` would return: pending, enabled, priority above the
// threshold, highest priority first and the lowest id among equals. 0 if there is none.
unsigned Plic::best_source(unsigned context) const {
  unsigned best = 0;
  uint32_t best_priority = s_.threshold[context];
  for (unsigned word = 0; word < kWords; ++word) {
    uint32_t candidates = pending_word(word) & s_.enable[context][word];
    while (candidates != 0) {
      const unsigned bit = unsigned(__builtin_ctz(candidates));
      candidates &= candidates - 1;
      const unsigned source = word * 32 + bit;
      // Strictly greater: an equal priority found later has a higher id and loses the tie.
      if (s_.priority[source] > best_priority) {
        best = source;
        best_priority = s_.priority[source];
      }
    }
  }
  return best;
}

void Plic::update_outputs() {
  for (unsigned context = 0; context < context_count(); ++context) {
    const unsigned hart = context / kContextsPerHart;
    const unsigned mip_bit =
        context % kContextsPerHart == 0 ? HartInterrupts::kMeip : HartInterrupts::kSeip;
    harts_.set_pending(hart, mip_bit, best_source(context) != 0);
  }
}

void Plic::set_irq(unsigned source, bool level) {
  if (source == 0 || source >= kSourceCount) return;
  const uint32_t bit = 1u << (source % 32);
  uint32_t& word = s_.input_level[source / 32];
  if (((word & bit) != 0) == level) return;
  word = level ? (word | bit) : (word & ~bit);
  update_outputs();
}

unsigned Plic::claim(unsigned context) {
  const unsigned source = best_source(context);
  if (source != 0) {
    s_.claimed[source / 32] |= 1u << (source % 32);
    update_outputs();
  }
  return source;
}

void Plic::complete(unsigned source) {
  // QEMU accepts a completion from any context, enabled or not, and so do we: Linux may move
  // an interrupt's affinity between its claim and its completion.
  if (source == 0 || source >= kSourceCount) return;
  s_.claimed[source / 32] &= ~(1u << (source % 32));
  update_outputs();
}

uint64_t Plic::read_context(unsigned context, uint64_t reg) {
  if (reg == kThresholdOffset) return s_.threshold[context];
  if (reg == kClaimOffset) return claim(context);
  return 0;
}

void Plic::write_context(unsigned context, uint64_t reg, uint32_t value) {
  if (reg == kThresholdOffset) {
    s_.threshold[context] = value & kMaxPriority;  // WARL: only the implemented bits
    update_outputs();
  } else if (reg == kClaimOffset) {
    complete(value);
  }
}

uint64_t Plic::read(uint64_t offset, unsigned bytes) {
  if (!is_aligned_word_access(offset, bytes, kMmioSize)) return 0;
  if (offset < kPendingBase) {
    const uint64_t source = (offset - kPriorityBase) / 4;
    return source < kSourceCount ? s_.priority[source] : 0;
  }
  if (offset < kEnableBase) {
    const uint64_t word = (offset - kPendingBase) / 4;
    return word < kWords ? pending_word(unsigned(word)) : 0;
  }
  if (offset < kContextBase) {
    const uint64_t context = (offset - kEnableBase) / kEnableStride;
    const uint64_t word = (offset - kEnableBase) % kEnableStride / 4;
    if (context >= context_count() || word >= kWords) return 0;
    return s_.enable[context][word];
  }
  const uint64_t context = (offset - kContextBase) / kContextStride;
  if (context >= context_count()) return 0;
  return read_context(unsigned(context), (offset - kContextBase) % kContextStride);
}

void Plic::write(uint64_t offset, unsigned bytes, uint64_t value) {
  if (!is_aligned_word_access(offset, bytes, kMmioSize)) return;
  const auto word_value = uint32_t(value);
  if (offset < kPendingBase) {
    const uint64_t source = (offset - kPriorityBase) / 4;
    if (source == 0 || source >= kSourceCount) return;
    s_.priority[source] = word_value & kMaxPriority;  // WARL, as QEMU
    update_outputs();
    return;
  }
  if (offset < kEnableBase) return;  // pending bits are read-only
  if (offset < kContextBase) {
    const uint64_t context = (offset - kEnableBase) / kEnableStride;
    const uint64_t word = (offset - kEnableBase) % kEnableStride / 4;
    if (context >= context_count() || word >= kWords) return;
    s_.enable[context][word] = word == 0 ? (word_value & ~kSourceZeroBit) : word_value;
    update_outputs();
    return;
  }
  const uint64_t context = (offset - kContextBase) / kContextStride;
  if (context >= context_count()) return;
  write_context(unsigned(context), (offset - kContextBase) % kContextStride, word_value);
}

void Plic::save(StateWriter& out) const {
  write_state_version(out, kStateVersion);
  out.u32(hart_count());
  for (unsigned source = 1; source < kSourceCount; ++source) out.u8(uint8_t(s_.priority[source]));
  for (unsigned word = 0; word < kWords; ++word) out.u32(s_.input_level[word]);
  for (unsigned word = 0; word < kWords; ++word) out.u32(s_.claimed[word]);
  for (unsigned context = 0; context < context_count(); ++context) {
    for (unsigned word = 0; word < kWords; ++word) out.u32(s_.enable[context][word]);
    out.u8(uint8_t(s_.threshold[context]));
  }
}

void Plic::load(StateReader& in) {
  expect_state_version(in, kStateVersion, "plic");
  if (in.u32() != hart_count()) throw StateError("plic: state is for a different hart count");
  State s;
  for (unsigned source = 1; source < kSourceCount; ++source) {
    s.priority[source] = in.u8();
    if (s.priority[source] > kMaxPriority) throw StateError("plic: priority out of range");
  }
  for (unsigned word = 0; word < kWords; ++word) s.input_level[word] = in.u32();
  for (unsigned word = 0; word < kWords; ++word) s.claimed[word] = in.u32();
  if ((s.input_level[0] | s.claimed[0]) & kSourceZeroBit) {
    throw StateError("plic: source 0 cannot be raised or claimed");
  }
  s.enable.resize(context_count());
  s.threshold.resize(context_count());
  for (unsigned context = 0; context < context_count(); ++context) {
    for (unsigned word = 0; word < kWords; ++word) s.enable[context][word] = in.u32();
    s.threshold[context] = in.u8();
    if (s.enable[context][0] & kSourceZeroBit) throw StateError("plic: source 0 enabled");
    if (s.threshold[context] > kMaxPriority) throw StateError("plic: threshold out of range");
  }
  s_ = std::move(s);
  update_outputs();
}

}  // namespace rwd::dev
