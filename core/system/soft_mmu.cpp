#include "system/soft_mmu.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "cpu/code_flags.h"
#include "mmu/page_walk.h"

namespace rwd::system {

using mmu::AccessType;
using mmu::Privilege;

namespace {

constexpr uint64_t kPageSize = uint64_t{1} << kTlbPageBits;
constexpr uint64_t kPageMask = ~(kPageSize - 1);

constexpr Privilege privilege_of(TlbMode mode) {
  switch (mode) {
    case kTlbUser: return Privilege::kUser;
    case kTlbMachine: return Privilege::kMachine;
    default: return Privilege::kSupervisor;
  }
}

uint64_t sign_extend(uint64_t v, unsigned bytes) {
  const unsigned shift = 64 - 8 * bytes;
  return uint64_t(int64_t(v << shift) >> shift);
}

uint64_t read_host(const uint8_t* p, unsigned bytes) {
  uint64_t v = 0;
  std::memcpy(&v, p, bytes);  // little-endian host, little-endian guest
  return v;
}

}  // namespace

// Adds the host time of one slow path to the statistics (never guest-visible). Exceptions
// leave by longjmp, skipping the destructor: faulting accesses are not counted.
class SoftMmu::SlowPathTimer {
 public:
  explicit SlowPathTimer(SoftMmu& mmu) : mmu_(mmu) {
    if (mmu.measure_time_) start_ = std::chrono::steady_clock::now();
  }
  ~SlowPathTimer() {
    if (!mmu_.measure_time_) return;
    mmu_.stats_.slow_path_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  SoftMmu& mmu_;
  std::chrono::steady_clock::time_point start_;
};

SoftMmu::SoftMmu(PhysicalBus& bus, CpuState& cpu, const priv::PrivState& priv,
                 const mmu::PmpState& pmp, DebugTraps& debug)
    : bus_(bus), cpu_(cpu), priv_(priv), pmp_(pmp), debug_(debug) {
  flush_tlb();
}

TlbMode SoftMmu::data_mode() const {
  unsigned priv = unsigned(priv_.priv);
  if (priv == 3 && (priv_.mstatus & priv::mstatus::kMPRV)) {
    priv = unsigned((priv_.mstatus & priv::mstatus::kMPP) >> priv::mstatus::kMPPShift);
  }
  switch (priv) {
    case 0: return kTlbUser;
    case 1: return (priv_.mstatus & priv::mstatus::kSUM) ? kTlbSupervisorSum : kTlbSupervisor;
    default: return kTlbMachine;
  }
}

TlbMode SoftMmu::fetch_mode() const {
  switch (priv_.priv) {
    case priv::Priv::kUser: return kTlbUser;
    case priv::Priv::kSupervisor: return kTlbSupervisor;
    default: return kTlbMachine;
  }
}

uint32_t SoftMmu::code_flags() const {
  const unsigned fs = unsigned((priv_.mstatus & priv::mstatus::kFS) >> priv::mstatus::kFSShift);
  return code_flags::make(unsigned(priv_.priv), data_mode(), fs);
}

void SoftMmu::flush_tlb() {
  for (auto& mode : cpu_.tlb.entries) {
    for (TlbEntry& e : mode) e = {kTlbInvalidTag, kTlbInvalidTag, 0, 0};
  }
  for (auto& mode : fetch_tlb_) {
    for (FetchEntry& e : mode) e = FetchEntry{};
  }
  mapping_generation_++;
  superpage_start_ = superpage_end_ = 0;
  filled_satp_ = priv_.satp;
  filled_mxr_ = priv_.mstatus & priv::mstatus::kMXR;
  stats_.tlb_flushes++;
}

void SoftMmu::flush_tlb_page(uint64_t vaddr) {
  if (vaddr >= superpage_start_ && vaddr < superpage_end_) {
    flush_tlb();
    return;
  }
  const uint64_t page = vaddr & kPageMask;
  mapping_generation_++;
  for (auto& mode : cpu_.tlb.entries) {
    TlbEntry& e = mode[tlb_index(vaddr)];
    if (e.read_tag == page || e.write_tag == page) e = {kTlbInvalidTag, kTlbInvalidTag, 0, 0};
  }
  for (auto& mode : fetch_tlb_) {
    FetchEntry& e = mode[(vaddr >> kTlbPageBits) % kFetchEntries];
    if (e.tag == page) e = FetchEntry{};
  }
}

void SoftMmu::revoke_inline_stores() {
  for (auto& mode : cpu_.tlb.entries) {
    for (TlbEntry& e : mode) e.write_tag = kTlbInvalidTag;
  }
}

void SoftMmu::mapping_may_have_changed() {
  if (priv_.satp != filled_satp_ || bool(priv_.mstatus & priv::mstatus::kMXR) != filled_mxr_) {
    flush_tlb();
  }
}

void SoftMmu::watch_tohost(uint64_t paddr, std::function<void(uint64_t)> on_write) {
  tohost_ = paddr;
  on_tohost_ = std::move(on_write);
  flush_tlb();
}

void SoftMmu::raise(Cause cause, uint64_t tval) { raise_exception(cpu_, cause, tval); }

SoftMmu::Translation SoftMmu::translate(uint64_t vaddr, AccessType access, TlbMode mode,
                                        unsigned bytes) {
  Translation t;
  const Privilege privilege = privilege_of(mode);
  const uint64_t satp_mode = priv_.satp >> mmu::satp::kModeShift;
  if (mode == kTlbMachine || satp_mode == mmu::satp::kModeBare) {
    t.paddr = vaddr;
    t.permissions = mmu::kAllPermissions;
  } else {
    stats_.page_walks++;
    mmu::WalkRequest request;
    request.satp = priv_.satp;
    request.vaddr = vaddr;
    request.access = access;
    request.privilege = privilege;
    request.sum = mode == kTlbSupervisorSum;
    request.mxr = priv_.mstatus & priv::mstatus::kMXR;
    request.pmp = &pmp_;
    const mmu::WalkResult walk = mmu::translate(request, bus_);
    if (!walk.ok) {
      t.cause = walk.cause;
      return t;
    }
    t.paddr = walk.paddr;
    t.permissions = walk.permissions;
    t.page_bytes = mmu::page_bytes(walk.page_size);
    // A store through a clean page must walk again so that D gets set.
    if (!walk.dirty) t.permissions.write = false;
  }
  if (!mmu::pmp_allows(pmp_, t.paddr, bytes, access, privilege)) {
    t.cause = mmu::access_fault_cause(access);
    return t;
  }
  const auto uniform =
      mmu::pmp_uniform_permissions(pmp_, t.paddr & kPageMask, kPageSize, privilege);
  t.cacheable = uniform.has_value();
  if (uniform) {
    t.permissions.read &= uniform->read;
    t.permissions.write &= uniform->write;
    t.permissions.execute &= uniform->execute;
  }
  t.ok = true;
  return t;
}

void SoftMmu::fill(TlbMode mode, uint64_t vaddr, const Translation& t, bool for_store) {
  if (!t.cacheable) return;
  note_superpage(vaddr, t.page_bytes);
  const uint64_t vpage = vaddr & kPageMask, ppage = t.paddr & kPageMask;
  const uint8_t* host = bus_.readable_at(ppage, kPageSize);
  if (!host) return;  // devices are never entered
  uint8_t* writable = bus_.ram_at(ppage, kPageSize);
  const bool watched = tohost_ && (*tohost_ & kPageMask) == ppage;
  TlbEntry& e = cpu_.tlb.entries[mode][tlb_index(vaddr)];
  // Accesses a watchpoint may see must reach the slow path, which checks them.
  const bool watching = !debug_.watchpoints().empty();
  e.read_tag = t.permissions.read && !(watching && debug_.page_watched(vpage, false))
                   ? vpage
                   : kTlbInvalidTag;
  // Stores into pages with translated code go the slow way, which notes the change.
  // A page is stored to inline only once it is marked dirty: a load does not grant that to
  // a clean page, so the first store after a checkpoint comes here and marks it.
  const bool store_inline = t.permissions.write && writable && !watched &&
                            !bus_.page_has_code(ppage) &&
                            !(watching && debug_.page_watched(vpage, true)) &&
                            (for_store || bus_.page_dirty(ppage));
  if (store_inline && for_store) bus_.mark_dirty(ppage, kPageSize);
  e.write_tag = store_inline ? vpage : kTlbInvalidTag;
  e.host_offset = reinterpret_cast<uint64_t>(host) - vpage;
  e.phys_page = ppage;
}

void SoftMmu::fill_fetch(TlbMode mode, uint64_t vaddr, const Translation& t) {
  if (!t.cacheable || !t.permissions.execute) return;
  note_superpage(vaddr, t.page_bytes);
  FetchEntry& e = fetch_tlb_[mode][(vaddr >> kTlbPageBits) % kFetchEntries];
  e.tag = vaddr & kPageMask;
  e.phys_page = t.paddr & kPageMask;
}

void SoftMmu::note_superpage(uint64_t vaddr, uint64_t bytes) {
  if (bytes <= kPageSize) return;
  const uint64_t start = vaddr & ~(bytes - 1);
  const uint64_t end = start + bytes < start ? ~uint64_t{0} : start + bytes;  // top of memory
  if (superpage_start_ >= superpage_end_) {
    superpage_start_ = start;
    superpage_end_ = end;
  } else {
    superpage_start_ = std::min(superpage_start_, start);
    superpage_end_ = std::max(superpage_end_, end);
  }
}

void SoftMmu::forget_writable_page(const uint8_t* host_page) {
  const auto host = reinterpret_cast<uint64_t>(host_page);
  for (auto& mode : cpu_.tlb.entries) {
    for (TlbEntry& e : mode) {
      if (e.write_tag != kTlbInvalidTag && e.write_tag + e.host_offset == host) {
        e.write_tag = kTlbInvalidTag;
      }
    }
  }
}

void SoftMmu::check_watchpoints(uint64_t vaddr, unsigned bytes, bool is_write) {
  const std::optional<WatchHit> hit = debug_.check(vaddr, bytes, is_write);
  if (!hit) return;
  // Run alone, the instruction's access is its last act, so the stop comes right after it.
  if (!watch_hits_reported_) raise(Cause::kWatchpointRestart, vaddr);
  debug_.record_hit(*hit);
}

void SoftMmu::check_device_access(uint64_t vaddr) {
  if (!device_access_allowed_) raise(Cause::kDeviceAccessRestart, vaddr);
  stats_.device_accesses++;
}

uint64_t SoftMmu::load(CpuState& cpu, uint64_t vaddr, MemOp op) {
  const unsigned bytes = mem_op_bytes(op);
  if ((op & kMemAligned) && (vaddr & (bytes - 1))) raise(Cause::kLoadMisaligned, vaddr);
  const TlbMode mode = data_mode();
  uint64_t value;
  if ((vaddr & ~kPageMask) + bytes > kPageSize) {
    value = load_crossing(vaddr, bytes, mode);
  } else {
    const TlbEntry& e = cpu.tlb.entries[mode][tlb_index(vaddr)];
    value = e.read_tag == (vaddr & kPageMask)
                ? read_host(reinterpret_cast<const uint8_t*>(vaddr + e.host_offset), bytes)
                : load_slow(vaddr, bytes, mode);
  }
  return (op & kMemSigned) ? sign_extend(value, bytes) : value;
}

uint64_t SoftMmu::load_slow(uint64_t vaddr, unsigned bytes, TlbMode mode) {
  stats_.slow_loads++;
  SlowPathTimer timer(*this);
  const Translation t = translate(vaddr, AccessType::kLoad, mode, bytes);
  if (!t.ok) raise(t.cause, vaddr);
  if (!debug_.watchpoints().empty()) check_watchpoints(vaddr, bytes, false);
  if (const uint8_t* host = bus_.readable_at(t.paddr, bytes)) {
    fill(mode, vaddr, t, false);
    return read_host(host, bytes);
  }
  const PhysicalBus::MmioTarget target = bus_.device_at(t.paddr, bytes);
  if (!target.device) raise(Cause::kLoadAccessFault, vaddr);
  check_device_access(vaddr);
  return target.device->read(target.offset, bytes);
}

uint64_t SoftMmu::load_crossing(uint64_t vaddr, unsigned bytes, TlbMode mode) {
  // Rare (a misaligned access across a page boundary): byte by byte, each translated.
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; ++i) {
    const uint64_t a = vaddr + i;
    const TlbEntry& e = cpu_.tlb.entries[mode][tlb_index(a)];
    const uint64_t byte = e.read_tag == (a & kPageMask)
                              ? *reinterpret_cast<const uint8_t*>(a + e.host_offset)
                              : load_slow(a, 1, mode);
    value |= byte << (8 * i);
  }
  return value;
}

void SoftMmu::store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) {
  const unsigned bytes = mem_op_bytes(op);
  if ((op & kMemAligned) && (vaddr & (bytes - 1))) raise(Cause::kStoreMisaligned, vaddr);
  const TlbMode mode = data_mode();
  if ((vaddr & ~kPageMask) + bytes > kPageSize) {
    store_crossing(vaddr, value, bytes, mode);
    return;
  }
  const TlbEntry& e = cpu.tlb.entries[mode][tlb_index(vaddr)];
  if (e.write_tag == (vaddr & kPageMask)) {
    std::memcpy(reinterpret_cast<uint8_t*>(vaddr + e.host_offset), &value, bytes);
    return;
  }
  store_slow(vaddr, value, bytes, mode);
}

void SoftMmu::store_slow(uint64_t vaddr, uint64_t value, unsigned bytes, TlbMode mode) {
  stats_.slow_stores++;
  SlowPathTimer timer(*this);
  const Translation t = translate(vaddr, AccessType::kStore, mode, bytes);
  if (!t.ok) raise(t.cause, vaddr);
  if (!debug_.watchpoints().empty()) check_watchpoints(vaddr, bytes, true);
  if (tohost_ && t.paddr == *tohost_) {
    check_device_access(vaddr);
    if (uint8_t* host = bus_.ram_at(t.paddr, bytes)) {
      bus_.mark_dirty(t.paddr, bytes);
      std::memcpy(host, &value, bytes);
    }
    on_tohost_(value);
    return;
  }
  if (uint8_t* host = bus_.ram_at(t.paddr, bytes)) {
    bus_.note_ram_write(t.paddr, bytes);
    std::memcpy(host, &value, bytes);
    fill(mode, vaddr, t, true);
    return;
  }
  if (bus_.readable_at(t.paddr, bytes)) return;  // ROM: writes are ignored
  const PhysicalBus::MmioTarget target = bus_.device_at(t.paddr, bytes);
  if (!target.device) raise(Cause::kStoreAccessFault, vaddr);
  check_device_access(vaddr);
  target.device->write(target.offset, bytes, value);
}

void SoftMmu::store_crossing(uint64_t vaddr, uint64_t value, unsigned bytes, TlbMode mode) {
  // Both pages must accept the store before any byte changes, so a fault is precise.
  const uint64_t second = (vaddr & kPageMask) + kPageSize;
  for (uint64_t a : {vaddr, second}) {
    const Translation t = translate(a, AccessType::kStore, mode, 1);
    if (!t.ok) raise(t.cause, a);
    if (!bus_.ram_at(t.paddr, 1)) raise(Cause::kStoreAccessFault, a);
  }
  for (unsigned i = 0; i < bytes; ++i) store_slow(vaddr + i, (value >> (8 * i)) & 0xff, 1, mode);
}

std::optional<uint64_t> SoftMmu::fetch_paddr(uint64_t vaddr, Cause* cause) {
  const TlbMode mode = fetch_mode();
  const FetchEntry& e = fetch_tlb_[mode][(vaddr >> kTlbPageBits) % kFetchEntries];
  if (e.tag == (vaddr & kPageMask)) return e.phys_page | (vaddr & ~kPageMask);
  SlowPathTimer timer(*this);
  const Translation t = translate(vaddr, AccessType::kFetch, mode, 2);
  if (!t.ok) {
    *cause = t.cause;
    return std::nullopt;
  }
  if (!bus_.readable_at(t.paddr, 2)) {
    *cause = Cause::kInsnAccessFault;
    return std::nullopt;
  }
  fill_fetch(mode, vaddr, t);
  return t.paddr;
}

bool SoftMmu::fetch16(uint64_t vaddr, uint16_t* out) {
  Cause cause;
  const std::optional<uint64_t> paddr = fetch_paddr(vaddr, &cause);
  if (!paddr) return false;
  const uint8_t* host = bus_.readable_at(*paddr, 2);
  if (bus_.mark_code_page(*paddr)) {
    // From now on stores to this page must take the slow path, which notices code changes.
    forget_writable_page(bus_.ram_at(*paddr & kPageMask, kPageSize));
  }
  std::memcpy(out, host, 2);
  return true;
}

CodeLocation SoftMmu::locate_code(CpuState& cpu) {
  Cause cause;
  const std::optional<uint64_t> paddr = fetch_paddr(cpu.pc, &cause);
  if (!paddr) raise(cause, cpu.pc);
  return {*paddr, code_flags()};
}

void SoftMmu::raise_fetch_fault(CpuState& cpu, uint64_t vaddr) {
  Cause cause = Cause::kInsnAccessFault;
  fetch_paddr(vaddr, &cause);
  raise(cause, vaddr);
}

namespace {

// Page tables as the debugger reads them: accessed/dirty updates are skipped (reported done),
// so looking at memory never changes the guest.
class DebugPageTables final : public mmu::PageTableMemory {
 public:
  explicit DebugPageTables(PhysicalBus& bus) : bus_(bus) {}
  bool read_pte(uint64_t paddr, uint64_t& value) override { return bus_.read_pte(paddr, value); }
  bool update_pte(uint64_t, uint64_t, uint64_t) override { return true; }

 private:
  PhysicalBus& bus_;
};

}  // namespace

std::optional<uint64_t> SoftMmu::debug_translate(uint64_t vaddr) {
  const TlbMode mode = data_mode();
  const uint64_t satp_mode = priv_.satp >> mmu::satp::kModeShift;
  if (mode == kTlbMachine || satp_mode == mmu::satp::kModeBare) return vaddr;
  mmu::WalkRequest request;
  request.satp = priv_.satp;
  request.vaddr = vaddr;
  request.access = AccessType::kLoad;
  // The debugger sees what the hart could see at any privilege it runs at: user pages from
  // the kernel (SUM) and execute-only code (MXR) too.
  request.privilege = Privilege::kSupervisor;
  request.sum = true;
  request.mxr = true;
  DebugPageTables tables(bus_);
  const mmu::WalkResult walk = mmu::translate(request, tables);
  if (!walk.ok) {
    // A user page is refused to S-mode only by U/SUM rules; try as the user.
    request.privilege = Privilege::kUser;
    const mmu::WalkResult user = mmu::translate(request, tables);
    if (!user.ok) return std::nullopt;
    return user.paddr;
  }
  return walk.paddr;
}

size_t SoftMmu::debug_read(uint64_t vaddr, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t a = vaddr + done;
    const size_t chunk = std::min<size_t>(out.size() - done, kPageSize - (a & ~kPageMask));
    const std::optional<uint64_t> paddr = debug_translate(a);
    if (!paddr) break;
    const uint8_t* host = bus_.readable_at(*paddr, chunk);
    if (!host) break;
    std::memcpy(out.data() + done, host, chunk);
    done += chunk;
  }
  return done;
}

size_t SoftMmu::debug_write(uint64_t vaddr, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const uint64_t a = vaddr + done;
    const size_t chunk = std::min<size_t>(bytes.size() - done, kPageSize - (a & ~kPageMask));
    const std::optional<uint64_t> paddr = debug_translate(a);
    if (!paddr || !bus_.ram_at(*paddr, chunk)) break;
    // Through the bus, so code and dirty-page tracking see the change like a DMA write.
    bus_.write(*paddr, bytes.data() + done, chunk);
    done += chunk;
  }
  return done;
}

bool SoftMmu::cacheable_block(uint64_t pc, uint64_t size_bytes) const {
  return (pc & kPageMask) == ((pc + size_bytes - 1) & kPageMask);
}

bool SoftMmu::may_chain(uint64_t from_pc, uint64_t to_pc) const {
  return (from_pc & kPageMask) == (to_pc & kPageMask);
}

}  // namespace rwd::system
