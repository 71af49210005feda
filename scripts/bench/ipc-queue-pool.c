// Baseline for ipc-queue-pool.js: N small length-prefixed messages from a
// forked producer to the parent over a pipe, framed as posixkit's Queue
// frames them (4-byte length + payload, one write(2) per message; the
// reader reads the length, then the payload). No locks: one producer, one
// consumer. Prints messages per second.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void read_all(int fd, void* buf, size_t n) {
  char* p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) { perror("read"); exit(1); }
    p += r;
    n -= (size_t)r;
  }
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  int fds[2];
  if (pipe(fds) < 0) return 1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    char msg[64];
    for (long i = 0; i < n; i++) {
      uint32_t len = (uint32_t)snprintf(msg + 4, sizeof msg - 4, "[%ld,\"item\"]", i);
      uint32_t be = htobe32(len);
      memcpy(msg, &be, 4);
      if (write(fds[1], msg, 4 + len) != (ssize_t)(4 + len)) _exit(2);
    }
    _exit(0);
  }
  close(fds[1]);
  char buf[64];
  long sum = 0;
  for (long i = 0; i < n; i++) {
    uint32_t be;
    read_all(fds[0], &be, 4);
    uint32_t len = be32toh(be);
    read_all(fds[0], buf, len);
    sum += len;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  waitpid(pid, NULL, 0);
  double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%.0f\n", n / dt);
  return sum > 0 ? 0 : 1;
}
