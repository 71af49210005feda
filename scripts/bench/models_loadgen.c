// Echo load generator for scripts/bench/models.js: C connections on one
// thread (epoll), each sending SIZE bytes and waiting for all of them back,
// over and over for MS milliseconds. Prints: requests seconds p50_us p99_us errors
//   models_loadgen HOST PORT CONNECTIONS MS SIZE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXUS 2000000
static unsigned hist[MAXUS + 1];

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

typedef struct { int fd; size_t got; double t0; } conn_t;

int main(int argc, char** argv) {
  if (argc < 6) { fprintf(stderr, "usage: %s HOST PORT CONNS MS SIZE\n", argv[0]); return 2; }
  const char* host = argv[1];
  int port = atoi(argv[2]), n = atoi(argv[3]), ms = atoi(argv[4]), size = atoi(argv[5]);
  char* msg = malloc(size);
  char* buf = malloc(65536);
  memset(msg, 'x', size);
  conn_t* c = calloc(n, sizeof(conn_t));
  int ep = epoll_create1(0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, host, &sa.sin_addr);
  long errors = 0;
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr*)&sa, sizeof sa) < 0) { perror("connect"); return 1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    c[i].fd = fd;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  double start = now_us(), end = start + ms * 1000.0;
  long done = 0;
  for (int i = 0; i < n; i++) {
    c[i].t0 = now_us();
    if (send(c[i].fd, msg, size, MSG_NOSIGNAL) != size) errors++;
  }
  struct epoll_event evs[1024];
  for (;;) {
    double t = now_us();
    if (t >= end) break;
    int k = epoll_wait(ep, evs, 1024, (int)((end - t) / 1000) + 1);
    for (int j = 0; j < k; j++) {
      conn_t* x = &c[evs[j].data.u32];
      for (;;) {
        ssize_t r = recv(x->fd, buf, 65536, 0);
        if (r < 0 && errno == EAGAIN) break;
        if (r <= 0) { errors++; epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL); break; }
        x->got += r;
        if (x->got >= (size_t)size) {
          double t1 = now_us();
          long us = (long)(t1 - x->t0);
          hist[us > MAXUS ? MAXUS : us]++;
          done++;
          x->got = 0;
          x->t0 = t1;
          if (t1 < end && send(x->fd, msg, size, MSG_NOSIGNAL) != size) errors++;
        }
      }
    }
  }
  double secs = (now_us() - start) / 1e6;
  long p50 = -1, p99 = -1, acc = 0;
  for (long us = 0; us <= MAXUS; us++) {
    acc += hist[us];
    if (p50 < 0 && acc * 2 >= done) p50 = us;
    if (p99 < 0 && acc * 100 >= done * 99) { p99 = us; break; }
  }
  printf("%ld %.3f %ld %ld %ld\n", done, secs, p50, p99, errors);
  for (int i = 0; i < n; i++) close(c[i].fd);
  return 0;
}
