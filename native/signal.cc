// Signals: real sigaction handlers that only record, JS handlers run on the
// main thread, signal()/getsignal(), pause and raise. The other calls
// (alarm, itimers, masks, sigwait, signalfd) are in signal_calls.cc.
//
// Delivery (docs/signals.md, "From the kernel to handler(signum)"):
//  - OnSignal is the only sigaction handler posixkit installs. It is
//    async-signal-safe: it bumps a per-signal atomic counter and wakes the
//    event loop with uv_async_send (documented async-signal-safe by libuv).
//  - Node always has other threads (V8 platform, libuv pool) that do not
//    block signals, so a process-directed signal may run OnSignal there. It
//    then forwards the signal to the main thread (rt_tgsigqueueinfo) and records
//    nothing, so a main thread blocked in pause()/read() gets its EINTR and
//    each signal is counted exactly once, on the main thread. That thread
//    keeps the signal blocked afterwards, so the next ones skip the detour.
//  - Installed without SA_RESTART: blocking calls return EINTR and run the
//    JS handlers through RunSignalHandlersAfterEINTR (errors.cc), which calls
//    the dispatcher lib/signal.ts registered; idle, the async wake-up calls
//    the same dispatcher from the event loop.
//  - libuv (process.on('SIGINT'), child_process's SIGCHLD) installs its own
//    handler with sigaction and neither saves nor restores the previous one.
//    posixkit learns libuv's handler address once, chains to it from
//    OnSignal when it replaced it, and takes a JS-handled signal back (still
//    chaining) when libuv overwrote it or reset it to SIG_DFL. docs/signals.md.
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "binding.h"
#include "signal.h"

namespace posixkit::sig {

// ---- state read and written by OnSignal ------------------------------------
// Dispositions are process-wide, so this state is too; only the main
// thread's environment changes it.
static std::atomic<uint32_t> g_count[kMax];      // recorded, not yet dispatched
static std::atomic<uint64_t> g_recorded[kMax];   // cumulative, for tests
static std::atomic<uint64_t> g_forwarded{0};     // deliveries off the main thread
static std::atomic<pid_t> g_count_pid{0};        // the process g_count belongs to
static std::atomic<uv_async_t*> g_async{nullptr};
static std::atomic<bool> g_chain[kMax];          // also call libuv's handler
using PlainHandler = void (*)(int);
static std::atomic<PlainHandler> g_libuv{nullptr};
// set_wakeup_fd: one byte (the signal number) per recorded signal; a failed
// write's errno waits in g_wakeup_err for the event loop to report it.
static std::atomic<int> g_wakeup_fd{-1};
static std::atomic<bool> g_wakeup_warn{true};
static std::atomic<int> g_wakeup_err{0};

static pid_t Getpid() { return static_cast<pid_t>(syscall(SYS_getpid)); }
static pid_t Gettid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// A forked child inherits the parent's counters: they are the parent's
// signals and must not run the child's handlers (libuv's fork_close_signal
// test). Runs with every signal blocked (OnSignal's sa_mask, or the caller).
static void ResetCountsIfForked(pid_t pid) {
  if (g_count_pid.load(std::memory_order_relaxed) == pid) return;
  for (auto& c : g_count) c.store(0, std::memory_order_relaxed);
  g_count_pid.store(pid, std::memory_order_relaxed);
}

static void OnSignal(int signo, siginfo_t* info, void* context) {
  int saved_errno = errno;
  pid_t pid = Getpid();
  if (Gettid() != pid) {
    if (info->si_code == SI_QUEUE && info->si_pid == pid && info->si_value.sival_int == kSteerCookie) {
      // SteerAway's request: block it here from now on, nothing to forward.
      sigaddset(&static_cast<ucontext_t*>(context)->uc_sigmask, signo);
      SteerAck();
      errno = saved_errno;
      return;
    }
    // Not the main thread: let the main thread take it (it stays pending
    // there while the main thread blocks it, which keeps signalfd working).
    // rt_tgsigqueueinfo keeps the sender's si_pid/si_uid for a signalfd
    // reader; from another thread the kernel only accepts a negative si_code.
    siginfo_t fwd = *info;
    if (fwd.si_code >= 0 || fwd.si_code == SI_TKILL) fwd.si_code = SI_QUEUE;
    if (syscall(SYS_rt_tgsigqueueinfo, pid, pid, signo, &fwd) < 0)
      syscall(SYS_tgkill, pid, pid, signo);
    // And keep it blocked on this thread once the handler returns, so later
    // deliveries go straight to the main thread (or wait in the process queue).
    sigaddset(&static_cast<ucontext_t*>(context)->uc_sigmask, signo);
    g_forwarded.fetch_add(1, std::memory_order_relaxed);
    errno = saved_errno;
    return;
  }
  ResetCountsIfForked(pid);
  g_count[signo].fetch_add(1, std::memory_order_relaxed);
  g_recorded[signo].fetch_add(1, std::memory_order_relaxed);
  int wfd = g_wakeup_fd.load(std::memory_order_relaxed);
  if (wfd >= 0) {
    unsigned char byte = static_cast<unsigned char>(signo);
    if (write(wfd, &byte, 1) < 0) {
      bool full = errno == EAGAIN || errno == EWOULDBLOCK;
      if (!full || g_wakeup_warn.load(std::memory_order_relaxed)) g_wakeup_err.store(errno, std::memory_order_relaxed);
    }
  }
  if (uv_async_t* a = g_async.load(std::memory_order_acquire)) uv_async_send(a);
  if (g_chain[signo].load(std::memory_order_relaxed)) {
    if (PlainHandler h = g_libuv.load(std::memory_order_relaxed)) h(signo);
  }
  errno = saved_errno;
}

// ---- main-thread bookkeeping -------------------------------------------------

enum Kind { kDefault = 0, kIgnore = 1, kOurs = 2, kForeign = 3 };

static bool g_ours[kMax];                 // a JS handler is the intended disposition
static int g_ours_count = 0;
static struct sigaction g_saved[kMax];    // the foreign handler we replaced
static bool g_has_saved[kMax];
static bool g_restart[kMax];              // siginterrupt(sig, false): SA_RESTART

static bool IsOurs(const struct sigaction& sa) {
  return (sa.sa_flags & SA_SIGINFO) && sa.sa_sigaction == OnSignal;
}

static Kind KindOf(const struct sigaction& sa) {
  if (IsOurs(sa)) return kOurs;
  if (!(sa.sa_flags & SA_SIGINFO)) {
    if (sa.sa_handler == SIG_DFL) return kDefault;
    if (sa.sa_handler == SIG_IGN) return kIgnore;
  }
  return kForeign;
}

static bool IsLibuv(const struct sigaction& sa) {
  PlainHandler h = g_libuv.load();
  return h && !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == h;
}

static void SetOurs(int signo, bool on) {
  if (g_ours[signo] == on) return;
  g_ours[signo] = on;
  g_ours_count += on ? 1 : -1;
}

// Installs OnSignal; `cur` is the disposition it replaces. `save`: keep a
// foreign `cur` for signal(sig, null). Only signal() saves: what Reassert
// replaces is libuv's transient handler, not what the user displaced (Node's
// SIGINT handler must stay the one null restores). Returns 0 or errno.
static int InstallOurs(int signo, const struct sigaction& cur, bool save) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = OnSignal;
  // No SA_RESTART (blocking calls must see EINTR); every signal blocked while
  // OnSignal runs, so it never nests and the fork reset stays consistent.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | (g_restart[signo] ? SA_RESTART : 0);
  sigfillset(&sa.sa_mask);
  bool was_libuv = IsLibuv(cur);
  // Chain before the switch so no delivery in between misses libuv.
  if (was_libuv) g_chain[signo].store(true);
  if (sigaction(signo, &sa, nullptr) < 0) return errno;
  if (save && KindOf(cur) == kForeign) {
    g_saved[signo] = cur;
    g_has_saved[signo] = true;
  }
  if (KindOf(cur) != kOurs && !was_libuv) g_chain[signo].store(false);
  return 0;
}

// libuv overwrites our sigaction when a process.on() listener or the first
// child_process child starts watching a signal, and resets it to SIG_DFL when
// the last one stops. Take JS-handled signals back, chaining to libuv. Any
// other change (another addon, SIG_IGN) is someone's deliberate choice: the
// signal is no longer ours.
static void Reassert() {
  if (g_ours_count == 0) return;
  for (int s = 1; s < kMax; s++) {
    if (!g_ours[s]) continue;
    struct sigaction cur;
    if (sigaction(s, nullptr, &cur) < 0 || IsOurs(cur)) continue;
    if (IsLibuv(cur) || KindOf(cur) == kDefault) {
      g_chain[s].store(IsLibuv(cur));
      if (InstallOurs(s, cur, false) == 0) continue;
    }
    SetOurs(s, false);
  }
}

// ---- event-loop side -----------------------------------------------------------

static napi_env g_main_env = nullptr;
static uv_async_t* g_async_handle = nullptr;
static uv_prepare_t* g_prepare = nullptr;
static Napi::AsyncContext* g_context = nullptr;

static void OnAsync(uv_async_t*) {
  if (!g_main_env) return;
  Napi::Env env(g_main_env);
  AddonData* data = GetData(env);
  if (!data || data->signal_dispatch.IsEmpty()) return;
  Napi::HandleScope scope(env);
  // Microtasks run after, a throwing handler is an uncaught exception, as a
  // Python handler raising in the main thread. A signal that arrives as the
  // process ends may wake this during Node's teardown: then it is dropped.
  CallFromLoop(env, *g_context, data->signal_dispatch, {});
}

static void OnPrepare(uv_prepare_t*) { Reassert(); }

// Handles are deleted as the type they were allocated as.
template <typename T>
static void FreeHandle(uv_handle_t* h) {
  delete reinterpret_cast<T*>(h);
}

static void OnEnvTeardown(void*) {
  g_async.store(nullptr, std::memory_order_release);
  g_wakeup_fd.store(-1);
  g_main_env = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(g_async_handle), FreeHandle<uv_async_t>);
  uv_close(reinterpret_cast<uv_handle_t*>(g_prepare), FreeHandle<uv_prepare_t>);
  g_async_handle = nullptr;
  g_prepare = nullptr;
  delete g_context;
  g_context = nullptr;
}

static void NoopSignal(uv_signal_t*, int) {}

// libuv's handler is a static function; learn its address by letting libuv
// install it on a signal nobody handles (default action: ignore) and reading
// it back. libuv resets that signal to SIG_DFL when the watcher stops.
static void ProbeLibuvHandler(uv_loop_t* loop) {
  for (int s : {SIGURG, SIGWINCH}) {
    struct sigaction cur;
    if (sigaction(s, nullptr, &cur) < 0 || KindOf(cur) != kDefault) continue;
    auto* h = new uv_signal_t;
    if (uv_signal_init(loop, h) != 0) {
      delete h;
      return;
    }
    if (uv_signal_start(h, NoopSignal, s) == 0) {
      sigaction(s, nullptr, &cur);
      if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN)
        g_libuv.store(cur.sa_handler);
      uv_signal_stop(h);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(h), FreeHandle<uv_signal_t>);
    return;
  }
}

bool RequireMain(Napi::Env env, const char* what) {
  AddonData* data = GetData(env);
  if (data && data->main_thread) return true;
  ThrowCodedError(env, ErrorKind::kError, "ERR_SIGNAL_NOT_MAIN_THREAD",
                  std::string(what) + " only works in the main thread: signal handlers run on the main thread");
  return false;
}

static bool EnsureSetup(Napi::Env env) {
  if (g_main_env == env) return true;
  AddonData* data = GetData(env);
  auto* a = new uv_async_t;
  if (int rc = uv_async_init(data->loop, a, OnAsync); rc != 0) {
    delete a;
    ThrowErrno(env, -rc, "uv_async_init");
    return false;
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(a));  // handlers alone keep no process alive
  auto* p = new uv_prepare_t;
  uv_prepare_init(data->loop, p);
  uv_prepare_start(p, OnPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(p));
  g_async_handle = a;
  g_prepare = p;
  g_context = new Napi::AsyncContext(env, "posixkit.signal");
  g_main_env = env;
  napi_add_env_cleanup_hook(env, OnEnvTeardown, nullptr);
  if (!g_libuv.load()) ProbeLibuvHandler(data->loop);
  g_count_pid.store(Getpid());
  g_async.store(a, std::memory_order_release);
  return true;
}

bool ArgSignum(const CallbackInfo& info, size_t i, int* out) {
  int64_t v;
  if (!ArgInt(info, i, "signalnum", 1, kMax - 1, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool AnyPending() {
  for (int s = 1; s < kMax; s++)
    if (g_count[s].load(std::memory_order_relaxed)) return true;
  return false;
}

// ---- signal / getsignal ------------------------------------------------------

// signal(signum, mode) with mode 0 SIG_DFL, 1 SIG_IGN, 2 the JS handler,
// 3 the foreign handler posixkit replaced. Returns the previous Kind.
static Value JS_signal(const CallbackInfo& info) {
  int signo;
  int64_t mode;
  if (!ArgSignum(info, 0, &signo) || !ArgInt(info, 1, "mode", 0, 3, &mode)) return UNDEF;
  if (IsFaultSignal(signo)) {
    return ThrowCodedError(ENV, ErrorKind::kType, "ERR_INVALID_ARG_VALUE",
                           "The argument 'signalnum' is a synchronous fault signal (SIGSEGV, SIGBUS, SIGFPE or "
                           "SIGILL): its disposition cannot be changed (V8 handles these faults itself)");
  }
  if (!RequireMain(ENV, "signal()") || !EnsureSetup(ENV)) return UNDEF;
  Reassert();
  struct sigaction cur;
  if (sigaction(signo, nullptr, &cur) < 0) return ThrowErrno(ENV, errno, "sigaction");
  Kind prev = KindOf(cur);
  if (prev == kOurs && !g_ours[signo]) prev = kForeign;
  if (mode == kOurs) {
    if (int err = InstallOurs(signo, cur, true)) return ThrowErrno(ENV, err, "sigaction");
    SetOurs(signo, true);
    SteerAway(signo);
  } else {
    struct sigaction sa;
    if (mode == kForeign) {
      if (!g_has_saved[signo]) {
        return ThrowCodedError(ENV, ErrorKind::kError, "ERR_INVALID_ARG_VALUE",
                               "no handler to restore: posixkit never replaced a foreign handler of this signal");
      }
      sa = g_saved[signo];
    } else {
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = mode == kDefault ? SIG_DFL : SIG_IGN;
      sigemptyset(&sa.sa_mask);
    }
    if (sigaction(signo, &sa, nullptr) < 0) return ThrowErrno(ENV, errno, "sigaction");
    SetOurs(signo, false);
    g_chain[signo].store(false);
  }
  return Napi::Number::New(ENV, prev);
}

static Value JS_getsignal(const CallbackInfo& info) {
  int signo;
  if (!ArgSignum(info, 0, &signo)) return UNDEF;
  if (GetData(ENV)->main_thread) Reassert();
  struct sigaction cur;
  if (sigaction(signo, nullptr, &cur) < 0) return ThrowErrno(ENV, errno, "sigaction");
  Kind k = KindOf(cur);
  if (k == kOurs && !g_ours[signo]) k = kForeign;
  return Napi::Number::New(ENV, k);
}

// siginterrupt(sig, flag): flag false sets SA_RESTART, so the kernel
// restarts interrupted calls and the JS handler waits for the event loop.
static Value JS_siginterrupt(const CallbackInfo& info) {
  int signo;
  if (!ArgSignum(info, 0, &signo)) return UNDEF;
  bool interrupt = info.Length() > 1 && info[1].ToBoolean().Value();
  if (!RequireMain(ENV, "siginterrupt()")) return UNDEF;
  struct sigaction cur;
  if (sigaction(signo, nullptr, &cur) < 0) return ThrowErrno(ENV, errno, "sigaction");
  if (interrupt) cur.sa_flags &= ~SA_RESTART;
  else cur.sa_flags |= SA_RESTART;
  if (sigaction(signo, &cur, nullptr) < 0) return ThrowErrno(ENV, errno, "sigaction");
  g_restart[signo] = !interrupt;
  return UNDEF;
}

static Value JS_has_saved(const CallbackInfo& info) {
  int signo;
  if (!ArgSignum(info, 0, &signo)) return UNDEF;
  return Napi::Boolean::New(ENV, g_has_saved[signo]);
}

// [sig, count, sig, count, ...] of the recorded signals, which are now taken.
static Value JS_take_pending(const CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(ENV);
  uint32_t n = 0;
  for (int s = 1; s < kMax; s++) {
    if (!g_count[s].load(std::memory_order_relaxed)) continue;
    uint32_t c = g_count[s].exchange(0, std::memory_order_relaxed);
    if (!c) continue;
    out.Set(n++, Napi::Number::New(ENV, s));
    out.Set(n++, Napi::Number::New(ENV, c));
  }
  return out;
}

// Puts back the calls a throwing handler prevented; the event loop runs them.
static Value JS_add_pending(const CallbackInfo& info) {
  int signo;
  int64_t n;
  if (!ArgSignum(info, 0, &signo) || !ArgInt(info, 1, "count", 0, UINT32_MAX, &n)) return UNDEF;
  g_count[signo].fetch_add(static_cast<uint32_t>(n));
  if (uv_async_t* a = g_async.load()) uv_async_send(a);
  return UNDEF;
}

// After fork, in the child: drop the parent's undispatched signals.
static Value JS_after_fork_child(const CallbackInfo& info) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  ResetCountsIfForked(Getpid());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return UNDEF;
}

// ---- set_wakeup_fd -----------------------------------------------------------

// set_wakeup_fd(fd, warn_on_full_buffer) -> the previous fd (-1: none). The
// fd must be non-blocking: OnSignal must never block in write().
static Value JS_set_wakeup_fd(const CallbackInfo& info) {
  int32_t fd;
  if (!ArgInt32(info, 0, "fd", &fd)) return UNDEF;
  bool warn = info.Length() < 2 || info[1].ToBoolean().Value();
  if (!RequireMain(ENV, "set_wakeup_fd()")) return UNDEF;
  if (fd < -1) return ThrowRangeError(ENV, "fd", ">= -1");
  if (fd >= 0) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return ThrowErrno(ENV, errno, "set_wakeup_fd");
    if (!(fl & O_NONBLOCK)) {
      Napi::Error e = Napi::TypeError::New(ENV, "the fd " + std::to_string(fd) + " must be in non-blocking mode");
      e.Set("code", Napi::String::New(ENV, "ERR_INVALID_ARG_VALUE"));
      e.ThrowAsJavaScriptException();
      return UNDEF;
    }
  }
  g_wakeup_warn.store(warn);
  return Napi::Number::New(ENV, g_wakeup_fd.exchange(fd));
}

// The errno of the last failed wakeup write (0: none), now taken.
static Value JS_take_wakeup_error(const CallbackInfo& info) {
  return Napi::Number::New(ENV, g_wakeup_err.exchange(0, std::memory_order_relaxed));
}

// ---- pause, raise ---------------------------------------------------------------

// pause(2) always ends with EINTR once a handler ran. A signal that arrived
// before the call but whose JS handler has not run yet (JS was busy) counts:
// its handler runs and pause returns without sleeping. In Python that
// handler would already have run and pause would sleep; here the gap between
// a signal and its JS handler is far wider, and sleeping through a signal
// that was just handled turns `while (!done) pause()` into a lost wake-up.
static Value JS_pause(const CallbackInfo& info) {
  if (!RequireMain(ENV, "pause()")) return UNDEF;
  if (!AnyPending()) pause();
  RunSignalHandlersAfterEINTR(ENV);  // a throw stays pending and propagates
  return UNDEF;
}

// raise(3); the JS handler runs before raise_signal returns (as Python).
static Value JS_raise_signal(const CallbackInfo& info) {
  int signo;
  if (!ArgSignum(info, 0, &signo)) return UNDEF;
  if (raise(signo) != 0) return ThrowErrno(ENV, errno, "raise");
  if (GetData(ENV)->main_thread && AnyPending()) RunSignalHandlersAfterEINTR(ENV);
  return UNDEF;
}

#ifdef POSIXKIT_TEST_HOOKS
Stats GetStats() {
  Stats st;
  st.forwarded = g_forwarded.load();
  for (int s = 1; s < kMax; s++) {
    st.recorded[s] = g_recorded[s].load();
    st.chained[s] = g_chain[s].load();
  }
  st.libuv_handler_known = g_libuv.load() != nullptr;
  return st;
}
#endif

}  // namespace posixkit::sig

namespace posixkit {

void InitSignal(Napi::Env env, Napi::Object exports) {
  using namespace sig;
  Napi::Object f = Napi::Object::New(env);
  EXPORT_FN(f, signal); EXPORT_FN(f, getsignal); EXPORT_FN(f, has_saved); EXPORT_FN(f, siginterrupt);
  EXPORT_FN(f, take_pending); EXPORT_FN(f, add_pending); EXPORT_FN(f, after_fork_child); EXPORT_FN(f, pause);
  EXPORT_FN(f, raise_signal); EXPORT_FN(f, set_wakeup_fd); EXPORT_FN(f, take_wakeup_error);
  InitSignalCalls(env, f);
  exports.Set("signal", f);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(SIGHUP); K(SIGINT); K(SIGQUIT); K(SIGILL); K(SIGTRAP); K(SIGABRT); K(SIGIOT); K(SIGBUS);
  K(SIGFPE); K(SIGKILL); K(SIGUSR1); K(SIGSEGV); K(SIGUSR2); K(SIGPIPE); K(SIGALRM);
  K(SIGTERM); K(SIGSTKFLT); K(SIGCHLD); K(SIGCONT); K(SIGSTOP); K(SIGTSTP); K(SIGTTIN);
  K(SIGTTOU); K(SIGURG); K(SIGXCPU); K(SIGXFSZ); K(SIGVTALRM); K(SIGPROF); K(SIGWINCH);
  K(SIGIO); K(SIGPOLL); K(SIGPWR); K(SIGSYS); K(SIGCLD);
  K(SIG_BLOCK); K(SIG_UNBLOCK); K(SIG_SETMASK);
  K(ITIMER_REAL); K(ITIMER_VIRTUAL); K(ITIMER_PROF);
  K(SFD_CLOEXEC); K(SFD_NONBLOCK);
#undef K
  c.Set("SIGRTMIN", Napi::Number::New(env, SIGRTMIN));  // glibc reserves the first two
  c.Set("SIGRTMAX", Napi::Number::New(env, SIGRTMAX));
  c.Set("NSIG", Napi::Number::New(env, kMax));
  c.Set("SIG_DFL", Napi::Number::New(env, kDefault));
  c.Set("SIG_IGN", Napi::Number::New(env, kIgnore));
  c.Set("SIGINFO_SIZE", Napi::Number::New(env, sizeof(struct signalfd_siginfo)));
  exports.Set("signalConstants", c);
}

}  // namespace posixkit
