// Memory-management syscalls: all of them act on the guest reservation through UserMemory.
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "linux_user/guest_process.h"
#include "linux_user/syscalls.h"

namespace rwd::linux_user {
namespace {

std::string name_of_fd(int fd) {
  char target[4096];
  const std::string link = fmt::format("/proc/self/fd/{}", fd);
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

int64_t sys_mmap(GuestProcess& process, const SyscallArgs& args) {
  const uint64_t addr = args.a[0];
  const uint64_t len = args.a[1];
  const int prot = static_cast<int>(args.a[2]);
  const int flags = static_cast<int>(args.a[3]);
  const int fd = static_cast<int>(args.a[4]);
  const uint64_t offset = args.a[5];
  const bool anonymous = flags & MAP_ANONYMOUS;
  return process.memory->map(addr, len, prot, flags, anonymous ? -1 : fd, offset,
                             anonymous ? std::string() : name_of_fd(fd));
}

int64_t sys_madvise(GuestProcess& process, const SyscallArgs& args) {
  const uint64_t addr = args.a[0];
  const uint64_t len = args.a[1];
  const int advice = static_cast<int>(args.a[2]);
  if (addr & (kGuestPageSize - 1)) return -EINVAL;
  if (!fits_in_space(addr, len) || !fits_in_space(addr, page_up(len))) return -EINVAL;
  switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTNEED: case MADV_FREE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP: case MADV_DODUMP: case MADV_DONTFORK: case MADV_DOFORK:
      break;
    default:
      // Advice with other effects (MADV_REMOVE, poisoning, ...) is not passed to the host.
      return -EINVAL;
  }
  if (len == 0) return 0;
  const uint64_t end = addr + page_up(len);
  if (!process.memory->is_accessible(addr, end - addr, kProtNone)) return -ENOMEM;
  uint8_t* host = process.memory->host_pointer(addr, end - addr);
  return host_result(::madvise(host, end - addr, advice));
}

int64_t sys_msync(GuestProcess& process, const SyscallArgs& args) {
  const uint64_t addr = args.a[0];
  const uint64_t len = args.a[1];
  if (addr & (kGuestPageSize - 1)) return -EINVAL;
  if (!fits_in_space(addr, len) || !fits_in_space(addr, page_up(len))) return -ENOMEM;
  if (len == 0) return 0;
  if (!process.memory->is_accessible(addr, page_up(len), kProtNone)) return -ENOMEM;
  return host_result(::msync(process.memory->host_pointer(addr, len), page_up(len),
                             static_cast<int>(args.a[2])));
}

int64_t sys_mincore(GuestProcess& process, const SyscallArgs& args) {
  const uint64_t addr = args.a[0];
  const uint64_t len = args.a[1];
  if (addr & (kGuestPageSize - 1)) return -EINVAL;
  if (!fits_in_space(addr, len) || !fits_in_space(addr, page_up(len))) return -ENOMEM;
  if (!process.memory->is_accessible(addr, page_up(len), kProtNone)) return -ENOMEM;
  auto vec = host_buffer(*process.memory, args.a[2], page_up(len) / kGuestPageSize);
  if (!vec || !*vec) return -EFAULT;
  return host_result(::syscall(SYS_mincore, process.memory->host_pointer(addr, len), len, *vec));
}

}  // namespace

std::optional<int64_t> memory_syscall(GuestProcess& process, uint64_t number,
                                      const SyscallArgs& args) {
  UserMemory& memory = *process.memory;
  const uint64_t* a = args.a;
  switch (static_cast<Sysno>(number)) {
    case Sysno::brk: return static_cast<int64_t>(memory.brk(a[0]));
    case Sysno::mmap: return sys_mmap(process, args);
    case Sysno::munmap: return memory.unmap(a[0], a[1]);
    case Sysno::mprotect: return memory.protect(a[0], a[1], static_cast<int>(a[2]));
    case Sysno::mremap: return memory.remap(a[0], a[1], a[2], static_cast<int>(a[3]), a[4]);
    case Sysno::madvise: return sys_madvise(process, args);
    case Sysno::msync: return sys_msync(process, args);
    case Sysno::mincore: return sys_mincore(process, args);
    // Locking is about host paging, which the guest does not control.
    case Sysno::mlock: case Sysno::munlock: case Sysno::mlock2: case Sysno::mlockall:
    case Sysno::munlockall:
      return 0;
    default:
      return std::nullopt;
  }
}

}  // namespace rwd::linux_user
