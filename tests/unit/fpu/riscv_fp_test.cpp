// The instruction-level helpers: NaN-boxing of single-precision operands and results, DYN
// rounding-mode resolution, flag accrual in CpuState, result widening for integer results and
// the exported helper table.
#include "fpu/riscv_fp.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fp_test_support.h"
#include "fpu/softfloat.h"

namespace rwd::fpu {
namespace {

using testing::hex;

constexpr uint64_t kBoxedOne = 0xffffffff3f800000;  // 1.0f
constexpr uint64_t kBoxedTwo = 0xffffffff40000000;  // 2.0f
constexpr uint64_t kBoxedNaN = 0xffffffff7fc00000;
constexpr uint64_t kDoubleOne = 0x3ff0000000000000;
constexpr uint64_t kRmDynamic = kRoundDynamic;

class RiscvFpTest : public ::testing::Test {
 protected:
  CpuState cpu_{};
};

TEST_F(RiscvFpTest, SingleResultsAreNaNBoxed) {
  EXPECT_EQ(hex(fp_fadd_s(&cpu_, kBoxedOne, kBoxedOne, kRoundNearestEven)), hex(kBoxedTwo));
  EXPECT_EQ(hex(fp_fcvt_s_w(&cpu_, 2, kRoundNearestEven)), hex(kBoxedTwo));
  EXPECT_EQ(hex(fp_fcvt_s_d(&cpu_, 0x4000000000000000, kRoundNearestEven)), hex(kBoxedTwo));
  EXPECT_EQ(hex(fp_fsgnjn_s(&cpu_, kBoxedOne, kBoxedOne)), hex(0xffffffffbf800000));
  EXPECT_EQ(hex(fp_fmin_s(&cpu_, kBoxedOne, kBoxedTwo)), hex(kBoxedOne));
  EXPECT_EQ(cpu_.fflags, 0u);
}

TEST_F(RiscvFpTest, ImproperlyBoxedSingleInputsReadAsCanonicalNaN) {
  const uint64_t unboxed_values[] = {0x000000003f800000, 0x7fffffff3f800000, 0x3ff0000000000000,
                                     0xfffffffe3f800000};
  for (uint64_t bad : unboxed_values) {
    cpu_.fflags = 0;
    EXPECT_EQ(hex(fp_fadd_s(&cpu_, bad, kBoxedOne, kRoundNearestEven)), hex(kBoxedNaN));
    EXPECT_EQ(hex(fp_fmul_s(&cpu_, kBoxedOne, bad, kRoundNearestEven)), hex(kBoxedNaN));
    EXPECT_EQ(hex(fp_fmadd_s(&cpu_, kBoxedOne, kBoxedOne, bad, kRoundNearestEven)), hex(kBoxedNaN));
    // The canonical NaN is quiet: arithmetic raises nothing.
    EXPECT_EQ(cpu_.fflags, 0u);
    // fsgnj works on the unboxed canonical NaN's bits, and boxes the result.
    EXPECT_EQ(hex(fp_fsgnj_s(&cpu_, bad, kBoxedOne)), hex(kBoxedNaN));
    EXPECT_EQ(hex(fp_fsgnjn_s(&cpu_, bad, kBoxedOne)), hex(0xffffffffffc00000));
    EXPECT_EQ(hex(fp_fsgnj_s(&cpu_, kBoxedOne, bad)), hex(kBoxedOne));  // sign of +NaN
    EXPECT_EQ(hex(fp_fsgnjx_s(&cpu_, 0xffffffffbf800000, bad)), hex(0xffffffffbf800000));
    EXPECT_EQ(fp_fclass_s(&cpu_, bad), uint64_t{kClassQuietNaN});
    // min with one NaN returns the other operand; conversion of NaN saturates.
    EXPECT_EQ(hex(fp_fmax_s(&cpu_, bad, kBoxedTwo)), hex(kBoxedTwo));
    EXPECT_EQ(hex(fp_fcvt_d_s(&cpu_, bad, kRoundNearestEven)), hex(kCanonicalNaN64));
    EXPECT_EQ(cpu_.fflags, 0u);
    EXPECT_EQ(fp_fcvt_w_s(&cpu_, bad, kRoundTowardZero), uint64_t{0x7fffffff});
    EXPECT_EQ(cpu_.fflags, uint32_t{kFlagNV});
    cpu_.fflags = 0;
    EXPECT_EQ(fp_feq_s(&cpu_, bad, bad), 0u);
    EXPECT_EQ(cpu_.fflags, 0u);  // quiet NaN: feq stays quiet
    EXPECT_EQ(fp_flt_s(&cpu_, bad, kBoxedOne), 0u);
    EXPECT_EQ(cpu_.fflags, uint32_t{kFlagNV});
  }
}

TEST_F(RiscvFpTest, DoubleFsgnjIsPureBitManipulation) {
  const uint64_t snan = 0x7ff0000000000001;
  EXPECT_EQ(hex(fp_fsgnj_d(&cpu_, snan, 0x8000000000000000)), hex(0xfff0000000000001));
  EXPECT_EQ(hex(fp_fsgnjn_d(&cpu_, kDoubleOne, kDoubleOne)), hex(0xbff0000000000000));
  EXPECT_EQ(hex(fp_fsgnjx_d(&cpu_, 0xbff0000000000000, 0xbff0000000000000)), hex(kDoubleOne));
  EXPECT_EQ(cpu_.fflags, 0u);  // fsgnj never raises, even on sNaN
}

TEST_F(RiscvFpTest, DynamicRoundingModeUsesFrm) {
  // 1 + 2^-24 in single precision is a tie: RNE gives 1, RUP and RMM give 1 + 2^-23.
  const uint64_t tiny = 0xffffffff33800000;
  cpu_.frm = kRoundUp;
  EXPECT_EQ(hex(fp_fadd_s(&cpu_, kBoxedOne, tiny, kRmDynamic)), hex(0xffffffff3f800001));
  cpu_.frm = kRoundNearestEven;
  EXPECT_EQ(hex(fp_fadd_s(&cpu_, kBoxedOne, tiny, kRmDynamic)), hex(kBoxedOne));
  cpu_.frm = kRoundNearestMax;
  EXPECT_EQ(hex(fp_fadd_s(&cpu_, kBoxedOne, tiny, kRmDynamic)), hex(0xffffffff3f800001));
  // A static rm overrides frm.
  EXPECT_EQ(hex(fp_fadd_s(&cpu_, kBoxedOne, tiny, kRoundTowardZero)), hex(kBoxedOne));
  cpu_.frm = kRoundDown;
  EXPECT_EQ(fp_fcvt_l_d(&cpu_, 0xbff8000000000000, kRmDynamic), static_cast<uint64_t>(-2));
  EXPECT_EQ(fp_fcvt_l_d(&cpu_, 0xbff8000000000000, kRoundTowardZero), static_cast<uint64_t>(-1));
}

TEST_F(RiscvFpTest, FlagsAccumulate) {
  cpu_.fflags = kFlagDZ;
  fp_fdiv_d(&cpu_, kDoubleOne, 0x4008000000000000, kRoundNearestEven);  // 1/3: inexact
  EXPECT_EQ(cpu_.fflags, uint32_t{kFlagDZ | kFlagNX});
  fp_fsqrt_d(&cpu_, 0xbff0000000000000, kRoundNearestEven);
  EXPECT_EQ(cpu_.fflags, uint32_t{kFlagDZ | kFlagNX | kFlagNV});
}

TEST_F(RiscvFpTest, IntegerResultsAreSignExtendedFromThirtyTwoBits) {
  // fcvt.wu.s of 3e9 = 0xb2d05e00 is sign-extended like every W result.
  EXPECT_EQ(hex(fp_fcvt_wu_s(&cpu_, 0xffffffff4f32d05e, kRoundTowardZero)),
            hex(0xffffffffb2d05e00));
  EXPECT_EQ(hex(fp_fcvt_w_d(&cpu_, 0xc000000000000000, kRoundTowardZero)), hex(0xfffffffffffffffe));
  EXPECT_EQ(hex(fp_fcvt_wu_d(&cpu_, 0x7ff8000000000000, kRoundTowardZero)),
            hex(0xffffffffffffffff));  // NaN -> UINT32_MAX, sign-extended
  EXPECT_EQ(hex(fp_fcvt_lu_d(&cpu_, 0xfff0000000000000, kRoundTowardZero)), hex(uint64_t{0}));
  EXPECT_EQ(fp_feq_d(&cpu_, kDoubleOne, kDoubleOne), 1u);
  EXPECT_EQ(fp_fle_s(&cpu_, kBoxedTwo, kBoxedOne), 0u);
  EXPECT_EQ(fp_fclass_d(&cpu_, 0x8000000000000000), uint64_t{kClassNegZero});
}

TEST_F(RiscvFpTest, IntegerInputsUseTheLowThirtyTwoBitsForWForms) {
  // Upper bits of the x register are ignored by the W forms.
  EXPECT_EQ(hex(fp_fcvt_s_w(&cpu_, 0x12345678ffffffff, kRoundNearestEven)),
            hex(0xffffffffbf800000));  // -1
  EXPECT_EQ(hex(fp_fcvt_d_wu(&cpu_, 0x12345678ffffffff, kRoundNearestEven)),
            hex(0x41efffffffe00000));  // 4294967295
  EXPECT_EQ(hex(fp_fcvt_d_l(&cpu_, 0xffffffffffffffff, kRoundNearestEven)),
            hex(0xbff0000000000000));
  EXPECT_EQ(hex(fp_fcvt_s_lu(&cpu_, 0xffffffffffffffff, kRoundNearestEven)),
            hex(0xffffffff5f800000));  // 2^64
  EXPECT_EQ(cpu_.fflags, uint32_t{kFlagNX});
}

TEST_F(RiscvFpTest, FusedVariantsNegateTheRightTerms) {
  const uint64_t three = 0x4008000000000000;
  const uint64_t two = 0x4000000000000000;
  // a*b = 6, c = 1.
  EXPECT_EQ(hex(fp_fmadd_d(&cpu_, three, two, kDoubleOne, 0)), hex(0x401c000000000000));   // 7
  EXPECT_EQ(hex(fp_fmsub_d(&cpu_, three, two, kDoubleOne, 0)), hex(0x4014000000000000));   // 5
  EXPECT_EQ(hex(fp_fnmsub_d(&cpu_, three, two, kDoubleOne, 0)), hex(0xc014000000000000));  // -5
  EXPECT_EQ(hex(fp_fnmadd_d(&cpu_, three, two, kDoubleOne, 0)), hex(0xc01c000000000000));  // -7
  EXPECT_EQ(hex(fp_fnmadd_s(&cpu_, kBoxedTwo, kBoxedTwo, kBoxedOne, 0)),
            hex(0xffffffffc0a00000));  // -5
  EXPECT_EQ(cpu_.fflags, 0u);
}

TEST(FpHelperTable, ListsEveryHelperOnceWithItsArity) {
  const std::span<const FpHelper> table = fp_helper_table();
  EXPECT_EQ(table.size(), 54u);
  std::set<std::string> names;
  for (const FpHelper& helper : table) {
    EXPECT_TRUE(names.insert(helper.name).second) << "duplicate " << helper.name;
    EXPECT_NE(helper.fn, nullptr) << helper.name;
    EXPECT_GE(helper.n_in, 1) << helper.name;
    EXPECT_LE(helper.n_in, 4) << helper.name;
  }
  auto find = [&](const std::string& name) -> const FpHelper* {
    for (const FpHelper& helper : table) {
      if (helper.name == name) return &helper;
    }
    return nullptr;
  };
  const std::pair<const char*, int> expected_arity[] = {
      {"fp_fadd_s", 3},   {"fp_fsqrt_d", 2},  {"fp_fmadd_s", 4},   {"fp_fnmadd_d", 4},
      {"fp_fsgnjx_s", 2}, {"fp_fclass_d", 1}, {"fp_fcvt_wu_s", 2}, {"fp_fcvt_d_lu", 2},
      {"fp_fcvt_s_d", 2}, {"fp_fcvt_d_s", 2}, {"fp_fle_d", 2},     {"fp_fmax_s", 2},
  };
  for (const auto& [name, arity] : expected_arity) {
    const FpHelper* helper = find(name);
    ASSERT_NE(helper, nullptr) << name;
    EXPECT_EQ(helper->n_in, arity) << name;
  }
  // The pointer really is the helper: call it through the table.
  const FpHelper* add = find("fp_fadd_d");
  ASSERT_NE(add, nullptr);
  using Binary = uint64_t (*)(CpuState*, uint64_t, uint64_t, uint64_t);
  CpuState cpu{};
  EXPECT_EQ(reinterpret_cast<Binary>(add->fn)(&cpu, kDoubleOne, kDoubleOne, 0),
            0x4000000000000000u);
}

}  // namespace
}  // namespace rwd::fpu
