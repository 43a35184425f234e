#include "priv/csr.h"

#include <gtest/gtest.h>

namespace rwd::priv {
namespace {

struct CsrTest : ::testing::Test {
  PrivState s;
  uint32_t fflags = 0, frm = 0;
  CsrEnv env{100, 7, &fflags, &frm, nullptr};
  uint64_t read(uint32_t n) { return csr_read(s, env, n); }
  uint32_t write(uint32_t n, uint64_t v) { return csr_write(s, env, n, v); }
};

TEST_F(CsrTest, PrivilegeAndReadOnlyRulesFollowTheCsrNumber) {
  s.priv = Priv::kSupervisor;
  EXPECT_FALSE(csr_access_legal(s, csr::kMstatus, false));
  EXPECT_TRUE(csr_access_legal(s, csr::kSstatus, true));
  s.priv = Priv::kUser;
  EXPECT_FALSE(csr_access_legal(s, csr::kSstatus, false));
  s.priv = Priv::kMachine;
  EXPECT_TRUE(csr_access_legal(s, csr::kMhartid, false));
  EXPECT_FALSE(csr_access_legal(s, csr::kMhartid, true)) << "0xf1x is read-only";
  EXPECT_FALSE(csr_access_legal(s, 0x7c0, false)) << "unimplemented custom CSR";
  EXPECT_FALSE(csr_access_legal(s, csr::kPmpcfg0 + 1, false))
      << "odd pmpcfg does not exist on RV64";
  EXPECT_TRUE(csr_access_legal(s, csr::kPmpcfg0 + 2, false));
}

TEST_F(CsrTest, SatpTrapsUnderTvmInSupervisorOnly) {
  s.mstatus = mstatus::kTVM;
  s.priv = Priv::kSupervisor;
  EXPECT_FALSE(csr_access_legal(s, csr::kSatp, false));
  s.priv = Priv::kMachine;
  EXPECT_TRUE(csr_access_legal(s, csr::kSatp, true));
}

TEST_F(CsrTest, CountersAreGatedByCounterEnables) {
  s.priv = Priv::kUser;
  EXPECT_FALSE(csr_access_legal(s, csr::kTime, false));
  s.mcounteren = 2;  // TM
  EXPECT_FALSE(csr_access_legal(s, csr::kTime, false)) << "U also needs scounteren";
  s.scounteren = 2;
  EXPECT_TRUE(csr_access_legal(s, csr::kTime, false));
  EXPECT_FALSE(csr_access_legal(s, csr::kCycle, false));
  s.priv = Priv::kSupervisor;
  s.scounteren = 0;
  EXPECT_TRUE(csr_access_legal(s, csr::kTime, false));
  EXPECT_EQ(read(csr::kTime), 7u);
}

TEST_F(CsrTest, CycleAndInstretFollowTheRetiredCountAndAcceptWrites) {
  EXPECT_EQ(read(csr::kMinstret), 100u);
  write(csr::kMinstret, 1000);
  env.retired = 150;
  EXPECT_EQ(read(csr::kMinstret), 1050u);
  EXPECT_EQ(read(csr::kInstret), 1050u);
  EXPECT_EQ(read(csr::kCycle), 150u);
}

TEST_F(CsrTest, MstatusWarlFieldsAndSstatusView) {
  write(csr::kMstatus, ~0ull);
  const uint64_t v = read(csr::kMstatus);
  EXPECT_EQ((v >> 32) & 3, 2u) << "UXL";
  EXPECT_EQ((v >> 34) & 3, 2u) << "SXL";
  EXPECT_TRUE(v & mstatus::kSD) << "FS dirty sets SD";
  EXPECT_EQ(v & (3ull << 9), 0u) << "no vector unit: VS reads 0";
  EXPECT_EQ(read(csr::kSstatus) & mstatus::kMIE, 0u) << "sstatus hides M fields";
  // MPP = 2 (reserved) keeps the previous mode.
  write(csr::kMstatus, 1ull << mstatus::kMPPShift);
  write(csr::kMstatus, 2ull << mstatus::kMPPShift);
  EXPECT_EQ((read(csr::kMstatus) & mstatus::kMPP) >> mstatus::kMPPShift, 1u);
  // sstatus writes leave M-only fields alone.
  write(csr::kMstatus, mstatus::kMIE);
  write(csr::kSstatus, mstatus::kSIE);
  EXPECT_EQ(read(csr::kMstatus) & (mstatus::kMIE | mstatus::kSIE), mstatus::kMIE | mstatus::kSIE);
}

TEST_F(CsrTest, TranslationRelevantWritesAskForATlbFlush) {
  EXPECT_TRUE(write(csr::kMstatus, mstatus::kSUM) & kEffectFlushTlb);
  EXPECT_FALSE(write(csr::kMstatus, mstatus::kSUM | mstatus::kSIE) & kEffectFlushTlb);
  EXPECT_TRUE(write(csr::kSatp, (8ull << 60) | 0x80000) & kEffectFlushTlb);
  EXPECT_EQ(read(csr::kSatp), (8ull << 60) | 0x80000);
  write(csr::kSatp, (10ull << 60) | 0x1234);  // Sv57: unsupported, ignored
  EXPECT_EQ(read(csr::kSatp), (8ull << 60) | 0x80000);
  write(csr::kSatp, 0x1234);  // Bare: PPN ignored
  EXPECT_EQ(read(csr::kSatp), 0u);
}

TEST_F(CsrTest, InterruptRegistersRespectDelegation) {
  write(csr::kMideleg, ~0ull);
  EXPECT_EQ(read(csr::kMideleg), irq::kSMask);
  write(csr::kMie, ~0ull);
  EXPECT_EQ(read(csr::kSie), irq::kSMask);
  write(csr::kSie, 0);
  EXPECT_EQ(read(csr::kMie), irq::kMMask);
  write(csr::kMip, ~0ull);
  EXPECT_EQ(read(csr::kMip), irq::kSMask) << "M bits come from devices only";
  s.mip_external = 1ull << irq::kMTI;
  EXPECT_EQ(read(csr::kMip), irq::kSMask | (1ull << irq::kMTI));
  write(csr::kMip, 0);
  write(csr::kSip, ~0ull);
  EXPECT_EQ(read(csr::kSip), 1ull << irq::kSSI) << "only SSIP is writable through sip";
}

TEST_F(CsrTest, TvecRejectsReservedModesAndEpcDropsBitZero) {
  write(csr::kMtvec, 0x80000001);
  EXPECT_EQ(read(csr::kMtvec), 0x80000001u);
  write(csr::kMtvec, 0x80000102);
  EXPECT_EQ(read(csr::kMtvec), 0x80000001u);
  write(csr::kMepc, 0x80000003);
  EXPECT_EQ(read(csr::kMepc), 0x80000002u);
  write(csr::kMedeleg, ~0ull);
  EXPECT_EQ(read(csr::kMedeleg) & (1ull << 11), 0u) << "ecall from M is not delegable";
  EXPECT_NE(read(csr::kMedeleg) & (1ull << 8), 0u);
}

TEST_F(CsrTest, FpCsrsNeedFsAndMarkItDirty) {
  s.priv = Priv::kSupervisor;
  EXPECT_FALSE(csr_access_legal(s, csr::kFcsr, false));
  s.mstatus = 1ull << mstatus::kFSShift;  // Initial
  ASSERT_TRUE(csr_access_legal(s, csr::kFcsr, true));
  write(csr::kFcsr, (3 << 5) | 0x11);
  EXPECT_EQ(fflags, 0x11u);
  EXPECT_EQ(frm, 3u);
  EXPECT_EQ(s.mstatus & mstatus::kFS, mstatus::kFSDirty);
  EXPECT_EQ(read(csr::kFcsr), (3u << 5) | 0x11u);
}

TEST_F(CsrTest, IdentityRegisters) {
  s.hart_id = 3;
  EXPECT_EQ(read(csr::kMhartid), 3u);
  EXPECT_EQ(read(csr::kMisa), kMisa);
  EXPECT_EQ(read(csr::kMisa) >> 62, 2u);
  EXPECT_NE(read(csr::kMisa) & (1u << ('S' - 'A')), 0u);
  EXPECT_EQ(read(csr::kMvendorid), 0u);
}

}  // namespace
}  // namespace rwd::priv
