// Trap entry and return, and interrupt selection (privileged spec v1.12, sections 3.1.6-3.1.9,
// 3.3.2 and 4.1.1).
#pragma once

#include <cstdint>
#include <optional>

#include "priv/priv_state.h"

namespace rwd::priv {

inline constexpr uint64_t kInterruptBit = 1ull << 63;

// Takes a trap: chooses M or S by delegation, saves pc/cause/tval and the interrupt-enable
// stack, switches mode and returns the handler's pc. `cause` is an exception code, or an
// interrupt number with kInterruptBit set.
uint64_t enter_trap(PrivState& s, uint64_t pc, uint64_t cause, uint64_t tval);

// mret/sret: nullopt when illegal here (mret below M; sret below S, or in S with mstatus.TSR),
// else the pc to continue at.
std::optional<uint64_t> return_from_machine(PrivState& s);
std::optional<uint64_t> return_from_supervisor(PrivState& s);

// The interrupt to take now, if any: pending, enabled in mie, enabled for the current mode
// and delegation, highest priority first (MEI, MSI, MTI, SEI, SSI, STI). Returns the cause
// (with kInterruptBit).
std::optional<uint64_t> interrupt_to_take(const PrivState& s);

// Whether any interrupt is pending and enabled in mie, regardless of global enables: what
// ends a WFI.
bool wfi_should_wake(const PrivState& s);

// WFI is illegal in U mode, and in S mode when mstatus.TW is set. sfence.vma is illegal in U
// mode and in S mode when mstatus.TVM is set.
bool wfi_legal(const PrivState& s);
bool sfence_vma_legal(const PrivState& s);

}  // namespace rwd::priv
