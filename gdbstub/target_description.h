// The target description GDB reads with qXfer:features:read:target.xml. GDB's riscv-tdep
// matches registers by feature and name and numbers them by the regnum attributes, so the
// layout follows gdb/features/riscv/64bit-{cpu,fpu,csr}.xml and the numbering of riscv-tdep.h
// (see debug_target.h): the numbers are what `p`/`P` packets and stop replies use.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "gdbstub/debug_target.h"

namespace rwd::gdb {

// fflags, frm and fcsr, described in the fpu feature (as gdb's 64bit-fpu.xml does) and left out
// of the csr feature so that gdb does not see them twice.
inline constexpr unsigned kRegFflags = kFirstCsr + 1;
inline constexpr unsigned kRegFrm = kFirstCsr + 2;
inline constexpr unsigned kRegFcsr = kFirstCsr + 3;

// The whole document for these CSRs. CSRs 1-3 (described in the fpu feature), numbers above
// 0xfff and repeated numbers are skipped.
std::string build_target_xml(std::span<const CsrInfo> csrs);

// The name gdb gives x<i> (the ABI name, but "fp" for x8).
const char* x_register_name(unsigned i);

// How many bytes register `regno` has on the wire, as the description declares it: 4 for
// fflags/frm/fcsr (32-bit in gdb's fpu feature), 8 for everything else.
unsigned register_wire_size(unsigned regno);

// The qXfer read reply payload (before escaping) for [offset, offset + length) of `document`:
// 'm' + data when more follows, 'l' + data for the last part (an empty 'l' past the end).
// Lengths above `max_length` are cut to it; the client asks again for the rest.
std::string xfer_chunk(std::string_view document, uint64_t offset, uint64_t length,
                       uint64_t max_length);

}  // namespace rwd::gdb
