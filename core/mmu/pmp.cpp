#include "mmu/pmp.h"

#include <bit>

namespace rwd::mmu {
namespace {

// Inclusive, so that a range reaching the top of the address space needs no 65th bit.
struct ByteRange {
  uint64_t first;
  uint64_t last;

  bool overlaps(const ByteRange& other) const { return first <= other.last && other.first <= last; }
  bool contains(const ByteRange& other) const { return first <= other.first && other.last <= last; }
};

unsigned implemented_entries(const PmpState& state) {
  return state.entry_count < kMaxPmpEntries ? state.entry_count : kMaxPmpEntries;
}

// The bytes entry `index` matches; nullopt when it matches none (OFF, or an empty TOR range).
// The address registers are masked again here so that a PmpState filled in directly (not
// through write_pmpaddr) cannot make the shifts overflow.
std::optional<ByteRange> entry_range(const PmpState& state, unsigned index) {
  const uint64_t addr = state.addr[index] & kPmpAddrMask;
  switch (pmp_address_mode(state.cfg[index])) {
    case PmpAddressMode::kOff:
      return std::nullopt;
    case PmpAddressMode::kTor: {
      // Entry 0 has no entry below it: its range starts at address 0.
      const uint64_t bottom = index == 0 ? 0 : (state.addr[index - 1] & kPmpAddrMask) << 2;
      const uint64_t top = addr << 2;  // exclusive
      if (bottom >= top) return std::nullopt;
      return ByteRange{bottom, top - 1};
    }
    case PmpAddressMode::kNa4:
      return ByteRange{addr << 2, (addr << 2) + 3};
    case PmpAddressMode::kNapot: {
      // The number of trailing ones t encodes a 2^(t+3)-byte range; at most 2^57 here, so the
      // arithmetic stays within 64 bits.
      const int trailing_ones = std::countr_one(addr);
      const uint64_t size = uint64_t{1} << (trailing_ones + 3);
      const uint64_t base = (addr << 2) & ~(size - 1);
      return ByteRange{base, base + (size - 1)};
    }
  }
  return std::nullopt;
}

// Permissions a matching entry grants. Unlocked entries do not constrain M-mode.
AccessPermissions entry_permissions(uint8_t cfg, Privilege privilege) {
  if (privilege == Privilege::kMachine && (cfg & pmpcfg::kL) == 0) return kAllPermissions;
  return {(cfg & pmpcfg::kR) != 0, (cfg & pmpcfg::kW) != 0, (cfg & pmpcfg::kX) != 0};
}

// What an access no entry matches gets: M-mode anything; S and U nothing, as soon as the hart
// implements any entry at all (even if every entry is OFF).
AccessPermissions unmatched_permissions(const PmpState& state, Privilege privilege) {
  if (privilege == Privilege::kMachine || implemented_entries(state) == 0) return kAllPermissions;
  return {};
}

bool is_locked(const PmpState& state, unsigned index) {
  return (state.cfg[index] & pmpcfg::kL) != 0;
}

}  // namespace

bool pmp_allows(const PmpState& state, uint64_t paddr, uint64_t size, AccessType access,
                Privilege privilege) {
  if (size == 0) return true;
  const ByteRange bytes{paddr, paddr + (size - 1)};
  if (bytes.last < bytes.first) return false;  // wraps around: no entry can contain it
  const unsigned count = implemented_entries(state);
  for (unsigned i = 0; i < count; ++i) {
    const std::optional<ByteRange> range = entry_range(state, i);
    if (!range || !range->overlaps(bytes)) continue;
    // A partial match fails whatever L, R, W and X say.
    if (!range->contains(bytes)) return false;
    return entry_permissions(state.cfg[i], privilege).allows(access);
  }
  return unmatched_permissions(state, privilege).allows(access);
}

std::optional<AccessPermissions> pmp_uniform_permissions(const PmpState& state, uint64_t base,
                                                         uint64_t size, Privilege privilege) {
  if (size == 0) return std::nullopt;
  const ByteRange page{base, base + (size - 1)};
  if (page.last < page.first) return std::nullopt;
  const unsigned count = implemented_entries(state);
  for (unsigned i = 0; i < count; ++i) {
    const std::optional<ByteRange> range = entry_range(state, i);
    if (!range || !range->overlaps(page)) continue;
    // The first entry touching the page decides every byte it covers; if it leaves part of the
    // page to lower-priority entries (or to none), an access may straddle its edge and fail
    // where its neighbours succeed, so nothing uniform can be said.
    if (!range->contains(page)) return std::nullopt;
    return entry_permissions(state.cfg[i], privilege);
  }
  return unmatched_permissions(state, privilege);
}

uint64_t read_pmpcfg(const PmpState& state, unsigned cfg_index) {
  if (!pmp_cfg_csr_exists(cfg_index)) return 0;
  const unsigned first = cfg_index * 4;  // pmpcfg2 holds entries 8..15, pmpcfg4 16..23, ...
  const unsigned count = implemented_entries(state);
  uint64_t value = 0;
  for (unsigned byte = 0; byte < kPmpEntriesPerCfg; ++byte) {
    const unsigned entry = first + byte;
    if (entry < count) value |= uint64_t{state.cfg[entry]} << (8 * byte);
  }
  return value;
}

bool write_pmpcfg(PmpState& state, unsigned cfg_index, uint64_t value) {
  if (!pmp_cfg_csr_exists(cfg_index)) return false;
  const unsigned first = cfg_index * 4;
  const unsigned count = implemented_entries(state);
  bool changed = false;
  for (unsigned byte = 0; byte < kPmpEntriesPerCfg; ++byte) {
    const unsigned entry = first + byte;
    if (entry >= count || is_locked(state, entry)) continue;
    const uint8_t cfg = static_cast<uint8_t>(value >> (8 * byte)) & pmpcfg::kWritableBits;
    // R=0,W=1 is reserved. Like QEMU, the whole byte's write is dropped: the entry keeps its
    // previous configuration.
    if ((cfg & pmpcfg::kW) != 0 && (cfg & pmpcfg::kR) == 0) continue;
    changed |= state.cfg[entry] != cfg;
    state.cfg[entry] = cfg;
  }
  return changed;
}

uint64_t read_pmpaddr(const PmpState& state, unsigned addr_index) {
  if (addr_index >= implemented_entries(state)) return 0;
  return state.addr[addr_index] & kPmpAddrMask;
}

bool write_pmpaddr(PmpState& state, unsigned addr_index, uint64_t value) {
  const unsigned count = implemented_entries(state);
  if (addr_index >= count || is_locked(state, addr_index)) return false;
  // A locked TOR entry also freezes its bottom, which is the previous entry's address.
  const unsigned above = addr_index + 1;
  if (above < count && is_locked(state, above) &&
      pmp_address_mode(state.cfg[above]) == PmpAddressMode::kTor) {
    return false;
  }
  const uint64_t addr = value & kPmpAddrMask;
  const bool changed = state.addr[addr_index] != addr;
  state.addr[addr_index] = addr;
  return changed;
}

}  // namespace rwd::mmu
