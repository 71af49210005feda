// The C baseline of scripts/bench/socket.js: the same loops as the posixkit
// trial (a listener, fork, the child connects; parent receives and times).
// usage: socket_bench stream|pingpong unix|tcp <total bytes | rounds>
#define _GNU_SOURCE  // accept4
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char* what) {
  perror(what);
  exit(1);
}

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  int stream = strcmp(argv[1], "stream") == 0;
  int tcp = strcmp(argv[2], "tcp") == 0;
  long long n = atoll(argv[3]);
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  int fam = tcp ? AF_INET : AF_UNIX;
  int lfd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  if (tcp) {
    struct sockaddr_in* sin = (struct sockaddr_in*)&ss;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *sin;
  } else {
    struct sockaddr_un* sun = (struct sockaddr_un*)&ss;
    sun->sun_family = AF_UNIX;
    snprintf(sun->sun_path, sizeof sun->sun_path, "/tmp/pk-bench-c-%d.sock", getpid());
    unlink(sun->sun_path);
    len = sizeof *sun;
  }
  if (bind(lfd, (struct sockaddr*)&ss, len) < 0) die("bind");
  if (listen(lfd, 8) < 0) die("listen");
  len = sizeof ss;
  getsockname(lfd, (struct sockaddr*)&ss, &len);
  static char buf[CHUNK];
  memset(buf, 'x', sizeof buf);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, (struct sockaddr*)&ss, len) < 0) die("connect");
    int one = 1;
    if (tcp) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (stream) {
      for (long long sent = 0; sent < n;) {
        ssize_t w = send(fd, buf, CHUNK, MSG_NOSIGNAL);
        if (w < 0) die("send");
        sent += w;
      }
    } else {
      for (long long i = 0; i < n; i++) {
        if (recv(fd, buf, 1, 0) != 1) die("recv");
        if (send(fd, buf, 1, MSG_NOSIGNAL) != 1) die("send");
      }
    }
    close(fd);
    _exit(0);
  }
  int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) die("accept");
  int one = 1;
  if (tcp) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  double t0 = now();
  if (stream) {
    long long got = 0;
    while (got < n) {
      ssize_t r = recv(fd, buf, CHUNK, 0);
      if (r <= 0) die("recv");
      got += r;
    }
  } else {
    for (long long i = 0; i < n; i++) {
      if (send(fd, buf, 1, MSG_NOSIGNAL) != 1) die("send");
      if (recv(fd, buf, 1, 0) != 1) die("recv");
    }
  }
  double dt = now() - t0;
  waitpid(pid, NULL, 0);
  if (!tcp) unlink(((struct sockaddr_un*)&ss)->sun_path);
  printf("{\"seconds\": %.6f}\n", dt);
  return 0;
}
