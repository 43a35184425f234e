// Process, identity, time, resource, futex and signal syscalls.
#include <linux/futex.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "linux_user/guest_process.h"
#include "linux_user/signals.h"
#include "linux_user/syscalls.h"

namespace rwd::linux_user {
namespace {

constexpr uint64_t kTimespecBytes = 16;
constexpr uint64_t kTimevalBytes = 16;
constexpr uint64_t kTimezoneBytes = 8;
constexpr uint64_t kRusageBytes = 144;
constexpr uint64_t kTmsBytes = 32;
constexpr uint64_t kSysinfoBytes = 112;
constexpr uint64_t kMaxGetrandomBytes = (uint64_t{1} << 25) - 1;  // Linux's per-call cap

// Passes a syscall through whose pointer arguments are (index, pointee size) pairs.
template <size_t N>
int64_t with_buffers(GuestProcess& process, long host_number, const SyscallArgs& args,
                     const std::pair<int, uint64_t> (&buffers)[N]) {
  uint64_t host_args[6];
  std::copy(std::begin(args.a), std::end(args.a), host_args);
  for (const auto& [index, bytes] : buffers) {
    auto host = host_buffer(*process.memory, args.a[index], bytes);
    if (!host) return -EFAULT;
    host_args[index] = reinterpret_cast<uint64_t>(*host);
  }
  return host_result(::syscall(host_number, host_args[0], host_args[1], host_args[2],
                               host_args[3], host_args[4], host_args[5]));
}

int64_t sys_uname(GuestProcess& process, uint64_t guest) {
  struct utsname name;
  if (::uname(&name) != 0) return -errno;
  std::memset(name.machine, 0, sizeof name.machine);
  std::strcpy(name.machine, "riscv64");
  return process.memory->copy_to_guest(guest, &name, sizeof name) ? 0 : -EFAULT;
}

// The guest's struct timespec and struct timeval are two 64-bit fields, as on the host.
int64_t sys_clock_gettime(GuestProcess& process, uint64_t clock_id, uint64_t guest) {
  timespec now{};
  const int64_t status = process.clock->read(int64_t(int32_t(clock_id)), now);
  if (status < 0) return status;
  const int64_t fields[2] = {now.tv_sec, now.tv_nsec};
  return process.memory->copy_to_guest(guest, fields, kTimespecBytes) ? 0 : -EFAULT;
}

int64_t sys_gettimeofday(GuestProcess& process, uint64_t guest_tv, uint64_t guest_tz) {
  if (guest_tv) {
    timespec now{};
    const int64_t status = process.clock->read(CLOCK_REALTIME, now);
    if (status < 0) return status;
    const int64_t fields[2] = {now.tv_sec, now.tv_nsec / 1000};
    if (!process.memory->copy_to_guest(guest_tv, fields, kTimevalBytes)) return -EFAULT;
  }
  // The kernel's timezone is obsolete and zero on every current system.
  const uint8_t zone[kTimezoneBytes] = {};
  if (guest_tz && !process.memory->copy_to_guest(guest_tz, zone, kTimezoneBytes)) return -EFAULT;
  return 0;
}

int64_t sys_getrandom(GuestProcess& process, uint64_t guest, uint64_t len, uint64_t flags) {
  if (flags & ~uint64_t{GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE}) return -EINVAL;
  len = std::min(len, kMaxGetrandomBytes);
  uint8_t chunk[4096];
  uint64_t done = 0;
  while (done < len) {
    const uint64_t n = std::min<uint64_t>(sizeof chunk, len - done);
    if (!process.memory->is_accessible(guest + done, n, kProtWrite)) break;
    process.random.fill(std::span(chunk, n));
    process.memory->copy_to_guest(guest + done, chunk, n);
    done += n;
  }
  if (done == 0 && len > 0) return -EFAULT;
  return static_cast<int64_t>(done);
}

int64_t sys_prlimit64(GuestProcess& process, uint64_t pid, uint64_t resource, uint64_t new_limit,
                      uint64_t old_limit) {
  if (pid != 0 && pid != static_cast<uint64_t>(::getpid())) return -EPERM;
  if (resource >= kGuestResourceLimits) return -EINVAL;
  GuestRlimit& slot = process.rlimits[resource];
  GuestRlimit requested{};
  if (new_limit && !process.memory->copy_from_guest(&requested, new_limit, sizeof requested)) {
    return -EFAULT;
  }
  if (new_limit && requested.current > requested.maximum) return -EINVAL;
  if (old_limit && !process.memory->copy_to_guest(old_limit, &slot, sizeof slot)) return -EFAULT;
  if (new_limit) slot = requested;
  return 0;
}

// A single-threaded guest has nobody to wait for or wake: waits either fail the value check or
// would sleep forever.
int64_t sys_futex(GuestProcess& process, const SyscallArgs& args) {
  constexpr int kCommandMask = 127;  // strips FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
  const int command = static_cast<int>(args.a[1]) & kCommandMask;
  const uint64_t uaddr = args.a[0];
  uint32_t current = 0;
  switch (command) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
      if (uaddr & 3) return -EINVAL;
      if (!process.memory->copy_from_guest(&current, uaddr, 4)) return -EFAULT;
      if (current != static_cast<uint32_t>(args.a[2])) return -EAGAIN;
      // Sleeping until the timeout would change nothing a lone thread could observe except
      // time; report the timeout at once, or an interruption when there is no timeout.
      return args.a[3] ? -ETIMEDOUT : -EINTR;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_WAKE_OP:
    case FUTEX_REQUEUE:
      return 0;
    case FUTEX_CMP_REQUEUE:
      if (!process.memory->copy_from_guest(&current, uaddr, 4)) return -EFAULT;
      return current == static_cast<uint32_t>(args.a[5]) ? 0 : -EAGAIN;
    default:
      return -ENOSYS;
  }
}

int64_t sys_prctl(GuestProcess& process, const SyscallArgs& args) {
  constexpr uint64_t kSetName = 15;
  constexpr uint64_t kGetName = 16;
  constexpr uint64_t kNameBytes = 16;
  switch (args.a[0]) {
    case kSetName: {
      char name[kNameBytes] = {};
      auto text = process.memory->read_string(args.a[1], kNameBytes * 16);
      if (!text) return -EFAULT;
      std::strncpy(name, text->c_str(), kNameBytes - 1);
      process.thread_name.assign(name);
      return 0;
    }
    case kGetName: {
      char name[kNameBytes] = {};
      std::strncpy(name, process.thread_name.c_str(), kNameBytes - 1);
      return process.memory->copy_to_guest(args.a[1], name, kNameBytes) ? 0 : -EFAULT;
    }
    default:
      return -EINVAL;
  }
}

}  // namespace

std::optional<int64_t> process_syscall(GuestProcess& process, uint64_t number,
                                       const SyscallArgs& args) {
  UserMemory& memory = *process.memory;
  const uint64_t* a = args.a;
  switch (static_cast<Sysno>(number)) {
    case Sysno::exit:  // one thread: ending it ends the process
    case Sysno::exit_group:
      process.exit = GuestExit{false, static_cast<int>(a[0] & 0xff)};
      return 0;
    case Sysno::getpid: return ::getpid();
    case Sysno::gettid: return ::gettid();
    case Sysno::getppid: return ::getppid();
    case Sysno::getuid: return ::getuid();
    case Sysno::geteuid: return ::geteuid();
    case Sysno::getgid: return ::getgid();
    case Sysno::getegid: return ::getegid();
    case Sysno::getpgid: return host_result(::getpgid(static_cast<pid_t>(a[0])));
    case Sysno::getsid: return host_result(::getsid(static_cast<pid_t>(a[0])));
    case Sysno::setpgid:
      return host_result(::setpgid(static_cast<pid_t>(a[0]), static_cast<pid_t>(a[1])));
    case Sysno::setsid: return host_result(::setsid());
    case Sysno::getresuid:
      return with_buffers(process, SYS_getresuid, args, {{0, 4}, {1, 4}, {2, 4}});
    case Sysno::getresgid:
      return with_buffers(process, SYS_getresgid, args, {{0, 4}, {1, 4}, {2, 4}});
    case Sysno::getgroups: {
      if (a[0] > 65536) return -EINVAL;
      return with_buffers(process, SYS_getgroups, args, {{1, a[0] * 4}});
    }
    case Sysno::uname: return sys_uname(process, a[0]);
    case Sysno::personality: return a[0] == 0xffffffff || a[0] == 0 ? 0 : -EINVAL;
    case Sysno::prctl: return sys_prctl(process, args);
    // --- time ---
    case Sysno::clock_gettime: return sys_clock_gettime(process, a[0], a[1]);
    case Sysno::clock_getres:
      return with_buffers(process, SYS_clock_getres, args, {{1, kTimespecBytes}});
    case Sysno::gettimeofday: return sys_gettimeofday(process, a[0], a[1]);
    case Sysno::nanosleep:
      return with_buffers(process, SYS_nanosleep, args, {{0, kTimespecBytes}, {1, kTimespecBytes}});
    case Sysno::clock_nanosleep:
      return with_buffers(process, SYS_clock_nanosleep, args,
                          {{2, kTimespecBytes}, {3, kTimespecBytes}});
    case Sysno::times: return with_buffers(process, SYS_times, args, {{0, kTmsBytes}});
    case Sysno::getrusage: return with_buffers(process, SYS_getrusage, args, {{1, kRusageBytes}});
    case Sysno::sysinfo: return with_buffers(process, SYS_sysinfo, args, {{0, kSysinfoBytes}});
    case Sysno::getrandom: return sys_getrandom(process, a[0], a[1], a[2]);
    // --- resources and scheduling ---
    case Sysno::prlimit64: return sys_prlimit64(process, a[0], a[1], a[2], a[3]);
    case Sysno::getrlimit: return sys_prlimit64(process, 0, a[0], 0, a[1]);
    case Sysno::setrlimit: return sys_prlimit64(process, 0, a[0], a[1], 0);
    case Sysno::sched_yield: return 0;
    case Sysno::sched_getaffinity: {
      if (a[1] > (1 << 20)) return -EINVAL;
      return with_buffers(process, SYS_sched_getaffinity, args, {{2, a[1]}});
    }
    case Sysno::sched_setaffinity: return 0;  // never pin the emulator on the guest's behalf
    case Sysno::getcpu: return with_buffers(process, SYS_getcpu, args, {{0, 4}, {1, 4}});
    case Sysno::getpriority:
      return host_result(::syscall(SYS_getpriority, static_cast<int>(a[0]), a[1]));
    case Sysno::wait4:
      return with_buffers(process, SYS_wait4, args, {{1, 4}, {3, kRusageBytes}});
    // --- threads (one thread only) ---
    case Sysno::set_tid_address:
      process.clear_child_tid = a[0];
      return ::gettid();
    case Sysno::set_robust_list:
      if (a[1] != 24) return -EINVAL;  // sizeof(struct robust_list_head)
      process.robust_list_head = a[0];
      return 0;
    case Sysno::futex: return sys_futex(process, args);
    case Sysno::membarrier: return a[0] == 0 ? 0 : -EINVAL;  // QUERY: no command supported
    // --- signals ---
    case Sysno::rt_sigaction: return sys_rt_sigaction(process, a[0], a[1], a[2], a[3]);
    case Sysno::rt_sigprocmask: return sys_rt_sigprocmask(process, a[0], a[1], a[2], a[3]);
    case Sysno::rt_sigpending: return sys_rt_sigpending(process, a[0], a[1]);
    case Sysno::sigaltstack: return sys_sigaltstack(process, a[0], a[1]);
    case Sysno::rt_sigreturn: return sys_rt_sigreturn(process);
    case Sysno::kill:
      return sys_kill(process, static_cast<int32_t>(a[0]), static_cast<int64_t>(a[1]));
    case Sysno::tkill:
      return sys_tgkill(process, -1, static_cast<int32_t>(a[0]), static_cast<int64_t>(a[1]));
    case Sysno::tgkill:
      return sys_tgkill(process, static_cast<int32_t>(a[0]), static_cast<int32_t>(a[1]),
                        static_cast<int64_t>(a[2]));
    // --- RISC-V specific ---
    case Sysno::riscv_flush_icache:
      if (a[1] > a[0]) memory.note_code_change(a[0], a[1]);
      return 0;
    default:
      return std::nullopt;
  }
}

}  // namespace rwd::linux_user
