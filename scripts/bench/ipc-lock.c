// Lock hand-off ping-pong between two forked processes, the C baseline for
// scripts/bench/ipc-lock.js: the same 3-state futex mutex (Drepper, "Futexes
// Are Tricky") posixkit's Lock uses, on shared (not private) futexes.
// Two locks used as binary semaphores: the parent releases `ping` and takes
// `pong`, the child takes `ping` and releases `pong`; one round = 2 hand-offs.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void futex_wait(atomic_int* w, int expected) {
  syscall(SYS_futex, w, FUTEX_WAIT, expected, NULL, NULL, 0);
}
static void futex_wake(atomic_int* w, int n) { syscall(SYS_futex, w, FUTEX_WAKE, n, NULL, NULL, 0); }

static void lock(atomic_int* w) {
  int c = 0;
  if (atomic_compare_exchange_strong(w, &c, 1)) return;
  if (c != 2) c = atomic_exchange(w, 2);
  while (c != 0) {
    futex_wait(w, 2);
    c = atomic_exchange(w, 2);
  }
}
static void unlock(atomic_int* w) {
  if (atomic_fetch_sub(w, 1) != 1) {
    atomic_store(w, 0);
    futex_wake(w, 1);
  }
}

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 100000;
  atomic_int* m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  atomic_int *ping = &m[0], *pong = &m[16];
  atomic_store(ping, 1);  // both held: each side waits for the other's release
  atomic_store(pong, 1);
  pid_t pid = fork();
  if (pid == 0) {
    for (long i = 0; i < rounds; i++) {
      lock(ping);
      unlock(pong);
    }
    _exit(0);
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < rounds; i++) {
    unlock(ping);
    lock(pong);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  int status;
  waitpid(pid, &status, 0);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.0f\n", rounds / s);
  return 0;
}
