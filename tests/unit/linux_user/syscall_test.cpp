// The syscall layer driven directly: registers in, ecall handled, a0 out.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/futex.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "linux_user/guest_abi.h"
#include "linux_user/syscalls.h"
#include "linux_user/user_memory.h"
#include "linux_user/user_process.h"
#include "test_support.h"

namespace rwd::linux_user {
namespace {

using testing::guest_program;

class SyscallTest : public ::testing::Test {
 protected:
  // Rewind's messages written since the last call.
  std::string new_diagnostics() {
    std::FILE* f = diagnostics_.get();
    std::fflush(f);
    std::string text;
    std::fseek(f, long(diagnostics_read_), SEEK_SET);
    for (int c; (c = std::fgetc(f)) != EOF;) text += char(c);
    diagnostics_read_ += text.size();
    std::fseek(f, 0, SEEK_END);
    return text;
  }
  struct FileCloser {
    void operator()(std::FILE* f) const { if (f) std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> diagnostics_;
  size_t diagnostics_read_ = 0;

  void SetUp() override { start(); }

  void start(const std::string& prefix = LINUX_USER_SYSROOT, uint64_t seed = 0,
             std::shared_ptr<HostClock> clock = nullptr) {
    UserOptions options;
    options.clock = std::move(clock);
    options.program = guest_program("hello_static");
    options.argv = {"hello"};
    options.env = std::vector<std::string>{};
    options.prefix = prefix;
    options.random_seed = seed;
    diagnostics_.reset(std::tmpfile());
    options.diagnostics = diagnostics_.get();
    std::string error;
    process = UserProcess::create(options, &error);
    ASSERT_TRUE(process) << error;
    scratch = static_cast<uint64_t>(call(Sysno::mmap, 0, 4 * kGuestPageSize,
                                         PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                         uint64_t(-1), 0));
    ASSERT_GT(int64_t(scratch), 0);
  }

  // Performs a syscall as an ecall at the current pc would.
  int64_t call(Sysno number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    CpuState& cpu = process->cpu();
    cpu.x[17] = static_cast<uint64_t>(number);
    const uint64_t args[] = {a0, a1, a2, a3, a4, a5};
    for (int i = 0; i < 6; ++i) cpu.x[10 + i] = args[i];
    const uint64_t pc = cpu.pc;
    const uint64_t icount = cpu.icount;
    last_exit = process->handle_ecall();
    if (!last_exit) {
      EXPECT_EQ(cpu.icount, icount + 1);
      if (number != Sysno::rt_sigreturn) {
        EXPECT_EQ(cpu.pc, pc + 4);
      }
    }
    return static_cast<int64_t>(cpu.x[10]);
  }

  uint64_t put_string(uint64_t at, const std::string& s) {
    EXPECT_TRUE(memory().copy_to_guest(at, s.c_str(), s.size() + 1));
    return at;
  }
  UserMemory& memory() { return process->user_memory(); }

  std::unique_ptr<UserProcess> process;
  uint64_t scratch = 0;
  std::optional<GuestExit> last_exit;
};

TEST_F(SyscallTest, WriteAndReadGoThroughHostDescriptors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  put_string(scratch, "guest says hi");
  EXPECT_EQ(call(Sysno::write, fds[1], scratch, 13), 13);
  char buffer[32] = {};
  ASSERT_EQ(::read(fds[0], buffer, sizeof buffer), 13);
  EXPECT_STREQ(buffer, "guest says hi");
  ASSERT_EQ(::write(fds[1], "back", 4), 4);
  EXPECT_EQ(call(Sysno::read, fds[0], scratch + 100, 4), 4);
  char back[5] = {};
  memory().copy_from_guest(back, scratch + 100, 4);
  EXPECT_STREQ(back, "back");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(SyscallTest, BadGuestBuffersAreEfaultNotCrashes) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "data", 4), 4);
  ASSERT_EQ(call(Sysno::mprotect, scratch, kGuestPageSize, PROT_READ), 0);
  EXPECT_EQ(call(Sysno::read, fds[0], scratch, 4), -EFAULT) << "read-only guest page";
  EXPECT_EQ(call(Sysno::read, fds[0], kGuestSpaceSize - 2, 4), -EFAULT) << "past the space";
  EXPECT_EQ(call(Sysno::write, fds[1], kGuestSpaceSize / 2, 4), -EFAULT) << "unmapped";
  EXPECT_EQ(call(Sysno::openat, AT_FDCWD, UINT64_MAX - 10, O_RDONLY), -EFAULT);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(SyscallTest, VectoredWriteTranslatesEveryBuffer) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  put_string(scratch + 512, "abc");
  put_string(scratch + 1024, "defg");
  const uint64_t iov[] = {scratch + 512, 3, scratch + 1024, 4};
  memory().copy_to_guest(scratch, iov, sizeof iov);
  EXPECT_EQ(call(Sysno::writev, fds[1], scratch, 2), 7);
  char buffer[8] = {};
  ASSERT_EQ(::read(fds[0], buffer, 7), 7);
  EXPECT_STREQ(buffer, "abcdefg");
  const uint64_t bad_iov[] = {kGuestSpaceSize - 1, 16};
  memory().copy_to_guest(scratch, bad_iov, sizeof bad_iov);
  EXPECT_EQ(call(Sysno::writev, fds[1], scratch, 1), -EFAULT);
  EXPECT_EQ(call(Sysno::writev, fds[1], scratch, 5000), -EINVAL);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(SyscallTest, StatResultsUseTheRiscvLayout) {
  const std::string path = ::testing::TempDir() + "/rewind_stat_target";
  {
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0640);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "12345", 5), 5);
    ::close(fd);
  }
  struct stat host;
  ASSERT_EQ(::stat(path.c_str(), &host), 0);
  put_string(scratch, path);
  ASSERT_EQ(call(Sysno::newfstatat, AT_FDCWD, scratch, scratch + 1024, 0), 0);
  GuestStat guest;
  memory().copy_from_guest(&guest, scratch + 1024, sizeof guest);
  EXPECT_EQ(guest.size, 5);
  EXPECT_EQ(guest.mode, host.st_mode);
  EXPECT_EQ(guest.ino, host.st_ino);
  EXPECT_EQ(guest.nlink, 1u);
  EXPECT_EQ(guest.blksize, host.st_blksize);
  EXPECT_EQ(guest.mtime, host.st_mtim.tv_sec);
  EXPECT_EQ(guest.mtime_nsec, uint64_t(host.st_mtim.tv_nsec));

  const int64_t fd = call(Sysno::openat, AT_FDCWD, scratch, O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(call(Sysno::fstat, fd, scratch + 2048), 0);
  GuestStat via_fd;
  memory().copy_from_guest(&via_fd, scratch + 2048, sizeof via_fd);
  EXPECT_EQ(std::memcmp(&guest, &via_fd, sizeof guest), 0);
  EXPECT_EQ(call(Sysno::close, fd), 0);
  EXPECT_EQ(call(Sysno::newfstatat, AT_FDCWD, scratch, kGuestSpaceSize - 8, 0), -EFAULT);
  ::unlink(path.c_str());
}

TEST_F(SyscallTest, AbsolutePathsAreLookedUpUnderThePrefixFirst) {
  const std::filesystem::path prefix = ::testing::TempDir() + "/rewind_prefix";
  std::filesystem::create_directories(prefix / "etc");
  {
    int fd = ::open((prefix / "etc" / "rewind_marker").c_str(), O_CREAT | O_TRUNC | O_WRONLY,
                    0644);
    ASSERT_EQ(::write(fd, "inside", 6), 6);
    ::close(fd);
  }
  start(prefix.string());
  put_string(scratch, "/etc/rewind_marker");
  const int64_t fd = call(Sysno::openat, AT_FDCWD, scratch, O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(call(Sysno::read, fd, scratch + 256, 6), 6);
  char text[7] = {};
  memory().copy_from_guest(text, scratch + 256, 6);
  EXPECT_STREQ(text, "inside");
  call(Sysno::close, fd);
  // Paths missing under the prefix fall back to the host path.
  put_string(scratch, "/proc/self/status");
  const int64_t host_fd = call(Sysno::openat, AT_FDCWD, scratch, O_RDONLY);
  EXPECT_GE(host_fd, 0);
  call(Sysno::close, host_fd);
  std::filesystem::remove_all(prefix);
}

TEST_F(SyscallTest, ProcSelfExeNamesTheGuestProgram) {
  put_string(scratch, "/proc/self/exe");
  const int64_t n = call(Sysno::readlinkat, AT_FDCWD, scratch, scratch + 256, 1024);
  ASSERT_GT(n, 0);
  std::string target(static_cast<size_t>(n), '\0');
  memory().copy_from_guest(target.data(), scratch + 256, static_cast<uint64_t>(n));
  EXPECT_EQ(target, std::filesystem::canonical(guest_program("hello_static")).string());
}

TEST_F(SyscallTest, MemorySyscallsManageTheGuestSpace) {
  const uint64_t brk0 = static_cast<uint64_t>(call(Sysno::brk, 0));
  EXPECT_GT(brk0, 0u);
  EXPECT_EQ(static_cast<uint64_t>(call(Sysno::brk, brk0 + 100000)), brk0 + 100000);
  EXPECT_TRUE(memory().is_accessible(brk0, 100000, kProtRead | kProtWrite));

  const int64_t fixed = call(Sysno::mmap, 0x7000000, kGuestPageSize, PROT_READ | PROT_EXEC,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, uint64_t(-1), 0);
  EXPECT_EQ(fixed, 0x7000000);
  memory().take_code_changes();
  EXPECT_EQ(call(Sysno::munmap, 0x7000000, kGuestPageSize), 0);
  EXPECT_EQ(memory().take_code_changes().size(), 1u) << "unmapped code must be invalidated";
  EXPECT_EQ(call(Sysno::munmap, 0x7000001, kGuestPageSize), -EINVAL);

  // A file mapping shows the file's bytes.
  const std::string path = guest_program("hello_static");
  put_string(scratch, path);
  const int64_t fd = call(Sysno::openat, AT_FDCWD, scratch, O_RDONLY);
  ASSERT_GE(fd, 0);
  const int64_t mapped = call(Sysno::mmap, 0, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
  ASSERT_GT(mapped, 0);
  char magic[4];
  memory().copy_from_guest(magic, mapped, 4);
  EXPECT_EQ(std::memcmp(magic, "\x7f" "ELF", 4), 0);
  EXPECT_EQ(memory().find_vma(mapped)->name, std::filesystem::canonical(path).string());
  call(Sysno::close, fd);

  const int64_t grown = call(Sysno::mremap, scratch, 4 * kGuestPageSize, 64 * kGuestPageSize,
                             MREMAP_MAYMOVE);
  EXPECT_GT(grown, 0);
  EXPECT_EQ(call(Sysno::madvise, grown, kGuestPageSize, MADV_DONTNEED), 0);
  EXPECT_EQ(call(Sysno::madvise, grown, kGuestPageSize, MADV_HWPOISON), -EINVAL);
}

TEST_F(SyscallTest, GetrandomIsDeterministicPerSeed) {
  auto draw = [&](uint64_t seed) {
    start(LINUX_USER_SYSROOT, seed);
    EXPECT_EQ(call(Sysno::getrandom, scratch, 64, 0), 64);
    std::array<uint8_t, 64> bytes;
    memory().copy_from_guest(bytes.data(), scratch, 64);
    return bytes;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
  EXPECT_EQ(call(Sysno::getrandom, kGuestSpaceSize / 2, 8, 0), -EFAULT);
  EXPECT_EQ(call(Sysno::getrandom, scratch, 8, 0x100), -EINVAL);
}

TEST_F(SyscallTest, IdentityAndTime) {
  EXPECT_EQ(call(Sysno::getpid), ::getpid());
  EXPECT_EQ(call(Sysno::gettid), ::gettid());
  EXPECT_EQ(call(Sysno::set_tid_address, scratch), ::gettid());
  EXPECT_EQ(call(Sysno::getuid), ::getuid());
  ASSERT_EQ(call(Sysno::uname, scratch), 0);
  EXPECT_EQ(memory().read_string(scratch + 4 * 65, 65), "riscv64");
  EXPECT_EQ(call(Sysno::clock_gettime, CLOCK_MONOTONIC, scratch), 0);
  EXPECT_EQ(call(Sysno::clock_gettime, CLOCK_MONOTONIC, kGuestSpaceSize), -EFAULT);
  EXPECT_EQ(call(Sysno::gettimeofday, scratch, 0), 0);
  ASSERT_EQ(call(Sysno::prlimit64, 0, RLIMIT_STACK, 0, scratch), 0);
  uint64_t limit[2];
  memory().copy_from_guest(limit, scratch, 16);
  EXPECT_EQ(limit[0], 8u << 20);
  const uint64_t lower[] = {1 << 20, 1 << 21};
  memory().copy_to_guest(scratch, lower, 16);
  EXPECT_EQ(call(Sysno::prlimit64, 0, RLIMIT_STACK, scratch, 0), 0);
  ASSERT_EQ(call(Sysno::getrlimit, RLIMIT_STACK, scratch + 64), 0);
  memory().copy_from_guest(limit, scratch + 64, 16);
  EXPECT_EQ(limit[1], 1u << 21);
  EXPECT_EQ(call(Sysno::futex, scratch, FUTEX_WAKE, 1), 0);
  EXPECT_EQ(call(Sysno::futex, scratch + 64, FUTEX_WAIT, 12345), -EAGAIN);
}

// Guest time is a host input read through one HostClock, which record/replay will take over.
TEST_F(SyscallTest, GuestClocksComeFromTheInjectedHostClock) {
  struct FixedClock : HostClock {
    int64_t read(int64_t clock_id, timespec& out) override {
      if (clock_id == 12345) return -EINVAL;
      out = {1700000000 + clock_id, 123456789};
      return 0;
    }
  };
  start(LINUX_USER_SYSROOT, 0, std::make_shared<FixedClock>());
  ASSERT_EQ(call(Sysno::clock_gettime, CLOCK_MONOTONIC, scratch), 0);
  int64_t fields[2];
  memory().copy_from_guest(fields, scratch, 16);
  EXPECT_EQ(fields[0], 1700000000 + CLOCK_MONOTONIC);
  EXPECT_EQ(fields[1], 123456789);
  EXPECT_EQ(call(Sysno::clock_gettime, 12345, scratch), -EINVAL);
  ASSERT_EQ(call(Sysno::gettimeofday, scratch, scratch + 16), 0);
  int64_t tv_and_tz[3];
  memory().copy_from_guest(tv_and_tz, scratch, 24);
  EXPECT_EQ(tv_and_tz[0], 1700000000 + CLOCK_REALTIME);
  EXPECT_EQ(tv_and_tz[1], 123456);
  EXPECT_EQ(tv_and_tz[2], 0);
}

TEST_F(SyscallTest, TerminalIoctls) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_EQ(call(Sysno::ioctl, fds[0], TIOCGWINSZ, scratch), -ENOTTY) << "a pipe is no tty";
  EXPECT_EQ(call(Sysno::ioctl, fds[0], TCGETS, kGuestSpaceSize - 4), -EFAULT);
  new_diagnostics();
  EXPECT_EQ(call(Sysno::ioctl, fds[0], 0x12345678, scratch), -ENOTTY);
  EXPECT_EQ(call(Sysno::ioctl, fds[0], 0x12345678, scratch), -ENOTTY);
  EXPECT_EQ(new_diagnostics(),
            fmt::format("rewind: unsupported ioctl 0x12345678 on fd {}\n", fds[0]));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(SyscallTest, UnsupportedSyscallsWarnOnceAndReturnEnosys) {
  new_diagnostics();
  EXPECT_EQ(call(Sysno::socket, 2, 1, 0), -ENOSYS);
  EXPECT_EQ(call(Sysno::socket, 2, 1, 0), -ENOSYS);
  EXPECT_EQ(call(static_cast<Sysno>(9999)), -ENOSYS);
  EXPECT_EQ(call(Sysno::rseq), -ENOSYS);
  EXPECT_EQ(new_diagnostics(),
            "rewind: unsupported syscall 198 (socket)\n"
            "rewind: unsupported syscall 9999 (unknown)\n");
}

TEST_F(SyscallTest, ExitGroupEndsTheProcess) {
  call(Sysno::exit_group, 0x107);
  ASSERT_TRUE(last_exit);
  EXPECT_FALSE(last_exit->by_signal);
  EXPECT_EQ(last_exit->code, 7);
}

TEST_F(SyscallTest, SignalActionsAndMaskAreKept) {
  const uint64_t action[] = {0x12340, 0x4 /* SA_SIGINFO */, 1 << (SIGINT - 1)};
  memory().copy_to_guest(scratch, action, sizeof action);
  EXPECT_EQ(call(Sysno::rt_sigaction, SIGUSR1, scratch, 0, 8), 0);
  EXPECT_EQ(call(Sysno::rt_sigaction, SIGUSR1, 0, scratch + 64, 8), 0);
  uint64_t back[3];
  memory().copy_from_guest(back, scratch + 64, sizeof back);
  EXPECT_EQ(std::memcmp(back, action, sizeof back), 0);
  EXPECT_EQ(call(Sysno::rt_sigaction, SIGKILL, scratch, 0, 8), -EINVAL);
  EXPECT_EQ(call(Sysno::rt_sigaction, SIGUSR1, scratch, 0, 16), -EINVAL);

  const uint64_t block = 1ull << (SIGUSR2 - 1) | 1ull << (SIGKILL - 1);
  memory().copy_to_guest(scratch, &block, 8);
  EXPECT_EQ(call(Sysno::rt_sigprocmask, SIG_BLOCK, scratch, scratch + 8, 8), 0);
  EXPECT_EQ(call(Sysno::rt_sigprocmask, SIG_BLOCK, 0, scratch + 8, 8), 0);
  uint64_t mask = 0;
  memory().copy_from_guest(&mask, scratch + 8, 8);
  EXPECT_EQ(mask, 1ull << (SIGUSR2 - 1)) << "SIGKILL cannot be blocked";
}

TEST_F(SyscallTest, SelfSentSignalsUseTheDefaultAction) {
  // Blocked: stays pending; unblocking delivers it.
  const uint64_t block = 1ull << (SIGTERM - 1);
  memory().copy_to_guest(scratch, &block, 8);
  call(Sysno::rt_sigprocmask, SIG_BLOCK, scratch, 0, 8);
  EXPECT_EQ(call(Sysno::kill, ::getpid(), SIGTERM), 0);
  EXPECT_FALSE(last_exit);
  EXPECT_EQ(call(Sysno::kill, ::getpid(), SIGCHLD), 0) << "ignored by default";
  EXPECT_FALSE(last_exit);
  new_diagnostics();
  call(Sysno::rt_sigprocmask, SIG_UNBLOCK, scratch, 0, 8);
  EXPECT_EQ(new_diagnostics(),
            "rewind: uncaught target signal 15 (Terminated)\n");
  ASSERT_TRUE(last_exit);
  EXPECT_TRUE(last_exit->by_signal);
  EXPECT_EQ(last_exit->code, SIGTERM);
}

TEST_F(SyscallTest, TgkillToSelfAborts) {
  new_diagnostics();
  call(Sysno::tgkill, ::getpid(), ::gettid(), SIGABRT);
  EXPECT_EQ(new_diagnostics(),
            "rewind: uncaught target signal 6 (Aborted)\n");
  ASSERT_TRUE(last_exit);
  EXPECT_EQ(last_exit->code, SIGABRT);
  EXPECT_TRUE(last_exit->by_signal);
}

TEST_F(SyscallTest, FaultsBecomeSignals) {
  new_diagnostics();
  auto exit = process->handle_fault(Cause::kLoadPageFault, 0x10);
  EXPECT_EQ(new_diagnostics(),
            "rewind: uncaught target signal 11 (Segmentation fault)\n");
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, SIGSEGV);
}

TEST_F(SyscallTest, HandlersRunOnASigframeAndSigreturnRestores) {
  const uint64_t handler = 0x12340;
  const uint64_t action[] = {handler, 0x4, 0};
  memory().copy_to_guest(scratch, action, sizeof action);
  ASSERT_EQ(call(Sysno::rt_sigaction, SIGILL, scratch, 0, 8), 0);
  CpuState& cpu = process->cpu();
  cpu.x[2] = scratch + 4 * kGuestPageSize - 8;  // an odd-ish sp inside writable memory
  for (int i = 3; i < 32; ++i) cpu.x[i] = 1000 + i;
  cpu.f[5] = 0x4014000000000000;
  cpu.fflags = 3;
  cpu.frm = 2;
  const uint64_t faulting_pc = cpu.pc;
  EXPECT_FALSE(process->handle_fault(Cause::kIllegalInsn, 0xdead));
  EXPECT_EQ(cpu.pc, handler);
  EXPECT_EQ(cpu.x[10], uint64_t(SIGILL));
  EXPECT_EQ(cpu.x[2] % 16, 0u);
  EXPECT_EQ(cpu.x[11], cpu.x[2]) << "siginfo at the frame base";
  EXPECT_EQ(cpu.x[12], cpu.x[2] + 128) << "ucontext after siginfo";
  int32_t signo = 0;
  memory().copy_from_guest(&signo, cpu.x[11], 4);
  EXPECT_EQ(signo, SIGILL);
  uint16_t half;
  EXPECT_TRUE(memory().fetch16(cpu.x[1], &half)) << "ra is the executable trampoline";

  // The handler returns: the trampoline's ecall is rt_sigreturn with sp at the frame.
  cpu.pc = cpu.x[1] + 4;
  for (int i = 3; i < 32; ++i) cpu.x[i] = 0;
  call(Sysno::rt_sigreturn);
  EXPECT_EQ(cpu.pc, faulting_pc);
  EXPECT_EQ(cpu.x[2], scratch + 4 * kGuestPageSize - 8);
  for (int i = 3; i < 32; ++i) EXPECT_EQ(cpu.x[i], uint64_t(1000 + i)) << i;
  EXPECT_EQ(cpu.f[5], 0x4014000000000000u);
  EXPECT_EQ(cpu.fflags, 3u);
  EXPECT_EQ(cpu.frm, 2u);
}

}  // namespace
}  // namespace rwd::linux_user
