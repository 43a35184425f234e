// File and descriptor syscalls. Guest descriptors are host descriptors (no translation table),
// as in qemu-user.
#include <fcntl.h>
#include <linux/stat.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "linux_user/guest_abi.h"
#include "linux_user/guest_process.h"
#include "linux_user/syscalls.h"

namespace rwd::linux_user {
namespace {

// Rewind's diagnostics descriptor is not the guest's to close or replace.
bool hidden_fd(const GuestProcess& process, uint64_t fd) {
  return process.diagnostics.fd() >= 0 && fd == uint64_t(process.diagnostics.fd());
}


constexpr uint64_t kMaxIovecs = 1024;  // UIO_MAXIOV
constexpr uint64_t kKernelTermiosBytes = 36;
constexpr uint64_t kKernelFlockBytes = 32;
constexpr uint64_t kStatfsBytes = 120;
constexpr uint64_t kStatxBytes = 256;

struct GuestIovec {
  uint64_t base;
  uint64_t len;
};

// Reads a guest iovec array and points each entry at the guest buffer it names.
std::optional<std::vector<iovec>> host_iovecs(GuestProcess& process, uint64_t guest_iov,
                                              uint64_t count, int64_t* error) {
  if (count > kMaxIovecs) {
    *error = -EINVAL;
    return std::nullopt;
  }
  std::vector<GuestIovec> guest(count);
  if (!process.memory->copy_from_guest(guest.data(), guest_iov, count * sizeof(GuestIovec))) {
    *error = -EFAULT;
    return std::nullopt;
  }
  std::vector<iovec> host(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (static_cast<int64_t>(guest[i].len) < 0) {
      *error = -EINVAL;
      return std::nullopt;
    }
    auto buffer = host_buffer(*process.memory, guest[i].base, guest[i].len);
    if (!buffer) {
      *error = -EFAULT;
      return std::nullopt;
    }
    host[i] = iovec{*buffer, guest[i].len};
  }
  return host;
}

int64_t vectored_io(GuestProcess& process, long host_number, const SyscallArgs& args,
                    bool positioned) {
  int64_t error = 0;
  auto iov = host_iovecs(process, args.a[1], args.a[2], &error);
  if (!iov) return error;
  if (positioned) {
    return host_result(::syscall(host_number, args.a[0], iov->data(), iov->size(), args.a[3],
                                 args.a[4]));
  }
  return host_result(::syscall(host_number, args.a[0], iov->data(), iov->size()));
}

int64_t buffer_io(GuestProcess& process, long host_number, const SyscallArgs& args) {
  auto buffer = host_buffer(*process.memory, args.a[1], args.a[2]);
  if (!buffer) return -EFAULT;
  return host_result(::syscall(host_number, args.a[0], *buffer, args.a[2], args.a[3]));
}

int64_t write_stat(GuestProcess& process, const struct stat& host, uint64_t guest) {
  const GuestStat converted = guest_stat_from_host(host);
  return process.memory->copy_to_guest(guest, &converted, sizeof converted) ? 0 : -EFAULT;
}

// Path arguments: absolute paths that read (open, stat, access, readlink) are looked up under
// the prefix first; paths that create or delete are used as given.
struct PathArg {
  std::string host_path;
  int64_t error = 0;
};

PathArg lookup_path(GuestProcess& process, uint64_t guest, bool resolve) {
  auto path = read_guest_path(process, guest);
  if (!path) return PathArg{"", -EFAULT};
  return PathArg{resolve ? resolve_guest_path(process, *path) : *path, 0};
}

int64_t sys_openat(GuestProcess& process, const SyscallArgs& args) {
  PathArg path = lookup_path(process, args.a[1], !(args.a[2] & O_CREAT));
  if (path.error) return path.error;
  return host_result(::syscall(SYS_openat, static_cast<int>(args.a[0]), path.host_path.c_str(),
                               static_cast<int>(args.a[2]), static_cast<mode_t>(args.a[3])));
}

int64_t sys_newfstatat(GuestProcess& process, const SyscallArgs& args) {
  PathArg path = lookup_path(process, args.a[1], true);
  if (path.error) return path.error;
  struct stat host;
  const int64_t r = host_result(::syscall(SYS_newfstatat, static_cast<int>(args.a[0]),
                                          path.host_path.c_str(), &host,
                                          static_cast<int>(args.a[3])));
  return r < 0 ? r : write_stat(process, host, args.a[2]);
}

int64_t sys_fstat(GuestProcess& process, const SyscallArgs& args) {
  struct stat host;
  const int64_t r = host_result(::syscall(SYS_fstat, static_cast<int>(args.a[0]), &host));
  return r < 0 ? r : write_stat(process, host, args.a[1]);
}

int64_t sys_statx(GuestProcess& process, const SyscallArgs& args) {
  PathArg path = lookup_path(process, args.a[1], true);
  if (path.error) return path.error;
  auto out = host_buffer(*process.memory, args.a[4], kStatxBytes);
  if (!out || !*out) return -EFAULT;
  return host_result(::syscall(SYS_statx, static_cast<int>(args.a[0]), path.host_path.c_str(),
                               static_cast<int>(args.a[2]), static_cast<unsigned>(args.a[3]),
                               *out));
}

int64_t sys_readlinkat(GuestProcess& process, const SyscallArgs& args) {
  auto path = read_guest_path(process, args.a[1]);
  if (!path) return -EFAULT;
  auto out = host_buffer(*process.memory, args.a[2], args.a[3]);
  if (!out) return -EFAULT;
  if (*path == "/proc/self/exe" || *path == fmt::format("/proc/{}/exe", ::getpid())) {
    if (static_cast<int64_t>(args.a[3]) <= 0) return -EINVAL;
    const std::string& exe = process.exe_path;
    const uint64_t n = std::min<uint64_t>(exe.size(), args.a[3]);
    return process.memory->copy_to_guest(args.a[2], exe.data(), n) ? static_cast<int64_t>(n)
                                                                   : -EFAULT;
  }
  const std::string host_path = resolve_guest_path(process, *path);
  return host_result(::syscall(SYS_readlinkat, static_cast<int>(args.a[0]), host_path.c_str(),
                               *out, args.a[3]));
}

int64_t sys_fcntl(GuestProcess& process, const SyscallArgs& args) {
  const int fd = static_cast<int>(args.a[0]);
  const int cmd = static_cast<int>(args.a[1]);
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: case F_GETFD: case F_SETFD: case F_GETFL:
    case F_SETFL: case F_SETOWN: case F_GETOWN: case F_SETPIPE_SZ: case F_GETPIPE_SZ:
    case F_ADD_SEALS: case F_GET_SEALS:
      return host_result(::syscall(SYS_fcntl, fd, cmd, args.a[2]));
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK:
    case F_OFD_SETLKW: {
      auto lock = host_buffer(*process.memory, args.a[2], kKernelFlockBytes);
      if (!lock || !*lock) return -EFAULT;
      return host_result(::syscall(SYS_fcntl, fd, cmd, *lock));
    }
    default:
      return -EINVAL;
  }
}

// ioctls are allowed one by one: the kernel writes through the argument, so its size must be
// known to keep the write inside the guest space.
int64_t sys_ioctl(GuestProcess& process, const SyscallArgs& args) {
  const int fd = static_cast<int>(args.a[0]);
  const uint64_t request = args.a[1];
  uint64_t pointee_bytes = 0;
  bool argument_is_pointer = true;
  switch (request) {
    case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
      pointee_bytes = kKernelTermiosBytes;
      break;
    case TIOCGWINSZ: case TIOCSWINSZ:
      pointee_bytes = sizeof(struct winsize);
      break;
    case TIOCGPGRP: case TIOCSPGRP: case FIONREAD: case FIONBIO: case TIOCOUTQ: case TIOCGSID:
    case TIOCGPTN: case TIOCSPTLCK:
      pointee_bytes = 4;
      break;
    case FIOCLEX: case FIONCLEX: case TIOCNOTTY: case TIOCSCTTY: case TCFLSH: case TCXONC:
    case TCSBRK:
      argument_is_pointer = false;
      break;
    default:
      if (process.warned_ioctls.insert(request).second) {
        fmt::print(process.diagnostics.stream(), "rewind: unsupported ioctl {:#x} on fd {}\n",
                   request, fd);
      }
      return -ENOTTY;
  }
  if (!argument_is_pointer) return host_result(::syscall(SYS_ioctl, fd, request, args.a[2]));
  auto arg = host_buffer(*process.memory, args.a[2], pointee_bytes);
  if (!arg || !*arg) return -EFAULT;
  return host_result(::syscall(SYS_ioctl, fd, request, *arg));
}

int64_t sys_pselect6(GuestProcess& process, const SyscallArgs& args) {
  const int64_t nfds = static_cast<int64_t>(args.a[0]);
  if (nfds < 0 || nfds > 1 << 20) return -EINVAL;
  const uint64_t set_bytes = (static_cast<uint64_t>(nfds) + 63) / 64 * 8;
  void* sets[3];
  for (int i = 0; i < 3; ++i) {
    auto set = host_buffer(*process.memory, args.a[1 + i], set_bytes);
    if (!set) return -EFAULT;
    sets[i] = *set;
  }
  auto timeout = host_buffer(*process.memory, args.a[4], sizeof(struct timespec));
  if (!timeout) return -EFAULT;
  // Guest signal masks have no host meaning (no host signal reaches the guest): not passed on.
  return host_result(::syscall(SYS_pselect6, nfds, sets[0], sets[1], sets[2], *timeout, nullptr));
}

int64_t sys_ppoll(GuestProcess& process, const SyscallArgs& args) {
  const uint64_t nfds = args.a[1];
  if (nfds > 1 << 20) return -EINVAL;
  auto fds = host_buffer(*process.memory, args.a[0], nfds * sizeof(struct pollfd));
  auto timeout = host_buffer(*process.memory, args.a[2], sizeof(struct timespec));
  if (!fds || !timeout) return -EFAULT;
  return host_result(::syscall(SYS_ppoll, *fds, nfds, *timeout, nullptr, 0));
}

int64_t sys_utimensat(GuestProcess& process, const SyscallArgs& args) {
  std::string host_path;
  const char* path = nullptr;
  if (args.a[1] != 0) {  // NULL path: futimens on dirfd
    PathArg resolved = lookup_path(process, args.a[1], false);
    if (resolved.error) return resolved.error;
    host_path = std::move(resolved.host_path);
    path = host_path.c_str();
  }
  auto times = host_buffer(*process.memory, args.a[2], 2 * sizeof(struct timespec));
  if (!times) return -EFAULT;
  return host_result(::syscall(SYS_utimensat, static_cast<int>(args.a[0]), path, *times,
                               static_cast<int>(args.a[3])));
}

// Syscalls of the shape (path, integer args...) that pass straight through.
int64_t path_then_ints(GuestProcess& process, long host_number, uint64_t guest_path, bool resolve,
                       uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  PathArg path = lookup_path(process, guest_path, resolve);
  if (path.error) return path.error;
  return host_result(::syscall(host_number, path.host_path.c_str(), a, b, c));
}

// Syscalls of the shape (dirfd, path, integer args...).
int64_t at_path_then_ints(GuestProcess& process, long host_number, const SyscallArgs& args,
                          bool resolve) {
  PathArg path = lookup_path(process, args.a[1], resolve);
  if (path.error) return path.error;
  return host_result(::syscall(host_number, static_cast<int>(args.a[0]), path.host_path.c_str(),
                               args.a[2], args.a[3], args.a[4]));
}

}  // namespace

std::optional<int64_t> file_syscall(GuestProcess& process, uint64_t number,
                                    const SyscallArgs& args) {
  UserMemory& memory = *process.memory;
  const uint64_t* a = args.a;
  switch (static_cast<Sysno>(number)) {
    case Sysno::read: return buffer_io(process, SYS_read, args);
    case Sysno::write: return buffer_io(process, SYS_write, args);
    case Sysno::pread64: return buffer_io(process, SYS_pread64, args);
    case Sysno::pwrite64: return buffer_io(process, SYS_pwrite64, args);
    case Sysno::readv: return vectored_io(process, SYS_readv, args, false);
    case Sysno::writev: return vectored_io(process, SYS_writev, args, false);
    case Sysno::preadv: return vectored_io(process, SYS_preadv, args, true);
    case Sysno::pwritev: return vectored_io(process, SYS_pwritev, args, true);
    case Sysno::openat: return sys_openat(process, args);
    case Sysno::close:
      if (hidden_fd(process, a[0])) return -EBADF;
      return host_result(::syscall(SYS_close, static_cast<int>(a[0])));
    case Sysno::lseek: return host_result(::syscall(SYS_lseek, static_cast<int>(a[0]), a[1], a[2]));
    case Sysno::fstat: return sys_fstat(process, args);
    case Sysno::newfstatat: return sys_newfstatat(process, args);
    case Sysno::statx: return sys_statx(process, args);
    case Sysno::getdents64: return buffer_io(process, SYS_getdents64, args);
    case Sysno::readlinkat: return sys_readlinkat(process, args);
    case Sysno::faccessat: return at_path_then_ints(process, SYS_faccessat, args, true);
    case Sysno::faccessat2: return at_path_then_ints(process, SYS_faccessat2, args, true);
    case Sysno::unlinkat: return at_path_then_ints(process, SYS_unlinkat, args, false);
    case Sysno::mkdirat: return at_path_then_ints(process, SYS_mkdirat, args, false);
    case Sysno::fchmodat: return at_path_then_ints(process, SYS_fchmodat, args, false);
    case Sysno::fchownat: return at_path_then_ints(process, SYS_fchownat, args, false);
    case Sysno::mknodat: return at_path_then_ints(process, SYS_mknodat, args, false);
    case Sysno::renameat2: {
      PathArg from = lookup_path(process, a[1], false);
      PathArg to = lookup_path(process, a[3], false);
      if (from.error || to.error) return -EFAULT;
      return host_result(::syscall(SYS_renameat2, static_cast<int>(a[0]), from.host_path.c_str(),
                                   static_cast<int>(a[2]), to.host_path.c_str(),
                                   static_cast<unsigned>(a[4])));
    }
    case Sysno::linkat: {
      PathArg from = lookup_path(process, a[1], false);
      PathArg to = lookup_path(process, a[3], false);
      if (from.error || to.error) return -EFAULT;
      return host_result(::syscall(SYS_linkat, static_cast<int>(a[0]), from.host_path.c_str(),
                                   static_cast<int>(a[2]), to.host_path.c_str(),
                                   static_cast<int>(a[4])));
    }
    case Sysno::symlinkat: {
      PathArg target = lookup_path(process, a[0], false);
      PathArg link = lookup_path(process, a[2], false);
      if (target.error || link.error) return -EFAULT;
      return host_result(::syscall(SYS_symlinkat, target.host_path.c_str(),
                                   static_cast<int>(a[1]), link.host_path.c_str()));
    }
    case Sysno::fcntl: return sys_fcntl(process, args);
    case Sysno::ioctl: return sys_ioctl(process, args);
    case Sysno::dup: return host_result(::syscall(SYS_dup, static_cast<int>(a[0])));
    case Sysno::dup3:
      if (hidden_fd(process, a[1])) return -EBADF;
      return host_result(::syscall(SYS_dup3, static_cast<int>(a[0]), static_cast<int>(a[1]),
                                   static_cast<int>(a[2])));
    case Sysno::pipe2: {
      auto fds = host_buffer(memory, a[0], 2 * sizeof(int));
      if (!fds || !*fds) return -EFAULT;
      return host_result(::syscall(SYS_pipe2, *fds, static_cast<int>(a[1])));
    }
    case Sysno::getcwd: {
      auto buffer = host_buffer(memory, a[0], a[1]);
      if (!buffer) return -EFAULT;
      return host_result(::syscall(SYS_getcwd, *buffer, a[1]));
    }
    case Sysno::chdir: return path_then_ints(process, SYS_chdir, a[0], false, 0);
    case Sysno::fchdir: return host_result(::syscall(SYS_fchdir, static_cast<int>(a[0])));
    case Sysno::truncate: return path_then_ints(process, SYS_truncate, a[0], false, a[1]);
    case Sysno::ftruncate:
      return host_result(::syscall(SYS_ftruncate, static_cast<int>(a[0]), a[1]));
    case Sysno::fallocate:
      return host_result(::syscall(SYS_fallocate, static_cast<int>(a[0]), static_cast<int>(a[1]),
                                   a[2], a[3]));
    case Sysno::fsync: return host_result(::syscall(SYS_fsync, static_cast<int>(a[0])));
    case Sysno::fdatasync: return host_result(::syscall(SYS_fdatasync, static_cast<int>(a[0])));
    case Sysno::sync: ::sync(); return 0;
    case Sysno::flock:
      return host_result(::syscall(SYS_flock, static_cast<int>(a[0]), static_cast<int>(a[1])));
    case Sysno::fchmod:
      return host_result(::syscall(SYS_fchmod, static_cast<int>(a[0]), static_cast<mode_t>(a[1])));
    case Sysno::fchown:
      return host_result(::syscall(SYS_fchown, static_cast<int>(a[0]), a[1], a[2]));
    case Sysno::umask: return host_result(::syscall(SYS_umask, static_cast<mode_t>(a[0])));
    case Sysno::utimensat: return sys_utimensat(process, args);
    case Sysno::statfs: {
      PathArg path = lookup_path(process, a[0], true);
      if (path.error) return path.error;
      auto out = host_buffer(memory, a[1], kStatfsBytes);
      if (!out || !*out) return -EFAULT;
      return host_result(::syscall(SYS_statfs, path.host_path.c_str(), *out));
    }
    case Sysno::fstatfs: {
      auto out = host_buffer(memory, a[1], kStatfsBytes);
      if (!out || !*out) return -EFAULT;
      return host_result(::syscall(SYS_fstatfs, static_cast<int>(a[0]), *out));
    }
    case Sysno::sendfile: {
      auto offset = host_buffer(memory, a[2], sizeof(int64_t));
      if (!offset) return -EFAULT;
      return host_result(::syscall(SYS_sendfile, static_cast<int>(a[0]), static_cast<int>(a[1]),
                                   *offset, a[3]));
    }
    case Sysno::pselect6: return sys_pselect6(process, args);
    case Sysno::ppoll: return sys_ppoll(process, args);
    case Sysno::memfd_create: {
      auto name = read_guest_path(process, a[0]);
      if (!name) return -EFAULT;
      return host_result(::syscall(SYS_memfd_create, name->c_str(), static_cast<unsigned>(a[1])));
    }
    case Sysno::fadvise64:
      return host_result(::syscall(SYS_fadvise64, static_cast<int>(a[0]), a[1], a[2],
                                   static_cast<int>(a[3])));
    case Sysno::close_range: {
      // Close around Rewind's diagnostics descriptor, which the guest cannot see.
      const unsigned first = unsigned(a[0]), last = unsigned(a[1]), flags = unsigned(a[2]);
      const int hidden = process.diagnostics.fd();
      if (hidden < 0 || unsigned(hidden) < first || unsigned(hidden) > last) {
        return host_result(::syscall(SYS_close_range, first, last, flags));
      }
      int64_t r = 0;
      if (unsigned(hidden) > first) r = host_result(::syscall(SYS_close_range, first, hidden - 1, flags));
      if (r == 0 && unsigned(hidden) < last) {
        r = host_result(::syscall(SYS_close_range, unsigned(hidden) + 1, last, flags));
      }
      return r;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace rwd::linux_user
