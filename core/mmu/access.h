// Vocabulary shared by the page-table walk and PMP: who accesses memory, how, and which
// permissions result. Plain data only.
#pragma once

#include <cstdint>

#include "cpu/cpu_state.h"

namespace rwd::mmu {

// Privilege of an access. The encodings are those of mstatus.MPP (and of priv::Priv), so a
// value converts with a static_cast. Callers pass the *effective* privilege: for loads and
// stores under mstatus.MPRV=1 that is MPP, never for fetches.
enum class Privilege : uint8_t { kUser = 0, kSupervisor = 1, kMachine = 3 };

// What the access does. AMOs, LR and SC are stores: their faults are store/AMO faults and they
// need write permission (privileged spec v1.12, 3.6.1 and 4.3.1).
enum class AccessType : uint8_t { kFetch, kLoad, kStore };

struct AccessPermissions {
  bool read = false;
  bool write = false;
  bool execute = false;

  bool allows(AccessType access) const {
    switch (access) {
      case AccessType::kFetch:
        return execute;
      case AccessType::kLoad:
        return read;
      case AccessType::kStore:
        return write;
    }
    return false;
  }
  friend bool operator==(const AccessPermissions&, const AccessPermissions&) = default;
};

inline constexpr AccessPermissions kAllPermissions{true, true, true};

// The exceptions a translation can end in, by the type of the original access.
constexpr Cause page_fault_cause(AccessType access) {
  switch (access) {
    case AccessType::kFetch:
      return Cause::kInsnPageFault;
    case AccessType::kLoad:
      return Cause::kLoadPageFault;
    case AccessType::kStore:
      return Cause::kStorePageFault;
  }
  return Cause::kLoadPageFault;
}

constexpr Cause access_fault_cause(AccessType access) {
  switch (access) {
    case AccessType::kFetch:
      return Cause::kInsnAccessFault;
    case AccessType::kLoad:
      return Cause::kLoadAccessFault;
    case AccessType::kStore:
      return Cause::kStoreAccessFault;
  }
  return Cause::kLoadAccessFault;
}

}  // namespace rwd::mmu
