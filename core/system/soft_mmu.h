// The software MMU of the full-system machine: guest virtual addresses to host memory or
// devices, through the TLB in CpuState (which translated code probes inline), the Sv39/Sv48
// page walk and PMP. Also decides how translated code is identified and linked in system
// mode (see GuestMemory).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "cpu/guest_memory.h"
#include "mmu/access.h"
#include "mmu/pmp.h"
#include "priv/priv_state.h"
#include "system/debug_traps.h"
#include "system/physical_bus.h"

namespace rwd::system {

struct MmuStats {
  uint64_t slow_loads = 0;   // loads not served by the TLB (misses and devices)
  uint64_t slow_stores = 0;
  uint64_t page_walks = 0;
  uint64_t device_accesses = 0;
  uint64_t tlb_flushes = 0;
  double slow_path_seconds = 0;  // host time in the above (measured only when asked)
};

class SoftMmu final : public GuestMemory {
 public:
  SoftMmu(PhysicalBus& bus, CpuState& cpu, const priv::PrivState& priv, const mmu::PmpState& pmp,
          DebugTraps& debug);

  uint64_t load(CpuState& cpu, uint64_t vaddr, MemOp op) override;
  void store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) override;
  bool fetch16(uint64_t vaddr, uint16_t* out) override;
  bool debugger_breakpoint_at(uint64_t pc) const override { return debug_.breakpoint_at(pc); }

  CodeLocation locate_code(CpuState& cpu) override;
  [[noreturn]] void raise_fetch_fault(CpuState& cpu, uint64_t vaddr) override;
  bool cacheable_block(uint64_t pc, uint64_t size_bytes) const override;
  bool may_chain(uint64_t from_pc, uint64_t to_pc) const override;
  bool lookup_by_pc_alone() const override { return false; }
  bool uses_tlb() const override { return true; }
  uint64_t mapping_generation() const override { return mapping_generation_; }

  // The TLB a load or store uses now, and the one instruction fetch uses.
  TlbMode data_mode() const;
  TlbMode fetch_mode() const;
  uint32_t code_flags() const;

  void flush_tlb();
  void flush_tlb_page(uint64_t vaddr);
  // No TLB entry lets a store through inline any more (the dirty-page record was taken).
  void revoke_inline_stores();
  // mstatus.MXR or satp may have changed: flush if what the TLB was filled under differs.
  void mapping_may_have_changed();

  // Device accesses (and stores to the HTIF tohost word) are performed only while this is set;
  // otherwise they raise Cause::kDeviceAccessRestart before doing anything.
  void set_device_access_allowed(bool allowed) { device_access_allowed_ = allowed; }
  // A watchpoint access is performed and recorded (DebugTraps::record_hit) only while this is
  // set, when the instruction runs alone; otherwise it raises Cause::kWatchpointRestart first.
  void set_watch_hits_reported(bool on) { watch_hits_reported_ = on; }

  // Debugger access to memory as the hart sees it now (its data translation, without the
  // TLB and without setting accessed/dirty bits): RAM and ROM only, never devices. Returns
  // the bytes done from the start.
  size_t debug_read(uint64_t vaddr, std::span<uint8_t> out);
  size_t debug_write(uint64_t vaddr, std::span<const uint8_t> bytes);
  // The physical address of vaddr for a data access now, if mapped.
  std::optional<uint64_t> debug_translate(uint64_t vaddr);

  // HTIF: a store to this physical address is reported to `on_write` (riscv-tests' tohost).
  void watch_tohost(uint64_t paddr, std::function<void(uint64_t)> on_write);

  const MmuStats& stats() const { return stats_; }
  // Measure host time spent in slow paths (statistics only; costs two clock reads each).
  void set_measure_time(bool on) { measure_time_ = on; }

 private:
  struct Translation {
    bool ok = false;
    Cause cause = Cause::kLoadAccessFault;
    uint64_t paddr = 0;
    bool cacheable = false;            // the whole 4 KiB page may be entered in the TLB
    uint64_t page_bytes = 4096;         // size of the leaf's page (superpages: 2M, 1G, 512G)
    mmu::AccessPermissions permissions;  // what a TLB entry may allow (when cacheable)
  };
  Translation translate(uint64_t vaddr, mmu::AccessType access, TlbMode mode, unsigned bytes);
  void fill(TlbMode mode, uint64_t vaddr, const Translation& t, bool for_store);
  [[noreturn]] void raise(Cause cause, uint64_t tval);
  uint64_t load_slow(uint64_t vaddr, unsigned bytes, TlbMode mode);
  void store_slow(uint64_t vaddr, uint64_t value, unsigned bytes, TlbMode mode);
  uint64_t load_crossing(uint64_t vaddr, unsigned bytes, TlbMode mode);
  void store_crossing(uint64_t vaddr, uint64_t value, unsigned bytes, TlbMode mode);
  // Translates for a fetch; nullopt with *cause set on failure.
  std::optional<uint64_t> fetch_paddr(uint64_t vaddr, Cause* cause);
  void forget_writable_page(const uint8_t* host_page);
  void check_device_access(uint64_t vaddr);
  void check_watchpoints(uint64_t vaddr, unsigned bytes, bool is_write);

  PhysicalBus& bus_;
  CpuState& cpu_;
  const priv::PrivState& priv_;
  const mmu::PmpState& pmp_;
  // The instruction-fetch TLB (only C++ reads it: the dispatcher and the translator).
  struct FetchEntry {
    uint64_t tag = kTlbInvalidTag;
    uint64_t phys_page = 0;
  };
  void fill_fetch(TlbMode mode, uint64_t vaddr, const Translation& t);
  static constexpr unsigned kFetchEntries = 256;
  FetchEntry fetch_tlb_[kTlbModes][kFetchEntries];
  uint64_t filled_satp_ = 0;
  bool filled_mxr_ = false;
  DebugTraps& debug_;
  bool device_access_allowed_ = false;
  bool watch_hits_reported_ = false;
  bool measure_time_ = false;
  uint64_t mapping_generation_ = 0;
  // The virtual range covering every superpage entered since the last full flush (as QEMU):
  // an address flush inside it must drop every 4 KiB piece of a superpage, which only a full
  // flush finds. Empty when start >= end.
  uint64_t superpage_start_ = 0, superpage_end_ = 0;
  void note_superpage(uint64_t vaddr, uint64_t bytes);
  class SlowPathTimer;
  std::optional<uint64_t> tohost_;
  std::function<void(uint64_t)> on_tohost_;
  MmuStats stats_;
};

}  // namespace rwd::system
