// The riscv64 Linux syscall layer: numbers follow asm-generic (syscall_list.inc); each syscall is
// emulated or translated to the host (x86-64) syscall, converting structures whose layout differs.
// Guest buffers reach the kernel as host pointers into the guest reservation, after a range check,
// so a bad guest pointer yields EFAULT rather than touching emulator memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rwd::linux_user {

struct GuestProcess;
class UserMemory;

enum class Sysno : uint64_t {
#define REWIND_SYSCALL(number, name) name = number,
#include "linux_user/syscall_list.inc"
#undef REWIND_SYSCALL
};

struct SyscallArgs {
  uint64_t a[6];
};

// Name of a riscv64 syscall number, or nullptr if unknown.
const char* syscall_name(uint64_t number);

// Performs the syscall the hart asks for (a7, a0..a5) and writes the result to a0, unless the
// syscall replaced the registers (rt_sigreturn) or ended the process.
void perform_syscall(GuestProcess& process);
int64_t dispatch_syscall(GuestProcess& process, uint64_t number, const SyscallArgs& args);

// Per-area handlers: nullopt when the number is not theirs.
std::optional<int64_t> file_syscall(GuestProcess& process, uint64_t number, const SyscallArgs& args);
std::optional<int64_t> memory_syscall(GuestProcess& process, uint64_t number,
                                      const SyscallArgs& args);
std::optional<int64_t> process_syscall(GuestProcess& process, uint64_t number,
                                       const SyscallArgs& args);

// --- Helpers shared by the handlers ---

// Converts a raw host syscall return (-1 + errno) to Linux's -errno convention.
int64_t host_result(long result);

// Host pointer for a guest buffer handed to the kernel: guest NULL stays NULL; a range outside
// the guest space is nullopt (the caller returns -EFAULT).
std::optional<void*> host_buffer(UserMemory& memory, uint64_t guest, uint64_t len);

// A guest path string (at most PATH_MAX); nullopt when unreadable.
std::optional<std::string> read_guest_path(const GuestProcess& process, uint64_t guest);

// Where an absolute guest path lives on the host: PREFIX+path when that exists (like qemu -L),
// else the path itself; /proc/self/exe names the guest program.
std::string resolve_guest_path(const GuestProcess& process, const std::string& path);

}  // namespace rwd::linux_user
