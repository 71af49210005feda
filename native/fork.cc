// fork() for a process that keeps running JavaScript in the child.
// docs/fork.md explains every step below; in short:
//  1. V8 marks its heap MADV_DONTFORK: undo that on every mapping first.
//  2. The child has no V8 platform threads, but their glibc condvars still
//     count them as waiters; a pthread_cond_signal in the child would wait
//     for them forever. Find those condvars before fork(), release them in
//     the child (glibc 2.25..2.40 layout, checked by a calibration).
//  3. Signals are blocked around fork() so no handler runs half-way.
//  4. The child re-creates libuv's epoll/async fds (uv_loop_fork) and keeps
//     a sentinel handle so the natural end of its loop can be caught before
//     Node's teardown, which would join threads the child does not have.
#include <dirent.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "binding.h"
#include "fork.h"

namespace posixkit::forking {

// ---- reading /proc without surprises --------------------------------------

static bool ReadFile(const char* path, std::string* out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

// ---- 1. MADV_DOFORK on every mapping ---------------------------------------

struct Range {
  uintptr_t start, end;
};
// rw mappings at the last fork. No fixed cap: a process may have up to
// vm.max_map_count (65530 by default) mappings, and one left out keeps
// V8's MADV_DONTFORK, so the child would fault on it.
static std::vector<Range> g_writable;

// One madvise(2) per run of mappings rather than one per mapping: madvise
// skips the holes of a range (ENOMEM after the fact) but stops at a mapping
// it refuses (VM_IO: [vvar]), so runs are cut around those. A run that still
// fails with EINVAL falls back to per-mapping calls. ~100 syscalls become ~3.
struct Mapping {
  uintptr_t start, end;
  bool special;
};

// Reads a hex number at *p and moves past it; false if there is none.
static bool Hex(const char** p, uintptr_t* out) {
  uintptr_t v = 0;
  const char* s = *p;
  for (;; s++) {
    char c = *s;
    unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 16;
    if (d == 16) break;
    v = v << 4 | d;
  }
  if (s == *p) return false;
  *p = s;
  *out = v;
  return true;
}

// Moves past one space-separated field and the spaces after it.
static const char* SkipField(const char* p) {
  while (*p && *p != ' ' && *p != '\n') p++;
  while (*p == ' ') p++;
  return p;
}

// One line of /proc/self/maps: "start-end perms offset dev inode   name".
// Parsed by hand: sscanf took ~0.5 us a line, tens of us per fork.
static bool ParseMapsLine(const char* p, Mapping* m, bool* writable) {
  uintptr_t start, end;
  if (!Hex(&p, &start) || *p++ != '-' || !Hex(&p, &end) || *p++ != ' ') return false;
  if (p[0] == '\0' || p[1] == '\0') return false;
  *writable = p[0] == 'r' && p[1] == 'w';
  p = SkipField(p);  // perms
  p = SkipField(p);  // offset
  p = SkipField(p);  // dev
  p = SkipField(p);  // inode
  bool special = strncmp(p, "[vvar", 5) == 0 || strncmp(p, "[vsyscall]", 10) == 0;
  *m = {start, end, special};
  return true;
}

static void MarkEverythingDoFork() {
  std::string maps;
  g_writable.clear();
  if (!ReadFile("/proc/self/maps", &maps)) return;
  std::vector<Mapping> list;
  list.reserve(static_cast<size_t>(std::count(maps.begin(), maps.end(), '\n')) + 1);
  const char* p = maps.c_str();
  while (*p) {
    bool writable;
    Mapping m;
    if (ParseMapsLine(p, &m, &writable)) {
      if (writable) g_writable.push_back({m.start, m.end});
      list.push_back(m);
    }
    const char* nl = strchr(p, '\n');
    if (!nl) break;
    p = nl + 1;
  }
  const int n = static_cast<int>(list.size());
  for (int i = 0; i < n;) {
    if (list[i].special) {
      i++;
      continue;
    }
    int j = i;
    while (j + 1 < n && !list[j + 1].special) j++;
    void* at = reinterpret_cast<void*>(list[i].start);
    if (madvise(at, list[j].end - list[i].start, MADV_DOFORK) != 0 && errno == EINVAL) {
      for (int k = i; k <= j; k++)  // failures here are harmless
        madvise(reinterpret_cast<void*>(list[k].start), list[k].end - list[k].start, MADV_DOFORK);
    }
    i = j + 1;
  }
}

static bool IsWritable(uintptr_t addr, size_t len) {
  for (const Range& r : g_writable)
    if (addr >= r.start && addr + len <= r.end) return true;
  return false;
}

// ---- 2. stale condvar waiters ----------------------------------------------

static constexpr unsigned kFutexWaitBitset = 9;
static constexpr unsigned kFutexFlags = 128 | 256;  // PRIVATE | CLOCK_REALTIME

// Parses /proc/self/task/<tid>/syscall ("202 0xaddr 0xop ...") and returns
// the futex word of a thread blocked in FUTEX_WAIT_BITSET, or 0.
uintptr_t CondvarWaitAddress(pid_t tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
  std::string s;
  if (!ReadFile(path, &s)) return 0;
  long nr;
  unsigned long addr, op;
  if (sscanf(s.c_str(), "%ld 0x%lx 0x%lx", &nr, &addr, &op) != 3) return 0;
  if (nr != SYS_futex || (op & ~kFutexFlags) != kFutexWaitBitset) return 0;
  return addr;
}

static constexpr int kMaxWaiters = 512;
static uintptr_t g_waiters[kMaxWaiters];  // futex words seen before the last fork
static int g_waiter_count = 0;
static int g_fixed_count = 0;  // in a child: condvars released after fork

enum class Layout { Unchecked, Supported, Unsupported };
static Layout g_layout = Layout::Unchecked;
static bool g_fix_enabled = true;  // off only in tests (SetCondvarFix)
static std::string g_layout_reason;

static void ScanWaiters() {
  g_waiter_count = 0;
  pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  DIR* d = opendir("/proc/self/task");
  if (!d) return;
  while (struct dirent* e = readdir(d)) {
    pid_t tid = static_cast<pid_t>(atoi(e->d_name));
    if (tid <= 0 || tid == self) continue;
    uintptr_t a = CondvarWaitAddress(tid);
    if (a && g_waiter_count < kMaxWaiters) g_waiters[g_waiter_count++] = a;
  }
  closedir(d);
}

// In glibc 2.25..2.40 struct __pthread_cond_s is: __wseq(8) __g1_start(8)
// __g_refs[2] __g_size[2] __g1_orig_size __wrefs __g_signals[2]. A waiter
// sleeps on &__g_signals[g] (offset 40 + 4g), so __g_refs[g] is 24 bytes
// below it and __wrefs 4 (g=0) or 8 (g=1) bytes below. A waiter holds 2 in
// __g_refs[g]; pthread_cond_signal waits for that to reach 0 before it can
// switch groups. The waiters do not exist in the child: drop their refs.
static void ReleaseStaleWaiters() {
  g_fixed_count = 0;
  for (int i = 0; i < g_waiter_count; i++) {
    uintptr_t a = g_waiters[i];
    if (a % 4 != 0 || a < 24 || !IsWritable(a - 24, 28)) continue;
    auto word = [](uintptr_t p) { return reinterpret_cast<std::atomic<unsigned>*>(p); };
    unsigned refs = word(a - 24)->load(std::memory_order_relaxed);
    unsigned wrefs0 = word(a - 4)->load(std::memory_order_relaxed);
    unsigned wrefs1 = IsWritable(a - 8, 4) ? word(a - 8)->load(std::memory_order_relaxed) : 0;
    auto small = [](unsigned v) { return v >= 1 && v <= 4096; };
    // Anything else (a semaphore, a layout we do not know) is left alone.
    if (!small(refs >> 1) || !(small(wrefs0 >> 3) || small(wrefs1 >> 3))) continue;
    word(a - 24)->store(0, std::memory_order_relaxed);
    g_fixed_count++;
  }
}

// Proves, once, that this glibc's condvar waiters show up where the fix
// expects them: a helper thread waits on a known condvar and we look at its
// futex address in /proc.
static pthread_mutex_t g_cal_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cal_cond = PTHREAD_COND_INITIALIZER;
static bool g_cal_done = false;
static std::atomic<pid_t> g_cal_tid{0};

static void* CalibrationThread(void*) {
  g_cal_tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
  pthread_mutex_lock(&g_cal_mutex);
  while (!g_cal_done) pthread_cond_wait(&g_cal_cond, &g_cal_mutex);
  pthread_mutex_unlock(&g_cal_mutex);
  return nullptr;
}

static void Calibrate() {
  int major = 0, minor = 0;
  const char* ver = gnu_get_libc_version();
  sscanf(ver, "%d.%d", &major, &minor);
  if (major != 2 || minor < 25 || minor > 40) {
    g_layout = Layout::Unsupported;
    g_layout_reason = std::string("glibc ") + ver + " is outside 2.25..2.40";
    return;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the helper inherits "all blocked"
  pthread_t th;
  g_cal_done = false;
  g_cal_tid.store(0);
  int rc = pthread_create(&th, nullptr, CalibrationThread, nullptr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (rc != 0) {
    g_layout = Layout::Unsupported;
    g_layout_reason = "cannot start the calibration thread";
    return;
  }
  uintptr_t base = reinterpret_cast<uintptr_t>(&g_cal_cond);
  bool seen = false;
  for (int i = 0; i < 2000 && !seen; i++) {  // up to ~2 s on a loaded machine
    pid_t tid = g_cal_tid.load();
    if (tid) {
      uintptr_t a = CondvarWaitAddress(tid);
      seen = a == base + 40 || a == base + 44;
    }
    if (!seen) usleep(1000);
  }
  pthread_mutex_lock(&g_cal_mutex);
  g_cal_done = true;
  pthread_cond_broadcast(&g_cal_cond);
  pthread_mutex_unlock(&g_cal_mutex);
  pthread_join(th, nullptr);
  g_layout = seen ? Layout::Supported : Layout::Unsupported;
  if (!seen) g_layout_reason = "condvar waiter not found at the expected offset";
}

// ---- 4. the child's loop: sentinel + natural end ---------------------------

static bool g_sentinel_installed = false;
static uv_async_t g_sentinel;
static uv_prepare_t g_prepare;
static napi_env g_child_env = nullptr;
static Napi::AsyncContext* g_child_context = nullptr;

static bool LoopAliveWithoutSentinel(uv_loop_t* loop) {
  uv_unref(reinterpret_cast<uv_handle_t*>(&g_sentinel));
  bool alive = uv_loop_alive(loop) != 0;
  uv_ref(reinterpret_cast<uv_handle_t*>(&g_sentinel));
  return alive;
}

// Runs before libuv would block: if only the sentinel keeps the loop alive,
// the child's program is done. Emit 'beforeExit' as Node does, and if that
// scheduled nothing, leave through process.exit (which ends in _exit).
static void OnChildPrepare(uv_prepare_t* h) {
  if (!g_child_env) return;
  Napi::Env env(g_child_env);
  AddonData* data = GetData(env);
  if (LoopAliveWithoutSentinel(h->loop) || data->child_before_exit.IsEmpty()) return;
  Napi::HandleScope scope(env);
  if (!g_child_context) g_child_context = new Napi::AsyncContext(env, "posixkit.fork");
  CallFromLoop(env, *g_child_context, data->child_before_exit, {});
  if (LoopAliveWithoutSentinel(h->loop)) return;
  CallFromLoop(env, *g_child_context, data->child_exit, {});
}

static void InstallSentinel(Napi::Env env, uv_loop_t* loop) {
  g_child_env = env;
  if (g_sentinel_installed) return;  // a grandchild inherits its parent's
  g_sentinel_installed = true;
  uv_async_init(loop, &g_sentinel, nullptr);
  uv_prepare_init(loop, &g_prepare);
  uv_prepare_start(&g_prepare, OnChildPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(&g_prepare));
}

static void ChildFatal(const char* what, int err) {
  char msg[256];
  int n = snprintf(msg, sizeof msg, "posixkit: fork child: %s failed: %s\n", what, strerror(err));
  if (write(2, msg, static_cast<size_t>(n)) < 0) {
  }
  _exit(70);
}

// ---- fork ------------------------------------------------------------------

static Value JS_fork(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData* data = GetData(env);
  if (!data->main_thread) {
    return ThrowCodedError(env, ErrorKind::kError, "ERR_FORK_NOT_MAIN_THREAD",
                           "fork() is only allowed on the main thread");
  }
  if (g_fix_enabled && g_layout == Layout::Unchecked) Calibrate();
  bool fix = g_fix_enabled && g_layout == Layout::Supported;

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  MarkEverythingDoFork();
  if (fix) ScanWaiters();
  else g_waiter_count = 0;

  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ThrowErrno(env, err, "fork");
  }
  if (pid == 0) {
    if (fix) ReleaseStaleWaiters();
    int rc = uv_loop_fork(data->loop);
    if (rc != 0) ChildFatal("uv_loop_fork", -rc);
    DropInheritedPidWatches(data->loop);
    InstallSentinel(env, data->loop);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return Napi::Number::New(env, 0);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return Napi::Number::New(env, pid);
}

static Value JS_set_child_callbacks(const CallbackInfo& info) {
  Napi::Function before_exit, exit_fn;
  if (!ArgFunction(info, 0, "beforeExit", &before_exit) || !ArgFunction(info, 1, "exit", &exit_fn))
    return info.Env().Undefined();
  AddonData* data = GetData(info.Env());
  data->child_before_exit = Napi::Persistent(before_exit);
  data->child_exit = Napi::Persistent(exit_fn);
  return info.Env().Undefined();
}

static Value JS_child_loop_alive(const CallbackInfo& info) {
  AddonData* data = GetData(info.Env());
  bool alive = g_sentinel_installed ? LoopAliveWithoutSentinel(data->loop)
                                    : uv_loop_alive(data->loop) != 0;
  return Napi::Boolean::New(info.Env(), alive);
}

#ifdef POSIXKIT_TEST_HOOKS
void SetCondvarFix(bool on) { g_fix_enabled = on; }

ForkInfo GetForkInfo() {
  ForkInfo fi;
  fi.glibc = gnu_get_libc_version();
  fi.condvar_fix = g_fix_enabled;
  fi.layout = g_layout == Layout::Supported ? "supported" : g_layout == Layout::Unsupported ? "unsupported" : "unchecked";
  fi.layout_reason = g_layout_reason;
  fi.waiters_at_last_fork = g_waiter_count;
  fi.released_in_child = g_fixed_count;
  fi.mappings_at_last_fork = static_cast<int>(g_writable.size());
  return fi;
}
#endif

}  // namespace posixkit::forking

namespace posixkit {

void InitFork(Napi::Env env, Napi::Object exports) {
  using namespace forking;
  EXPORT_FN(exports, fork);
  EXPORT_FN(exports, set_child_callbacks);
  EXPORT_FN(exports, child_loop_alive);
}

}  // namespace posixkit
