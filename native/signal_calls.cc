// Signals, the calls besides delivery: alarm and interval timers, names and
// sets, masks, sigwait and signalfd (delivery and handlers: signal.cc).
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include "binding.h"
#include "os_args.h"
#include "signal.h"

namespace posixkit::sig {

// ---- alarm and interval timers -------------------------------------------------

static Value JS_alarm(const CallbackInfo& info) {
  int64_t s;
  if (!ArgInt(info, 0, "seconds", 0, UINT32_MAX, &s)) return UNDEF;
  return Napi::Number::New(ENV, alarm(static_cast<unsigned>(s)));
}

// Rounds up to the microsecond so a tiny positive time never becomes 0,
// which would disarm the timer (CPython bpo-30807).
static struct timeval ToTimeval(double s) {
  struct timeval tv;
  double us = std::ceil(s * 1e6);
  tv.tv_sec = static_cast<time_t>(std::floor(us / 1e6));
  tv.tv_usec = static_cast<suseconds_t>(us - static_cast<double>(tv.tv_sec) * 1e6);
  if (tv.tv_usec >= 1000000) {
    tv.tv_sec += 1;
    tv.tv_usec -= 1000000;
  }
  return tv;
}

static double FromTimeval(const struct timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

static bool ArgSeconds(const CallbackInfo& info, size_t i, const char* name, double* out) {
  if (!ArgDouble(info, i, name, out)) return false;
  if (*out < 0 || !std::isfinite(*out) || *out > kMaxTimeoutSeconds) {
    ThrowRangeError(info.Env(), name, ">= 0 && <= 9223372036");
    return false;
  }
  return true;
}

static Value JS_setitimer(const CallbackInfo& info) {
  int32_t which;
  double value, interval;
  if (!ArgInt32(info, 0, "which", &which) || !ArgSeconds(info, 1, "seconds", &value) ||
      !ArgSeconds(info, 2, "interval", &interval))
    return UNDEF;
  struct itimerval nv, ov;
  nv.it_value = ToTimeval(value);
  nv.it_interval = ToTimeval(interval);
  if (setitimer(static_cast<__itimer_which>(which), &nv, &ov) < 0)
    return ThrowErrno(ENV, errno, "setitimer");
  return NumberPair(ENV, FromTimeval(ov.it_value), FromTimeval(ov.it_interval));
}

static Value JS_getitimer(const CallbackInfo& info) {
  int32_t which;
  if (!ArgInt32(info, 0, "which", &which)) return UNDEF;
  struct itimerval v;
  if (getitimer(static_cast<__itimer_which>(which), &v) < 0) return ThrowErrno(ENV, errno, "getitimer");
  return NumberPair(ENV, FromTimeval(v.it_value), FromTimeval(v.it_interval));
}

// ---- names, sets, masks ------------------------------------------------------

static Value JS_strsignal(const CallbackInfo& info) {
  int signo;
  if (!ArgSignum(info, 0, &signo)) return UNDEF;
  const char* s = strsignal(signo);
  if (!s || strstr(s, "Unknown signal")) return ENV.Null();
  return Napi::String::New(ENV, s);
}

static Napi::Array SetToArray(Napi::Env env, const sigset_t& set) {
  Napi::Array a = Napi::Array::New(env);
  uint32_t n = 0;
  for (int s = 1; s < kMax; s++)
    if (sigismember(&set, s) == 1) a.Set(n++, Napi::Number::New(env, s));
  return a;
}

// A list of signal numbers (repeats allowed), at most 1024 of them: a longer
// list (a sparse one of length 2**32-1) is refused before it is read.
static bool ArgSigset(const CallbackInfo& info, size_t i, sigset_t* set) {
  sigemptyset(set);
  std::vector<napi_value> items;
  if (!ReadList(info.Env(), i < info.Length() ? info[i] : info.Env().Undefined(), "signals",
                "an array of signal numbers", 1024, &items))
    return false;
  for (napi_value v : items) {
    int64_t d;
    if (!IntValue(info.Env(), v, "signals", 1, kMax - 1, &d)) return false;
    sigaddset(set, static_cast<int>(d));  // glibc refuses its 32/33: harmless
  }
  return true;
}

static Value JS_valid_signals(const CallbackInfo& info) {
  sigset_t set;
  sigfillset(&set);
  return SetToArray(ENV, set);
}

static Value JS_sigpending(const CallbackInfo& info) {
  sigset_t set;
  if (sigpending(&set) < 0) return ThrowErrno(ENV, errno, "sigpending");
  return SetToArray(ENV, set);
}

// pthread_sigmask(how, signals) -> the previous mask. Signals unblocked on
// the main thread are delivered as the call returns; their JS handlers run
// before it returns (Python does the same).
static Value JS_pthread_sigmask(const CallbackInfo& info) {
  int32_t how;
  sigset_t set, old;
  if (!ArgInt32(info, 0, "how", &how) || !ArgSigset(info, 1, &set)) return UNDEF;
  if (int err = pthread_sigmask(how, &set, &old)) return ThrowErrno(ENV, err, "pthread_sigmask");
  Napi::Array prev = SetToArray(ENV, old);
  if (GetData(ENV)->main_thread && AnyPending() && !RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  return prev;
}

// ---- sigwait family ------------------------------------------------------------

// The fields of Python's struct_siginfo, in its order.
static Napi::Array SiginfoArray(Napi::Env env, const siginfo_t& si) {
  return NumberArray(env, {static_cast<double>(si.si_signo), static_cast<double>(si.si_code),
                           static_cast<double>(si.si_errno), static_cast<double>(si.si_pid),
                           static_cast<double>(si.si_uid), static_cast<double>(si.si_status),
                           static_cast<double>(si.si_band)});
}

// sigtimedwait(signals, timeout) with timeout < 0 meaning none (sigwaitinfo).
// Returns the siginfo fields, or null when the timeout passed. EINTR (a signal
// outside the set ran its handler): the EINTR rule, with the time left.
// glibc's sigwait() retries EINTR itself, so no JS handler could run: the
// TS sigwait() uses this too.
static Value JS_sigtimedwait(const CallbackInfo& info) {
  sigset_t set;
  double timeout;
  if (!ArgSigset(info, 0, &set) || !ArgTimeout(info, 1, &timeout)) return UNDEF;
  Deadline deadline(timeout);
  siginfo_t si;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    int r;
    if (deadline.infinite()) {
      r = sigwaitinfo(&set, &si);
    } else {
      struct timespec ts = deadline.RemainingTimespec();
      r = sigtimedwait(&set, &si, &ts);
    }
    if (r >= 0) return SiginfoArray(ENV, si);
    if (errno == EAGAIN) return ENV.Null();
    if (errno != EINTR) return ThrowErrno(ENV, errno, deadline.infinite() ? "sigwaitinfo" : "sigtimedwait");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
}

// ---- signals to a thread or a pidfd --------------------------------------------

Value HandleSignalsSentToSelf(Napi::Env env) {
  // A signal a thread sends its own process is delivered to that thread as
  // the syscall returns (unless blocked there), so it is recorded by now.
  if (GetData(env)->main_thread && AnyPending()) RunSignalHandlersAfterEINTR(env);
  return env.Undefined();
}

// pthread_kill(tid, sig): tgkill(2) to a thread of this process, named by its
// kernel thread id (gettid(), threading.get_native_id()). Signal 0 probes.
static Value JS_pthread_kill(const CallbackInfo& info) {
  int64_t tid, sig;
  if (!ArgInt(info, 0, "thread_id", 1, INT32_MAX, &tid) || !ArgInt(info, 1, "signalnum", 0, kMax - 1, &sig))
    return UNDEF;
  if (syscall(SYS_tgkill, getpid(), static_cast<pid_t>(tid), static_cast<int>(sig)) < 0)
    return ThrowErrno(ENV, errno, "pthread_kill");
  return HandleSignalsSentToSelf(ENV);
}

// pidfd_send_signal(2) without a siginfo (as Python).
static Value JS_pidfd_send_signal(const CallbackInfo& info) {
  int fd;
  int64_t sig, flags;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "sig", 0, kMax - 1, &sig) ||
      !ArgInt(info, 2, "flags", 0, UINT32_MAX, &flags))
    return UNDEF;
  if (syscall(SYS_pidfd_send_signal, fd, static_cast<int>(sig), nullptr, static_cast<unsigned>(flags)) < 0)
    return ThrowErrno(ENV, errno, "pidfd_send_signal");
  return HandleSignalsSentToSelf(ENV);
}

// ---- signalfd ------------------------------------------------------------------

static Value JS_signalfd(const CallbackInfo& info) {
  int32_t fd, flags;
  sigset_t set;
  if (!ArgInt32(info, 0, "fd", &fd) || !ArgSigset(info, 1, &set) || !ArgInt32(info, 2, "flags", &flags))
    return UNDEF;
  int r = signalfd(fd, &set, flags);
  if (r < 0) return ThrowErrno(ENV, errno, "signalfd");
  return Napi::Number::New(ENV, r);
}

// Reads up to `max` signalfd_siginfo records (blocking unless the fd is
// O_NONBLOCK; EINTR rule) and decodes them.
static Value JS_signalfd_read(const CallbackInfo& info) {
  int fd;
  int64_t max;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "max", 1, 1024, &max)) return UNDEF;
  struct signalfd_siginfo buf[64];
  size_t want = static_cast<size_t>(max < 64 ? max : 64);
  ssize_t n;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    n = read(fd, buf, want * sizeof buf[0]);
    if (n >= 0) break;
    if (errno != EINTR) return ThrowErrno(ENV, errno, "read");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
  size_t got = static_cast<size_t>(n) / sizeof buf[0];
  Napi::Array out = Napi::Array::New(ENV, got);
  for (size_t k = 0; k < got; k++) {
    const signalfd_siginfo& s = buf[k];
    Napi::Object o = Napi::Object::New(ENV);
#define F(name) o.Set(#name, Napi::Number::New(ENV, static_cast<double>(s.name)))
    F(ssi_signo); F(ssi_errno); F(ssi_code); F(ssi_pid); F(ssi_uid); F(ssi_fd); F(ssi_tid);
    F(ssi_band); F(ssi_overrun); F(ssi_trapno); F(ssi_status); F(ssi_int); F(ssi_ptr);
    F(ssi_utime); F(ssi_stime); F(ssi_addr);
#undef F
    out.Set(static_cast<uint32_t>(k), o);
  }
  return out;
}

void InitSignalCalls(Napi::Env env, Napi::Object f) {
  EXPORT_FN(f, alarm); EXPORT_FN(f, setitimer); EXPORT_FN(f, getitimer); EXPORT_FN(f, strsignal);
  EXPORT_FN(f, valid_signals); EXPORT_FN(f, sigpending); EXPORT_FN(f, pthread_sigmask);
  EXPORT_FN(f, sigtimedwait); EXPORT_FN(f, signalfd); EXPORT_FN(f, signalfd_read);
  EXPORT_FN(f, pthread_kill); EXPORT_FN(f, pidfd_send_signal);
}

}  // namespace posixkit::sig
