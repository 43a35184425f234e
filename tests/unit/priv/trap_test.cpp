#include "priv/trap.h"

#include <gtest/gtest.h>

namespace rwd::priv {
namespace {

constexpr uint64_t kIllegal = 2, kEcallU = 8, kLoadPageFault = 13;

TEST(Trap, ExceptionGoesToMachineUnlessDelegated) {
  PrivState s;
  s.priv = Priv::kUser;
  s.mtvec = 0x80000000;
  s.stvec = 0xffff0000;
  s.mstatus = mstatus::kMIE;
  EXPECT_EQ(enter_trap(s, 0x1000, kEcallU, 0), 0x80000000u);
  EXPECT_EQ(s.priv, Priv::kMachine);
  EXPECT_EQ(s.mepc, 0x1000u);
  EXPECT_EQ(s.mcause, kEcallU);
  EXPECT_EQ(s.mstatus & mstatus::kMIE, 0u);
  EXPECT_NE(s.mstatus & mstatus::kMPIE, 0u);
  EXPECT_EQ(s.mstatus & mstatus::kMPP, 0u) << "came from U";

  PrivState d;
  d.priv = Priv::kUser;
  d.medeleg = 1ull << kLoadPageFault;
  d.stvec = 0xffff0000;
  d.mstatus = mstatus::kSIE;
  EXPECT_EQ(enter_trap(d, 0x2000, kLoadPageFault, 0xdead), 0xffff0000u);
  EXPECT_EQ(d.priv, Priv::kSupervisor);
  EXPECT_EQ(d.sepc, 0x2000u);
  EXPECT_EQ(d.stval, 0xdeadu);
  EXPECT_EQ(d.mstatus & mstatus::kSPP, 0u);
  EXPECT_NE(d.mstatus & mstatus::kSPIE, 0u);
  EXPECT_EQ(d.mstatus & mstatus::kSIE, 0u);
}

TEST(Trap, DelegationNeverTakesATrapOutOfMachineMode) {
  PrivState s;
  s.priv = Priv::kMachine;
  s.medeleg = ~0ull;
  s.mtvec = 0x100;
  EXPECT_EQ(enter_trap(s, 0x10, kIllegal, 0), 0x100u);
  EXPECT_EQ(s.priv, Priv::kMachine);
  EXPECT_EQ((s.mstatus & mstatus::kMPP) >> mstatus::kMPPShift, 3u);
}

TEST(Trap, VectoredModeOffsetsInterruptsOnly) {
  PrivState s;
  s.mtvec = 0x1001;
  EXPECT_EQ(enter_trap(s, 0, kInterruptBit | irq::kMTI, 0), 0x1000u + 4 * irq::kMTI);
  PrivState t;
  t.mtvec = 0x1001;
  EXPECT_EQ(enter_trap(t, 0, kIllegal, 0), 0x1000u);
}

TEST(Trap, MretRestoresModeAndEnablesAndClearsMprvBelowMachine) {
  PrivState s;
  s.mstatus = mstatus::kMPIE | (1ull << mstatus::kMPPShift) | mstatus::kMPRV;
  s.mepc = 0x80200000;
  EXPECT_EQ(return_from_machine(s).value(), 0x80200000u);
  EXPECT_EQ(s.priv, Priv::kSupervisor);
  EXPECT_NE(s.mstatus & mstatus::kMIE, 0u);
  EXPECT_NE(s.mstatus & mstatus::kMPIE, 0u);
  EXPECT_EQ(s.mstatus & mstatus::kMPP, 0u);
  EXPECT_EQ(s.mstatus & mstatus::kMPRV, 0u);
  EXPECT_FALSE(return_from_machine(s)) << "mret from S is illegal";
}

TEST(Trap, SretHonoursTsrAndSpp) {
  PrivState s;
  s.priv = Priv::kSupervisor;
  s.mstatus = mstatus::kTSR;
  EXPECT_FALSE(return_from_supervisor(s));
  s.mstatus = mstatus::kSPP | mstatus::kSPIE;
  s.sepc = 0x4000;
  EXPECT_EQ(return_from_supervisor(s).value(), 0x4000u);
  EXPECT_EQ(s.priv, Priv::kSupervisor);
  EXPECT_NE(s.mstatus & mstatus::kSIE, 0u);
  EXPECT_EQ(s.mstatus & mstatus::kSPP, 0u);
  s.priv = Priv::kUser;
  EXPECT_FALSE(return_from_supervisor(s));
}

TEST(Interrupts, PriorityOrderIsMeiMsiMtiSeiSsiSti) {
  PrivState s;
  s.priv = Priv::kUser;
  s.mie = ~0ull;
  s.mip = irq::kSMask;
  s.mip_external = irq::kMMask;
  const unsigned order[] = {irq::kMEI, irq::kMSI, irq::kMTI, irq::kSEI, irq::kSSI, irq::kSTI};
  for (unsigned expected : order) {
    auto taken = interrupt_to_take(s);
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, kInterruptBit | expected);
    s.mip &= ~(1ull << expected);
    s.mip_external &= ~(1ull << expected);
  }
  EXPECT_FALSE(interrupt_to_take(s));
}

TEST(Interrupts, GlobalEnablesDependOnModeAndDelegation) {
  PrivState s;
  s.mie = 1ull << irq::kMTI | 1ull << irq::kSTI;
  s.mip_external = 1ull << irq::kMTI;
  s.priv = Priv::kMachine;
  EXPECT_FALSE(interrupt_to_take(s)) << "M with MIE clear";
  s.mstatus = mstatus::kMIE;
  EXPECT_TRUE(interrupt_to_take(s));
  s.mstatus = 0;
  s.priv = Priv::kSupervisor;
  EXPECT_TRUE(interrupt_to_take(s)) << "M-level interrupts are always enabled below M";

  PrivState d;
  d.mideleg = 1ull << irq::kSTI;
  d.mie = 1ull << irq::kSTI;
  d.mip = 1ull << irq::kSTI;
  d.priv = Priv::kMachine;
  d.mstatus = mstatus::kMIE | mstatus::kSIE;
  EXPECT_FALSE(interrupt_to_take(d)) << "delegated interrupts are masked in M";
  d.priv = Priv::kSupervisor;
  d.mstatus = 0;
  EXPECT_FALSE(interrupt_to_take(d)) << "S with SIE clear";
  d.priv = Priv::kUser;
  EXPECT_EQ(interrupt_to_take(d).value(), kInterruptBit | irq::kSTI);
  EXPECT_TRUE(wfi_should_wake(d));
}

TEST(Interrupts, WfiAndSfenceLegality) {
  PrivState s;
  EXPECT_TRUE(wfi_legal(s));
  s.priv = Priv::kSupervisor;
  EXPECT_TRUE(wfi_legal(s));
  s.mstatus = mstatus::kTW | mstatus::kTVM;
  EXPECT_FALSE(wfi_legal(s));
  EXPECT_FALSE(sfence_vma_legal(s));
  s.priv = Priv::kUser;
  s.mstatus = 0;
  EXPECT_FALSE(wfi_legal(s));
  EXPECT_FALSE(sfence_vma_legal(s));
}

}  // namespace
}  // namespace rwd::priv
