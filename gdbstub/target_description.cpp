#include "gdbstub/target_description.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>

#include "cpu/register_names.h"

namespace rwd::gdb {

const char* x_register_name(unsigned i) {
  // gdb's 64bit-cpu.xml calls x8 "fp"; the rest are the ABI names.
  return i == 8 ? "fp" : kGprAbiNames[i];
}

namespace {

const char* x_type(unsigned i) {
  // As in 64bit-cpu.xml: gdb prints pointers in hex and code pointers with their symbol.
  if (i == 1) return "code_ptr";
  if (i == 2 || i == 3 || i == 4 || i == 8) return "data_ptr";
  return "int";
}

// CSR names come from the target; escape them anyway so the document stays well-formed.
std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string build_target_xml(std::span<const CsrInfo> csrs) {
  std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n"
      "<architecture>riscv:rv64</architecture>\n";

  xml += "<feature name=\"org.gnu.gdb.riscv.cpu\">\n";
  for (unsigned i = 0; i < 32; ++i) {
    xml += fmt::format("  <reg name=\"{}\" bitsize=\"64\" type=\"{}\" regnum=\"{}\"/>\n",
                       x_register_name(i), x_type(i), kRegX0 + i);
  }
  xml +=
      fmt::format("  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"{}\"/>\n", kRegPc);
  xml += "</feature>\n";

  xml +=
      "<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
      "  <union id=\"riscv_double\">\n"
      "    <field name=\"float\" type=\"ieee_single\"/>\n"
      "    <field name=\"double\" type=\"ieee_double\"/>\n"
      "  </union>\n";
  for (unsigned i = 0; i < 32; ++i) {
    xml += fmt::format("  <reg name=\"{}\" bitsize=\"64\" type=\"riscv_double\" regnum=\"{}\"/>\n",
                       kFprAbiNames[i], kRegF0 + i);
  }
  for (auto [name, regno] :
       {std::pair{"fflags", kRegFflags}, std::pair{"frm", kRegFrm}, std::pair{"fcsr", kRegFcsr}}) {
    xml += fmt::format("  <reg name=\"{}\" bitsize=\"32\" type=\"int\" regnum=\"{}\"/>\n", name,
                       regno);
  }
  xml += "</feature>\n";

  xml += "<feature name=\"org.gnu.gdb.riscv.csr\">\n";
  std::bitset<4096> seen;
  for (const CsrInfo& csr : csrs) {
    if (csr.number > 0xfff || csr.number <= 3 || seen[csr.number]) continue;
    seen[csr.number] = true;
    xml += fmt::format(
        "  <reg name=\"{}\" bitsize=\"64\" type=\"int\" regnum=\"{}\" group=\"csr\"/>\n",
        xml_escape(csr.name), kFirstCsr + csr.number);
  }
  xml += "</feature>\n";

  xml += fmt::format(
      "<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
      "  <reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"{}\"/>\n"
      "</feature>\n",
      kRegPriv);
  xml += "</target>\n";
  return xml;
}

unsigned register_wire_size(unsigned regno) {
  return regno == kRegFflags || regno == kRegFrm || regno == kRegFcsr ? 4 : 8;
}

std::string xfer_chunk(std::string_view document, uint64_t offset, uint64_t length,
                       uint64_t max_length) {
  if (offset >= document.size()) return "l";
  const uint64_t left = document.size() - offset;
  const uint64_t take = std::min({length, max_length, left});
  std::string out(1, take < left ? 'm' : 'l');
  out += document.substr(offset, take);
  return out;
}

}  // namespace rwd::gdb
