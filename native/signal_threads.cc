// Keeping process-directed signals off Node's helper threads: steering a
// JS-handled signal away from them, and kill() to this process. The
// delivery side (OnSignal's forwarding) is in signal.cc; docs/signals.md.
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "signal.h"

namespace posixkit::sig {

static pid_t Getpid() { return static_cast<pid_t>(syscall(SYS_getpid)); }
static pid_t Gettid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// Node's helper threads (V8's platform workers, libuv's) do not block
// signals, so the kernel may hand a process-directed signal to one of them
// (it does whenever the main thread blocks it or has a signal pending).
// OnSignal forwards it to the main thread, but only once that helper gets a
// CPU: late, and out of order with signals the main thread took directly (a
// SIGCHLD could overtake the SIGINT that killed the child). So when a JS
// handler is first installed, each thread that exists asks to block the
// signal for good, through a signal queued to it that OnSignal recognises.
// Threads started later still forward.
static bool g_steered[kMax];  // main thread only (signal() refuses other threads)

// Thread `tid`'s view of `signo` from its /proc status: gone (ended), or
// whether it blocks it and whether it has one queued (SigPnd, its own queue).
struct ThreadSig {
  bool gone = true;
  bool blocked = false;
  bool queued = false;
};

static ThreadSig ThreadState(pid_t tid, int signo) {
  ThreadSig t;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", static_cast<int>(tid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return t;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return t;  // ESRCH: it ended
  buf[n] = '\0';
  t.gone = false;
  const char* pnd = strstr(buf, "SigPnd:");
  const char* blk = strstr(buf, "SigBlk:");
  if (!pnd || !blk || signo > 64) return t;
  unsigned long long bit = 1ULL << (signo - 1);
  t.queued = strtoull(pnd + 7, nullptr, 16) & bit;
  t.blocked = strtoull(blk + 7, nullptr, 16) & bit;
  return t;
}

// Bumped (and futex-woken) by each helper thread that took SteerAway's
// signal, so SteerAway sleeps until one did rather than for a fixed time.
static std::atomic<int32_t> g_steer_acks{0};
static_assert(std::atomic<int32_t>::is_always_lock_free && sizeof(std::atomic<int32_t>) == sizeof(int32_t),
              "the futex word is the atomic itself");

void SteerAck() {
  g_steer_acks.fetch_add(1, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<int32_t*>(&g_steer_acks), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

static struct timespec Monotonic() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}

static long long MsBetween(const struct timespec& a, const struct timespec& b) {
  return (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
}

// rt_tgsigqueueinfo(2) of signo to thread tid of this process, as sent by
// this process (its pid and uid) with si_code `code` and si_value `value`.
static int QueueFromSelf(pid_t tid, int signo, int code, int value) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = signo;
  si.si_code = code;
  si.si_pid = Getpid();
  si.si_uid = getuid();
  si.si_value.sival_int = value;
  return static_cast<int>(syscall(SYS_rt_tgsigqueueinfo, Getpid(), tid, signo, &si));
}

void SteerAway(int signo) {
  if (g_steered[signo]) return;
  g_steered[signo] = true;
  pid_t self = Gettid();
  std::vector<pid_t> asked;
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return;
  while (struct dirent* e = readdir(dir)) {
    pid_t tid = static_cast<pid_t>(atoi(e->d_name));
    // A thread that blocks it already is left alone: queued there, it would stay pending.
    if (tid <= 0 || tid == self) continue;
    ThreadSig t = ThreadState(tid, signo);
    if (t.gone || t.blocked) continue;
    if (QueueFromSelf(tid, signo, SI_QUEUE, kSteerCookie) == 0) asked.push_back(tid);
  }
  closedir(dir);
  // Wait until each has taken it (a woken thread does so in microseconds):
  // were the disposition changed to SIG_DFL while one still had it queued,
  // its default action (often: end the process) would run there. Each one
  // that takes it wakes us (SteerAck); /proc then says which are done. The
  // 10 ms timeout only notices a thread that ended with the signal still
  // queued (it never acks); 2 s bound the whole wait.
  struct timespec start = Monotonic();
  for (;;) {
    int32_t seen = g_steer_acks.load(std::memory_order_acquire);
    for (size_t k = asked.size(); k-- > 0;) {
      ThreadSig t = ThreadState(asked[k], signo);
      // Blocked with nothing queued: it took it (not merely blocking everything for a moment).
      if (t.gone || (t.blocked && !t.queued)) asked.erase(asked.begin() + static_cast<long>(k));
    }
    long long left = 2000 - MsBetween(start, Monotonic());
    if (asked.empty() || left <= 0) break;
    struct timespec ts = {0, (left < 10 ? left : 10) * 1000000L};
    syscall(SYS_futex, reinterpret_cast<int32_t*>(&g_steer_acks), FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
  }
}

int KillSelf(int signo) {
  pid_t pid = Getpid();
  sigset_t mask;
  bool blocked_here = signo > 0 && signo < kMax && Gettid() == pid &&
                      pthread_sigmask(SIG_BLOCK, nullptr, &mask) == 0 && sigismember(&mask, signo) == 1;
  if (!blocked_here) return kill(pid, signo);
  // The kernel would hand the signal to one of Node's helper threads (they do
  // not block it), whose handler forwards it here a moment later (OnSignal):
  // a sigpending() or sigtimedwait(0) right after kill() could miss it, and a
  // default action would run on that thread. A single-threaded process finds
  // it pending at once: queue it on this thread with kill()'s own siginfo
  // (the kernel allows SI_USER when the sender is the thread group leader).
  if (QueueFromSelf(pid, signo, SI_USER, 0) == 0) return 0;
  return kill(pid, signo);
}

}  // namespace posixkit::sig
