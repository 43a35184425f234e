// A hart on a 16 MiB bus, with helpers to switch privilege and translation mode and to make
// guarded accesses through its SoftMmu (the fixture of the SoftMmu tests).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "frontend/helper_ids.h"
#include "priv/csr.h"
#include "system/hart.h"
#include "system_test_support.h"

namespace rwd::systest {

inline constexpr uint64_t kPtPool = kRamBase + 0x10'0000;  // page-table pages
inline constexpr uint64_t kData = kRamBase + 0x20'0000;    // data pages used as targets

class MmuTest : public ::testing::Test {
 protected:
  MmuTest() {
    cpu.icount = 1;
    // PMP entry 0: NAPOT over the whole physical space, RWX, so S and U may access anything.
    csr_write(priv::csr::kPmpaddr0, mmu::kPmpAddrMask);
    csr_write(priv::csr::kPmpcfg0, mmu::pmpcfg::kR | mmu::pmpcfg::kW | mmu::pmpcfg::kX |
                                       (uint64_t(mmu::PmpAddressMode::kNapot) << mmu::pmpcfg::kModeShift));
  }

  void csr_write(uint32_t number, uint64_t value) {
    const Outcome o = guarded(cpu, [&] { return hart.csr(cpu, number, value, kCsrWrite, 0); });
    ASSERT_FALSE(o.faulted) << "csr " << number;
  }

  // Supervisor mode with Sv39 through `pt`.
  void enter(priv::Priv p, bool paged = true) {
    hart.state().priv = p;
    hart.state().satp = paged ? pt.satp() : 0;
    mmu.mapping_may_have_changed();
  }
  void set_mstatus_bit(uint64_t bit, bool on) {
    if (on) {
      hart.state().mstatus |= bit;
    } else {
      hart.state().mstatus &= ~bit;
    }
  }

  Outcome load(uint64_t va, MemOp op = kMemSize64) {
    return guarded(cpu, [&] { return mmu.load(cpu, va, op); });
  }
  Outcome store(uint64_t va, uint64_t value, MemOp op = kMemSize64) {
    return guarded(cpu, [&] {
      mmu.store(cpu, va, value, op);
      return uint64_t{0};
    });
  }
  Outcome locate(uint64_t pc) {
    cpu.pc = pc;
    Outcome o = guarded(cpu, [&] { return mmu.locate_code(cpu).phys; });
    return o;
  }

  uint64_t phys64(uint64_t pa) {
    uint64_t v = 0;
    bus.read(pa, &v, 8);
    return v;
  }
  void poke64(uint64_t pa, uint64_t v) { std::memcpy(bus.ram_at(pa, 8), &v, 8); }
  const TlbEntry& entry(TlbMode mode, uint64_t va) { return cpu.tlb.entries[mode][tlb_index(va)]; }
  // The host address a TLB entry maps `va` to.
  uint64_t host_of(TlbMode mode, uint64_t va) { return va + entry(mode, va).host_offset; }
  uint64_t host_ram(uint64_t pa) { return reinterpret_cast<uint64_t>(bus.ram_at(pa, 1)); }

  system::PhysicalBus bus{kRamBase, kRamSize};
  system::Hart hart{0, bus, [](uint64_t retired) { return retired / 100; }};
  CpuState& cpu = hart.cpu();
  system::SoftMmu& mmu = hart.mmu();
  Sv39Tables pt{bus, kPtPool};
};

inline constexpr uint64_t kRWAD = mmu::pte::kR | mmu::pte::kW | mmu::pte::kA | mmu::pte::kD;
inline constexpr uint64_t kRWXAD = kRWAD | mmu::pte::kX;

}  // namespace rwd::systest
