// riscv64 Linux structures whose layout differs from the x86-64 host's, with conversions.
// (Most others -- timespec, rlimit, termios, statfs, statx, dirent64, sysinfo, rusage, utsname,
// flock, pollfd -- are identical on the two LP64 ABIs and are passed through.)
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>

namespace rwd::linux_user {

// asm-generic struct stat (what riscv64 fstat/newfstatat fill in).
struct GuestStat {
  uint64_t dev;
  uint64_t ino;
  uint32_t mode;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint64_t rdev;
  uint64_t pad1;
  int64_t size;
  int32_t blksize;
  int32_t pad2;
  int64_t blocks;
  int64_t atime;
  uint64_t atime_nsec;
  int64_t mtime;
  uint64_t mtime_nsec;
  int64_t ctime;
  uint64_t ctime_nsec;
  uint32_t unused4;
  uint32_t unused5;
};
static_assert(sizeof(GuestStat) == 128);
static_assert(offsetof(GuestStat, nlink) == 20);
static_assert(offsetof(GuestStat, blksize) == 56);
static_assert(offsetof(GuestStat, atime) == 72);

inline GuestStat guest_stat_from_host(const struct stat& host) {
  GuestStat g{};
  g.dev = host.st_dev;
  g.ino = host.st_ino;
  g.mode = host.st_mode;
  g.nlink = static_cast<uint32_t>(host.st_nlink);
  g.uid = host.st_uid;
  g.gid = host.st_gid;
  g.rdev = host.st_rdev;
  g.size = host.st_size;
  g.blksize = static_cast<int32_t>(host.st_blksize);
  g.blocks = host.st_blocks;
  g.atime = host.st_atim.tv_sec;
  g.atime_nsec = static_cast<uint64_t>(host.st_atim.tv_nsec);
  g.mtime = host.st_mtim.tv_sec;
  g.mtime_nsec = static_cast<uint64_t>(host.st_mtim.tv_nsec);
  g.ctime = host.st_ctim.tv_sec;
  g.ctime_nsec = static_cast<uint64_t>(host.st_ctim.tv_nsec);
  return g;
}

}  // namespace rwd::linux_user
