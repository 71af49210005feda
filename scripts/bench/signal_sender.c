/* Sender for scripts/bench/signal.js: for each byte read on stdin, wait
 * 300 us (the receiver acks from its handler; let it get back into its
 * blocking call, so no run measures the check-then-block race), take
 * CLOCK_MONOTONIC, kill(pid, SIGUSR2), and print the time (ns) on stdout. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  pid_t pid = (pid_t)atoi(argv[1]);
  int n = atoi(argv[2]);
  char c;
  for (int i = 0; i < n; i++) {
    if (read(0, &c, 1) != 1) return 1;
    struct timespec pause_ts = {0, 300000};
    nanosleep(&pause_ts, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (kill(pid, SIGUSR2) < 0) return 2;
    printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    fflush(stdout);
  }
  return 0;
}
