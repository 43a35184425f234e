// Checks the generated RISC-V decoders against the GNU assembler (sample
// tables), against each other (every compressed encoding must decode exactly
// like its 32-bit expansion) and checks the generator's overlap detection.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace {

using Args = std::map<std::string, int64_t>;

struct Decoded {
    std::string name;
    Args args;
    bool operator==(const Decoded&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Decoded& d) {
    os << d.name;
    for (const auto& [field, value] : d.args) os << ' ' << field << '=' << value;
    return os;
}

}  // namespace

// The recording context the generated trans_ declarations refer to.
struct DisasContext {
    std::optional<Decoded> last;
    int calls = 0;
    bool trans_result = true;  // what every trans_ function returns
};

#include "decode-insn32.inc"
#include "decode-insn16.inc"
#include "encode-insn32.inc"

namespace {

#define RECORD_FIELD(f) out[#f] = a.f;
#define DEFINE_FIELDS_OF(set) \
    [[maybe_unused]] Args fields_of(const arg_##set& a) { Args out; DECODE_ARGSET_FIELDS_##set(RECORD_FIELD) return out; }
DECODE_FOREACH_ARGSET(DEFINE_FIELDS_OF)

#define FILL_FIELD(f) a.f = args.at(#f);
#define DEFINE_FILL(set) \
    [[maybe_unused]] void fill(arg_##set& a, const Args& args) { DECODE_ARGSET_FIELDS_##set(FILL_FIELD) }
DECODE_FOREACH_ARGSET(DEFINE_FILL)

}  // namespace

#define DEFINE_RECORDING_TRANS(insn, set)                        \
    static bool trans_##insn(DisasContext* ctx, arg_##insn* a) { \
        ctx->last = Decoded{#insn, fields_of(*a)};               \
        ctx->calls++;                                            \
        return ctx->trans_result;                                \
    }
DECODE_FOREACH_TRANS(DEFINE_RECORDING_TRANS)

namespace {

struct Insn32Sample {
    uint32_t word;
    const char* assembly;
    const char* expected;
};

struct RvcSample {
    uint16_t half;
    uint32_t expansion;
    const char* assembly;
    const char* expansion_assembly;
};

#include "assembled_samples.inc"

std::optional<Decoded> decode32(uint32_t word) {
    DisasContext ctx;
    bool ok = decode_insn32(&ctx, word);
    EXPECT_EQ(ok, ctx.calls == 1) << std::hex << word;
    return ok ? ctx.last : std::nullopt;
}

std::optional<Decoded> decode16(uint16_t half) {
    DisasContext ctx;
    bool ok = decode_insn16(&ctx, half);
    EXPECT_EQ(ok, ctx.calls == 1) << std::hex << half;
    return ok ? ctx.last : std::nullopt;
}

std::optional<uint32_t> encode32(const Decoded& d) {
#define ENCODE_IF_NAMED(insn)                  \
    if (d.name == #insn) {                     \
        arg_##insn a{};                        \
        fill(a, d.args);                       \
        return encode_insn32_##insn(a);        \
    }
    DECODE_FOREACH_INSN32_ENCODER(ENCODE_IF_NAMED)
    return std::nullopt;
}

// "name f1=v1 f2=v2" -> Decoded
Decoded parse_expected(const std::string& text) {
    std::istringstream in(text);
    Decoded d;
    in >> d.name;
    std::string assignment;
    while (in >> assignment) {
        auto eq = assignment.find('=');
        d.args[assignment.substr(0, eq)] = std::strtoll(assignment.c_str() + eq + 1, nullptr, 0);
    }
    return d;
}

// Written from the RVC chapter's reserved list, independently of insn16.decode.
bool is_reserved_rv64c(uint16_t h) {
    unsigned quadrant = h & 3, funct3 = h >> 13, bit12 = (h >> 12) & 1;
    unsigned rd = (h >> 7) & 31, rs2 = (h >> 2) & 31;
    switch (quadrant) {
    case 0:
        if (funct3 == 4) return true;                              // reserved opcode
        return funct3 == 0 && ((h >> 5) & 0xff) == 0;              // c.addi4spn nzuimm=0
    case 1:
        if (funct3 == 1) return rd == 0;                           // c.addiw rd=0
        if (funct3 == 3) return bit12 == 0 && rs2 == 0;            // c.lui/c.addi16sp imm=0
        if (funct3 == 4 && ((h >> 10) & 3) == 3 && bit12)          // c.subw/c.addw row
            return ((h >> 5) & 3) >= 2;
        return false;
    case 2:
        if (funct3 == 2 || funct3 == 3) return rd == 0;            // c.lwsp/c.ldsp rd=0
        return funct3 == 4 && !bit12 && rd == 0 && rs2 == 0;       // c.jr x0
    }
    return false;
}

TEST(Decode32, AssembledSamplesDecodeToExpectedArguments) {
    for (const auto& s : kInsn32Samples) {
        SCOPED_TRACE(s.assembly);
        auto got = decode32(s.word);
        ASSERT_TRUE(got.has_value()) << std::hex << s.word;
        EXPECT_EQ(*got, parse_expected(s.expected));
        EXPECT_EQ(encode32(*got), std::optional<uint32_t>(s.word));
    }
}

TEST(Decode32, SamplesCoverEveryInstruction) {
    std::set<std::string> sampled;
    for (const auto& s : kInsn32Samples) sampled.insert(parse_expected(s.expected).name);
#define EXPECT_SAMPLED(insn) EXPECT_TRUE(sampled.count(#insn)) << #insn " has no sample";
    DECODE_FOREACH_INSN32_ENCODER(EXPECT_SAMPLED)
}

TEST(Decode32, IllegalWordsAreRejected) {
    const uint32_t illegal[] = {
        0x00000000,                                          // all zero
        0xffffffff,                                          // all ones
        0x0000007f,                                          // no such opcode
        0x1001202f | (1u << 20),                             // lr.w with rs2 != 0
        0x58001053 | (1u << 20),                             // fsqrt.s with rs2 != 0
        (1u << 26) | (1u << 12) | 0x13,                      // slli with funct6 != 0
        (1u << 25) | (1u << 12) | 0x1b,                      // slliw with shamt[5] set
        (2u << 25) | 0x43,                                   // fmadd.q (no Q extension)
        (0x30u << 25) | (4u << 20) | 0x53,                   // fcvt.w.s with rs2=4
        0x30000073 | (1u << 20),                             // mret with a wrong rs2
        0x12000073 | (1u << 7),                              // sfence.vma with rd != 0
        (0x7u << 12) | 0x3b,                                 // OP-32 funct3 7
    };
    for (uint32_t word : illegal) EXPECT_FALSE(decode32(word).has_value()) << std::hex << word;
}

TEST(Decode32, ReturnsWhatTransReturns) {
    DisasContext ctx;
    ctx.trans_result = false;
    EXPECT_FALSE(decode_insn32(&ctx, 0x00000013));  // addi x0, x0, 0
    EXPECT_EQ(ctx.calls, 1);
    ctx.trans_result = true;
    EXPECT_TRUE(decode_insn16(&ctx, 0x0001));       // c.nop
}

TEST(Decode16, AssembledSamplesMatchTheirExpansion) {
    EXPECT_GE(std::size(kRvcSamples), 40u);
    for (const auto& s : kRvcSamples) {
        SCOPED_TRACE(std::string(s.assembly) + " -> " + s.expansion_assembly);
        auto compressed = decode16(s.half);
        auto expanded = decode32(s.expansion);
        ASSERT_TRUE(compressed.has_value());
        ASSERT_TRUE(expanded.has_value());
        EXPECT_EQ(*compressed, *expanded);
    }
}

TEST(Decode16, EveryHalfwordDecodesLikeItsExpansionOrIsReserved) {
    int legal = 0, reserved = 0;
    for (uint32_t h = 0; h <= 0xffff; h++) {
        if ((h & 3) == 3) continue;  // 32-bit instruction, not a compressed one
        auto compressed = decode16(uint16_t(h));
        ASSERT_EQ(compressed.has_value(), !is_reserved_rv64c(uint16_t(h))) << std::hex << h;
        if (!compressed) {
            reserved++;
            continue;
        }
        legal++;
        auto word = encode32(*compressed);
        ASSERT_TRUE(word.has_value()) << *compressed << " has no 32-bit pattern";
        auto expanded = decode32(*word);
        ASSERT_TRUE(expanded.has_value()) << std::hex << h << " -> " << *word;
        ASSERT_EQ(*compressed, *expanded) << std::hex << h << " -> " << *word;
    }
    // Reserved: 2048 (quadrant 0, funct3 100) + 8 (c.addi4spn 0) + 64 (c.addiw x0)
    // + 64 + 64 (c.lwsp/c.ldsp x0) + 32 (c.lui 0) + 1 (c.jr x0) + 128 (CA 1x rows).
    EXPECT_EQ(reserved, 2409);
    EXPECT_EQ(legal, 49152 - 2409);
}

TEST(Decode16, ReservedEncodingsAreIllegal) {
    const uint16_t reserved[] = {
        0x0000,  // all zero
        0x0004,  // c.addi4spn x9, sp, 0
        0x001c,  // c.addi4spn x15, sp, 0
        0x8000,  // quadrant 0 funct3 100
        0x9ffc,  // quadrant 0 funct3 100, all operand bits set
        0x2001,  // c.addiw x0, 0
        0x307d,  // c.addiw x0, -1
        0x4002,  // c.lwsp x0, 0(sp)
        0x507e,  // c.lwsp x0, 252(sp)
        0x6002,  // c.ldsp x0, 0(sp)
        0x6001,  // c.lui x0, 0
        0x6081,  // c.lui x1, 0
        0x6f81,  // c.lui x31, 0
        0x6101,  // c.addi16sp sp, 0
        0x8002,  // c.jr x0
        0x9c41,  // quadrant 1 100 1 11 .. 10 (reserved)
        0x9c61,  // quadrant 1 100 1 11 .. 11 (reserved)
        0x9ffd,  // the same, all operand bits set
    };
    for (uint16_t h : reserved) EXPECT_FALSE(decode16(h).has_value()) << std::hex << h;
}

TEST(Decode16, HintsDecodeAsTheirExpansion) {
    // HINT code points execute as their (no-op) expansion.
    EXPECT_EQ(decode16(0x0005), parse_expected("addi rd=0 rs1=0 imm=1"));       // c.nop 1
    EXPECT_EQ(decode16(0x0501), parse_expected("addi rd=10 rs1=10 imm=0"));     // c.addi a0, 0
    EXPECT_EQ(decode16(0x4015), parse_expected("addi rd=0 rs1=0 imm=5"));       // c.li x0, 5
    EXPECT_EQ(decode16(0x6005), parse_expected("lui rd=0 imm=4096"));           // c.lui x0, 1
    EXPECT_EQ(decode16(0x802a), parse_expected("add rd=0 rs1=0 rs2=10"));       // c.mv x0, a0
    EXPECT_EQ(decode16(0x902a), parse_expected("add rd=0 rs1=0 rs2=10"));       // c.add x0, a0
    EXPECT_EQ(decode16(0x0006), parse_expected("slli rd=0 rs1=0 shamt=1"));     // c.slli x0, 1
    EXPECT_EQ(decode16(0x0502), parse_expected("slli rd=10 rs1=10 shamt=0"));   // c.slli a0, 0
    EXPECT_EQ(decode16(0x8001), parse_expected("srli rd=8 rs1=8 shamt=0"));     // c.srli s0, 0
    EXPECT_EQ(decode16(0x9002), parse_expected("ebreak"));                      // c.ebreak
    EXPECT_EQ(decode16(0x9082), parse_expected("jalr rd=1 rs1=1 imm=0"));       // c.jalr ra
}

// Runs the generator in check mode; returns {exit status, combined output}.
std::pair<int, std::string> run_generator_check(const std::string& decoders) {
    std::string cmd = std::string(REWIND_PYTHON) + " " + REWIND_DECODETREE + " --check " + decoders + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return {-1, "popen failed"};
    std::string output;
    char buf[512];
    while (size_t n = fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
    int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(DecodeTree, ReportsOverlapsAndUnreachableGroupMembers) {
    auto [status, output] = run_generator_check(
        std::string("--decoder bad:16:") + REWIND_DECODE_TEST_DIR + "/overlap_bad.decode");
    EXPECT_NE(status, 0) << output;
    EXPECT_NE(output.find("overlap: addi"), std::string::npos) << output;
    EXPECT_NE(output.find("and nop"), std::string::npos) << output;
    EXPECT_NE(output.find("unreachable: never"), std::string::npos) << output;
}

TEST(DecodeTree, AcceptsOverlapInsideAGroup) {
    auto [status, output] = run_generator_check(
        std::string("--decoder ok:16:") + REWIND_DECODE_TEST_DIR + "/overlap_ok.decode");
    EXPECT_EQ(status, 0) << output;
}

TEST(DecodeTree, RealSpecsHaveNoOverlaps) {
    auto [status, output] = run_generator_check(
        std::string("--decoder insn32:32:") + REWIND_DECODE_SPEC_DIR + "/insn32.decode" +
        " --decoder insn16:16:" + REWIND_DECODE_SPEC_DIR + "/insn16.decode");
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("no overlaps"), std::string::npos) << output;
}

}  // namespace
