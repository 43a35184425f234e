/*
 * /init of the Rewind system-test initramfs (static riscv64, built by
 * tools/system/build-initramfs.sh). Every line it prints starts with "REWIND-INIT: " so a
 * boot test can find it among the kernel messages:
 *
 *   REWIND-INIT: start
 *   REWIND-INIT: tests=echo,work,disk,rng work=1
 *   REWIND-INIT: ready: type a line          (then reads one line from /dev/console)
 *   REWIND-INIT: echo: <the line>
 *   REWIND-INIT: work: scale=1 checksum=<16 hex digits>
 *   REWIND-INIT: disk: hello.txt: <its first line>
 *   REWIND-INIT: disk: data.bin bytes=<n> fnv=<8 hex digits>
 *   REWIND-INIT: hwrng: read 16 bytes
 *   REWIND-INIT: end status=ok                 (or status=fail; FAIL lines say why)
 *
 * then powers the machine off with reboot(RB_POWER_OFF).
 *
 * Which steps run comes from the kernel command line (/proc/cmdline):
 *   rewind.test=LIST   comma-separated subset of echo,work,disk,rng; "all" (default) or "none"
 *   rewind.work=N      workload scale (default 1)
 * A step whose device is absent prints "disk: none" / "hwrng: none" and does not fail.
 *
 * Not PID 1 (e.g. under qemu-riscv64): `init --workload N` runs only the workload in a fresh
 * directory under $TMPDIR (or /tmp) and prints the same "work:" line, so a test can compute the
 * checksum it expects from the guest.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static int failed;

static void say(const char *fmt, ...) {
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "REWIND-INIT: ");
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(1, buf + off, n - off);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return;
    }
    off += w;
  }
}

static void fail(const char *what) {
  say("FAIL %s: %s", what, strerror(errno));
  failed = 1;
}

static uint32_t fnv1a(uint32_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    c += w;
    n -= w;
  }
  return 0;
}

/* Integer and floating-point arithmetic, branches, loads and stores on a small table. */
static uint64_t cpu_work(unsigned scale) {
  uint64_t x = 0x9e3779b97f4a7c15ull, acc = 0;
  uint32_t table[256];
  double d = 1.0;
  for (int i = 0; i < 256; i++) table[i] = (uint32_t)i * 2654435761u;
  for (uint64_t i = 0; i < 2000000ull * scale; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    acc += x * (i | 1);
    acc = (acc << 5) | (acc >> 59);
    uint32_t *t = &table[x & 255];
    *t = *t * 31 + (uint32_t)acc;
    if ((i & 1023) == 0) {
      d = d * 1.0000001 + (double)(x >> 40) / 1e7;
      acc ^= (uint64_t)(x % (i + 7)) + acc / ((x >> 3) | 1);
    }
  }
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return acc ^ bits ^ fnv1a(2166136261u, (unsigned char *)table, sizeof table);
}

/* Writes, renames, lists, reads back and removes 16 files of 16 KiB in DIR. */
static uint32_t file_work(const char *dir, unsigned scale, int *ok) {
  enum { NFILES = 16, SIZE = 16384 };
  static unsigned char buf[SIZE];
  char path[256], path2[256];
  uint32_t h = 2166136261u, x = 12345;
  *ok = 1;
  for (unsigned round = 0; round < scale; round++) {
    for (int f = 0; f < NFILES; f++) {
      for (int i = 0; i < SIZE; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
      }
      snprintf(path, sizeof path, "%s/f%02d.tmp", dir, f);
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || write_all(fd, buf, SIZE / 2) || write_all(fd, buf + SIZE / 2, SIZE / 2) ||
          close(fd)) {
        fail("work: write");
        *ok = 0;
        return 0;
      }
      snprintf(path2, sizeof path2, "%s/f%02d.dat", dir, f);
      if (rename(path, path2)) {
        fail("work: rename");
        *ok = 0;
        return 0;
      }
    }
    int count = 0;
    DIR *d = opendir(dir);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)))
        if (strstr(e->d_name, ".dat")) count++;
      closedir(d);
    }
    if (count != NFILES) {
      say("FAIL work: listed %d files, want %d", count, NFILES);
      failed = 1;
      *ok = 0;
    }
    for (int f = 0; f < NFILES; f++) {
      snprintf(path, sizeof path, "%s/f%02d.dat", dir, f);
      struct stat st;
      int fd = open(path, O_RDONLY);
      if (fd < 0 || fstat(fd, &st) || st.st_size != SIZE) {
        fail("work: reopen");
        *ok = 0;
        return 0;
      }
      ssize_t n;
      while ((n = read(fd, buf, 3000)) > 0) h = fnv1a(h, buf, (size_t)n);
      close(fd);
      if (n < 0 || unlink(path)) {
        fail("work: read/unlink");
        *ok = 0;
        return 0;
      }
    }
  }
  return h;
}

static void workload(const char *dir, unsigned scale) {
  int ok;
  uint64_t c = cpu_work(scale);
  uint32_t f = file_work(dir, scale, &ok);
  if (ok) say("work: scale=%u checksum=%016llx", scale, (unsigned long long)(c ^ ((uint64_t)f << 32) ^ f));
}

static void echo_line(void) {
  struct termios t;
  /* No tty echo: the only copy of the line in the output is ours, wherever it arrives. */
  if (tcgetattr(0, &t) == 0) {
    t.c_lflag &= ~(ECHO | ECHONL);
    t.c_lflag |= ICANON;
    tcsetattr(0, TCSANOW, &t);
  }
  say("ready: type a line");
  char line[256];
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(0, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r < 0) fail("echo: read");
      break;
    }
    if (c == '\n' || c == '\r') {
      if (n == 0) continue; /* skip a CR/LF pair's second half or an empty line */
      break;
    }
    if (n < sizeof line - 1) line[n++] = c;
  }
  line[n] = 0;
  say("echo: %s", line);
}

static void disk(void) {
  if (access("/dev/vda", F_OK) != 0) {
    say("disk: none");
    return;
  }
  mkdir("/mnt", 0755);
  if (mount("/dev/vda", "/mnt", "ext2", MS_RDONLY, NULL)) {
    fail("disk: mount /dev/vda");
    return;
  }
  char buf[4096];
  int fd = open("/mnt/hello.txt", O_RDONLY);
  if (fd < 0) {
    fail("disk: open hello.txt");
  } else {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) n = 0;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    say("disk: hello.txt: %s", buf);
  }
  fd = open("/mnt/data.bin", O_RDONLY);
  if (fd < 0) {
    fail("disk: open data.bin");
  } else {
    uint32_t h = 2166136261u;
    unsigned long long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      h = fnv1a(h, (unsigned char *)buf, (size_t)n);
      total += (unsigned long long)n;
    }
    close(fd);
    if (n < 0)
      fail("disk: read data.bin");
    else
      say("disk: data.bin bytes=%llu fnv=%08x", total, h);
  }
  if (umount("/mnt")) fail("disk: umount");
}

static void hwrng(void) {
  int fd = open("/dev/hwrng", O_RDONLY);
  if (fd < 0) {
    say("hwrng: none");
    return;
  }
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t r = read(fd, b + got, sizeof b - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  int err = errno;
  close(fd);
  if (got == 0 && err == ENODEV)
    say("hwrng: none (no backend)");
  else
    say("hwrng: read %zu bytes", got);
}

/* Value of KEY=... on the kernel command line, or NULL. */
static const char *cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz) {
  size_t kl = strlen(key);
  for (const char *p = cmdline; *p;) {
    while (*p == ' ' || *p == '\n') p++;
    const char *e = p + strcspn(p, " \n");
    if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
      size_t n = (size_t)(e - p) - kl - 1;
      if (n >= outsz) n = outsz - 1;
      memcpy(out, p + kl + 1, n);
      out[n] = 0;
      return out;
    }
    p = e;
  }
  return NULL;
}

static int wants(const char *tests, const char *step) {
  if (!strcmp(tests, "all")) return 1;
  size_t sl = strlen(step);
  for (const char *p = tests; *p;) {
    const char *e = p + strcspn(p, ",");
    if ((size_t)(e - p) == sl && !strncmp(p, step, sl)) return 1;
    p = *e ? e + 1 : e;
  }
  return 0;
}

static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  say("FAIL reboot(RB_POWER_OFF): %s", strerror(errno));
  for (;;) pause(); /* init must not exit: the kernel would panic */
}

int main(int argc, char **argv) {
  if (getpid() != 1) {
    if (argc == 3 && !strcmp(argv[1], "--workload")) {
      const char *t = getenv("TMPDIR");
      char dir[512];
      snprintf(dir, sizeof dir, "%s/rewind-init-XXXXXX", t && *t ? t : "/tmp");
      if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
      }
      workload(dir, (unsigned)strtoul(argv[2], NULL, 10));
      rmdir(dir);
      return failed;
    }
    fprintf(stderr, "usage: %s --workload N   (as PID 1 it is the test initramfs' /init)\n", argv[0]);
    return 2;
  }

  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mkdir("/dev", 0755);
  mkdir("/tmp", 01777);
  if (mount("proc", "/proc", "proc", 0, NULL)) fail("mount /proc");
  if (mount("sysfs", "/sys", "sysfs", 0, NULL)) fail("mount /sys");
  if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY) fail("mount /dev");
  say("start");

  char cmdline[4096] = "", tests[256] = "all", work[32] = "1";
  int fd = open("/proc/cmdline", O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    cmdline[n > 0 ? n : 0] = 0;
    close(fd);
  }
  cmdline_get(cmdline, "rewind.test", tests, sizeof tests);
  cmdline_get(cmdline, "rewind.work", work, sizeof work);
  unsigned scale = (unsigned)strtoul(work, NULL, 10);
  say("tests=%s work=%u", tests, scale);

  if (wants(tests, "echo")) echo_line();
  if (wants(tests, "work")) {
    const char *dir = "/tmp";
    if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=4m") && mount("ramfs", "/tmp", "ramfs", 0, NULL))
      dir = "/"; /* the initramfs itself is a RAM file system too */
    workload(dir, scale);
  }
  if (wants(tests, "disk")) disk();
  if (wants(tests, "rng")) hwrng();
  say("end status=%s", failed ? "fail" : "ok");
  power_off();
  return 0;
}
