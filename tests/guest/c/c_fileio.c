/* File I/O syscalls: open/write/lseek/read/fstat/rename/unlink, stdio
 * buffering, directories. Runs in the current directory (the runner gives
 * each run its own temporary directory). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  const char *name = "rewind_fileio.tmp";
  FILE *f = fopen(name, "w");
  if (!f) { perror("fopen"); return 1; }
  for (int i = 0; i < 1000; i++) fprintf(f, "line %04d %s\n", i, (i % 3) ? "abc" : "defgh");
  fclose(f);

  struct stat st;
  if (stat(name, &st) != 0) { perror("stat"); return 1; }
  printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));

  f = fopen(name, "r");
  char line[64];
  int lines = 0, longest = 0;
  while (fgets(line, sizeof line, f)) {
    lines++;
    int l = (int)strlen(line);
    if (l > longest) longest = l;
  }
  printf("lines %d longest %d\n", lines, longest);
  fseek(f, 500 * 14L, SEEK_SET);
  fgets(line, sizeof line, f);
  printf("seek line: %s", line);
  printf("ftell %ld\n", ftell(f));
  fclose(f);

  int fd = open(name, O_RDWR);
  lseek(fd, 5, SEEK_SET);
  write(fd, "XXXX", 4);
  off_t end = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  char head[16] = {0};
  ssize_t got = read(fd, head, 12);
  printf("pwrite/read %zd [%.12s] end %lld\n", got, head, (long long)end);
  char pbuf[8] = {0};
  pread(fd, pbuf, 4, 14);
  printf("pread [%.4s]\n", pbuf);
  fstat(fd, &st);
  printf("fstat size %lld\n", (long long)st.st_size);
  close(fd);

  mkdir("subdir", 0755);
  rename(name, "subdir/moved.tmp");
  printf("old exists %d new exists %d\n", access(name, F_OK) == 0, access("subdir/moved.tmp", F_OK) == 0);
  DIR *d = opendir("subdir");
  int entries = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) { entries++; printf("entry %s\n", e->d_name); }
  closedir(d);
  printf("entries %d\n", entries);
  unlink("subdir/moved.tmp");
  rmdir("subdir");
  printf("cleaned %d\n", access("subdir", F_OK) != 0);
  char cwd[4096];
  printf("getcwd ok %d\n", getcwd(cwd, sizeof cwd) != NULL && cwd[0] == '/');
  int p[2];
  pipe(p);
  write(p[1], "through a pipe", 14);
  char pb[32] = {0};
  read(p[0], pb, sizeof pb - 1);
  printf("pipe [%s]\n", pb);
  dup2(1, 7);
  write(7, "dup2 stdout\n", 12);
  return 0;
}
