/* The floor for the metrics collector: the least a program can do to sample N containers once a
 * second from the kernel. It reads the very files Dokkerr's collector reads for each container
 * (cgroup v1: cpuacct.usage, cpu.stat, memory.usage_in_bytes, memory.limit_in_bytes,
 * memory.stat, memory.oom_control, pids.current, blkio.throttle.io_service_bytes; cgroup v2:
 * cpu.stat, memory.current, memory.max, memory.stat, memory.events, pids.current, io.stat; and
 * /proc/<pid>/net/dev), each with open/read/close, and parses one number from each. No JSON,
 * no engine, no allocation in the loop.
 *
 *   cgroup_floor TARGETS SECONDS
 *
 * TARGETS holds one line per container: "<pid> <cgroup path>" (the path as /proc/<pid>/cgroup
 * names it, e.g. /docker/<id>). Prints "rounds=R samples=S cpu_us=C per_sample_us=X" where C is
 * this process's user+system CPU time over the rounds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 4096
#define PATH_LEN 512

static char buffer[8192];
static volatile unsigned long long sink;

static void read_one(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) return;
  buffer[n] = '\0';
  /* One number from the text, as a parser must at least do. */
  char *p = buffer;
  while (*p && (*p < '0' || *p > '9')) ++p;
  sink += strtoull(p, NULL, 10);
}

static long long cpu_us(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec +
         (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s TARGETS SECONDS\n", argv[0]);
    return 2;
  }
  FILE *list = fopen(argv[1], "r");
  if (!list) {
    perror(argv[1]);
    return 1;
  }
  const int seconds = atoi(argv[2]);
  static char files[MAX_TARGETS][9][PATH_LEN];
  int count = 0;
  struct stat st;
  const int v2 = stat("/sys/fs/cgroup/memory", &st) != 0;
  long pid;
  char cgroup[PATH_LEN - 64];
  while (count < MAX_TARGETS && fscanf(list, "%ld %383s", &pid, cgroup) == 2) {
    char(*f)[PATH_LEN] = files[count++];
    if (v2) {
      snprintf(f[0], PATH_LEN, "/sys/fs/cgroup%s/cpu.stat", cgroup);
      snprintf(f[1], PATH_LEN, "/sys/fs/cgroup%s/memory.current", cgroup);
      snprintf(f[2], PATH_LEN, "/sys/fs/cgroup%s/memory.max", cgroup);
      snprintf(f[3], PATH_LEN, "/sys/fs/cgroup%s/memory.stat", cgroup);
      snprintf(f[4], PATH_LEN, "/sys/fs/cgroup%s/memory.events", cgroup);
      snprintf(f[5], PATH_LEN, "/sys/fs/cgroup%s/pids.current", cgroup);
      snprintf(f[6], PATH_LEN, "/sys/fs/cgroup%s/io.stat", cgroup);
      f[7][0] = '\0';
    } else {
      snprintf(f[0], PATH_LEN, "/sys/fs/cgroup/cpuacct%s/cpuacct.usage", cgroup);
      snprintf(f[1], PATH_LEN, "/sys/fs/cgroup/cpu%s/cpu.stat", cgroup);
      snprintf(f[2], PATH_LEN, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", cgroup);
      snprintf(f[3], PATH_LEN, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", cgroup);
      snprintf(f[4], PATH_LEN, "/sys/fs/cgroup/memory%s/memory.stat", cgroup);
      snprintf(f[5], PATH_LEN, "/sys/fs/cgroup/memory%s/memory.oom_control", cgroup);
      snprintf(f[6], PATH_LEN, "/sys/fs/cgroup/pids%s/pids.current", cgroup);
      snprintf(f[7], PATH_LEN, "/sys/fs/cgroup/blkio%s/blkio.throttle.io_service_bytes", cgroup);
    }
    snprintf(f[8], PATH_LEN, "/proc/%ld/net/dev", pid);
  }
  fclose(list);

  const long long start = cpu_us();
  struct timespec due;
  clock_gettime(CLOCK_MONOTONIC, &due);
  for (int round = 0; round < seconds; ++round) {
    for (int i = 0; i < count; ++i) {
      for (int k = 0; k < 9; ++k) {
        if (files[i][k][0]) read_one(files[i][k]);
      }
    }
    due.tv_sec += 1;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
  }
  const long long used = cpu_us() - start;
  const long long samples = (long long)seconds * count;
  printf("rounds=%d samples=%lld cpu_us=%lld per_sample_us=%.1f\n", seconds, samples, used,
         samples ? (double)used / (double)samples : 0.0);
  return 0;
}
