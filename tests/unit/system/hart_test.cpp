// Hart: the CSR hook (legality, the SEIP read-modify-write rule, TLB flushes), trap return,
// WFI, interrupts, fence.i and FS.
#include "system/hart.h"

#include <gtest/gtest.h>

#include "cpu/code_flags.h"
#include "frontend/helper_ids.h"
#include "priv/trap.h"
#include "system_test_support.h"

namespace rwd::systest {
namespace {

using priv::Priv;
namespace csr = priv::csr;
namespace ms = priv::mstatus;
namespace irq = priv::irq;

constexpr uint32_t kInsn = 0x3002'1073;  // any encoding: it only becomes tval
constexpr uint64_t kSeip = uint64_t{1} << irq::kSEI;
constexpr uint64_t kSsip = uint64_t{1} << irq::kSSI;

class HartTest : public ::testing::Test {
 protected:
  HartTest() { cpu.icount = 11; }

  Outcome csr_op(uint32_t number, uint64_t value, uint32_t op) {
    return guarded(cpu, [&] { return hart.csr(cpu, number, value, op, kInsn); });
  }
  uint64_t csr_read(uint32_t number) {
    const Outcome o = csr_op(number, 0, kCsrRead);
    EXPECT_FALSE(o.faulted) << "csr " << number;
    return o.value;
  }
  void fill_one_tlb_entry() {
    ASSERT_FALSE(guarded(cpu, [&] { return hart.mmu().load(cpu, kRamBase, kMemSize64); }).faulted);
    ASSERT_EQ(cpu.tlb.entries[kTlbMachine][tlb_index(kRamBase)].read_tag, kRamBase);
  }
  bool tlb_entry_valid() {
    return cpu.tlb.entries[kTlbMachine][tlb_index(kRamBase)].read_tag != kTlbInvalidTag;
  }

  system::PhysicalBus bus{kRamBase, kRamSize};
  uint64_t last_mtime_query = ~uint64_t{0};
  system::Hart hart{0, bus, [this](uint64_t retired) {
                      last_mtime_query = retired;
                      return 1000 + retired;
                    }};
  CpuState& cpu = hart.cpu();
  priv::PrivState& s = hart.state();
};

TEST_F(HartTest, ResetStartsInMachineModeAtPc) {
  cpu.x[5] = 1;
  s.priv = Priv::kUser;
  hart.reset(0x1000);
  EXPECT_EQ(cpu.pc, 0x1000u);
  EXPECT_EQ(cpu.x[5], 0u);
  EXPECT_EQ(s.priv, Priv::kMachine);
  EXPECT_EQ(cpu.memory, &hart.mmu());
  EXPECT_EQ(cpu.system, &hart);
  EXPECT_FALSE(hart.waiting_for_interrupt());
}

TEST_F(HartTest, IllegalCsrAccessRaisesWithTheInstructionAndChangesNothing) {
  s.priv = Priv::kUser;
  Outcome o = csr_op(csr::kMstatus, 0, kCsrRead);
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kIllegalInsn);
  EXPECT_EQ(o.tval, kInsn);
  s.priv = Priv::kMachine;
  o = csr_op(csr::kMhartid, 1, kCsrWrite);  // read-only CSR
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kIllegalInsn);
  o = csr_op(0x7ff, 0, kCsrRead);  // not implemented
  ASSERT_TRUE(o.faulted);
  // A read of a read-only CSR is fine.
  EXPECT_FALSE(csr_op(csr::kMhartid, 0, kCsrRead).faulted);
  s.priv = Priv::kSupervisor;
  o = csr_op(csr::kMscratch, 5, kCsrWrite);
  ASSERT_TRUE(o.faulted);
  s.priv = Priv::kMachine;
  EXPECT_EQ(csr_read(csr::kMscratch), 0u);
}

TEST_F(HartTest, CsrOpsReturnTheOldValueAndWriteSetClear) {
  EXPECT_EQ(csr_op(csr::kMscratch, 0xf0f0, kCsrWrite).value, 0u);
  EXPECT_EQ(csr_op(csr::kMscratch, 0x000f, kCsrSet).value, 0xf0f0u);
  EXPECT_EQ(csr_op(csr::kMscratch, 0x00f0, kCsrClear).value, 0xf0ffu);
  EXPECT_EQ(csr_read(csr::kMscratch), 0xf00fu);
}

TEST_F(HartTest, CountersSeeTheRetiredCountBeforeTheCsrInstruction) {
  // icount already includes the CSR instruction itself (it ends its block).
  EXPECT_EQ(csr_read(csr::kInstret), 10u);
  EXPECT_EQ(csr_read(csr::kCycle), 10u);
  EXPECT_EQ(csr_read(csr::kTime), 1010u);
  EXPECT_EQ(last_mtime_query, 10u);
}

// Regression: csrrc/csrrs on mip used to take SEIP from the read value (software bit OR the
// PLIC line), so clearing any other bit while the line was high latched SEIP for good.
TEST_F(HartTest, MipReadModifyWriteDoesNotLatchTheExternalSeipLine) {
  s.mip = kSsip;
  hart.set_external_pending(irq::kSEI, true);
  EXPECT_EQ(csr_read(csr::kMip) & kSeip, kSeip);  // reads show the line
  const Outcome o = csr_op(csr::kMip, kSsip, kCsrClear);
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value & (kSeip | kSsip), kSeip | kSsip);
  EXPECT_EQ(s.mip & kSeip, 0u);
  EXPECT_EQ(s.mip & kSsip, 0u);
  ASSERT_FALSE(csr_op(csr::kMip, uint64_t{1} << irq::kSTI, kCsrSet).faulted);
  EXPECT_EQ(s.mip & kSeip, 0u);
  hart.set_external_pending(irq::kSEI, false);
  EXPECT_EQ(csr_read(csr::kMip) & kSeip, 0u);  // the line dropped: SEIP is gone
  // Software can still set its own SEIP bit explicitly, and it stays after the line drops.
  ASSERT_FALSE(csr_op(csr::kMip, kSeip, kCsrSet).faulted);
  EXPECT_EQ(csr_read(csr::kMip) & kSeip, kSeip);
  hart.set_external_pending(irq::kSEI, true);
  ASSERT_FALSE(csr_op(csr::kMip, kSeip, kCsrClear).faulted);
  EXPECT_EQ(s.mip & kSeip, 0u);
  EXPECT_EQ(s.mip_external & kSeip, kSeip);  // the line itself is the device's
}

TEST_F(HartTest, SatpWriteFlushesTheTlbOnlyWhenTheValueChanges) {
  const uint64_t satp = (uint64_t{8} << 60) | ((kRamBase + 0x10'0000) >> 12);
  fill_one_tlb_entry();
  uint64_t flushes = hart.mmu().stats().tlb_flushes;
  ASSERT_FALSE(csr_op(csr::kSatp, satp, kCsrWrite).faulted);
  EXPECT_EQ(s.satp, satp);
  EXPECT_EQ(hart.mmu().stats().tlb_flushes, flushes + 1);
  EXPECT_FALSE(tlb_entry_valid());

  fill_one_tlb_entry();
  flushes = hart.mmu().stats().tlb_flushes;
  ASSERT_FALSE(csr_op(csr::kSatp, satp, kCsrWrite).faulted);
  EXPECT_EQ(hart.mmu().stats().tlb_flushes, flushes);
  EXPECT_TRUE(tlb_entry_valid());
  // An unsupported mode is ignored (WARL), so nothing is flushed either.
  ASSERT_FALSE(csr_op(csr::kSatp, uint64_t{10} << 60, kCsrWrite).faulted);
  EXPECT_EQ(s.satp, satp);
  EXPECT_TRUE(tlb_entry_valid());
}

TEST_F(HartTest, MstatusMxrWriteFlushesButSumDoesNot) {
  fill_one_tlb_entry();
  ASSERT_FALSE(csr_op(csr::kMstatus, ms::kSUM, kCsrSet).faulted);
  EXPECT_TRUE(tlb_entry_valid());
  ASSERT_FALSE(csr_op(csr::kMstatus, ms::kMXR, kCsrSet).faulted);
  EXPECT_FALSE(tlb_entry_valid());
  EXPECT_NE(cpu.exit_requests & kExitToMachine, 0u);  // mstatus may enable interrupts
}

TEST_F(HartTest, PmpWritesFlushTheTlbWhenTheyChangeSomething) {
  fill_one_tlb_entry();
  ASSERT_FALSE(csr_op(csr::kPmpaddr0, 0x1234, kCsrWrite).faulted);
  EXPECT_FALSE(tlb_entry_valid());
  EXPECT_EQ(csr_read(csr::kPmpaddr0), 0x1234u);
  fill_one_tlb_entry();
  ASSERT_FALSE(csr_op(csr::kPmpcfg0, 0x1f, kCsrWrite).faulted);
  EXPECT_FALSE(tlb_entry_valid());
  EXPECT_EQ(csr_read(csr::kPmpcfg0), 0x1fu);
  fill_one_tlb_entry();
  const uint64_t flushes = hart.mmu().stats().tlb_flushes;
  ASSERT_FALSE(csr_op(csr::kPmpcfg0, 0x1f, kCsrWrite).faulted);  // same value
  EXPECT_EQ(hart.mmu().stats().tlb_flushes, flushes);
  EXPECT_TRUE(tlb_entry_valid());
}

TEST_F(HartTest, MretReturnsMepcInMppAndAsksForTheMachineLoop) {
  s.mepc = 0x8000'1234;
  s.mstatus = (uint64_t{1} << ms::kMPPShift) | ms::kMPIE;
  cpu.exit_requests = 0;
  const Outcome o = guarded(cpu, [&] { return hart.trap_return(cpu, true, kInsn); });
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 0x8000'1234u);
  EXPECT_EQ(s.priv, Priv::kSupervisor);
  EXPECT_NE(s.mstatus & ms::kMIE, 0u);
  EXPECT_NE(cpu.exit_requests & kExitToMachine, 0u);
}

TEST_F(HartTest, TrapReturnsFromTooLowAPrivilegeAreIllegal) {
  s.priv = Priv::kSupervisor;
  cpu.exit_requests = 0;
  Outcome o = guarded(cpu, [&] { return hart.trap_return(cpu, true, kInsn); });
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kIllegalInsn);
  EXPECT_EQ(o.tval, kInsn);
  EXPECT_EQ(s.priv, Priv::kSupervisor);
  s.mstatus |= ms::kTSR;
  o = guarded(cpu, [&] { return hart.trap_return(cpu, false, kInsn); });
  ASSERT_TRUE(o.faulted);
  s.mstatus &= ~ms::kTSR;
  s.sepc = 0x4000;
  o = guarded(cpu, [&] { return hart.trap_return(cpu, false, kInsn); });
  ASSERT_FALSE(o.faulted);
  EXPECT_EQ(o.value, 0x4000u);
  EXPECT_EQ(s.priv, Priv::kUser);
}

TEST_F(HartTest, WfiWaitsWhereLegalAndRaisesWhereNot) {
  cpu.exit_requests = 0;
  Outcome o = guarded(cpu, [&] { return (hart.wfi(cpu, kInsn), uint64_t{0}); });
  ASSERT_FALSE(o.faulted);
  EXPECT_TRUE(hart.waiting_for_interrupt());
  EXPECT_NE(cpu.exit_requests & kExitToMachine, 0u);

  hart.reset(0);
  s.priv = Priv::kUser;
  o = guarded(cpu, [&] { return (hart.wfi(cpu, kInsn), uint64_t{0}); });
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kIllegalInsn);
  EXPECT_EQ(o.tval, kInsn);
  EXPECT_FALSE(hart.waiting_for_interrupt());

  s.priv = Priv::kSupervisor;
  s.mstatus |= ms::kTW;
  o = guarded(cpu, [&] { return (hart.wfi(cpu, kInsn), uint64_t{0}); });
  ASSERT_TRUE(o.faulted);
  EXPECT_FALSE(hart.waiting_for_interrupt());
  s.mstatus &= ~ms::kTW;
  EXPECT_FALSE(guarded(cpu, [&] { return (hart.wfi(cpu, kInsn), uint64_t{0}); }).faulted);
  EXPECT_TRUE(hart.waiting_for_interrupt());
}

TEST_F(HartTest, WfiWakesOnAPendingInterruptEnabledInMieEvenWithMieOff) {
  ASSERT_FALSE(guarded(cpu, [&] { return (hart.wfi(cpu, kInsn), uint64_t{0}); }).faulted);
  hart.set_external_pending(irq::kMTI, true);
  EXPECT_FALSE(hart.wake_if_interrupt_pending());  // not enabled in mie
  EXPECT_TRUE(hart.waiting_for_interrupt());
  s.mie = uint64_t{1} << irq::kMTI;
  ASSERT_EQ(s.mstatus & ms::kMIE, 0u);
  EXPECT_TRUE(hart.wake_if_interrupt_pending());
  EXPECT_FALSE(hart.waiting_for_interrupt());
  EXPECT_FALSE(hart.take_pending_interrupt());  // globally disabled: woken, not taken
  EXPECT_TRUE(hart.wake_if_interrupt_pending());  // not waiting: true
}

TEST_F(HartTest, PendingInterruptsAreTakenByPriority) {
  s.mtvec = 0x8000'0100;
  s.mstatus |= ms::kMIE;
  s.mie = (uint64_t{1} << irq::kMTI) | (uint64_t{1} << irq::kMSI);
  cpu.pc = 0x8000'2000;
  EXPECT_FALSE(hart.take_pending_interrupt());
  hart.set_external_pending(irq::kMTI, true);
  hart.set_external_pending(irq::kMSI, true);
  hart.set_external_pending(irq::kMEI, true);  // pending but not enabled
  ASSERT_TRUE(hart.take_pending_interrupt());
  EXPECT_EQ(s.mcause, priv::kInterruptBit | irq::kMSI);
  EXPECT_EQ(s.mepc, 0x8000'2000u);
  EXPECT_EQ(cpu.pc, 0x8000'0100u);
  EXPECT_EQ(s.mstatus & ms::kMIE, 0u);
  EXPECT_FALSE(hart.take_pending_interrupt());  // now masked by MIE=0
}

TEST_F(HartTest, DelegatedInterruptGoesToSupervisorAndIsNotTakenInMachineMode) {
  s.stvec = 0x8000'0400;
  s.mtvec = 0x8000'0100;
  s.mideleg = uint64_t{1} << irq::kSTI;
  s.mie = uint64_t{1} << irq::kSTI;
  s.mstatus |= ms::kMIE | ms::kSIE;
  s.mip = uint64_t{1} << irq::kSTI;
  EXPECT_FALSE(hart.take_pending_interrupt());  // delegated: never taken in M
  s.priv = Priv::kSupervisor;
  cpu.pc = 0x1234;
  ASSERT_FALSE(guarded(cpu, [&] { return (hart.wfi(cpu, kInsn), uint64_t{0}); }).faulted);
  ASSERT_TRUE(hart.take_pending_interrupt());
  EXPECT_FALSE(hart.waiting_for_interrupt());  // a trap ends WFI
  EXPECT_EQ(s.priv, Priv::kSupervisor);
  EXPECT_EQ(cpu.pc, 0x8000'0400u);
  EXPECT_EQ(s.scause, priv::kInterruptBit | irq::kSTI);
  EXPECT_EQ(s.sepc, 0x1234u);
  EXPECT_EQ(s.mcause, 0u);
}

TEST_F(HartTest, TakeTrapDeliversExceptionsWithTval) {
  s.mtvec = 0x8000'0100;
  cpu.pc = 0x8000'0040;
  hart.take_trap(uint64_t(Cause::kLoadPageFault), 0xdead);
  EXPECT_EQ(cpu.pc, 0x8000'0100u);
  EXPECT_EQ(s.mcause, uint64_t(Cause::kLoadPageFault));
  EXPECT_EQ(s.mtval, 0xdeadu);
  EXPECT_EQ(s.mepc, 0x8000'0040u);
}

TEST_F(HartTest, FenceIRequestsInvalidationOnlyWhenCodeWasWritten) {
  cpu.exit_requests = 0;
  hart.fence_i(cpu);
  EXPECT_EQ(cpu.exit_requests, 0u);
  EXPECT_FALSE(hart.take_code_invalidation_request());

  bus.mark_code_page(kRamBase + 0x3000);
  hart.fence_i(cpu);  // code exists but nothing changed it
  EXPECT_FALSE(hart.take_code_invalidation_request());
  bus.note_ram_write(kRamBase + 0x3010, 4);
  hart.fence_i(cpu);
  EXPECT_NE(cpu.exit_requests & kExitToMachine, 0u);
  EXPECT_TRUE(hart.take_code_invalidation_request());
  EXPECT_FALSE(hart.take_code_invalidation_request());  // taken once
}

TEST_F(HartTest, MarkFpDirtySetsFsDirtyAndSd) {
  s.mstatus |= uint64_t{1} << ms::kFSShift;
  hart.mark_fp_dirty(cpu);
  EXPECT_EQ(s.mstatus & ms::kFS, ms::kFSDirty);
  EXPECT_NE(csr_read(csr::kMstatus) & ms::kSD, 0u);
  EXPECT_EQ(code_flags::fs(hart.mmu().code_flags()), 3u);
}

TEST_F(HartTest, SfenceVmaLegalityAndScope) {
  const uint64_t a = kRamBase, b = kRamBase + 0x5000;
  auto fill = [&](uint64_t pa) {
    ASSERT_FALSE(guarded(cpu, [&] { return hart.mmu().load(cpu, pa, kMemSize8); }).faulted);
  };
  auto valid = [&](uint64_t pa) {
    return cpu.tlb.entries[kTlbMachine][tlb_index(pa)].read_tag == pa;
  };
  fill(a);
  fill(b);
  ASSERT_FALSE(guarded(cpu, [&] { return (hart.sfence_vma(cpu, b, false, kInsn), uint64_t{0}); }).faulted);
  EXPECT_TRUE(valid(a));
  EXPECT_FALSE(valid(b));
  ASSERT_FALSE(guarded(cpu, [&] { return (hart.sfence_vma(cpu, 0, true, kInsn), uint64_t{0}); }).faulted);
  EXPECT_FALSE(valid(a));

  fill(a);
  s.priv = Priv::kUser;
  Outcome o = guarded(cpu, [&] { return (hart.sfence_vma(cpu, 0, true, kInsn), uint64_t{0}); });
  ASSERT_TRUE(o.faulted);
  EXPECT_EQ(o.cause, Cause::kIllegalInsn);
  EXPECT_EQ(o.tval, kInsn);
  s.priv = Priv::kSupervisor;
  s.mstatus |= ms::kTVM;
  o = guarded(cpu, [&] { return (hart.sfence_vma(cpu, 0, true, kInsn), uint64_t{0}); });
  ASSERT_TRUE(o.faulted);
  EXPECT_TRUE(valid(a));  // an illegal fence flushes nothing
}

}  // namespace
}  // namespace rwd::systest
