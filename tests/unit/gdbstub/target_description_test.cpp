// The target description: well-formed XML with the features, names and register numbers gdb's
// riscv-tdep.c looks for, and the qXfer chunking rules.
#include "gdbstub/target_description.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace rwd::gdb {
namespace {

struct Reg {
  std::string feature;
  std::map<std::string, std::string> attrs;
};

// A small XML reader for what the description uses: a declaration, a doctype, elements with
// quoted attributes, character data. Fails the test on anything unbalanced or malformed, and
// collects the <reg> elements with the feature they are in.
class XmlCheck {
 public:
  explicit XmlCheck(const std::string& xml) : xml_(xml) { run(); }
  std::vector<Reg> regs;
  std::vector<std::string> features;
  std::string architecture;

 private:
  void run() {
    size_t i = 0;
    std::vector<std::string> open;
    std::string feature;
    while (i < xml_.size()) {
      if (xml_[i] != '<') {
        const size_t next = xml_.find('<', i);
        const std::string text = xml_.substr(i, next - i);
        check_text(text);
        if (!open.empty() && open.back() == "architecture") architecture += text;
        i = next == std::string::npos ? xml_.size() : next;
        continue;
      }
      const size_t end = xml_.find('>', i);
      ASSERT_NE(end, std::string::npos) << "unterminated tag at " << i;
      std::string tag = xml_.substr(i + 1, end - i - 1);
      i = end + 1;
      if (tag.starts_with("?xml") || tag.starts_with("!DOCTYPE")) {
        EXPECT_TRUE(open.empty()) << "prolog inside an element";
        continue;
      }
      if (tag.starts_with("/")) {
        ASSERT_FALSE(open.empty()) << "stray </" << tag << ">";
        EXPECT_EQ(open.back(), tag.substr(1)) << "mismatched close";
        open.pop_back();
        continue;
      }
      const bool empty = tag.ends_with("/");
      if (empty) tag.pop_back();
      const size_t space = tag.find(' ');
      const std::string name = tag.substr(0, space);
      ASSERT_TRUE(std::regex_match(name, std::regex("[a-z]+"))) << name;
      std::map<std::string, std::string> attrs;
      std::string rest = space == std::string::npos ? "" : tag.substr(space);
      static const std::regex attr(R"re(^\s+([a-z_]+)="([^"<&]*(?:&[a-z]+;[^"<&]*)*)")re");
      std::smatch m;
      while (std::regex_search(rest, m, attr)) {
        EXPECT_EQ(attrs.count(m[1]), 0u) << "repeated attribute " << m[1];
        attrs[m[1]] = m[2];
        rest = m.suffix();
      }
      EXPECT_TRUE(std::regex_match(rest, std::regex(R"(\s*)"))) << "junk in <" << tag << ">";
      if (name == "feature") {
        feature = attrs["name"];
        features.push_back(feature);
      }
      if (name == "reg") regs.push_back({feature, attrs});
      if (open.empty()) {
        EXPECT_EQ(name, "target") << "the root must be <target>";
      }
      if (!empty) open.push_back(name);
    }
    EXPECT_TRUE(open.empty()) << "unclosed <" << (open.empty() ? "" : open.back()) << ">";
  }
  void check_text(const std::string& text) {
    for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
      EXPECT_TRUE(std::regex_search(text.substr(at), std::regex("^&[a-z]+;"))) << text;
    }
  }
  const std::string& xml_;
};

const Reg* find_reg(const std::vector<Reg>& regs, const std::string& name) {
  for (const Reg& r : regs) {
    if (r.attrs.at("name") == name) return &r;
  }
  return nullptr;
}

std::vector<CsrInfo> sample_csrs() {
  return {{1, "fflags"},   {2, "frm"},      {3, "fcsr"},      {0x300, "mstatus"},
          {0x180, "satp"}, {0x341, "mepc"}, {0x300, "again"}, {0x1000, "toobig"}};
}

TEST(GdbTargetXml, IsWellFormedWithTheFourFeatures) {
  const std::string xml = build_target_xml(sample_csrs());
  XmlCheck check(xml);
  EXPECT_EQ(check.architecture, "riscv:rv64");
  EXPECT_EQ(check.features,
            (std::vector<std::string>{"org.gnu.gdb.riscv.cpu", "org.gnu.gdb.riscv.fpu",
                                      "org.gnu.gdb.riscv.csr", "org.gnu.gdb.riscv.virtual"}));
  // Nothing in it needs escaping on the wire.
  EXPECT_EQ(xml.find_first_of("$#}*"), std::string::npos);
}

TEST(GdbTargetXml, CpuRegistersHaveGdbNamesAndNumbers) {
  XmlCheck check(build_target_xml(sample_csrs()));
  const std::vector<std::string> names = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                          "fp",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                          "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                          "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  for (unsigned i = 0; i < 32; ++i) {
    const Reg* r = find_reg(check.regs, names[i]);
    ASSERT_NE(r, nullptr) << names[i];
    EXPECT_EQ(r->feature, "org.gnu.gdb.riscv.cpu");
    EXPECT_EQ(r->attrs.at("regnum"), std::to_string(i)) << names[i];
    EXPECT_EQ(r->attrs.at("bitsize"), "64");
  }
  EXPECT_EQ(find_reg(check.regs, "sp")->attrs.at("type"), "data_ptr");
  EXPECT_EQ(find_reg(check.regs, "a0")->attrs.at("type"), "int");
  const Reg* pc = find_reg(check.regs, "pc");
  ASSERT_NE(pc, nullptr);
  EXPECT_EQ(pc->feature, "org.gnu.gdb.riscv.cpu");
  EXPECT_EQ(pc->attrs.at("regnum"), "32");
  EXPECT_EQ(pc->attrs.at("type"), "code_ptr");
}

TEST(GdbTargetXml, FpuRegistersAndFloatingPointCsrs) {
  XmlCheck check(build_target_xml(sample_csrs()));
  const std::vector<std::string> names = {
      "ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1", "fa0",
      "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4", "fs5",
      "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
  for (unsigned i = 0; i < 32; ++i) {
    const Reg* r = find_reg(check.regs, names[i]);
    ASSERT_NE(r, nullptr) << names[i];
    EXPECT_EQ(r->feature, "org.gnu.gdb.riscv.fpu");
    EXPECT_EQ(r->attrs.at("regnum"), std::to_string(33 + i));
    // gdb derives FLEN from this and wants every f register the same size.
    EXPECT_EQ(r->attrs.at("bitsize"), "64");
  }
  for (auto [name, regnum] :
       {std::pair{"fflags", 66}, std::pair{"frm", 67}, std::pair{"fcsr", 68}}) {
    int seen = 0;
    for (const Reg& r : check.regs) {
      if (r.attrs.at("name") != name) continue;
      ++seen;
      EXPECT_EQ(r.feature, "org.gnu.gdb.riscv.fpu") << name;
      EXPECT_EQ(r.attrs.at("regnum"), std::to_string(regnum));
      EXPECT_EQ(r.attrs.at("bitsize"), "32");
    }
    EXPECT_EQ(seen, 1) << name << " must appear once";
  }
}

TEST(GdbTargetXml, CsrFeatureNumbersCsrsFrom65) {
  XmlCheck check(build_target_xml(sample_csrs()));
  std::map<std::string, std::string> csr_regnums;
  for (const Reg& r : check.regs) {
    if (r.feature != "org.gnu.gdb.riscv.csr") continue;
    csr_regnums[r.attrs.at("name")] = r.attrs.at("regnum");
    EXPECT_EQ(r.attrs.at("group"), "csr");
    EXPECT_EQ(r.attrs.at("bitsize"), "64");
  }
  // The repeat of 0x300 and the out-of-range number are dropped; fflags/frm/fcsr are in fpu.
  EXPECT_EQ(csr_regnums,
            (std::map<std::string, std::string>{{"mstatus", std::to_string(65 + 0x300)},
                                                {"satp", std::to_string(65 + 0x180)},
                                                {"mepc", std::to_string(65 + 0x341)}}));
}

TEST(GdbTargetXml, VirtualPrivRegister) {
  XmlCheck check(build_target_xml({}));
  const Reg* priv = find_reg(check.regs, "priv");
  ASSERT_NE(priv, nullptr);
  EXPECT_EQ(priv->feature, "org.gnu.gdb.riscv.virtual");
  EXPECT_EQ(priv->attrs.at("regnum"), "4161");
  // Every regnum is unique.
  std::map<std::string, int> count;
  for (const Reg& r : check.regs) ++count[r.attrs.at("regnum")];
  for (auto& [regnum, n] : count) EXPECT_EQ(n, 1) << regnum;
}

TEST(GdbTargetXml, OddCsrNamesAreEscaped) {
  const std::vector<CsrInfo> csrs = {{0x7c0, "a<b>&\"c'"}};
  const std::string xml = build_target_xml(csrs);
  XmlCheck check(xml);
  EXPECT_NE(xml.find("a&lt;b&gt;&amp;&quot;c&apos;"), std::string::npos);
}

TEST(GdbTargetXml, WireSizes) {
  EXPECT_EQ(register_wire_size(0), 8u);
  EXPECT_EQ(register_wire_size(kRegPc), 8u);
  EXPECT_EQ(register_wire_size(kRegF0 + 5), 8u);
  EXPECT_EQ(register_wire_size(kRegFflags), 4u);
  EXPECT_EQ(register_wire_size(kRegFrm), 4u);
  EXPECT_EQ(register_wire_size(kRegFcsr), 4u);
  EXPECT_EQ(register_wire_size(kFirstCsr + 0x300), 8u);
  EXPECT_EQ(register_wire_size(kRegPriv), 8u);
}

TEST(GdbTargetXml, XferChunks) {
  const std::string doc = "0123456789";
  EXPECT_EQ(xfer_chunk(doc, 0, 4, 100), "m0123");
  EXPECT_EQ(xfer_chunk(doc, 4, 4, 100), "m4567");
  EXPECT_EQ(xfer_chunk(doc, 8, 4, 100), "l89");
  EXPECT_EQ(xfer_chunk(doc, 6, 4, 100), "l6789");  // ends exactly at the end
  EXPECT_EQ(xfer_chunk(doc, 10, 4, 100), "l");
  EXPECT_EQ(xfer_chunk(doc, UINT64_MAX, UINT64_MAX, 100), "l");
  EXPECT_EQ(xfer_chunk(doc, 0, UINT64_MAX, 3), "m012");  // cut to the maximum
  // Reassembling the chunks gives the document.
  const std::string xml = build_target_xml(std::vector<CsrInfo>{{0x300, "mstatus"}});
  std::string back;
  for (uint64_t off = 0;;) {
    const std::string part = xfer_chunk(xml, off, 0x100, 1000);
    back += part.substr(1);
    off += part.size() - 1;
    if (part[0] == 'l') break;
    ASSERT_EQ(part[0], 'm');
  }
  EXPECT_EQ(back, xml);
}

}  // namespace
}  // namespace rwd::gdb
