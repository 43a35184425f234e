#include "linux_user/syscalls.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "linux_user/guest_process.h"

namespace rwd::linux_user {
namespace {

// Syscalls deliberately answered with ENOSYS and no warning: glibc probes for them and falls back.
bool quietly_unsupported(uint64_t number) {
  switch (number) {
    case static_cast<uint64_t>(Sysno::rseq):
    case 258:  // riscv_hwprobe (newer than these headers)
      return true;
    default:
      return false;
  }
}

void trace_syscall(std::FILE* out, uint64_t number, const SyscallArgs& args, int64_t result) {
  const char* name = syscall_name(number);
  std::string text = name ? name : fmt::format("syscall_{}", number);
  fmt::print(out, "{}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {}", text, args.a[0],
             args.a[1], args.a[2], args.a[3], args.a[4], args.a[5], result);
  if (result < 0 && result >= -4095) {
    fmt::print(out, " ({})", std::strerror(static_cast<int>(-result)));
  }
  fmt::print(out, "\n");
}

}  // namespace

const char* syscall_name(uint64_t number) {
  switch (number) {
#define REWIND_SYSCALL(value, name) \
  case value:                       \
    return #name;
#include "linux_user/syscall_list.inc"
#undef REWIND_SYSCALL
    default:
      return nullptr;
  }
}

int64_t host_result(long result) { return result == -1 ? -errno : result; }

std::optional<void*> host_buffer(UserMemory& memory, uint64_t guest, uint64_t len) {
  if (guest == 0) return nullptr;
  uint8_t* host = memory.host_pointer(guest, len);
  if (!host) return std::nullopt;
  // The kernel may write through this pointer; it must not meet a page kept read-only to
  // catch self-modifying code (that write would fail with EFAULT instead of dropping code).
  memory.release_watched_pages(guest, len);
  return host;
}

std::optional<std::string> read_guest_path(const GuestProcess& process, uint64_t guest) {
  return process.memory->read_string(guest, PATH_MAX - 1);
}

std::string resolve_guest_path(const GuestProcess& process, const std::string& path) {
  if (path == "/proc/self/exe") return process.exe_path;
  const std::string& prefix = process.options.prefix;
  if (path.empty() || path[0] != '/' || prefix.empty() || prefix == "/") return path;
  std::string candidate = prefix + path;
  struct stat st;
  if (::lstat(candidate.c_str(), &st) == 0) return candidate;
  return path;
}

int64_t dispatch_syscall(GuestProcess& process, uint64_t number, const SyscallArgs& args) {
  if (auto r = file_syscall(process, number, args)) return *r;
  if (auto r = memory_syscall(process, number, args)) return *r;
  if (auto r = process_syscall(process, number, args)) return *r;
  if (!quietly_unsupported(number) && process.warned_syscalls.insert(number).second) {
    const char* name = syscall_name(number);
    std::FILE* out = process.diagnostics.stream();
    fmt::print(out, "rewind: unsupported syscall {} ({})\n", number, name ? name : "unknown");
    std::fflush(out);
  }
  return -ENOSYS;
}

void perform_syscall(GuestProcess& process) {
  CpuState& cpu = process.cpu;
  const uint64_t number = cpu.x[17];
  const SyscallArgs args{{cpu.x[10], cpu.x[11], cpu.x[12], cpu.x[13], cpu.x[14], cpu.x[15]}};
  process.registers_replaced = false;
  const int64_t result = dispatch_syscall(process, number, args);
  if (process.options.strace) trace_syscall(process.diagnostics.stream(), number, args, result);
  if (!process.registers_replaced && !process.exit) cpu.x[10] = static_cast<uint64_t>(result);
}

}  // namespace rwd::linux_user
