/* C baseline receiver: a sigaction handler (no SA_RESTART) records
 * CLOCK_MONOTONIC and acks on fd 3, while main blocks in read(0). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long t1[100000];
static volatile int n;

static void handler(int sig) {
  (void)sig;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (n < 100000) t1[n++] = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  if (write(3, "r", 1) < 0) {}
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, NULL);
  printf("PID %d\n", getpid());
  fflush(stdout);
  if (write(3, "r", 1) < 0) return 1;
  char c;
  for (;;) {
    ssize_t r = read(0, &c, 1);
    if (r >= 0 || errno != EINTR) break;
  }
  printf("T1");
  for (int i = 0; i < n; i++) printf(" %lld", t1[i]);
  printf("\n");
  return 0;
}
